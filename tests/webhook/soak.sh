#!/bin/bash
# A soak run: signet-webhook under load from wrk for $SOAK_SECONDS (default 120), half the
# reviews cached, half new images (cache misses that fill the bounded cache and evict). Checks
# every answer was right, the server still serves, and its memory is flat: RSS after the run
# at most 10% (or 4 MiB) above RSS after a warm-up run of the same load. Meanwhile the config
# and the certificate are reloaded every few seconds (file changes and SIGHUP): no request may
# fail because of it.
. "$(dirname "$0")/lib.sh"
require_webhook_env
command -v wrk >/dev/null || die "wrk not found (the install script installs it)"
SECONDS_TOTAL=${SOAK_SECONDS:-120}
start_registry

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys release
push_image 1 team/signed:v1
COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key release.key --tlog-upload=false \
    "$REG/team/signed@$(image_digest team/signed:v1)" >/dev/null 2>&1 || die "signing failed"

CONFIG=$TEST_TMP/webhook.yaml
{
    echo "trustRoots:"
    trust_root_yaml release "$KEYS/release.pub"
    cat <<YAML
validators:
  - name: cosign-release
    type: cosign
    trustRoots: [release]
  - name: allow-all
    type: static
    approve: true
rules:
  - pattern: "$REG/team/*"
    validator: cosign-release
  - pattern: "$REG/public/*"
    validator: allow-all
default: deny
registries:
  allowHttp: ["$REG"]
cache: {ttlSeconds: 300, negativeTtlSeconds: 10, maxEntries: 5000}
YAML
} >"$CONFIG"
start_webhook "$CONFIG"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$WH_PID/status"; }
load() { # SECONDS OUT
    REVIEW_SIGNED=$REG/team/signed:v1 REVIEW_PUBLIC=$REG/public \
        wrk -t1 -c16 -d"$1s" -s "$WH_LIB_DIR/reviews.lua" "$WH_URL/mutate?timeout=10s" >"$2" 2>&1
}

new_test "warm-up: the cache fills past maxEntries (5000)"
load 15 "$TEST_TMP/warm.txt"
check "wrk ran" grep -q "Requests/sec" "$TEST_TMP/warm.txt"
check "no wrong answers" grep -q "^wrong answers: 0$" "$TEST_TMP/warm.txt"
rss0=$(rss)
echo "# RSS after warm-up: $rss0 KiB; $(grep -E 'Requests/sec' "$TEST_TMP/warm.txt")"

# Reloads during the soak: the config rewritten, SIGHUP, a new certificate, in turn.
reloader() {
    local n=0
    while :; do
        sleep 3
        n=$((n + 1))
        case $((n % 3)) in
        0) cp "$CONFIG" "$CONFIG.new" && mv "$CONFIG.new" "$CONFIG" ;;
        1) kill -HUP "$WH_PID" ;;
        2) mkdir -p "$TEST_TMP/tls$n" && make_server_cert "$TEST_TMP/tls$n" &&
            cp "$TEST_TMP/tls$n/server.crt" "$TEST_TMP/whtls/server.crt.new" &&
            cp "$TEST_TMP/tls$n/server.key" "$TEST_TMP/whtls/server.key.new" &&
            mv "$TEST_TMP/whtls/server.key.new" "$TEST_TMP/whtls/server.key" &&
            mv "$TEST_TMP/whtls/server.crt.new" "$TEST_TMP/whtls/server.crt" ;;
        esac
    done
}

new_test "soak: $SECONDS_TOTAL s of load, with reloads"
reloader &
RELOADER=$!
load "$SECONDS_TOTAL" "$TEST_TMP/soak.txt"
kill "$RELOADER" 2>/dev/null
wait "$RELOADER" 2>/dev/null
cat "$TEST_TMP"/whtls/ca.crt "$TEST_TMP"/tls*/ca.crt >"$TEST_TMP/all-cas.pem" # whichever is current
WH_CA=$TEST_TMP/all-cas.pem
rss1=$(rss)
echo "# RSS after the soak: $rss1 KiB; $(grep -E 'Requests/sec|requests in' "$TEST_TMP/soak.txt" | tr '\n' ' ')"
check "no wrong answers" grep -q "^wrong answers: 0$" "$TEST_TMP/soak.txt"
check "no socket errors" sh -c "! grep -q 'Socket errors' '$TEST_TMP/soak.txt'"
limit=$((rss0 + (rss0 / 10 > 4096 ? rss0 / 10 : 4096)))
check "memory flat: $rss1 KiB <= $limit KiB" [ "$rss1" -le "$limit" ]
check "the config was reloaded" grep -q "config $CONFIG reloaded" "$WH_LOG"
check "the certificate was reloaded" grep -q "TLS certificate .* reloaded" "$WH_LOG"
check "no reload failed" sh -c "! grep -q 'not reloaded' '$WH_LOG'"
check "the cache stayed bounded" [ "$(metric signet_webhook_cache_entries)" -le 5000 ]
check "entries were evicted" [ "$(metric signet_webhook_cache_evictions_total)" -gt 0 ]
check "still serving" [ "$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/healthz")" = 200 ]

finish
