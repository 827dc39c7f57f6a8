#!/usr/bin/env bash
# The whole test suite: unit, property, end-to-end and browser tests, then ruff and mypy.
# Installs what it needs: a ./.venv with the test tools, and Debian's chromium, nginx and
# wrk (with apt-get) for the browser and end-to-end tests. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
CORSX_EXTRAS="test,lint" . scripts/bootstrap.sh

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser tests..."
        apt-get update -qq
        apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium is missing and cannot be installed here (need root and apt-get);" \
             "the browser tests will be skipped (and fail under CI=true)." >&2
    fi
fi

# The end-to-end tests (tests/e2e) put Debian's nginx in front of gunicorn/waitress and load
# them with wrk; gunicorn and waitress come with the "test" extra above.
missing=()
for tool in nginx wrk; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ] && [ ! -x "/usr/bin/$tool" ]; then
        missing+=("$tool")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's ${missing[*]} for the end-to-end tests..."
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "${missing[*]} missing and cannot be installed here (need root and apt-get);" \
             "the e2e tests will be skipped (and fail under CI=true)." >&2
    fi
fi

status=0
python -m pytest "$@" || status=$?
if [ "$#" -eq 0 ]; then
    echo "ruff:"; ruff check flask_corsx tests examples benchmarks || status=1
    echo "mypy --strict flask_corsx:"; mypy --strict flask_corsx || status=1
fi
exit "$status"
