"""Per-origin rules and an origins callable, in real browsers (issue 12).

Pages on http://localhost:P and http://localhost:Q call the API on
http://localhost:A (cross-origin, same-site, so cookies go along with
credentials: 'include'). Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_harness import standard_app

from flask_corsx import OriginRule, invalidate_origins

pytestmark = pytest.mark.browser


def _api(make_api: Any, cors: Any, **options: Any) -> Any:
    def build() -> Any:
        app = standard_app()
        cors.CORS(app, **options)
        return app

    return make_api(build)


def test_read_only_origin_is_blocked_on_put_while_another_puts_with_cookies(
    browser, make_api, cors, page_origins
):
    """One origin may GET only (FETCH-H5 fails its PUT); another may PUT with its
    cookie (FETCH-I5); an origin no rule matches gets nothing (FETCH-I1)."""
    o = page_origins
    reader, writer, stranger = o.localhost, o.localhost_other_port, o.ip
    api = _api(
        make_api,
        cors,
        origins={
            reader: {"methods": ["GET"]},
            writer: {"methods": ["GET", "PUT"], "supports_credentials": True,
                     "allow_headers": ["X-CSRF-Token"]},
        },
    )
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "w1")

    assert browser.fetch(reader, url).allowed
    res = browser.fetch(reader, url, method="PUT")
    assert res.blocked, res
    assert [h.method for h in api.hits()] == ["GET", "OPTIONS"]  # the PUT never went
    (refused,) = api.preflights()
    assert refused.header("Access-Control-Allow-Origin") == reader
    assert refused.header("Access-Control-Allow-Methods") is None

    api.log.clear()
    res = browser.fetch(
        writer, url, method="PUT", headers={"X-CSRF-Token": "t"}, credentials="include"
    )
    assert res.allowed and res.json()["cookie_sid"] == "w1", res
    (put,) = api.actual()
    assert put.header("Access-Control-Allow-Credentials") == "true"

    api.log.clear()
    res = browser.fetch(stranger, url)
    assert res.blocked, res
    (hit,) = api.hits()
    assert hit.status == 200
    sent = [name.lower() for name, _ in hit.response_headers]
    assert not [name for name in sent if name.startswith("access-control-")]
    assert "origin" in hit.vary()


def test_schemes_and_ports_rule(browser, make_api, cors, page_origins):
    """A rule for the host localhost, http on one port only."""
    o = page_origins
    api = _api(
        make_api,
        cors,
        origins=[OriginRule("localhost", schemes=["http"], ports=[o.port], methods=["GET", "PUT"])],
    )
    url = api.url(host="localhost")
    assert browser.fetch(o.localhost, url, method="PUT").allowed
    assert browser.fetch(o.localhost_other_port, url).blocked


def test_rule_refusal_is_never_a_later_rules_grant(browser, make_api, cors, page_origins):
    """The reader's DELETE is refused by its own rule although the catch-all after it
    allows DELETE for everyone else."""
    o = page_origins
    api = _api(
        make_api,
        cors,
        origins={o.localhost: {"methods": ["GET"]}, "*": {"methods": ["GET", "DELETE"]}},
    )
    url = api.url(host="localhost")
    assert browser.fetch(o.localhost, url, method="DELETE").blocked
    assert browser.fetch(o.localhost_other_port, url, method="DELETE").allowed


def test_origins_callable_with_a_tenant_table(browser, make_api, cors, page_origins):
    """Tenants from a table: one plain, one with PUT and cookies of its own; a tenant
    removed from the table is refused once the cache is invalidated."""
    o = page_origins
    tenants: dict[str, Any] = {
        o.localhost: True,
        o.localhost_other_port: {"methods": ["GET", "PUT"], "supports_credentials": True},
    }
    calls: list[str] = []

    def allowed(origin: str) -> Any:
        calls.append(origin)
        return tenants.get(origin)

    api = _api(make_api, cors, origins=allowed, methods=["GET"])
    url = api.url(host="localhost")
    browser.add_cookie(url, "sid", "t2")

    assert browser.fetch(o.localhost, url).allowed
    assert browser.fetch(o.localhost, url, method="PUT").blocked
    res = browser.fetch(o.localhost_other_port, url, method="PUT", credentials="include")
    assert res.allowed and res.json()["cookie_sid"] == "t2", res
    assert browser.fetch(o.ip, url).blocked
    assert sorted(set(calls)) == sorted(calls)  # each origin asked once

    del tenants[o.localhost]
    assert browser.fetch(o.localhost, url).allowed  # cached for the TTL
    invalidate_origins(api.app)
    assert browser.fetch(o.localhost, url).blocked
