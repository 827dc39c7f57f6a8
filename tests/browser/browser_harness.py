"""Engine-neutral infrastructure for the browser CORS tests (see docs/contributing.md).

Everything here runs on loopback only:

* the API under test is a Flask app served by a threaded werkzeug server on
  ``127.0.0.1:<ephemeral port>`` and wrapped in a :class:`RequestLog`
  middleware that records what the server saw (method, Origin, ACRM, ACRH,
  status, response headers, whether a view function ran);
* the pages that issue the ``fetch()`` calls come from two small page servers
  on two other ephemeral ports, reachable under any ``*.localhost`` name
  (every engine sends ``localhost`` and ``*.localhost`` to 127.0.0.1, and no
  other name leaves the machine: see ``engine_*.py``);
* a test opens a page on some origin and runs :data:`FETCH_JS` there; the
  result (allowed/blocked, status, the response headers script can read, the
  body) comes back as a :class:`FetchResult`;
* a :class:`BrowserSession` is what a test drives; one driver module per
  engine (``engine_chromium.py``, ``engine_firefox.py``, ``engine_webkit.py``)
  makes them, so every scenario runs unchanged in Chromium, Firefox and WebKit.

Item ids such as FETCH-I3 refer to /work/shared/cors-reference.md (the
Fetch-standard checklist the project follows).
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import glob
import importlib
import os
import shutil
import socket
import threading
import types
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

# --------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------

#: Every scenario runs in each of these engines (``--engine NAME`` picks some).
#: Each has one driver module, ``engine_<name>.py``, that defines ``ENGINE``.
ENGINES = ("chromium", "firefox", "webkit")


class EngineUnavailable(Exception):
    """The engine cannot run here (missing browser, driver package or display)."""


class Engine(abc.ABC):
    """One browser engine: started once per test run, a fresh session per test."""

    #: "chromium", "firefox" or "webkit"
    name: str
    #: How to install what this engine needs (shown when its tests skip or fail).
    install_hint: str
    #: The message of the TypeError that a fetch blocked by CORS rejects with.
    #: The Fetch standard only says "a TypeError"; each engine words it its own way.
    blocked_message: str

    @abc.abstractmethod
    def start(self) -> None:
        """Launch the browser (or its driver); raise :class:`EngineUnavailable`."""

    @abc.abstractmethod
    def new_session(self, origins: PageOrigins) -> BrowserSession:
        """A session with an empty preflight cache, HTTP cache and cookie jar."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop everything :meth:`start` launched."""


