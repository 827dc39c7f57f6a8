"""See CORS work in your browser: a page on one origin calls an API on another.

Two small servers run on 127.0.0.1:

* the page server (port 5000) serves one HTML page whose buttons call the API with ``fetch()``;
* the API server (port 5001) is a Flask app set up with ``from flask_corsx import CORS``. It
  allows only the page's origin (``http://127.0.0.1:5000`` and ``http://localhost:5000``),
  allows credentials on ``/api/session/*`` only, caches preflights for ten minutes and exposes
  one response header to scripts.

The page runs every call once when it loads and shows, for each, what your script got (or that
the browser blocked it) next to the CORS headers the API actually sent. Open the browser's
developer tools too: the console explains each blocked request in the browser's own words.

Run it with ``bash scripts/example.sh`` (which makes a virtualenv first), or in an environment
that has flask_corsx installed::

    python examples/app.py [--page-port 5000] [--api-port 5001]

The ports can also be set with the ``CORSX_PAGE_PORT`` and ``CORSX_API_PORT`` environment
variables. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import threading
import time
import uuid
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from werkzeug.serving import make_server

from flask_corsx import CORS

HOST = "127.0.0.1"
#: Methods a browser sends without a preflight (when no custom headers are set).
SAFELISTED_METHODS = ("GET", "HEAD", "POST")

#: The calls the page makes. The page's JavaScript and the server-side replay (/inspect) both
#: read this table, so what the browser does and what the replay shows stay the same.
SCENARIOS: list[dict[str, Any]] = [
    {
        "id": "simple",
        "title": "A simple GET",
        "about": "No preflight: GET without custom headers is a 'simple' request. The API "
        "answers with Access-Control-Allow-Origin set to this page's origin, and lists "
        "X-Request-Id in Access-Control-Expose-Headers, so the script may read it.",
        "method": "GET",
        "path": "/api/hello",
        "headers": {},
        "body": None,
        "credentials": "same-origin",
        "expect": "allowed",
    },
    {
        "id": "json",
        "title": "A JSON POST (preflighted)",
        "about": "Content-Type: application/json is not a 'simple' content type, so the "
        "browser first sends an OPTIONS preflight. flask_corsx answers it (the view never "
        "runs) with Access-Control-Allow-Methods/-Headers and Access-Control-Max-Age: 600, "
        "so the browser skips the preflight for the next ten minutes.",
        "method": "POST",
        "path": "/api/echo",
        "headers": {"Content-Type": "application/json"},
        "body": {"greeting": "hello, API"},
        "credentials": "same-origin",
        "expect": "allowed",
    },
    {
        "id": "cookie",
        "title": "A credentialed request with a cookie",
        "about": "fetch(..., {credentials: 'include'}) sends the API's cookie. Only routes "
        "under /api/session/ have supports_credentials=True, so only they answer with "
        "Access-Control-Allow-Credentials: true. Run it again: the visit count comes from "
        "the cookie the API set last time.",
        "method": "GET",
        "path": "/api/session/visits",
        "headers": {},
        "body": None,
        "credentials": "include",
        "expect": "allowed",
    },
    {
        "id": "cookie-elsewhere",
        "title": "Credentials where they are not allowed",
        "about": "The same credentialed fetch, to /api/hello. The API does answer with "
        "Access-Control-Allow-Origin, but without Access-Control-Allow-Credentials: true, "
        "so the browser hides the answer from the script.",
        "method": "GET",
        "path": "/api/hello",
        "headers": {},
        "body": None,
        "credentials": "include",
        "expect": "blocked",
    },
    {
        "id": "method",
        "title": "A method the API does not allow",
        "about": "The API allows GET, POST and PUT. A DELETE needs a preflight; its answer "
        "does not list DELETE, so the browser never sends the DELETE at all (the view that "
        "would handle it does exist).",
        "method": "DELETE",
        "path": "/api/hello",
        "headers": {},
        "body": None,
        "credentials": "same-origin",
        "expect": "blocked",
    },
    {
        "id": "null-origin",
        "title": "A request from an origin that is not on the list",
        "about": "This call runs inside a sandboxed iframe, which has an opaque origin: the "
        "browser sends Origin: null. 'null' is not among the allowed origins, so the API "
        "sends no Access-Control-Allow-Origin and the browser blocks the answer.",
        "method": "GET",
        "path": "/api/hello",
        "headers": {},
        "body": None,
        "credentials": "same-origin",
        "expect": "blocked",
        "origin": "null",
    },
]


def page_origins(page_port: int) -> list[str]:
    """The origins the page is served from; the only ones the API allows."""
    return [f"http://127.0.0.1:{page_port}", f"http://localhost:{page_port}"]


def create_api(page_port: int) -> Flask:
    """The API server: the part that uses flask_corsx."""
    api = Flask("example_api")

    # Options given as keyword arguments apply to every resource; a resource's own options
    # override them. "/api/session/*" has more "/" than "/api/*", so it wins for its paths.
    CORS(
        api,
        origins=page_origins(page_port),
        methods=["GET", "POST", "PUT"],
        allow_headers=["Content-Type"],
        expose_headers=["X-Request-Id"],
        max_age=600,
        resources={
            r"/api/*": {},
            r"/api/session/*": {"supports_credentials": True},
        },
    )

    @api.after_request
    def add_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = uuid.uuid4().hex[:12]
        return response

    @api.get("/")
    def index() -> Response:
        return Response(
            f"This is the example API. Open the page at http://{HOST}:{page_port}/\n",
            mimetype="text/plain",
        )

    @api.route("/api/hello", methods=["GET", "DELETE"])
    def hello() -> Response:
        if request.method == "DELETE":
            return jsonify(deleted=True)
        return jsonify(message="Hello from the API", time=time.strftime("%H:%M:%S"))

    @api.post("/api/echo")
    def echo() -> Response:
        data = request.get_json(silent=True)
        if data is None:
            abort(400, "send a JSON body")
        return jsonify(you_sent=data)

    @api.get("/api/session/visits")
    def visits() -> Response:
        count = int(request.cookies.get("visits", "0") or "0") + 1
        response = jsonify(visits=count, cookie_received="visits" in request.cookies)
        # Same site (127.0.0.1 or localhost, whatever the port), so SameSite=Lax is enough.
        response.set_cookie("visits", str(count), httponly=True, samesite="Lax")
        return response

    return api


def create_page(page_port: int, api_port: int) -> Flask:
    """The page server: one HTML page, plus /inspect to show the headers the API sends."""
    page = Flask("example_page")

    @page.get("/")
    def index() -> Response:
        config = {"apiPort": api_port, "scenarios": SCENARIOS}
        html = PAGE_HTML.replace("__CONFIG__", json.dumps(config).replace("</", "<\\/"))
        return Response(html, mimetype="text/html")

    @page.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @page.get("/inspect/<scenario_id>")
    def inspect(scenario_id: str) -> Response:
        """Replay one scenario from the server side, the way the browser sends it.

        A script cannot read Access-Control-* response headers, so the page asks this
        endpoint, which talks to the API directly (like curl), returns what came back, and
        says what the browser makes of it.
        """
        scenario = next((s for s in SCENARIOS if s["id"] == scenario_id), None)
        if scenario is None:
            abort(404)
        origin = scenario.get("origin") or request.host_url.rstrip("/")
        method = scenario["method"]
        credentialed = scenario["credentials"] == "include"
        custom = sorted(name.lower() for name in scenario["headers"])
        exchanges = []
        if method not in SAFELISTED_METHODS or custom:
            preflight_headers = {"Origin": origin, "Access-Control-Request-Method": method}
            if custom:
                preflight_headers["Access-Control-Request-Headers"] = ",".join(custom)
            preflight = _exchange(api_port, "OPTIONS", scenario["path"], preflight_headers)
            preflight["verdict"] = _cors_check(preflight, origin, credentialed) or (
                _preflight_check(preflight, method, custom, credentialed)
            )
            exchanges.append(preflight)
            if preflight["verdict"]:
                return jsonify(exchanges)  # the browser stops here
        body = None if scenario["body"] is None else json.dumps(scenario["body"])
        headers = {"Origin": origin, **scenario["headers"]}
        actual = _exchange(api_port, method, scenario["path"], headers, body)
        actual["verdict"] = _cors_check(actual, origin, credentialed)
        exchanges.append(actual)
        return jsonify(exchanges)

    return page


def _exchange(
    api_port: int, method: str, path: str, headers: dict[str, str], body: str | None = None
) -> dict[str, Any]:
    conn = http.client.HTTPConnection(HOST, api_port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        shown = [
            [name, value]
            for name, value in response.getheaders()
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]
        return {
            "request": f"{method} {path}",
            "request_headers": headers,
            "status": response.status,
            "headers": shown,
        }
    finally:
        conn.close()


def _header(exchange: dict[str, Any], name: str) -> str | None:
    values = [v for k, v in exchange["headers"] if k.lower() == name.lower()]
    return ", ".join(values) if values else None


def _cors_check(exchange: dict[str, Any], origin: str, credentialed: bool) -> str:
    """The browser's CORS check, simplified: "" if it passes, else why it fails."""
    allow_origin = _header(exchange, "Access-Control-Allow-Origin")
    if allow_origin is None:
        return "no Access-Control-Allow-Origin header"
    if allow_origin == "*" and not credentialed:
        return ""
    if allow_origin != origin:
        return f"Access-Control-Allow-Origin is {allow_origin!r}, not {origin!r}"
    if credentialed and _header(exchange, "Access-Control-Allow-Credentials") != "true":
        return "a credentialed request, but no Access-Control-Allow-Credentials: true"
    return ""


