"""WebKit: Debian's WebKitGTK (``webkit2gtk-driver``: ``WebKitWebDriver`` and
its ``MiniBrowser``), driven by Selenium's WebKitGTK support.

Playwright's WebKit would need a downloaded build, so this driver speaks
classic WebDriver instead. MiniBrowser has no headless mode: it runs on an
Xvfb display this module starts (``-displayfd`` picks a free display, so
parallel runs never collide). Without a display a session hangs rather than
fails, so every WebDriver call is bounded by a timeout.

State: one WebKitWebDriver for the run (restarted if it stops answering, see
``WebKitEngine.new_session``), and a new WebDriver session -- a new MiniBrowser
with ephemeral website data -- for each test (about 0.5 s), so the preflight
cache and cookies start empty exactly as in the other engines (this session
keeps no HTTP cache at all: HTTP_CACHE in browser_harness.py). WebDriver cannot
read WebKit's console, so ``console_errors()`` is None.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import time
from typing import Any

from browser_harness import (
    LOOPBACK_HOSTS,
    BrowserSession,
    DeadPort,
    Engine,
    EngineUnavailable,
    PageOrigins,
    find_executable,
)

INSTALL_HINT = (
    "install the browser with `apt-get install webkit2gtk-driver xvfb` and the driver with "
    "`pip install -e '.[test]'` (Selenium; Selenium Manager is never used)"
)

MINIBROWSER = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"
#: Seconds "new session" may take, and how often it is tried (see new_session).
NEW_SESSION_TIMEOUT_S = 10
NEW_SESSION_ATTEMPTS = 3
#: Seconds any other WebDriver command may take (more than the script timeout).
COMMAND_TIMEOUT_S = 30
SCRIPT_TIMEOUT_S = 20
PAGE_LOAD_TIMEOUT_S = 15

#: Runs an async function expression with WebDriver's "execute async script":
#: the last argument is the callback, the first is the function's argument.
ASYNC_WRAPPER = """
const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (%s)(arguments[0])).then(
  (value) => done({ok: true, value: value === undefined ? null : value}),
  (error) => done({ok: false, error: String(error)}));
