"""Infrastructure for the headless-Chromium CORS tests (see docs/testing.md).

Everything here runs on loopback only:

* the API under test is a Flask app served by a threaded werkzeug server on
  ``127.0.0.1:<ephemeral port>`` and wrapped in a :class:`RequestLog`
  middleware that records what the server saw (method, Origin, ACRM, ACRH,
  status, response headers, whether a view function ran);
* the pages that issue the ``fetch()`` calls come from two small page servers
  on two other ephemeral ports, reachable under any ``*.localhost`` name
  (Chromium is started with host-resolver rules that map ``localhost`` and
  ``*.localhost`` to 127.0.0.1 and make every other name fail to resolve);
* a test opens a page on some origin and runs :data:`FETCH_JS` there; the
  result (allowed/blocked, status, the response headers script can read, the
  body) comes back as a :class:`FetchResult`.

Item ids such as FETCH-I3 refer to /work/shared/cors-reference.md (the
Fetch-standard checklist the project follows).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import shutil
import threading
import types
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------

#: ``localhost`` and every ``*.localhost`` name go to 127.0.0.1, the IP
#: literal 127.0.0.1 is left alone (without the EXCLUDE rule ``MAP *`` also
#: captures IP literals and 127.0.0.1 stops working), everything else fails
#: with ERR_NAME_NOT_RESOLVED, so nothing can leave the machine.
HOST_RESOLVER_RULES = (
    "MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1, EXCLUDE 127.0.0.1, MAP * ~NOTFOUND"
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    f"--host-resolver-rules={HOST_RESOLVER_RULES}",
    # ACAH: * never covers Authorization (FETCH-C12); on by default in current
    # Chromium, forced here so older builds behave the same.
    "--enable-features=CorsNonWildcardRequestHeadersSupport",
]

INSTALL_HINT = (
    "install the browser with `apt-get install chromium` and the driver with "
    "`pip install playwright` (never run `playwright install`: the suite drives "
    "the system chromium)"
)


def find_chromium() -> str | None:
    """The chromium executable: ``chromium`` on PATH, else /usr/bin/chromium."""
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip the calling test, or fail it under CI=true (the browser must be there in CI)."""
    import pytest

    if in_ci():
        pytest.fail(
            f"browser tests cannot run but CI=true forbids skipping them: {reason}; {INSTALL_HINT}",
            pytrace=False,
        )
    pytest.skip(f"browser tests skipped: {reason}; {INSTALL_HINT}")


# --------------------------------------------------------------------------
# The implementation under test
# --------------------------------------------------------------------------


def load_cors_impl() -> types.SimpleNamespace:
    """``CORS`` and ``cross_origin`` from flask_corsx.

    ``CORSX_BROWSER_IMPL=flask_cors`` runs the scenarios against flask-cors
    instead (handy to tell a test bug from a library bug; flask-cors lacks
    some flask_corsx features, so a few scenarios are expected to fail there).
    """
    name = os.environ.get("CORSX_BROWSER_IMPL", "flask_corsx")
    module = importlib.import_module(name)
    return types.SimpleNamespace(name=name, CORS=module.CORS, cross_origin=module.cross_origin)


@contextlib.contextmanager
def config_warnings_ignored() -> Iterator[None]:
    """Silence flask_corsx's CORSConfigWarning (only) while an app is built."""
    with warnings.catch_warnings():
        try:
            from flask_corsx import CORSConfigWarning
        except ImportError:
            pass
        else:
            warnings.simplefilter("ignore", CORSConfigWarning)
        yield


# --------------------------------------------------------------------------
# What the API server saw
# --------------------------------------------------------------------------

HIT_KEY = "corsx.browser.hit"


