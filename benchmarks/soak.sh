#!/usr/bin/env bash
# The opt-in soak (not part of the CI run): a million hostile Origins, paths and
# Access-Control-Request-Headers values against flask_corsx under gunicorn, loaded by wrk
# (benchmarks/soak.py). About 5-10 minutes; arguments go to soak.py, e.g. --max-hostile 200000.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/e2e_env.sh"
exec python benchmarks/soak.py "$@"
