"""Where CORS applies: `resources`, per-path options, blueprints, @cross_origin.

Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import asyncio

import pytest
from browser_harness import echo_response, mark_view
from flask import Blueprint, Flask, request

pytestmark = pytest.mark.browser


def test_resources_limit_cors_to_matching_paths(browser, make_api, page_origins):
    """resources={r"/api/*": ...}: /api/... is shared with the listed origin,
    /private/... is not shared at all -- neither its simple GET (no ACAO) nor
    its preflight (the PUT never happens)."""
    o = page_origins
    api = make_api(resources={r"/api/*": {"origins": [o.localhost]}})
    assert browser.fetch(o.localhost, api.url("/api/data")).allowed
    assert browser.fetch(o.localhost, api.url("/api/data"), method="PUT").allowed
    assert browser.fetch(o.localhost, api.url("/private/data")).blocked
    assert browser.fetch(o.localhost, api.url("/private/data"), method="PUT").blocked

    (private_get,) = api.actual("/private/data")
    assert private_get.header("Access-Control-Allow-Origin") is None, private_get
    (private_pre,) = api.preflights("/private/data")
    assert private_pre.header("Access-Control-Allow-Origin") is None, private_pre
    assert [h.method for h in api.actual("/api/data")] == ["GET", "PUT"]


def test_per_path_options(browser, make_api, page_origins):
    """Each resource pattern has its own options: /public/* for any origin
    without credentials, /private/* for one origin with credentials and an
    exposed header."""
    o = page_origins
    api = make_api(
        resources={
            r"/public/*": {"origins": "*"},
            r"/private/*": {
                "origins": [o.localhost],
                "supports_credentials": True,
                "expose_headers": ["X-Total-Count"],
            },
        }
    )
    public, private = api.url("/public/data", "localhost"), api.url("/private/data", "localhost")
    browser.add_cookie(public, "sid", "s3ss10n")
    stranger = o.host("sub.localhost")

    res = browser.fetch(stranger, public)
    assert res.allowed and "x-total-count" not in res.headers, res
    assert browser.fetch(stranger, private).blocked

    res = browser.fetch(o.localhost, private, credentials="include")
    assert res.allowed and res.headers.get("x-total-count") == "42", res
    assert res.json()["cookie_sid"] == "s3ss10n"
    # /public has no supports_credentials: a credentialed read fails (FETCH-I5)
    assert browser.fetch(o.localhost, public, credentials="include").blocked

    last_public = api.actual("/public/data")[-1]
    assert last_public.header("Access-Control-Allow-Credentials") is None, last_public


def test_blueprint_scoping(browser, make_api, page_origins, cors):
    """CORS(bp) before app.register_blueprint(bp) covers only the blueprint's
    routes, simple and preflighted; a route outside the blueprint gets no CORS."""
    o = page_origins

    def build():
        app = Flask("bp_app")
        bp = Blueprint("bp", __name__, url_prefix="/bp")
        cors.CORS(bp, origins=[o.localhost])

        @bp.route("/data", methods=["GET", "PUT"])
        def bp_data():
            return echo_response()

        app.register_blueprint(bp)

        @app.route("/outside", methods=["GET", "PUT"])
        def outside():
            return echo_response()

        return app

    api = make_api(build)
    assert browser.fetch(o.localhost, api.url("/bp/data")).allowed
    res = browser.fetch(o.localhost, api.url("/bp/data"), method="PUT", headers={"X-Custom": "1"})
    assert res.allowed and res.json()["x_custom"] == "1", res
    assert browser.fetch(o.host("sub.localhost"), api.url("/bp/data")).blocked
    assert browser.fetch(o.localhost, api.url("/outside")).blocked
    assert browser.fetch(o.localhost, api.url("/outside"), method="PUT").blocked

    assert [h.method for h in api.actual("/bp/data")] == ["GET", "PUT", "GET"]
    assert [h.method for h in api.actual("/outside")] == ["GET"]  # the PUT was never sent
    (outside_get,) = api.actual("/outside")
    assert outside_get.header("Access-Control-Allow-Origin") is None, outside_get


def test_cross_origin_decorator(browser, make_api, page_origins, cors):
    """@cross_origin(...) below @app.route: that route is shared (simple and
    preflighted requests, the preflight answered without running the view);
    an undecorated route is not."""
    o = page_origins

    def build():
        app = Flask("decorator_app")

        @app.route("/dec", methods=["GET", "PUT"])
        @cors.cross_origin(origins=[o.localhost], expose_headers=["X-Total-Count"])
        def dec():
            return echo_response()

        @app.get("/plain")
        def plain():
            return echo_response()

        return app

    api = make_api(build)
    res = browser.fetch(o.localhost, api.url("/dec"))
    assert res.allowed and res.headers.get("x-total-count") == "42", res
    res = browser.fetch(o.localhost, api.url("/dec"), method="PUT", headers={"X-Custom": "1"})
    assert res.allowed, res
    assert browser.fetch(o.host("sub.localhost"), api.url("/dec")).blocked
    assert browser.fetch(o.localhost, api.url("/plain")).blocked

    (pre,) = api.preflights("/dec")
    assert (pre.acrm, pre.view_ran) == ("PUT", False) and 200 <= pre.status <= 299, pre
    assert [h.method for h in api.actual("/dec")] == ["GET", "PUT", "GET"]


def test_cross_origin_decorator_without_automatic_options(browser, make_api, page_origins, cors):
    """@cross_origin(automatic_options=False) on a route that lists OPTIONS:
    the view itself answers the preflight (here 204) and the decorator adds
    the CORS headers to that answer, so the PUT goes through."""
    o = page_origins

    def build():
        app = Flask("manual_options_app")

        @app.route("/manual", methods=["GET", "PUT", "OPTIONS"])
        @cors.cross_origin(origins=[o.localhost], automatic_options=False)
        def manual():
            if request.method == "OPTIONS":
                mark_view()
                return "", 204
            return echo_response()

        return app

    api = make_api(build)
    res = browser.fetch(o.localhost, api.url("/manual"), method="PUT", headers={"X-Custom": "1"})
    assert res.allowed and res.json()["method"] == "PUT", res
    (pre,) = api.preflights()
    assert pre.view_ran and pre.status == 204, pre
    assert pre.header("Access-Control-Allow-Origin") == o.localhost, pre
    (put,) = api.actual()
    assert put.method == "PUT" and put.view_ran


def test_cross_origin_decorator_on_async_view(browser, make_api, page_origins, cors):
    """@cross_origin on an `async def` view (Flask runs it via asgiref)."""
    o = page_origins

    def build():
        app = Flask("async_app")

        @app.route("/async", methods=["GET", "PUT"])
        @cors.cross_origin(origins=[o.localhost])
        async def async_view():
            await asyncio.sleep(0)
            return echo_response()

        return app

    api = make_api(build)
    res = browser.fetch(o.localhost, api.url("/async"))
    assert res.allowed and res.json()["view"] == "echo", res
    res = browser.fetch(o.localhost, api.url("/async"), method="PUT", headers={"X-Custom": "1"})
    assert res.allowed and res.json()["method"] == "PUT", res
    assert browser.fetch(o.host("sub.localhost"), api.url("/async")).blocked
    assert [(h.method, h.view_ran) for h in api.hits()] == [
        ("GET", True),
        ("OPTIONS", False),
        ("PUT", True),
        ("GET", True),
    ]
