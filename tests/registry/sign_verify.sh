#!/bin/bash
# signet sign / verify / triangulate / tree / download / clean against a real registry
# (docker-registry over plain HTTP), checked with skopeo, curl, openssl and Python: what is
# stored under the .sig tag, what verify accepts, and what it rejects and why.
. "$(dirname "$0")/lib.sh"
require_env
start_registry

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys k1 k2 k3 # k3 never signs anything
K1=$KEYS/k1 K2=$KEYS/k2 K3=$KEYS/k3

# sign_img KEY ARGS...: signet sign with KEY.key (no transparency log: signet has none).
sign_img() {
    local key=$1
    shift
    COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key "$key.key" --tlog-upload=false "$@"
}

verify_img() {
    local key=$1
    shift
    sg verify --key "$key.pub" "$@"
}

# expect_verify_out REPO DIGEST [OPTIONAL] [REPO DIGEST [OPTIONAL]...]: stdout is exactly
# cosign's: per image "\n" + [payload] + "\n" (one verified signature each).
expect_verify_out() {
    local exp=$TEST_DIR/expected.out
    : >"$exp"
    while [ $# -ge 2 ]; do
        printf '\n[%s]\n' "$(cosign_payload "$1" "$2" "${3:-null}")" >>"$exp"
        shift 3 2>/dev/null || shift $#
    done
    expect_stdout_equals_file "$exp"
}

expect_verified() {
    expect_status 0
    expect_stderr_contains "Verification for $1 --"
    expect_stderr_contains "The cosign claims were validated"
    expect_stderr_contains "The signatures were verified against the specified public key"
}

# layers REPO DIGEST: the number of layers of the image's .sig manifest (curl, not signet).
layers() {
    get_manifest "$1" "$(sig_tag "$2")" "$TEST_TMP/.layers.json" || die "no .sig manifest in $1"
    json_get "$TEST_TMP/.layers.json" 'len(j["layers"])'
}

sig_manifest_digest() {
    get_manifest "$1" "$(sig_tag "$2")" | sha256sum | cut -d' ' -f1
}

new_test "sign by tag: warns, resolves the tag, pushes to the image's repository"
push_test_image app:v1
D1=$(image_digest app:v1) || die "no digest"
run sign_img "$K1" "$REG/app:v1"
expect_status 0
expect_stdout_empty
expect_stderr_contains "Image reference $REG/app:v1 uses a tag, not a digest"
expect_stderr_contains "Pushing signature to: $REG/app"
expect_eq "$(http_status app manifests "$(sig_tag "$D1")")" 200 \
    "the signature is stored under $(sig_tag "$D1") (digest from skopeo inspect --raw)"
expect_eq "$(layers app "$D1")" 1 ".sig manifest has one layer"

new_test "verify by tag: exit 0, the payload names the repository (no tag) and the digest"
run verify_img "$K1" "$REG/app:v1"
expect_verified "$REG/app:v1"
expect_verify_out "$REG/app" "$D1"

new_test "the stored payload is cosign's simple-signing payload, byte for byte"
get_manifest app "$(sig_tag "$D1")" sig.json || die "no .sig manifest"
get_blob app "$(json_get sig.json 'j["layers"][0]["digest"]')" payload.bin || die "no payload blob"
cosign_payload "$REG/app" "$D1" >expected.payload
check "payload blob = cosign's layout for $REG/app@$D1" cmp payload.bin expected.payload
check "the signature annotation verifies with openssl and k1.pub" bash -c \
    'base64 -d <<<"$1" >sig.der && openssl dgst -sha256 -verify "$2" -signature sig.der payload.bin' \
    _ "$(json_get sig.json 'j["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]')" "$K1.pub"

new_test "verify -o text prints the raw payload"
run verify_img "$K1" -o text "$REG/app:v1"
expect_status 0
{ cosign_payload "$REG/app" "$D1" && echo; } >expected.txt
expect_stdout_equals_file "$TEST_DIR/expected.txt"

new_test "verify by digest"
run verify_img "$K1" "$REG/app@$D1"
expect_verified "$REG/app@$D1"
expect_verify_out "$REG/app" "$D1"

