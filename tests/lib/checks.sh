# shellcheck shell=bash
# The checks shared by the shell test suites (tests/e2e, tests/registry, tests/faults), sourced
# by each suite's own helpers or script:
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
#
#   new_test NAME        start a test: a fresh empty directory TEST_DIR under TEST_TMP
#   run CMD...           run CMD; its stdout, stderr and exit status are kept for the checks
#   check DESC CMD...    one check: passes when CMD succeeds
#   expect_*             one check each on the last run; counted, "ok - ..." or "FAIL - ..."
#   finish               print "N passed, N failed" and exit non-zero if anything failed
#   at_exit FUNCTION     also run FUNCTION on exit (and in finish): servers the suite started
#   die MESSAGE          stop the whole script as failed
#
# Sourcing it sets up the environment, a temporary directory TEST_TMP (removed on exit) and the
# EXIT, INT and TERM traps. A suite must not set its own EXIT trap: it registers its cleanup
# with at_exit, so that both its cleanup and the shared one run.
set -u

_passed=0
_failed=0
_finished=0
_test_no=0
_at_exit=()
# Prepended to every check's description (faults: "[scenario] ").
CHECK_PREFIX=
# Put before every command that run runs (faults: a timeout against hangs); not shown in
# LAST_CMD. Only for executables: a shell function cannot run behind a prefix.
RUN_WITH=()

# Tests never see a terminal, a password, credentials or a signature repository they did not
# set up themselves, and files get usual modes.
exec </dev/null
unset COSIGN_PASSWORD COSIGN_REPOSITORY COSIGN_DOCKER_MEDIA_TYPES REGISTRY_AUTH_FILE DOCKER_CONFIG
umask 022
export LC_ALL=C

# signet-<suite>.XXXXXX, the suite being the sourcing file's directory (e2e, registry, faults).
_checks_suite=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/signet-${_checks_suite##*/}.XXXXXX") || {
    echo "FAIL: cannot create a temporary directory" >&2
    exit 1
}
RUN_OUT=$TEST_TMP/.stdout
RUN_ERR=$TEST_TMP/.stderr
ALL_OUTPUT=$TEST_TMP/.all-output # every captured stdout/stderr, e.g. to look for leaked secrets
STATUS=
LAST_CMD=

# at_exit FUNCTION: run FUNCTION in finish and again on exit, before TEST_TMP is removed (so it
# must be harmless the second time).
at_exit() {
    _at_exit+=("$1")
}

_run_at_exit() {
    local f
    for f in "${_at_exit[@]}"; do "$f"; done
}

_on_exit() {
    local rc=$?
    _run_at_exit
    cd / && rm -rf "$TEST_TMP"
    if [ "$_finished" = 0 ]; then
        # set -u, a missing prerequisite or a crash stopped the script: that is a failure.
        echo "FAIL: $(basename "$0") stopped before the end (status $rc); $_passed passed, $((_failed + 1)) failed"
        exit 1
    fi
}
trap _on_exit EXIT
# Interrupted or killed: still through the EXIT trap, so servers are stopped.
trap 'exit 130' INT
trap 'exit 143' TERM

# Stop the whole script as failed (a prerequisite is missing: never skip silently). On stderr,
# so that it shows from inside $(...) too, whose caller then stops with `|| die`.
die() {
    echo "FAIL: $*" >&2
    exit 1
}

require_signet() {
    [ -n "${SIGNET:-}" ] || die "SIGNET is not set (run through ctest, or set it to the signet binary)"
    [ -x "$SIGNET" ] || die "SIGNET=$SIGNET is not an executable"
}

require_vectors() {
    [ -n "${VECTORS:-}" ] || die "VECTORS is not set (the shared vectors directory, ../shared/vectors beside the repository)"
    [ -f "$VECTORS/cosign/README.md" ] || die "VECTORS=$VECTORS does not hold the shared test vectors (cosign/README.md missing)"
}

new_test() {
    _test_no=$((_test_no + 1))
    TEST_DIR=$TEST_TMP/$(printf '%02d' "$_test_no")
    mkdir "$TEST_DIR" && cd "$TEST_DIR" || die "cannot create $TEST_DIR"
    echo "# $*"
}

# checks_run CMD...: what run does; for a suite that defines its own run around it.
checks_run() {
    LAST_CMD=$(printf '%q ' "$@")
    "${RUN_WITH[@]}" "$@" >"$RUN_OUT" 2>"$RUN_ERR"
    STATUS=$?
    cat "$RUN_OUT" "$RUN_ERR" >>"$ALL_OUTPUT"
}

run() {
    checks_run "$@"
}

ok() {
    _passed=$((_passed + 1))
    echo "ok - $CHECK_PREFIX$*"
}

# not_ok DESCRIPTION [DETAIL...]: the last command, its output and the details are shown (each
# line of a detail indented).
not_ok() {
    _failed=$((_failed + 1))
    echo "FAIL - $CHECK_PREFIX$1"
    shift
    echo "    command: ${LAST_CMD:-}"
    echo "    status:  ${STATUS:-}"
    [ -s "$RUN_OUT" ] && echo "    stdout:  $(head -c 800 "$RUN_OUT" | tr -c '[:print:]\n' '?' | sed '2,$s/^/             /')"
    [ -s "$RUN_ERR" ] && echo "    stderr:  $(head -c 800 "$RUN_ERR" | sed '2,$s/^/             /')"
    local d
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/    /'; done
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds (its output is shown if not).
# COMMAND runs in a subshell: it cannot set variables for the script.
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        ok "$desc"
    else
        not_ok "$desc" "check: $(printf '%q ' "$@")" "said: $(printf '%s' "$out" | head -c 1500)"
    fi
}

expect_status() {
    if [ "$STATUS" = "$1" ]; then
        ok "exit status $1: $LAST_CMD"
    else
        not_ok "exit status $1 expected, got $STATUS"
    fi
}

expect_stdout_empty() {
    if [ ! -s "$RUN_OUT" ]; then ok "stdout empty"; else not_ok "stdout should be empty"; fi
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
        not_ok "stdout should be byte-identical to $1" "expected: $(head -c 600 "$1" 2>/dev/null)"
    fi
}

expect_stderr_contains() {
    if grep -qF -- "$1" "$RUN_ERR"; then
        ok "stderr says '$1'"
    else
        not_ok "stderr should contain '$1'"
    fi
}

expect_stderr_not_contains() {
    if ! grep -qF -- "$1" "$RUN_ERR"; then
        ok "stderr does not say '$1'"
    else
        not_ok "stderr should not contain '$1'"
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

# A refused or failed command: exact status, nothing on stdout, a message saying why.
expect_failure() {
    expect_status "$1"
    expect_stdout_empty
    expect_stderr_matches "$2"
}

# expect_eq VALUE EXPECTED DESCRIPTION
expect_eq() {
    if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "expected '$2'" "got      '$1'"; fi
}

# Keep the captured stdout of the last run.
save_stdout() { cp "$RUN_OUT" "$1"; }

# The closing line; the script fails if any check failed, or if none ran at all.
finish() {
    _finished=1
    _run_at_exit
    echo "$_passed passed, $_failed failed"
    if [ "$_failed" -ne 0 ] || [ "$_passed" -eq 0 ]; then
        exit 1
    fi
    exit 0
}
