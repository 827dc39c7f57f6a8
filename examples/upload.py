"""A two-route file upload: a server-only route with an API token, and a public upload route.

* ``POST /internal/uploads`` needs ``Authorization: Bearer <token>`` and has no CORS at all:
  only your own server calls it, with a token no browser ever sees. It hands out an upload id,
  valid for ten minutes and once.
* ``PUT /uploads/<upload_id>`` is public and allows any origin: the id itself is the permission
  (like a pre-signed URL), so the browser sends the file straight to the API.

The page server plays "your backend": its ``/backend/new-upload`` asks the API for an id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import time

from flask import Flask, Response, abort, jsonify, request

from examples.kit import ApiCaller, Example, Page, Scenario, Site
from flask_corsx import CORS

#: Seconds an upload id stays valid.
UPLOAD_ID_LIFETIME = 600
#: The API token, shared by the API and your backend (in real life: from your secret store).
API_TOKEN = secrets.token_urlsafe(24)


def create_api(site: Site) -> Flask:
    api = Flask("upload_api")
    pending: dict[str, float] = {}  # upload id -> expiry time
    stored: dict[str, bytes] = {}

    # Only the public upload route is covered; /internal/* gets no CORS headers.
    CORS(
        api,
        resources={r"/uploads/*": {}},
        origins="*",
        methods=["PUT"],
        allow_headers=["Content-Type"],
        max_age=600,
    )

    @api.post("/internal/uploads")
    def new_upload() -> tuple[Response, int]:
        expected = f"Bearer {API_TOKEN}"
        if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            abort(401)
        upload_id = secrets.token_urlsafe(16)
        pending[upload_id] = time.monotonic() + UPLOAD_ID_LIFETIME
        return jsonify(upload_id=upload_id, expires_in=UPLOAD_ID_LIFETIME), 201

    @api.put("/uploads/<upload_id>")
    def upload(upload_id: str) -> tuple[Response, int]:
        expiry = pending.pop(upload_id, None)
        if expiry is None or expiry < time.monotonic():
            return jsonify(error="unknown, used or expired upload id"), 410
        stored[upload_id] = request.get_data()
        digest = hashlib.sha256(stored[upload_id]).hexdigest()
        return jsonify(stored_bytes=len(stored[upload_id]), sha256=digest), 201
    return api


def setup_backend(page: Flask, call_api: ApiCaller) -> None:
    """The page server's backend route: get an upload id from the API, server to server."""

    @page.post("/backend/new-upload")
    def new_upload() -> Response:
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        answer = call_api("POST", "/internal/uploads", headers, b"")
        if answer.status != 201:
            abort(502)
        return jsonify(answer.json())


CSV = "name,score\nada,3\ngrace,5\n"

UPLOAD = Scenario(
    id="upload",
    title="The browser uploads the file with the id",
    about="PUT /uploads/<id> with Content-Type: text/csv: preflighted (PUT, and text/csv "
    "is not a safelisted type). The upload route allows any origin: the id is the "
    "permission. The API stores the file and answers 201.",
    method="PUT",
    path="/uploads/{upload_id}",
    headers={"Content-Type": "text/csv"},
    body=CSV,
    status=201,
)

SCENARIOS = (
    Scenario(
        id="internal",
        title="The browser tries the server-only route",
        about="POST /internal/uploads with an Authorization header needs a preflight. The "
        "route has no CORS, so the preflight gets no Access-Control-Allow-Origin and the "
        "browser never sends the POST. (A browser should not hold the token anyway: this "
        "one is made up.)",
        method="POST",
        path="/internal/uploads",
        headers={"Authorization": "Bearer made-up-token"},
        expect="blocked",
    ),
    Scenario(
        id="new-upload",
        title="Your backend asks for an upload id",
        about="The page asks its own server (same origin: no CORS), which calls "
        "POST /internal/uploads with the real token, server to server, and passes the "
        "upload id back.",
        method="POST",
        path="/backend/new-upload",
        target="page",
        save={"upload_id": "upload_id"},
        button="Get a new upload id",
        status=200,
    ),
    UPLOAD,
    dataclasses.replace(
        UPLOAD,
        id="upload-again",
        title="The same id a second time",
        about="Upload ids work once: the API answers 410 Gone, with CORS headers, so the "
        "script reads the status and can ask for a new id. No preflight this time: the first "
        "one is cached for ten minutes.",
        status=410,
    ),
)


EXAMPLE = Example(
    name="upload",
    title="File upload with a temporary upload id",
    summary="A token-protected, server-only route the browser cannot call, and a public "
    "upload route keyed by a one-time id that it can.",
    create_api=create_api,
    pages=(
        Page(
            title="File upload: a server-only route and a public upload route",
            lead="The API is set up with <code>CORS(api, resources={r\"/uploads/*\": {}}, "
            "origins=\"*\", methods=[\"PUT\"], ...)</code>: <code>/internal/*</code> gets no "
            "CORS headers. To upload again, press <b>Get a new upload id</b>, then the "
            "upload's <b>Run again</b>.",
            scenarios=SCENARIOS,
            setup=setup_backend,
        ),
    ),
)
