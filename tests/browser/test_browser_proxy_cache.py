"""Browsers through a shared cache: pages on two origins each get their own CORS answers.

The proxy app (tests/e2e/e2e_apps.py) runs under gunicorn, with nginx caching in front of it
under a key without Origin (tests/e2e/e2e_harness.py; preflights are cached too, as a CDN
configured to do so would). Pages on ``a.localhost`` and ``b.localhost`` take turns fetching
the same URLs through the proxy: each must be allowed and see the body made for its own
Origin (FETCH-O2, FETCH-O4), a third origin must stay blocked, and the proxy's log must show
that it answered from its cache. The fetches use ``cache: "no-store"`` so that the browser's
own HTTP cache stays out of the way and every request reaches nginx. It runs in every engine.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from browser_harness import BrowserSession

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "e2e"))

from e2e_harness import Nginx, ServerProcess, require_server, start_nginx, start_wsgi

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture
def cached_api(page_origins: Any) -> Iterator[tuple[Nginx, ServerProcess, list[str]]]:
    require_server("gunicorn-gthread")
    allowed = [page_origins.host("a.localhost"), page_origins.host("b.localhost")]
    app = start_wsgi("gunicorn-gthread", "e2e_apps:proxy_app", workers=2,
                     env={"CORSX_E2E_ORIGINS": " ".join(allowed), "CORSX_E2E_IMPL": "flask_corsx"})
    try:
        proxy = start_nginx(app.port)
        try:
            yield proxy, app, allowed
        finally:
            proxy.stop()
    finally:
        app.stop()


def hop_statuses(proxy: Nginx, method: str, path: str) -> list[str]:
    """Cache statuses the caching hop logged for ``method path`` (preflights arrive as GET)."""
    return [line.rsplit(" ", 1)[1] for line in proxy.access_log().splitlines()
            if line.startswith(f"{proxy.cache_port} {method} {path} ")]


def test_two_origins_through_the_cache(browser: Any, cached_api: Any, page_origins: Any) -> None:
    """Simple GETs: A, B, A, B, then a refused origin; all from the cache after the first two."""
    proxy, _app, (a, b) = cached_api
    path = f"/cached/{uuid.uuid4().hex[:8]}-get"
    url = proxy.base + path
    for origin in (a, b, a, b, a, b):
        res = browser.fetch(origin, url, cache="no-store")
        assert res.allowed and res.status == 200, res
        assert res.json()["origin"] == origin, res  # the body was made for this page's origin
        assert res.headers.get("x-request-id") == path.rsplit("/", 1)[1], res  # FETCH-D1
    evil = page_origins.host("evil.localhost")
    assert browser.fetch(evil, url, cache="no-store").blocked
    statuses = hop_statuses(proxy, "GET", path)
    assert statuses[:2] == ["MISS", "MISS"] and statuses[2:6] == ["HIT"] * 4, statuses


def test_preflights_through_the_cache(browser: Any, engine: Any, page_origins: Any,
                                      cached_api: Any) -> None:
    """Preflighted PUTs: A with x-one, B with x-one, A with x-two, B with x-two (each a new
    preflight: a browser's preflight cache is per origin and header). Then a second browser
    (fresh preflight cache) does the same in another order, and nginx answers each of its
    preflights from the cache. A cache that kept preflights apart by Origin alone would hand
    A the stored ``x-one`` answer when it asks for x-two, and Chromium would block the PUT
    (FETCH-O4)."""
    proxy, _app, (a, b) = cached_api
    path = f"/cached/{uuid.uuid4().hex[:8]}-put"
    url = proxy.base + path
    first = [(a, "X-One"), (b, "X-One"), (a, "X-Two"), (b, "X-Two")]
    second = [(b, "X-Two"), (a, "X-Two"), (a, "X-One"), (b, "X-One")]

    def put_all(session: BrowserSession, steps: list[tuple[str, str]]) -> None:
        for origin, header in steps:
            res = session.fetch(origin, url, method="PUT", headers={header: "1"},
                                cache="no-store")
            assert res.allowed and res.status == 200, (origin, header, res)
            assert res.json() == {"key": path.rsplit("/", 1)[1], "origin": origin,
                                  "method": "PUT"}, res

    put_all(browser, first)
    other = engine.new_session(page_origins)
    try:
        put_all(other, second)
    finally:
        other.close()
    preflights = hop_statuses(proxy, "GET", path)  # the front turns OPTIONS into GET
    assert preflights == ["MISS"] * 4 + ["HIT"] * 4, preflights
    assert hop_statuses(proxy, "PUT", path) == ["-"] * 8  # the PUTs themselves pass through