@dataclasses.dataclass
class Hit:
    """One HTTP request as the API server received it, and its response."""

    method: str  # raw REQUEST_METHOD, e.g. "patch" stays lowercase (FETCH-B3)
    path: str
    query: str
    host: str | None
    origin: str | None
    acrm: str | None
    acrh: str | None
    authorization: str | None
    cookie: str | None
    view_ran: bool = False
    status: int | None = None
    response_headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def is_preflight(self) -> bool:
        """OPTIONS with an Access-Control-Request-Method header (FETCH-A2)."""
        return self.method == "OPTIONS" and self.acrm is not None

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.response_headers if k.lower() == lname]

    def header(self, name: str) -> str | None:
        """A response header the way fetch's "get" combines it (FETCH-I6)."""
        values = self.header_values(name)
        return ", ".join(values) if values else None

    def vary(self) -> set[str]:
        """The response's Vary field names, lower-cased."""
        return {
            part.strip().lower()
            for value in self.header_values("Vary")
            for part in value.split(",")
            if part.strip()
        }


def mark_view() -> None:
    """Call from a view function: records in the request log that the view ran."""
    hit = request.environ.get(HIT_KEY)
    if hit is not None:
        hit.view_ran = True


class RequestLog:
    """WSGI middleware recording every request and the response sent for it."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self._hits: list[Hit] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        hit = Hit(
            method=environ.get("REQUEST_METHOD", ""),
            path=environ.get("PATH_INFO", ""),
            query=environ.get("QUERY_STRING", ""),
            host=environ.get("HTTP_HOST"),
            origin=environ.get("HTTP_ORIGIN"),
            acrm=environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
            acrh=environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            authorization=environ.get("HTTP_AUTHORIZATION"),
            cookie=environ.get("HTTP_COOKIE"),
        )
        with self._lock:
            self._hits.append(hit)
        environ[HIT_KEY] = hit

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            hit.status = int(status.split(None, 1)[0])
            hit.response_headers = list(headers)
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the RequestLog is the access log


class LiveServer:
    """A threaded werkzeug server on 127.0.0.1:<ephemeral> in a daemon thread."""

    def __init__(self, app: Callable[..., Any], name: str = "corsx-browser") -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
        )
        self.port: int = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class Api:
    """A Flask app under test, served on 127.0.0.1 with a request log."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.log = RequestLog(app)
        self.server = LiveServer(self.log, name=f"api-{app.name}")
        self.port = self.server.port

    def url(self, path: str = "/api/data", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hits(self, path: str | None = None, method: str | None = None) -> list[Hit]:
        return [
            h
            for h in self.log.hits
            if (path is None or h.path == path) and (method is None or h.method == method)
        ]

    def preflights(self, path: str | None = None) -> list[Hit]:
        return [h for h in self.hits(path) if h.is_preflight]

    def actual(self, path: str | None = None) -> list[Hit]:
        """Requests that are not preflights (what the page really asked for)."""
        return [h for h in self.hits(path) if not h.is_preflight]

    def close(self) -> None:
        self.server.close()


PAGE_HTML = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>corsx test page</title></head>
<body><p id="origin"></p>
<script>document.getElementById("origin").textContent = location.origin;</script>
</body></html>
"""

#: A page embedding a sandboxed srcdoc iframe without allow-same-origin: the
#: iframe's origin is opaque, so its fetches carry ``Origin: null`` (FETCH-M1).
SANDBOX_HTML = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>corsx sandbox host</title></head>
<body><iframe id="sandboxed" sandbox="allow-scripts"
  srcdoc="<!doctype html><title>sandboxed</title><p>opaque origin</p>"></iframe>
</body></html>
"""


def page_server_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Serves the blank test page (``/sandbox``: the sandboxed-iframe page)."""
    path = environ.get("PATH_INFO", "/")
    if path == "/favicon.ico":
        start_response("204 No Content", [("Cache-Control", "max-age=3600")])
        return [b""]
    body = SANDBOX_HTML if path == "/sandbox" else PAGE_HTML
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


@dataclasses.dataclass(frozen=True)
class PageOrigins:
    """Origins the test pages can be loaded from.

    Two page servers listen on ``port`` and ``other_port``; each answers for
    any host name, so ``http://<anything>.localhost:<port>`` is a distinct
    origin served by the same process.
    """

    port: int
    other_port: int

    @property
    def localhost(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def localhost_other_port(self) -> str:
        return f"http://localhost:{self.other_port}"

    @property
    def ip(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def host(self, name: str, port: int | None = None) -> str:
        return f"http://{name}:{self.port if port is None else port}"


# --------------------------------------------------------------------------
# The page side
# --------------------------------------------------------------------------

#: Runs one fetch() in the page. A fetch blocked by CORS rejects with a
#: TypeError: that is "blocked". Anything else that goes wrong (the 10 s abort
#: timer, a DOMException) is "error", so a hang is never mistaken for a block.
FETCH_JS = """
async ({url, init, timeoutMs}) => {
  const opts = Object.assign({}, init);
  opts.signal = AbortSignal.timeout(timeoutMs);
  try {
    const r = await fetch(url, opts);
    const headers = {};
    r.headers.forEach((value, name) => { headers[name] = value; });
    const body = await r.text();
    return {outcome: "allowed", status: r.status, type: r.type, redirected: r.redirected,
            url: r.url, headers, body, error: null, errorName: null};
  } catch (e) {
    return {outcome: e && e.name === "TypeError" ? "blocked" : "error", status: null,
            type: null, redirected: false, url: null, headers: {}, body: null,
            error: String(e), errorName: e ? e.name : null};
  }
}
"""


@dataclasses.dataclass
class FetchResult:
    """What the page's script observed."""

    origin: str  # the page's location.origin ("null" for an opaque origin)
    url: str
    outcome: str  # "allowed" | "blocked" | "error"
    status: int | None
    type: str | None  # response.type: "cors", "basic", "opaque", ...
    redirected: bool
    final_url: str | None
    headers: dict[str, str]  # only what script can read (FETCH-D1/D2)
    body: str | None
    error: str | None

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    @property
    def blocked(self) -> bool:
        return self.outcome == "blocked"

    def json(self) -> Any:
        import json

        assert self.body is not None, self
        return json.loads(self.body)


class BrowserSession:
    """A fresh browser context for one test: pages per origin, fetch helpers.

    A new context per test means a new preflight cache, HTTP cache and cookie
    jar, so nothing leaks between tests.
    """

    def __init__(self, context: Any, origins: PageOrigins) -> None:
        self.context = context
        self.origins = origins
        self._pages: dict[str, Any] = {}

    def page(self, origin: str, path: str = "/") -> Any:
        key = origin + path
        if key not in self._pages:
            page = self.context.new_page()
            page.goto(key, wait_until="load")
            self._pages[key] = page
        return self._pages[key]

    def sandboxed_frame(self, origin: str) -> Any:
        """The sandboxed (opaque-origin) iframe inside ``origin``/sandbox."""
        page = self.page(origin, "/sandbox")
        frame = page.locator("#sandboxed").element_handle().content_frame()
        assert frame is not None
        return frame

    def fetch(self, origin: str, url: str, *, timeout_ms: int = 10_000, **init: Any) -> FetchResult:
        """``fetch(url, init)`` from a page on ``origin``; ``init`` as in JS
        (method, headers, body, credentials, mode, cache, redirect)."""
        return self.fetch_in(self.page(origin), url, timeout_ms=timeout_ms, **init)

    def fetch_in(
        self, frame: Any, url: str, *, timeout_ms: int = 10_000, **init: Any
    ) -> FetchResult:
        """``fetch()`` from a given Page or Frame."""
        raw = frame.evaluate(FETCH_JS, {"url": url, "init": init, "timeoutMs": timeout_ms})
        page_origin = frame.evaluate("() => self.origin")
        return FetchResult(
            origin=page_origin,
            url=url,
            outcome=raw["outcome"],
            status=raw["status"],
            type=raw["type"],
            redirected=raw["redirected"],
            final_url=raw["url"],
            headers=raw["headers"],
            body=raw["body"],
            error=raw["error"],
        )

    def add_cookie(self, url: str, name: str, value: str) -> None:
        """A cookie for the host of ``url``, path ``/`` (SameSite defaults to Lax)."""
        host = urllib.parse.urlsplit(url).hostname
        self.context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])

    def close(self) -> None:
        self.context.close()


