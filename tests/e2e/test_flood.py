"""A short flood in CI: hostile Origins, paths and request-header names by the ten thousand.

The same run as the opt-in soak (``bash benchmarks/soak.sh``, minutes, a million values),
with the same pass conditions, for about half a minute; see flood.py for the method. Every
response is checked by the wrk script (FETCH-R1: no Allow-Origin for a hostile origin;
FETCH-O2: ``Vary: Origin``), memory must stay flat after the warm-up, and legitimate visitors
must see the latency of a server that was never flooded.
"""

from __future__ import annotations

import sys

import flood
import pytest
from e2e_harness import require_server, require_tool

from flask_corsx.memo import MAX_ENTRIES

pytestmark = pytest.mark.e2e

#: Per worker, after the warm-up flood. The shared memo is capped (memo.MAX_ENTRIES) and the
#: warm-up fills it more than once; measured growth after it: 0-200 KiB.
RSS_BOUND_KIB = 4096
LATENCY_TOLERANCE = 0.10


def test_short_flood_keeps_memory_flat_and_latency_unchanged() -> None:
    require_tool("wrk")
    require_server("gunicorn-sync")
    result = flood.run_flood(seconds=32, max_hostile=10**9, segments=5, warmup_seconds=8,
                             log=sys.stderr)
    print(result.summary())
    problems = flood.check(result, latency_tolerance=LATENCY_TOLERANCE,
                           rss_bound_kib=RSS_BOUND_KIB)
    assert not problems, "\n".join([*problems, result.summary()])
    # A flood: more distinct values than the shared memo holds, so it was filled and cleared
    # (each request brings a new Origin and a new path: two entries).
    assert result.hostile_requests >= MAX_ENTRIES, result.summary()