def load_engine(name: str) -> Engine:
    """The ``ENGINE`` of ``engine_<name>.py`` (imported lazily: a missing
    Selenium must not stop the Chromium tests)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    engine: Engine = importlib.import_module(f"engine_{name}").ENGINE
    return engine


def find_executable(*candidates: str) -> str | None:
    """The first candidate that is an executable file: a name looked up on
    PATH or an absolute path (globs allowed, e.g. for a multiarch lib dir)."""
    for candidate in candidates:
        paths = sorted(glob.glob(candidate)) if os.path.isabs(candidate) else [
            shutil.which(candidate) or ""
        ]
        for path in paths:
            if path and os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return None


class DeadPort:
    """A TCP port on 127.0.0.1 that refuses every connection, held for the run.

    The socket is bound but never listens, so nothing else can take the port
    and a connection attempt is refused at once. Firefox and WebKit get it as
    their HTTP proxy for every host except ``localhost``, ``*.localhost`` and
    127.0.0.1 -- their counterpart of Chromium's ``MAP * ~NOTFOUND``: nothing
    can leave the machine, not even through a system proxy.
    """

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self._sock.close()


#: Host names the browsers reach directly (see :class:`DeadPort`).
LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1")


# Where engines differ in what the suite observes. Each entry is measured and
# pinned by a test in test_browser_harness.py (against a hand-written CORS app),
# so a browser update that changes it turns that test red; docs/browsers.md
# explains what it means for an API.

#: How many times an engine may send a preflight again, in a fresh session,
#: before it reuses the cached one. Chromium and WebKit reuse it at once.
#: Firefox ESR 153 sends it again at the first request that could reuse a
#: cached preflight in a new context, and in about one run in four at the next
#: one too; from then on it reuses every cached preflight, for other URLs too.
#: (test_preflight_cache_reuse_in_a_fresh_session; see check_preflight_reuse)
PREFLIGHT_REUSE_MISSES = {"chromium": 0, "firefox": 2, "webkit": 0}

#: Whether ``fetch(url, {cache: "no-store"})`` skips the preflight cache (and
#: sends a preflight although a cached one is fresh). Chromium and Firefox do
#: (so do "reload" and, in Chromium, "no-cache"); WebKit uses the cached
#: preflight whatever the cache mode. (test_preflight_cache_and_no_store)
NO_STORE_SKIPS_PREFLIGHT_CACHE = {"chromium": True, "firefox": True, "webkit": False}

#: Whether a response in the HTTP cache is replayed to a later fetch at all.
#: The WebKitGTK automation session (MiniBrowser --automation, ephemeral website
#: data) keeps no HTTP cache: every fetch reaches the server, even with
#: ``cache: 'force-cache'`` or ``mode: 'no-cors'``. (test_http_cache_in_a_session)
HTTP_CACHE = {"chromium": True, "firefox": True, "webkit": False}

#: Whether a response cached by a top-level navigation (no ``Origin``) is
#: replayed to a later CORS fetch of the same URL. Chromium replays it (and
#: without ``Vary: Origin`` the fetch then fails its CORS check); Firefox goes
#: back to the server with ``Origin``. (test_http_cache_is_shared_by_same_site_origins)
NAVIGATION_ENTRY_REPLAYED_TO_CORS = {"chromium": True, "firefox": False, "webkit": False}

#: Whether ``Access-Control-Allow-Headers: *`` lets ``Authorization`` through
#: (FETCH-C12 says never). Chromium and Firefox are run with their switch for the
#: standard's rule (engine_chromium.py, engine_firefox.py); WebKitGTK 2.50 has
#: no such switch and lets it through. (test_literal_star_in_acah_and_authorization)
STAR_COVERS_AUTHORIZATION = {"chromium": False, "firefox": False, "webkit": True}


def requests_to_see_reuse(engine: str) -> int:
    """How many identical cacheable preflighted requests a test sends so that
    the last one is certain to reuse the cached preflight in ``engine``."""
    return 2 + PREFLIGHT_REUSE_MISSES[engine]


def check_preflight_reuse(engine: str, counts: list[int], first: int = 1) -> None:
    """``counts[i]``: preflights the server had seen after request ``i`` (same
    URL and method, a fresh cacheable preflight answer). The first request
    adds one preflight; the engine may re-send it at most
    PREFLIGHT_REUSE_MISSES times; the last request must reuse the cache."""
    misses = PREFLIGHT_REUSE_MISSES[engine]
    assert len(counts) >= 2 + misses, counts
    assert counts[0] == first, counts
    assert counts[-1] == counts[-2], f"{engine} never reused the cached preflight: {counts}"
    assert first <= counts[-1] <= first + misses, counts
    if misses == 0:
        assert counts == [first] * len(counts), counts


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(engine: str, reason: str, hint: str) -> NoReturn:
    """Skip the calling test, or fail it under CI=true: in CI every engine must run."""
    import pytest

    if in_ci():
        pytest.fail(
            f"{engine} browser tests cannot run but CI=true forbids skipping them: {reason}; "
            f"{hint}",
            pytrace=False,
        )
    pytest.skip(f"{engine} browser tests skipped: {reason}; {hint}")


def start_engine(name: str, loader: Callable[[str], Engine] | None = None) -> Engine:
    """Load and start engine ``name``, or skip (fail under CI=true) its tests
    when it cannot run here, with that engine's install instructions."""
    try:
        engine = (loader or load_engine)(name)
    except ImportError as exc:
        unavailable(name, f"cannot load its driver ({exc!r})", "pip install -e '.[test]'")
    try:
        engine.start()
    except EngineUnavailable as exc:
        unavailable(name, str(exc), engine.install_hint)
    return engine


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


#: The APIs being served, so each fetch can be checked against the test helpers' verdict.
LIVE_APIS: list[Api] = []


