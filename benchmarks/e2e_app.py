"""The app the end-to-end benchmark serves (benchmarks/e2e.py), one per contestant.

``CORSX_E2E_IMPL`` picks the contestant: ``bare`` (no CORS), ``flask_cors`` or ``flask_corsx``;
``floor`` (for ``instructions.py`` only) is a yardstick, not a CORS layer: one after_request
hook that appends the headers flask_corsx writes on an allowed request, deciding nothing, so
it shows what sending those headers costs through Flask and the server at the least.
All three have the same routes and the same view, which echoes the request's Origin in
``X-Echo-Origin`` so the load generator's response check can tell which origin each response
was for (it cannot otherwise match responses to requests).

* ``/api/items``: two allowed origins (``ORIGIN`` and an admin origin), GET/PUT/POST;
* ``/mix/<anything>``: ``MIX_ALLOWED`` allowed origins ``https://app<k>.example.com``,
  k < 1000; the load generator sends those and many distinct refused ones (and the soak a
  new path with every request).
"""

from __future__ import annotations

import importlib
import os
import warnings
from typing import Any

from flask import Flask, jsonify, request

ORIGIN = "https://app.example.com"
ADMIN = "https://admin.example.com"
MIX_ALLOWED = 1000


def mix_origins() -> list[str]:
    return [f"https://app{k}.example.com" for k in range(MIX_ALLOWED)]


def create_app() -> Flask:
    impl = os.environ.get("CORSX_E2E_IMPL", "flask_corsx")
    app = Flask(f"corsx_e2e_bench_{impl}")

    @app.get("/__ready")
    def ready() -> str:
        return "ok"

    @app.route("/api/items", methods=["GET", "PUT", "POST"])
    @app.route("/mix/<path:rest>", methods=["GET", "PUT", "POST"], endpoint="mix_items")
    def items(rest: str = "") -> Any:
        resp = jsonify({"items": [1, 2, 3]})
        resp.headers["X-Echo-Origin"] = request.headers.get("Origin", "")
        return resp

    if impl == "floor":
        add_floor_headers(app)
    elif impl != "bare":
        module = importlib.import_module(impl)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module.CORS(
                app,
                resources={
                    r"/api/*": {"origins": [ORIGIN, ADMIN]},
                    r"/mix/*": {"origins": mix_origins()},
                },
            )
    return app


#: The headers flask_corsx writes on the benchmark's allowed requests, per method.
FLOOR_HEADERS = {
    "GET": [("Access-Control-Allow-Origin", ORIGIN), ("Vary", "Origin")],
    "OPTIONS": [
        ("Access-Control-Allow-Origin", ORIGIN),
        ("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
        ("Access-Control-Allow-Headers", "content-type, x-requested-with"),
        ("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    ],
}


def add_floor_headers(app: Flask) -> None:
    """The least an after_request hook can do to send those headers: append them as they are
    (Werkzeug's list of header tuples, no checks), the same for every request."""

    @app.after_request
    def cors_headers(response: Any) -> Any:
        response.headers._list.extend(FLOOR_HEADERS[request.method])
        return response
