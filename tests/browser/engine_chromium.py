"""Chromium: Debian's ``chromium``, driven by Playwright over CDP."""

from __future__ import annotations

from typing import Any

from browser_harness import EngineUnavailable, find_executable
from playwright_driver import PlaywrightEngine

#: ``localhost`` and every ``*.localhost`` name go to 127.0.0.1, the IP
#: literal 127.0.0.1 is left alone (without the EXCLUDE rule ``MAP *`` also
#: captures IP literals and 127.0.0.1 stops working), everything else fails
#: with ERR_NAME_NOT_RESOLVED, so nothing can leave the machine.
HOST_RESOLVER_RULES = (
    "MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    f"--host-resolver-rules={HOST_RESOLVER_RULES}",
    # ACAH: * must never cover Authorization (FETCH-C12). This is NOT the
    # default: measured in Chromium 156, without this feature `ACAH: *` lets
    # Authorization through (docs/browsers.md). Forced on so the suite checks
    # the standard's rule; test_browser_harness proves it took effect.
    "--enable-features=CorsNonWildcardRequestHeadersSupport",
]

INSTALL_HINT = (
    "install the browser with `apt-get install chromium` and the driver with "
    "`pip install -e '.[test]'` (never run `playwright install`: the suite drives "
    "the system chromium)"
)


class ChromiumEngine(PlaywrightEngine):
    name = "chromium"
    install_hint = INSTALL_HINT
    blocked_message = "Failed to fetch"

    def launch(self, playwright: Any) -> Any:
        executable = find_executable("chromium", "/usr/bin/chromium")
        if executable is None:
            raise EngineUnavailable(
                "no chromium executable (looked for `chromium` on PATH and /usr/bin/chromium)"
            )
        try:
            return playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True, timeout=60_000
            )
        except Exception as exc:
            raise EngineUnavailable(f"{executable} did not start: {exc}") from exc


ENGINE = ChromiumEngine()
