"""What every example shares: a page server, an API server, and the page that shows both sides.

An example is a module in this package that defines ``EXAMPLE = Example(...)``: a function that
builds its API (a Flask app using flask_corsx) and its page(s), each a list of :class:`Scenario`
calls. This module does the rest:

* it binds the servers first (on the given ports, or free ones), so the API can be built with
  the page origins it must allow, and the page with the API's port;
* it wraps the API in a :class:`Recorder`, so the page can show, next to what its script got,
  the requests the API really received and the CORS headers it really sent -- preflights
  included, judged by :mod:`flask_corsx.browser` (the browser's checks, in Chromium's words);
* it serves the page: every scenario is a card; scenarios marked ``auto`` run when the page
  loads, the others when you press their button.

``examples/app.py`` is the command line; ``examples/registry.py`` lists the examples.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any, Optional

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from flask_corsx.browser import cors_check, preflight_check, preflight_reasons

HOST = "127.0.0.1"

#: A WSGI application.
WSGIApp = Callable[..., Any]


@dataclasses.dataclass(frozen=True)
class Site:
    """Where one example runs: its API and its page server(s), all on ``host``."""

    host: str
    api_port: int
    page_ports: tuple[int, ...]

    def page_origins(self, page: int = 0) -> list[str]:
        """The origins page number ``page`` is reachable at: 127.0.0.1 and localhost."""
        port = self.page_ports[page]
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    def page_url(self, page: int = 0) -> str:
        return f"http://{self.host}:{self.page_ports[page]}/"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}/"


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One call a page makes, shown as one card.

    ``path``, header values and string body parts may name page state as ``{key}``; a call's
    ``save`` puts keys of its JSON answer into that state (say, a CSRF token after logging in).
    """

    id: str
    title: str
    #: What happens and why, in a few sentences (shown on the card).
    about: str
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    #: None, a string sent as it is, or anything else, sent as JSON.
    body: Any = None
    credentials: str = "same-origin"
    #: What the browser does with it: "allowed" (the script reads the answer) or "blocked".
    expect: str = "allowed"
    #: The status the script sees, where it does not depend on what ran before.
    status: int | None = None
    #: "null": the call runs in a sandboxed iframe, whose origin is opaque.
    origin: str | None = None
    #: "api": the example's API, cross-origin; "page": the page's own server (same origin).
    target: str = "api"
    #: Run when the page loads (else only when its button is pressed).
    auto: bool = True
    button: str = "Run again"
    #: page state key -> key of the JSON answer to take it from
    save: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def credentialed(self) -> bool:
        return self.credentials == "include"

    def preflighted(self) -> bool:
        """Whether a browser sends a preflight first (without a cached answer)."""
        return self.target == "api" and bool(preflight_reasons(self.method, self.headers))


@dataclasses.dataclass(frozen=True)
class Note:
    """A block of text under the page's introduction, e.g. an error computed by the example."""

    title: str
    text: str


@dataclasses.dataclass(frozen=True)
class Answer:
    """The API's answer to a call the page server makes itself (server to server)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


#: ``call(method, path, headers, body)``: how a page server calls the API itself.
ApiCaller = Callable[[str, str, dict[str, str], Optional[bytes]], Answer]


@dataclasses.dataclass(frozen=True)
class Page:
    """One page: an introduction, notes, links to the example's other pages, the calls."""

    title: str
    #: Trusted HTML written by the example (it may use <code>, <b>, <a>).
    lead: str
    scenarios: tuple[Scenario, ...]
    notes: tuple[Note, ...] = ()
    #: (label, page number) of the example's other pages to link to
    links: tuple[tuple[str, int], ...] = ()
    #: Adds the page server's own routes (a backend), given a way to call the API.
    setup: Callable[[Flask, ApiCaller], None] | None = None

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)


@dataclasses.dataclass(frozen=True)
class Example:
    """What an example module exposes as ``EXAMPLE``."""

    name: str
    title: str
    #: One or two sentences for the index page.
    summary: str
    create_api: Callable[[Site], Flask]
    #: Its pages, each served on its own origin (the API allows ``site.page_origins(n)``).
    pages: tuple[Page, ...]


# --------------------------------------------------------------------------------------------
# What the API received and sent
# --------------------------------------------------------------------------------------------

#: Request headers the page shows (the ones CORS decides on, and what credentials were sent).
SHOWN_REQUEST_HEADERS = (
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Content-Type",
    "Authorization",
    "X-CSRF-Token",
    "Cookie",
)


