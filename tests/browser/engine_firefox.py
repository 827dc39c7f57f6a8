"""Firefox: Debian's ``firefox-esr``, driven by Playwright's ``moz-firefox``
channel, which speaks WebDriver BiDi to a stock Firefox (no patched
Playwright build, nothing downloaded). Pinned in setup.cfg: Playwright 1.65
sends a BiDi command Firefox ESR 153 lacks, and ``new_context()`` fails.
"""

from __future__ import annotations

from typing import Any

from browser_harness import LOOPBACK_HOSTS, DeadPort, EngineUnavailable, find_executable
from playwright_driver import PlaywrightEngine

INSTALL_HINT = (
    "install the browser with `apt-get install firefox-esr` and the driver with "
    "`pip install -e '.[test]'` (Playwright >=1.60,<1.65; never run `playwright install`)"
)


def firefox_prefs(dead_proxy: str) -> dict[str, Any]:
    host, port = dead_proxy.rsplit(":", 1)
    return {
        # ACAH: * must never cover Authorization (FETCH-C12). Measured in
        # Firefox ESR 153: this preference defaults to true, and then `*` lets
        # Authorization through (docs/browsers.md). Set to the standard's rule;
        # test_browser_harness proves it took effect.
        "network.cors_preflight.authorization_covered_by_wildcard": False,
        # Firefox sends localhost and *.localhost to loopback by itself. Every
        # other host goes to a proxy that refuses connections (DeadPort), so
        # nothing leaves the machine (Chromium: MAP * ~NOTFOUND).
        "network.proxy.type": 1,
        "network.proxy.http": host,
        "network.proxy.http_port": int(port),
        "network.proxy.ssl": host,
        "network.proxy.ssl_port": int(port),
        "network.proxy.no_proxies_on": ", ".join(h.lstrip("*") for h in LOOPBACK_HOSTS),
        "network.proxy.allow_hijacking_localhost": False,
        "network.dns.disablePrefetch": True,
        "network.http.speculative-parallel-limit": 0,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "network.trr.mode": 5,
        "app.update.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "toolkit.telemetry.enabled": False,
    }


class FirefoxEngine(PlaywrightEngine):
    name = "firefox"
    install_hint = INSTALL_HINT
    blocked_message = "NetworkError when attempting to fetch resource."

    def __init__(self) -> None:
        super().__init__()
        self._dead_proxy: DeadPort | None = None

    def launch(self, playwright: Any) -> Any:
        executable = find_executable("firefox-esr", "firefox", "/usr/bin/firefox-esr")
        if executable is None:
            raise EngineUnavailable(
                "no firefox executable (looked for `firefox-esr` and `firefox` on PATH)"
            )
        self._dead_proxy = DeadPort()
        try:
            return playwright.firefox.launch(
                channel="moz-firefox",
                executable_path=executable,
                headless=True,
                firefox_user_prefs=firefox_prefs(self._dead_proxy.address),
                timeout=60_000,
            )
        except Exception as exc:
            self._dead_proxy.close()
            self._dead_proxy = None
            raise EngineUnavailable(f"{executable} did not start: {exc}") from exc

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._dead_proxy is not None:
                self._dead_proxy.close()
                self._dead_proxy = None


ENGINE = FirefoxEngine()
