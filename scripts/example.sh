#!/usr/bin/env bash
# The README's "run the example": makes ./.venv (see bootstrap.sh), installs this package into
# it, then starts examples/app.py. With no argument, every example runs behind an index page on
# http://127.0.0.1:5000/; with a NAME (extension, decorator, blueprint, cookies, cdn, upload,
# spa: see examples/README.md), that example alone, its page on port 5000 and its API on 5001.
# Arguments go to examples/app.py, e.g. `bash scripts/example.sh --page-port 8000` (the index)
# or `bash scripts/example.sh cdn --page-port 8000 --api-port 8001`.
set -euo pipefail
cd "$(dirname "$0")/.."
CORSX_EXTRAS=async . scripts/bootstrap.sh
exec python examples/app.py "$@"
