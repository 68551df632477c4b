# shellcheck shell=bash
# Helpers sourced by the end-to-end test scripts (bash): the shared checks of
# tests/lib/checks.sh (new_test, run, check, expect_*, finish, die), and those only these
# scripts use: prerequisites, file checks, byte flips.
#
# Environment (set by CTest): SIGNET (the tool), SIGNET_BIN_DIR (its directory, with the
# "cosign" link), VECTORS (shared test vectors), INTEROP (tests/interop).
set -u

# shellcheck source=SCRIPTDIR/../lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

# shellcheck disable=SC2034 # used by the scripts
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # tests/e2e, for its helpers
PY=/usr/bin/python3 # has PyNaCl and cryptography; the python3 first on PATH may not

require_env() {
    require_signet
    [ -n "${SIGNET_BIN_DIR:-}" ] || die "SIGNET_BIN_DIR is not set"
    require_vectors
}

require_interop() {
    [ -n "${INTEROP:-}" ] || die "INTEROP is not set (tests/interop)"
    [ -f "$INTEROP/cosign_key.py" ] || die "INTEROP=$INTEROP has no cosign_key.py"
}

# The independent implementations: Python with PyNaCl + cryptography, and openssl.
require_python() {
    [ -x "$PY" ] || die "$PY not found (needed for the pty and interoperability checks)"
    "$PY" -c 'import hashlib, pty, nacl.secret, cryptography; hashlib.scrypt' 2>/dev/null ||
        die "$PY lacks hashlib.scrypt, pty, PyNaCl or cryptography"
}

require_openssl() {
    command -v openssl >/dev/null || die "openssl command not found"
}

# Every line of stderr starts with PREFIX (cosign/signet name their messages).
expect_stderr_lines_start() {
    if [ -s "$RUN_ERR" ] && awk -v p="$1" 'index($0, p) != 1 { bad = 1 } END { exit bad }' "$RUN_ERR"; then
        ok "stderr lines start with '$1'"
    else
        not_ok "every stderr line should start with '$1'"
    fi
}

# A verification that succeeded: status 0, "Verified OK" on stderr, nothing on stdout.
expect_verified() {
    expect_status 0
    expect_stdout_empty
    expect_stderr_contains "Verified OK"
}

expect_same_file() {
    if cmp -s "$1" "$2"; then
        ok "${3:-$1 identical to $2}"
    else
        not_ok "${3:-$1 should be byte-identical to $2}" "$(cmp "$1" "$2" 2>&1)"
    fi
}

expect_different_file() {
    if [ -f "$1" ] && [ -f "$2" ] && ! cmp -s "$1" "$2"; then
        ok "${3:-$1 differs from $2}"
    else
        not_ok "${3:-$1 should differ from $2}"
    fi
}

expect_file_exists() {
    if [ -f "$1" ]; then ok "$1 exists"; else not_ok "$1 should exist"; fi
}

expect_no_file() {
    if [ ! -e "$1" ] && [ ! -L "$1" ]; then ok "$1 not created"; else not_ok "$1 should not exist"; fi
}

expect_file_mode() {
    local mode
    mode=$(stat -c %a "$1" 2>/dev/null)
    if [ "$mode" = "$2" ]; then ok "$1 has mode $2"; else not_ok "$1 should have mode $2, has '$mode'"; fi
}

expect_first_line() {
    local line
    line=$(head -n 1 "$1" 2>/dev/null)
    if [ "$line" = "$2" ]; then ok "$1 starts with $2"; else not_ok "$1 should start with '$2', starts with '$line'"; fi
}

expect_last_line() {
    local line
    line=$(tail -n 1 "$1" 2>/dev/null)
    if [ "$line" = "$2" ]; then ok "$1 ends with $2"; else not_ok "$1 should end with '$2', ends with '$line'"; fi
}

# FILE holds exactly LINE as one of its lines.
expect_line() {
    if grep -qxF -- "$2" "$1"; then
        ok "$(basename "$1"): '$2'"
    else
        not_ok "$(basename "$1") should have the line '$2'" "has: $(tr '\n' '|' <"$1" | head -c 600)"
    fi
}

# Copy FILE to OUT with the byte at OFFSET (negative: from the end) XOR 0x01.
flip_byte() {
    "$PY" - "$1" "$2" "$3" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[int(sys.argv[2])] ^= 0x01
open(sys.argv[3], "wb").write(data)
EOF
}

b64_decode() { base64 -d <"$1" >"$2"; }
b64_encode() { base64 -w0 <"$1" >"$2"; }
