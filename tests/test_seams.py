"""Where the CORS layer meets the rest of Flask: routing, other hooks, signals.

Each test is named after a finding of the seams review (issue 9); none of them may give a
laxer answer than the configuration says.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest
from flask import Blueprint, Flask, Response
from flask.testing import FlaskClient
from helpers import get, preflight

from flask_corsx import CORS, cross_origin
from flask_corsx.defaults import ACAC, ACAO, ACEH, ACMA

ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.com"
EVIL = "https://evil.example.net"


# -- finding 3: a stray credentials header from the app -----------------------------------------


def _app_with_credentials_hook(register_before_cors: bool) -> Flask:
    app = Flask(__name__)

    @app.route("/data")
    def data() -> str:
        return "data"

    def add_credentials(response: Response) -> Response:
        # The snippet from countless tutorials, next to CORS(app).
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return response

    if register_before_cors:
        app.after_request(add_credentials)
        CORS(app)
    else:
        CORS(app)
        app.after_request(add_credentials)
    return app


@pytest.mark.parametrize("register_before_cors", [True, False], ids=["hook-first", "cors-first"])
def test_finding3_stray_credentials_hook_never_joins_a_reflected_origin(
    register_before_cors: bool,
) -> None:
    client = _app_with_credentials_hook(register_before_cors).test_client()
    response = get(client, "/data", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in response.headers  # FETCH-J5: no credentials for a reflected Origin
    answer = preflight(client, "/data", origin=EVIL, method="GET")
    assert answer.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in answer.headers


def test_finding3_stray_credentials_from_a_view_is_removed(app: Flask, client: FlaskClient) -> None:
    @app.route("/view-sets")
    def view_sets() -> Response:
        return Response("x", headers={ACAC: "true", ACMA: "99999", ACEH: "X-Secret"})

    CORS(app)
    response = get(client, "/view-sets", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert (ACAC in response.headers, ACMA in response.headers, ACEH in response.headers) == (
        False,
        False,
        False,
    )


def test_finding3_policy_headers_replace_a_stray_value(app: Flask, client: FlaskClient) -> None:
    @app.route("/expose")
    def expose() -> Response:
        return Response("x", headers={ACEH: "X-Other"})

    CORS(app, expose_headers=["X-Total"])
    assert get(client, "/expose").headers.getlist(ACEH) == ["X-Total"]


def test_finding3_view_that_sets_allow_origin_still_owns_the_set(
    app: Flask, client: FlaskClient
) -> None:
    @app.route("/own")
    def own() -> Response:
        return Response("x", headers={ACAO: "https://mine.example", ACAC: "true"})

    CORS(app)
    response = get(client, "/own", origin=EVIL)
    assert response.headers.getlist(ACAO) == ["https://mine.example"]
    assert response.headers.getlist(ACAC) == ["true"]


def test_finding3_hook_after_a_decorated_view_cannot_add_credentials() -> None:
    app = Flask(__name__)
    CORS(app, resources={})  # only the hooks: the final one guards decorated responses too

    @app.route("/d")
    @cross_origin()
    def decorated() -> str:
        return "d"

    @app.after_request
    def add_credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    client = app.test_client()
    response = get(client, "/d", origin=EVIL)
    assert response.headers.getlist(ACAO) == [EVIL]
    assert ACAC not in response.headers


def test_finding3_credentialed_policy_keeps_its_own_credentials_header(
    app: Flask, client: FlaskClient
) -> None:
    @app.after_request
    def add_credentials(response: Response) -> Response:
        response.headers[ACAC] = "true"
        return response

    CORS(app, origins=[ADMIN], supports_credentials=True)
    assert get(client, "/", origin=ADMIN).headers.getlist(ACAC) == ["true"]
    assert ACAC not in get(client, "/", origin=EVIL).headers


# -- finding 1: dot segments pick a laxer rule ---------------------------------------------------


def _admin_api(credentialed_partner: bool = False) -> Flask:
    app = Flask(__name__)

    @app.route("/api/<path:p>")
    def public(p: str) -> str:
        return f"public {p}"

    @app.route("/api/admin/<path:sub>")
    def admin(sub: str) -> str:
        return f"admin {sub}"

    public_rule: dict[str, object] = {"origins": "*"}
    if credentialed_partner:
        public_rule = {"origins": [PARTNER], "supports_credentials": True}
    CORS(
        app,
        resources={"/api/*": public_rule, "/api/admin/*": {"origins": [ADMIN]}},
    )
    return app


@pytest.mark.parametrize("path", ["/api/admin/..%2fusers", "/api/admin/%2e%2e%2fusers"])
def test_finding1_dot_segments_never_borrow_the_public_rule(path: str) -> None:
    client = _admin_api().test_client()
    response = get(client, path, origin=EVIL)
    assert response.get_data(as_text=True) == "admin ../users"  # Werkzeug routed it to admin
    assert ACAO not in response.headers
    answer = preflight(client, path, origin=EVIL, method="PUT")
    assert ACAO not in answer.headers


def test_finding1_partner_never_reads_admin_data_with_credentials() -> None:
    client = _admin_api(credentialed_partner=True).test_client()
    response = get(client, "/api/admin/..%2fusers", origin=PARTNER)
    assert response.get_data(as_text=True) == "admin ../users"
    assert ACAO not in response.headers and ACAC not in response.headers


def test_finding1_admin_rule_still_answers_its_own_origin_on_plain_paths() -> None:
    client = _admin_api().test_client()
    assert get(client, "/api/admin/users", origin=ADMIN).headers[ACAO] == ADMIN
    assert ACAO not in get(client, "/api/admin/users", origin=EVIL).headers
    assert get(client, "/api/users", origin=EVIL).headers[ACAO] == EVIL


def test_finding1_two_plain_converters() -> None:
    app = Flask(__name__)

    @app.route("/api/<a>/<b>")
    def two(a: str, b: str) -> str:
        return f"{a}/{b}"

    CORS(app, resources={"/api/*": {"origins": "*"}, "/api/admin/*": {"origins": [ADMIN]}})
    # "/api/admin/..%2fx" has two segments for Werkzeug: a="admin", b="../x" (".." + "/x").
    response = get(app.test_client(), "/api/admin/..%2fx", origin=EVIL)
    assert ACAO not in response.headers


def test_finding1_through_a_blueprint() -> None:
    app = Flask(__name__)
    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/<path:p>")
    def public(p: str) -> str:
        return "public"

    @bp.route("/admin/<path:sub>")
    def admin(sub: str) -> str:
        return "admin"

    CORS(bp, resources={"/api/*": {"origins": "*"}, "/api/admin/*": {"origins": [ADMIN]}})
    app.register_blueprint(bp)
    response = get(app.test_client(), "/api/admin/..%2fusers", origin=EVIL)
    assert response.get_data(as_text=True) == "admin"
    assert ACAO not in response.headers


def test_finding1_traversal_into_uncovered_path_still_gets_nothing() -> None:
    # CVE-2020-25032 stays fixed.
    app = Flask(__name__)

    @app.route("/api/<path:p>")
    def api(p: str) -> str:
        return p

    CORS(app, resources={"/api/*": {}})
    assert ACAO not in get(app.test_client(), "/api/..%2fsecret", origin=EVIL).headers


# -- finding 5: a trailing slash escapes a literal rule ------------------------------------------


def _slashes_app(strict_on_app: bool) -> Flask:
    app = Flask(__name__)
    if strict_on_app:
        app.url_map.strict_slashes = False

    @app.route("/api/<path:p>")
    def public(p: str) -> str:
        return "public"

    @app.route("/api/admin", strict_slashes=False if not strict_on_app else None)
    def admin() -> str:
        return "admin"

    CORS(app, resources={"/api/*": {"origins": "*"}, "/api/admin": {"origins": [ADMIN]}})
    return app


@pytest.mark.parametrize("strict_on_app", [True, False], ids=["url_map", "route"])
def test_finding5_trailing_slash_stays_under_the_literal_rule(strict_on_app: bool) -> None:
    client = _slashes_app(strict_on_app).test_client()
    for path in ("/api/admin", "/api/admin/"):
        response = get(client, path, origin=EVIL)
        assert response.get_data(as_text=True) == "admin", path
        assert ACAO not in response.headers, path
        assert get(client, path, origin=ADMIN).headers[ACAO] == ADMIN, path


def test_finding5_a_rule_for_the_slashed_spelling_wins_over_the_alias() -> None:
    from flask_corsx.resources import ResourceTable

    table = ResourceTable([("/a", "plain"), ("/a/", "slashed"), ("/b/", "b")])
    assert (table.match("/a"), table.match("/a/"), table.match("/b")) == ("plain", "slashed", "b")


# -- finding 6: app factories leak -----------------------------------------------------------------


def test_finding6_app_factories_leave_nothing_behind() -> None:
    from flask import got_request_exception

    def factory() -> Flask:
        app = Flask(__name__)
        CORS(app)
        return app

    factory()
    gc.collect()
    receivers = len(got_request_exception.receivers)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(500):
        factory()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(got_request_exception.receivers) == receivers
    assert grown < 50_000, grown  # was ~500 bytes per app, 250 KB here


def test_finding6_exception_flag_still_reaches_intercept_exceptions_false(
    app: Flask, client: FlaskClient
) -> None:
    CORS(app, intercept_exceptions=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert ACAO not in get(client, "/boom").headers
    assert get(client, "/", origin=EVIL).headers[ACAO] == EVIL
