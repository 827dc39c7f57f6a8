#!/usr/bin/env bash
# The README's "run the example": makes ./.venv (see bootstrap.sh), installs this package into
# it, then starts examples/app.py: a page on http://127.0.0.1:5000/ calling an API on port 5001.
# Arguments go to the example, e.g. `bash scripts/example.sh --page-port 8000 --api-port 8001`.
set -euo pipefail
cd "$(dirname "$0")/.."
CORSX_EXTRAS=async . scripts/bootstrap.sh
exec python examples/app.py "$@"