def _shown_request_headers(environ: dict[str, Any]) -> list[list[str]]:
    shown = []
    for name in SHOWN_REQUEST_HEADERS:
        key = "CONTENT_TYPE" if name == "Content-Type" else "HTTP_" + name.upper().replace("-", "_")
        value = environ.get(key)
        if not value:
            continue
        if name == "Authorization":
            value = value.split(" ", 1)[0] + " (the token, hidden here)"
        elif name == "Cookie":  # names only: values are secrets
            value = "; ".join(part.split("=", 1)[0].strip() + "=..." for part in value.split(";"))
        shown.append([name, value])
    return shown


def _is_cors_header(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("access-control-") or lowered == "vary"


class Recorder:
    """WSGI middleware keeping every request the API receives and the headers it answers with.

    The page numbers its calls with :meth:`mark` before and :meth:`since` after, so each card
    shows the exchanges of its own call (the page runs one call at a time).
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._exchanges: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        query = environ.get("QUERY_STRING", "")
        exchange: dict[str, Any] = {
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", "") + (f"?{query}" if query else ""),
            "origin": environ.get("HTTP_ORIGIN"),
            "acrm": environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
            "acrh": environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
            "request_headers": _shown_request_headers(environ),
            "status": None,
            "response_headers": [],
        }
        with self._lock:
            self._exchanges.append(exchange)

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            exchange["status"] = int(status.split(None, 1)[0])
            exchange["response_headers"] = [list(pair) for pair in headers]
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)

    def mark(self) -> int:
        with self._lock:
            return len(self._exchanges)

    def since(self, mark: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(exchange) for exchange in self._exchanges[mark:]]


def judge(exchange: dict[str, Any], credentialed: bool) -> str:
    """What a browser makes of one exchange, in words ("" if it passes the checks)."""
    origin = exchange["origin"]
    if origin is None:
        return ""
    headers = [(k, v) for k, v in exchange["response_headers"]]
    if exchange["method"] == "OPTIONS" and exchange["acrm"] is not None:
        unsafe = [name.strip() for name in (exchange["acrh"] or "").split(",") if name.strip()]
        verdict = preflight_check(
            exchange["status"] or 0, headers, origin, exchange["acrm"], unsafe, credentialed
        )
    else:
        verdict = cors_check(headers, origin, credentialed)
    return "" if verdict.passes else f"{verdict.chromium} ({verdict.check})"


def describe_exchanges(scenario: Scenario, exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    """The right-hand column of a card: each exchange with the browser's verdict, and a note."""
    shown = []
    for exchange in exchanges:
        shown.append(
            {
                "request": f"{exchange['method']} {exchange['path']}",
                "request_headers": exchange["request_headers"],
                "status": exchange["status"],
                "headers": [[k, v] for k, v in exchange["response_headers"] if _is_cors_header(k)],
                "server_to_server": exchange["origin"] is None,
                "verdict": judge(exchange, scenario.credentialed),
            }
        )
    preflights = [x for x in exchanges if x["method"] == "OPTIONS" and x["acrm"] is not None]
    actual = [x for x in exchanges if x not in preflights]
    note = ""
    if scenario.target == "page":
        note = (
            "This call went to the page's own server (same origin, so no CORS). The requests "
            "above are the ones that server made to the API itself: no Origin header, no "
            "browser, so CORS does not apply to them."
        )
    elif not exchanges:
        note = (
            "The API received nothing: the browser answered from its HTTP cache (and ran the "
            "CORS check on the cached answer)."
        )
    elif preflights and not actual:
        note = f"The browser stops here: it never sends the {scenario.method} itself."
    elif scenario.preflighted() and actual and not preflights:
        note = (
            "No preflight this time: the browser still had the API's answer from last time in "
            "its preflight cache (Access-Control-Max-Age)."
        )
    return {"exchanges": shown, "note": note}


# --------------------------------------------------------------------------------------------
# The servers
# --------------------------------------------------------------------------------------------


def call_over_http(host: str, port: int) -> ApiCaller:
    """An :data:`ApiCaller` that talks to the API's server (as curl would)."""

    def call(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, response.getheaders(), response.read())
        finally:
            conn.close()

    return call


def _page_config(page: Page, site: Site) -> dict[str, Any]:
    return {
        "apiPort": site.api_port,
        "title": page.title,
        "lead": page.lead,
        "notes": [dataclasses.asdict(note) for note in page.notes],
        "links": [[label, site.page_ports[number]] for label, number in page.links],
        "scenarios": [
            {**dataclasses.asdict(s), "preflighted": s.preflighted()} for s in page.scenarios
        ],
    }


def create_page_app(
    name: str, page: Page, site: Site, recorder: Recorder, call_api: ApiCaller
) -> Flask:
    """The page server: the page itself, and /exchanges for the API's side of each call."""
    app = Flask(f"{name}_page")

    @app.get("/")
    def index() -> Response:
        config = json.dumps(_page_config(page, site)).replace("</", "<\\/")
        html = PAGE_HTML.replace("__TITLE__", page.title).replace("__CONFIG__", config)
        return Response(html, mimetype="text/html")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @app.get("/exchanges/mark")
    def mark() -> Response:
        return jsonify(mark=recorder.mark())

    @app.get("/exchanges/<scenario_id>/since/<int:since>")
    def exchanges(scenario_id: str, since: int) -> Response:
        return jsonify(describe_exchanges(page.scenario(scenario_id), recorder.since(since)))

    if page.setup is not None:
        page.setup(app, call_api)
    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # tests keep their own request log


def _placeholder(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


class Running:
    """One example, served: its API and page servers, each in a daemon thread.

    Ports of 0 pick free ones. ``wrap_api`` wraps the (recorded) API, e.g. in a test's own
    request log.
    """

    def __init__(
        self,
        example: Example,
        *,
        host: str = HOST,
        api_port: int = 0,
        page_ports: Iterable[int] = (0,),
        wrap_api: Callable[[WSGIApp], WSGIApp] | None = None,
        quiet: bool = False,
    ) -> None:
        page_ports = tuple(page_ports)
        if len(page_ports) != len(example.pages):
            raise ValueError(f"{example.name} needs {len(example.pages)} page port(s)")
        handler: dict[str, Any] = {"request_handler": _QuietHandler} if quiet else {}
        # Bind first: the API must know the page origins, the pages the API's port.
        self._servers: list[BaseWSGIServer] = [
            make_server(host, port, _placeholder, threaded=True, **handler)
            for port in (api_port, *page_ports)
        ]
        self.example = example
        self.site = Site(
            host, self._servers[0].server_port, tuple(s.server_port for s in self._servers[1:])
        )
        self.api = example.create_api(self.site)
        self.recorder = Recorder(self.api)
        call_api = call_over_http(host, self.site.api_port)
        self._servers[0].app = wrap_api(self.recorder) if wrap_api else self.recorder
        for server, page in zip(self._servers[1:], example.pages):
            server.app = create_page_app(example.name, page, self.site, self.recorder, call_api)
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"example-{example.name}:{server.server_port}",
                daemon=True,
            )
            for server in self._servers
        ]
        for thread in self._threads:
            thread.start()

    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self._threads)

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------


