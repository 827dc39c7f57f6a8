#!/usr/bin/env python3
"""The opt-in soak: a million hostile Origins against flask_corsx under gunicorn.

    bash benchmarks/soak.sh                       # until 1,000,000 hostile requests or 10 min
    bash benchmarks/soak.sh --max-hostile 200000  # shorter

Every hostile request carries a new Origin and a new path, and every second one is a
preflight with a new Access-Control-Request-Headers value. Method and pass conditions: see
tests/e2e/flood.py (the CI test tests/e2e/test_flood.py is the same run, in seconds).
Exit status 1 if a condition failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import flood  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-hostile", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=600,
                        help="time budget for the whole flood (default 600)")
    parser.add_argument("--segments", type=int, default=12)
    parser.add_argument("--warmup", type=float, default=20, help="warm-up flood seconds")
    parser.add_argument("--rss-bound-kib", type=int, default=4096)
    parser.add_argument("--latency-tolerance", type=float, default=0.10)
    parser.add_argument("--impl", default="flask_corsx", choices=["flask_corsx", "bare"],
                        help="bare: flood plain Flask instead, as a control")
    parser.add_argument("--json", help="also write the figures as JSON to this path")
    args = parser.parse_args()
    result = flood.run_flood(seconds=args.seconds, max_hostile=args.max_hostile,
                             segments=args.segments, warmup_seconds=args.warmup,
                             impl=args.impl, log=sys.stderr)
    print(result.summary())
    problems = flood.check(result, latency_tolerance=args.latency_tolerance,
                           rss_bound_kib=args.rss_bound_kib)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(asdict(result), indent=1))
    for problem in problems:
        print("FAIL:", problem)
    print("PASS" if not problems else "FAILED")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
