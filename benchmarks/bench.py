#!/usr/bin/env python3
"""Side-by-side benchmark of CORS for Flask: bare Flask, flask-cors, flask_corsx and a floor.

Four contestants, each in its own long-lived subprocess (so that imports do not
interfere), build the same routes and are timed by calling the WSGI app directly
with prepared environ dicts: no server, no network.

* ``bare``        - plain Flask, no CORS at all (the baseline every overhead is taken from);
* ``flask_cors``  - flask-cors, the extension flask_corsx replaces;
* ``flask_corsx`` - this project;
* ``floor``       - the least a CORS hook can do: one ``after_request`` with a single set
  look-up of the Origin that writes two headers (ACAO and Vary). Only in the
  simple-GET-style scenarios where it makes sense.

The parent keeps the workers alive and drives them over a line protocol (one JSON object a
line on stdin/stdout). For R rounds, for each scenario, each contestant runs a batch of calls
(the order of the contestants rotates each round), so that drift of the machine hits all of
them alike. Overheads are paired per round (contestant minus bare of the same round) and
reported as medians with their spread over rounds.

Run ``python benchmarks/bench.py --help`` for the options; ``benchmarks/README.md`` explains
what is measured and how to read the output.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import fnmatch
import gc
import importlib
import importlib.metadata
import io
import itertools
import json
import math
import os
import platform
import pstats
import re
import resource
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.wrappers import Response

JSON = dict[str, Any]
ViewFn = Callable[..., Any]

CONTESTANTS = ("bare", "flask_cors", "flask_corsx", "floor")
LIBRARIES = ("flask_cors", "flask_corsx")
DISTRIBUTIONS = {"flask_cors": "flask-cors", "flask_corsx": "flask_corsx"}
PATTERN_STYLES = ("regex", "compiled", "wildcard")
# How flask_corsx is given the pattern origins by default (see --corsx-patterns).
DEFAULT_CORSX_PATTERNS = "wildcard"

ORIGIN = "https://app.example.com"
REFUSED_ORIGIN = "https://evil.example.net"
CRED_ORIGINS = ("https://app.example.com", "https://admin.example.com", "https://partner.example.org")
PREFLIGHT_METHOD = "PUT"
PREFLIGHT_HEADERS = "content-type, x-requested-with"

EXACT_SIZES = (1, 100, 10_000)
REGEX_SIZES = (1, 100, 1_000)
RESOURCE_SIZES = (1, 50, 1_000)
UNCACHED_SIZES = (1, 1_000)
#: Per-origin rules (flask_corsx only: flask-cors has no way to say them).
RULE_SIZES = (1, 100, 10_000)
#: More distinct Origins / paths than a library would sensibly cache (flask_corsx: 4096, 2048).
UNCACHED_VARIANTS = 8192

# The geometric mean of flask_corsx overhead / flask-cors overhead is taken over these.
GEOMEAN_SCENARIOS = (
    "get",
    "no_origin",
    "preflight",
    "not_found",
    "credentials",
    "decorator",
    "origins_100_get",
    "resources_50_get",
)
# (label, big scenario, small scenario, target, informational only):
# flask_corsx overhead(big) / overhead(small).
FLATNESS = (
    ("10,000 vs 1 exact origins, GET", "origins_10000_get", "origins_1_get", 1.3, False),
    ("10,000 vs 1 exact origins, preflight", "origins_10000_preflight", "origins_1_preflight",
     1.3, False),
    ("1,000 vs 1 resources, GET", "resources_1000_get", "resources_1_get", 1.5, False),
    ("1,000 vs 1 resources, preflight", "resources_1000_preflight", "resources_1_preflight",
     1.5, False),
    ("1,000 vs 1 pattern origins, GET", "regex_1000_get", "regex_1_get", 2.0, False),
    ("1,000 vs 1 pattern origins, preflight", "regex_1000_preflight", "regex_1_preflight", 2.0,
     False),
    ("1,000 vs 1 pattern origins, GET, a new Origin each request", "regex_1000_get_uncached",
     "regex_1_get_uncached", 2.0, True),
    ("1,000 vs 1 resources, GET, a new path each request", "resources_1000_get_uncached",
     "resources_1_get_uncached", 1.5, True),
    ("10,000 vs 1 per-origin rules, GET", "rules_10000_get", "rules_1_get", 1.3, False),
    ("10,000 vs 1 per-origin rules, preflight", "rules_10000_preflight", "rules_1_preflight",
     1.3, False),
    ("1 per-origin rule vs 1 listed origin, GET", "rules_1_get", "origins_1_get", 1.3, False),
    ("1 per-origin rule vs 1 listed origin, preflight", "rules_1_preflight",
     "origins_1_preflight", 1.3, False),
    ("origins callable (cached) vs 1 listed origin, GET", "dynamic_get", "origins_1_get", 1.3,
     False),
    ("origins callable (cached) vs 1 listed origin, preflight", "dynamic_preflight",
     "origins_1_preflight", 1.3, False),
)
GEOMEAN_TARGET = 1 / 8
FLOOR_TARGET = 2.0
# Overheads below this (ns) are treated as this in ratios, so that noise around zero
# cannot produce negative or exploding ratios. Such cells are flagged in the output.
MIN_OVERHEAD_NS = 50.0


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    name: str
    config: str  # the app configuration, shared by scenarios: see build_app()
    method: str
    path: str
    origin: str | None
    kind: str  # "simple", "preflight", "no_origin" or "credentials"
    status: int = 200
    floor: bool = False  # whether the floor contestant takes part
    any_origin: bool = False  # the config allows any origin, so ACAO "*" is acceptable
    single_exact_origin: bool = False
    # "origin" or "path": cycle through UNCACHED_VARIANTS requests that differ in it, so that
    # no per-origin or per-path cache can answer (all of them are still allowed / matched).
    vary: str = ""
    # A flask_corsx feature flask-cors cannot configure (bare Flask still takes part).
    corsx_only: bool = False

    def request(self) -> JSON:
        return self.requests()[0]

    def requests(self) -> list[JSON]:
        out = []
        for j in range(UNCACHED_VARIANTS if self.vary else 1):
            origin, path = self.origin, self.path
            if self.vary == "origin" and origin is not None:
                origin = origin.replace("https://app7.", f"https://app{j}.", 1)
            elif self.vary == "path":
                path = f"{path}{j}"
            headers: dict[str, str] = {}
            if origin is not None:
                headers["Origin"] = origin
            if self.kind == "preflight":
                headers["Access-Control-Request-Method"] = PREFLIGHT_METHOD
                headers["Access-Control-Request-Headers"] = PREFLIGHT_HEADERS
            out.append({"method": self.method, "path": path, "headers": headers})
        return out


def exact_origins(n: int) -> list[str]:
    return [f"https://app{i}.example.com" for i in range(n)]


def pattern_origins(n: int, style: str) -> list[Any]:
    if style == "wildcard":
        return [f"https://*.example{i}.com" for i in range(n)]
    regexes = [rf"https://app\d+\.example{i}\.com" for i in range(n)]
    if style == "compiled":
        return [re.compile(r) for r in regexes]
    return list(regexes)


def pattern_request_origin(n: int) -> str:
    return f"https://app7.example{n - 1}.com"


def resource_map(n: int) -> dict[str, JSON]:
    # Equal-length keys: flask-cors sorts resources by slash count and length (stable), so
    # the insertion order is kept and the last key is also the last one it tries.
    return {rf"/api/r{i:04d}/.*": {"origins": "*"} for i in range(n)}


def resource_path(n: int) -> str:
    return f"/api/r{n - 1:04d}/items"


def all_scenarios() -> list[Scenario]:
    items = "/api/items"
    out = [
        Scenario("get", "default", "GET", items, ORIGIN, "simple", floor=True, any_origin=True),
        Scenario("no_origin", "default", "GET", items, None, "no_origin", floor=True,
                 any_origin=True),
        Scenario("preflight", "default", "OPTIONS", items, ORIGIN, "preflight", any_origin=True),
        Scenario("not_found", "default", "GET", "/nope", ORIGIN, "simple", status=404,
                 floor=True, any_origin=True),
        Scenario("credentials", "credentials", "GET", items, CRED_ORIGINS[-1], "credentials"),
        Scenario("decorator", "decorator", "GET", "/api/decorated", ORIGIN, "simple",
                 any_origin=True),
    ]
    for n in EXACT_SIZES:
        origin = exact_origins(n)[-1]
        out.append(Scenario(f"origins_{n}_get", f"origins:{n}", "GET", items, origin, "simple",
                            floor=True, single_exact_origin=n == 1))
        out.append(Scenario(f"origins_{n}_preflight", f"origins:{n}", "OPTIONS", items, origin,
                            "preflight", single_exact_origin=n == 1))
    for n in REGEX_SIZES:
        origin = pattern_request_origin(n)
        out.append(Scenario(f"regex_{n}_get", f"regex:{n}", "GET", items, origin, "simple"))
        out.append(Scenario(f"regex_{n}_preflight", f"regex:{n}", "OPTIONS", items, origin,
                            "preflight"))
    for n in RESOURCE_SIZES:
        path = resource_path(n)
        out.append(Scenario(f"resources_{n}_get", f"resources:{n}", "GET", path, ORIGIN,
                            "simple", any_origin=True))
        out.append(Scenario(f"resources_{n}_preflight", f"resources:{n}", "OPTIONS", path,
                            ORIGIN, "preflight", any_origin=True))
    for n in RULE_SIZES:
        origin = exact_origins(n)[-1]
        out.append(Scenario(f"rules_{n}_get", f"rules:{n}", "GET", items, origin, "simple",
                            corsx_only=True))
        out.append(Scenario(f"rules_{n}_preflight", f"rules:{n}", "OPTIONS", items, origin,
                            "preflight", corsx_only=True))
    out.append(Scenario("dynamic_get", "dynamic", "GET", items, exact_origins(1)[0], "simple",
                        corsx_only=True))
    out.append(Scenario("dynamic_preflight", "dynamic", "OPTIONS", items, exact_origins(1)[0],
                        "preflight", corsx_only=True))
    for n in UNCACHED_SIZES:
        out.append(Scenario(f"regex_{n}_get_uncached", f"regex:{n}", "GET", items,
                            pattern_request_origin(n), "simple", vary="origin"))
    for n in UNCACHED_SIZES:
        out.append(Scenario(f"resources_{n}_get_uncached", f"resources:{n}", "GET",
                            resource_path(n), ORIGIN, "simple", any_origin=True, vary="path"))
    return out


def takes_part(contestant: str, scenario: Scenario) -> bool:
    if scenario.corsx_only:
        return contestant in ("bare", "flask_corsx")
    return contestant != "floor" or scenario.floor


def origin_rules(n: int) -> dict[str, JSON]:
    """n per-origin rules, each for one exact origin, alternating two method sets."""
    methods = (["GET", "PUT"], ["GET", "POST", "PUT", "DELETE"])
    return {origin: {"methods": methods[i % 2]} for i, origin in enumerate(exact_origins(n))}


def allow_listed(origin: str) -> bool:
    """An origins callable, as a tenant table would be (a set look-up here)."""
    return origin in _TENANTS


_TENANTS = frozenset(exact_origins(1))


# --------------------------------------------------------------------------- app building
# (runs inside the worker subprocesses)


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_library(contestant: str) -> Any:
    if contestant not in LIBRARIES:
        return None
    if REPO_ROOT not in sys.path:  # flask_corsx from this checkout unless it is installed
        sys.path.append(REPO_ROOT)
    return importlib.import_module(contestant)


def make_base_app(view_decorator: Callable[[ViewFn], ViewFn] | None = None) -> Flask:
    """The routes every contestant builds; only the decorator scenario decorates a view."""
    from flask import Flask

    app = Flask(__name__)

    def items() -> JSON:
        return {"ok": True}

    def resource(rest: str) -> JSON:
        return {"ok": True}

    def decorated() -> JSON:
        return {"ok": True}

    app.add_url_rule("/api/items", "items", items, methods=["GET", "POST", "PUT", "DELETE"])
    app.add_url_rule("/api/<path:rest>", "resource", resource, methods=["GET"])
    view = view_decorator(decorated) if view_decorator is not None else decorated
    app.add_url_rule("/api/decorated", "decorated", view, methods=["GET"])
    return app


def install_floor(app: Flask, allowed: frozenset[str]) -> None:
    from flask import request

    def floor_cors(response: Response) -> Response:
        origin = request.environ.get("HTTP_ORIGIN")
        if origin in allowed:
            headers = response.headers
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        return response

    app.after_request(floor_cors)


def build_app(contestant: str, config: str, lib: Any, pattern_style: str) -> Flask:
    kind, _, num = config.partition(":")
    n = int(num) if num else 0
    decorator = lib.cross_origin() if kind == "decorator" and lib is not None else None
    app = make_base_app(decorator)
    if contestant == "bare":
        return app
    if contestant == "floor":
        if kind == "default":
            install_floor(app, frozenset({ORIGIN}))
        elif kind == "origins":
            install_floor(app, frozenset(exact_origins(n)))
        else:
            raise ValueError(f"floor does not take part in config {config!r}")
        return app
    style = pattern_style if contestant == "flask_corsx" else "regex"
    if kind == "default":
        lib.CORS(app)
    elif kind == "credentials":
        lib.CORS(app, origins=list(CRED_ORIGINS), supports_credentials=True)
    elif kind == "decorator":
        pass
    elif kind == "origins":
        lib.CORS(app, origins=exact_origins(n))
    elif kind == "regex":
        lib.CORS(app, origins=pattern_origins(n, style))
    elif kind == "resources":
        lib.CORS(app, resources=resource_map(n))
    elif kind == "rules":
        lib.CORS(app, origins=origin_rules(n))
    elif kind == "dynamic":
        lib.CORS(app, origins=allow_listed)
    else:
        raise ValueError(f"unknown config {config!r}")
    return app


def make_environ(req: JSON) -> JSON:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(method=req["method"], path=req["path"], headers=req["headers"])
    try:
        return builder.get_environ()
    finally:
        builder.close()


def make_environs(scenario: Scenario) -> list[JSON]:
    """The scenario's environs; variants are copies of the first with the one key changed
    (building thousands with EnvironBuilder would make every worker start slowly)."""
    reqs = scenario.requests()
    first = make_environ(reqs[0])
    out = [first]
    for req in reqs[1:]:
        environ = dict(first)
        if scenario.vary == "origin":
            environ["HTTP_ORIGIN"] = req["headers"]["Origin"]
        else:
            environ["PATH_INFO"] = req["path"]
            environ["REQUEST_URI"] = environ["RAW_URI"] = req["path"]
        out.append(environ)
    return out


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def call_once(app: Flask, environ: JSON) -> tuple[int, list[tuple[str, str]]]:
    captured: JSON = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = list(headers)
        return None

    iterable = app(environ.copy(), start_response)
    try:
        for _chunk in iterable:
            pass
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"]


def time_calls(app: Flask, environs: list[JSON], n: int) -> int:
    """n calls of the WSGI app, each with a fresh copy of the next environ (cycling through
    the list; most scenarios have one); returns elapsed ns."""
    start_response = _start_response
    perf = time.perf_counter_ns
    todo = itertools.islice(itertools.cycle(environs), n)
    t0 = perf()
    for environ in todo:
        iterable = app(environ.copy(), start_response)
        for _chunk in iterable:
            pass
        iterable.close()  # type: ignore[attr-defined]
    return perf() - t0


def pin_to_cpu(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {cpu})


# --------------------------------------------------------------------------- worker


def worker_main(contestant: str, pattern_style: str, cpu: int | None) -> int:
    """Serve the parent's commands, one JSON object a line, until "quit" or EOF."""
    pin_to_cpu(cpu)
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else gets printed goes to stderr, not into the protocol
    sys.stdout = sys.stderr

    def send(msg: JSON) -> None:
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    try:
        import flask  # noqa: F401

        lib = load_library(contestant)
    except Exception as exc:
        send({"ok": False, "error": f"cannot import {contestant}: {exc!r}"})
        return 1
    send({"ok": True, "version": contestant_version(contestant)})

    scenarios = {s.name: s for s in all_scenarios()}
    apps: dict[str, Flask] = {}
    prepared: dict[str, tuple[Flask, list[JSON]]] = {}

    def get_app(config: str) -> Flask:
        if config not in apps:
            apps[config] = build_app(contestant, config, lib, pattern_style)
        return apps[config]

    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        try:
            if cmd == "quit":
                send({"ok": True})
                break
            if cmd == "prepare":  # build a scenario; answer its first and last request once
                scenario = scenarios[msg["scenario"]]
                app = get_app(scenario.config)
                environs = make_environs(scenario)
                prepared[scenario.name] = (app, environs)
                gc.collect()
                gc.freeze()  # set-up objects out of the collector's way: cheap collections later
                sample = environs if len(environs) == 1 else [environs[0], environs[-1]]
                send({"ok": True, "answers": [call_once(app, env) for env in sample]})
            elif cmd == "probe":  # one call of an ad-hoc request; returns status and headers
                status, headers = call_once(get_app(msg["config"]), make_environ(msg["req"]))
                send({"ok": True, "status": status, "headers": headers})
            elif cmd == "calibrate":  # ns per call, from a run of at least min_ns
                app, environs = prepared[msg["scenario"]]
                n, elapsed = 1, time_calls(app, environs, 1)
                while elapsed < msg["min_ns"]:
                    n = min(n * 4, max(n * 2, int(n * msg["min_ns"] / max(elapsed, 1)) + 1))
                    elapsed = time_calls(app, environs, n)
                send({"ok": True, "ns_per_call": elapsed / n})
            elif cmd == "run":
                app, environs = prepared[msg["scenario"]]
                if msg["warmup"]:
                    time_calls(app, environs, msg["warmup"])
                gc.collect()
                cpu0 = time.process_time_ns()
                wall = time_calls(app, environs, msg["n"])
                send({"ok": True, "ns": wall, "cpu_ns": time.process_time_ns() - cpu0})
            else:
                send({"ok": False, "error": f"unknown command {cmd!r}"})
        except Exception as exc:
            send({"ok": False, "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()})
    return 0


def contestant_version(contestant: str) -> str:
    if contestant in ("bare", "floor"):
        return "flask " + importlib.metadata.version("flask")
    try:
        return importlib.metadata.version(DISTRIBUTIONS[contestant])
    except importlib.metadata.PackageNotFoundError:
        mod = sys.modules.get(contestant)
        return str(getattr(mod, "__version__", "unknown (not installed)"))


class WorkerError(RuntimeError):
    pass


class Worker:
    """The parent's handle on one contestant's subprocess."""

    def __init__(self, contestant: str, pattern_style: str, cpu: int | None) -> None:
        self.contestant = contestant
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", contestant,
               "--corsx-patterns", pattern_style]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            env=child_env(),
        )
        self.version = ""

    def ready(self) -> None:
        """Wait for the worker's hello (it has imported its library by then)."""
        hello = self._read()
        if not hello.get("ok"):
            self.close()
            raise WorkerError(hello.get("error", f"{self.contestant}: worker failed to start"))
        self.version = hello["version"]

    def recv(self) -> JSON:
        return self._read()

    def _read(self) -> JSON:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            raise WorkerError(f"{self.contestant}: worker exited (code {code}); see stderr")
        result: JSON = json.loads(line)
        return result

    def send(self, **msg: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def call(self, **msg: Any) -> JSON:
        self.send(**msg)
        return self._read()

    def must(self, **msg: Any) -> JSON:
        reply = self.call(**msg)
        if not reply.get("ok"):
            raise WorkerError(f"{self.contestant}: {reply.get('error')}\n"
                              f"{reply.get('traceback', '')}")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(WorkerError, OSError, ValueError):
                self.call(cmd="quit")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


# --------------------------------------------------------------------------- verification


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [v for k, v in headers if k.lower() == name]


def tokens(values: Iterable[str]) -> set[str]:
    return {t.strip().lower() for v in values for t in v.split(",") if t.strip()}


def check(contestant: str, s: Scenario, status: int, headers: list[tuple[str, str]],
          origin: str | None = None) -> tuple[list[str], list[str]]:
    """(problems, quirks) of one response to a request from ``origin`` (default: the
    scenario's). Problems fail verification; quirks are known, documented deviations of
    flask-cors that are accepted."""
    origin = origin or s.origin
    problems: list[str] = []
    quirks: list[str] = []
    acao = header_values(headers, "Access-Control-Allow-Origin")
    vary = tokens(header_values(headers, "Vary"))
    ok_status = {200, 204} if s.kind == "preflight" and contestant != "bare" else {s.status}
    if status not in ok_status:
        problems.append(f"status {status}, expected {' or '.join(map(str, sorted(ok_status)))}")
    if contestant == "bare":
        if acao:
            problems.append(f"bare answered with ACAO {acao}")
        return problems, quirks

    if s.kind == "no_origin":
        if acao not in ([], ["*"]) or (acao and not s.any_origin):
            problems.append(f"no Origin in the request, yet ACAO {acao}")
        return problems, quirks

    allowed_values = [origin, "*"] if s.any_origin else [origin]
    if len(acao) != 1:
        problems.append(f"expected one ACAO header, got {acao}")
    elif acao[0] not in allowed_values:
        problems.append(f"ACAO {acao[0]!r}, expected {' or '.join(map(repr, allowed_values))}")
    elif acao[0] != "*" and "origin" not in vary:
        if contestant == "flask_cors" and s.single_exact_origin:
            quirks.append("no 'Vary: Origin' although ACAO echoes the request's origin "
                          "(flask-cors adds Vary only for >1 origin or a regex)")
        else:
            problems.append(f"ACAO echoes the origin but Vary is {sorted(vary) or 'absent'}")

    if s.kind == "credentials":
        acac = header_values(headers, "Access-Control-Allow-Credentials")
        if acac != ["true"]:
            problems.append(f"Access-Control-Allow-Credentials {acac}, expected ['true']")
        if acao == ["*"]:
            problems.append("ACAO '*' with credentials")
    if s.kind == "preflight":
        acam = tokens(header_values(headers, "Access-Control-Allow-Methods"))
        if PREFLIGHT_METHOD.lower() not in acam and "*" not in acam:
            problems.append(f"ACAM {sorted(acam) or 'absent'} lacks {PREFLIGHT_METHOD}")
        acah = tokens(header_values(headers, "Access-Control-Allow-Headers"))
        wanted = tokens([PREFLIGHT_HEADERS])
        if "*" not in acah and not wanted <= acah:
            problems.append(f"ACAH {sorted(acah) or 'absent'} lacks {sorted(wanted - acah)}")
    return problems, quirks


# Untimed requests that document how each library behaves around the edges.
BEHAVIOUR_PROBES = (
    ("default config, GET with Origin", "default",
     {"method": "GET", "path": "/api/items", "headers": {"Origin": ORIGIN}}),
    ("default config, GET without Origin", "default",
     {"method": "GET", "path": "/api/items", "headers": {}}),
    ("1 exact origin, GET with it", "origins:1",
     {"method": "GET", "path": "/api/items", "headers": {"Origin": exact_origins(1)[0]}}),
    ("100 exact origins, refused Origin", "origins:100",
     {"method": "GET", "path": "/api/items", "headers": {"Origin": REFUSED_ORIGIN}}),
    ("100 exact origins, GET without Origin", "origins:100",
     {"method": "GET", "path": "/api/items", "headers": {}}),
    ("100 exact origins, Origin in upper case", "origins:100",
     {"method": "GET", "path": "/api/items",
      "headers": {"Origin": exact_origins(100)[-1].upper()}}),
    ("credentials, refused Origin", "credentials",
     {"method": "GET", "path": "/api/items", "headers": {"Origin": REFUSED_ORIGIN}}),
    ("1 regex origin, Origin with a suffix", "regex:1",
     {"method": "GET", "path": "/api/items",
      "headers": {"Origin": pattern_request_origin(1) + ".evil.net"}}),
)


def describe_cors(headers: list[tuple[str, str]]) -> str:
    parts = []
    for name, short in (("Access-Control-Allow-Origin", "ACAO"), ("Vary", "Vary"),
                        ("Access-Control-Allow-Credentials", "ACAC")):
        values = header_values(headers, name)
        if len(values) > 3:
            parts.append(f"{short}: {len(values)} headers ({values[0]}, {values[1]}, ...)")
        elif values:
            parts.append(f"{short}: {', '.join(values)}")
    return "; ".join(parts) or "no CORS headers"


# --------------------------------------------------------------------------- statistics


def quartiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def geomean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None:
        return None
    return max(num, MIN_OVERHEAD_NS) / max(den, MIN_OVERHEAD_NS)


# --------------------------------------------------------------------------- start-up, memory
# (each measurement in a fresh subprocess)


def proc_status_bytes(field: str) -> int | None:
    """VmRSS (current) or VmHWM (peak) of this process, from /proc (Linux only)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def startup_probe(contestant: str, what: str) -> JSON:
    import flask  # noqa: F401
    import werkzeug.test  # noqa: F401

    gc.collect()
    if what == "import":
        t0 = time.perf_counter_ns()
        load_library(contestant)
        return {"ns": time.perf_counter_ns() - t0}
    lib = load_library(contestant)
    app = make_base_app()
    if what == "cors_app":
        kwargs: JSON = {}
        req = {"method": "GET", "path": "/api/items", "headers": {"Origin": ORIGIN}}
    else:
        kwargs = {"resources": resource_map(1000)}
        req = {"method": "GET", "path": resource_path(1000), "headers": {"Origin": ORIGIN}}
    environ = make_environ(req)
    t0 = time.perf_counter_ns()
    if lib is not None:
        lib.CORS(app, **kwargs)
    t1 = time.perf_counter_ns()
    status, headers = call_once(app, environ)
    t2 = time.perf_counter_ns()
    return {"construct_ns": t1 - t0 if lib is not None else None, "first_request_ns": t2 - t1,
            "status": status, "acao": header_values(headers, "Access-Control-Allow-Origin")}


def memory_probe(contestant: str, mode: str) -> JSON:
    import tracemalloc

    import flask  # noqa: F401
    import werkzeug.test  # noqa: F401

    lib = load_library(contestant)
    origins = exact_origins(10_000)
    app = make_base_app()
    environ = make_environ({"method": "GET", "path": "/api/items",
                            "headers": {"Origin": origins[-1]}})
    gc.collect()
    if mode == "traced":
        tracemalloc.start()
    rss0 = proc_status_bytes("VmRSS")
    if contestant == "floor":
        install_floor(app, frozenset(origins))
    elif lib is not None:
        lib.CORS(app, origins=origins)
    status, headers = call_once(app, environ)  # some libraries compile lazily
    gc.collect()
    out: JSON = {"status": status, "acao": header_values(headers, "Access-Control-Allow-Origin")}
    if mode == "traced":
        out["traced_bytes"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    else:
        rss1 = proc_status_bytes("VmRSS")
        peak = proc_status_bytes("VmHWM")
        if rss1 is None or peak is None:  # no /proc: ru_maxrss is all there is
            rss1 = peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            if sys.platform == "darwin":
                rss1 = peak = peak // 1024  # bytes there, not KiB
        out["rss_bytes"] = rss1
        out["rss_delta_bytes"] = rss1 - rss0 if rss0 is not None else None
        out["maxrss_bytes"] = peak
    return out


def run_probe_subprocess(args: list[str], cpu: int | None) -> JSON:
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=child_env(), check=False)
    if proc.returncode != 0:
        raise WorkerError(f"{' '.join(args)} failed:\n{proc.stderr}")
    result: JSON = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure_startup(contestants: list[str], repeats: int, cpu: int | None) -> JSON:
    out: JSON = {}
    for what in ("import", "cors_app", "cors_resources_1000"):
        for c in contestants:
            if c == "floor" or (c == "bare" and what == "import"):
                continue
            runs = [run_probe_subprocess(["--startup-probe", c, what], cpu)
                    for _ in range(repeats)]
            entry: JSON = {"runs": runs}
            for key in ("ns", "construct_ns", "first_request_ns"):
                values = [r[key] for r in runs if r.get(key) is not None]
                if values:
                    entry[key] = statistics.median(values)
            out.setdefault(what, {})[c] = entry
    return out


def measure_memory(contestants: list[str], repeats: int, cpu: int | None) -> JSON:
    out: JSON = {}
    for c in contestants:
        rss = [run_probe_subprocess(["--memory-probe", c, "rss"], cpu) for _ in range(repeats)]
        traced = run_probe_subprocess(["--memory-probe", c, "traced"], cpu)
        out[c] = {
            "rss_bytes": statistics.median(r["rss_bytes"] for r in rss),
            "rss_delta_bytes": statistics.median(r["rss_delta_bytes"] for r in rss),
            "maxrss_bytes": statistics.median(r["maxrss_bytes"] for r in rss),
            "traced_bytes": traced["traced_bytes"],
            "acao": traced["acao"],
        }
    return out


def profile_main(contestant: str, scenario_name: str, pattern_style: str, seconds: float,
                 cpu: int | None, clock: str) -> int:
    """cProfile the hot path of one contestant in one scenario; stats go to stdout."""
    pin_to_cpu(cpu)
    scenario = {s.name: s for s in all_scenarios()}[scenario_name]
    lib = load_library(contestant)
    app = build_app(contestant, scenario.config, lib, pattern_style)
    environs = make_environs(scenario)
    status, headers = call_once(app, environs[0])
    time_calls(app, environs, 200)
    n = 1
    while time_calls(app, environs, n) < seconds * 1e9 / 4:
        n *= 2
    profiler = (cProfile.Profile(time.process_time_ns, 1e-9) if clock == "cpu"
                else cProfile.Profile())
    profiler.enable()
    time_calls(app, environs, n)
    profiler.disable()
    print(f"## cProfile: {contestant}, scenario {scenario_name}, {n} calls "
          f"(status {status}; {describe_cors(headers)})\n")
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(contestant if contestant in LIBRARIES else "", 25)
    print(buf.getvalue())
    print(f"(per call, profiled: {stats.total_tt / n * 1e6:.2f} µs)")  # type: ignore[attr-defined]
    return 0


# --------------------------------------------------------------------------- orchestration


@dataclass
class Cell:
    """One (scenario, contestant) pair."""

    scenario: Scenario
    contestant: str
    n: int = 0
    ns_per_call: list[float] | None = None  # by the clock chosen with --clock
    wall_ns_per_call: list[float] | None = None
    cpu_ns_per_call: list[float] | None = None
    session: list[int] | None = None  # which worker session each round ran in
    problems: list[str] | None = None
    quirks: list[str] | None = None
    observed: str = ""


def select_scenarios(only: str | None) -> list[Scenario]:
    scenarios = all_scenarios()
    if not only:
        return scenarios
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    chosen = [s for s in scenarios if any(fnmatch.fnmatchcase(s.name, w) for w in wanted)]
    unknown = [w for w in wanted if not any(fnmatch.fnmatchcase(s.name, w) for s in scenarios)]
    if unknown:
        names = ", ".join(s.name for s in scenarios)
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; known: {names}")
    return chosen


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_benchmark(args: argparse.Namespace) -> int:
    started = time.monotonic()
    scenarios = select_scenarios(args.only)
    contestants = [c.strip() for c in args.contestants.split(",") if c.strip()]
    bad = [c for c in contestants if c not in CONTESTANTS]
    if bad or "bare" not in contestants:
        raise SystemExit(f"--contestants must include bare and be among {', '.join(CONTESTANTS)}")
    contestants = [c for c in CONTESTANTS if c in contestants]
    rounds = args.rounds or (5 if args.quick else 20)
    batch_ns = int((args.batch_ms or (30 if args.quick else 80)) * 1e6)
    repeats = 3 if args.quick else 7
    cpu = worker_cpu(args.no_pin)

    sessions = max(1, min(args.sessions or (1 if args.quick else 4), rounds))
    load_before = load_average()
    if load_before is not None and load_before > 0.5 * (os.cpu_count() or 1):
        log(f"warning: load average {load_before:.2f} before starting: other processes are "
            "busy, expect noisy figures" + ("" if args.clock == "cpu" else
                                            " (--clock cpu is less sensitive to that)"))
    cells: dict[tuple[str, str], Cell] = {
        (s.name, c): Cell(s, c) for s in scenarios for c in contestants if takes_part(c, s)
    }
    behaviour: JSON = {}
    versions: dict[str, str] = {}
    r = 0
    for session in range(sessions):
        session_rounds = rounds // sessions + (1 if session < rounds % sessions else 0)
        log(f"session {session + 1}/{sessions}: starting workers ({', '.join(contestants)}) "
            f"({time.monotonic() - started:.0f} s)")
        workers = start_workers(contestants, args.corsx_patterns, cpu)
        try:
            versions = {c: w.version for c, w in workers.items()}
            verify(workers, cells, scenarios, contestants, first=session == 0)
            if session == 0:
                behaviour = probe_behaviour(workers, contestants)
                calibrate(workers, cells, batch_ns)
            for _ in range(session_rounds):
                log(f"round {r + 1}/{rounds} ({time.monotonic() - started:.0f} s)")
                run_round(workers, cells, scenarios, contestants, r, session)
                r += 1
        finally:
            for w in workers.values():
                w.close()
    for cell in cells.values():
        cell.ns_per_call = cell.cpu_ns_per_call if args.clock == "cpu" else cell.wall_ns_per_call
    failures = sum(1 for cell in cells.values() if cell.problems)

    # ---- start-up and memory, each in fresh subprocesses
    startup: JSON = {}
    memory: JSON = {}
    if not args.no_startup:
        log("start-up measurements")
        startup = measure_startup(contestants, repeats, cpu)
        log("memory measurements")
        memory = measure_memory(contestants, 1 if args.quick else 3, cpu)

    results = summarize(scenarios, contestants, cells)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "flask": importlib.metadata.version("flask"),
        "werkzeug": importlib.metadata.version("werkzeug"),
        "versions": versions,
        "git": git_state(),
        "rounds": rounds,
        "sessions": sessions,
        "batch_ms": batch_ns / 1e6,
        "quick": args.quick,
        "corsx_patterns": args.corsx_patterns,
        "clock": args.clock,
        "pinned_cpu": cpu,
        "elapsed_s": round(time.monotonic() - started, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    report = render_report(meta, scenarios, contestants, cells, results, startup, memory,
                           behaviour)
    print(report)
    if args.json:
        dump = {
            "meta": meta,
            "summary": results["summary"],
            "scenarios": results["scenarios"],
            "cells": [
                {"scenario": cell.scenario.name, "contestant": cell.contestant, "n": cell.n,
                 "session": cell.session, "wall_ns_per_call": cell.wall_ns_per_call,
                 "cpu_ns_per_call": cell.cpu_ns_per_call, "problems": cell.problems,
                 "quirks": cell.quirks, "observed": cell.observed}
                for cell in cells.values()
            ],
            "startup": startup,
            "memory": memory,
            "behaviour": behaviour,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dump, f, indent=1)
        log(f"results saved to {args.json}")
    log(f"done in {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


def start_workers(contestants: list[str], pattern_style: str,
                  cpu: int | None) -> dict[str, Worker]:
    """One fresh worker per contestant, started side by side."""
    workers: dict[str, Worker] = {}
    try:
        for c in contestants:
            workers[c] = Worker(c, pattern_style, cpu)
        for c, w in workers.items():
            try:
                w.ready()
            except WorkerError as exc:
                raise SystemExit(f"error: {exc}\n(run without it: --contestants "
                                 f"{','.join(x for x in contestants if x != c)})") from None
    except BaseException:
        for w in workers.values():
            w.close()
        raise
    return workers


def verify(workers: dict[str, Worker], cells: dict[tuple[str, str], Cell],
           scenarios: list[Scenario], contestants: list[str], first: bool) -> None:
    """Build every scenario in every worker and check its answers (in each session, since
    the workers are new; failures are reported once, and such cells are never timed)."""
    for c in contestants:  # pipelined: the workers build their apps side by side
        for s in scenarios:
            if (s.name, c) in cells:
                workers[c].send(cmd="prepare", scenario=s.name)
    for c in contestants:
        for s in scenarios:
            cell = cells.get((s.name, c))
            if cell is None:
                continue
            reply = workers[c].recv()
            problems: list[str] = []
            quirks: list[str] = []
            observed = ""
            if not reply.get("ok"):
                problems = [f"could not build or call the app: {reply.get('error')}"]
            else:
                reqs = s.requests()
                sent = reqs if len(reqs) == 1 else [reqs[0], reqs[-1]]
                for req, (status, headers) in zip(sent, reply["answers"]):
                    p, q = check(c, s, status, headers, req["headers"].get("Origin"))
                    problems += [x for x in p if x not in problems]
                    quirks += [x for x in q if x not in quirks]
                    observed = observed or f"{status}; {describe_cors(headers)}"
            if first:
                cell.problems, cell.quirks, cell.observed = problems, quirks, observed
                if problems:
                    log(f"VERIFICATION FAILED: {c} in {s.name} ({observed or 'no response'}): "
                        f"{'; '.join(problems)} -- not timed")
            elif problems and not cell.problems:
                raise WorkerError(f"{c} in {s.name}: passed verification in the first session "
                                  f"but not in a later one: {'; '.join(problems)}")


def calibrate(workers: dict[str, Worker], cells: dict[tuple[str, str], Cell],
              batch_ns: int) -> None:
    """Per cell, the batch size N that lasts about batch_ns (kept for all sessions)."""
    timed = [cell for cell in cells.values() if not cell.problems]
    log(f"calibrating {len(timed)} cells")
    for cell in timed:
        est = workers[cell.contestant].must(cmd="calibrate", scenario=cell.scenario.name,
                                            min_ns=min(batch_ns, 20_000_000))["ns_per_call"]
        cell.n = max(1, min(1_000_000, round(batch_ns / est)))
        cell.wall_ns_per_call, cell.cpu_ns_per_call, cell.session = [], [], []


def run_round(workers: dict[str, Worker], cells: dict[tuple[str, str], Cell],
              scenarios: list[Scenario], contestants: list[str], r: int, session: int) -> None:
    """One batch per scenario per contestant, the contestants' order rotated by round."""
    for s in scenarios:
        present = [c for c in contestants
                   if (s.name, c) in cells and not cells[(s.name, c)].problems]
        k = r % len(present) if present else 0
        for c in present[k:] + present[:k]:
            cell = cells[(s.name, c)]
            warmup = min(cell.n // 10 + 1, cell.n)
            reply = workers[c].must(cmd="run", scenario=s.name, n=cell.n, warmup=warmup)
            assert cell.wall_ns_per_call is not None and cell.cpu_ns_per_call is not None
            assert cell.session is not None
            cell.wall_ns_per_call.append(reply["ns"] / cell.n)
            cell.cpu_ns_per_call.append(reply["cpu_ns"] / cell.n)
            cell.session.append(session)


def git_state() -> str | None:
    """The checkout's commit, and whether flask_corsx/ differs from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "flask_corsx"],
                               cwd=REPO_ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + (" + uncommitted changes in flask_corsx/" if dirty else "")


def load_average() -> float | None:
    """The 1-minute load average, where the OS has one."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def worker_cpu(no_pin: bool) -> int | None:
    if no_pin or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[-1] if len(cpus) >= 2 else None


def probe_behaviour(workers: dict[str, Worker], contestants: list[str]) -> JSON:
    out: JSON = {}
    for label, config, req in BEHAVIOUR_PROBES:
        row: JSON = {}
        for c in contestants:
            if c not in LIBRARIES:
                continue
            reply = workers[c].call(cmd="probe", config=config, req=req)
            if reply.get("ok"):
                row[c] = f"{reply['status']}; {describe_cors(reply['headers'])}"
            else:
                row[c] = f"error: {reply.get('error')}"
        out[label] = row
    return out


def summarize(scenarios: list[Scenario], contestants: list[str],
              cells: dict[tuple[str, str], Cell]) -> JSON:
    per_scenario: JSON = {}
    for s in scenarios:
        bare = cells.get((s.name, "bare"))
        if bare is None or not bare.ns_per_call:
            continue
        q1, med, q3 = quartiles(bare.ns_per_call)
        entry: JSON = {"bare": {"median_ns": med, "q1_ns": q1, "q3_ns": q3,
                                "min_ns": min(bare.ns_per_call),
                                "max_ns": max(bare.ns_per_call), "n": bare.n}}
        for c in contestants:
            cell = cells.get((s.name, c))
            if c == "bare" or cell is None:
                continue
            if not cell.ns_per_call:
                entry[c] = {"failed": cell.problems}
                continue
            diffs = [x - b for x, b in zip(cell.ns_per_call, bare.ns_per_call)]
            d1, dmed, d3 = quartiles(diffs)
            entry[c] = {
                "median_ns": statistics.median(cell.ns_per_call),
                "overhead_ns": dmed, "overhead_q1_ns": d1, "overhead_q3_ns": d3,
                "overhead_min_ns": min(diffs), "overhead_max_ns": max(diffs),
                "overhead_pct": 100 * dmed / med, "n": cell.n,
            }
        entry["corsx_over_flask_cors"] = ratio(overhead(entry, "flask_corsx"),
                                               overhead(entry, "flask_cors"))
        per_scenario[s.name] = entry

    ratios = [per_scenario[name]["corsx_over_flask_cors"] for name in GEOMEAN_SCENARIOS
              if name in per_scenario and per_scenario[name]["corsx_over_flask_cors"]]
    summary: JSON = {
        "geomean_scenarios": [n for n in GEOMEAN_SCENARIOS if n in per_scenario
                              and per_scenario[n]["corsx_over_flask_cors"]],
        "geomean_corsx_over_flask_cors": geomean(ratios) if ratios else None,
        "geomean_target": GEOMEAN_TARGET,
        "corsx_over_floor_get": ratio(overhead(per_scenario.get("get"), "flask_corsx"),
                                      overhead(per_scenario.get("get"), "floor")),
        "floor_target": FLOOR_TARGET,
        "flatness": [],
    }
    positive = [name for name in summary["geomean_scenarios"]
                if (overhead(per_scenario[name], "flask_corsx") or 0) >= MIN_OVERHEAD_NS]
    summary["geomean_positive_scenarios"] = positive
    summary["geomean_positive"] = (
        geomean([per_scenario[n]["corsx_over_flask_cors"] for n in positive]) if positive else None
    )
    for label, big, small, target, info in FLATNESS:
        row: JSON = {"label": label, "big": big, "small": small, "target": target, "info": info}
        for c in LIBRARIES:
            row[c] = ratio(overhead(per_scenario.get(big), c),
                           overhead(per_scenario.get(small), c))
        summary["flatness"].append(row)
    return {"scenarios": per_scenario, "summary": summary}


def overhead(entry: JSON | None, contestant: str) -> float | None:
    if not entry or contestant not in entry or "overhead_ns" not in entry[contestant]:
        return None
    value: float = entry[contestant]["overhead_ns"]
    return value


# --------------------------------------------------------------------------- report


def fmt_us(ns: float) -> str:
    us = ns / 1000
    if abs(us) >= 1000:
        return f"{us:,.0f}"
    if abs(us) >= 100:
        return f"{us:.0f}"
    if abs(us) >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}"


def verdict(x: float | None, target: float) -> str:
    if x is None:
        return "n/a"
    return "PASS" if x <= target else "**FAIL**"


def render_report(meta: JSON, scenarios: list[Scenario], contestants: list[str],
                  cells: dict[tuple[str, str], Cell], results: JSON, startup: JSON,
                  memory: JSON, behaviour: JSON) -> str:
    lines: list[str] = []
    add = lines.append
    versions = ", ".join(f"{c} {v}" for c, v in meta["versions"].items() if c in LIBRARIES)
    add(f"# CORS benchmark ({'quick' if meta['quick'] else 'full'} run)\n")
    add(f"Python {meta['python']} ({meta['implementation']}, {meta['machine']}, "
        f"{meta['cpus']} CPUs), Flask {meta['flask']}, Werkzeug {meta['werkzeug']}; "
        f"{versions} (checkout {meta['git'] or 'unknown'}). {meta['rounds']} rounds in "
        f"{meta['sessions']} worker session(s), "
        f"batches of ~{meta['batch_ms']:g} ms, "
        f"{'CPU time' if meta['clock'] == 'cpu' else 'wall-clock time'}, "
        f"workers pinned to CPU {meta['pinned_cpu']}; flask_corsx pattern origins given as "
        f"{meta['corsx_patterns']}; {meta['date']}; 1-minute load average "
        f"{meta['load_average_before']} before, {meta['load_average_after']} after.\n")
    others = [c for c in contestants if c != "bare"]
    add("Per request: bare = median ns of plain Flask [IQR over rounds]; others = median "
        "overhead over bare in µs (paired per round), % of bare, and the IQR of that overhead "
        "in µs. Ratio = flask_corsx overhead / flask-cors overhead.\n")
    header = ["scenario", "bare ns/req"] + [f"{c} Δµs (% bare) ±IQR" for c in others]
    if "flask_cors" in others and "flask_corsx" in others:
        header.append("corsx / flask-cors")
    add("| " + " | ".join(header) + " |")
    add("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    per = results["scenarios"]
    for s in scenarios:
        entry = per.get(s.name)
        if entry is None:
            add(f"| {s.name} | n/a |" + " |" * (len(header) - 2))
            continue
        b = entry["bare"]
        row = [s.name, f"{b['median_ns']:,.0f} [{b['q1_ns']:,.0f}-{b['q3_ns']:,.0f}]"]
        for c in others:
            e = entry.get(c)
            if e is None:
                row.append("-")
            elif "failed" in e:
                row.append("verification failed")
            else:
                flag = "†" if e["overhead_ns"] < MIN_OVERHEAD_NS else ""
                iqr = e["overhead_q3_ns"] - e["overhead_q1_ns"]
                row.append(f"{fmt_us(e['overhead_ns'])}{flag} ({e['overhead_pct']:.0f}%) "
                           f"±{fmt_us(iqr)}")
        if len(header) > len(row):
            row.append(fmt_ratio(entry.get("corsx_over_flask_cors")))
        add("| " + " | ".join(row) + " |")
    add(f"\n† overhead below {MIN_OVERHEAD_NS:.0f} ns (noise level); ratios use "
        f"{MIN_OVERHEAD_NS:.0f} ns for it.\n")

    sm = results["summary"]
    add("## Targets (flask_corsx)\n")
    add("| measure | value | target | verdict |")
    add("|---|---:|---:|---|")
    g = sm["geomean_corsx_over_flask_cors"]
    n_geo = len(sm["geomean_scenarios"])
    add(f"| geomean overhead ratio vs flask-cors over {n_geo} of {len(GEOMEAN_SCENARIOS)} "
        f"scenarios ({', '.join(sm['geomean_scenarios']) or 'none'}) | {fmt_ratio(g)}"
        f"{f' (1/{1 / g:.1f})' if g else ''} | ≤ {GEOMEAN_TARGET:.3f} (1/8) | "
        f"{verdict(g, GEOMEAN_TARGET)} |")
    gp = sm["geomean_positive"]
    left_out = [n for n in sm["geomean_scenarios"] if n not in sm["geomean_positive_scenarios"]]
    if left_out and gp is not None:
        add(f"| same, leaving out where flask_corsx is not slower than bare "
            f"({', '.join(left_out)}) | {fmt_ratio(gp)} (1/{1 / gp:.1f}) | (info) | "
            f"{verdict(gp, GEOMEAN_TARGET)} |")
    fl = sm["corsx_over_floor_get"]
    add(f"| overhead vs floor, simple GET | {fmt_ratio(fl)} | ≤ {FLOOR_TARGET:g} | "
        f"{verdict(fl, FLOOR_TARGET)} |")
    for row in sm["flatness"]:
        x = row.get("flask_corsx")
        fc = row.get("flask_cors")
        info = " (info)" if row["info"] else ""
        add(f"| flatness {row['label']} (flask-cors: {fmt_ratio(fc)}) | {fmt_ratio(x)} | "
            f"≤ {row['target']:g}{info} | {verdict(x, row['target'])} |")

    failed = [cell for cell in cells.values() if cell.problems]
    if failed:
        add("\n## Verification failures (not timed)\n")
        for cell in failed:
            add(f"- **{cell.contestant}** in `{cell.scenario.name}` "
                f"({cell.observed or 'no response'}): {'; '.join(cell.problems or [])}")
    quirky: dict[str, list[str]] = {}
    for cell in cells.values():
        for q in cell.quirks or []:
            quirky.setdefault(f"{cell.contestant}: {q}", []).append(cell.scenario.name)
    if quirky:
        add("\n## Accepted quirks\n")
        for q, names in quirky.items():
            add(f"- {q} — in {', '.join(names)}")

    if behaviour:
        libs = [c for c in LIBRARIES if c in contestants]
        add("\n## Observed behaviour (untimed probes)\n")
        add("| probe | " + " | ".join(libs) + " |")
        add("|---|" + "---|" * len(libs))
        for label, row in behaviour.items():
            add(f"| {label} | " + " | ".join(row.get(c, "-") for c in libs) + " |")

    if startup:
        add("\n## Start-up (fresh subprocess each, median)\n")
        add("| contestant | import (ms, Flask already imported) | CORS(app) (µs) | "
            "CORS(app, resources=1,000) (ms) | first request after it (ms) |")
        add("|---|---:|---:|---:|---:|")
        for c in contestants:
            if c == "floor":
                continue
            imp = startup.get("import", {}).get(c, {}).get("ns")
            app_ns = startup.get("cors_app", {}).get(c, {}).get("construct_ns")
            res = startup.get("cors_resources_1000", {}).get(c, {})
            add(f"| {c} | {imp / 1e6:.1f} | " if imp is not None else f"| {c} | - | ")
            lines[-1] += (f"{app_ns / 1e3:.0f} | " if app_ns is not None else "- | ")
            lines[-1] += (f"{res['construct_ns'] / 1e6:.2f} | "
                          if res.get("construct_ns") is not None else "- | ")
            lines[-1] += (f"{res['first_request_ns'] / 1e6:.2f} |"
                          if res.get("first_request_ns") is not None else "- |")

    if memory:
        add("\n## Memory after building the 10,000-origin app and one request\n")
        add("| contestant | RSS (MiB) | RSS growth from CORS (MiB) | peak RSS (MiB) | "
            "traced by tracemalloc (KiB) |")
        add("|---|---:|---:|---:|---:|")
        mib = 1024 * 1024
        for c, m in memory.items():
            delta = m.get("rss_delta_bytes")
            add(f"| {c} | {m['rss_bytes'] / mib:.1f} | "
                f"{delta / mib:.2f} | " if delta is not None else f"| {c} | - | - | ")
            lines[-1] += f"{m['maxrss_bytes'] / mib:.1f} | {m['traced_bytes'] / 1024:,.0f} |"
    add(f"\n(whole run: {meta['elapsed_s']} s)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Side-by-side benchmark: bare Flask, flask-cors, flask_corsx and a floor.")
    p.add_argument("--quick", action="store_true",
                   help="few rounds and short batches (a few seconds per scenario)")
    p.add_argument("--json", metavar="PATH", help="save all results (raw rounds too) as JSON")
    p.add_argument("--only", metavar="SCENARIO,...",
                   help="comma-separated scenario names or shell patterns (e.g. 'get,origins_*')")
    p.add_argument("--contestants", default=",".join(CONTESTANTS),
                   help=f"comma-separated subset of {','.join(CONTESTANTS)} (bare is required)")
    p.add_argument("--rounds", type=int, help="rounds (default 20, --quick 5)")
    p.add_argument("--sessions", type=int,
                   help="start fresh workers this many times over the rounds, so that no one "
                        "process's luck (memory layout, hash seeds) decides a figure "
                        "(default 4, --quick 1)")
    p.add_argument("--batch-ms", type=float,
                   help="target duration of one batch in ms (default 80, --quick 30)")
    p.add_argument("--corsx-patterns", choices=PATTERN_STYLES, default=DEFAULT_CORSX_PATTERNS,
                   help="how flask_corsx is given the pattern origins: regex strings (as "
                        "flask-cors), compiled re.Pattern, or wildcards 'https://*.exampleN.com'")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="what the report is computed from: wall time (time.perf_counter_ns, "
                        "the default) or the worker's CPU time (time.process_time_ns), which "
                        "leaves out time other processes took on a busy machine; the JSON "
                        "keeps both")
    p.add_argument("--no-startup", action="store_true",
                   help="skip the start-up and memory measurements")
    p.add_argument("--no-pin", action="store_true", help="do not pin the workers to one CPU")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--profile", metavar="CONTESTANT:SCENARIO,...",
                   help="instead of benchmarking, cProfile these (e.g. flask_corsx:get)")
    p.add_argument("--profile-seconds", type=float, default=2.0, help=argparse.SUPPRESS)
    # internal: the subprocess modes
    p.add_argument("--worker", choices=CONTESTANTS, help=argparse.SUPPRESS)
    p.add_argument("--startup-probe", nargs=2, metavar=("C", "WHAT"), help=argparse.SUPPRESS)
    p.add_argument("--memory-probe", nargs=2, metavar=("C", "MODE"), help=argparse.SUPPRESS)
    p.add_argument("--profile-worker", nargs=2, metavar=("C", "S"), help=argparse.SUPPRESS)
    p.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.corsx_patterns, args.cpu)
    if args.startup_probe:
        pin_to_cpu(args.cpu)
        print(json.dumps(startup_probe(*args.startup_probe)))
        return 0
    if args.memory_probe:
        pin_to_cpu(args.cpu)
        print(json.dumps(memory_probe(*args.memory_probe)))
        return 0
    if args.profile_worker:
        c, s = args.profile_worker
        return profile_main(c, s, args.corsx_patterns, args.profile_seconds, args.cpu,
                            args.clock)
    if args.list:
        for s in all_scenarios():
            who = "all" if s.floor else "bare, flask_cors, flask_corsx"
            print(f"{s.name:26} {s.method:7} {s.path:20} config={s.config:16} ({who})")
        return 0
    if args.profile:
        return run_profiles(args)
    return run_benchmark(args)


def run_profiles(args: argparse.Namespace) -> int:
    names = {s.name for s in all_scenarios()}
    cpu = worker_cpu(args.no_pin)
    for item in args.profile.split(","):
        c, _, s = item.strip().partition(":")
        if c not in CONTESTANTS or s not in names:
            raise SystemExit(f"--profile wants CONTESTANT:SCENARIO, got {item!r}")
        cmd = [sys.executable, os.path.abspath(__file__), "--profile-worker", c, s,
               "--corsx-patterns", args.corsx_patterns,
               "--profile-seconds", str(args.profile_seconds), "--clock", args.clock]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        sys.stdout.flush()
        code = subprocess.call(cmd, env=child_env())
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())

