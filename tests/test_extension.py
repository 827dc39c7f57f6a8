"""The CORS extension on a whole app: hooks, preflight short-circuit, errors, Vary."""

from __future__ import annotations

import pytest
from flask import Flask, Response, abort, jsonify
from flask.testing import FlaskClient
from helpers import ORIGIN, get, preflight, vary_tokens

from flask_corsx import CORS, CORSConfigWarning
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACMA


def test_one_liner_allows_any_origin(app: Flask, client: FlaskClient) -> None:
    CORS(app)
    response = get(client)
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
    assert vary_tokens(response) == ["origin"]


def test_factory_pattern(app: Flask, client: FlaskClient) -> None:
    cors = CORS(origins=["https://other.example"])
    cors.init_app(app, origins=[ORIGIN])  # init_app kwargs win over the constructor's
    assert get(client).headers[ACAO] == ORIGIN
    assert ACAO not in get(client, origin="https://other.example").headers


def test_one_cors_object_serves_several_apps() -> None:
    from helpers import make_app

    cors = CORS()
    first, second = make_app(), make_app()
    first.config["CORS_ORIGINS"] = ["https://first.example"]
    second.config["CORS_ORIGINS"] = ["https://second.example"]
    cors.init_app(first)
    cors.init_app(second)
    assert "corsx" in first.extensions and "corsx" in second.extensions
    one, two = first.test_client(), second.test_client()
    assert get(one, origin="https://first.example").headers[ACAO] == "https://first.example"
    assert ACAO not in get(one, origin="https://second.example").headers
    assert get(two, origin="https://second.example").headers[ACAO] == "https://second.example"
    assert ACAO not in get(two, origin="https://first.example").headers


def test_state_lives_in_app_extensions_not_on_the_object(app: Flask) -> None:
    cors = CORS(app)
    assert app.extensions["corsx"].app_table is not None
    assert not any(isinstance(v, Flask) for v in vars(cors).values())


def test_preflight_is_answered_without_running_the_view(app: Flask, client: FlaskClient) -> None:
    calls: list[str] = []

    @app.route("/counted", methods=["PUT", "OPTIONS"])
    def counted() -> str:
        calls.append("view")
        return "ran"

    CORS(app)
    response = preflight(client, "/counted", method="PUT", headers="x-a")
    assert response.status_code == 200  # FETCH-H2: an ok status
    assert response.headers[ACAO] == ORIGIN
    assert "PUT" in response.headers[ACAM]
    assert response.headers[ACAH] == "x-a"
    assert calls == []


@pytest.mark.parametrize("register_auth_first", [True, False], ids=["auth-before", "auth-after"])
def test_preflight_short_circuits_auth_hooks(app: Flask, register_auth_first: bool) -> None:
    # FETCH-A4: preflights carry no credentials, so an auth hook must never see them.
    seen: list[str] = []

    def require_auth() -> Response | None:
        seen.append("auth")
        from flask import request

        if "Authorization" not in request.headers:
            return Response("no", status=401)
        return None

    if register_auth_first:
        app.before_request(require_auth)
        CORS(app)
    else:
        CORS(app)
        app.before_request(require_auth)
    client = app.test_client()
    response = preflight(client, "/", method="PUT", headers="authorization")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACAH] == "authorization"
    assert seen == []
    # The actual request still goes through the hook, and its 401 is readable cross-origin.
    actual = client.put("/", headers={"Origin": ORIGIN})
    assert actual.status_code == 401
    assert actual.headers[ACAO] == ORIGIN
    assert seen == ["auth"]


def test_preflight_short_circuits_blueprint_auth_hooks(app: Flask) -> None:
    from flask import Blueprint

    bp = Blueprint("private", __name__)

    @bp.before_request
    def deny() -> Response:
        return Response("no", status=401)

    @bp.route("/private", methods=["PUT"])
    def private() -> str:
        return "secret"

    CORS(app)
    app.register_blueprint(bp)
    response = preflight(app.test_client(), "/private")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN


def test_options_without_request_method_reaches_flask(app: Flask, client: FlaskClient) -> None:
    CORS(app)
    response = client.options("/", headers={"Origin": ORIGIN})  # FETCH-A2
    assert "Allow" in response.headers  # Flask's automatic OPTIONS answer
    assert response.headers[ACAO] == ORIGIN
    assert ACAM not in response.headers


def test_refused_preflight_is_200_without_allow_origin(app: Flask, client: FlaskClient) -> None:
    CORS(app, origins=["https://good.example"])
    response = preflight(client, origin="https://evil.example")
    assert response.status_code == 200
    assert ACAO not in response.headers
    assert ACAM not in response.headers
    # The same Vary as every preflight answer (one Vary per URL in shared caches).
    assert vary_tokens(response) == [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/forbidden", 403), ("/boom", 500), ("/missing", 404)],
    ids=["abort-403", "exception-500", "not-found-404"],
)
def test_error_responses_carry_the_same_headers(
    app: Flask, client: FlaskClient, path: str, status: int
) -> None:
    # FETCH-I8, reference S9: else the page sees a network error instead of the status.
    app.config["TESTING"] = False  # let Flask turn the exception into a 500
    CORS(app, origins=[ORIGIN], supports_credentials=True, expose_headers="X-Id")
    response = get(client, path)
    assert response.status_code == status
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACAC] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Id"


def test_method_not_allowed_carries_headers(app: Flask, client: FlaskClient) -> None:
    CORS(app)
    response = client.delete("/api/items", headers={"Origin": ORIGIN})
    assert response.status_code == 405
    assert response.headers[ACAO] == ORIGIN


def test_preflight_for_unknown_path_is_still_answered(app: Flask, client: FlaskClient) -> None:
    # The actual request will 404 with CORS headers, so the page can read that 404.
    CORS(app)
    response = preflight(client, "/missing")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN


