"""Fixtures for the browser CORS tests (see docs/contributing.md).

* ``engine``        session, parametrized: one started engine per run
                    (Chromium, Firefox, WebKit; ``--engine NAME`` picks some),
                    so every test that uses ``browser`` runs once per engine,
                    with ids like ``test_x[chromium]``
* ``page_origins``  session: two page servers; :class:`PageOrigins` names
* ``browser``       per test: a fresh session (fresh preflight/HTTP cache, cookies)
* ``make_api``      per test: ``make_api(**cors_options)`` serves the standard
                    app with ``CORS(app, **cors_options)``; ``make_api(app)``
                    serves a ready-made Flask app
* ``cors``          the implementation under test (``cors.CORS``, ``cors.cross_origin``)

An engine that cannot run here (browser, driver package or display missing)
skips its tests with install instructions; under ``CI=true`` they fail instead.
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
    ENGINES,
    Api,
    BrowserSession,
    Engine,
    LiveServer,
    PageOrigins,
    config_warnings_ignored,
    load_cors_impl,
    page_server_app,
    standard_app,
    start_engine,
)


def selected_engines(config: pytest.Config) -> list[str]:
    """The engines named by ``--engine`` (all of them by default), in ENGINES order."""
    chosen = config.getoption("engine", default=None) or list(ENGINES)
    return [name for name in ENGINES if name in chosen]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "engines(*names): run this browser test in these engines only (say why where it is "
        "used); under --engine with none of them, it is deselected, not skipped",
    )


def marked_engines(node: Any) -> tuple[str, ...] | None:
    """The engines an ``@pytest.mark.engines(...)`` limits a test to, or None."""
    marker = node.get_closest_marker("engines")
    return None if marker is None else tuple(marker.args)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames:
        engines = selected_engines(metafunc.config)
        limit = marked_engines(metafunc.definition)
        if limit is not None:
            engines = [name for name in engines if name in limit]
        metafunc.parametrize("engine", engines, indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test limited to engines that --engine left out has an empty parameter set: deselect
    # it rather than report it as skipped.
    dropped = []
    for item in items:
        limit = marked_engines(item)
        callspec = getattr(item, "callspec", None)
        if limit is not None and (callspec is None or callspec.params.get("engine") not in limit):
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """One engine, started once and stopped before the next one starts."""
    started = start_engine(request.param)
    try:
        yield started
    finally:
        started.close()


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
    # The browser fixture depends on this one, so browser sessions are closed
    # (and their keep-alive connections dropped) before the servers stop.
    servers: list[Api] = []
    try:
        yield servers
    finally:
        for api in reversed(servers):
            api.close()


@pytest.fixture
def browser(
    engine: Engine, page_origins: PageOrigins, _api_servers: list[Api]
) -> Iterator[BrowserSession]:
    # The engine has started (it opens a session to prove it can), so a
    # failure to open this one is a test error, never a skip.
    session = engine.new_session(page_origins)
    try:
        yield session
    finally:
        session.close()
    # Every fetch the test made was also judged by flask_corsx.testing's checks (issue 11):
    # they must agree with the real engine.
    VERDICTS_COMPARED[session.engine] = VERDICTS_COMPARED.get(session.engine, 0) + (
        session.agreements
    )
    assert session.disagreements == [], session.disagreements


#: Engine -> fetches on which flask_corsx.testing's verdict agreed with the engine's.
VERDICTS_COMPARED: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if VERDICTS_COMPARED:
        counts = ", ".join(f"{engine} {n}" for engine, n in sorted(VERDICTS_COMPARED.items()))
        terminalreporter.write_line(
            f"browser verdicts that flask_corsx.testing predicted exactly: {counts}"
        )


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
