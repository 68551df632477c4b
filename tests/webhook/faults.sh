#!/bin/bash
# signet-webhook under faults: registry down, registry slower than the deadline (the fault
# registry of tests/faults), Redis shared by two replicas and then stopped mid-run, malformed
# and oversized bodies, wrong kinds, wrong methods, TLS clients that do not trust the server or
# speak TLS 1.1, and a certificate replaced while serving. Each gets a defined answer and the
# server keeps serving.
. "$(dirname "$0")/lib.sh"
require_webhook_env
command -v redis-server >/dev/null || die "redis-server not found (the install script installs it)"
FAULT_REGISTRY=$(cd "$(dirname "$0")/../faults" && pwd)/fault_registry.py

openssl ecparam -name prime256v1 -genkey -noout -out "$TEST_TMP/key.pem" 2>/dev/null &&
    openssl ec -in "$TEST_TMP/key.pem" -pubout -out "$TEST_TMP/key.pub" 2>/dev/null ||
    die "openssl could not make a P-256 key pair"

# start_fault_registry SCENARIO: sets FREG (host:port) and FDIGEST.
FPIDS=()
stop_fault_registries() {
    local p
    for p in "${FPIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    FPIDS=()
}
at_exit stop_fault_registries
start_fault_registry() {
    local out=$TEST_TMP/fault-$1.out
    "$PY" "$FAULT_REGISTRY" --scenario "$1" --key "$TEST_TMP/key.pem" --log "$TEST_TMP/fault.log" \
        >"$out" 2>"$out.err" &
    FPIDS+=($!)
    for _ in $(seq 200); do
        [ "$(wc -l <"$out")" -ge 2 ] && break
        sleep 0.05
    done
    FREG=127.0.0.1:$(sed -n 1p "$out")
    FDIGEST=$(sed -n 2p "$out")
    case $FDIGEST in sha256:*) ;; *) die "fault registry '$1' did not start: $(cat "$out.err")" ;; esac
}

# start_redis: sets REDIS_PORT.
REDIS_PID=
stop_redis() {
    [ -n "$REDIS_PID" ] || return 0
    kill "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
}
at_exit stop_redis
start_redis() {
    REDIS_PORT=$(_free_port)
    mkdir -p "$TEST_TMP/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$TEST_TMP/redis" >"$TEST_TMP/redis/log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 200); do
        redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.05
    done
    die "redis-server did not start: $(cat "$TEST_TMP/redis/log")"
}

start_fault_registry ok
OKREG=$FREG OKDIGEST=$FDIGEST
start_fault_registry slow
SLOWREG=$FREG
DOWNREG=127.0.0.1:$(_free_port) # nothing listens there
start_redis
# The replicas' shared secret, made as docs/webhook.md says.
head -c 32 /dev/urandom | base64 >"$TEST_TMP/redis-hmac.key"

CONFIG=$TEST_TMP/webhook.yaml
{
    echo "trustRoots:"
    trust_root_yaml fault "$TEST_TMP/key.pub"
    cat <<YAML
validators:
  - name: cosign-fault
    type: cosign
    trustRoots: [fault]
rules:
  - pattern: "127.0.0.1:*"
    validator: cosign-fault
default: deny
deadlineSeconds: 2
maxBodyBytes: 4096
registries:
  allowHttp: ["$OKREG", "$SLOWREG", "$DOWNREG"]
cache: {ttlSeconds: 300, negativeTtlSeconds: 10, maxEntries: 1000}
redis: {url: "redis://127.0.0.1:$REDIS_PORT", keyPrefix: "faults:", hmacKeyFile: "$TEST_TMP/redis-hmac.key"}
YAML
} >"$CONFIG"
start_webhook "$CONFIG"
R=$TEST_TMP/req.json

healthy() { # the server still answers
    check "still serving" [ "$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/healthz")" = 200 ]
}

new_test "a signed image from the fault registry is admitted (and shared through Redis)"
make_review "$R" Pod "$OKREG/test/app:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$OKREG/test/app@$OKDIGEST"
check "the verdict is in Redis" [ -n "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'faults:*' | head -1)" ]

new_test "registry down: denied with the reason, at once"
make_review "$R" Pod "$DOWNREG/test/app:v1"
post /mutate "$R" --max-time 20
expect_review denied "$R" --no-patch --message "image '$DOWNREG/test/app:v1'" "$DOWNREG"
healthy

new_test "registry slower than the deadline: a clear denial, never a hang"
make_review "$R" Pod "$SLOWREG/test/app:v1"
post /mutate "$R" --max-time 20
expect_review denied "$R" --no-patch --message "image '$SLOWREG/test/app:v1'" "deadline exceeded"
healthy

