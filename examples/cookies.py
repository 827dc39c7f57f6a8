"""``supports_credentials=True`` with a Flask session cookie, for a listed origin.

flask-cors's docs show ``CORS(app, supports_credentials=True)``, which lets every origin on the
web make credentialed calls and read the answers. flask_corsx refuses that at start-up (E008);
this example lists its origin instead, and shows the error the any-origin form raises, computed
when the example starts.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, jsonify, request, session

from examples.kit import Example, Note, Page, Scenario, Site
from flask_corsx import CORS, CORSConfigError


def any_origin_error() -> str:
    """What ``CORS(app, supports_credentials=True)`` (no origins) raises, word for word."""
    try:
        CORS(Flask("any_origin_with_credentials"), supports_credentials=True)
    except CORSConfigError as error:
        return f"CORSConfigError: {error}"
    return "no error: this flask_corsx accepts credentials with any origin"


def create_api(site: Site) -> Flask:
    api = Flask("cookies_api")
    api.secret_key = secrets.token_hex(16)
    # Its own cookie name: every example on 127.0.0.1 shares one cookie jar (ports don't count).
    api.config.update(SESSION_COOKIE_NAME="cookies_session", SESSION_COOKIE_SAMESITE="Lax")
    CORS(api, origins=site.page_origins(), supports_credentials=True)

    @api.get("/api/hello")
    def hello() -> Response:
        return jsonify(message=f"Hello, {session.get('username', 'stranger')}")

    @api.post("/api/login")
    def login() -> Response:
        session["username"] = request.form.get("username", "alice")
        return jsonify(logged_in=session["username"])

    return api


SCENARIOS = (
    Scenario(
        id="hello-before",
        title="Who am I? (no session yet)",
        about="A credentialed GET: the browser would send the API's session cookie, but "
        "there is none yet. Allowed: the API answers this page's origin with "
        "Access-Control-Allow-Credentials: true.",
        path="/api/hello",
        credentials="include",
        status=200,
    ),
    Scenario(
        id="login",
        title="Log in (sets the session cookie)",
        about="A form POST (a 'simple' request, no preflight) with credentials: 'include'. "
        "The API's Set-Cookie is stored because the answer passes the CORS check with "
        "credentials. A real app also needs CSRF protection here: see the spa example.",
        method="POST",
        path="/api/login",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="username=alice",
        credentials="include",
        status=200,
    ),
    Scenario(
        id="hello-after",
        title="Who am I? (with the cookie)",
        about="The same GET: now the session cookie goes along and the API knows you.",
        path="/api/hello",
        credentials="include",
        status=200,
    ),
    Scenario(
        id="hello-omit",
        title="The same GET without credentials",
        about="credentials: 'omit' sends no cookie (and would ignore a Set-Cookie): the API "
        "sees a stranger. Still allowed: the origin is listed.",
        path="/api/hello",
        credentials="omit",
        status=200,
    ),
    Scenario(
        id="stranger",
        title="A credentialed call from an unlisted origin",
        about="From a sandboxed iframe (Origin: null): not listed, so no "
        "Access-Control-Allow-Origin and no Access-Control-Allow-Credentials. This is what "
        "every other site gets, and what the any-origin form would have given away.",
        path="/api/hello",
        credentials="include",
        origin="null",
        expect="blocked",
    ),
)


EXAMPLE = Example(
    name="cookies",
    title="supports_credentials=True with a session cookie",
    summary="Log in with a cookie from another origin that is listed; why the any-origin "
    "form is refused (error E008, shown live); an unlisted origin gets nothing.",
    create_api=create_api,
    pages=(
        Page(
            title="Cookies: supports_credentials=True with a listed origin",
            lead="The API is set up with <code>CORS(api, origins=[this page], "
            "supports_credentials=True)</code> and keeps a Flask session cookie.",
            notes=(
                Note(
                    "Why not CORS(app, supports_credentials=True)? flask_corsx raises this at "
                    "start-up (computed now by this example):",
                    any_origin_error(),
                ),
            ),
            scenarios=SCENARIOS,
        ),
    ),
)