# --------------------------------------------------------------------------
# The standard API app
# --------------------------------------------------------------------------

ROUTE_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def echo_response() -> Any:
    """JSON describing the request, plus two non-safelisted response headers."""
    mark_view()
    body = {
        "view": "echo",
        "method": request.method,
        "raw_method": request.environ.get("REQUEST_METHOD"),
        "path": request.path,
        "origin": request.headers.get("Origin"),
        "authorization": request.headers.get("Authorization"),
        "x_custom": request.headers.get("X-Custom"),
        "cookie_sid": request.cookies.get("sid"),
        "json": request.get_json(silent=True),
    }
    resp = jsonify(body)
    resp.headers["X-Total-Count"] = "42"
    resp.headers["X-Secret"] = "s3cr3t"
    return resp


def standard_app(name: str = "corsx_browser_api") -> Flask:
    """A plain Flask app with the routes most scenarios use (no CORS yet).

    * ``/api/<anything>``, ``/private/<anything>``, ``/public/<anything>``:
      :func:`echo_response` for GET/HEAD/POST/PUT/PATCH/DELETE
    * ``/api/forbidden`` aborts 403, ``/api/boom`` raises (500); anything
      unrouted, e.g. ``/api-missing``, is a 404
    * ``/api/cached``: cacheable (``Cache-Control: max-age=300``), counts hits
    * ``/api/redirect/same``: 302 to ``/api/data`` on the same origin
    * ``/api/redirect/cross``: 302 to ``/api/data`` on the *other* host name
      of the same server (127.0.0.1 <-> localhost), i.e. another origin
    """
    app = Flask(name)
    counter = {"cached": 0}

    @app.route("/api/<path:rest>", methods=ROUTE_METHODS)
    @app.route("/private/<path:rest>", methods=ROUTE_METHODS)
    @app.route("/public/<path:rest>", methods=ROUTE_METHODS)
    def echo(rest: str) -> Any:
        return echo_response()

    @app.get("/api/forbidden")
    def forbidden() -> Any:
        mark_view()
        abort(403, "no entry (expected by the browser tests)")

    @app.get("/api/boom")
    def boom() -> Any:
        mark_view()
        raise RuntimeError("boom (an exception expected by the browser tests)")

    @app.get("/api/cached")
    def cached() -> Any:
        mark_view()
        counter["cached"] += 1
        resp = jsonify({"view": "cached", "n": counter["cached"]})
        resp.headers["Cache-Control"] = "public, max-age=300"
        return resp

    @app.get("/api/redirect/same")
    def redirect_same() -> Any:
        mark_view()
        return redirect("/api/data", code=302)

    @app.get("/api/redirect/cross")
    def redirect_cross() -> Any:
        mark_view()
        host, _, port = request.host.partition(":")
        other = "localhost" if host == "127.0.0.1" else "127.0.0.1"
        return redirect(f"http://{other}:{port}/api/data", code=302)

    return app


