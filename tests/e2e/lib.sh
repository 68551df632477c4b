# shellcheck shell=bash
# Helpers sourced by the end-to-end test scripts (bash).
#
#   new_test NAME        start a test: a fresh empty directory under the script's temp dir
#   run CMD...           run CMD; its stdout, stderr and exit status are kept for the checks
#   expect_*             one check each; counted, "ok - ..." or "FAIL - ..." with details
#   finish               print "N passed, N failed" and exit non-zero if anything failed
#
# Environment (set by CTest): SIGNET (the tool), SIGNET_BIN_DIR (its directory, with the
# "cosign" link), VECTORS (shared test vectors), INTEROP (tests/interop).
set -u

# shellcheck disable=SC2034 # used by the scripts
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # tests/e2e, for its helpers
PY=/usr/bin/python3 # has PyNaCl and cryptography; the python3 first on PATH may not
_passed=0
_failed=0
_finished=0
_test_no=0

# Tests never see a terminal or a password they did not ask for, and files get usual modes.
exec </dev/null
unset COSIGN_PASSWORD
umask 022
export LC_ALL=C

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-e2e.XXXXXX") || {
    echo "FAIL: cannot create a temporary directory" >&2
    exit 1
}
RUN_OUT=$E2E_TMP/.stdout
RUN_ERR=$E2E_TMP/.stderr
STATUS=

_on_exit() {
    local rc=$?
    cd / && rm -rf "$E2E_TMP"
    if [ "$_finished" = 0 ]; then
        # set -u, a missing prerequisite or a crash stopped the script: that is a failure.
        echo "FAIL: $(basename "$0") stopped before the end (status $rc); $_passed passed, $((_failed + 1)) failed"
        exit 1
    fi
}
trap _on_exit EXIT

# Stop the whole script as failed (a prerequisite is missing: never skip silently).
die() {
    echo "FAIL: $*"
    exit 1
}

require_env() {
    [ -n "${SIGNET:-}" ] || die "SIGNET is not set (run through ctest, or set it to the signet binary)"
    [ -x "$SIGNET" ] || die "SIGNET=$SIGNET is not an executable"
    [ -n "${SIGNET_BIN_DIR:-}" ] || die "SIGNET_BIN_DIR is not set"
    [ -n "${VECTORS:-}" ] || die "VECTORS is not set (the shared vectors directory, ../shared/vectors beside the repository)"
    [ -f "$VECTORS/cosign/README.md" ] || die "VECTORS=$VECTORS does not hold the shared test vectors (cosign/README.md missing)"
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

new_test() {
    _test_no=$((_test_no + 1))
    TEST_DIR=$E2E_TMP/$(printf '%02d' "$_test_no")
    mkdir "$TEST_DIR" && cd "$TEST_DIR" || die "cannot create $TEST_DIR"
    echo "# $*"
}

run() {
    LAST_CMD=$(printf '%q ' "$@")
    "$@" >"$RUN_OUT" 2>"$RUN_ERR"
    STATUS=$?
}

ok() {
    _passed=$((_passed + 1))
    echo "ok - $*"
}

# not_ok DESCRIPTION [DETAIL...]: the last command, its output and the details are shown.
not_ok() {
    _failed=$((_failed + 1))
    echo "FAIL - $1"
    shift
    echo "    command: ${LAST_CMD:-}"
    echo "    status:  ${STATUS:-}"
    [ -s "$RUN_OUT" ] && echo "    stdout:  $(head -c 600 "$RUN_OUT" | tr -c '[:print:]\n' '?' | sed '2,$s/^/             /')"
    [ -s "$RUN_ERR" ] && echo "    stderr:  $(head -c 600 "$RUN_ERR" | sed '2,$s/^/             /')"
    local d
    for d in "$@"; do echo "    $d"; done
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

expect_status() {
    if [ "$STATUS" = "$1" ]; then
        ok "exit status $1: $LAST_CMD"
    else
        not_ok "exit status $1 expected, got $STATUS"
    fi
}

expect_stdout_empty() {
    if [ ! -s "$RUN_OUT" ]; then
        ok "stdout empty"
    else
        not_ok "stdout should be empty"
    fi
}

expect_stderr_contains() {
    if grep -qF -- "$1" "$RUN_ERR"; then
        ok "stderr says '$1'"
    else
        not_ok "stderr should contain '$1'"
    fi
}

# Extended regular expression, case-insensitive: for messages with several fair wordings.
expect_stderr_matches() {
    if grep -qiE -- "$1" "$RUN_ERR"; then
        ok "stderr matches /$1/"
    else
        not_ok "stderr should match /$1/"
    fi
}

expect_stderr_not_contains() {
    if ! grep -qF -- "$1" "$RUN_ERR"; then
        ok "stderr does not say '$1'"
    else
        not_ok "stderr should not contain '$1'"
    fi
}

expect_stdout_contains() {
    if grep -qF -- "$1" "$RUN_OUT"; then
        ok "stdout says '$1'"
    else
        not_ok "stdout should contain '$1'"
    fi
}

# The captured stdout is byte-identical to FILE.
expect_stdout_equals_file() {
    if cmp -s "$RUN_OUT" "$1"; then
        ok "stdout identical to $1"
    else
        not_ok "stdout should be byte-identical to $1" "expected: $(head -c 300 "$1" 2>/dev/null)"
    fi
}

# Every line of stderr starts with PREFIX (cosign/signet name their messages).
expect_stderr_lines_start() {
    if [ -s "$RUN_ERR" ] && awk -v p="$1" 'index($0, p) != 1 { bad = 1 } END { exit bad }' "$RUN_ERR"; then
        ok "stderr lines start with '$1'"
    else
        not_ok "every stderr line should start with '$1'"
    fi
}

# A refused or failed command: exact status, nothing on stdout, a message saying why.
expect_failure() {
    expect_status "$1"
    expect_stdout_empty
    expect_stderr_matches "$2"
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

expect_eq() {
    if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "expected '$2', got '$1'"; fi
}

# FILE holds exactly LINE as one of its lines.
expect_line() {
    if grep -qxF -- "$2" "$1"; then
        ok "$(basename "$1"): '$2'"
    else
        not_ok "$(basename "$1") should have the line '$2'" "has: $(tr '\n' '|' <"$1" | head -c 600)"
    fi
}

# Keep the captured stdout of the last run.
save_stdout() { cp "$RUN_OUT" "$1"; }

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

finish() {
    _finished=1
    echo "$_passed passed, $_failed failed"
    if [ "$_failed" -ne 0 ] || [ "$_passed" -eq 0 ]; then
        exit 1
    fi
    exit 0
}
