"""Request helpers for the Flask-level tests."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ORIGIN = "https://app.example.com"


def preflight(
    client: FlaskClient,
    path: str = "/",
    origin: str | None = ORIGIN,
    method: str = "PUT",
    headers: str | None = None,
    **extra: str,
) -> TestResponse:
    environ: dict[str, Any] = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": method}
    if origin is not None:
        environ["HTTP_ORIGIN"] = origin
    if headers is not None:
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = headers
    environ.update({"HTTP_" + k.upper(): v for k, v in extra.items()})
    return client.options(path, environ_base=environ)


def get(client: FlaskClient, path: str = "/", origin: str | None = ORIGIN) -> TestResponse:
    environ = {} if origin is None else {"HTTP_ORIGIN": origin}
    return client.get(path, environ_base=environ)


def vary_tokens(response: TestResponse) -> list[str]:
    return [
        token.strip().lower()
        for value in response.headers.getlist("Vary")
        for token in value.split(",")
        if token.strip()
    ]


def make_app() -> Flask:
    """A small app with the routes most tests need; CORS is added by each test."""
    app = Flask("corsx_tests")
    app.config["TESTING"] = True

    @app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def index() -> str:
        return "index"

    @app.route("/api/items", methods=["GET", "POST", "PATCH"])
    def items() -> str:
        return "items"

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    return app