new_test "concurrent reviews of one image share one verification"
make_review "$R" Pod "$SLOWREG/test/app:shared"
verifications=$(metric signet_webhook_verification_seconds_count)
coalesced=$(metric 'signet_webhook_cache_hits_total{source="coalesced"}')
pids=()
for i in 1 2 3 4 5; do
    curl -s --cacert "$WH_CA" -H 'Content-Type: application/json' --data-binary "@$R" \
        -o "$TEST_TMP/concurrent.$i.json" --max-time 20 "$WH_URL/mutate" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for i in 1 2 3 4 5; do
    check "review $i denied (deadline)" grep -q '"allowed":false' "$TEST_TMP/concurrent.$i.json"
done
check "one verification ran" \
    [ "$(($(metric signet_webhook_verification_seconds_count) - verifications))" = 1 ]
check "four reviews waited for it" \
    [ "$(($(metric 'signet_webhook_cache_hits_total{source="coalesced"}') - coalesced))" = 4 ]

# elapsed_ms COMMAND...: runs it; ELAPSED_MS is how long it took.
elapsed_ms() {
    local start
    start=$(date +%s%N)
    "$@"
    ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
}

new_test "the API server's ?timeout= shortens the deadline too"
make_review "$R" Pod "$SLOWREG/test/app:v2"
elapsed_ms post "/mutate?timeout=2s" "$R" --max-time 20
expect_review denied "$R" --message "deadline exceeded"
check "answered 1 s before the API server's 2 s, not at the config's 2 s (${ELAPSED_MS} ms)" \
    [ "$ELAPSED_MS" -lt 1800 ]
make_review "$R" Pod "$SLOWREG/test/app:v3"
elapsed_ms post "/mutate?timeout=1s" "$R" --max-time 20
expect_review denied "$R" --message "deadline exceeded"
check "a 1 s timeout (not above the margin) is still kept (${ELAPSED_MS} ms)" [ "$ELAPSED_MS" -lt 1000 ]

new_test "a second replica gets the verdict from Redis, without asking the registry"
pid1=$WH_PID url1=$WH_URL log1=$WH_LOG
WH_PID= # keep the first one running
start_webhook "$CONFIG"
before=$(wc -l <"$TEST_TMP/fault.log")
make_review "$R" Pod "$OKREG/test/app:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$OKREG/test/app@$OKDIGEST"
check "a Redis hit was counted" [ "$(metric 'signet_webhook_cache_hits_total{source="redis"}')" = 1 ]
check "the registry was not asked" [ "$(wc -l <"$TEST_TMP/fault.log")" = "$before" ]
stop_webhook
WH_PID=$pid1 WH_URL=$url1 WH_LOG=$log1

new_test "a verdict planted in Redis without the secret is not believed: the image is verified"
key=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'faults:*/test/app:v1' | head -1)
check "the verdict for test/app:v1 is in Redis" [ -n "$key" ]
# What anyone who can write to Redis could try: another digest for the same image.
redis-cli -p "$REDIS_PORT" SET "$key" \
    "v3|$(($(date +%s) + 300))|allowed|sha256:$(printf 'e%.0s' $(seq 64))||$(printf '0%.0s' $(seq 64))" \
    EX 300 >/dev/null
WH_PID= # keep the first one running
start_webhook "$CONFIG"
before=$(wc -l <"$TEST_TMP/fault.log")
make_review "$R" Pod "$OKREG/test/app:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$OKREG/test/app@$OKDIGEST"
check "no Redis hit" [ "$(metric 'signet_webhook_cache_hits_total{source="redis"}')" = 0 ]
check "counted as a Redis error" [ "$(metric signet_webhook_redis_errors_total)" = 1 ]
check "the registry was asked" [ "$(wc -l <"$TEST_TMP/fault.log")" -gt "$before" ]
check "logged" grep -qF "ignoring a value for '$key' in redis whose MAC does not verify" "$WH_LOG"
check "the secret is not logged" bash -c '! grep -qF -- "$(cat "$1")" "$2"' sh "$TEST_TMP/redis-hmac.key" "$WH_LOG"
check "the planted value was replaced" bash -c '[ "$(redis-cli -p "$1" GET "$2" | cut -d"|" -f4)" = "$3" ]' \
    sh "$REDIS_PORT" "$key" "$OKDIGEST"
stop_webhook
WH_PID=$pid1 WH_URL=$url1 WH_LOG=$log1

