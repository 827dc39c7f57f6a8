#!/usr/bin/env bash
# The opt-in soak (not part of the CI run): a million hostile Origins, paths and
# Access-Control-Request-Headers values against flask_corsx under gunicorn, loaded by wrk
# (benchmarks/soak.py). About 5-10 minutes; arguments go to soak.py, e.g. --max-hostile 200000.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
CORSX_EXTRAS="e2e" . scripts/bootstrap.sh
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    else
        echo "wrk is missing: apt-get install wrk" >&2; exit 1
    fi
fi
exec python benchmarks/soak.py "$@"
