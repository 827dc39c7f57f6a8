"""Preflighted requests: headers, methods, JSON, Authorization, max_age, auth hooks.

Each test checks what the page saw and what the server saw: how many
preflights arrived (OPTIONS + Access-Control-Request-Method, FETCH-A2), what
they asked for, and whether the actual request (and its view) followed.
Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import time

import pytest
from browser_harness import check_preflight_reuse, names, requests_to_see_reuse, standard_app
from flask import request

pytestmark = pytest.mark.browser


def test_custom_header_allowed(browser, make_api, page_origins):
    """FETCH-E1/E3/H7: X-Custom makes a preflight with ACRH `x-custom`; the
    extension answers it (2xx, no view) and the GET follows."""
    o = page_origins
    api = make_api(origins=[o.localhost], allow_headers=["X-Custom"])
    res = browser.fetch(o.localhost, api.url(), headers={"X-Custom": "hello"})
    assert res.allowed and res.status == 200 and res.json()["x_custom"] == "hello", res

    (pre,) = api.preflights()
    assert (pre.origin, pre.acrm, pre.acrh) == (o.localhost, "GET", "x-custom")
    assert 200 <= pre.status <= 299 and not pre.view_ran, pre  # FETCH-H2
    assert pre.header("Access-Control-Allow-Origin") == o.localhost
    assert "x-custom" in names(pre.header_values("Access-Control-Allow-Headers")), pre
    (actual,) = api.actual()
    assert actual.method == "GET" and actual.view_ran


def test_custom_header_not_allowed(browser, make_api, page_origins):
    """FETCH-H7: a header missing from allow_headers fails the preflight, so
    the actual request is never sent and no view runs."""
    o = page_origins
    api = make_api(origins=[o.localhost], allow_headers=["X-Other"])
    res = browser.fetch(o.localhost, api.url(), method="PUT", headers={"X-Custom": "1"})
    assert res.blocked, res
    (pre,) = api.preflights()
    assert (pre.acrm, pre.acrh, pre.view_ran) == ("PUT", "x-custom", False)
    assert "x-custom" not in names(pre.header_values("Access-Control-Allow-Headers"))
    assert api.actual() == []


def test_method_not_allowed(browser, make_api, page_origins):
    """FETCH-H5: PUT not in methods -> the preflight fails, no PUT is sent."""
    o = page_origins
    api = make_api(origins=[o.localhost], methods=["GET", "POST"])
    res = browser.fetch(o.localhost, api.url(), method="PUT")
    assert res.blocked, res
    (pre,) = api.preflights()
    assert (pre.acrm, pre.view_ran) == ("PUT", False)
    assert api.actual() == []
    # DELETE as well; GET stays fine
    assert browser.fetch(o.localhost, api.url(), method="DELETE").blocked
    assert browser.fetch(o.localhost, api.url()).allowed
    assert [h.method for h in api.actual()] == ["GET"]


def test_safelisted_method_passes_preflight_even_if_not_listed(browser, make_api, page_origins):
    """FETCH-B5/H2 (seed S2): a POST preflighted only because of a custom
    header passes the method check even when methods omits POST -- so the
    server must not fail that preflight; the POST then reaches the server."""
    o = page_origins
    api = make_api(origins=[o.localhost], methods=["GET"])
    res = browser.fetch(o.localhost, api.url(), method="POST", headers={"X-Custom": "1"}, body="x")
    assert res.outcome != "error", res
    (pre,) = api.preflights()
    assert pre.acrm == "POST" and 200 <= pre.status <= 299, pre
    assert [h.method for h in api.actual()] == ["POST"], (res, api.hits())


@pytest.mark.parametrize(("methods", "allowed"), [(None, True), (["GET", "PUT"], False)])
def test_lowercase_patch(browser, make_api, page_origins, methods, allowed):
    """FETCH-B3/B4 (seed S1): fetch(url, {method: 'patch'}) sends ACRM `patch`
    (not normalized) and needs `patch` -- exactly -- in ACAM. With the default
    methods (which include PATCH) it must work; without PATCH it must not."""
    o = page_origins
    options = {"origins": [o.localhost]}
    if methods is not None:
        options["methods"] = methods
    api = make_api(**options)
    res = browser.fetch(o.localhost, api.url(), method="patch", body="{}")
    assert res.allowed is allowed, res
    (pre,) = api.preflights()
    assert pre.acrm == "patch"
    if allowed:
        assert res.json()["raw_method"] == "patch" and res.json()["method"] == "PATCH"
        assert [(h.method, h.view_ran) for h in api.actual()] == [("patch", True)]
    else:
        assert api.actual() == []


def test_json_post(browser, make_api, page_origins):
    """FETCH-C5: Content-Type application/json is not safelisted, so a JSON
    POST is preflighted (ACRM POST, ACRH content-type), then sent with its body."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    res = browser.fetch(
        o.localhost,
        api.url("/api/items"),
        method="POST",
        headers={"Content-Type": "application/json"},
        body='{"name": "widget", "qty": 3}',
    )
    assert res.allowed and res.status == 200, res
    assert res.json()["json"] == {"name": "widget", "qty": 3}
    (pre,) = api.preflights()
    assert (pre.acrm, pre.acrh, pre.view_ran) == ("POST", "content-type", False)
    (actual,) = api.actual()
    assert actual.method == "POST" and actual.view_ran


