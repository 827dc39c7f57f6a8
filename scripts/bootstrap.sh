# Sourced by the run scripts: makes ./.venv and installs this package with the
# extras named in $CORSX_EXTRAS into it. Safe to run again; pip skips what is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e "$root[${CORSX_EXTRAS:-async}]"