def test_intercept_exceptions_off_leaves_error_responses_alone(app: Flask) -> None:
    app.config["TESTING"] = False
    CORS(app, intercept_exceptions=False)
    client = app.test_client()
    assert ACAO not in get(client, "/missing").headers
    assert ACAO not in get(client, "/boom").headers
    assert client.delete("/api/items", headers={"Origin": ORIGIN}).status_code == 405
    assert ACAO not in client.delete("/api/items", headers={"Origin": ORIGIN}).headers
    assert get(client, "/").headers[ACAO] == ORIGIN


def test_view_that_sets_allow_origin_owns_the_headers(app: Flask, client: FlaskClient) -> None:
    @app.route("/own")
    def own() -> Response:
        response = jsonify(ok=True)
        response.headers[ACAO] = "https://mine.example"
        return response

    CORS(app, supports_credentials=True, origins=[ORIGIN])
    response = get(client, "/own")
    assert response.headers.getlist(ACAO) == ["https://mine.example"]  # FETCH-I6
    assert ACAC not in response.headers


def test_existing_vary_is_appended_not_replaced(app: Flask, client: FlaskClient) -> None:
    @app.route("/varied")
    def varied() -> Response:
        response = Response("x")
        response.headers["Vary"] = "Accept-Encoding"
        return response

    @app.route("/already")
    def already() -> Response:
        response = Response("x")
        response.headers["Vary"] = "origin, Cookie"
        return response

    CORS(app)
    assert vary_tokens(get(client, "/varied")) == ["accept-encoding", "origin"]  # FETCH-O3
    assert vary_tokens(get(client, "/already")) == ["origin", "cookie"]  # no duplicate


def test_vary_on_requests_without_origin(app: Flask, client: FlaskClient) -> None:
    CORS(app, origins=[ORIGIN])
    response = get(client, origin=None)
    assert ACAO not in response.headers
    assert vary_tokens(response) == ["origin"]  # FETCH-O2


def test_vary_header_false_never_touches_vary(app: Flask, client: FlaskClient) -> None:
    CORS(app, origins=[ORIGIN], vary_header=False)
    assert "Vary" not in get(client).headers


def test_constant_wildcard_has_no_vary(app: Flask, client: FlaskClient) -> None:
    CORS(app, send_wildcard=True)
    response = get(client)
    assert response.headers[ACAO] == "*"
    assert "Vary" not in response.headers  # FETCH-O1


def test_repeated_origin_headers_are_not_reflected(app: Flask, client: FlaskClient) -> None:
    # FETCH-I6: two Origin lines arrive comma-joined; that is not an origin.
    CORS(app)
    response = client.get("/", headers=[("Origin", ORIGIN), ("Origin", "https://b.example")])
    assert ACAO not in response.headers


def test_second_cors_call_keeps_the_first_for_the_same_pattern(
    app: Flask, client: FlaskClient
) -> None:
    # Issue 10 item 6: calls accumulate; a pattern both configure keeps the first, with W015.
    CORS(app, origins=["https://first.example"])
    with pytest.warns(CORSConfigWarning, match="W015"):
        CORS(app, origins=[ORIGIN])
    assert get(client, origin="https://first.example").headers.getlist(ACAO) == [
        "https://first.example"
    ]
    assert ACAO not in get(client).headers
    assert len(app.after_request_funcs[None]) == 1  # hooks installed once


def test_max_age_on_preflight_only(app: Flask, client: FlaskClient) -> None:
    CORS(app, max_age=600)
    assert preflight(client).headers[ACMA] == "600"
    assert ACMA not in get(client).headers


def test_async_view_with_extension(app: Flask, client: FlaskClient) -> None:

    @app.route("/async")
    async def async_view() -> str:
        return "async"

    CORS(app)
    response = get(client, "/async")
    assert response.get_data(as_text=True) == "async"
    assert response.headers[ACAO] == ORIGIN


def test_head_request_gets_headers(app: Flask, client: FlaskClient) -> None:
    CORS(app)
    assert client.head("/", headers={"Origin": ORIGIN}).headers[ACAO] == ORIGIN


def test_abort_in_preflight_path_never_happens(app: Flask, client: FlaskClient) -> None:
    @app.route("/guarded", methods=["DELETE"])
    def guarded() -> str:
        abort(500)

    CORS(app)
    assert preflight(client, "/guarded", method="DELETE").status_code == 200


def test_config_warning_points_at_the_users_call(app: Flask) -> None:
    from flask_corsx import CORSConfigWarning

    with pytest.warns(CORSConfigWarning, match="W001") as record:
        CORS(app, max_age=100_000)
    assert record[0].filename == __file__


def test_other_cors_headers_from_the_view_are_replaced_not_doubled(
    app: Flask, client: FlaskClient
) -> None:
    @app.route("/partial")
    def partial() -> Response:
        response = Response("x")
        response.headers["access-control-allow-credentials"] = "True"  # wrong case (FETCH-I5)
        return response

    CORS(app, origins=[ORIGIN], supports_credentials=True)
    response = get(client, "/partial")
    assert response.headers.getlist(ACAC) == ["true"]  # FETCH-I6: exactly one
    assert response.headers[ACAO] == ORIGIN


def test_response_with_plain_dict_headers(app: Flask, client: FlaskClient) -> None:
    @app.after_request
    def replace_headers(response: Response) -> Response:
        # What some OAuth integrations do; registered after CORS, so it runs before our hook.
        response.headers = dict(response.headers)  # type: ignore[assignment]
        return response

    CORS(app)
    app.after_request_funcs[None].reverse()  # make ours run last
    response = get(client)
    assert response.headers[ACAO] == ORIGIN
