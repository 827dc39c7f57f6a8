#!/usr/bin/env bash
# Instructions per request under real WSGI servers (benchmarks/instructions.py): bare Flask,
# flask-cors and flask_corsx under gunicorn and waitress, counted by valgrind's callgrind,
# which does not move with the machine's load the way req/s does. E.g.
#   bash benchmarks/instructions.sh                           # every cell, about 20 minutes
#   bash benchmarks/instructions.sh --servers gunicorn-sync --scenarios get
# Makes ./.venv with the "e2e" extra and installs Debian's valgrind when missing (as root).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/e2e_env.sh"
if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else
        echo "valgrind is missing: apt-get install valgrind" >&2; exit 1
    fi
fi
exec python benchmarks/instructions.py "$@"
