#!/usr/bin/env bash
# The whole test suite: unit, property, end-to-end and browser tests, then ruff and mypy.
# Installs what it needs: a ./.venv with the test tools (Playwright, Selenium, gunicorn,
# waitress; Sphinx for the docs test, build and twine for the package test), and, with
# apt-get, the three browser engines the browser tests drive (Debian's chromium, firefox-esr,
# and webkit2gtk-driver with xvfb for WebKit) and nginx and wrk for the end-to-end tests.
# Extra arguments go to pytest, e.g. `--engine firefox` (browser tests in one engine only)
# or `-k preflight`; ruff and mypy then do not run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
CORSX_EXTRAS="test,lint,docs" . scripts/bootstrap.sh

# install_debian WHAT PACKAGE...: apt-get install the packages, if any, when we can (root);
# waits for a dpkg lock another apt run holds instead of failing. Otherwise says which tests
# will be skipped (and fail under CI=true).
install_debian() {
    local what="$1"; shift
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's $* for $what..."
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
            install -y -qq "$@" >/dev/null
    else
        echo "$* missing and cannot be installed here (need root and apt-get);" \
             "$what will be skipped (and fail under CI=true)." >&2
    fi
}

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
install_debian "the browser tests" "${missing[@]}"

# The end-to-end tests (tests/e2e) put Debian's nginx in front of gunicorn/waitress and load
# them with wrk; gunicorn and waitress come with the "test" extra above.
missing=()
for tool in nginx wrk; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ] && [ ! -x "/usr/bin/$tool" ]; then
        missing+=("$tool")
    fi
done
install_debian "the end-to-end tests" "${missing[@]}"

status=0
python -m pytest "$@" || status=$?
if [ "$#" -eq 0 ]; then
    echo "ruff:"; ruff check flask_corsx tests examples benchmarks || status=1
    echo "mypy --strict flask_corsx:"; mypy --strict flask_corsx || status=1
fi
exit "$status"