def create_index_app(running: list[Running]) -> Flask:
    """The page listing every example: what it shows, its link, and its own command."""
    app = Flask("examples_index")

    @app.get("/")
    def index() -> Response:
        host = request.host.split(":", 1)[0]
        rows = []
        for item in running:
            example, site = item.example, item.site
            url = f"http://{host}:{site.page_ports[0]}/"
            rows.append(
                f'<li id="example-{example.name}"><a href="{url}"><b>{example.title}</b></a>'
                f" <code>{example.name}</code><br>{example.summary}<br>"
                f"<small>Page {url} &middot; API http://{host}:{site.api_port}/ &middot; "
                f"alone: <code>bash scripts/example.sh {example.name}</code></small></li>"
            )
        return Response(INDEX_HTML.replace("__ROWS__", "\n".join(rows)), mimetype="text/html")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    return app


STYLE = """
  body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 68rem;
         padding: 0 1rem; color: #1d232a; background: #f6f7f9; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .lead { color: #4b5563; margin-top: 0; }
  code { background: #eceff3; padding: 0 .25em; border-radius: 3px; }
  li { margin: .7rem 0; }
  .card, .note { background: #fff; border: 1px solid #dde1e6; border-radius: 8px;
          padding: .7rem 1rem; margin: .8rem 0; }
  .note h2 { font-size: .95rem; margin: 0 0 .3rem; }
  .card h2 { font-size: 1.05rem; margin: 0; display: flex; gap: .6rem; align-items: center; }
  .card p { margin: .3rem 0 .5rem; color: #4b5563; font-size: .9rem; }
  .badge { font-size: .75rem; font-weight: 600; padding: .1rem .5rem; border-radius: 99px;
           background: #e5e7eb; color: #374151; }
  .badge.ok { background: #d1fae5; color: #065f46; }
  .badge.blocked { background: #fee2e2; color: #991b1b; }
  .badge.expect { background: transparent; border: 1px solid #cbd2da; font-weight: 500; }
  .badge.surprise { background: #fef3c7; color: #92400e; }
  button { margin-left: auto; font: inherit; font-size: .85rem; padding: .15rem .7rem;
           border-radius: 5px; border: 1px solid #9ca3af; background: #f9fafb; cursor: pointer; }
  .cols { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
  .cols h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
             color: #6b7280; margin: .2rem 0; }
  pre { margin: 0; font-size: .78rem; white-space: pre-wrap; word-break: break-all;
        background: #f3f4f6; border-radius: 5px; padding: .4rem .55rem; min-height: 2.2rem; }
"""

