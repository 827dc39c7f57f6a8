#!/usr/bin/env bash
# The end-to-end benchmark in one command: bare Flask, flask-cors and flask_corsx under
# gunicorn (sync, gthread) and waitress, loaded by wrk (benchmarks/e2e.py), e.g.
#   bash benchmarks/e2e.sh                  # 4 ABBA rounds x 4 s per cell, about 11 minutes
#   bash benchmarks/e2e.sh --quick          # 2 rounds x 2 s, about 3 minutes
#   bash benchmarks/e2e.sh --servers waitress --scenarios get,mix --json benchmarks/results/e2e.json
# Makes ./.venv with the "e2e" extra (gunicorn, waitress, flask-cors); needs Debian's wrk
# (installed with apt-get when missing and we are root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/e2e_env.sh"
exec python benchmarks/e2e.py "$@"