"""


#: libc, loaded here in the parent: a forked child must not run the dynamic loader.
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """preexec_fn: the child gets SIGTERM when pytest dies, so nothing outlives a run."""
    with contextlib.suppress(Exception):
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Xvfb:
    """A private X display for MiniBrowser.

    ``-displayfd`` makes Xvfb pick a free display and report its number on a
    pipe. Two details matter (both measured as random "new session" hangs):
    ``-noreset`` keeps the server from resetting when its last client (a
    MiniBrowser) goes away, and the pipe's read end stays open for Xvfb's
    lifetime, because a server that resets writes its number again and dies of
    EPIPE ("Cannot write display number to fd") if nobody is reading.
    """

    def __init__(self, executable: str) -> None:
        self._read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [executable, "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        finally:
            os.close(write_fd)
        number = b""
        deadline = time.monotonic() + 15
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([self._read_fd], [], [], 0.5)
            if ready:
                chunk = os.read(self._read_fd, 32)
                if not chunk:
                    break  # Xvfb exited
                number += chunk
        if not number.strip().isdigit():
            self.close()
            raise EngineUnavailable("Xvfb did not report a display within 15 s")
        self.display = f":{number.decode().strip()}"

    def close(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5)
        os.close(self._read_fd)


class WebKitSession(BrowserSession):
    """One WebDriver session (one MiniBrowser); one window per page, as a
    Playwright context has one page per origin."""

    engine = "webkit"

    def __init__(self, driver: Any, origins: PageOrigins) -> None:
        super().__init__(origins)
        self.driver = driver
        self._windows: dict[str, str] = {}
        self._blank: str | None = driver.current_window_handle  # the first, empty window

    def _open(self, url: str) -> str:
        if self._blank is not None:
            handle, self._blank = self._blank, None
            self.driver.switch_to.window(handle)
        else:
            self.driver.switch_to.new_window("tab")
            handle = self.driver.current_window_handle
        self.driver.get(url)
        return str(handle)

    def page(self, origin: str, path: str = "/") -> Any:
        key = origin + path
        if key not in self._windows:
            self._windows[key] = self._open(key)
        return ("window", self._windows[key])

    def sandboxed_frame(self, origin: str) -> Any:
        _, handle = self.page(origin, "/sandbox")
        return ("frame", handle)

    def evaluate(self, target: Any, function: str, arg: Any = None) -> Any:
        kind, handle = target
        self.driver.switch_to.window(handle)
        if kind == "frame":
            self.driver.switch_to.frame(self.driver.find_element("css selector", "#sandboxed"))
        try:
            result = self.driver.execute_async_script(ASYNC_WRAPPER % function, arg)
        finally:
            if kind == "frame":
                self.driver.switch_to.default_content()
        if not result["ok"]:
            raise RuntimeError(f"script failed in WebKit: {result['error']}")
        return result["value"]

    def navigate(self, url: str) -> None:
        self._open(url)

    def close(self) -> None:
        # A quit that times out leaves a stuck driver behind; the next
        # new_session() restarts it, so the failure cannot leak into a test.
        with contextlib.suppress(Exception):
            self.driver.quit()


class WebKitEngine(Engine):
    name = "webkit"
    install_hint = INSTALL_HINT
    blocked_message = "Load failed"

    def __init__(self) -> None:
        self._xvfb: Xvfb | None = None
        self._service: Any = None
        self._dead_proxy: DeadPort | None = None
        self._driver: str | None = None
        self._minibrowser: str | None = None

    def start(self) -> None:
        os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download anything
        try:
            import selenium.webdriver  # noqa: F401
        except Exception as exc:
            raise EngineUnavailable(f"cannot import selenium ({exc!r})") from exc
        self._driver = find_executable("WebKitWebDriver", "/usr/bin/WebKitWebDriver")
        self._minibrowser = find_executable(MINIBROWSER)
        if self._driver is None or self._minibrowser is None:
            raise EngineUnavailable(f"no WebKitWebDriver or MiniBrowser ({MINIBROWSER})")
        xvfb = find_executable("Xvfb")
        if xvfb is None:
            raise EngineUnavailable("no Xvfb (MiniBrowser needs an X display)")
        try:
            self._xvfb = Xvfb(xvfb)
            self._dead_proxy = DeadPort()
            self._start_service()
            # One session proves the whole chain (driver, MiniBrowser, display)
            # before any test relies on it; a failure here means "cannot run".
            self.new_session(PageOrigins(0, 0)).close()
        except Exception as exc:
            self.close()
            if isinstance(exc, EngineUnavailable):
                raise
            raise EngineUnavailable(f"no WebKit session could be opened: {exc!r}") from exc

    def _start_service(self) -> None:
        from selenium.webdriver.webkitgtk.service import Service

        assert self._xvfb is not None
        env = dict(os.environ, DISPLAY=self._xvfb.display)
        env.pop("WAYLAND_DISPLAY", None)
        self._service = Service(
            executable_path=self._driver,
            env=env,
            # CORSX_WEBKIT_LOG=path keeps WebKitWebDriver's output
            log_output=os.environ.get("CORSX_WEBKIT_LOG") or subprocess.DEVNULL,
            popen_kw={"preexec_fn": _die_with_parent},
        )
        self._service.start()

    def _stop_service(self) -> None:
        if self._service is not None:
            service, self._service = self._service, None
            service.stop()

    def new_session(self, origins: PageOrigins) -> BrowserSession:
        """A new MiniBrowser. Now and then (about one session in 30, measured on
        2 cores) WebKitWebDriver 2.50 accepts "new session" and never answers,
        with no MiniBrowser running; then the driver is restarted and the
        request repeated, at most NEW_SESSION_ATTEMPTS times in all."""
        last: Exception | None = None
        for _ in range(NEW_SESSION_ATTEMPTS):
            try:
                return WebKitSession(self._new_driver(), origins)
            except Exception as exc:  # urllib3's ReadTimeoutError, WebDriverException
                last = exc
                self._stop_service()
                self._start_service()
        raise RuntimeError(f"no WebKit session after {NEW_SESSION_ATTEMPTS} attempts") from last

    def _new_driver(self) -> Any:
        from selenium import webdriver
        from selenium.webdriver.common.proxy import Proxy, ProxyType
        from selenium.webdriver.remote.client_config import ClientConfig
        from selenium.webdriver.remote.remote_connection import RemoteConnection
        from selenium.webdriver.webkitgtk.options import Options

        assert self._dead_proxy is not None and self._minibrowser is not None
        options = Options()
        options.binary_location = self._minibrowser
        options.add_argument("--automation")
        # Every host but localhost, *.localhost and 127.0.0.1 (which WebKitGTK
        # resolves to loopback by itself) goes to a proxy that refuses
        # connections: nothing leaves the machine (Chromium: MAP * ~NOTFOUND).
        options.proxy = Proxy(
            {
                "proxyType": ProxyType.MANUAL,
                "httpProxy": self._dead_proxy.address,
                "sslProxy": self._dead_proxy.address,
                "noProxy": list(LOOPBACK_HOSTS),
            }
        )
        # The HTTP timeout bounds every WebDriver command: a session normally
        # opens in under 2 s, and a command waits at most for the script timeout.
        config = ClientConfig(self._service.service_url, timeout=NEW_SESSION_TIMEOUT_S)
        driver = webdriver.Remote(
            command_executor=RemoteConnection(client_config=config), options=options
        )
        config.timeout = COMMAND_TIMEOUT_S
        driver.set_script_timeout(SCRIPT_TIMEOUT_S)
        driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
        return driver

    def close(self) -> None:
        try:
            self._stop_service()
        finally:
            if self._xvfb is not None:
                self._xvfb.close()
                self._xvfb = None
            if self._dead_proxy is not None:
                self._dead_proxy.close()
                self._dead_proxy = None


ENGINE = WebKitEngine()
