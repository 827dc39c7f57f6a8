"""``CORS(api_v1)``: CORS on one blueprint; the app's other blueprints stay closed.

``CORS(blueprint)`` must run before ``app.register_blueprint(blueprint)`` (else E011). It covers
the requests routed to the blueprint's views, and nothing else: not the ``admin`` blueprint,
and not a 404 for a path no view matches (routing fails before Flask knows the blueprint).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, jsonify, request

from examples.kit import Example, Page, Scenario, Site
from flask_corsx import CORS


def create_api(site: Site) -> Flask:
    users: dict[int, dict[str, object]] = {
        1: {"id": 1, "name": "Ada"},
        2: {"id": 2, "name": "Grace"},
    }

    api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")
    CORS(
        api_v1,
        origins=site.page_origins(),
        allow_headers=["Content-Type"],
        expose_headers=["X-Total-Count"],
    )

    @api_v1.get("/users")
    def list_users() -> Response:
        response = jsonify(list(users.values()))
        response.headers["X-Total-Count"] = str(len(users))
        return response

    @api_v1.post("/users")
    def create_user() -> tuple[Response, int]:
        user_id = max(users) + 1
        users[user_id] = {"id": user_id, "name": str(request.get_json(force=True)["name"])}
        user = users[user_id]
        return jsonify(user), 201

    @api_v1.get("/users/<int:user_id>")
    def get_user(user_id: int) -> Response:
        if user_id not in users:
            abort(404)  # routed to the blueprint's view: the 404 gets its headers
        return jsonify(users[user_id])

    admin = Blueprint("admin", __name__, url_prefix="/admin")  # no CORS(admin)

    @admin.get("/stats")
    def stats() -> Response:
        return jsonify(users=len(users))

    app = Flask("blueprint_api")
    app.register_blueprint(api_v1)
    app.register_blueprint(admin)
    return app


SCENARIOS = (
    Scenario(
        id="list",
        title="GET from the blueprint",
        about="CORS(api_v1, origins=[this page], expose_headers=['X-Total-Count']): the "
        "blueprint's views answer with Access-Control-Allow-Origin, and the script may read "
        "X-Total-Count.",
        path="/api/v1/users",
        status=200,
    ),
    Scenario(
        id="create",
        title="A JSON POST to the blueprint (preflighted)",
        about="The preflight is routed to the blueprint too, and answered by flask_corsx "
        "before the view runs.",
        method="POST",
        path="/api/v1/users",
        headers={"Content-Type": "application/json"},
        body={"name": "Margaret"},
        status=201,
    ),
    Scenario(
        id="missing-user",
        title="abort(404) in a blueprint view",
        about="The request reached the blueprint's view, which aborts: the 404 carries the "
        "blueprint's CORS headers, so the script sees it.",
        path="/api/v1/users/99",
        status=404,
    ),
    Scenario(
        id="no-route",
        title="A path no view matches",
        about="/api/v1/nope starts like the blueprint's prefix, but no view matches it. "
        "Routing fails before Flask knows which blueprint the request was for, so the 404 "
        "has no CORS headers and the script only sees a network error. An app-level "
        "CORS(app) would cover it.",
        path="/api/v1/nope",
        expect="blocked",
    ),
    Scenario(
        id="admin",
        title="Another blueprint, without CORS",
        about="The admin blueprint has no CORS(admin): its answers carry no CORS headers, "
        "so other origins cannot read them.",
        path="/admin/stats",
        expect="blocked",
    ),
)


EXAMPLE = Example(
    name="blueprint",
    title="CORS(api_v1) on a blueprint",
    summary="CORS for one blueprint's views: its calls (and its views' 404s) work; another "
    "blueprint and unrouted paths stay closed.",
    create_api=create_api,
    pages=(
        Page(
            title="CORS on one blueprint",
            lead="The API registers two blueprints; only <code>api_v1</code> has "
            "<code>CORS(api_v1, ...)</code>, called before <code>register_blueprint</code>.",
            scenarios=SCENARIOS,
        ),
    ),
)
