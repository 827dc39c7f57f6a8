"""Vary: what each answer depends on, on one line, so shared caches never mix answers up.

FETCH-O2/O3: a response whose CORS headers depend on a request header must list it in Vary.
A preflight answer echoes Access-Control-Request-Headers (and, for ``methods="*"`` or a
lower-case ``patch``, Access-Control-Request-Method), so a cache keyed by URL and Origin alone
would hand origin A's answer for ``x-one`` to its later request for ``x-two``.
"""

from __future__ import annotations

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from helpers import ORIGIN, get, preflight, vary_tokens
from werkzeug.datastructures import Headers

from flask_corsx import CORS, cross_origin, wiring
from flask_corsx.defaults import ACAC, ACAH, ACAM, ACAO
from flask_corsx.policy import CORSPolicy

PREFLIGHT_VARY = ["origin", "access-control-request-method", "access-control-request-headers"]


def test_allowed_preflight_varies_on_what_it_echoes(app: Flask, client: FlaskClient) -> None:
    CORS(app, origins=[ORIGIN])
    one = preflight(client, headers="x-one")
    two = preflight(client, headers="x-two")
    assert (one.headers[ACAH], two.headers[ACAH]) == ("x-one", "x-two")
    assert vary_tokens(one) == PREFLIGHT_VARY
    assert vary_tokens(two) == PREFLIGHT_VARY


def test_preflight_without_request_headers_still_varies_on_them(
    app: Flask, client: FlaskClient
) -> None:
    # Its answer has no Allow-Headers; served to a preflight that asks for x-one, it would fail.
    CORS(app)
    response = preflight(client)
    assert ACAH not in response.headers
    assert vary_tokens(response) == PREFLIGHT_VARY


def test_echoed_method_is_varied_on(app: Flask, client: FlaskClient) -> None:
    CORS(app, methods="*")
    response = preflight(client, method="PURGE")
    assert response.headers[ACAM] == "PURGE"
    assert "access-control-request-method" in vary_tokens(response)


def test_refused_method_answer_varies_on_the_method(app: Flask, client: FlaskClient) -> None:
    # Cached, the refusal (no Allow-Methods) would block a later PUT that is allowed.
    CORS(app, methods=["GET", "PUT"])
    response = preflight(client, method="DELETE")
    assert ACAM not in response.headers
    assert vary_tokens(response) == PREFLIGHT_VARY


def test_refused_origin_preflight_varies_like_every_other_preflight(
    app: Flask, client: FlaskClient
) -> None:
    # Origin alone would be enough, but nginx keeps one Vary per cache key: preflight answers
    # that vary differently would keep evicting each other (measured in tests/e2e).
    CORS(app, origins=[ORIGIN])
    response = preflight(client, origin="https://evil.example", headers="x-one")
    assert vary_tokens(response) == PREFLIGHT_VARY


def test_private_network_preflight_varies_on_its_request_header(
    app: Flask, client: FlaskClient
) -> None:
    CORS(app, origins=[ORIGIN], allow_private_network=True)
    response = preflight(client, access_control_request_private_network="true")
    assert vary_tokens(response) == [*PREFLIGHT_VARY, "access-control-request-private-network"]


def test_constant_wildcard_preflight_varies_only_on_request_headers(
    app: Flask, client: FlaskClient
) -> None:
    # Allow-Origin is always "*" (FETCH-O1), but Allow-Headers still echoes the request.
    CORS(app, send_wildcard=True)
    response = preflight(client, headers="x-one")
    assert vary_tokens(response) == PREFLIGHT_VARY[1:]
    assert vary_tokens(get(client)) == []


def test_vary_header_false_leaves_vary_alone_on_preflights(
    app: Flask, client: FlaskClient
) -> None:
    CORS(app, vary_header=False)
    assert "Vary" not in preflight(client, headers="x-one").headers


