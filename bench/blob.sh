#!/usr/bin/env bash
# Usage: bench/blob.sh [SIGNET]
#
# Benchmarks signet sign-blob / verify-blob against `openssl dgst -sha256 -sign/-verify`
# with the same P-256 key on the same file, and prints a Markdown table (stdout) for
# docs/benchmarks.md. Progress goes to stderr. Runs from any directory.
#
#   SIGNET            signet binary: $1, else $SIGNET, else build/bin/signet in the repo
#   BENCH_SIZE_MB     size of the large file in MiB (default 1024; e.g. 64 for a quick run)
#   BENCH_ROUNDS      interleaved rounds on the large file; the median is kept (default 3)
#   BENCH_SMALL_BYTES size of the small file for the process-overhead run (default 1024)
#   TMPDIR            where the scratch directory (and the large file) goes
#
# Needs: openssl, hyperfine, GNU time (/usr/bin/time), jq or python3.
# It reports and never asserts: missing a target still exits 0, so it is safe anywhere.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and printf must use '.' as the decimal point

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
signet=${1:-${SIGNET:-$repo/build/bin/signet}}
size_mb=${BENCH_SIZE_MB:-1024}
rounds=${BENCH_ROUNDS:-3}
small_bytes=${BENCH_SMALL_BYTES:-1024}

die() { echo "blob.sh: $*" >&2; exit 2; }
log() { echo "$*" >&2; }

[[ -x $signet ]] || die "no signet binary at '$signet' (pass it as \$1 or \$SIGNET)"
signet=$(cd "$(dirname "$signet")" && pwd)/$(basename "$signet") # we cd into the scratch dir
for tool in openssl hyperfine /usr/bin/time; do
    command -v "$tool" >/dev/null || die "'$tool' is required"
done
if command -v jq >/dev/null; then
    json_stats() { jq -r '.results[] | "\(.mean) \(.median) \(.stddev)"' "$1"; }
elif command -v python3 >/dev/null; then
    json_stats() {
        python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]: print(r["mean"], r["median"], r["stddev"])' "$1"
    }
else
    die "jq or python3 is required to read hyperfine's JSON"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/signet-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# --- Keys: one P-256 key, so both tools do exactly the same ECDSA work. -------------------
export COSIGN_PASSWORD=bench
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem
"$signet" import-key-pair --key key.pem --output-key-prefix cosign >/dev/null 2>&1 ||
    die "signet import-key-pair failed"

# --- Files. Random data so nothing (sparse files, compression) can shortcut the read. ----
log "making a ${size_mb} MiB file in $work ..."
head -c "$((size_mb * 1024 * 1024))" /dev/urandom >big
head -c "$small_bytes" /dev/urandom >small
# Flush the new file first: otherwise its writeback to disk competes with round 1.
sync big small
cat big small >/dev/null # warm the page cache: we measure hashing, not the disk
size_bytes=$(stat -c %s big)

# Runs a command, stores its wall time in seconds in the global $t; a failing command is a
# broken benchmark, not a slow one, so it stops the script.
t=
timed() {
    local t0 t1
    t0=$EPOCHREALTIME
    "$@" >out.txt 2>err.txt || { cat err.txt >&2; die "failed: $*"; }
    t1=$EPOCHREALTIME
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
}
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; } # calc FORMAT EXPR

signet_sign() {
    "$signet" sign-blob --key cosign.key --tlog-upload=false --output-signature "$1" "$2"
}
signet_verify() { "$signet" verify-blob --key cosign.pub --signature "$1" "$2"; }
openssl_sign() { openssl dgst -sha256 -sign key.pem -out "$1" "$2"; }
openssl_verify() { openssl dgst -sha256 -verify pub.pem -signature "$1" "$2"; }

# --- Large file: interleaved rounds, alternating who goes first so that neither tool ----
# always runs right after the other has warmed (or heated) the CPU. Each large-file run is
# preceded by the same command on the small file, three times (median): big minus small is
# the per-byte (hashing) time, with the fixed cost (process start, key loading, scrypt)
# measured seconds apart under the same machine load, not minutes apart.
declare -A big net # "tool.op" -> space-separated seconds, one per round
for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then order="signet openssl"; else order="openssl signet"; fi
    for op in sign verify; do # sign first: verify checks this round's signatures
        for tool in $order; do
            smalls=()
            for _ in 1 2 3; do
                timed "${tool}_$op" "small.$tool.sig" small
                smalls+=("$t")
            done
            t_small=$(median "${smalls[@]}")
            timed "${tool}_$op" "big.$tool.sig" big
            big[$tool.$op]+=" $t"
            net[$tool.$op]+=" $(calc %.6f "$t - $t_small")"
            log "round $r: $tool $op: ${t}s (small file ${t_small}s)"
        done
    done
