"""CORS(blueprint): scoped to the blueprint's routes, wherever and however often it is mounted."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from helpers import ORIGIN, get, preflight

from flask_corsx import CORS, CORSConfigError
from flask_corsx.defaults import ACAO


def make_blueprint(name: str = "api") -> Blueprint:
    bp = Blueprint(name, __name__)

    @bp.route("/things", methods=["GET", "PUT"])
    def things() -> str:
        return "things"

    return bp


def test_blueprint_policy_covers_only_its_routes(app: Flask) -> None:
    bp = make_blueprint()
    CORS(bp, origins=[ORIGIN])
    app.register_blueprint(bp, url_prefix="/v1")
    client = app.test_client()
    assert get(client, "/v1/things").headers[ACAO] == ORIGIN
    assert preflight(client, "/v1/things").headers[ACAO] == ORIGIN
    assert ACAO not in get(client, "/").headers  # an app route: not covered
    assert ACAO not in preflight(client, "/").headers


def test_blueprint_uses_app_config(app: Flask) -> None:
    app.config["CORS_ORIGINS"] = [ORIGIN]
    bp = make_blueprint()
    CORS(bp)
    app.register_blueprint(bp)
    client = app.test_client()
    assert get(client, "/things").headers[ACAO] == ORIGIN
    assert ACAO not in get(client, "/things", origin="https://x.example").headers


def test_blueprint_registered_twice_under_two_prefixes(app: Flask) -> None:
    bp = make_blueprint()
    CORS(bp, origins=[ORIGIN])
    app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(bp, url_prefix="/v2", name="api_v2")
    client = app.test_client()
    assert get(client, "/v1/things").headers[ACAO] == ORIGIN
    assert get(client, "/v2/things").headers[ACAO] == ORIGIN


def test_nested_blueprints(app: Flask) -> None:
    parent = Blueprint("parent", __name__)
    child = make_blueprint("child")
    CORS(child, origins=[ORIGIN])
    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    client = app.test_client()
    assert get(client, "/parent/child/things").headers[ACAO] == ORIGIN


def test_parent_blueprint_policy_covers_children(app: Flask) -> None:
    parent = Blueprint("parent", __name__)
    child = make_blueprint("child")
    CORS(parent, origins=[ORIGIN])
    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    assert get(app.test_client(), "/parent/child/things").headers[ACAO] == ORIGIN


def test_innermost_blueprint_wins(app: Flask) -> None:
    parent = Blueprint("parent", __name__)
    child = make_blueprint("child")
    CORS(parent, origins=["https://parent.example"])
    CORS(child, origins=[ORIGIN])
    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    client = app.test_client()
    assert get(client, "/parent/child/things").headers[ACAO] == ORIGIN
    assert ACAO not in get(client, "/parent/child/things", origin="https://parent.example").headers


def test_blueprint_beats_app_policy(app: Flask) -> None:
    CORS(app, origins=["https://app-wide.example"])
    bp = make_blueprint()
    CORS(bp, origins=[ORIGIN])
    app.register_blueprint(bp)
    client = app.test_client()
    assert get(client, "/things").headers[ACAO] == ORIGIN
    assert get(client, "/", origin="https://app-wide.example").headers[ACAO] == (
        "https://app-wide.example"
    )


def test_blueprint_resources_fall_back_to_app_policy(app: Flask) -> None:
    CORS(app, origins=["https://app-wide.example"])
    bp = make_blueprint()

    @bp.route("/other")
    def other() -> str:
        return "other"

    CORS(bp, resources=["/things"], origins=[ORIGIN])
    app.register_blueprint(bp)
    client = app.test_client()
    assert get(client, "/things").headers[ACAO] == ORIGIN
    assert get(client, "/other", origin="https://app-wide.example").headers[ACAO] == (
        "https://app-wide.example"
    )


def test_cors_after_register_blueprint_raises(app: Flask) -> None:
    bp = make_blueprint()
    app.register_blueprint(bp)
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(bp)
    assert excinfo.value.code == "corsx.E011"
    assert "before app.register_blueprint" in str(excinfo.value)


def test_blueprint_option_errors_surface_at_cors_call() -> None:
    with pytest.raises(CORSConfigError) as excinfo:
        CORS(make_blueprint(), max_age=-1)
    assert excinfo.value.code == "corsx.E007"


def test_blueprint_credentials_need_origins_from_somewhere(app: Flask) -> None:
    bp = make_blueprint()
    CORS(bp, supports_credentials=True)  # origins may still come from CORS_ORIGINS
    with pytest.raises(CORSConfigError) as excinfo:
        app.register_blueprint(bp)
    assert excinfo.value.code == "corsx.E008"


def test_blueprint_credentials_with_config_origins(app: Flask) -> None:
    app.config["CORS_ORIGINS"] = [ORIGIN]
    bp = make_blueprint()
    CORS(bp, supports_credentials=True)
    app.register_blueprint(bp)
    response = get(app.test_client(), "/things")
    assert response.headers[ACAO] == ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_blueprint_preflight_short_circuits_app_auth(app: Flask) -> None:
    from flask import Response

    @app.before_request
    def deny() -> Response:
        return Response("no", status=401)

    bp = make_blueprint()
    CORS(bp)
    app.register_blueprint(bp)
    response = preflight(app.test_client(), "/things")
    assert response.status_code == 200
    assert response.headers[ACAO] == ORIGIN
