#!/usr/bin/env bash
# signet-webhook under load from wrk (tests/webhook/reviews.lua) over HTTPS on loopback, one run:
#   1. cached: the same AdmissionReview (a Pod with a signed image by tag) posted to /mutate
#      (answered with the pin to its verified digest) again and again; reviews/s,
#      p50/p99 latency;
#   2. uncached: the same load with the cache disabled (ttlSeconds 0), so every review verifies
#      the image against the local docker-registry: reviews/s, p99 under load;
#   3. first-seen latency: uncached again, one connection (one review at a time): p50, p99;
#   4. memory: the webhook's RSS after warm-up and after each run.
# Usage: bench/webhook.sh [BUILD_BIN_DIR]   (env: BENCH_SECONDS=20 BENCH_CONNECTIONS=32
# BENCH_THREADS=1). Reports; never fails because a number misses its target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
seconds=${BENCH_SECONDS:-20}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-1}
. "$root/scripts/registry-lib.sh"
. "$root/scripts/webhook-lib.sh"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
wh_pid=
stop_webhook() { [ -z "$wh_pid" ] || { kill "$wh_pid" 2>/dev/null; wait "$wh_pid" 2>/dev/null || true; }; wh_pid=; }
trap 'stop_webhook; stop_registry; rm -rf "$work"' EXIT
cd "$work"
start_registry "$work/registry"
export COSIGN_PASSWORD=bench
"$bin/signet" generate-key-pair >/dev/null 2>&1
"$root/scripts/make-oci-image.sh" "$work/img" "webhook bench image" >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/img:latest" "docker://$REGISTRY/team/app:v1"
"$bin/signet" sign --key cosign.key --tlog-upload=false --allow-http-registry \
    "$REGISTRY/team/app:v1" 2>/dev/null

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt 2>/dev/null

write_config() { # TTL
    {
        printf 'trustRoots:\n  - name: release\n    key: |\n'
        sed 's/^/      /' cosign.pub
        cat <<YAML
validators:
  - name: cosign-release
    type: cosign
    trustRoots: [release]
rules:
  - pattern: "$REGISTRY/team/*"
    validator: cosign-release
default: deny
registries:
  allowHttp: ["$REGISTRY"]
cache: {ttlSeconds: $1, negativeTtlSeconds: $1, maxEntries: 10000}
YAML
    } >webhook.yaml
}

python3 "$root/tests/webhook/mkreview.py" Pod "$REGISTRY/team/app:v1" >review.json # for the warm-up

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$wh_pid/status"; }
# The mean time of the verifications that ran, from the webhook's own histogram, in ms.
verify_ms() {
    curl -sk "https://127.0.0.1:$port/metrics" | awk '/^signet_webhook_verification_seconds_sum/ {s=$2}
        /^signet_webhook_verification_seconds_count/ {n=$2} END {printf "%.2f", n ? s * 1000 / n : 0}'
}

start_webhook() {
    "$bin/signet-webhook" --config webhook.yaml --listen 127.0.0.1:0 --tls-cert tls.crt \
        --tls-key tls.key 2>webhook.log &
    wh_pid=$!
    port=$(webhook_port "$wh_pid" webhook.log) ||
        { echo "signet-webhook did not start: $(cat webhook.log)" >&2; exit 2; }
    url=https://127.0.0.1:$port/mutate?timeout=10s
}

# run_load NAME [CONNECTIONS]: wrk for $seconds; prints "NAME rps p50_us p99_us wrong".
run_load() {
    REVIEW_SIGNED=$REGISTRY/team/app:v1 wrk -t"$threads" -c"${2:-$connections}" -d"${seconds}s" --latency \
        -s "$root/tests/webhook/reviews.lua" "$url" >"$1.wrk"
    awk -v n="$1" '/^Requests\/sec/ {rps=$2} /^wrong answers/ {w=$3}
        /^p50_us/ {p50=$2; p99=$4} END {printf "%s %s %s %s %s\n", n, rps, p50, p99, w}' "$1.wrk"
}

echo "signet-webhook bench: $seconds s per run, wrk -t$threads -c$connections, $(nproc) cores, $(date -u '+%F %H:%M UTC')"
write_config 300
start_webhook
curl -sk --data-binary @review.json -H 'Content-Type: application/json' "$url" | grep -q '"allowed":true' ||
    { echo "the warm-up review was not allowed: $(cat webhook.log)" >&2; exit 2; }
rss0=$(rss_kib)
read -r _ c_rps c_p50 c_p99 c_wrong < <(run_load cached)
rss1=$(rss_kib)
stop_webhook

write_config 0
start_webhook
curl -sk --data-binary @review.json -H 'Content-Type: application/json' "$url" >/dev/null
read -r _ u_rps u_p50 u_p99 u_wrong < <(run_load uncached)
read -r _ f_rps f_p50 f_p99 f_wrong < <(run_load first-seen 1)
rss2=$(rss_kib)
u_verify=$(verify_ms)
stop_webhook

# The registry alone: the two requests a verification makes (the tag's manifest, then the .sig
# manifest), 200 times over one keep-alive connection with curl; p50 and p99 of the pair, in ms.
digest=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY/team/app:v1" | sha256sum | cut -c1-64)
accept='Accept: application/vnd.oci.image.manifest.v1+json'
curl_args=()
for _ in $(seq 200); do
    curl_args+=(-o /dev/null -H "$accept" -I "http://$REGISTRY/v2/team/app/manifests/v1"
        -o /dev/null -H "$accept" "http://$REGISTRY/v2/team/app/manifests/sha256-$digest.sig")
done
read -r reg_p50 reg_p99 < <(curl -s -w '%{time_total}\n' "${curl_args[@]}" |
    awk 'NR % 2 {t = $1; next} {print (t + $1) * 1000}' | sort -n |
    awk '{a[NR] = $1} END {printf "%.2f %.2f\n", a[int(NR / 2)], a[int(NR * 0.99)]}')

ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
echo
echo "| run | reviews/s | p50 ms | p99 ms | wrong answers | target |"
echo "|---|---|---|---|---|---|"
echo "| cached (same image), $connections connections | $c_rps | $(ms "$c_p50") | $(ms "$c_p99") | $c_wrong | >= 10000/s, p99 < 5 ms |"
echo "| uncached (every review verifies), $connections connections | $u_rps | $(ms "$u_p50") | $(ms "$u_p99") | $u_wrong | - |"
echo "| first-seen image (uncached), 1 connection | $f_rps | $(ms "$f_p50") | $(ms "$f_p99") | $f_wrong | p99 < 10 ms |"
echo
echo "Uncached: a verification (2 registry requests and the signature check) took $u_verify ms on average."
echo "The registry alone, the same 2 requests with curl over one connection: p50 $reg_p50 ms, p99 $reg_p99 ms."
echo "RSS: ${rss0} KiB after warm-up, ${rss1} KiB after the cached run; ${rss2} KiB after the uncached run"
