# Shared by .ci/serve and .ci/test (sourced, not run): find a usable Python, make .venv and
# install the project into it. Everything the project needs is pinned in pyproject.toml.

STARFIRE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$STARFIRE_ROOT/.venv"
VPY="$VENV/bin/python"

if [[ -t 1 ]]; then BOLD=$'\033[1m'; RED=$'\033[31m'; GREEN=$'\033[32m'; YELLOW=$'\033[33m'; RESET=$'\033[0m'
else BOLD=""; RED=""; GREEN=""; YELLOW=""; RESET=""; fi

say() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
warn() { printf '%sNOTE: %s%s\n' "$YELLOW" "$*" "$RESET" >&2; }
die() { printf '%sERROR: %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }

_python_ok() {  # 3.11–3.13, as pyproject.toml's requires-python says
    "$1" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null
}

# Print the path of a python3 that can build the virtual environment, or explain what to install.
find_python() {
    local candidate found_version=""
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if ! _python_ok "$candidate"; then
            found_version="$found_version $("$candidate" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?') ($candidate)"
            continue
        fi
        if ! "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
            die "$candidate has no venv/pip support. Install it, e.g. on Debian/Ubuntu:
       sudo apt-get install python3-venv python3-pip
   then run this command again."
        fi
        command -v "$candidate"
        return 0
    done
    if [[ -n "$found_version" ]]; then
        die "Starfire needs Python 3.11, 3.12 or 3.13; found only:$found_version.
   Install a supported Python (Debian 12: sudo apt-get install python3 python3-venv;
   elsewhere see https://www.python.org/downloads/) or point PYTHON=/path/to/python3.11 at one."
    fi
    die "python3 not found. Starfire needs Python 3.11–3.13 with venv and pip
   (Debian/Ubuntu: sudo apt-get install python3 python3-venv python3-pip)."
}

# ensure_venv ""|dev — create .venv if needed and install the project (with the dev extras for
# "dev"). Skipped when pyproject.toml has not changed since the last install.
ensure_venv() {
    local extras="$1" python stamp want spec
    if [[ -x "$VPY" ]] && _python_ok "$VPY" && "$VPY" -c 'import pip' 2>/dev/null; then
        :
    else
        python="$(find_python)" || exit 1
        if [[ -e "$VENV" ]]; then
            warn "rebuilding .venv: its Python is missing or unsupported"
            "$python" -m venv --clear "$VENV" || die "could not create $VENV"
        else
            say "Creating the virtual environment .venv with $("$python" -V 2>&1)"
            "$python" -m venv "$VENV" || die "could not create $VENV (is python3-venv installed?)"
        fi
    fi
    stamp="$VENV/.starfire-installed"
    want="$(cd "$STARFIRE_ROOT" && "$VPY" -c 'import hashlib, sys; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.argv[1])' "$STARFIRE_ROOT")"
    if [[ -f "$stamp" ]] && { grep -qxF "$want dev" "$stamp" || { [[ -z "$extras" ]] && grep -qxF "$want base" "$stamp"; }; }; then
        return 0
    fi
    spec="."; [[ -n "$extras" ]] && spec=".[$extras]"
    say "Installing Starfire and its pinned dependencies into .venv (pip install -e '$spec'; the first time takes a few minutes)"
    (cd "$STARFIRE_ROOT" && "$VPY" -m pip install --disable-pip-version-check --progress-bar off -q -e "$spec") \
        || die "pip install failed (see above). PyPI must be reachable."
    printf '%s %s\n' "$want" "${extras:-base}" > "$stamp"
}

# Compile translations that have no .mo yet (the .mo files are committed, so normally there is
# nothing to do; after editing a .po run `manage.py compilemessages` yourself).
compile_messages() {
    local po stale=0
    while IFS= read -r po; do
        [[ -f "${po%.po}.mo" ]] || stale=1
    done < <(find "$STARFIRE_ROOT/locale" -name '*.po' 2>/dev/null)
    ((stale)) || return 0
    if command -v msgfmt >/dev/null 2>&1; then
        (cd "$STARFIRE_ROOT" && "$VPY" manage.py compilemessages --ignore '.venv' -v0)
    else
        warn "gettext (msgfmt) is not installed: the translations are not compiled; install 'gettext'."
    fi
}