def _preflight_check(
    exchange: dict[str, Any], method: str, custom: list[str], credentialed: bool
) -> str:
    """The rest of the browser's preflight check, simplified: "" if it passes."""
    if not 200 <= exchange["status"] <= 299:
        return f"the preflight answered {exchange['status']}, not 2xx"
    methods = [
        m.strip() for m in (_header(exchange, "Access-Control-Allow-Methods") or "").split(",")
    ]
    wildcard = "*" in methods and not credentialed
    if method not in methods and method not in SAFELISTED_METHODS and not wildcard:
        return f"{method} is not in Access-Control-Allow-Methods"
    allowed = [
        h.strip().lower()
        for h in (_header(exchange, "Access-Control-Allow-Headers") or "").split(",")
    ]
    for name in custom:
        if name not in allowed and not (
            "*" in allowed and not credentialed and name != "authorization"
        ):
            return f"{name} is not in Access-Control-Allow-Headers"
    return ""


class ServerThread(threading.Thread):
    """One WSGI server in a daemon thread."""

    def __init__(self, app: Flask, port: int) -> None:
        super().__init__(daemon=True)
        self.server = make_server(HOST, port, app, threaded=True)

    def run(self) -> None:
        self.server.serve_forever()

    def shutdown(self) -> None:
        self.server.shutdown()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="See CORS work in your browser.")
    parser.add_argument(
        "--page-port",
        type=int,
        default=int(os.environ.get("CORSX_PAGE_PORT", "5000")),
        help="port of the page server (default 5000, or $CORSX_PAGE_PORT)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        default=int(os.environ.get("CORSX_API_PORT", "5001")),
        help="port of the API server (default 5001, or $CORSX_API_PORT)",
    )
    args = parser.parse_args(argv)
    if args.page_port == args.api_port:
        parser.error(
            "the page and the API need different ports: that is what makes them different origins"
        )
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # make_server exits with a clear message when a port is taken.
    servers = [
        ServerThread(create_api(args.page_port), args.api_port),
        ServerThread(create_page(args.page_port, args.api_port), args.page_port),
    ]
    for server in servers:
        server.start()
    print(f"API server:  http://{HOST}:{args.api_port}/  (flask_corsx, allows only the page)")
    print(f"Page server: http://{HOST}:{args.page_port}/")
    print()
    print(
        f"Open http://{HOST}:{args.page_port}/ in your browser. Press Ctrl-C to stop.", flush=True
    )
    # Stop on SIGTERM (e.g. `kill`) as on Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(server.is_alive() for server in servers):
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        for server in servers:
            server.shutdown()