new_test "unsigned image: exit 1, no signatures found"
push_image unsigned unsigned:v1
run verify_img "$K1" "$REG/unsigned:v1"
expect_failure 1 "no signatures found"
expect_stderr_contains "$REG/unsigned:v1"

new_test "wrong key: exit 1"
run verify_img "$K3" "$REG/app:v1"
expect_failure 1 "no matching signatures"
expect_stderr_matches "does not verify|invalid signature"

new_test "signing again with the same key adds nothing (dedupe)"
before=$(sig_manifest_digest app "$D1")
run sign_img "$K1" "$REG/app:v1"
expect_status 0
expect_eq "$(layers app "$D1")" 1 "still one layer after signing twice with k1"
expect_eq "$(sig_manifest_digest app "$D1")" "$before" ".sig manifest unchanged"

new_test "a second key adds a layer (sign by digest: no tag warning); both keys verify"
run sign_img "$K2" "$REG/app@$D1"
expect_status 0
expect_stderr_not_contains "uses a tag"
expect_stderr_contains "Pushing signature to: $REG/app"
expect_eq "$(layers app "$D1")" 2 "two layers: k1's and k2's"
run verify_img "$K1" "$REG/app:v1"
expect_verified "$REG/app:v1"
expect_verify_out "$REG/app" "$D1"
run verify_img "$K2" "$REG/app:v1"
expect_verified "$REG/app:v1"
expect_verify_out "$REG/app" "$D1"
run verify_img "$K3" "$REG/app:v1"
expect_failure 1 "no matching signatures"

new_test "annotations: signed into the payload, required on verify"
push_image ann ann:v1
DA=$(image_digest ann:v1) || die "no digest"
run sign_img "$K1" -a env=prod -a team=blue "$REG/ann:v1"
expect_status 0
run verify_img "$K1" -a env=prod "$REG/ann:v1"
expect_verified "$REG/ann:v1"
expect_stderr_contains "The specified annotations were verified."
expect_verify_out "$REG/ann" "$DA" '{"env":"prod","team":"blue"}'
run verify_img "$K1" -a env=prod -a team=blue "$REG/ann:v1"
expect_status 0
run verify_img "$K1" "$REG/ann:v1"
expect_status 0
expect_verify_out "$REG/ann" "$DA" '{"env":"prod","team":"blue"}'
run verify_img "$K1" -a env=dev "$REG/ann:v1"
expect_failure 1 "annotation"
run verify_img "$K1" -a owner=me "$REG/ann:v1"
expect_failure 1 "annotation"
run verify_img "$K1" -a env=prod "$REG/app:v1"
expect_failure 1 "annotation"

new_test "the tag moves to a different image: its signatures do not follow"
push_image moved-a moved:v1
DM_A=$(image_digest moved:v1) || die "no digest"
run sign_img "$K1" "$REG/moved:v1"
expect_status 0
run verify_img "$K1" "$REG/moved:v1"
expect_status 0
push_image moved-b moved:v1
DM_B=$(image_digest moved:v1) || die "no digest"
[ "$DM_A" != "$DM_B" ] || die "the two images have the same digest"
run verify_img "$K1" "$REG/moved:v1"
expect_failure 1 "no signatures found|no matching signatures"
# The old image's .sig manifest copied under the new image's .sig tag: signed for another digest.
get_manifest moved "$(sig_tag "$DM_A")" old-sig.json || die "no .sig manifest"
put_manifest moved "$(sig_tag "$DM_B")" old-sig.json
run verify_img "$K1" "$REG/moved:v1"
expect_failure 1 "no matching signatures"
expect_stderr_contains "$DM_A"
run verify_img "$K1" "$REG/moved@$DM_A"
expect_status 0

new_test "a signature copied to another repository does not verify there"
push_test_image other:v1
[ "$(image_digest other:v1)" = "$D1" ] || die "other:v1 should be the same image as app:v1"
_skopeo_copy "${SKOPEO_SRC[@]}" "docker://$REG/app:$(sig_tag "$D1")" "docker://$REG/other:$(sig_tag "$D1")"
expect_eq "$(sig_manifest_digest other "$D1")" "$(sig_manifest_digest app "$D1")" \
    "skopeo copied the .sig manifest unchanged"
run verify_img "$K1" "$REG/other:v1"
expect_failure 1 "repository"
expect_stderr_contains "$REG/app"

