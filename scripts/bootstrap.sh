# Sourced by ./motcua, ./motcua-server and ./run-tests: make sure .venv exists and matches
# pyproject.toml with the extras the caller needs ("" for the desktop, "server", "dev").
# Needs only Python 3.11+; installs the few Debian/Ubuntu libraries Qt needs when they are missing.
# One .venv serves all three: it records which extras are installed for this pyproject.toml and
# installs only when one is missing (the union), so switching between the launchers never
# reinstalls. MOTCUA_BOOTSTRAP_FUNCTIONS_ONLY=1: define the functions, do nothing (tests).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MOTCUA_VENV:-$ROOT/.venv}"
EXTRAS="${1:-}"

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "MotCua Desk cần Python 3.11 trở lên (needs Python 3.11+). Hãy cài python3." >&2
    return 1
}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "Cần quyền quản trị để chạy: $* (run as root)" >&2
        return 1
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 0
    echo "Cài gói hệ thống (installing system packages): $*" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
        { as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
}

# Shared libraries Qt 6 loads (offscreen and xcb); checked by name so nothing runs when present.
ensure_qt_libs() {
    command -v ldconfig >/dev/null 2>&1 || return 0
    local missing=() lib pkg known
    # Read the cache once: "ldconfig -p | grep -q" fails at random under pipefail (grep -q exits at
    # the first match, ldconfig dies of SIGPIPE), which installed present packages again and again.
    known="$(ldconfig -p 2>/dev/null || true)"
    while read -r lib pkg; do
        grep -qF "$lib" <<<"$known" || missing+=("$pkg")
    done <<'LIBS'
libEGL.so.1 libegl1
libGL.so.1 libgl1
libfontconfig.so.1 libfontconfig1
libxkbcommon.so.0 libxkbcommon0
libxkbcommon-x11.so.0 libxkbcommon-x11-0
libdbus-1.so.3 libdbus-1-3
libxcb-cursor.so.0 libxcb-cursor0
libxcb-icccm.so.4 libxcb-icccm4
libxcb-keysyms.so.1 libxcb-keysyms1
libxcb-image.so.0 libxcb-image0
libxcb-render-util.so.0 libxcb-render-util0
libxcb-shape.so.0 libxcb-shape0
libxcb-randr.so.0 libxcb-randr0
libxcb-xinerama.so.0 libxcb-xinerama0
libcups.so.2 libcups2
LIBS
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# The extras an install of EXTRA brings ("dev" includes "server", see pyproject.toml).
expand_extras() {
    local extra
    for extra in "$@"; do
        case "$extra" in
        "") ;;
        dev) printf '%s\n' dev server ;;
        *) printf '%s\n' "$extra" ;;
        esac
    done
}

# extras_to_install STAMP HASH REQUESTED: must pip run? STAMP is the stamp file's text: the
# 16-character pyproject hash, then the extras installed ("<hash> dev server"; before this
# format "<hash>-<extras>"). HASH is today's pyproject hash, REQUESTED the extras asked for
# (comma-separated). Prints the extras to install, comma-separated (those recorded plus those
# requested; "" for none), and returns 0 when pip must run; returns 1 when the pyproject is
# unchanged and every requested extra is already installed.
# shellcheck disable=SC2086  # the lists of extras are split into words on purpose
extras_to_install() {
    local stamp="$1" hash="$2" requested="${3//,/ }" have want extra missing=0
    have="${stamp:16}"
    have="${have#-}"
    have=" $(expand_extras ${have//,/ } | sort -u | paste -sd' ' -) "
    want="$(expand_extras $have $requested | sort -u | paste -sd, -)"
    for extra in $(expand_extras $requested); do
        [[ "$have" == *" $extra "* ]] || missing=1
    done
    printf '%s\n' "$want"
    [ "${stamp:0:16}" != "$hash" ] || [ "$missing" = 1 ]
}

ensure_venv() {
    local python stamp want hash extras
    python="$(find_python)"
    if [ ! -x "$VENV/bin/python" ]; then
        echo "Tạo môi trường chạy lần đầu (first run: creating $VENV)…" >&2
        if ! "$python" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            local ver
            ver="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            apt_install "python${ver}-venv" || apt_install python3-venv
            "$python" -m venv "$VENV"
        fi
    fi
    hash="$(sha256sum <"$ROOT/pyproject.toml" | cut -c1-16)"
    stamp="$VENV/.motcua-installed"
    if extras="$(extras_to_install "$(cat "$stamp" 2>/dev/null)" "$hash" "$EXTRAS")"; then
        echo "Cài thư viện (installing dependencies${extras:+: $extras})…" >&2
        "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
        # pip's build chatter (setuptools notices) goes to a log, shown only when the install fails.
        local log="$VENV/.motcua-pip.log"
        if ! "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}" >"$log" 2>&1; then
            cat "$log" >&2
            echo "Cài thư viện không thành công (installing dependencies failed); xem $log" >&2
            return 1
        fi
        want="$hash"
        [ -z "$extras" ] || want="$hash ${extras//,/ }"
        echo "$want" >"$stamp"
    fi
}

if [ "${MOTCUA_BOOTSTRAP_FUNCTIONS_ONLY:-}" != 1 ]; then
    [ "$EXTRAS" = server ] || ensure_qt_libs # the server runs headless: no Qt libraries needed
    ensure_venv
fi
