"""Per-origin rules: one origin may only read, another may write with its session cookie.

The API serves one document. Its CORS table has a rule per caller, as an API gateway would:

* the dashboard (page 1) may ``GET``, without credentials;
* the editor (page 2) may ``GET``, ``PUT`` and ``DELETE`` with its cookie, send
  ``Content-Type: application/json``, and read the ``X-Revision`` header;
* any other origin matches no rule and gets a plain 200 without ``Access-Control-Allow-*``.

The dashboard's ``PUT`` is refused by the dashboard's own rule, however much the editor's rule
allows: the first rule that matches the ``Origin`` answers.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, jsonify, request, session

from examples.kit import Example, Page, Scenario, Site
from flask_corsx import CORS


def create_api(site: Site) -> Flask:
    api = Flask("per_origin_api")
    api.secret_key = secrets.token_hex(16)
    # Its own cookie name: every example on 127.0.0.1 shares one cookie jar (ports don't count).
    api.config.update(SESSION_COOKIE_NAME="per_origin_session", SESSION_COOKIE_SAMESITE="Lax")
    document = {"text": "Draft one", "revision": 1}

    CORS(
        api,
        resources={r"/api/*": {}},
        origins={
            tuple(site.page_origins(0)): {"methods": ["GET"]},
            tuple(site.page_origins(1)): {
                "methods": ["GET", "PUT", "DELETE"],
                "allow_headers": ["Content-Type"],
                "expose_headers": ["X-Revision"],
                "supports_credentials": True,
                "max_age": 600,
            },
        },
    )

    def answer() -> Response:
        response = jsonify(document)
        response.headers["X-Revision"] = str(document["revision"])
        response.headers["Cache-Control"] = "no-store"
        return response

    @api.get("/api/doc")
    def read() -> Response:
        return answer()

    @api.post("/api/login")
    def login() -> Response:
        session["editor"] = request.form.get("editor", "grace")
        return jsonify(editor=session["editor"])

    @api.put("/api/doc")
    def write() -> Response:
        if "editor" not in session:
            abort(401)
        document["text"] = str((request.get_json(silent=True) or {}).get("text", ""))
        document["revision"] = int(document["revision"]) + 1
        return answer()

    @api.delete("/api/doc")
    def clear() -> Response:
        if "editor" not in session:
            abort(401)
        document.update(text="", revision=int(document["revision"]) + 1)
        return answer()

    return api


DASHBOARD = (
    Scenario(
        id="read",
        title="Read the document",
        about="A simple GET. The dashboard's rule allows GET: the API reflects this origin, with "
        "Vary: Origin, since each origin gets its own answer.",
        path="/api/doc",
        status=200,
    ),
    Scenario(
        id="write-refused",
        title="Try to change it (PUT)",
        about="The preflight asks for PUT. The dashboard's rule allows GET only, so the answer "
        "has Access-Control-Allow-Origin but no Access-Control-Allow-Methods: the browser "
        "blocks the PUT and never sends it. The editor's rule, which allows PUT, is not "
        "consulted: the first rule that matches answers.",
        method="PUT",
        path="/api/doc",
        headers={"Content-Type": "application/json"},
        body={"text": "defaced"},
        expect="blocked",
    ),
    Scenario(
        id="read-with-cookies",
        title="Read with credentials: 'include'",
        about="The dashboard's rule does not allow credentials, so the answer has no "
        "Access-Control-Allow-Credentials: true and the browser hides it from the script.",
        path="/api/doc",
        credentials="include",
        expect="blocked",
    ),
    Scenario(
        id="stranger",
        title="Read from an origin no rule matches",
        about="From a sandboxed iframe (Origin: null): no rule matches, so the API answers "
        "200 with no Access-Control-Allow-* header at all, only Vary: Origin, as a gateway "
        "does.",
        path="/api/doc",
        origin="null",
        expect="blocked",
    ),
)

EDITOR = (
    Scenario(
        id="login",
        title="Log in (sets the session cookie)",
        about="A form POST with credentials: 'include'. The editor's rule allows credentials, "
        "so the cookie is stored.",
        method="POST",
        path="/api/login",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="editor=grace",
        credentials="include",
        status=200,
    ),
    Scenario(
        id="write",
        title="Change the document (PUT, with the cookie)",
        about="Preflighted (PUT, JSON). The editor's rule allows PUT, Content-Type and "
        "credentials; the cookie goes along and the script reads the exposed X-Revision.",
        method="PUT",
        path="/api/doc",
        headers={"Content-Type": "application/json"},
        body={"text": "Draft two"},
        credentials="include",
        status=200,
    ),
    Scenario(
        id="delete",
        title="Clear it (DELETE, with the cookie)",
        about="Another method of the editor's rule. Its preflight answer is cached for 600 s "
        "(the rule's max_age), for this origin only.",
        method="DELETE",
        path="/api/doc",
        credentials="include",
        status=200,
    ),
)


EXAMPLE = Example(
    name="per-origin",
    title="Per-origin rules: read-only for one origin, writes with cookies for another",
    summary="origins={origin: {options}}: a dashboard that may only read, an editor that may "
    "PUT and DELETE with its cookie, and a plain 200 without headers for everyone else.",
    create_api=create_api,
    pages=(
        Page(
            title="Per-origin rules: the dashboard (read-only)",
            lead="The API has one rule per origin: <code>origins={dashboard: {\"methods\": "
            "[\"GET\"]}, editor: {\"methods\": [\"GET\", \"PUT\", \"DELETE\"], "
            "\"supports_credentials\": True, ...}}</code>. This page is the dashboard.",
            scenarios=DASHBOARD,
            links=(("the editor", 1),),
        ),
        Page(
            title="Per-origin rules: the editor (writes with its cookie)",
            lead="This page is the editor: its rule allows PUT and DELETE with credentials. "
            "Press <b>Run again</b> on the dashboard's read to see the new text there.",
            scenarios=EDITOR,
            links=(("the dashboard", 0),),
        ),
    ),
)
