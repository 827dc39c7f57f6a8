# Sourced by the run scripts: makes ./.venv and installs this package with the
# extras named in $CORSX_EXTRAS into it. Safe to run again; pip skips what is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv"; then
        # Stock Debian/Ubuntu ship venv separately (python3-venv); install it when we can.
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            rm -rf "$venv"
            apt-get update -qq
            apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        else
            echo "python3 -m venv failed: install your distribution's python3-venv package." >&2
            exit 1
        fi
    fi
fi
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e "$root[${CORSX_EXTRAS:-async}]"
