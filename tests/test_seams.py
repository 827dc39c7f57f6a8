"""Where the CORS layer meets the rest of Flask: routing, other hooks, signals.

Each test is named after a finding of the seams review (issue 9); none of them may give a
laxer answer than the configuration says.
"""

from __future__ import annotations

import pytest
from flask import Flask, Response
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