PAGE_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>flask_corsx example: CORS in your browser</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 68rem;
         padding: 0 1rem; color: #1d232a; background: #f6f7f9; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .lead { color: #4b5563; margin-top: 0; }
  code { background: #eceff3; padding: 0 .25em; border-radius: 3px; }
  .card { background: #fff; border: 1px solid #dde1e6; border-radius: 8px;
          padding: .7rem 1rem; margin: .8rem 0; }
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
</style>
</head>
<body>
<h1>CORS in your browser, with flask_corsx</h1>
<p class="lead">This page is served from <code id="page-origin"></code>; the API it calls is
on <code id="api-origin"></code>, a different origin. Each call below ran once when the page
loaded; press its button to run it again. The left column is what this page's script
received; the right one is what the API actually sent, replayed from the server side (a
script is not allowed to read most of those headers).</p>
<div id="cards"></div>
<script>
const CONFIG = __CONFIG__;
const API = `${location.protocol}//${location.hostname}:${CONFIG.apiPort}`;
document.getElementById("page-origin").textContent = location.origin;
document.getElementById("api-origin").textContent = API;

function fetchOptions(s) {
  const options = { method: s.method, headers: s.headers, credentials: s.credentials };
  if (s.body !== null) options.body = JSON.stringify(s.body);
  return options;
}

async function describe(response) {
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\\n");
  const body = await response.text();
  return `HTTP ${response.status}\\n\\nHeaders this script may read:\\n${headers}` +
         `\\n\\nBody:\\n${body}`;
}

// Runs one call from this page. Returns [allowed, text].
async function callFromPage(s) {
  try {
    const response = await fetch(API + s.path, fetchOptions(s));
    return [true, await describe(response)];
  } catch (error) {
    return [false, `Blocked by the browser: ${error}\\n\\nThe script gets no status, ` +
                   "no headers and no body. The developer console says why."];
  }
}

// Runs one call from a sandboxed iframe, whose origin is opaque ("null").
function callFromSandbox(s) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-scripts";
    frame.style.display = "none";
    const code = `fetch(${JSON.stringify(API + s.path)}, ${JSON.stringify(fetchOptions(s))})
      .then(r => r.text().then(b => parent.postMessage({ok: true, text:
        "HTTP " + r.status + "\\\\n\\\\nBody:\\\\n" + b}, "*")))
      .catch(e => parent.postMessage({ok: false, text: "Blocked by the browser: " + e +
        "\\\\n\\\\nThis ran in a sandboxed iframe, so the browser sent Origin: null."}, "*"));`;
    frame.srcdoc = "<script>" + code + "<" + "/script>";
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow) return;
      window.removeEventListener("message", onMessage);
      frame.remove();
      resolve([event.data.ok, event.data.text]);
    };
    window.addEventListener("message", onMessage);
    document.body.appendChild(frame);
  });
}

