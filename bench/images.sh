#!/usr/bin/env bash
# Image benchmarks on a local docker-registry (plain HTTP, loopback), signet beside a peer in one
# run:
#   1. whole-process `signet verify` of a signed image vs `skopeo inspect --raw` of the same
#      image (which verifies nothing), interleaved; wall time medians and their ratio; peak RSS;
#   2. N signed images (default 1000) verified in one `signet verify` call: images/s;
#   3. `signet sign` of 100 images in one call.
# Usage: bench/images.sh [SIGNET]   (env: BENCH_IMAGES=1000 BENCH_ROUNDS=30 BENCH_WORKERS=16)
# Reports; never fails because a number misses its target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
signet=${1:-${SIGNET:-$root/build/bin/signet}}
images=${BENCH_IMAGES:-1000}
rounds=${BENCH_ROUNDS:-30}
workers=${BENCH_WORKERS:-16}
. "$root/scripts/registry-lib.sh"

work=$(mktemp -d)
trap 'stop_registry; rm -rf "$work"' EXIT
cd "$work"
start_registry "$work/registry"
export COSIGN_PASSWORD=bench
"$signet" generate-key-pair >/dev/null 2>&1
"$root/scripts/make-oci-image.sh" "$work/img" "bench image" >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/img:latest" "docker://$REGISTRY/bench/app:base"

# N distinct images cheaply: the same config and layer, manifests that differ by one annotation,
# PUT over one keep-alive connection.
python3 - "$REGISTRY" "$work/img" "$images" <<'EOF_PY'
import http.client, json, sys
registry, layout, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
index = json.load(open(f"{layout}/index.json"))
digest = index["manifests"][0]["digest"].split(":")[1]
manifest = json.load(open(f"{layout}/blobs/sha256/{digest}"))
host, port = registry.split(":")
conn = http.client.HTTPConnection(host, int(port))
for i in range(n + 100):
    manifest["annotations"] = {"bench.index": str(i)}
    body = json.dumps(manifest).encode()
    conn.request("PUT", f"/v2/bench/app/manifests/img{i}", body,
                 {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    r = conn.getresponse(); r.read()
    if r.status != 201:
        sys.exit(f"PUT img{i}: {r.status}")
EOF_PY
list() { for i in $(seq "$1" "$2"); do echo "$REGISTRY/bench/app:img$i"; done; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# 3. sign 100 images in one call (also makes the images for 1 and 2 signed)
t0=$(now_ns)
"$signet" sign --key cosign.key --tlog-upload=false --allow-http-registry --max-workers 8 \
    $(list 0 99) 2>/dev/null
t1=$(now_ns)
sign100_ms=$(( (t1 - t0) / 1000000 ))
if [ "$images" -gt 100 ]; then
    "$signet" sign --key cosign.key --tlog-upload=false --allow-http-registry --max-workers 8 \
        $(list 100 $((images - 1))) 2>/dev/null
fi

# 1. one image, whole process, interleaved with skopeo
one="$REGISTRY/bench/app:img0"
: > signet.ms; : > skopeo.ms
for _ in $(seq 1 "$rounds"); do
    t0=$(now_ns); "$signet" verify --key cosign.pub --allow-http-registry "$one" >/dev/null 2>&1; t1=$(now_ns)
    echo $(( (t1 - t0) / 1000 )) >> signet.ms
    t0=$(now_ns); skopeo inspect --raw --tls-verify=false "docker://$one" >/dev/null; t1=$(now_ns)
    echo $(( (t1 - t0) / 1000 )) >> skopeo.ms
done
signet_us=$(median < signet.ms); skopeo_us=$(median < skopeo.ms)
rss_kib=$(/usr/bin/time -f %M "$signet" verify --key cosign.pub --allow-http-registry "$one" 2>&1 >/dev/null | tail -1)
skopeo_rss_kib=$(/usr/bin/time -f %M skopeo inspect --raw --tls-verify=false "docker://$one" 2>&1 >/dev/null | tail -1)

# 2. many images in one call
list 0 $((images - 1)) > images.txt
t0=$(now_ns)
"$signet" verify --key cosign.pub --allow-http-registry --max-workers "$workers" $(cat images.txt) > many.out 2>/dev/null
t1=$(now_ns)
verified=$(grep -c '"critical"' many.out || true)
many_ms=$(( (t1 - t0) / 1000000 ))
many_rss_kib=$(/usr/bin/time -f %M "$signet" verify --key cosign.pub --allow-http-registry --max-workers "$workers" $(cat images.txt) 2>&1 >/dev/null | tail -1)

awk -v s="$signet_us" -v k="$skopeo_us" -v rss="$rss_kib" -v krss="$skopeo_rss_kib" \
    -v n="$images" -v v="$verified" -v ms="$many_ms" -v mrss="$many_rss_kib" -v s100="$sign100_ms" \
    -v w="$workers" 'BEGIN {
    printf "| metric | signet | peer | ratio | target | met |\n|---|---|---|---|---|---|\n"
    printf "| verify one image, whole process (median of %d, ms) | %.1f | skopeo inspect --raw %.1f | %.2f | <= 0.20 | %s |\n", '"$rounds"', s/1000, k/1000, s/k, (s/k <= 0.2 ? "yes" : "no")
    printf "| peak RSS, verify one image (MiB) | %.1f | skopeo %.1f | | <= 10 | %s |\n", rss/1024, krss/1024, (rss/1024 <= 10 ? "yes" : "no")
    printf "| verify %d images in one call (%d workers): images/s | %.0f (%d verified in %d ms) | | | >= 1000 | %s |\n", n, w, n/(ms/1000), v, ms, (n/(ms/1000) >= 1000 && v == n ? "yes" : "no")
    printf "| peak RSS, verify %d images (MiB) | %.1f | | | | |\n", n, mrss/1024
    printf "| sign 100 images in one call (s) | %.2f | | | | |\n", s100/1000
}'
