#!/usr/bin/env bash
# Builds the documentation site into docs/_build/html: makes ./.venv (see bootstrap.sh) with
# the "docs" extra (Sphinx, MyST, the theme, sphinx-click), then runs sphinx-build with
# warnings as errors, as CI does (tests/test_docs.py). Open docs/_build/html/index.html.
# Extra arguments go to sphinx-build, e.g. `bash scripts/docs.sh -E` for a full rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
CORSX_EXTRAS=docs . scripts/bootstrap.sh
python -m sphinx -W --keep-going -n -b html "$@" docs docs/_build/html
echo "Built docs/_build/html/index.html"
