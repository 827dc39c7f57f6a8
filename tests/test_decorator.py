"""@cross_origin on single views: sync and async, automatic_options, errors."""

from __future__ import annotations

import pytest
from flask import Flask, Response, abort, jsonify
from helpers import ORIGIN, get, preflight, vary_tokens

from flask_corsx import CORS, CORSConfigError, cross_origin
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACMA


@pytest.fixture
def dec_app() -> Flask:
    app = Flask("decorated")
    calls: list[str] = []
    app.config["calls"] = calls

    @app.route("/plain", methods=["GET", "PUT"])
    @cross_origin(origins=[ORIGIN], max_age=60, supports_credentials=True)
    def plain() -> str:
        calls.append("plain")
        return "plain"

    @app.route("/async", methods=["GET", "PUT"])
    @cross_origin(origins=[ORIGIN])
    async def async_view() -> str:
        calls.append("async")
        return "async"

    @app.route("/abort")
    @cross_origin(origins=[ORIGIN])
    def aborting() -> str:
        abort(403)

    @app.route("/async-abort")
    @cross_origin(origins=[ORIGIN])
    async def async_aborting() -> str:
        abort(403)

    @app.route("/boom")
    @cross_origin(origins=[ORIGIN])
    def boom() -> str:
        raise RuntimeError("boom")

    @app.route("/manual", methods=["GET", "PUT", "OPTIONS"])
    @cross_origin(origins=[ORIGIN], automatic_options=False)
    def manual() -> Response:
        calls.append("manual")
        return Response("handled by view", status=204)

    @app.route("/quiet")
    @cross_origin(origins=[ORIGIN], intercept_exceptions=False)
    def quiet() -> str:
        abort(403)

    @app.route("/undecorated")
    def undecorated() -> str:
        return "plain"

    return app


def test_plain_view(dec_app: Flask) -> None:
    response = get(dec_app.test_client(), "/plain")
    assert response.get_data(as_text=True) == "plain"
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACAC] == "true"
    assert vary_tokens(response) == ["origin"]


def test_plain_view_refuses_other_origin(dec_app: Flask) -> None:
    response = get(dec_app.test_client(), "/plain", origin="https://evil.example")
    assert ACAO not in response.headers
    assert vary_tokens(response) == ["origin"]


def test_preflight_answered_without_the_view(dec_app: Flask) -> None:
    response = preflight(dec_app.test_client(), "/plain", headers="x-a")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACMA] == "60"
    assert response.headers[ACAH] == "x-a"
    assert "PUT" in response.headers[ACAM]
    assert dec_app.config["calls"] == []


def test_async_view(dec_app: Flask) -> None:
    # flask-cors returns a 500 here (its wrapper does not await the coroutine).
    client = dec_app.test_client()
    response = get(client, "/async")
    assert response.get_data(as_text=True) == "async"
    assert response.headers[ACAO] == ORIGIN
    assert preflight(client, "/async").headers[ACAO] == ORIGIN
    assert dec_app.config["calls"] == ["async"]


@pytest.mark.parametrize("path", ["/abort", "/async-abort"])
def test_abort_in_view_carries_headers(dec_app: Flask, path: str) -> None:
    response = get(dec_app.test_client(), path)
    assert response.status_code == 403
    assert response.headers[ACAO] == ORIGIN  # FETCH-I8; flask-cors #198


def test_exception_in_view_carries_headers(dec_app: Flask) -> None:
    dec_app.config["TESTING"] = False
    response = get(dec_app.test_client(), "/boom")
    assert response.status_code == 500
    assert response.headers[ACAO] == ORIGIN


def test_intercept_exceptions_off(dec_app: Flask) -> None:
    response = get(dec_app.test_client(), "/quiet")
    assert response.status_code == 403
    assert ACAO not in response.headers


def test_automatic_options_false_lets_the_view_answer(dec_app: Flask) -> None:
    response = preflight(dec_app.test_client(), "/manual", method="PUT")
    assert response.status_code == 204
    assert dec_app.config["calls"] == ["manual"]
    assert response.headers[ACAO] == ORIGIN  # headers added to the view's own answer
    assert "PUT" in response.headers[ACAM]


