"""Self-checks of the browser harness against a hand-written CORS app.

No flask_corsx here: the API sets CORS headers by hand, exactly as told. These
tests pin down the Chromium behaviour the scenario tests rely on (host
resolution, preflight counting, the preflight and HTTP caches, opaque
origins, cookies) so that a scenario failure points at the library, not at
the harness. Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from browser_harness import standard_app
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
        assert browser.page(origin).evaluate("() => location.origin") == origin
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


def test_literal_star_in_acah_never_covers_authorization(browser, make_api, page_origins):
    """FETCH-C12/H6: proves Chromium runs with CorsNonWildcardRequestHeadersSupport."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="GET", acah="*"))
    assert browser.fetch(o.localhost, api.url(), headers={"X-Custom": "1"}).allowed
    res = browser.fetch(o.localhost, api.url(), headers={"Authorization": "Bearer t"})
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


@pytest.mark.parametrize(("max_age", "preflights"), [(600, 1), (0, 2)])
def test_preflight_cache_follows_max_age(browser, make_api, page_origins, max_age, preflights):
    """FETCH-E2/L1: a fresh context has an empty preflight cache; max-age 0 expires at once."""
    o = page_origins
    api = make_api(manual_app([o.localhost], acam="PUT", max_age=max_age))
    for _ in range(2):
        assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
    assert len(api.preflights()) == preflights
    assert len(api.actual()) == 2


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


@pytest.mark.parametrize("vary", [False, True])
@pytest.mark.parametrize("first", ["allowed", "no-origin"])
def test_http_cache_is_shared_by_same_site_origins(browser, make_api, page_origins, vary, first):
    """FETCH-O2: localhost:P and localhost:Q are one site (ports do not count;
    *.localhost names are sites of their own), so they share Chromium's
    site-partitioned HTTP cache. Without `Vary: Origin` the response cached for
    a first request -- from another allowed origin, or a navigation without
    Origin -- is replayed to the CORS fetch from localhost:P and fails its CORS
    check. (A response that *failed* a CORS check is not replayed by Chromium,
    so a refused origin cannot poison the cache in this browser; no-cors
    fetches and <img> loads do not share cache entries with CORS fetches.)"""
    o = page_origins
    other = o.localhost_other_port
    api = make_api(manual_app([o.localhost, other], vary=vary))
    url = api.url("/api/cached", host="localhost")
    if first == "allowed":
        assert browser.fetch(other, url).allowed
    else:
        browser.context.new_page().goto(url)  # top-level navigation: no Origin
    (hit,) = api.hits("/api/cached")
    assert hit.origin == (None if first == "no-origin" else other)

    second = browser.fetch(o.localhost, url)
    if vary:
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
