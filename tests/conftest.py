"""Shared fixtures. pytest-flask provides ``client`` from the ``app`` fixture below."""

from __future__ import annotations

import pytest
from flask import Flask, abort


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


@pytest.fixture
def app() -> Flask:
    return make_app()
