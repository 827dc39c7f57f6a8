"""Responses other than a plain 200: errors, redirects, and HTTP-cached ones.

Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import pytest
from browser_harness import HTTP_CACHE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "status", "view_ran", "body_snippet"),
    [
        ("/api/forbidden", 403, True, "no entry"),
        ("/api-missing", 404, False, "Not Found"),
        ("/api/boom", 500, True, "Internal Server Error"),
    ],
)
def test_error_responses_are_readable(
    browser, make_api, page_origins, path, status, view_ran, body_snippet
):
    """FETCH-I8 (seed S9): an abort(403), an unrouted 404 and an unhandled
    exception's 500 carry the CORS headers, so the page sees the real status
    and body instead of an opaque network error; a refused origin does not."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    res = browser.fetch(o.localhost, api.url(path))
    assert res.allowed and res.status == status, res
    assert body_snippet in res.body
    assert browser.fetch(o.host("sub.localhost"), api.url(path)).blocked

    allowed, refused = api.hits(path)
    assert (allowed.status, allowed.view_ran) == (status, view_ran)
    assert allowed.header("Access-Control-Allow-Origin") == o.localhost, allowed
    assert refused.header("Access-Control-Allow-Origin") is None, refused


def test_error_response_to_preflighted_request(browser, make_api, page_origins):
    """FETCH-I8/H2: a preflighted DELETE to an unrouted path: the preflight is
    answered 2xx by the extension, the DELETE's 404 is readable."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    res = browser.fetch(o.localhost, api.url("/api-missing"), method="DELETE")
    assert res.allowed and res.status == 404, res
    pre, delete = api.hits()
    assert pre.is_preflight and 200 <= pre.status <= 299, pre
    assert (delete.method, delete.status) == ("DELETE", 404)
    assert delete.header("Access-Control-Allow-Origin") == o.localhost, delete


def test_same_origin_redirect_is_followed(browser, make_api, page_origins):
    """FETCH-N1: the 302 (API -> same API origin) passes its own CORS check,
    so the browser follows it; both hops carry the page's Origin."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    res = browser.fetch(o.localhost, api.url("/api/redirect/same"))
    assert res.allowed and res.status == 200 and res.redirected, res
    assert res.final_url == api.url("/api/data")
    assert res.json()["origin"] == o.localhost
    hop1, hop2 = api.hits()
    assert (hop1.path, hop1.status, hop1.origin) == ("/api/redirect/same", 302, o.localhost)
    assert (hop2.path, hop2.status, hop2.origin) == ("/api/data", 200, o.localhost)
    assert hop1.header("Access-Control-Allow-Origin") == o.localhost, hop1


@pytest.mark.parametrize("allow_null", [False, True])
def test_cross_origin_redirect_makes_origin_null(browser, make_api, page_origins, allow_null):
    """FETCH-M2/N6: page -> API as 127.0.0.1:A -> 302 -> same server as
    localhost:A (another origin): the second hop is sent with `Origin: null`,
    which is refused unless "null" is allowed."""
    o = page_origins
    api = make_api(origins=[o.localhost, "null"] if allow_null else [o.localhost])
    res = browser.fetch(o.localhost, api.url("/api/redirect/cross"))
    assert res.allowed is allow_null, res
    if allow_null:
        assert res.final_url == api.url("/api/data", host="localhost") and res.redirected
        assert res.json()["origin"] == "null"
    hop1, hop2 = api.hits()
    assert (hop1.host, hop1.status, hop1.origin) == (f"127.0.0.1:{api.port}", 302, o.localhost)
    assert hop1.header("Access-Control-Allow-Origin") == o.localhost, hop1
    assert (hop2.host, hop2.path, hop2.origin) == (f"localhost:{api.port}", "/api/data", "null")
    assert hop2.header("Access-Control-Allow-Origin") == ("null" if allow_null else None), hop2


@pytest.mark.parametrize("first", ["other-origin", "navigation"])
def test_http_cache_shared_by_two_origins(browser, make_api, page_origins, first):
    """FETCH-O2: /api/cached is cacheable (max-age=300). localhost:Q and
    localhost:P are one site, so they share the HTTP cache (see
    test_browser_harness). The entry stored for the first request -- from
    origin Q, or a top-level navigation without Origin -- must not be replayed
    to origin P: only `Vary: Origin` makes the browser go back to the server.
    WebKit's automation session keeps no HTTP cache (HTTP_CACHE), so there
    every fetch reaches the server and only the headers can be checked."""
    o = page_origins
    api = make_api(origins=[o.localhost, o.localhost_other_port])
    url = api.url("/api/cached", host="localhost")
    if first == "other-origin":
        res = browser.fetch(o.localhost_other_port, url)
        assert res.allowed and res.json()["n"] == 1, res
    else:
        browser.navigate(url)
    res = browser.fetch(o.localhost, url)
    assert res.allowed and res.json()["n"] == 2, res

    hit1, hit2 = api.hits("/api/cached")
    assert hit1.origin == (o.localhost_other_port if first == "other-origin" else None)
    assert "origin" in hit1.vary(), hit1
    assert hit2.origin == o.localhost
    assert hit2.header("Access-Control-Allow-Origin") == o.localhost

    # the same origin again is a cache hit: Vary does not disable caching
    res = browser.fetch(o.localhost, url)
    cached = HTTP_CACHE[browser.engine]
    assert res.allowed and res.json()["n"] == (2 if cached else 3), res
    assert len(api.hits("/api/cached")) == (2 if cached else 3)