done
# Each tool checks the other's signature once: same key, same digest, or the race is moot.
signet_verify big.openssl.sig big >/dev/null 2>&1 || die "signet rejects openssl's signature"
base64 -d big.signet.sig >big.signet.der
openssl_verify big.signet.der big >/dev/null || die "openssl rejects signet's signature"

med() { local -a v; read -ra v <<<"$1"; median "${v[@]}"; }
t_ss=$(med "${big[signet.sign]}") t_os=$(med "${big[openssl.sign]}")
t_sv=$(med "${big[signet.verify]}") t_ov=$(med "${big[openssl.verify]}")
d_ss=$(med "${net[signet.sign]}") d_os=$(med "${net[openssl.sign]}")
d_sv=$(med "${net[signet.verify]}") d_ov=$(med "${net[openssl.verify]}")

# --- Small file: whole-process cost, hyperfine without a shell in between. -------------
printf -v q_signet '%q' "$signet"
log "hyperfine: verify-blob on a ${small_bytes}-byte file ..."
hyperfine -N --style basic --warmup 10 --min-runs 100 --export-json verify.json \
    -n signet "$q_signet verify-blob --key cosign.pub --signature small.signet.sig small" \
    -n openssl "openssl dgst -sha256 -verify pub.pem -signature small.openssl.sig small" >&2
# Signing decrypts the cosign key (scrypt, ~0.2 s), so fewer runs suffice.
log "hyperfine: sign-blob on a ${small_bytes}-byte file ..."
hyperfine -N --style basic --warmup 2 --min-runs 10 --export-json sign.json \
    -n signet "$q_signet sign-blob --key cosign.key --tlog-upload=false \
--output-signature small.signet.sig small" \
    -n openssl "openssl dgst -sha256 -sign key.pem -out small.openssl.sig small" >&2
# Each line: mean median stddev (seconds), in command order. The table uses the mean; the
# median is printed too because one busy moment on a shared machine moves the mean of a
# 3 ms command a lot.
{ read -r h_sv hm_sv hs_sv; read -r h_ov hm_ov hs_ov; } < <(json_stats verify.json)
{ read -r h_ss _ _; read -r h_os _ _; } < <(json_stats sign.json)

# --- Peak RSS (KiB from GNU time, shown in MiB). ----------------------------------------
# GNU time runs a program, not a shell function: hence the commands spelled out again.
rss() {
    /usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1 || die "failed: $*"
    calc %.1f "$(cat rss.txt) / 1024"
}
s_sign=("$signet" sign-blob --key cosign.key --tlog-upload=false --output-signature)
s_verify=("$signet" verify-blob --key cosign.pub --signature)
o_sign=(openssl dgst -sha256 -sign key.pem -out)
o_verify=(openssl dgst -sha256 -verify pub.pem -signature)
# One assignment per line: in `a=$(x) b=$(y)` set -e only sees y's status.
m_ss_big=$(rss "${s_sign[@]}" big.signet.sig big)
m_os_big=$(rss "${o_sign[@]}" big.openssl.sig big)
m_sv_big=$(rss "${s_verify[@]}" big.signet.sig big)
m_ov_big=$(rss "${o_verify[@]}" big.openssl.sig big)
m_ss_small=$(rss "${s_sign[@]}" small.signet.sig small)
m_os_small=$(rss "${o_sign[@]}" small.openssl.sig small)
m_sv_small=$(rss "${s_verify[@]}" small.signet.sig small)
m_ov_small=$(rss "${o_verify[@]}" small.openssl.sig small)

# The scrypt parameters in the key say how much memory decrypting it needs (128*r*N bytes).
# Only a footnote: a key it cannot parse gives "?" rather than stopping the run.
kdf=$(sed '1d;$d' cosign.key | base64 -d 2>/dev/null || true)
scrypt_n=$(grep -o '"N":[0-9]*' <<<"$kdf" | cut -d: -f2 || true)
scrypt_r=$(grep -o '"r":[0-9]*' <<<"$kdf" | cut -d: -f2 || true)
if [[ $scrypt_n =~ ^[0-9]+$ && $scrypt_r =~ ^[0-9]+$ ]]; then
    scrypt_mib=$(calc %.0f "128 * $scrypt_r * $scrypt_n / 1048576")
else
    scrypt_n="?" scrypt_r="?" scrypt_mib="?"
fi

# --- Derived numbers. ----------------------------------------------------------------------
# End-to-end MB/s includes each process's fixed cost (for signet sign-blob: the scrypt key
# decryption); "hashing" MB/s divides by big-minus-small time, the per-byte work that the
# 10% target is about.
mbps() { calc %.0f "$size_bytes / 1000000 / $1"; }
# On a very busy machine big minus small can come out <= 0: say n/a rather than divide.
is_true() { awk "BEGIN { exit !($1) }"; } # is_true AWK-EXPR
net_mbps() {
    if is_true "$1 > 0"; then calc %.0f "($size_bytes - $small_bytes) / 1000000 / $1"; else echo n/a; fi
}
ratio() { if [[ $1 == n/a || $2 == n/a ]]; then echo n/a; else calc %.2f "$1 / $2"; fi; }
yesno() {
    if [[ $1 == n/a* ]]; then echo "n/a (too noisy)"; elif is_true "$1"; then echo yes; else echo no; fi
}

