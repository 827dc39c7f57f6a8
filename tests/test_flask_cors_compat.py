"""Side by side with flask-cors: the same configuration gives the same observable headers.

Every difference allowed here is a documented deviation (docs/migration.md): Vary is sent in
more cases (FETCH-O2), and a request without Origin never gets an allow-list entry
(flask-cors #338).
"""

from __future__ import annotations

from typing import Any, Callable

import flask_cors
import pytest
from flask import Flask
from werkzeug.test import TestResponse

import flask_corsx
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA

A = "https://a.example"
B = "https://b.example"
C = "https://c.example"

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "origin-list": {"origins": [A, B]},
    "single-origin": {"origins": A},
    "send-wildcard": {"send_wildcard": True},
    "expose": {"expose_headers": ["X-Total", "X-Page"]},
    "max-age": {"max_age": 600},
    "methods": {"methods": ["GET", "PUT"]},
    "allow-headers": {"allow_headers": ["X-A", "Content-Type"]},
    "credentials": {"origins": [A], "supports_credentials": True},
    "always-send-off": {"always_send": False},
    "vary-off": {"vary_header": False, "origins": [A, B]},
    "resources": {"resources": {r"/api/.*": {"origins": [A]}, r"/.*": {"origins": [B]}}},
}

REQUESTS: dict[str, dict[str, Any]] = {
    "get-a": {"method": "GET", "origin": A},
    "get-b": {"method": "GET", "origin": B},
    "get-c": {"method": "GET", "origin": C},
    "get-none": {"method": "GET", "origin": None},
    "preflight-put": {"method": "OPTIONS", "origin": A, "acrm": "PUT", "acrh": "x-a,content-type"},
    "preflight-delete": {"method": "OPTIONS", "origin": A, "acrm": "DELETE"},
    "preflight-refused": {"method": "OPTIONS", "origin": C, "acrm": "PUT"},
    "options-plain": {"method": "OPTIONS", "origin": A},
}


def build(cors: Callable[..., Any], options: dict[str, Any]) -> Flask:
    app = Flask(__name__)

    @app.route("/api/data", methods=["GET", "PUT", "DELETE"])
    def data() -> str:
        return "data"

    @app.route("/other", methods=["GET", "PUT", "DELETE"])
    def other() -> str:
        return "other"

    cors(app, **options)
    return app


def send(app: Flask, path: str, request: dict[str, Any]) -> TestResponse:
    environ: dict[str, str] = {}
    if request["origin"] is not None:
        environ["HTTP_ORIGIN"] = request["origin"]
    if "acrm" in request:
        environ["HTTP_ACCESS_CONTROL_REQUEST_METHOD"] = request["acrm"]
    if "acrh" in request:
        environ["HTTP_ACCESS_CONTROL_REQUEST_HEADERS"] = request["acrh"]
    return app.test_client().open(path, method=request["method"], environ_base=environ)


def comparable(response: TestResponse) -> dict[str, Any]:
    headers = response.headers
    return {
        ACAO: headers.getlist(ACAO),
        ACAC: headers.get(ACAC),
        ACEH: headers.get(ACEH),
        ACMA: headers.get(ACMA),
        # Lists compared as sets of names: order and spacing carry no meaning (FETCH-H3).
        ACAM: _names(headers.get(ACAM)),
        ACAH: {name.lower() for name in _names(headers.get(ACAH))},
        "status": response.status_code,
    }


def _names(value: str | None) -> set[str]:
    return {part.strip() for part in (value or "").split(",") if part.strip()}


@pytest.mark.parametrize("request_name", sorted(REQUESTS))
@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@pytest.mark.parametrize("path", ["/api/data", "/other"])
def test_same_headers_as_flask_cors(config_name: str, request_name: str, path: str) -> None:
    options = CONFIGS[config_name]
    request = REQUESTS[request_name]
    theirs = send(build(flask_cors.CORS, options), path, request)
    ours = send(build(flask_corsx.CORS, options), path, request)
    expected = comparable(theirs)
    if request["origin"] is None and expected[ACAO] not in ([], ["*"]):
        # Deviation: flask-cors #338 sends the allow list to requests without Origin.
        expected = {**expected, ACAO: [], ACEH: None, ACAC: None}
    assert comparable(ours) == expected

    their_vary = "origin" in theirs.headers.get("Vary", "").lower()
    our_vary = "origin" in ours.headers.get("Vary", "").lower()
    if their_vary:
        assert our_vary  # we may add Vary where flask-cors forgets it, never drop it
    if options.get("vary_header") is False:
        assert not our_vary
