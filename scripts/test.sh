#!/usr/bin/env bash
# The whole test suite: unit, property and browser tests, then ruff and mypy.
# Installs what it needs: a ./.venv with the test tools (Playwright, Selenium),
# and, with apt-get, the three browser engines the browser tests drive:
# Debian's chromium, firefox-esr, and webkit2gtk-driver with xvfb for WebKit.
# Extra arguments go to pytest, e.g. `--engine firefox` (browser tests in one
# engine only) or `-k preflight`; ruff and mypy then do not run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
CORSX_EXTRAS="test,lint" . scripts/bootstrap.sh

# The engines asked for with --engine NAME / --engine=NAME (default: all three).
engines=()
prev=""
for arg in "$@"; do
    case "$arg" in
        --engine=*) engines+=("${arg#--engine=}") ;;
        *) [ "$prev" = "--engine" ] && engines+=("$arg") ;;
    esac
    prev="$arg"
done
[ "${#engines[@]}" -eq 0 ] && engines=(chromium firefox webkit)

# engine -> "apt packages|executables that must exist"
declare -A needs=(
    [chromium]="chromium|chromium"
    [firefox]="firefox-esr|firefox-esr"
    [webkit]="webkit2gtk-driver xvfb|WebKitWebDriver Xvfb"
)
missing=()
for engine in "${engines[@]}"; do
    spec="${needs[$engine]:-}"
    [ -n "$spec" ] || continue  # pytest reports the unknown name
    for exe in ${spec#*|}; do
        if ! command -v "$exe" >/dev/null 2>&1 && [ ! -x "/usr/bin/$exe" ]; then
            missing+=(${spec%|*})
            break
        fi
    done
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing ${missing[*]} for the browser tests..."
        # Wait for a dpkg lock held by another apt run instead of failing.
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -qq "${missing[@]}" >/dev/null
    else
        echo "${missing[*]} missing and cannot be installed here (need root and apt-get);" \
             "those engines' browser tests will be skipped (and fail under CI=true)." >&2
    fi
fi

status=0
python -m pytest "$@" || status=$?
if [ "$#" -eq 0 ]; then
    echo "ruff:"; ruff check flask_corsx tests examples benchmarks || status=1
    echo "mypy --strict flask_corsx:"; mypy --strict flask_corsx || status=1
fi
exit "$status"
