"""The Playwright side shared by the Chromium and Firefox drivers.

Playwright drives the system browsers (Debian's ``chromium`` over CDP,
``firefox-esr`` over WebDriver BiDi through the ``moz-firefox`` channel); it
never downloads one. Each test gets a new browser context: its own preflight
cache, HTTP cache and cookie jar.
"""

from __future__ import annotations

import abc
from typing import Any

from browser_harness import BrowserSession, Engine, EngineUnavailable, PageOrigins

#: Playwright's own timeout for every page operation (goto, evaluate, ...), in ms.
OPERATION_TIMEOUT_MS = 15_000


class PlaywrightSession(BrowserSession):
    """One browser context; one page (tab) per origin."""

    def __init__(self, engine: str, context: Any, origins: PageOrigins) -> None:
        super().__init__(origins)
        self.engine = engine
        self.context = context
        self._pages: dict[str, Any] = {}
        self._console: list[str] = []

    def _watch(self, page: Any) -> Any:
        # Chromium reports a CORS failure as a console error; Firefox (over
        # BiDi) as a page error. Either way it is the engine's explanation.
        page.on("console", lambda m: self._console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self._console.append(str(e)))
        return page

    def page(self, origin: str, path: str = "/") -> Any:
        key = origin + path
        if key not in self._pages:
            page = self._watch(self.context.new_page())
            page.goto(key, wait_until="load")
            self._pages[key] = page
        return self._pages[key]

    def sandboxed_frame(self, origin: str) -> Any:
        page = self.page(origin, "/sandbox")
        frame = page.locator("#sandboxed").element_handle().content_frame()
        assert frame is not None
        frame.wait_for_load_state("load")
        return frame

    def evaluate(self, target: Any, function: str, arg: Any = None) -> Any:
        return target.evaluate(function, arg)

    def navigate(self, url: str) -> None:
        self._watch(self.context.new_page()).goto(url)

    def console_errors(self) -> list[str]:
        return list(self._console)

    def close(self) -> None:
        self.context.close()


class PlaywrightEngine(Engine):
    """Starts Playwright and one browser for the run; a new context per test."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    @abc.abstractmethod
    def launch(self, playwright: Any) -> Any:
        """Launch this engine's system browser; raise EngineUnavailable."""

    def start(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except Exception as exc:  # ImportError, or a broken greenlet build
            raise EngineUnavailable(f"cannot import playwright ({exc!r})") from exc
        self._playwright = sync_playwright().start()
        try:
            self._browser = self.launch(self._playwright)
        except BaseException:
            self._playwright.stop()
            self._playwright = None
            raise

    def new_session(self, origins: PageOrigins) -> BrowserSession:
        context = self._browser.new_context()
        context.set_default_timeout(OPERATION_TIMEOUT_MS)
        return PlaywrightSession(self.name, context, origins)

    def close(self) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._browser = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None