def test_decorated_preflight_varies_too() -> None:
    app = Flask(__name__)

    @app.route("/d", methods=["GET", "PUT"])
    @cross_origin(origins=[ORIGIN])
    def view() -> str:
        return "d"

    assert vary_tokens(preflight(app.test_client(), "/d", headers="x-one")) == PREFLIGHT_VARY


def test_actual_responses_vary_on_origin_only(app: Flask, client: FlaskClient) -> None:
    CORS(app, origins=[ORIGIN])
    assert vary_tokens(get(client)) == ["origin"]


def test_several_vary_lines_are_merged_into_one(app: Flask, client: FlaskClient) -> None:
    # nginx (and other caches) read only the last Vary line: one line must say everything.
    @app.route("/two-lines")
    def two_lines() -> Response:
        response = Response("x")
        response.headers.add("Vary", "Accept-Encoding")
        response.headers.add("Vary", "Cookie")
        return response

    @app.route("/already-varied")
    def already_varied() -> Response:
        response = Response("x")
        response.headers.add("Vary", "Accept-Encoding")
        response.headers.add("Vary", "Origin")
        return response

    CORS(app, origins=[ORIGIN])
    for path, want in [
        ("/two-lines", ["accept-encoding", "cookie", "origin"]),
        ("/already-varied", ["accept-encoding", "origin"]),
    ]:
        response = get(client, path)
        assert len(response.headers.getlist("Vary")) == 1, response.headers.getlist("Vary")
        assert vary_tokens(response) == want


def test_vary_star_is_left_alone(app: Flask, client: FlaskClient) -> None:
    @app.route("/star")
    def star() -> Response:
        return Response("x", headers={"Vary": "*"})

    CORS(app, origins=[ORIGIN])
    assert get(client, "/star").headers.getlist("Vary") == ["*"]


def test_policy_decision_lists_its_vary_tokens() -> None:
    from flask_corsx.config import build_policy, resolve_options

    policy: CORSPolicy = build_policy(resolve_options({}, {"origins": [ORIGIN]}))
    assert policy.evaluate("GET", ORIGIN).vary == "Origin"
    decision = policy.evaluate("OPTIONS", ORIGIN, "PUT", "x-one")
    assert decision.vary == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
    assert decision.vary_origin


class _OwnHeaders(Headers):
    """A Headers subclass, as some libraries give their responses."""


@pytest.mark.parametrize("writer", ["raw list", "public methods", "subclass"])
def test_headers_are_written_alike_whichever_way_they_are_written(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    # apply_decision appends to Werkzeug's list of header tuples when it can (a Python call
    # fewer per header); Headers.add must give the same response where it cannot.
    if writer == "public methods":
        monkeypatch.setattr(wiring, "_RAW_HEADERS", False)

    def made(**headers: str) -> Response:
        response = Response("x")
        if writer == "subclass":
            response.headers = _OwnHeaders(response.headers)
        for name, value in headers.items():
            response.headers.add(name.replace("_", "-"), value)
        return response

    app.add_url_rule("/plain", "plain", lambda: made())
    app.add_url_rule("/varied", "varied", lambda: made(Vary="Accept-Encoding"))
    app.add_url_rule(
        "/stray", "stray", lambda: made(Access_Control_Allow_Credentials="true")
    )
    CORS(app, origins=[ORIGIN], expose_headers=["X-Total"])
    for path, vary in [
        ("/plain", ["origin"]),
        ("/varied", ["accept-encoding", "origin"]),
        ("/stray", ["origin"]),
    ]:
        response = get(client, path)
        assert response.headers.getlist(ACAO) == [ORIGIN], path
        assert response.headers.getlist("Access-Control-Expose-Headers") == ["X-Total"], path
        assert ACAC not in response.headers, path
        assert vary_tokens(response) == vary, path
        assert len(response.headers.getlist("Vary")) == 1, path
    refused = get(client, "/plain", origin="https://other.example")
    assert ACAO not in refused.headers
    assert vary_tokens(refused) == ["origin"]
