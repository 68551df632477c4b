# shellcheck shell=bash
# Helpers for the signet-webhook tests (bash): the registry helpers of tests/registry/lib.sh, plus
#
#   start_webhook CONFIG [ARGS...]   signet-webhook over HTTPS on 127.0.0.1 (a free port), with a
#                                    certificate from a test CA; sets WH_URL, WH_CA, WH_PID, WH_LOG
#   stop_webhook                     SIGTERM, and wait for it
#   make_review FILE KIND ARGS...    an AdmissionReview request (mkreview.py, independent of signet)
#   post PATH FILE                   POST it over HTTPS; sets HTTP_CODE and RESPONSE (a file)
#   expect_review allowed|denied REQUEST ARGS...   check_review.py on RESPONSE, as one check
#   trust_root_yaml NAME PUBFILE     a trustRoots entry with the key inline
#
# Environment (set by CTest): SIGNET, SIGNET_WEBHOOK, VECTORS.
# shellcheck source=SCRIPTDIR/../registry/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../registry/lib.sh"

WH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/webhook-lib.sh
. "$WH_LIB_DIR/../../scripts/webhook-lib.sh"
WH_PID=

require_webhook_env() {
    require_env
    [ -n "${SIGNET_WEBHOOK:-}" ] && [ -x "$SIGNET_WEBHOOK" ] ||
        die "SIGNET_WEBHOOK is not set to the signet-webhook binary"
}

stop_webhook() {
    [ -n "$WH_PID" ] || return 0
    kill -TERM "$WH_PID" 2>/dev/null
    wait "$WH_PID" 2>/dev/null
    WH_PID=
}
at_exit stop_webhook

# The webhook's certificate, for 127.0.0.1, from its own test CA (in $TEST_TMP/whtls).
_webhook_cert() {
    [ -f "$TEST_TMP/whtls/server.crt" ] && return 0
    mkdir -p "$TEST_TMP/whtls" && make_server_cert "$TEST_TMP/whtls"
}

# start_webhook CONFIG [ARGS...]: waits until /readyz answers 200.
start_webhook() {
    local config=$1 port
    shift
    _webhook_cert
    WH_CA=$TEST_TMP/whtls/ca.crt
    WH_LOG=$TEST_TMP/webhook.$RANDOM.log
    $_pdeathsig "$SIGNET_WEBHOOK" --config "$config" --listen 127.0.0.1:0 \
        --tls-cert "$TEST_TMP/whtls/server.crt" --tls-key "$TEST_TMP/whtls/server.key" \
        --watch-interval 200 "$@" 2>"$WH_LOG" &
    WH_PID=$!
    port=$(webhook_port "$WH_PID" "$WH_LOG") ||
        die "signet-webhook did not start within 30 s: $(cat "$WH_LOG")"
    WH_URL=https://127.0.0.1:$port
    [ "$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/readyz")" = 200 ] ||
        die "signet-webhook is not ready: $(cat "$WH_LOG")"
}

# make_review FILE KIND ARGS...
make_review() {
    local out=$1
    shift
    "$PY" "$WH_LIB_DIR/mkreview.py" "$@" >"$out" || die "mkreview.py $* failed"
}

# post PATH FILE [CURL-ARGS...]: HTTP_CODE, and the body in $RESPONSE.
post() {
    local path=$1 file=$2
    shift 2
    RESPONSE=$TEST_TMP/response.json
    HTTP_CODE=$(curl -s --cacert "$WH_CA" -H 'Content-Type: application/json' \
        --data-binary "@$file" -o "$RESPONSE" -w '%{http_code}' "$@" "$WH_URL$path") ||
        HTTP_CODE=curl-failed
}

# expect_review allowed|denied REQUEST [check_review.py options]: 200 and the response checks.
expect_review() {
    local verdict=$1 request=$2 out
    shift 2
    if [ "$HTTP_CODE" != 200 ]; then
        not_ok "answered 200 (got $HTTP_CODE: $(head -c 300 "$RESPONSE"))"
        return
    fi
    if out=$("$PY" "$WH_LIB_DIR/check_review.py" "$RESPONSE" "$request" "$verdict" "$@" 2>&1); then
        ok "response: $verdict${*:+ ($*)}"
    else
        not_ok "response: $verdict${*:+ ($*)}: $out"
    fi
}

# trust_root_yaml NAME PUBFILE: a trustRoots list entry, the PEM inline.
trust_root_yaml() {
    printf '  - name: %s\n    key: |\n' "$1"
    sed 's/^/      /' "$2"
}

# metric NAME{LABELS}: its value from /metrics (0 when absent; the script dies when /metrics does
# not answer, so that no check passes on a missing number).
metric() {
    local text
    text=$(curl -sf --cacert "$WH_CA" "$WH_URL/metrics") || die "GET /metrics failed"
    awk -v m="$1" '$1 == m { print $2; f=1 } END { if (!f) print 0 }' <<<"$text"
}