@pytest.mark.parametrize("credentialed", [False, True])
def test_authorization_with_allow_headers_star(browser, make_api, page_origins, credentialed):
    """FETCH-C12/H6/J1 (seed S3): allow_headers='*' (the default) must list
    `authorization` by name -- a literal `*` never covers it -- with and
    without credentials (with credentials `*` is no wildcard at all)."""
    o = page_origins
    options = {"origins": [o.localhost], "allow_headers": "*"}
    if credentialed:
        options["supports_credentials"] = True
    api = make_api(**options)
    init = {"credentials": "include"} if credentialed else {}
    res = browser.fetch(
        o.localhost, api.url(), headers={"Authorization": "Bearer t0k3n", "X-Custom": "1"}, **init
    )
    assert res.allowed and res.json()["authorization"] == "Bearer t0k3n", res
    (pre,) = api.preflights()
    assert pre.acrh == "authorization,x-custom"  # FETCH-C9: lowercased, sorted, no spaces
    acah = names(pre.header_values("Access-Control-Allow-Headers"))
    assert {"authorization", "x-custom"} <= acah, pre
    (actual,) = api.actual()
    assert actual.authorization == "Bearer t0k3n" and actual.view_ran


def test_authorization_not_listed(browser, make_api, page_origins):
    """FETCH-H6: allow_headers without Authorization -> the preflight fails."""
    o = page_origins
    api = make_api(origins=[o.localhost], allow_headers=["X-Custom"])
    res = browser.fetch(o.localhost, api.url(), headers={"Authorization": "Bearer t0k3n"})
    assert res.blocked, res
    assert [h.acrh for h in api.preflights()] == ["authorization"]
    assert api.actual() == []


@pytest.mark.parametrize("max_age", [600, 0])
def test_max_age_caches_the_preflight(browser, make_api, page_origins, max_age):
    """FETCH-E2/H8/L1: with max_age=600 repeated PUTs reuse the cached
    preflight (no OPTIONS reaches the server; Firefox first re-sends it once
    or twice, PREFLIGHT_REUSE_MISSES, measured in test_browser_harness);
    max_age=0 expires it at once, so every PUT is preflighted."""
    o = page_origins
    api = make_api(origins=[o.localhost], max_age=max_age)
    counts = []
    for _ in range(requests_to_see_reuse(browser.engine)):
        res = browser.fetch(o.localhost, api.url(), method="PUT", headers={"X-Custom": "1"})
        assert res.allowed, res
        counts.append(len(api.preflights()))
    if max_age:
        check_preflight_reuse(browser.engine, counts)
    else:
        assert counts == list(range(1, len(counts) + 1)), api.hits()
    pres = api.preflights()
    assert all(p.header("Access-Control-Max-Age") == str(max_age) for p in pres), pres
    assert len(api.actual()) == len(counts)


def test_short_max_age_expires(browser, make_api, page_origins):
    """FETCH-L1: max_age=1 is honoured as a number (not the 5 s default):
    cached at once (after Firefox's re-sends), preflighted again after it
    expired."""
    o = page_origins
    api = make_api(origins=[o.localhost], max_age=1)
    counts = []
    for _ in range(requests_to_see_reuse(browser.engine)):
        assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
        counts.append(len(api.preflights()))
    check_preflight_reuse(browser.engine, counts)
    time.sleep(1.3)
    assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
    assert len(api.preflights()) == counts[-1] + 1
    assert len(api.actual()) == len(counts) + 1


def test_no_max_age_sends_no_header(browser, make_api, page_origins):
    """FETCH-L1: without max_age no Access-Control-Max-Age is sent, so the
    browser applies its default (5 s in all three engines) -- PUTs right after
    the first reuse the preflight."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    counts = []
    for _ in range(requests_to_see_reuse(browser.engine)):
        assert browser.fetch(o.localhost, api.url(), method="PUT").allowed
        counts.append(len(api.preflights()))
    check_preflight_reuse(browser.engine, counts)
    pres = api.preflights()
    assert all(pre.header("Access-Control-Max-Age") is None for pre in pres), pres


def test_auth_hook_registered_before_cors(browser, make_api, page_origins, cors):
    """FETCH-A4: preflights never carry credentials, so an auth before_request
    hook (registered *before* CORS(app)) must not see them: the preflight gets
    2xx without running the hook's 401 or the view; the actual request with
    Authorization succeeds; without Authorization the 401 is readable (FETCH-I8)."""
    o = page_origins

    def build():
        app = standard_app()

        @app.before_request
        def require_token():
            if request.headers.get("Authorization") != "Bearer t0k3n":
                return {"error": "unauthorized"}, 401
            return None

        cors.CORS(app, origins=[o.localhost])
        return app

    api = make_api(build)
    res = browser.fetch(o.localhost, api.url(), headers={"Authorization": "Bearer t0k3n"})
    assert res.allowed and res.status == 200 and res.json()["view"] == "echo", res
    (pre,) = api.preflights()
    assert pre.authorization is None and 200 <= pre.status <= 299 and not pre.view_ran, pre
    (actual,) = api.actual()
    assert actual.authorization == "Bearer t0k3n" and actual.view_ran

    denied = browser.fetch(o.localhost, api.url())
    assert denied.allowed and denied.status == 401, denied
    assert denied.json() == {"error": "unauthorized"}
    assert not api.actual()[-1].view_ran
