"""Credentialed requests (cookies) and exposed response headers.

The API is addressed as http://localhost:A and the pages live on
http://localhost:P / :Q: cross-origin but same-site, so the browser sends the
API's (SameSite=Lax by default) cookie on `credentials: 'include'` fetches.
Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import pytest
from browser_harness import names

pytestmark = pytest.mark.browser


def test_credentialed_fetch_from_allowed_origin(browser, make_api, page_origins):
    """FETCH-I5/J4: supports_credentials=True answers the listed origin with
    its exact value and `ACAC: true`; the cookie arrives and the body is
    readable -- for a simple GET and for a preflighted PUT (FETCH-H1)."""
    o = page_origins
    api = make_api(origins=[o.localhost], supports_credentials=True)
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "s3ss10n")

    res = browser.fetch(o.localhost, url, credentials="include")
    assert res.allowed and res.json()["cookie_sid"] == "s3ss10n", res
    res = browser.fetch(
        o.localhost, url, method="PUT", headers={"X-Custom": "1"}, credentials="include"
    )
    assert res.allowed and res.json()["cookie_sid"] == "s3ss10n", res

    (pre,) = api.preflights()
    assert pre.cookie is None  # FETCH-A4: preflights carry no cookies
    for hit in api.hits():
        assert hit.header("Access-Control-Allow-Origin") == o.localhost, hit
        assert hit.header("Access-Control-Allow-Credentials") == "true", hit
    for hit in api.actual():
        assert hit.cookie == "sid=s3ss10n" and hit.view_ran


def test_credentialed_fetch_from_refused_origin(browser, make_api, page_origins):
    """A refused origin cannot read a credentialed response. The browser still
    sends the request with the cookie (CORS protects reading, FETCH-R2), so
    the server must send no ACAO/ACAC for it."""
    o = page_origins
    api = make_api(origins=[o.localhost], supports_credentials=True)
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "s3ss10n")
    res = browser.fetch(o.localhost_other_port, url, credentials="include")
    assert res.blocked, res
    (hit,) = api.hits()
    assert hit.origin == o.localhost_other_port and hit.cookie == "sid=s3ss10n"
    assert hit.header("Access-Control-Allow-Origin") is None, hit
    assert hit.header("Access-Control-Allow-Credentials") is None, hit
    # a refused preflight: the PUT never happens
    res = browser.fetch(o.localhost_other_port, url, method="PUT", credentials="include")
    assert res.blocked, res
    assert [h.method for h in api.hits()] == ["GET", "OPTIONS"]


def test_credentials_not_supported(browser, make_api, page_origins):
    """FETCH-I5/J3: without supports_credentials there is no `ACAC: true`, so a
    credentials: 'include' fetch fails even from an allowed origin; the same
    fetch without credentials works (and sends no cookie)."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "s3ss10n")
    res = browser.fetch(o.localhost, url, credentials="include")
    assert res.blocked, res
    res = browser.fetch(o.localhost, url)
    assert res.allowed and res.json()["cookie_sid"] is None, res
    first, second = api.hits()
    assert first.cookie == "sid=s3ss10n" and second.cookie is None
    assert first.header("Access-Control-Allow-Credentials") is None, first


def test_exposed_headers_readable(browser, make_api, page_origins):
    """FETCH-D2: X-Total-Count is listed in expose_headers and readable;
    X-Secret is sent but not exposed, so script cannot see it."""
    o = page_origins
    api = make_api(origins=[o.localhost], expose_headers=["X-Total-Count"])
    res = browser.fetch(o.localhost, api.url())
    assert res.allowed, res
    assert res.headers.get("x-total-count") == "42", res
    assert "x-secret" not in res.headers, res
    (hit,) = api.hits()
    assert hit.header("X-Secret") == "s3cr3t"
    assert names(hit.header_values("Access-Control-Expose-Headers")) == {"x-total-count"}, hit


def test_exposed_headers_with_credentials(browser, make_api, page_origins):
    """FETCH-D3/J1: exposure by name works for credentialed responses too."""
    o = page_origins
    api = make_api(
        origins=[o.localhost], expose_headers=["X-Total-Count"], supports_credentials=True
    )
    res = browser.fetch(o.localhost, api.url(host="localhost"), credentials="include")
    assert res.allowed and res.headers.get("x-total-count") == "42", res
    assert "x-secret" not in res.headers


def test_headers_not_exposed_by_default(browser, make_api, page_origins):
    """FETCH-D1/D2: by default only the safelisted response headers are readable."""
    o = page_origins
    api = make_api(origins=[o.localhost])
    res = browser.fetch(o.localhost, api.url())
    assert res.allowed, res
    assert set(res.headers) <= {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }, res
    assert "content-type" in res.headers
    (hit,) = api.hits()
    assert hit.header("X-Total-Count") == "42" and hit.header("X-Secret") == "s3cr3t"
