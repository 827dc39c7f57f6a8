#!/usr/bin/env python3
"""What each contestant costs under a real WSGI server, counted in CPU instructions.

The wall-clock benchmark (``e2e.py``) is what users see, but on a shared machine its figures
move by more than the differences it is after: bare Flask against itself differs by up to 10 %
from one round to the next. Instructions do not move. Each contestant (``e2e_app.py``) is
served by gunicorn (one sync worker, or one gthread worker) or waitress (one thread) under
``valgrind --tool=callgrind``, on 127.0.0.1, and sent requests one at a time. Each cell is
served twice, with ``--few`` and with ``--many`` requests of its scenario after the same
warm-up; the difference between the two counts of the serving process, divided by the
difference in requests, is what one request costs the server: its HTTP parsing, the app, the
CORS layer, the response writing. Start-up and warm-up cancel out.

Beside bare Flask, flask-cors and flask_corsx runs ``floor``: one after_request hook that
appends the headers flask_corsx sends on an allowed request and decides nothing. No CORS layer
that works through Flask's hooks and sends those headers can cost less than it.

    bash benchmarks/instructions.sh               # every cell, about 20 minutes on 2 cores
    bash benchmarks/instructions.sh --servers gunicorn-sync --scenarios get

Scenarios: ``get`` (GET /api/items, allowed Origin), ``preflight`` (OPTIONS for PUT with two
request headers), ``mix`` (GET /mix/items; every second Origin is one of 100 allowed ones
in turn, the others are refused and each one is new, so no cache helps them).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVE = ROOT / "tests" / "e2e" / "serve.py"

# The end-to-end benchmark's scenarios, servers and app: the same cells, counted instead of timed.
from e2e import SCENARIOS, chosen  # noqa: E402
from e2e_app import ORIGIN  # noqa: E402
from e2e_harness import WSGI_SERVERS  # noqa: E402

CONTESTANTS = ("bare", "floor", "flask_cors", "flask_corsx")
WARMUP = 30
START_TIMEOUT = 120.0


#: The proposed bar: how far above the floor flask_corsx may be, in % of a bare request.
FLOOR_MARGIN = 2.0


def above_floor(row: dict[str, float]) -> float:
    """How much more than the floor flask_corsx costs, in % of a bare request."""
    return (row["flask_corsx"] - row["floor"]) / row["bare"] * 100


def request_for(scenario: str, i: int) -> tuple[str, str, dict[str, str]]:
    if scenario == "get":
        return "GET", "/api/items", {"Origin": ORIGIN}
    if scenario == "preflight":
        return "OPTIONS", "/api/items", {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type, x-requested-with",
        }
    if i % 2 == 0:
        origin = f"https://app{(i // 2) % 100}.example.com"
    else:
        origin = f"https://o{i}.refused.example"
    return "GET", "/mix/items", {"Origin": origin}


def send(port: int, scenario: str, start: int, count: int) -> None:
    """``count`` requests, one at a time, on a kept-alive connection where the server keeps it
    (gunicorn's sync worker closes each one, and http.client then opens a new one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for i in range(start, start + count):
            method, path, headers = request_for(scenario, i)
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{method} {path} answered {response.status}")
    finally:
        conn.close()


def wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                sock.sendall(b"GET /__ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(12).startswith(b"HTTP/1"):
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)


def count_one(server: str, contestant: str, scenario: str, requests: int) -> int:
    """Instructions the serving process executed in its whole life, serving ``requests``."""
    workdir = Path(tempfile.mkdtemp(prefix="corsx-instructions-"))
    log = workdir / "server.log"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = int(sock.getsockname()[1])
    env = dict(os.environ, CORSX_E2E_IMPL=contestant, PYTHONHASHSEED="0",
               PYTHONPATH=os.pathsep.join([str(HERE), str(SERVE.parent)]))
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir}/cg.%p",
           sys.executable, str(SERVE), "--server", server, "--app", "e2e_app:create_app",
           "--fd", str(sock.fileno()), "--workers", "1", "--threads", "1"]
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, env=env, pass_fds=(sock.fileno(),), stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    cwd=workdir)
        sock.close()
        try:
            wait_ready(port, proc, log)
            send(port, scenario, 0, WARMUP)
            send(port, scenario, WARMUP, requests)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
        # gunicorn: the worker's file (the master only watches); waitress: its only one.
        counts = {}
        for path in workdir.glob("cg.*"):
            match = re.search(r"^summary:\s*(\d+)", path.read_text(errors="replace"), re.M)
            if match:
                counts[int(path.name.split(".")[1])] = int(match.group(1))
        workers = [n for pid, n in counts.items() if pid != proc.pid] or list(counts.values())
        if len(workers) != 1:
            raise RuntimeError(f"expected one serving process, found {counts}")
        return workers[0]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default=",".join(WSGI_SERVERS))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--few", type=int, default=50)
    parser.add_argument("--many", type=int, default=350)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="also write the counts as JSON to this path")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        print("valgrind is missing: apt-get install valgrind", file=sys.stderr)
        return 2
    servers = chosen(parser, args.servers, WSGI_SERVERS, "server")
    scenarios = chosen(parser, args.scenarios, SCENARIOS, "scenario")
    cells = [(server, scenario, contestant, n) for server in servers for scenario in scenarios
             for contestant in CONTESTANTS for n in (args.few, args.many)]
    started = time.monotonic()
    totals: dict[tuple[str, str, str, int], int] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(count_one, s, c, sc, n): (s, sc, c, n) for s, sc, c, n in cells}
        for future in concurrent.futures.as_completed(futures):
            totals[futures[future]] = future.result()
            print(f"  {' '.join(map(str, futures[future]))}: {totals[futures[future]]:,}",
                  file=sys.stderr)
    per_request: dict[str, Any] = {}
    lines = [f"Instructions per request (callgrind, {args.many - args.few} requests: "
             f"{args.many} minus {args.few}, after {WARMUP} of warm-up), ratio to bare Flask:",
             "", "| server | scenario | bare | floor | flask-cors | flask_corsx "
             "| flask_corsx above the floor, % of bare |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for server in servers:
        for scenario in scenarios:
            row = {}
            for contestant in CONTESTANTS:
                many = totals[(server, scenario, contestant, args.many)]
                few = totals[(server, scenario, contestant, args.few)]
                row[contestant] = (many - few) / (args.many - args.few)
            per_request[f"{server}/{scenario}"] = row
            bare = row["bare"]
            lines.append(
                f"| {server} | {scenario} | {bare:,.0f} | {row['floor']:,.0f} "
                f"({row['floor'] / bare:.3f}) | {row['flask_cors']:,.0f} "
                f"({row['flask_cors'] / bare:.3f}) | {row['flask_corsx']:,.0f} "
                f"({row['flask_corsx'] / bare:.3f}) | "
                f"{above_floor(row):.1f} |")
    lines += ["", f"Proposed bar (not yet the issue's target): flask_corsx at most "
              f"{FLOOR_MARGIN:g} % of a bare request above the floor on GETs and the mix, and at "
              "most bare Flask's cost on preflights."]
    for key, row in per_request.items():
        scenario = key.split("/")[1]
        met = (row["flask_corsx"] <= row["bare"] if scenario == "preflight"
               else above_floor(row) <= FLOOR_MARGIN)
        lines.append(f"- {key}: {'meets it' if met else 'misses it'}")
    print("\n".join(lines))
    print(f"(took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(per_request, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
