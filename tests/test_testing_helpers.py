"""The test helpers users run against their own apps (issue 11 item 6): flask_corsx.testing
and the ``cors`` fixture of the pytest plugin."""

from __future__ import annotations

import flask_cors
import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_corsx import CORS
from flask_corsx.testing import (
    assert_cors_allowed,
    assert_cors_blocked,
    cors_preflight,
    cors_verdict,
)

SPA = "http://localhost:3000"


def items_app(cors: object = CORS, **options: object) -> Flask:
    app = Flask("helpers")

    @app.route("/api/items", methods=["GET", "PUT", "PATCH"])
    def items() -> str:
        return "items"

    cors(app, **options)  # type: ignore[operator]
    return app


def test_preflight_is_sent_as_a_browser_sends_it() -> None:
    seen: dict[str, str] = {}
    app = items_app(origins=[SPA])
    # A before_request hook never sees a preflight under flask_corsx: record the WSGI environ.
    inner = app.wsgi_app

    def wrapper(environ: dict[str, str], start_response: object) -> object:
        seen.update({k: v for k, v in environ.items() if k.startswith("HTTP_")})
        return inner(environ, start_response)  # type: ignore[arg-type]

    app.wsgi_app = wrapper  # type: ignore[method-assign]
    cors_preflight(
        app.test_client(),
        "/api/items",
        SPA,
        "put",
        headers=["X-Api-Key: k", "Content-Type: text/plain", "Authorization"],
    )
    assert seen["HTTP_ORIGIN"] == SPA
    assert seen["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] == "PUT"  # FETCH-B3
    # FETCH-C9: lower-cased, sorted, comma-joined, safelisted ones left out.
    assert seen["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] == "authorization,x-api-key"


def test_allowed_preflight_and_actual_response_pass() -> None:
    client = items_app(origins=[SPA], supports_credentials=True).test_client()
    answer = cors_preflight(client, "/api/items", SPA, "PUT", headers=["X-Api-Key: k"])
    assert_cors_allowed(answer, SPA, credentials=True)
    response = client.get("/api/items", headers={"Origin": SPA})
    assert_cors_allowed(response, SPA, credentials=True)


def test_failure_reads_like_the_console_line_plus_the_explanation() -> None:
    app = items_app(origins=[SPA], methods=["GET"])
    answer = cors_preflight(app.test_client(), "/api/items", SPA, "PUT")
    with pytest.raises(AssertionError) as excinfo:
        assert_cors_allowed(answer, SPA, app=app)
    text = str(excinfo.value)
    assert text.startswith(
        "Access to fetch at 'http://localhost/api/items' from origin 'http://localhost:3000' has "
        "been blocked by CORS policy: Method PUT is not allowed by Access-Control-Allow-Methods "
        "in preflight response."
    )
    assert "flask_corsx explains:" in text
    assert "Fix: add 'PUT' to methods" in text


def test_blocked_assertions() -> None:
    client = items_app(origins=[SPA]).test_client()
    stranger = "https://evil.example"
    assert_cors_blocked(client.get("/api/items", headers={"Origin": stranger}), stranger)
    # Credentials against a policy without them: blocked (FETCH-I5).
    assert_cors_blocked(client.get("/api/items", headers={"Origin": SPA}), SPA, credentials=True)
    with pytest.raises(AssertionError, match="expected it to be blocked"):
        assert_cors_blocked(client.get("/api/items", headers={"Origin": SPA}), SPA)


def test_lower_case_patch_needs_its_exact_spelling() -> None:
    # FETCH-B4: a browser compares methods case-sensitively.
    client = items_app(origins=[SPA]).test_client()
    answer = cors_preflight(client, "/api/items", SPA, "patch")
    assert_cors_allowed(answer, SPA)
    verdict = cors_verdict(answer, SPA, method="patch")
    assert verdict.passes


def test_helpers_work_on_flask_cors_apps_too() -> None:
    client = items_app(flask_cors.CORS, origins=[SPA]).test_client()
    assert_cors_allowed(client.get("/api/items", headers={"Origin": SPA}), SPA)
    answer = cors_preflight(client, "/api/items", SPA, "patch")
    # flask-cors answers "PATCH" to a preflight for "patch": the browser blocks it.
    assert_cors_blocked(answer, SPA)


@pytest.fixture
def app() -> Flask:
    return items_app(origins=[SPA])


def test_pytest_flask_client_fixture(client: FlaskClient) -> None:
    assert_cors_allowed(client.get("/api/items", headers={"Origin": SPA}), SPA)


def test_the_plugins_cors_fixture(cors: object) -> None:
    tester = cors
    response = tester.get("/api/items", origin=SPA)  # type: ignore[attr-defined]
    tester.assert_allowed(response, SPA)  # type: ignore[attr-defined]
    answer = tester.preflight("/api/items", SPA, "PUT")  # type: ignore[attr-defined]
    tester.assert_allowed(answer, SPA)  # type: ignore[attr-defined]
    stranger = tester.get("/api/items", origin="https://x.example")  # type: ignore[attr-defined]
    tester.assert_blocked(stranger, "https://x.example")  # type: ignore[attr-defined]
