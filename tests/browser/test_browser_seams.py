"""Where CORS meets routing, in a real browser: the seams review's findings 1 and 2 (issue 9).

Item ids refer to /work/shared/cors-reference.md.
"""

from __future__ import annotations

import pytest
from browser_harness import echo_response
from flask import Flask

pytestmark = pytest.mark.browser


def test_dot_segment_path_never_borrows_the_public_rule(browser, make_api, page_origins, cors):
    """Finding 1: /api/* is open to all, /api/admin/* to one origin. The browser keeps
    "..%2f" as sent (it is not a dot segment to the URL parser), Werkzeug routes the path to
    the admin view, and a stranger's page must not read the answer. The admin origin and the
    plain public path keep working."""
    o = page_origins
    admin, stranger = o.localhost, o.host("sub.localhost")

    def build():
        app = Flask("seams_dots")

        @app.route("/api/<path:p>")
        def public(p):
            return echo_response()

        @app.route("/api/admin/<path:sub>")
        def admin_view(sub):
            return {"admin": sub}

        cors.CORS(
            app,
            resources={r"/api/*": {"origins": "*"}, r"/api/admin/*": {"origins": [admin]}},
        )
        return app

    api = make_api(build)
    assert browser.fetch(stranger, api.url("/api/users")).allowed
    assert browser.fetch(admin, api.url("/api/admin/users")).allowed
    assert browser.fetch(stranger, api.url("/api/admin/users")).blocked
    assert browser.fetch(stranger, api.url("/api/admin/..%2fusers")).blocked

    (crafted,) = [h for h in api.actual() if "..%2f" in h.path.lower() or ".." in h.path]
    assert crafted.header("Access-Control-Allow-Origin") is None, crafted


def test_preflight_is_decided_by_the_view_that_serves_the_method(
    browser, make_api, page_origins, cors
):
    """Finding 2: GET /item is decorated for a partner and the admin, with credentials;
    DELETE /item is another view, under an app-wide policy for the admin only. Werkzeug routes
    the OPTIONS to the GET view, but the partner's credentialed DELETE must be refused at the
    preflight, so it is never sent (FETCH-H5), while the admin's goes through."""
    o = page_origins
    admin, partner = o.localhost, o.host("partner.localhost")
    deleted: list[str] = []

    def build():
        app = Flask("seams_methods")

        @app.route("/item", methods=["GET"])
        @cors.cross_origin(origins=[partner, admin], supports_credentials=True)
        def read_item():
            return echo_response()

        @app.route("/item", methods=["DELETE"])
        def delete_item():
            deleted.append("deleted")
            return echo_response()

        cors.CORS(app, origins=[admin], supports_credentials=True)
        return app

    api = make_api(build)
    url = api.url("/item", "localhost")
    assert browser.fetch(partner, url, credentials="include").allowed
    assert browser.fetch(partner, url, method="DELETE", credentials="include").blocked
    assert deleted == []  # the partner's DELETE never ran
    assert browser.fetch(admin, url, method="DELETE", credentials="include").allowed
    assert deleted == ["deleted"]
