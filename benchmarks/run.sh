#!/usr/bin/env bash
# One command for the benchmark: makes ./.venv with this package and flask-cors
# (scripts/bootstrap.sh, extras "test"), then runs benchmarks/bench.py with the
# arguments given here, e.g.
#   bash benchmarks/run.sh                      # full run, about 4-5 minutes
#   bash benchmarks/run.sh --quick              # a few seconds per scenario
#   bash benchmarks/run.sh --json benchmarks/results/run.json --only 'get,origins_*'
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
CORSX_EXTRAS="test" . scripts/bootstrap.sh
exec python benchmarks/bench.py "$@"