new_test "tampered payload blob (manifest rewritten to point at it): exit 1"
push_image tamper tamper:v1
DT=$(image_digest tamper:v1) || die "no digest"
run sign_img "$K1" "$REG/tamper:v1"
expect_status 0
get_manifest tamper "$(sig_tag "$DT")" orig.json || die "no .sig manifest"
get_blob tamper "$(json_get orig.json 'j["layers"][0]["digest"]')" orig-payload.bin || die "no payload"
# Same claims, one more "optional" entry: only the signature can tell.
sed 's/"optional":null}$/"optional":{"evil":"yes"}}/' orig-payload.bin >evil-payload.bin
cmp -s orig-payload.bin evil-payload.bin && die "the payload was not modified"
evil_digest=$(put_blob tamper evil-payload.bin) || die "upload failed"
"$PY" - orig.json evil.json "$evil_digest" "$(stat -c %s evil-payload.bin)" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["layers"][0]["digest"], m["layers"][0]["size"] = sys.argv[3], int(sys.argv[4])
open(sys.argv[2], "w").write(json.dumps(m, separators=(",", ":")))
EOF
put_manifest tamper "$(sig_tag "$DT")" evil.json
run verify_img "$K1" "$REG/tamper:v1"
expect_failure 1 "no matching signatures"
expect_stderr_matches "does not verify|invalid signature"
run verify_img "$K1" -a evil=yes "$REG/tamper:v1"
expect_failure 1 "no matching signatures"

new_test "tampered signature annotation: exit 1"
cp "$TEST_TMP/$(printf '%02d' $((_test_no - 1)))/orig.json" . || die "no orig.json"
"$PY" - orig.json badsig.json <<'EOF'
import base64, json, sys
m = json.load(open(sys.argv[1]))
ann = m["layers"][0]["annotations"]
sig = bytearray(base64.b64decode(ann["dev.cosignproject.cosign/signature"]))
sig[12] ^= 0x01  # inside r: still DER, no longer the signature
ann["dev.cosignproject.cosign/signature"] = base64.b64encode(bytes(sig)).decode()
open(sys.argv[2], "w").write(json.dumps(m, separators=(",", ":")))
EOF
put_manifest tamper "$(sig_tag "$DT")" badsig.json
run verify_img "$K1" "$REG/tamper:v1"
expect_failure 1 "no matching signatures"
expect_stderr_matches "does not verify|invalid signature"
sed 's|"dev.cosignproject.cosign/signature":"[^"]*"|"dev.cosignproject.cosign/signature":"not*base64!"|' \
    orig.json >nob64.json
put_manifest tamper "$(sig_tag "$DT")" nob64.json
run verify_img "$K1" "$REG/tamper:v1"
expect_failure 1 "base64"
# The untouched manifest verifies again: the tampering was what failed.
put_manifest tamper "$(sig_tag "$DT")" orig.json
run verify_img "$K1" "$REG/tamper:v1"
expect_status 0

new_test "--recursive on a multi-arch index signs the index and each child"
push_index multi multi:v1
DI=$(image_digest multi:v1) || die "no digest"
raw_manifest multi:v1 >index.json || die "no index"
DAMD=$(json_get index.json '[m["digest"] for m in j["manifests"] if m["platform"]["architecture"] == "amd64"][0]')
DARM=$(json_get index.json '[m["digest"] for m in j["manifests"] if m["platform"]["architecture"] == "arm64"][0]')
run sign_img "$K1" --recursive "$REG/multi:v1"
expect_status 0
for d in "$DI" "$DAMD" "$DARM"; do
    expect_eq "$(http_status multi manifests "$(sig_tag "$d")")" 200 "$(sig_tag "$d") exists"
done
run verify_img "$K1" "$REG/multi:v1"
expect_status 0
expect_verify_out "$REG/multi" "$DI"
run verify_img "$K1" "$REG/multi@$DAMD"
expect_status 0
expect_verify_out "$REG/multi" "$DAMD"
run verify_img "$K1" "$REG/multi@$DARM"
expect_status 0
expect_verify_out "$REG/multi" "$DARM"

