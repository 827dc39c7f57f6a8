"""``CORS(app, resources={r"/api/*": ...})``: one extension call for a whole API.

The API allows only the page's origin, allows credentials on ``/api/session/*`` only (a
resource's own options override the keyword arguments), caches preflights for ten minutes and
exposes one response header to scripts.
"""

from __future__ import annotations

import time
import uuid

from flask import Flask, Response, abort, jsonify, request

from examples.kit import Example, Page, Scenario, Site
from flask_corsx import CORS


def create_api(site: Site) -> Flask:
    api = Flask("extension_api")

    # Keyword options apply to every resource; a resource's own options override them.
    # "/api/session/*" is longer than "/api/*", so it wins for its paths.
    CORS(
        api,
        origins=site.page_origins(),
        methods=["GET", "POST", "PUT"],
        allow_headers=["Content-Type"],
        expose_headers=["X-Request-Id"],
        max_age=600,
        resources={
            r"/api/*": {},
            r"/api/session/*": {"supports_credentials": True},
        },
    )

    @api.after_request
    def add_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = uuid.uuid4().hex[:12]
        return response

    @api.route("/api/hello", methods=["GET", "DELETE"])
    def hello() -> Response:
        if request.method == "DELETE":
            return jsonify(deleted=True)
        return jsonify(message="Hello from the API", time=time.strftime("%H:%M:%S"))

    @api.post("/api/echo")
    def echo() -> Response:
        data = request.get_json(silent=True)
        if data is None:
            abort(400, "send a JSON body")
        return jsonify(you_sent=data)

    @api.get("/api/session/visits")
    def visits() -> Response:
        count = int(request.cookies.get("extension_visits", "0") or "0") + 1
        response = jsonify(visits=count, cookie_received="extension_visits" in request.cookies)
        # Same site (127.0.0.1 or localhost, whatever the port), so SameSite=Lax is enough.
        response.set_cookie("extension_visits", str(count), httponly=True, samesite="Lax")
        return response

    return api


SCENARIOS = (
    Scenario(
        id="simple",
        title="A simple GET",
        about="No preflight: GET without custom headers is a 'simple' request. The API "
        "answers with Access-Control-Allow-Origin set to this page's origin, and lists "
        "X-Request-Id in Access-Control-Expose-Headers, so the script may read it.",
        path="/api/hello",
        status=200,
    ),
    Scenario(
        id="json",
        title="A JSON POST (preflighted)",
        about="Content-Type: application/json is not a 'simple' content type, so the "
        "browser first sends an OPTIONS preflight. flask_corsx answers it (the view never "
        "runs) with Access-Control-Allow-Methods/-Headers and Access-Control-Max-Age: 600. "
        "Run it again: for ten minutes the browser skips the preflight.",
        method="POST",
        path="/api/echo",
        headers={"Content-Type": "application/json"},
        body={"greeting": "hello, API"},
        status=200,
    ),
    Scenario(
        id="cookie",
        title="A credentialed request with a cookie",
        about="fetch(..., {credentials: 'include'}) sends the API's cookie. Only routes "
        "under /api/session/ have supports_credentials=True, so only they answer with "
        "Access-Control-Allow-Credentials: true. Run it again: the visit count comes from "
        "the cookie the API set last time.",
        path="/api/session/visits",
        credentials="include",
        status=200,
    ),
    Scenario(
        id="cookie-elsewhere",
        title="Credentials where they are not allowed",
        about="The same credentialed fetch, to /api/hello. The API does answer with "
        "Access-Control-Allow-Origin, but without Access-Control-Allow-Credentials: true, "
        "so the browser hides the answer from the script.",
        path="/api/hello",
        credentials="include",
        expect="blocked",
    ),
    Scenario(
        id="method",
        title="A method the API does not allow",
        about="The API allows GET, POST and PUT. A DELETE needs a preflight; its answer "
        "does not list DELETE, so the browser never sends the DELETE at all (the view that "
        "would handle it does exist).",
        method="DELETE",
        path="/api/hello",
        expect="blocked",
    ),
    Scenario(
        id="null-origin",
        title="A request from an origin that is not on the list",
        about="This call runs inside a sandboxed iframe, which has an opaque origin: the "
        "browser sends Origin: null. 'null' is not among the allowed origins, so the API "
        "sends no Access-Control-Allow-Origin and the browser blocks the answer.",
        path="/api/hello",
        expect="blocked",
        origin="null",
    ),
)


EXAMPLE = Example(
    name="extension",
    title="CORS(app, resources=...)",
    summary="One extension call covers the API: a listed origin, per-resource credentials, "
    "a preflight cache and an exposed header; three calls the browser blocks.",
    create_api=create_api,
    pages=(
        Page(
            title="One CORS(app) call for a whole API",
            lead="The API is set up with <code>CORS(api, origins=[this page], "
            "resources={r\"/api/*\": {}, r\"/api/session/*\": {\"supports_credentials\": "
            "True}}, ...)</code>.",
            scenarios=SCENARIOS,
        ),
    ),
)
