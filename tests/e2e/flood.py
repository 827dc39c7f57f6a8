"""A flood of hostile CORS values against flask_corsx under gunicorn, and what it must not do.

Shared by the CI test (tests/e2e/test_flood.py, seconds) and the opt-in soak
(benchmarks/soak.sh, minutes). The app is the end-to-end benchmark's (benchmarks/e2e_app.py,
flask_corsx, 1,000 allowed origins on ``/mix/*``) under gunicorn with two sync workers; a
second, identical server (the *twin*) is never flooded.

1. **Warm-up flood**: wrk with ``CORSX_WRK_MODE=flood`` sends requests in which every Origin,
   every path and every Access-Control-Request-Headers value is new (half are preflights),
   and checks each response: status 200, no Allow-Origin for a hostile origin, ``Vary:
   Origin`` (FETCH-R1, FETCH-O2). The workers' resident memory after it is the reference.
2. **Segments**: more flood (fresh values each time); after each one, a legitimate probe
   (GETs with an allowed Origin, one at a time: the latency a visitor sees when no queue is
   in the way) alternating request by request between the flooded server and its twin, and
   a memory sample.

Pass: zero wrong responses and zero wrk errors; the flooded server's legitimate median
latency within ``latency_tolerance`` of the twin's (the unloaded figure, taken at the same
moment, so other jobs on the machine shift both alike), judged on the median over segments
of the per-segment ratios, divided by the same ratio measured before the flood (two
identical servers differ by a few per cent on a busy machine, whichever is started first;
plain Flask shows the same, see ``--impl bare``); the worst segment is reported. So whatever
state the flood leaves behind (full and cleared memos, cold caches) costs legitimate visitors
nothing. And each worker's RSS, after every segment, never more than ``rss_bound_kib`` above
its reference; no worker replaced.
The latency *during* the flood is queueing behind the flood itself and is reported, not
judged.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from e2e_harness import ROOT, ServerProcess, rss_kib, start_wsgi

BENCHMARKS = ROOT / "benchmarks"


def _run_wrk(*args: Any, **kwargs: Any) -> dict[str, Any]:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    from e2e import run_wrk

    result: dict[str, Any] = run_wrk(*args, **kwargs)
    return result


@dataclass
class Segment:
    hostile_requests: int
    flood_rps: float
    flood_p50_us: float  # latency of the flood's own requests (queueing included)
    probe_p50_us: float  # legitimate, flooded server, after the segment
    twin_p50_us: float  # legitimate, never-flooded twin, same moment
    rss_kib: list[int]  # per worker, after the segment

    @property
    def ratio(self) -> float:
        return self.probe_p50_us / self.twin_p50_us


@dataclass
class FloodResult:
    reference_rss_kib: list[int]
    before_probe_p50_us: float
    before_twin_p50_us: float
    segments: list[Segment] = field(default_factory=list)
    peak_rss_kib: list[int] = field(default_factory=list)
    bad: int = 0
    errors: int = 0
    first_bad: str = ""
    hostile_requests: int = 0
    elapsed_s: float = 0.0
    workers_replaced: bool = False

    @property
    def distinct_origins(self) -> int:
        # Every flood request has its own Origin and path; every second one is a preflight
        # with its own Access-Control-Request-Headers value (see e2e_check.lua).
        return self.hostile_requests

    @property
    def distinct_acrh(self) -> int:
        return self.hostile_requests // 2

    @property
    def max_rss_growth_kib(self) -> int:
        return max((now - ref for seg in self.segments
                    for now, ref in zip(seg.rss_kib, self.reference_rss_kib)), default=0)

    @property
    def worst_ratio(self) -> float:
        return max((s.ratio for s in self.segments), default=float("nan"))

    @property
    def median_ratio(self) -> float:
        return statistics.median(s.ratio for s in self.segments) if self.segments else 0.0

    @property
    def before_ratio(self) -> float:
        """Flooded/twin before any flood: two identical servers, so anything but 1.0 is an
        artefact of the measurement (which instance started first, where it runs)."""
        return self.before_probe_p50_us / self.before_twin_p50_us

    @property
    def judged_ratio(self) -> float:
        """The median ratio after the segments over the ratio before the flood."""
        return self.median_ratio / self.before_ratio

    def summary(self) -> str:
        segs = self.segments
        return "\n".join([
            f"hostile requests {self.hostile_requests:,} in {self.elapsed_s:.0f} s: "
            f"{self.distinct_origins:,} distinct Origins, {self.distinct_origins:,} distinct "
            f"paths, {self.distinct_acrh:,} distinct Access-Control-Request-Headers values",
            f"wrong responses {self.bad}, wrk errors {self.errors}"
            + (f" (first: {self.first_bad})" if self.first_bad else ""),
            f"legitimate GET p50 before the flood: {self.before_probe_p50_us:.0f} us "
            f"(twin {self.before_twin_p50_us:.0f} us)",
            "legitimate GET p50 after each segment, flooded/twin us: "
            + ", ".join(f"{s.probe_p50_us:.0f}/{s.twin_p50_us:.0f}" for s in segs),
            f"ratio flooded/twin: before the flood {self.before_ratio:.3f}; after the segments "
            f"median {self.median_ratio:.3f}, worst {self.worst_ratio:.3f}; judged (median "
            f"after / before) {self.judged_ratio:.3f}",
            f"RSS per worker after warm-up {self.reference_rss_kib} KiB; largest growth after "
            f"it {self.max_rss_growth_kib} KiB; peak {self.peak_rss_kib} KiB",
            "flood: req/s per segment " + ", ".join(f"{s.flood_rps:.0f}" for s in segs)
            + "; its own p50 per segment (queueing included) "
            + ", ".join(f"{s.flood_p50_us / 1000:.1f}" for s in segs) + " ms",
        ])


class RssSampler(threading.Thread):
    """Samples the workers' RSS every ``interval`` s, keeping the peak per worker."""

    def __init__(self, pids: list[int], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.interval = interval
        self.peak = [rss_kib(pid) for pid in pids]
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            for i, pid in enumerate(self.pids):
                self.peak[i] = max(self.peak[i], rss_kib(pid))

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


LEGIT_ORIGIN = "https://app.example.com"


def timed_get(port: int, origin: str) -> tuple[int, bytes]:
    """One legitimate GET on a fresh connection (gunicorn's sync workers close each one):
    nanoseconds from connect to the server's close, and the response head."""
    request = (f"GET /api/items HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n"
               "Connection: close\r\n\r\n").encode()
    started = time.perf_counter_ns()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    elapsed = time.perf_counter_ns() - started
    return elapsed, b"".join(chunks).split(b"\r\n\r\n", 1)[0]


def alternating_probe(a: ServerProcess, b: ServerProcess, requests: int,
                      cors: bool = True) -> tuple[float, float, list[str]]:
    """Legitimate GETs, one at a time, alternating a, b, b, a, ...: each pair is sent within
    a millisecond, so whatever else the machine does hits both alike. The median latency (us)
    of each, and what was wrong with any response (status, Allow-Origin, Vary)."""
    times: dict[int, list[int]] = {a.port: [], b.port: []}
    wrong: list[str] = []
    expected = f"access-control-allow-origin: {LEGIT_ORIGIN}".encode()
    for i in range(requests):
        for server in ((a, b) if i % 2 == 0 else (b, a)):
            elapsed, head = timed_get(server.port, LEGIT_ORIGIN)
            times[server.port].append(elapsed)
            lines = head.lower().split(b"\r\n")
            if not cors:
                if not head.startswith(b"HTTP/1.1 200"):
                    wrong.append(f"GET to :{server.port}: {head[:300]!r}")
            elif not (head.startswith(b"HTTP/1.1 200") and expected in lines
                      and b"vary: origin" in lines):
                wrong.append(f"legitimate GET to :{server.port}: {head[:300]!r}")
    return (statistics.median(times[a.port]) / 1000, statistics.median(times[b.port]) / 1000,
            wrong)


def start_app(impl: str) -> ServerProcess:
    return start_wsgi(
        "gunicorn-sync", "e2e_app:create_app", workers=2,
        env={"CORSX_E2E_IMPL": impl, "PYTHONPATH": str(BENCHMARKS)},
    )


def run_flood(
    *,
    seconds: float,
    max_hostile: int,
    segments: int,
    warmup_seconds: float,
    probe_requests: int = 1000,
    connections: int = 8,
    impl: str = "flask_corsx",
    log: Any = None,
) -> FloodResult:
    """Flood for about ``seconds`` in all (or until ``max_hostile`` requests), in segments.

    ``impl="bare"`` floods plain Flask instead (a control: what the flood does to a server
    with no CORS at all); the response check then expects no CORS headers.
    """

    def say(text: str) -> None:
        if log is not None:
            print(text, file=log, flush=True)

    started = time.monotonic()
    flooded = start_app(impl)
    twin: ServerProcess | None = None
    sampler: RssSampler | None = None
    totals = {"bad": 0, "errors": 0, "requests": 0}
    first_bad = ""

    def account(result: dict[str, Any]) -> None:
        nonlocal first_bad
        totals["bad"] += result["bad"]
        totals["errors"] += result["errors"]
        if result["first_bad"] and not first_bad:
            first_bad = result["first_bad"]

    def paired_probe() -> tuple[float, float]:
        assert twin is not None
        flooded_p50, twin_p50, wrong = alternating_probe(flooded, twin, probe_requests,
                                                         cors=impl != "bare")
        if wrong:
            totals["bad"] += len(wrong)
            account({"bad": 0, "errors": 0, "first_bad": wrong[0]})
        return flooded_p50, twin_p50

    try:
        twin = start_app(impl)
        workers = flooded.worker_pids()
        alternating_probe(flooded, twin, 200, cors=impl != "bare")  # both warm up
        flooded_p50, twin_p50, wrong = alternating_probe(flooded, twin, 2 * probe_requests,
                                                         cors=impl != "bare")
        if wrong:
            totals["bad"] += len(wrong)
            account({"bad": 0, "errors": 0, "first_bad": wrong[0]})
        before, before_twin = flooded_p50, twin_p50
        say(f"before the flood: legitimate p50 {before:.0f} us (twin {before_twin:.0f} us)")

        def flood(run_seconds: float, seed: str) -> dict[str, Any]:
            result = _run_wrk(flooded.base, "flood", impl, run_seconds, connections,
                              extra_env={"CORSX_WRK_SEED": seed})
            account(result)
            totals["requests"] += result["requests"]
            return result

        flood(warmup_seconds, f"w{time.time_ns()}")
        reference = [rss_kib(pid) for pid in workers]
        say(f"after warm-up ({totals['requests']:,} hostile requests): RSS {reference} KiB")
        sampler = RssSampler(workers)
        sampler.start()
        probe_cost = 2 * probe_requests / 1000 + 1
        segment_seconds = max(1, round((seconds - warmup_seconds) / segments - probe_cost))
        done: list[Segment] = []
        for number in range(segments):
            if totals["requests"] >= max_hostile:
                break
            result = flood(segment_seconds, f"s{number}-{time.time_ns()}")
            probe_p50, twin_p50 = paired_probe()
            seg = Segment(result["requests"], result["rps"], float(result["p50_us"]),
                          probe_p50, twin_p50, [rss_kib(pid) for pid in workers])
            done.append(seg)
            say(f"segment {number + 1}/{segments}: {result['requests']:,} hostile at "
                f"{result['rps']:.0f} req/s, bad {result['bad']}, errors {result['errors']}; "
                f"legitimate p50 {probe_p50:.0f} us vs twin {twin_p50:.0f} us "
                f"({seg.ratio:.3f}); RSS {seg.rss_kib} KiB; {totals['requests']:,} so far")
        sampler.stop()
        return FloodResult(
            reference_rss_kib=reference,
            before_probe_p50_us=before,
            before_twin_p50_us=before_twin,
            segments=done,
            peak_rss_kib=sampler.peak,
            bad=totals["bad"],
            errors=totals["errors"],
            first_bad=first_bad,
            hostile_requests=totals["requests"],
            elapsed_s=time.monotonic() - started,
            workers_replaced=flooded.worker_pids() != workers or not flooded.alive(),
        )
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        flooded.stop()
        if twin is not None:
            twin.stop()


def check(result: FloodResult, *, latency_tolerance: float, rss_bound_kib: int) -> list[str]:
    """The soak's pass conditions: the problems found (empty when it passed)."""
    problems = []
    if result.bad or result.errors:
        problems.append(f"{result.bad} wrong responses, {result.errors} wrk errors "
                        f"({result.first_bad})")
    if result.workers_replaced:
        problems.append("a gunicorn worker died or was replaced during the flood")
    if not result.segments:
        problems.append("no flood segment ran")
    if result.segments and result.judged_ratio > 1 + latency_tolerance:
        problems.append(
            f"legitimate p50 after the segments is {result.judged_ratio:.3f}x the unflooded "
            f"twin's (median over segments, each: "
            + ", ".join(f"{s.ratio:.3f}" for s in result.segments)
            + f"; over the ratio before the flood, {result.before_ratio:.3f})")
    for number, seg in enumerate(result.segments, 1):
        for worker, (now, ref) in enumerate(zip(seg.rss_kib, result.reference_rss_kib)):
            if now - ref > rss_bound_kib:
                problems.append(f"segment {number}: worker {worker} RSS grew {now - ref} KiB "
                                f"after warm-up (bound {rss_bound_kib} KiB)")
    return problems