def test_undecorated_view_is_untouched(dec_app: Flask) -> None:
    assert ACAO not in get(dec_app.test_client(), "/undecorated").headers


def test_decorator_beats_app_wide_policy(dec_app: Flask) -> None:
    CORS(dec_app, origins=["https://app-wide.example"])
    client = dec_app.test_client()
    response = get(client, "/plain")
    assert response.headers.getlist(ACAO) == [ORIGIN]
    assert ACAO not in get(client, "/plain", origin="https://app-wide.example").headers
    assert get(client, "/undecorated", origin="https://app-wide.example").headers[ACAO]


def test_decorated_preflight_with_extension_skips_auth(dec_app: Flask) -> None:
    @dec_app.before_request
    def deny() -> Response:
        return Response("no", status=401)

    CORS(dec_app, resources={})  # installs the hooks only
    client = dec_app.test_client()
    response = preflight(client, "/plain")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACMA] == "60"  # the decorator's policy, not a default
    early = get(client, "/plain")  # answered by the hook before the view: still readable
    assert early.status_code == 401
    assert early.headers[ACAO] == ORIGIN


def test_decorator_uses_app_config(dec_app: Flask) -> None:
    app = Flask("configured")
    app.config["CORS_EXPOSE_HEADERS"] = ["X-From-Config"]

    @app.route("/")
    @cross_origin()
    def index() -> Response:
        return jsonify(ok=True)

    assert get(app.test_client()).headers["Access-Control-Expose-Headers"] == "X-From-Config"


def test_decorator_keeps_the_view_name() -> None:
    @cross_origin()
    def my_view() -> str:
        """Doc."""
        return "x"

    assert my_view.__name__ == "my_view"
    assert my_view.__doc__ == "Doc."


def test_decorator_errors_at_decoration_time() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        cross_origin(origin=[ORIGIN])  # typo
    assert excinfo.value.code == "corsx.E001"
    assert "origins" in excinfo.value.hint


def test_decorator_credentials_with_any_origin_fails_at_decoration() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        cross_origin(origins="*", supports_credentials=True)
    assert excinfo.value.code == "corsx.E008"


def test_decorator_credentials_checked_against_config_on_first_use() -> None:
    app = Flask("late")

    @app.route("/")
    @cross_origin(supports_credentials=True)
    def index() -> str:
        return "x"

    app.config["CORS_ORIGINS"] = [ORIGIN]
    response = get(app.test_client())
    assert response.headers[ACAO] == ORIGIN
    assert response.headers[ACAC] == "true"


def test_one_decorated_view_on_two_apps() -> None:
    @cross_origin()
    def shared() -> str:
        return "x"

    first, second = Flask("first"), Flask("second")
    first.config["CORS_ORIGINS"] = ["https://first.example"]
    second.config["CORS_ORIGINS"] = ["https://second.example"]
    first.add_url_rule("/", view_func=shared)
    second.add_url_rule("/", view_func=shared)
    assert get(first.test_client(), origin="https://first.example").headers[ACAO]
    assert ACAO not in get(second.test_client(), origin="https://first.example").headers
    assert get(second.test_client(), origin="https://second.example").headers[ACAO]


def test_automatic_options_false_with_extension_lets_the_view_answer(dec_app: Flask) -> None:
    CORS(dec_app)
    response = preflight(dec_app.test_client(), "/manual", method="PUT")
    assert response.status_code == 204
    assert dec_app.config["calls"] == ["manual"]
    assert response.headers.getlist(ACAO) == [ORIGIN]


def test_bare_decorator_without_parentheses() -> None:
    app = Flask("bare_decorator")

    @app.route("/")
    @cross_origin
    def index() -> str:
        return "x"

    assert get(app.test_client()).headers[ACAO] == ORIGIN


def test_positional_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="keyword arguments only"):
        cross_origin("https://a.example")  # type: ignore[call-overload]