new_test "Redis stopped mid-run: reviews go on (local cache, then verification)"
stop_redis
make_review "$R" Pod "$OKREG/test/app:v1"
post /mutate "$R"
expect_review allowed "$R"
make_review "$R" Deployment "$OKREG/test/app@$OKDIGEST"
post /mutate "$R"
expect_review allowed "$R" --no-patch
make_review "$R" Pod "$DOWNREG/other:v1"
post /mutate "$R"
expect_review denied "$R" --message "$DOWNREG"
check "Redis errors were counted" [ "$(metric signet_webhook_redis_errors_total)" -gt 0 ]
check "the outage is logged" grep -q "redis unavailable" "$WH_LOG"
healthy

new_test "malformed JSON: 400 with the reason"
printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' >"$TEST_TMP/bad.json"
post /validate "$TEST_TMP/bad.json"
check "400" [ "$HTTP_CODE" = 400 ]
check "says it is not JSON" grep -q "not JSON" "$RESPONSE"
healthy

new_test "an AdmissionReview of another version: 400"
make_review "$R" Pod "$OKREG/test/app:v1"
sed 's|admission.k8s.io/v1"|admission.k8s.io/v1beta1"|' "$R" >"$TEST_TMP/beta.json"
post /validate "$TEST_TMP/beta.json"
check "400" [ "$HTTP_CODE" = 400 ]
check "names the version" grep -q "v1beta1" "$RESPONSE"

new_test "a kind the webhook does not check: denied, naming it"
make_review "$R" ConfigMap "$OKREG/test/app:v1"
post /validate "$R"
expect_review denied "$R" --message "kind ConfigMap"

new_test "a body over maxBodyBytes: 413, with or without Content-Length"
head -c 5000 /dev/zero | tr '\0' ' ' >"$TEST_TMP/big.json"
post /validate "$TEST_TMP/big.json"
check "413 (Content-Length)" [ "$HTTP_CODE" = 413 ]
check "says the limit" grep -q "4096-byte limit" "$RESPONSE"
post /validate "$TEST_TMP/big.json" -H 'Transfer-Encoding: chunked'
check "413 (chunked)" [ "$HTTP_CODE" = 413 ]
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$TEST_TMP/huge.json"
post /validate "$TEST_TMP/huge.json"
check "413 before reading a body of 17 MiB" [ "$HTTP_CODE" = 413 ]
healthy

new_test "wrong method and path: 405 and 404"
code=$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/validate")
check "GET /validate: 405" [ "$code" = 405 ]
code=$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/nothing-here")
check "GET /nothing-here: 404" [ "$code" = 404 ]

new_test "a TLS client that does not trust the certificate: refused, the server goes on"
run curl -s -o /dev/null "$WH_URL/healthz"
expect_status 60
run curl -s -o /dev/null --cacert "$WH_CA" --tlsv1.0 --tls-max 1.1 "$WH_URL/healthz"
check "TLS 1.1 refused" [ "$STATUS" != 0 ]
healthy

new_test "/metrics: counters in Prometheus' text format"
curl -s --cacert "$WH_CA" "$WH_URL/metrics" >"$TEST_TMP/metrics.txt"
for m in 'signet_webhook_reviews_total{outcome="denied"}' signet_webhook_verification_seconds_count \
    'signet_webhook_cache_hits_total{source="local"}' signet_webhook_cache_misses_total \
    signet_webhook_registry_errors_total signet_webhook_redis_errors_total; do
    check "$m present" grep -q "^$m " "$TEST_TMP/metrics.txt"
done
check "bad requests counted" [ "$(metric 'signet_webhook_reviews_total{outcome="bad_request"}')" -ge 4 ]

new_test "the certificate replaced while serving: new handshakes use the new one"
mkdir "$TEST_TMP/newtls" && make_server_cert "$TEST_TMP/newtls"
cp "$TEST_TMP/newtls/server.key" "$TEST_TMP/whtls/server.key.new"
cp "$TEST_TMP/newtls/server.crt" "$TEST_TMP/whtls/server.crt.new"
mv "$TEST_TMP/whtls/server.crt.new" "$TEST_TMP/whtls/server.crt"
mv "$TEST_TMP/whtls/server.key.new" "$TEST_TMP/whtls/server.key"
for _ in $(seq 100); do
    grep -q "TLS certificate .* reloaded" "$WH_LOG" && break
    sleep 0.1
done
code=$(curl -s --cacert "$TEST_TMP/newtls/ca.crt" -o /dev/null -w '%{http_code}' "$WH_URL/healthz")
check "the new CA is trusted now" [ "$code" = 200 ]
run curl -s -o /dev/null --cacert "$WH_CA" "$WH_URL/healthz"
expect_status 60

finish
