"""Self-checks of the browser harness against a hand-written CORS app.

No flask_corsx here: the API sets CORS headers by hand, exactly as told. These
tests pin down the behaviour of each engine that the scenario tests rely on
(host resolution, preflight counting, the preflight and HTTP caches, opaque
origins, cookies, how a blocked fetch looks) so that a scenario failure points
at the library, not at the harness. Where engines differ, the expectation is
per engine and comes from the tables in browser_harness.py; these tests are
what keeps those tables true. Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import pytest
from browser_harness import (
    HTTP_CACHE,
    NAVIGATION_ENTRY_REPLAYED_TO_CORS,
    NO_STORE_SKIPS_PREFLIGHT_CACHE,
    STAR_COVERS_AUTHORIZATION,
    check_preflight_reuse,
    requests_to_see_reuse,
    standard_app,
)
from flask import Flask, request

pytestmark = pytest.mark.browser


def manual_app(
    allowed: Iterable[str] | str,
    *,
    acam: str | None = None,
    acah: str | None = None,
    max_age: int | None = None,
    vary: bool = True,
    credentials: bool = False,
    expose: str | None = None,
) -> Flask:
    """The standard app with CORS headers written by hand (no extension)."""
    app = standard_app("manual_cors")
    allow_any = allowed == "*"
    allowed_set = set() if allow_any else set(allowed)

    def acao() -> str | None:
        origin = request.headers.get("Origin")
        if origin is None:
            return None
        if allow_any:
            return "*"
        return origin if origin in allowed_set else None

    @app.before_request
    def preflight() -> Any:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        resp = app.response_class(status=204)
        value = acao()
        if value is not None:
            resp.headers["Access-Control-Allow-Origin"] = value
            if acam is not None:
                resp.headers["Access-Control-Allow-Methods"] = acam
            if acah is not None:
                resp.headers["Access-Control-Allow-Headers"] = acah
            if max_age is not None:
                resp.headers["Access-Control-Max-Age"] = str(max_age)
            if credentials:
                resp.headers["Access-Control-Allow-Credentials"] = "true"
        return resp

    @app.after_request
    def actual(resp: Any) -> Any:
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return resp
        if vary:
            resp.headers.add("Vary", "Origin")
        value = acao()
        if value is not None:
            resp.headers["Access-Control-Allow-Origin"] = value
            if credentials:
                resp.headers["Access-Control-Allow-Credentials"] = "true"
            if expose:
                resp.headers["Access-Control-Expose-Headers"] = expose
        return resp

    return app


def test_host_names_resolve_to_loopback_and_nothing_else(browser, page_origins):
    o = page_origins
    for origin in (
        o.localhost,
        o.localhost_other_port,
        o.ip,
        o.host("sub.localhost"),
        o.host("a.b.localhost"),
        o.host("sub.localhost.evil.localhost"),
    ):
        assert browser.location_origin(browser.page(origin)) == origin
    # Every other name fails to resolve (MAP * ~NOTFOUND): nothing leaves loopback.
    res = browser.fetch(o.localhost, "http://corsx-harness.invalid/", mode="no-cors")
    assert res.blocked, res


def test_simple_get_allowed_and_refused(browser, make_api, page_origins):
    """FETCH-I1/I3: ACAO must equal the page's origin; D1/D2: only safelisted
    or exposed response headers are readable."""
    o = page_origins
    api = make_api(manual_app([o.localhost], expose="X-Total-Count"))

    ok = browser.fetch(o.localhost, api.url())
    assert ok.allowed and ok.status == 200, ok
    assert ok.json()["origin"] == o.localhost
    assert ok.headers["content-type"] == "application/json"
    assert ok.headers["x-total-count"] == "42"
    assert "x-secret" not in ok.headers

    refused = browser.fetch(o.host("sub.localhost"), api.url())
    assert refused.blocked, refused

    hits = api.hits("/api/data")
    assert [(h.method, h.origin, h.view_ran) for h in hits] == [
        ("GET", o.localhost, True),
        ("GET", o.host("sub.localhost"), True),
    ]
    assert not api.preflights()


def test_preflight_is_counted_and_a_refused_one_stops_the_request(browser, make_api, page_origins):
    """FETCH-E1/E3/H7: a custom header triggers a preflight; when it is not in
    ACAH the actual request is never sent."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="GET", acah="x-custom"))

    ok = browser.fetch(o.localhost, api.url(), headers={"X-Custom": "1"})
    assert ok.allowed and ok.json()["x_custom"] == "1", ok
    (pre,) = api.preflights()
    assert (pre.acrm, pre.acrh, pre.origin, pre.view_ran) == ("GET", "x-custom", o.localhost, False)

    api.log.clear()
    refused = browser.fetch(o.localhost, api.url(), headers={"X-Other": "1"})
    assert refused.blocked, refused
    assert [h.acrh for h in api.preflights()] == ["x-other"]
    assert api.actual() == []