INDEX_HTML = (
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>flask_corsx examples</title><style>"""
    + STYLE
    + """</style></head>
<body>
<h1>flask_corsx examples</h1>
<p class="lead">Each example is a page on one origin calling an API on another, the way people
build things with CORS. All of them are running now; open one. Each page shows what its script
got next to what the API sent. <code>examples/README.md</code> says what to click in each.</p>
<ul>
__ROWS__
</ul>
</body>
</html>
"""
)

PAGE_HTML = (
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flask_corsx example: __TITLE__</title>
<style>"""
    + STYLE
    + """</style>
</head>
<body>
<h1 id="title"></h1>
<p class="lead">This page is served from <code id="page-origin"></code>; the API it calls is
on <code id="api-origin"></code>, a different origin. <span id="lead"></span></p>
<p class="lead" id="links"></p>
<div id="notes"></div>
<p class="lead">Each card is one call. The left column is what this page's script received;
the right one is what the API really received and sent, recorded by the example (a script may
not read most of those headers), with what the browser makes of it.</p>
<div id="cards"></div>
<script>
const CONFIG = __CONFIG__;
const API = `${location.protocol}//${location.hostname}:${CONFIG.apiPort}`;
const state = {};
window.results = {};
document.getElementById("title").textContent = CONFIG.title;
document.getElementById("page-origin").textContent = location.origin;
document.getElementById("api-origin").textContent = API;
document.getElementById("lead").innerHTML = CONFIG.lead;
for (const [label, port] of CONFIG.links) {
  const a = document.createElement("a");
  a.href = `${location.protocol}//${location.hostname}:${port}/`;
  a.textContent = label;
  a.target = "_blank";
  document.getElementById("links").append(a, " ");
}
for (const note of CONFIG.notes) {
  const div = document.createElement("div");
  div.className = "note";
  div.innerHTML = "<h2></h2><pre></pre>";
  div.querySelector("h2").textContent = note.title;
  div.querySelector("pre").textContent = note.text;
  document.getElementById("notes").appendChild(div);
}

// "{key}" -> the page state saved by an earlier call ("" until then).
const fill = (text) => text.replace(/\\{(\\w+)\\}/g, (_, key) => state[key] ?? "");

function request(s) {
  const headers = {};
  for (const [k, v] of Object.entries(s.headers)) headers[k] = fill(v);
  const options = { method: s.method, headers, credentials: s.credentials };
  if (s.body !== null) {
    options.body = typeof s.body === "string" ? fill(s.body) : fill(JSON.stringify(s.body));
  }
  return [(s.target === "page" ? "" : API) + fill(s.path), options];
}

async function describe(response) {
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\\n");
  const body = await response.text();
  return [response.status, body, `HTTP ${response.status}\\n\\nHeaders this script may ` +
          `read:\\n${headers}\\n\\nBody:\\n${body}`];
}

// Runs one call from this page: {outcome, status, body, text}.
async function callFromPage(s) {
  const [url, options] = request(s);
  try {
    const [status, body, text] = await describe(await fetch(url, options));
    return { outcome: "allowed", status, body, text };
  } catch (error) {
    return { outcome: "blocked", status: null, body: null,
             text: `Blocked by the browser: ${error}\\n\\nThe script gets no status, no ` +
                   "headers and no body. The developer console says why." };
  }
}

// Runs one call from a sandboxed iframe, whose origin is opaque ("null").
function callFromSandbox(s) {
  const [url, options] = request(s);
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.style.display = "none";
    const code = `fetch(${JSON.stringify(url)}, ${JSON.stringify(options)})
      .then(r => r.text().then(b => parent.postMessage({outcome: "allowed", status: r.status,
        body: b, text: "HTTP " + r.status + "\\\\n\\\\nBody:\\\\n" + b}, "*")))
      .catch(e => parent.postMessage({outcome: "blocked", status: null, body: null,
        text: "Blocked by the browser: " + e + "\\\\n\\\\nThis ran in a sandboxed iframe, " +
        "so the browser sent Origin: null."}, "*"));`;
    frame.srcdoc = "<script>" + code + "<" + "/script>";
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow) return;
      window.removeEventListener("message", onMessage);
      frame.remove();
      resolve(event.data);
    };
    window.addEventListener("message", onMessage);
    document.body.appendChild(frame);
  });
}

function showExchanges(report) {
  const parts = report.exchanges.map((x) => {
    const sent = x.request_headers.map(([k, v]) => `  ${k}: ${v}`).join("\\n");
    const got = x.headers.map(([k, v]) => `  ${k}: ${v}`).join("\\n") ||
                "  (no Access-Control-* headers)";
    const verdict = x.server_to_server ? "=> server to server: no browser, no CORS check"
                  : x.verdict ? `=> the browser refuses this: ${x.verdict}`
                  : "=> passes the browser's check";
    return `> ${x.request}\\n${sent}\\n< HTTP ${x.status}\\n${got}\\n${verdict}`;
  });
  if (report.note) parts.push(report.note);
  return parts.join("\\n\\n") || "(the API received nothing)";
}

async function run(s) {
  const card = document.getElementById("card-" + s.id);
  const badge = card.querySelector(".result");
  badge.className = "badge result";
  badge.textContent = "running...";
  const mark = (await (await fetch("/exchanges/mark")).json()).mark;
  const result = await (s.origin === "null" ? callFromSandbox(s) : callFromPage(s));
  if (result.outcome === "allowed") {
    try {
      const answer = JSON.parse(result.body);
      for (const [key, field] of Object.entries(s.save)) {
        if (answer[field] !== undefined) state[key] = answer[field];
      }
    } catch (error) { /* not JSON: nothing to save */ }
  }
  const report = await (await fetch(`/exchanges/${s.id}/since/${mark}`)).json();
  const end = (await (await fetch("/exchanges/mark")).json()).mark;
  const allowed = result.outcome === "allowed";
  badge.textContent = allowed ? "allowed" : "blocked";
  const expected = allowed === (s.expect === "allowed");
  badge.className = "badge result " + (allowed ? "ok" : "blocked") + (expected ? "" : " surprise");
  card.querySelector(".page").textContent = result.text;
  card.querySelector(".server").textContent = showExchanges(report);
  card.dataset.state = result.outcome;
  const runs = (window.results[s.id]?.runs ?? 0) + 1;
  window.results[s.id] = { ...result, runs, start: mark, end, report };
  return window.results[s.id];
}

// One call at a time, so each card's exchanges are its own.
let queue = Promise.resolve();
function enqueue(s) {
  queue = queue.then(() => run(s));
  window.pending = queue;
  return queue;
}

const cards = document.getElementById("cards");
for (const s of CONFIG.scenarios) {
  const card = document.createElement("div");
  card.className = "card";
  card.id = "card-" + s.id;
  card.innerHTML = `<h2><span></span><span class="badge expect"></span>
      <span class="badge result">not run yet</span><button></button></h2><p></p>
      <div class="cols"><div><h3>What this page's script got</h3><pre class="page"></pre></div>
      <div><h3>What the API received and sent</h3><pre class="server"></pre></div></div>`;
  card.querySelector("h2 span").textContent = s.title;
  card.querySelector(".expect").textContent = "expected: " + s.expect +
      (s.status === null ? "" : ` (${s.status})`);
  card.querySelector("p").textContent = s.about;
  const button = card.querySelector("button");
  button.textContent = s.auto ? "Run again" : s.button;
  button.addEventListener("click", () => enqueue(s));
  if (!s.auto) card.querySelector(".page").textContent = `Press "${s.button}".`;
  cards.appendChild(card);
}
for (const s of CONFIG.scenarios) if (s.auto) enqueue(s);
window.autoRuns = queue.then(() => { document.body.dataset.done = "yes"; });
</script>
</body>
</html>
"""
)
