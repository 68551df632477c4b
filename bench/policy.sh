#!/usr/bin/env bash
# Policy benchmarks on a local docker-registry (plain HTTP, loopback), in one run:
#   1. GPG: `signet policy verify` with a signedBy policy vs `skopeo copy --policy` (the same
#      policy) of the same image to a dir: destination, interleaved; medians and ratio;
#   2. sigstoreSigned: `signet policy verify` vs `signet verify --key` of the same image: the
#      policy layer's overhead;
#   3. where the signedBy time goes: the same check with insecureAcceptAnything (start-up, registry
#      and lookaside, no GnuPG), one `gpg --version` (the cost of one GnuPG process), and, when
#      strace is installed, the processes one signedBy check starts.
# Usage: bench/policy.sh [SIGNET]   (env: BENCH_ROUNDS=20)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
signet=${1:-${SIGNET:-$root/build/bin/signet}}
rounds=${BENCH_ROUNDS:-20}
ss=$root/../shared/vectors/containers-image/interop/simple-signing
fpr=3F01D7D3121CACD90125E338602FF35B08633FE2
. "$root/scripts/registry-lib.sh"

work=$(mktemp -d)
trap 'gpgconf --kill all 2>/dev/null || true; stop_registry; rm -rf "$work"' EXIT
cd "$work"
export GNUPGHOME=$work/gnupg COSIGN_PASSWORD=bench
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --import "$ss/signer-sec-TEST-ONLY.asc" 2>/dev/null
start_registry "$work/registry"
mkdir -p rd lookaside
printf 'docker:\n  %s:\n    lookaside: file://%s/lookaside\n    use-sigstore-attachments: true\n' \
    "$REGISTRY" "$work" >rd/local.yaml
"$root/scripts/make-oci-image.sh" "$work/img" "policy bench" >/dev/null
image=$REGISTRY/bench/app:v1
skopeo copy -q --dest-tls-verify=false --registries.d rd --sign-by "$fpr" "oci:$work/img:latest" \
    "docker://$image"
"$signet" generate-key-pair >/dev/null 2>&1
"$signet" sign --key cosign.key --tlog-upload=false --allow-http-registry "$image" 2>/dev/null
printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}\n' \
    "$ss/signer-pub.gpg" >gpg-policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >any-policy.json
printf '{"default":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"matchRepository"}}]}\n' \
    "$work/cosign.pub" >sigstore-policy.json

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_us CMD...: microseconds of one run; the command must succeed.
time_us() {
    local t0 t1
    t0=$(now_ns)
    "$@" >/dev/null 2>&1 || { echo "bench/policy.sh: failed: $*" >&2; exit 1; }
    t1=$(now_ns)
    echo $(((t1 - t0) / 1000))
}

: >a; : >b; : >c; : >d; : >e; : >f
for i in $(seq 1 "$rounds"); do
    time_us "$signet" policy verify --policy gpg-policy.json --registries.d rd --allow-http-registry \
        "docker://$image" >>a
    rm -rf out
    time_us skopeo --policy gpg-policy.json --registries.d rd copy -q --src-tls-verify=false \
        "docker://$image" "dir:$work/out" >>b
    time_us "$signet" policy verify --policy sigstore-policy.json --registries.d rd \
        --allow-http-registry "docker://$image" >>c
    time_us "$signet" verify --key cosign.pub --allow-http-registry "$image" >>d
    time_us "$signet" policy verify --policy any-policy.json --registries.d rd --allow-http-registry \
        "docker://$image" >>e
    time_us gpg --version >>f
done
awk -v a="$(median <a)" -v b="$(median <b)" -v c="$(median <c)" -v d="$(median <d)" \
    -v e="$(median <e)" -v f="$(median <f)" -v n="$rounds" 'BEGIN {
    printf "| metric (median of %d, ms) | signet | peer | ratio | target | met |\n|---|---|---|---|---|---|\n", n
    printf "| signedBy (GPG) policy check | %.1f | skopeo copy --policy %.1f | %.1fx faster | >= 5x | %s |\n", a/1000, b/1000, b/a, (b/a >= 5 ? "yes" : "no")
    printf "| sigstoreSigned policy check vs verify --key | %.1f | verify --key %.1f | %+.0f%% | < 10%% | %s |\n", c/1000, d/1000, (c/d-1)*100, (c/d-1 < 0.10 ? "yes" : "no")
    printf "\n| signedBy breakdown (median, ms) | |\n|---|---|\n"
    printf "| insecureAcceptAnything check (no GnuPG) | %.1f |\n", e/1000
    printf "| signedBy minus that: GnuPG through gpgme | %.1f |\n", (a-e)/1000
    printf "| one gpg --version (one GnuPG process) | %.1f |\n", f/1000
    printf "| signedBy budget for 5x: skopeo / 5 | %.1f |\n", b/5000
}'
if command -v strace >/dev/null; then
    strace -f -qq -e trace=execve -o strace.txt "$signet" policy verify --policy gpg-policy.json \
        --registries.d rd --allow-http-registry "docker://$image" >/dev/null 2>&1
    echo
    echo "Processes one signedBy check starts (strace, successful execve):"
    grep -v ENOENT strace.txt | grep -o 'execve("[^"]*"' | sed 1d | sort | uniq -c
fi