def test_literal_star_in_acah_and_authorization(browser, make_api, page_origins):
    """FETCH-C12/H6: `ACAH: *` never covers Authorization -- in Chromium run with
    CorsNonWildcardRequestHeadersSupport and Firefox with
    network.cors_preflight.authorization_covered_by_wildcard=false (this proves
    the switches took effect). WebKitGTK 2.50 has no switch and lets it
    through (STAR_COVERS_AUTHORIZATION), so only a server that lists
    `authorization` by name behaves the same in all three engines. max-age 0,
    so each request is preflighted (the next test covers the cache)."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="GET", acah="*", max_age=0))
    assert browser.fetch(o.localhost, api.url(), headers={"X-Custom": "1"}).allowed
    res = browser.fetch(o.localhost, api.url(), headers={"Authorization": "Bearer t"})
    covered = STAR_COVERS_AUTHORIZATION[browser.engine]
    assert res.allowed is covered, res
    assert [h.acrh for h in api.preflights()] == ["x-custom", "authorization"]
    assert len(api.actual()) == (2 if covered else 1)


def test_cached_star_in_acah_and_authorization(browser, make_api, page_origins):
    """FETCH-C12 ("a cached `*` entry never matches it"): after a preflight
    answered `ACAH: *` is cached, a request with Authorization needs a new
    preflight, which fails. WebKit instead takes the cached `*` for
    Authorization too: no second preflight, and the request is sent."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="GET", acah="*", max_age=600))
    assert browser.fetch(o.localhost, api.url(), headers={"X-Custom": "1"}).allowed
    res = browser.fetch(o.localhost, api.url(), headers={"Authorization": "Bearer t"})
    if STAR_COVERS_AUTHORIZATION[browser.engine]:
        assert res.allowed, res
        assert [h.acrh for h in api.preflights()] == ["x-custom"]
        assert [h.authorization for h in api.actual()] == [None, "Bearer t"]
    else:
        assert res.blocked, res
        assert [h.acrh for h in api.preflights()] == ["x-custom", "authorization"]
        assert len(api.actual()) == 1