new_test "verify --platform on an index verifies that platform's manifest"
run verify_img "$K1" --platform linux/arm64 "$REG/multi:v1"
expect_status 0
expect_verify_out "$REG/multi" "$DARM"
run verify_img "$K1" --platform linux/amd64 "$REG/multi:v1"
expect_status 0
expect_verify_out "$REG/multi" "$DAMD"
# Without --recursive only the index is signed: its children have no signatures.
push_index multi2 multi2:v1
DI2=$(image_digest multi2:v1) || die "no digest"
run sign_img "$K1" "$REG/multi2:v1"
expect_status 0
expect_eq "$(http_status multi2 manifests "$(sig_tag "$DI2")")" 200 "the index's signature exists"
run verify_img "$K1" --platform linux/arm64 "$REG/multi2:v1"
expect_failure 1 "no signatures found"

new_test "30 images in one verify call; one unsigned among them fails them all"
images=()
for i in $(seq 1 30); do
    push_image "many$i" "many/img$i:v1"
    images+=("$REG/many/img$i:v1")
done
pids=()
for b in 0 6 12 18 24; do # five signers of six images each, at the same time
    sign_img "$K1" "${images[@]:b:6}" >"sign$b.out" 2>"sign$b.err" &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p"
    rc=$?
    [ "$rc" = 0 ] || { cat sign*.err; die "signing the 30 images failed ($rc)"; }
done
expected=()
for i in $(seq 1 30); do
    expected+=("$REG/many/img$i" "$(image_digest "many/img$i:v1")" null)
done
run verify_img "$K1" "${images[@]}"
expect_status 0
expect_verify_out "${expected[@]}"
expect_eq "$(grep -c '^Verification for ' "$RUN_ERR")" 30 "30 verification reports"
run verify_img "$K1" --max-workers 3 "${images[@]}"
expect_status 0
expect_verify_out "${expected[@]}"
run verify_img "$K1" "${images[@]:0:15}" "$REG/unsigned:v1" "${images[@]:15}"
expect_failure 1 "no matching signatures for '$REG/unsigned:v1' \(sha256:[0-9a-f]{64}\): no signatures found"
expect_stderr_not_contains "Verification for "

new_test "COSIGN_REPOSITORY / --signature-repository: signatures in another repository"
push_image src src:v1
DS=$(image_digest src:v1) || die "no digest"
run env COSIGN_REPOSITORY="$REG/sigstore" COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" \
    --key "$K1.key" --tlog-upload=false "$REG/src:v1"
expect_status 0
expect_stderr_contains "Pushing signature to: $REG/sigstore"
expect_eq "$(http_status sigstore manifests "$(sig_tag "$DS")")" 200 "the .sig tag is in sigstore"
expect_eq "$(http_status src manifests "$(sig_tag "$DS")")" 404 "and not beside the image"
run env COSIGN_REPOSITORY="$REG/sigstore" "$SIGNET" verify "${SIGNET_FLAGS[@]}" --key "$K1.pub" "$REG/src:v1"
expect_status 0
expect_verify_out "$REG/src" "$DS"
run verify_img "$K1" "$REG/src:v1"
expect_failure 1 "no signatures found"
run env COSIGN_REPOSITORY="$REG/sigstore" "$SIGNET" triangulate "${SIGNET_FLAGS[@]}" "$REG/src:v1"
expect_status 0
printf '%s\n' "$REG/sigstore:$(sig_tag "$DS")" >expected.tri
expect_stdout_equals_file "$TEST_DIR/expected.tri"
push_image src2 src2:v1
DS2=$(image_digest src2:v1) || die "no digest"
run sign_img "$K2" --signature-repository "$REG/sigstore2" "$REG/src2:v1"
expect_status 0
expect_stderr_contains "Pushing signature to: $REG/sigstore2"
expect_eq "$(http_status sigstore2 manifests "$(sig_tag "$DS2")")" 200 "the .sig tag is in sigstore2"
expect_eq "$(http_status src2 manifests "$(sig_tag "$DS2")")" 404 "and not beside the image"
run verify_img "$K2" --signature-repository "$REG/sigstore2" "$REG/src2:v1"
expect_status 0
expect_verify_out "$REG/src2" "$DS2"
run verify_img "$K2" "$REG/src2:v1"
expect_failure 1 "no signatures found"

