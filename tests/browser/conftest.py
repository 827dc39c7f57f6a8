"""Fixtures for the headless-Chromium CORS tests (see docs/testing.md).

* ``chromium``      session: one Chromium (Playwright, system executable)
* ``page_origins``  session: two page servers; :class:`PageOrigins` names
* ``browser``       per test: a fresh context (fresh preflight/HTTP cache, cookies)
* ``make_api``      per test: ``make_api(**cors_options)`` serves the standard
                    app with ``CORS(app, **cors_options)``; ``make_api(app)``
                    serves a ready-made Flask app
* ``cors``          the implementation under test (``cors.CORS``, ``cors.cross_origin``)

Without chromium or playwright the tests skip (with install instructions);
under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

sys.path.insert(0, os.path.dirname(__file__))  # so test modules can import browser_harness

from browser_harness import (
    CHROMIUM_ARGS,
    Api,
    BrowserSession,
    LiveServer,
    PageOrigins,
    config_warnings_ignored,
    find_chromium,
    load_cors_impl,
    page_server_app,
    standard_app,
    unavailable,
)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except Exception as exc:  # ImportError, or a broken greenlet build
        unavailable(f"cannot import playwright ({exc!r})")
    executable = find_chromium()
    if executable is None:
        unavailable("no chromium executable (looked for `chromium` on PATH and /usr/bin/chromium)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True, timeout=60_000
        )
    except Exception as exc:
        playwright.stop()
        unavailable(f"{executable} did not start: {exc}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(scope="session")
def page_origins() -> Iterator[PageOrigins]:
    first = LiveServer(page_server_app, name="pages")
    second = LiveServer(page_server_app, name="pages-other-port")
    try:
        yield PageOrigins(port=first.port, other_port=second.port)
    finally:
        first.close()
        second.close()


@pytest.fixture(scope="session")
def cors() -> Any:
    return load_cors_impl()


@pytest.fixture
def _api_servers() -> Iterator[list[Api]]:
    # The browser fixture depends on this one, so browser contexts are closed
    # (and their keep-alive connections dropped) before the servers stop.
    servers: list[Api] = []
    try:
        yield servers
    finally:
        for api in reversed(servers):
            api.close()


@pytest.fixture
def browser(
    chromium: Any, page_origins: PageOrigins, _api_servers: list[Api]
) -> Iterator[BrowserSession]:
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    session = BrowserSession(context, page_origins)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def make_api(_api_servers: list[Api], request: pytest.FixtureRequest) -> Callable[..., Api]:
    """``make_api(**cors_options)``: the standard app with ``CORS(app, **cors_options)``;
    ``make_api(build)``: the app returned by ``build()``; ``make_api(app)``: that app.

    The app is built with flask_corsx's CORSConfigWarning silenced (pytest turns
    warnings into errors; config lints are the unit tests' business, and some
    scenarios deliberately allow `null` or plain-http origins with credentials).
    """

    def factory(app: Any = None, /, **cors_options: Any) -> Api:
        if app is not None and cors_options:
            raise TypeError("pass either an app (or a build function) or CORS options, not both")
        with config_warnings_ignored():
            if app is None:
                app = standard_app()
                request.getfixturevalue("cors").CORS(app, **cors_options)
            elif not isinstance(app, Flask):
                app = app()
        api = Api(app)
        _api_servers.append(api)
        return api

    return factory