@pytest.mark.parametrize(("acam", "allowed"), [("PATCH", False), ("patch", True)])
def test_lowercase_patch_needs_exact_method_in_acam(browser, make_api, page_origins, acam, allowed):
    """FETCH-B3/B4: `patch` is not normalized and is compared case-sensitively."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam=acam))
    res = browser.fetch(o.localhost, api.url(), method="patch")
    assert res.allowed is allowed, res
    (pre,) = api.preflights()
    assert pre.acrm == "patch"
    assert [h.method for h in api.actual()] == (["patch"] if allowed else [])


@pytest.mark.parametrize("max_age", [600, 0])
def test_preflight_cache_follows_max_age(browser, make_api, page_origins, max_age):
    """FETCH-E2/L1: a fresh session has an empty preflight cache; max-age 600
    is reused (after Firefox's re-sends, PREFLIGHT_REUSE_MISSES); max-age 0
    expires at once, so every request is preflighted."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="PUT", max_age=max_age))
    counts = []
    for _ in range(requests_to_see_reuse(browser.engine)):
        assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
        counts.append(len(api.preflights()))
    if max_age:
        check_preflight_reuse(browser.engine, counts)
    else:
        assert counts == list(range(1, len(counts) + 1)), counts
    assert len(api.actual()) == len(counts)


def test_preflight_cache_reuse_in_a_fresh_session(browser, make_api, page_origins):
    """FETCH-E2: the exact preflight counts for repeated requests. Chromium and
    WebKit reuse a cached preflight at once. Firefox ESR 153 sends it again
    at the second PUT to /api/a, sometimes at the third as well, and then
    reuses every cached preflight, for /api/a and for a new URL /api/b alike
    (PREFLIGHT_REUSE_MISSES)."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="PUT", max_age=600))
    counts = []
    for path in ("/api/a",) * 4 + ("/api/b",) * 3:
        assert browser.fetch(o.localhost, api.url(path), method="PUT").allowed
        counts.append(len(api.preflights()))
    if browser.engine == "firefox":
        assert counts[:4] in ([1, 2, 2, 2], [1, 2, 3, 3]), counts
        assert counts[4:] == [counts[3] + 1] * 3, counts
    else:
        assert counts == [1, 1, 1, 1, 2, 2, 2], counts
    assert len(api.actual()) == 7


def test_preflight_cache_and_no_store(browser, make_api, page_origins):
    """`cache: "no-store"` makes Chromium and Firefox send a preflight although
    a fresh one is cached (and keep the cache for later requests); WebKit uses
    the cached preflight whatever the cache mode (NO_STORE_SKIPS_PREFLIGHT_CACHE).
    So a server cannot count on every no-store request being preflighted."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="PUT", max_age=600))
    counts = []
    for _ in range(requests_to_see_reuse(browser.engine)):
        assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
        counts.append(len(api.preflights()))
    check_preflight_reuse(browser.engine, counts)
    warm = counts[-1]
    assert browser.fetch(o.localhost, api.url(), method="PUT", cache="no-store").allowed
    skipped = NO_STORE_SKIPS_PREFLIGHT_CACHE[browser.engine]
    assert len(api.preflights()) == warm + (1 if skipped else 0), api.hits()
    assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
    assert len(api.preflights()) == warm + (1 if skipped else 0), api.hits()


@pytest.mark.parametrize("allow_null", [False, True])
def test_sandboxed_iframe_sends_origin_null(browser, make_api, page_origins, allow_null):
    """FETCH-M1/K4: an opaque-origin document sends `Origin: null`."""
    o = page_origins
    allowed = [o.localhost, "null"] if allow_null else [o.localhost]
    api = make_api(manual_app(allowed))
    res = browser.fetch_in(browser.sandboxed_frame(o.localhost), api.url())
    assert res.origin == "null"
    assert res.allowed is allow_null, res
    (hit,) = api.hits()
    assert hit.origin == "null"


def test_cross_origin_redirect_turns_origin_into_null(browser, make_api, page_origins):
    """FETCH-M2/N6: page A -> API on 127.0.0.1 -> same server as `localhost`
    (another origin): the second hop carries `Origin: null`."""
    o = page_origins
    api = make_api(manual_app([o.localhost, "null"]))
    res = browser.fetch(o.localhost, api.url("/api/redirect/cross"))
    assert res.allowed and res.redirected, res
    assert [(h.host, h.path, h.origin) for h in api.hits()] == [
        (f"127.0.0.1:{api.port}", "/api/redirect/cross", o.localhost),
        (f"localhost:{api.port}", "/api/data", "null"),
    ]


def test_http_cache_in_a_session(browser, make_api, page_origins):
    """Whether the engine's session has an HTTP cache at all (HTTP_CACHE). The
    same origin fetches a `max-age=300` URL twice: Chromium and Firefox answer
    the second from their cache; the WebKitGTK automation session keeps none,
    not even for `cache: 'force-cache'` (nor for no-cors fetches), so every
    request reaches the server and no WebKit test can observe a cache replay."""
    o = page_origins
    api = make_api(manual_app([o.localhost]))
    url = api.url("/api/cached", host="localhost")
    bodies = [browser.fetch(o.localhost, url).json()["n"] for _ in range(2)]
    bodies.append(browser.fetch(o.localhost, url, cache="force-cache").json()["n"])
    if HTTP_CACHE[browser.engine]:
        assert bodies == [1, 1, 1]
        assert len(api.hits()) == 1
    else:
        assert bodies == [1, 2, 3]
        assert len(api.hits()) == 3


@pytest.mark.parametrize("vary", [False, True])
@pytest.mark.parametrize("first", ["allowed", "no-origin"])
def test_http_cache_is_shared_by_same_site_origins(browser, make_api, page_origins, vary, first):
    """FETCH-O2: localhost:P and localhost:Q are one site (ports do not count;
    *.localhost names are sites of their own), so they share the engine's
    site-partitioned HTTP cache. Without `Vary: Origin` the response cached for
    a first request from another allowed origin is replayed to the CORS fetch
    from localhost:P and fails its CORS check (Chromium, Firefox). A response
    cached by a navigation without Origin is replayed the same way in Chromium
    only; Firefox goes back to the server with Origin
    (NAVIGATION_ENTRY_REPLAYED_TO_CORS). WebKit's session has no HTTP cache
    (HTTP_CACHE), so there the second fetch always reaches the server. (A
    response that *failed* a CORS check is not replayed by Chromium, so a
    refused origin cannot poison the cache in this browser; no-cors fetches
    and <img> loads do not share cache entries with CORS fetches.)"""
    o = page_origins
    other = o.localhost_other_port
    api = make_api(manual_app([o.localhost, other], vary=vary))
    url = api.url("/api/cached", host="localhost")
    if first == "allowed":
        assert browser.fetch(other, url).allowed
    else:
        browser.navigate(url)  # top-level navigation: no Origin
    (hit,) = api.hits("/api/cached")
    assert hit.origin == (None if first == "no-origin" else other)

    second = browser.fetch(o.localhost, url)
    engine = browser.engine
    replayed = HTTP_CACHE[engine] and (
        first == "allowed" or NAVIGATION_ENTRY_REPLAYED_TO_CORS[engine]
    )
    if vary or not replayed:
        assert second.allowed and second.json()["n"] == 2, second
        assert [h.origin for h in api.hits("/api/cached")][1:] == [o.localhost]
    else:
        assert second.blocked, second
        assert len(api.hits("/api/cached")) == 1  # replayed from the HTTP cache


def test_cookie_is_sent_on_credentialed_same_site_fetch(browser, make_api, page_origins):
    """FETCH-I5: a cross-origin, same-site (localhost:P -> localhost:A)
    credentialed fetch sends the API's cookie and needs ACAC: true."""
    o = page_origins
    api = make_api(manual_app([o.localhost], credentials=True))
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "s3ss10n")
    res = browser.fetch(o.localhost, url, credentials="include")
    assert res.allowed and res.json()["cookie_sid"] == "s3ss10n", res
    res = browser.fetch(o.localhost, url)  # credentials: same-origin -> no cookie
    assert res.allowed and res.json()["cookie_sid"] is None, res


