"""A single-page app, and a site builder's embed, calling an API with cookies and a CSRF header.

* The SPA (page 1) logs in with a JSON POST; the API sets a session cookie (HttpOnly,
  SameSite=Lax) and returns a CSRF token, which the SPA sends back in ``X-CSRF-Token`` on every
  write. A custom header forces a preflight, and only listed origins pass it, so other sites can
  neither send the header nor read the token.
* The embed (page 2) is another origin, like a page made with a no-code site builder that
  embeds the app's widget. It is listed too, so the widget sees the same session.

The API lists both origins with ``supports_credentials=True``. Both pages are on 127.0.0.1 (or
both on localhost), so they are same-site with the API and ``SameSite=Lax`` cookies go along.
Across real sites (``app.example`` to ``api.example.net``) the cookie needs ``SameSite=None;
Secure``, so HTTPS, and browsers that block third-party cookies still will not send it.
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets

from flask import Flask, Response, abort, jsonify, request, session

from examples.kit import Example, Page, Scenario, Site
from flask_corsx import CORS

CSRF_HEADER = "X-CSRF-Token"


def create_api(site: Site) -> Flask:
    api = Flask("spa_api")
    api.secret_key = secrets.token_hex(16)
    api.config.update(
        SESSION_COOKIE_NAME="spa_session",  # every example on 127.0.0.1 shares one cookie jar
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    notes: dict[str, list[str]] = {}

    CORS(
        api,
        resources={r"/api/*": {}},
        origins=[*site.page_origins(0), *site.page_origins(1)],
        supports_credentials=True,
        methods=["GET", "POST"],
        allow_headers=["Content-Type", CSRF_HEADER],
        max_age=600,
    )

    def logged_in_user() -> str:
        if "user" not in session:
            abort(401, "not logged in")
        return str(session["user"])

    @api.before_request
    def check_csrf() -> None:
        """Every write needs the session's token in X-CSRF-Token (preflights never get here)."""
        if request.method == "POST" and request.path != "/api/login":
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, str(session.get("csrf", ""))) or not sent:
                abort(403, "missing or wrong CSRF token")

    @api.errorhandler(401)
    @api.errorhandler(403)
    def error(exc: Exception) -> tuple[Response, int]:
        code = getattr(exc, "code", 500)
        return jsonify(error=getattr(exc, "description", str(exc))), code

    @api.get("/api/me")
    def me() -> Response:
        user = logged_in_user()
        return jsonify(user=user, csrf_token=session["csrf"])

    @api.post("/api/login")
    def login() -> Response:
        user = str((request.get_json(silent=True) or {}).get("user", "")).strip()
        if not user:
            abort(403, "say who you are")
        session.clear()
        session.update(user=user, csrf=secrets.token_hex(16))
        return jsonify(user=user, csrf_token=session["csrf"])

    @api.post("/api/logout")
    def logout() -> Response:
        session.clear()
        return jsonify(logged_out=True)

    @api.get("/api/notes")
    def list_notes() -> Response:
        user = logged_in_user()
        return jsonify(user=user, notes=notes.get(user, []))

    @api.post("/api/notes")
    def add_note() -> tuple[Response, int]:
        user = logged_in_user()
        text = str((request.get_json(silent=True) or {}).get("text", ""))
        notes.setdefault(user, []).append(text)
        return jsonify(user=user, notes=notes[user]), 201

    return api


def _me(scenario_id: str, about: str) -> Scenario:
    return Scenario(
        id=scenario_id,
        title="Who am I?",
        about=about,
        path="/api/me",
        credentials="include",
        save={"csrf": "csrf_token"},
    )


NOTE = Scenario(
    id="note",
    title="Add a note (with the CSRF header)",
    about="A write sends the token in X-CSRF-Token. The preflight allows that header for "
    "the listed origins only; the API checks the token against the session.",
    method="POST",
    path="/api/notes",
    headers={"Content-Type": "application/json", CSRF_HEADER: "{csrf}"},
    body={"text": "written in the SPA"},
    credentials="include",
    auto=False,
    button="Add a note",
)

SPA = (
    _me(
        "me",
        "A credentialed GET: 401 until you log in. The 401 carries the CORS headers, so "
        "the app can read it and show a login form instead of a network error.",
    ),
    Scenario(
        id="login",
        title="Log in as alice",
        about="A JSON POST with credentials (preflighted). The API sets its session cookie "
        "and returns a CSRF token, which the app keeps in memory (never in a cookie the page "
        "can read).",
        method="POST",
        path="/api/login",
        headers={"Content-Type": "application/json"},
        body={"user": "alice"},
        credentials="include",
        auto=False,
        button="Log in",
        save={"csrf": "csrf_token"},
        status=200,
    ),
    NOTE,
    dataclasses.replace(
        NOTE,
        id="note-without-csrf",
        title="Add a note without the CSRF header",
        about="The cookie alone is not enough: the API refuses with 403, and because the "
        "answer carries CORS headers the app can read why. A cross-site form post would be "
        "refused the same way (CORS does not stop requests being sent; CSRF tokens do).",
        headers={"Content-Type": "application/json"},
        body={"text": "no token"},
        button="Try it",
    ),
    Scenario(
        id="logout",
        title="Log out",
        about="Logging out is a write, so it sends the CSRF header too. The API clears the "
        "session; the next 'Who am I?' is 401 again.",
        method="POST",
        path="/api/logout",
        headers={CSRF_HEADER: "{csrf}"},
        credentials="include",
        auto=False,
        button="Log out",
    ),
    dataclasses.replace(
        NOTE,
        id="stranger",
        title="Another site tries to write",
        about="From a sandboxed iframe (Origin: null), an unlisted origin: the preflight for "
        "X-CSRF-Token is refused, so the browser never sends the POST. Such a site can neither "
        "send the header nor read the token.",
        headers={"Content-Type": "application/json", CSRF_HEADER: "guessed"},
        body={"text": "from elsewhere"},
        origin="null",
        expect="blocked",
        auto=True,
    ),
)

EMBED = (
    _me(
        "widget-me",
        "The widget on the site builder's page asks who is logged in. Its origin is "
        "listed, and the session cookie is the API's, so it sees the session the SPA made.",
    ),
    Scenario(
        id="widget-notes",
        title="The widget lists the notes",
        about="The same session: the notes written in the SPA.",
        path="/api/notes",
        credentials="include",
    ),
)


EXAMPLE = Example(
    name="spa",
    title="A single-page app and an embed, with cookies and CSRF",
    summary="Log in, write with a CSRF header and log out from an SPA; a second origin (a "
    "site builder's embed) shares the session; an unlisted origin cannot write.",
    create_api=create_api,
    pages=(
        Page(
            title="A single-page app: cookies, a CSRF header, login and logout",
            lead="The API is set up with <code>CORS(api, origins=[this page, the embed's "
            "page], supports_credentials=True, allow_headers=[\"Content-Type\", "
            "\"X-CSRF-Token\"])</code>. Press <b>Log in</b>, <b>Add a note</b>, open the site "
            "builder's page, then <b>Log out</b>; <b>Run again</b> on 'Who am I?' in between.",
            scenarios=SPA,
            links=(("Open the site builder's page with the embedded widget", 1),),
        ),
        Page(
            title="A site builder's page with the app's widget embedded",
            lead="This origin is another site (say, a shop made with a no-code builder) that "
            "embeds the app's widget; the widget calls the same API. Reload after logging "
            "in or out in the SPA.",
            scenarios=EMBED,
            links=(("Back to the SPA", 0),),
        ),
    ),
)