def names(values: Iterable[str]) -> set[str]:
    """Lower-cased set of comma-separated header-name list values."""
    return {part.strip().lower() for v in values for part in v.split(",") if part.strip()}


# --------------------------------------------------------------------------
# Assertion helpers
# --------------------------------------------------------------------------


def check_origins(
    browser: BrowserSession, api: Api, cases: dict[str, bool], path: str = "/api/data"
) -> None:
    """Simple GET ``path`` from each page origin; ``cases`` maps origin -> allowed?

    Checks what the page saw (allowed vs blocked) and what the server sent:
    ACAO equal to the request's origin when allowed (FETCH-I3), no ACAO when
    refused (FETCH-R1), and ``Vary: Origin`` either way (FETCH-O2).
    """
    for origin, expected in cases.items():
        res = browser.fetch(origin, api.url(path))
        assert res.allowed is expected, (
            f"{origin}: expected {'allowed' if expected else 'blocked'}: {res}"
        )
        if expected:
            assert res.status == 200 and res.json()["origin"] == origin, res
    hits = api.actual(path)
    assert [h.origin for h in hits] == list(cases), hits
    for hit, expected in zip(hits, cases.values()):
        assert hit.header("Access-Control-Allow-Origin") == (hit.origin if expected else None), hit
        assert "origin" in hit.vary(), f"no Vary: Origin on the response to {hit.origin}: {hit}"
    assert api.preflights() == []