#: The start of the console message each engine logs for a fetch blocked by a
#: missing ACAO (what a developer sees in the devtools console). WebDriver
#: cannot read WebKit's console, so there only the page's error is checked.
CONSOLE_MISSING_ACAO = {
    "chromium": "has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header",
    "firefox": "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing)",
}


def console_lines_with(browser, marker, timeout_s=5.0):
    """The console errors containing ``marker``, waiting a little: drivers
    deliver console events asynchronously (each page call lets them in)."""
    deadline = time.monotonic() + timeout_s
    while True:
        lines = [line for line in browser.console_errors() if marker in line]
        if lines or time.monotonic() > deadline:
            return lines
        browser.evaluate(browser.page(browser.origins.localhost), "async () => null")
        time.sleep(0.1)


def test_blocked_fetch_error_and_console(browser, engine, make_api, page_origins):
    """FETCH-I1: a CORS failure is a network error, so the page only sees a
    TypeError -- worded per engine ("Failed to fetch", "NetworkError when
    attempting to fetch resource.", "Load failed"). The reason appears only in
    the console, where the engine exposes it to the driver."""
    o = page_origins
    api = make_api(manual_app([o.localhost]))
    res = browser.fetch(o.host("sub.localhost"), api.url())
    assert res.blocked and res.error == f"TypeError: {engine.blocked_message}", res
    (hit,) = api.hits()
    assert hit.view_ran  # the request was sent; only reading it was refused
    if browser.engine in CONSOLE_MISSING_ACAO:
        lines = console_lines_with(browser, CONSOLE_MISSING_ACAO[browser.engine])
        assert lines, browser.console_errors()
        assert any(api.url() in line for line in lines), lines  # it names the URL
    else:
        assert browser.console_errors() is None