async function inspect(s) {
  try {
    const exchanges = await (await fetch("/inspect/" + s.id)).json();
    return exchanges.map((x) => {
      const sent = Object.entries(x.request_headers).map(([k, v]) => `  ${k}: ${v}`).join("\\n");
      const got = x.headers.map(([k, v]) => `  ${k}: ${v}`).join("\\n") ||
                  "  (no Access-Control-* headers)";
      const verdict = x.verdict ? `=> the browser refuses this: ${x.verdict}`
                                : "=> passes the browser's check";
      return `> ${x.request}\\n${sent}\\n< HTTP ${x.status}\\n${got}\\n${verdict}`;
    }).join("\\n\\n") + (exchanges.length === 1 && s.method !== exchanges[0].request.split(" ")[0]
      ? `\\n\\nThe browser stops here: it never sends the ${s.method} itself.` : "");
  } catch (error) {
    return `could not replay: ${error}`;
  }
}

async function run(s) {
  const card = document.getElementById("card-" + s.id);
  const badge = card.querySelector(".result");
  badge.className = "badge result";
  badge.textContent = "running...";
  const [allowed, text] = await (s.origin === "null" ? callFromSandbox(s) : callFromPage(s));
  badge.textContent = allowed ? "allowed" : "blocked";
  const expected = allowed === (s.expect === "allowed");
  badge.className = "badge result " + (allowed ? "ok" : "blocked") + (expected ? "" : " surprise");
  card.querySelector(".page").textContent = text;
  card.querySelector(".server").textContent = await inspect(s);
  card.dataset.state = allowed ? "allowed" : "blocked";
}

const cards = document.getElementById("cards");
for (const s of CONFIG.scenarios) {
  const card = document.createElement("div");
  card.className = "card";
  card.id = "card-" + s.id;
  card.innerHTML = `<h2><span></span><span class="badge expect"></span>
      <span class="badge result">waiting</span><button>Run again</button></h2><p></p>
      <div class="cols"><div><h3>What this page's script got</h3><pre class="page"></pre></div>
      <div><h3>What the API sent</h3><pre class="server"></pre></div></div>`;
  card.querySelector("h2 span").textContent = s.title;
  card.querySelector(".expect").textContent = "expected: " + s.expect;
  card.querySelector("p").textContent = s.about;
  card.querySelector("button").addEventListener("click", () => run(s));
  cards.appendChild(card);
}
(async () => {
  for (const s of CONFIG.scenarios) await run(s);
  document.body.dataset.done = "yes";
})();
</script>
</body>
</html>
"""


if __name__ == "__main__":
    main()