new_test "triangulate prints the exact .sig tag"
run sg triangulate "$REG/app:v1"
expect_status 0
printf '%s\n' "$REG/app:$(sig_tag "$D1")" >expected.sig
expect_stdout_equals_file "$TEST_DIR/expected.sig"
run sg triangulate --type digest "$REG/app:v1"
expect_status 0
printf '%s\n' "$REG/app@$D1" >expected.digest
expect_stdout_equals_file "$TEST_DIR/expected.digest"
run sg triangulate --type attestation "$REG/app:v1"
expect_status 0
printf '%s\n' "$REG/app:sha256-${D1#sha256:}.att" >expected.att
expect_stdout_equals_file "$TEST_DIR/expected.att"

new_test "tree lists the signature layers"
get_manifest app "$(sig_tag "$D1")" sig.json || die "no .sig manifest"
{
    printf '\360\237\223\246 Supply Chain Security Related artifacts for an image: %s\n' "$REG/app:v1"
    printf '\342\224\224\342\224\200\342\224\200 \360\237\224\220 Signatures for an image tag: %s\n' \
        "$REG/app:$(sig_tag "$D1")"
    printf '   \342\224\234\342\224\200\342\224\200 \360\237\215\222 %s\n' "$(json_get sig.json 'j["layers"][0]["digest"]')"
    printf '   \342\224\224\342\224\200\342\224\200 \360\237\215\222 %s\n' "$(json_get sig.json 'j["layers"][1]["digest"]')"
} >expected.tree
run sg tree "$REG/app:v1"
expect_status 0
expect_stdout_equals_file "$TEST_DIR/expected.tree"
run sg tree "$REG/unsigned:v1"
expect_status 0
expect_stdout_contains "No Supply Chain Security Related Artifacts found for image $REG/unsigned:v1"

new_test "download signature: one line per layer; the Payload decodes to the payload blob"
get_manifest app "$(sig_tag "$D1")" sig.json || die "no .sig manifest"
run sg download signature "$REG/app:v1"
expect_status 0
save_stdout download.out
check "each line matches its layer, and its signature verifies with openssl" \
    "$PY" - download.out sig.json "$REG_URL" "$K1.pub" "$K2.pub" <<'EOF'
import base64, json, subprocess, sys, tempfile, urllib.request
lines = open(sys.argv[1], "rb").read().decode().split("\n")
manifest = json.load(open(sys.argv[2]))
base, keys = sys.argv[3], sys.argv[4:]
assert lines[-1] == "", "output does not end with a newline"
lines = lines[:-1]
assert len(lines) == len(manifest["layers"]) == 2, "%d lines for %d layers" % (len(lines), len(manifest["layers"]))
for line, layer, key in zip(lines, manifest["layers"], keys):
    d = json.loads(line)
    assert list(d) == ["Base64Signature", "Payload", "Cert", "Chain", "Bundle", "RFC3161Timestamp"], list(d)
    assert d["Cert"] is None and d["Chain"] is None and d["Bundle"] is None and d["RFC3161Timestamp"] is None
    assert d["Base64Signature"] == layer["annotations"]["dev.cosignproject.cosign/signature"]
    blob = urllib.request.urlopen(base + "/v2/app/blobs/" + layer["digest"]).read()
    assert base64.b64decode(d["Payload"]) == blob, "Payload is not the blob"
    with tempfile.NamedTemporaryFile() as p, tempfile.NamedTemporaryFile() as s:
        p.write(blob); p.flush(); s.write(base64.b64decode(d["Base64Signature"])); s.flush()
        subprocess.run(["openssl", "dgst", "-sha256", "-verify", key, "-signature", s.name, p.name],
                       check=True, capture_output=True)
EOF
run sg download signature "$REG/unsigned:v1"
expect_failure 1 "no signatures"

new_test "clean --type signature --force removes the .sig manifest"
run sg clean --type signature --force "$REG/app:v1"
expect_status 0
expect_stdout_empty
expect_eq "$(http_status app manifests "$(sig_tag "$D1")")" 404 "the .sig tag is gone"
expect_eq "$(http_status app manifests v1)" 200 "the image itself is still there"
run verify_img "$K1" "$REG/app:v1"
expect_failure 1 "no signatures found"
run verify_img "$K1" "$REG/other:v1" # another repository's copy is not touched
expect_failure 1 "repository"

finish
