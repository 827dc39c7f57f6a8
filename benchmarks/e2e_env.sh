# Sourced by benchmarks/e2e.sh and benchmarks/soak.sh: makes ./.venv with the "e2e" extra
# (gunicorn, waitress, flask-cors; see scripts/bootstrap.sh) and makes sure Debian's wrk is
# there (installed with apt-get when missing and we are root).
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
