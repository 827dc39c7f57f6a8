"""``@cross_origin`` views: each view says who may call it; views without it allow nobody.

No ``CORS(app)`` at all: ``/api/hello`` takes ``@cross_origin()`` (any origin, like flask-cors's
docs), ``/api/report`` takes its own options (this page only, GET and PUT, a preflight cache),
and ``/api/internal`` has no decorator.
"""

from __future__ import annotations

from flask import Flask, Response, abort, jsonify, request

from examples.kit import Example, Page, Scenario, Site
from flask_corsx import cross_origin


def create_api(site: Site) -> Flask:
    api = Flask("decorator_api")
    reports = {1: {"id": 1, "title": "Quarterly numbers", "status": "draft"}}

    @api.get("/api/hello")
    @cross_origin()  # any origin, reflected (send_wildcard=True would send "*")
    def hello() -> Response:
        return jsonify(message="Hello from a view with @cross_origin()")

    # @cross_origin goes below @app.route: the route must register the wrapped view.
    @api.route("/api/report/<int:report_id>", methods=["GET", "PUT"])
    @cross_origin(
        origins=site.page_origins(),
        methods=["GET", "PUT"],
        allow_headers=["Content-Type"],
        max_age=600,
    )
    def report(report_id: int) -> Response:
        if report_id not in reports:
            abort(404)  # the decorator's headers go on error responses too
        if request.method == "PUT":
            reports[report_id].update(request.get_json(force=True))
        return jsonify(reports[report_id])

    @api.get("/api/internal")
    def internal() -> Response:  # no decorator: no CORS headers
        return jsonify(secret="only for same-origin pages and servers")

    return api


SCENARIOS = (
    Scenario(
        id="any-origin",
        title="@cross_origin(): any origin",
        about="With no options the decorator allows every origin, as flask-cors's does: it "
        "answers Access-Control-Allow-Origin with the caller's origin, and Vary: Origin so "
        "that caches keep one answer per origin (send_wildcard=True would answer * for all). "
        "Right for public, cookie-free data.",
        path="/api/hello",
        status=200,
    ),
    Scenario(
        id="any-origin-null",
        title="@cross_origin(): even from a sandboxed iframe",
        about="'Any origin' means any: this call runs in a sandboxed iframe (Origin: null) "
        "and may still read the answer.",
        path="/api/hello",
        origin="null",
        status=200,
    ),
    Scenario(
        id="report-put",
        title="A view with its own options: a JSON PUT",
        about="@cross_origin(origins=[this page], methods=['GET', 'PUT'], ...) answers the "
        "preflight itself (automatic_options): the view never sees the OPTIONS request.",
        method="PUT",
        path="/api/report/1",
        headers={"Content-Type": "application/json"},
        body={"status": "final"},
        status=200,
    ),
    Scenario(
        id="report-missing",
        title="abort(404) in a decorated view",
        about="The view aborts with 404; the decorator puts its headers on the error "
        "response too, so the script reads the 404 instead of a network error.",
        path="/api/report/99",
        status=404,
    ),
    Scenario(
        id="report-null",
        title="The listed-origin view from an unlisted origin",
        about="Origin: null (a sandboxed iframe) is not in the report view's origins: no "
        "Access-Control-Allow-Origin, the browser blocks the answer.",
        path="/api/report/1",
        origin="null",
        expect="blocked",
    ),
    Scenario(
        id="internal",
        title="A view without the decorator",
        about="CORS is per view here: /api/internal has no @cross_origin, so it sends no "
        "CORS headers and the browser hides its answer from every other origin.",
        path="/api/internal",
        expect="blocked",
    ),
)


EXAMPLE = Example(
    name="decorator",
    title="@cross_origin views",
    summary="CORS per view: a public view for any origin, a view with its own origins, "
    "methods and preflight cache (and readable 404s), and a view without the decorator.",
    create_api=create_api,
    pages=(
        Page(
            title="@cross_origin on each view",
            lead="The API has no <code>CORS(app)</code>: each view that other origins may "
            "call carries <code>@cross_origin(...)</code>, below <code>@app.route</code>.",
            scenarios=SCENARIOS,
        ),
    ),
)