e_ss=$(mbps "$t_ss") e_os=$(mbps "$t_os") e_sv=$(mbps "$t_sv") e_ov=$(mbps "$t_ov")
n_ss=$(net_mbps "$d_ss") n_os=$(net_mbps "$d_os")
n_sv=$(net_mbps "$d_sv") n_ov=$(net_mbps "$d_ov")
r_nss=$(ratio "$n_ss" "$n_os") r_nsv=$(ratio "$n_sv" "$n_ov")
ms_sv=$(calc %.2f "$h_sv * 1000") ms_ov=$(calc %.2f "$h_ov * 1000")
ms_ss=$(calc %.1f "$h_ss * 1000") ms_os=$(calc %.1f "$h_os * 1000")

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo "unknown CPU")
cat <<EOF
## Blob signing: signet vs openssl dgst

- date: $(date -u "+%Y-%m-%d %H:%M UTC")
- signet: $signet
- machine: $(nproc) cores, $cpu, $(openssl version)
- large file: ${size_mb} MiB ($size_bytes bytes), page cache warm; median of $rounds interleaved rounds
- small file: $small_bytes bytes; hyperfine means (verify: >= 100 runs, sign: >= 10 runs)
- MB/s = 10^6 bytes per second

Large-file rounds, seconds (big file / big minus small):
signet sign:${big[signet.sign]} /${net[signet.sign]}
openssl sign:${big[openssl.sign]} /${net[openssl.sign]}
signet verify:${big[signet.verify]} /${net[signet.verify]}
openssl verify:${big[openssl.verify]} /${net[openssl.verify]}

Sign:   signet $e_ss MB/s, openssl $e_os MB/s end to end (ratio $(ratio "$e_ss" "$e_os")); hashing $n_ss vs $n_os MB/s (ratio $r_nss)
Verify: signet $e_sv MB/s, openssl $e_ov MB/s end to end (ratio $(ratio "$e_sv" "$e_ov")); hashing $n_sv vs $n_ov MB/s (ratio $r_nsv)
Small-file verify: signet $ms_sv ms, openssl $ms_ov ms (ratio $(ratio "$h_sv" "$h_ov")); median $(calc %.2f "$hm_sv * 1000") vs $(calc %.2f "$hm_ov * 1000") ms, stddev $(calc %.2f "$hs_sv * 1000") vs $(calc %.2f "$hs_ov * 1000") ms

| metric | signet | openssl | ratio signet/openssl | target | met |
|---|---:|---:|---:|---|---|
| sign-blob ${size_mb} MiB, end to end (MB/s) | $e_ss | $e_os | $(ratio "$e_ss" "$e_os") | - | - |
| sign-blob hashing, big minus small file (MB/s) | $n_ss | $n_os | $r_nss | ratio >= 0.90 | $(yesno "$r_nss >= 0.90") |
| verify-blob ${size_mb} MiB, end to end (MB/s) | $e_sv | $e_ov | $(ratio "$e_sv" "$e_ov") | - | - |
| verify-blob hashing, big minus small file (MB/s) | $n_sv | $n_ov | $r_nsv | ratio >= 0.90 | $(yesno "$r_nsv >= 0.90") |
| verify-blob ${small_bytes} B, whole process (ms) | $ms_sv | $ms_ov | $(ratio "$h_sv" "$h_ov") | < 5 ms | $(yesno "$ms_sv < 5") |
| sign-blob ${small_bytes} B, whole process (ms) | $ms_ss | $ms_os | $(ratio "$h_ss" "$h_os") | - | - |
| peak RSS verify-blob ${size_mb} MiB (MiB) | $m_sv_big | $m_ov_big | $(ratio "$m_sv_big" "$m_ov_big") | < 10 MiB | $(yesno "$m_sv_big < 10") |
| peak RSS verify-blob ${small_bytes} B (MiB) | $m_sv_small | $m_ov_small | $(ratio "$m_sv_small" "$m_ov_small") | < 10 MiB | $(yesno "$m_sv_small < 10") |
| peak RSS sign-blob ${size_mb} MiB (MiB) | $m_ss_big | $m_os_big | $(ratio "$m_ss_big" "$m_os_big") | < 10 MiB | $(yesno "$m_ss_big < 10") |
| peak RSS sign-blob ${small_bytes} B (MiB) | $m_ss_small | $m_os_small | $(ratio "$m_ss_small" "$m_os_small") | < 10 MiB | $(yesno "$m_ss_small < 10") |

sign-blob decrypts the cosign key with scrypt N=$scrypt_n r=$scrypt_r, which alone needs ${scrypt_mib} MiB
and is the fixed cost in its end-to-end and small-file numbers; openssl reads an unencrypted PEM.
EOF
