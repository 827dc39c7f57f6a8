#!/usr/bin/env python3
"""End-to-end benchmark: bare Flask, flask-cors and flask_corsx under real WSGI servers.

Each contestant (``benchmarks/e2e_app.py`` with ``CORSX_E2E_IMPL`` set) is served by gunicorn
(sync workers, gthread workers) and waitress on 127.0.0.1, and loaded by ``wrk`` with
``benchmarks/e2e_check.lua``, which also checks the CORS headers of every response. Three
scenarios: a simple GET with an allowed Origin, a preflight, and GETs from many distinct
origins (half of them allowed, half refused). For each server, the three contestants run side
by side (one server process each, one loaded at a time), interleaved in ABBA rounds: round r
runs bare, bare_again, flask-cors, flask_corsx, and round r+1 the reverse, so drift hits all
alike. ``bare_again`` is bare Flask in a second server: how far its ratio to bare strays from
1.000 is the noise of the run.
Ratios to bare are paired per round and reported as medians.

    bash benchmarks/e2e.sh            # 4 rounds x 4 s per cell, about 11 minutes
    bash benchmarks/e2e.sh --quick    # 2 rounds x 2 s, about 3 minutes

Exit status 1 if flask_corsx sent any response with missing or wrong CORS headers, if any
run had wrk errors, or if a run produced no result.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_harness import (  # noqa: E402
    WSGI_SERVERS,
    ServerProcess,
    cpu_ns,
    find_tool,
    start_wsgi,
)

#: "bare_again" is bare Flask once more, in its own server: its ratio to bare is what the
#: machine's noise alone makes of two identical contestants (an A/A control), the yardstick
#: for reading the others' ratios.
CONTESTANTS = ("bare", "bare_again", "flask_cors", "flask_corsx")


def impl_of(contestant: str) -> str:
    return "bare" if contestant == "bare_again" else contestant
SCENARIOS = ("get", "preflight", "mix")
SCENARIO_TEXT = {
    "get": "simple GET, allowed Origin",
    "preflight": "preflight (PUT, two request headers)",
    "mix": "GETs from 20,000 distinct origins (half allowed)",
}
LUA = HERE / "e2e_check.lua"
#: wrk connections per server: twice the request slots (2 sync workers; 2x4 threads; 4 threads).
CONNECTIONS = {"gunicorn-sync": 4, "gunicorn-gthread": 8, "waitress": 8}
TARGET_RPS = 0.97
TARGET_P99 = 1.05

JSON = dict[str, Any]


def run_wrk(base: str, scenario: str, contestant: str, seconds: float, connections: int,
            extra_env: dict[str, str] | None = None) -> JSON:
    """One wrk run; its CORSX_RESULT line as a dict (raises if there is none)."""
    wrk = find_tool("wrk") or "wrk"
    env = dict(os.environ)
    env.update({
        "CORSX_WRK_MODE": scenario,
        "CORSX_WRK_CORS": "0" if impl_of(contestant) == "bare" else "1",
        "CORSX_WRK_DISTINCT": "20000",
    })
    env.update(extra_env or {})
    path = "/mix/items" if scenario == "mix" else "/api/items"
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
           "--latency", "-s", str(LUA), base + path]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                          timeout=seconds + 30, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("CORSX_RESULT "):
            result: JSON = json.loads(line.split(" ", 1)[1])
            secs = result["duration_us"] / 1e6
            result["rps"] = result["requests"] / secs if secs else 0.0
            result["errors"] = sum(result[k] for k in result if k.startswith("err_"))
            return result
    raise RuntimeError(f"wrk gave no result (exit {proc.returncode}):\n{proc.stdout}\n"
                       f"{proc.stderr}")


def start_contestants(kind: str) -> dict[str, ServerProcess]:
    servers: dict[str, ServerProcess] = {}
    try:
        for contestant in CONTESTANTS:
            servers[contestant] = start_wsgi(
                kind, "e2e_app:create_app", workers=2, threads=4,
                env={"CORSX_E2E_IMPL": impl_of(contestant), "PYTHONPATH": str(HERE)},
            )
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def bench_server(kind: str, scenarios: list[str], rounds: int, seconds: float,
                 warmup: float) -> list[JSON]:
    rows: list[JSON] = []
    servers = start_contestants(kind)
    try:
        conns = CONNECTIONS[kind]
        for scenario in scenarios:  # warm-up: imports, first requests, the CORS caches
            for contestant in CONTESTANTS:
                run_wrk(servers[contestant].base, scenario, contestant, warmup, conns)
        for rnd in range(rounds):
            order = CONTESTANTS if rnd % 2 == 0 else tuple(reversed(CONTESTANTS))
            for scenario in scenarios:
                for contestant in order:
                    pids = servers[contestant].pids()
                    cpu_before = cpu_ns(pids)
                    result = run_wrk(servers[contestant].base, scenario, contestant, seconds,
                                     conns)
                    # The server's own CPU time per request: what the contestant costs, far
                    # less sensitive to other jobs on a shared machine than req/s and latency.
                    result["cpu_us"] = (cpu_ns(pids) - cpu_before) / 1000 / max(
                        1, result["requests"])
                    result.update(server=kind, scenario=scenario, contestant=contestant,
                                  round=rnd)
                    rows.append(result)
                    print(f"  {kind:16} round {rnd + 1}/{rounds} {scenario:9} {contestant:11} "
                          f"{result['rps']:7.0f} req/s  p50 {result['p50_us'] / 1000:5.2f} ms  "
                          f"p99 {result['p99_us'] / 1000:6.2f} ms  "
                          f"cpu {result['cpu_us']:5.0f} us/req  bad {result['bad']}  "
                          f"errors {result['errors']}", file=sys.stderr)
    finally:
        for server in servers.values():
            server.stop()
    return rows


def cell(rows: list[JSON], kind: str, scenario: str, contestant: str) -> list[JSON]:
    return sorted((r for r in rows if (r["server"], r["scenario"], r["contestant"])
                   == (kind, scenario, contestant)), key=lambda r: r["round"])


def paired(rows: list[JSON], kind: str, scenario: str, contestant: str, key: str) -> float:
    """Median over rounds of contestant/bare for ``key``, paired within each round."""
    mine = cell(rows, kind, scenario, contestant)
    bare = {r["round"]: r for r in cell(rows, kind, scenario, "bare")}
    ratios = [r[key] / bare[r["round"]][key] for r in mine if bare[r["round"]][key]]
    return statistics.median(ratios) if ratios else float("nan")


def verdict(rps: float, p99: float, aa_rps: float, aa_p99: float) -> str:
    """PASS, or FAIL; "FAIL, within noise" when each target is missed by less than bare Flask
    missed itself by (the A/A control's distance from 1.000), so the run cannot tell."""
    if rps >= TARGET_RPS and p99 <= TARGET_P99:
        return "PASS"
    rps_miss = max(0.0, TARGET_RPS - rps)
    p99_miss = max(0.0, p99 - TARGET_P99)
    if rps_miss <= abs(1 - aa_rps) and p99_miss <= abs(1 - aa_p99):
        return "FAIL, within noise"
    return "FAIL"


def report(rows: list[JSON], servers: list[str], scenarios: list[str], meta: JSON) -> tuple[
        str, bool]:
    out: list[str] = []
    ok = True
    out.append(f"End-to-end benchmark, {meta['date']}: {meta['rounds']} ABBA rounds x "
               f"{meta['seconds']:g} s per cell, wrk 1 thread; {meta['machine']}; load average "
               f"{meta['load_before']:.1f} before, {meta['load_after']:.1f} after.\n")
    out.append("Medians over rounds; ratios are paired per round with bare Flask "
               "(rps: higher is better; latency and CPU: lower is better). Server CPU is the "
               "CPU time of the server's processes (master and workers) per request, from "
               "/proc/<pid>/stat. `bad` counts responses whose "
               "CORS headers were missing or wrong (all rounds), `errors` wrk's socket/status "
               "errors.\n")
    targets: list[str] = []
    for kind in servers:
        out.append(f"### {kind} ({CONNECTIONS[kind]} connections)\n")
        out.append("| scenario | contestant | req/s | vs bare | p50 ms | vs bare | p99 ms "
                   "| vs bare | server CPU µs/req | vs bare | bad | errors |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for scenario in scenarios:
            for contestant in CONTESTANTS:
                runs = cell(rows, kind, scenario, contestant)
                if not runs:
                    continue
                rps = statistics.median(r["rps"] for r in runs)
                p50 = statistics.median(r["p50_us"] for r in runs) / 1000
                p99 = statistics.median(r["p99_us"] for r in runs) / 1000
                cpu = statistics.median(r["cpu_us"] for r in runs)
                bad = sum(r["bad"] for r in runs)
                errors = sum(r["errors"] for r in runs)
                if contestant == "bare":
                    ratios = ("", "", "", "")
                    bad_text = "n/a"
                else:
                    rps_r = paired(rows, kind, scenario, contestant, "rps")
                    p50_r = paired(rows, kind, scenario, contestant, "p50_us")
                    p99_r = paired(rows, kind, scenario, contestant, "p99_us")
                    cpu_r = paired(rows, kind, scenario, contestant, "cpu_us")
                    ratios = (f"{rps_r:.3f}", f"{p50_r:.3f}", f"{p99_r:.3f}", f"{cpu_r:.3f}")
                    bad_text = "n/a" if impl_of(contestant) == "bare" else str(bad)
                    if contestant == "flask_corsx":
                        aa_rps = paired(rows, kind, scenario, "bare_again", "rps")
                        aa_p99 = paired(rows, kind, scenario, "bare_again", "p99_us")
                        targets.append(
                            f"| {kind} | {scenario} | {rps_r:.3f} | {p99_r:.3f} | "
                            f"{verdict(rps_r, p99_r, aa_rps, aa_p99)} | {1 / cpu_r:.3f} | "
                            f"{aa_rps:.3f} / {aa_p99:.3f} |")
                        if bad or errors:
                            ok = False
                if errors:
                    ok = False
                out.append(f"| {SCENARIO_TEXT[scenario]} | {contestant} | {rps:.0f} | "
                           f"{ratios[0]} | {p50:.2f} | {ratios[1]} | {p99:.2f} | {ratios[2]} | "
                           f"{cpu:.0f} | {ratios[3]} | {bad_text} | {errors} |")
        out.append("")
    out.append(f"Targets for flask_corsx: req/s at least {TARGET_RPS:.0%} of bare, p99 at most "
               f"{TARGET_P99:.2f}x bare, same run.\n")
    out.append("| server | scenario | req/s vs bare | p99 vs bare | target | capacity vs bare "
               "(bare CPU/req ÷ flask_corsx CPU/req) | noise: bare_again vs bare, req/s / p99 |")
    out.append("|---|---|---:|---:|---|---:|---:|")
    out.extend(targets)
    out.append("")
    return "\n".join(out), ok


def chosen(parser: argparse.ArgumentParser, value: str, known: tuple[str, ...],
           what: str) -> list[str]:
    """The names a comma-separated option such as ``--servers`` gives, each one checked."""
    names = [name for name in value.split(",") if name]
    for name in names:
        if name not in known:
            parser.error(f"unknown {what} {name!r}")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s per cell")
    parser.add_argument("--rounds", type=int, help="ABBA rounds (even; default 4)")
    parser.add_argument("--seconds", type=float, help="seconds per wrk run (default 4)")
    parser.add_argument("--servers", default=",".join(WSGI_SERVERS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", help="also write every run as JSON to this path")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 4)
    seconds = args.seconds or (2.0 if args.quick else 4.0)
    warmup = 1.0
    servers = chosen(parser, args.servers, WSGI_SERVERS, "server")
    scenarios = chosen(parser, args.scenarios, SCENARIOS, "scenario")
    load_before = os.getloadavg()[0]
    if load_before > (os.cpu_count() or 1) / 2:
        print(f"warning: load average {load_before:.1f}: the machine is busy, expect noise",
              file=sys.stderr)
    started = time.monotonic()
    rows: list[JSON] = []
    for kind in servers:
        rows.extend(bench_server(kind, scenarios, rounds, seconds, warmup))
    meta = {
        "date": datetime.date.today().isoformat(),
        "rounds": rounds,
        "seconds": seconds,
        "machine": f"{os.cpu_count()} cores {platform.machine()}, CPython "
                   f"{platform.python_version()}, Flask {metadata.version('flask')}, "
                   f"flask-cors {metadata.version('flask-cors')}, gunicorn "
                   f"{metadata.version('gunicorn')}, waitress {metadata.version('waitress')}",
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "elapsed_s": time.monotonic() - started,
    }
    text, ok = report(rows, servers, scenarios, meta)
    print(text)
    print(f"(took {meta['elapsed_s']:.0f} s)", file=sys.stderr)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"meta": meta, "runs": rows}, indent=1))
    if not ok:
        print("FAILED: flask_corsx sent wrong CORS headers, or wrk saw errors", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
