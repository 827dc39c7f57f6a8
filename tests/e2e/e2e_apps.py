"""App factories served by the end-to-end tests under gunicorn and waitress (see serve.py).

``CORSX_E2E_IMPL`` picks the CORS implementation: ``flask_corsx`` (default), ``flask_cors``
(the same scenarios against flask-cors, for comparison: some are expected to fail there) or
``bare`` (no CORS at all).
"""

from __future__ import annotations

import importlib
import os
import time
import warnings
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, jsonify, request, stream_with_context

ORIGIN_A = "http://a.example.test"
ORIGIN_B = "http://b.example.test"
REFUSED = "http://evil.example.test"
ALLOWED = (ORIGIN_A, ORIGIN_B)
EXPOSED = "X-Request-Id"


def impl_name() -> str:
    return os.environ.get("CORSX_E2E_IMPL", "flask_corsx")


def apply_cors(app: Flask, **options: Any) -> None:
    name = impl_name()
    if name == "bare":
        return
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # config lints are the unit tests' business
        module.CORS(app, **options)


def _ready(app: Flask) -> None:
    @app.get("/__ready")
    def ready() -> str:
        return "ok"


def proxy_app() -> Flask:
    """Two allowed origins, cacheable GETs, preflights for PUT with any request header.

    ``/cached/<key>`` is public for five minutes: a shared cache keeps it. The body names the
    Origin the app saw, so a test can tell which request a cached copy was made for.
    """
    app = Flask("corsx_e2e_proxy")
    _ready(app)

    @app.route("/cached/<path:key>", methods=["GET", "PUT"])
    def cached(key: str) -> Any:
        resp = jsonify({"key": key, "origin": request.headers.get("Origin"),
                        "method": request.method})
        resp.headers["Cache-Control"] = "public, max-age=300"
        resp.headers[EXPOSED] = key
        return resp

    origins = os.environ.get("CORSX_E2E_ORIGINS")  # the browser test's page origins
    apply_cors(app, origins=origins.split() if origins else list(ALLOWED),
               expose_headers=[EXPOSED], max_age=600)
    return app


class FaultError(Exception):
    """Raised by the fault views; handled by an error handler that itself raises."""


def faults_app() -> Flask:
    """Views that fail in the ways production code does (see test_faults.py)."""
    app = Flask("corsx_e2e_faults")
    _ready(app)

    @app.before_request
    def gate() -> None:
        if request.path == "/hook-abort":
            abort(401)

    @app.errorhandler(FaultError)
    def broken_handler(exc: FaultError) -> Any:
        raise RuntimeError("the error handler itself fails (expected by the e2e tests)")

    @app.get("/ok")
    def ok() -> str:
        return "ok"

    @app.get("/raise")
    def raises() -> str:
        raise RuntimeError("a view that raises (expected by the e2e tests)")

    @app.get("/handler-raises")
    def handler_raises() -> str:
        raise FaultError("handled by a handler that raises")

    @app.get("/hook-abort")
    def never() -> str:  # the before_request hook aborts first
        return "unreachable"

    @app.get("/stream")
    def stream() -> Response:
        chunks = int(request.args.get("chunks", "20"))
        delay = float(request.args.get("delay", "0"))

        def generate() -> Iterator[bytes]:
            for i in range(chunks):
                if delay:
                    time.sleep(delay)
                yield f"chunk {i:05d} ".encode() + b"x" * 1000 + b"\n"

        return Response(stream_with_context(generate()), mimetype="text/plain")

    @app.get("/big")
    def big() -> Response:
        return Response(b"y" * 2_000_000, mimetype="application/octet-stream")

    @app.route("/async", methods=["GET", "POST"])
    async def async_view() -> Any:
        import asyncio

        await asyncio.sleep(0.001)
        return jsonify({"async": True, "origin": request.headers.get("Origin")})

    apply_cors(app, origins=list(ALLOWED), expose_headers=[EXPOSED], supports_credentials=True)
    return app