class Api:
    """A Flask app under test, served on 127.0.0.1 with a request log."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.log = RequestLog(app)
        self.server = LiveServer(self.log, name=f"api-{app.name}")
        self.port = self.server.port
        LIVE_APIS.append(self)

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
        if self in LIVE_APIS:
            LIVE_APIS.remove(self)
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


class BrowserSession(abc.ABC):
    """A fresh browser state for one test: pages per origin, fetch helpers.

    Each engine's driver makes one per test with an empty preflight cache,
    HTTP cache and cookie jar, so nothing leaks between tests. The tests only
    use the methods below, so a scenario reads the same in every engine.
    """

    #: the engine's name ("chromium", "firefox", "webkit")
    engine: str

    def __init__(self, origins: PageOrigins) -> None:
        self.origins = origins
        #: Fetches where flask_corsx.testing's verdict differed from the engine's (see
        #: :func:`helper_disagreement`); the ``browser`` fixture fails the test on any.
        self.disagreements: list[str] = []
        #: Fetches the helpers' verdict was compared on.
        self.agreements = 0

    # -- what each driver provides ------------------------------------------

    @abc.abstractmethod
    def page(self, origin: str, path: str = "/") -> Any:
        """The page ``origin + path``, opened (in its own tab) on first use."""

    @abc.abstractmethod
    def sandboxed_frame(self, origin: str) -> Any:
        """The sandboxed (opaque-origin) iframe inside ``origin``/sandbox."""

    @abc.abstractmethod
    def evaluate(self, target: Any, function: str, arg: Any = None) -> Any:
        """Run the JS (async) function expression ``function(arg)`` in ``target``
        (a :meth:`page` or :meth:`sandboxed_frame`) and return its result."""

    @abc.abstractmethod
    def navigate(self, url: str) -> None:
        """A top-level navigation to ``url`` in a new tab (it sends no ``Origin``)."""

    def console_errors(self) -> list[str] | None:
        """The console errors the pages logged so far (where CORS failures are
        explained), or None where the driver cannot read the console (WebKit)."""
        return None

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- the same in every engine -------------------------------------------

    def location_origin(self, target: Any) -> str:
        origin: str = self.evaluate(target, "async () => self.origin")
        return origin

    def fetch(self, origin: str, url: str, *, timeout_ms: int = 10_000, **init: Any) -> FetchResult:
        """``fetch(url, init)`` from a page on ``origin``; ``init`` as in JS
        (method, headers, body, credentials, mode, cache, redirect)."""
        return self.fetch_in(self.page(origin), url, timeout_ms=timeout_ms, **init)

    def fetch_in(
        self, target: Any, url: str, *, timeout_ms: int = 10_000, **init: Any
    ) -> FetchResult:
        """``fetch()`` from a given page or frame."""
        port = urllib.parse.urlsplit(url).port
        apis = [api for api in LIVE_APIS if api.port == port]
        before = len(apis[0].log.hits) if apis else 0
        raw = self.evaluate(target, FETCH_JS, {"url": url, "init": init, "timeoutMs": timeout_ms})
        if apis:
            new_hits = apis[0].log.hits[before:]
            verdict = helper_disagreement(self.engine, raw["outcome"], new_hits, init)
            if verdict is not None:
                self.agreements += verdict == ""
                if verdict:
                    self.disagreements.append(f"{url} {init}: {verdict}")
        return FetchResult(
            origin=self.location_origin(target),
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
        """A cookie for the host of ``url``, path ``/``, set by ``document.cookie``
        from the page server on that host: cookies ignore ports, so the API on
        another port of the same host receives it. No SameSite attribute, so
        each engine applies its default (all send it on same-site fetches)."""
        host = urllib.parse.urlsplit(url).hostname
        page = self.page(self.origins.host(str(host)))
        cookie = f"{name}={value}; path=/"
        self.evaluate(page, "async (c) => { document.cookie = c; }", cookie)


def helper_disagreement(
    engine: str, outcome: str, hits: list[Hit], init: dict[str, Any]
) -> str | None:
    """Compare an engine's verdict on one fetch with flask_corsx.testing's (issue 11: the
    helpers must be faithful). None when the fetch cannot be judged from what the server saw
    (an error or timeout, no-cors, redirects, a response served from a cache, several
    requests); "" when they agree; else what differs.

    The helpers model Chromium with the spec's Authorization rule (FETCH-C12), which the suite
    turns on in Chromium and Firefox. WebKit lets ``Access-Control-Allow-Headers: *`` cover
    Authorization (measured, see BROWSER_QUIRKS), so that one check is not compared there.
    """
    from flask_corsx.browser import cors_check, preflight_check

    if outcome not in ("allowed", "blocked") or init.get("mode") == "no-cors" or not hits:
        return None
    if any(hit.status is None or 300 <= hit.status < 400 for hit in hits):
        return None
    preflights = [hit for hit in hits if hit.is_preflight]
    actual = [hit for hit in hits if not hit.is_preflight]
    if len(preflights) > 1 or len(actual) > 1:
        return None
    credentials = init.get("credentials") == "include"
    origin = (preflights or actual)[0].origin
    if origin is None:
        return None
    model = "allowed"
    reason = ""
    if preflights:
        hit = preflights[0]
        unsafe = [name for name in (hit.acrh or "").split(",") if name]
        verdict = preflight_check(
            hit.status or 0, hit.response_headers, origin, hit.acrm or "", unsafe, credentials
        )
        if not verdict.passes:
            if engine == "webkit" and verdict.check == "FETCH-H6":
                return None  # WebKit: "*" covers Authorization (measured)
            model, reason = "blocked", f"{verdict.check} {verdict.chromium}"
        elif not actual:
            return None  # the engine stopped for a reason the server cannot see
    if model == "allowed":
        if not actual:
            return None
        verdict = cors_check(actual[0].response_headers, origin, credentials)
        if not verdict.passes:
            model, reason = "blocked", f"{verdict.check} {verdict.chromium}"
    if model == outcome:
        return ""
    return f"{engine} says {outcome}, flask_corsx.testing says {model} {reason}".rstrip()


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
