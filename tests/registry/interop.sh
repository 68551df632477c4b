#!/bin/bash
# Interoperability with cosign's .sig format in a real registry, proven against independent
# implementations: the real cosign v1.13.1 manifest/config/payload read by signet; signet's
# manifest/config compared with cosign's field by field; an independent Python checker of what
# signet stores; a signature made with openssl, pushed by hand, verified by signet.
. "$(dirname "$0")/lib.sh"
require_env
start_registry

REAL=$VECTORS/cosign/simplesigning
KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys k1 k2
K1=$KEYS/k1 K2=$KEYS/k2

sign_img() {
    local key=$1
    shift
    COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key "$key" --tlog-upload=false "$@"
}

sha256_of() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"; }

new_test "(a) the real cosign v1.13.1 .sig manifest, config and payload, pushed byte for byte"
COSIGN_DIGEST=$(json_get "$REAL/real-v1.13.1-payload.json" 'j["critical"]["image"]["docker-manifest-digest"]')
COSIGN_TAG=$(sig_tag "$COSIGN_DIGEST")
PAYLOAD_DIGEST=$(sha256_of "$REAL/real-v1.13.1-payload.json")
check "the vector's config digest is the manifest's" test "$(put_blob cosign1 "$REAL/real-v1.13.1-config.json")" \
    = "$(json_get "$REAL/real-v1.13.1-manifest.json" 'j["config"]["digest"]')"
check "the vector's payload digest is the manifest's layer digest" test "$(put_blob cosign1 "$REAL/real-v1.13.1-payload.json")" \
    = "$(json_get "$REAL/real-v1.13.1-manifest.json" 'j["layers"][0]["digest"]')"
put_manifest cosign1 "$COSIGN_TAG" "$REAL/real-v1.13.1-manifest.json"
get_manifest cosign1 "$COSIGN_TAG" stored.json || die "cannot read it back"
check "the registry holds cosign's manifest unchanged" cmp stored.json "$REAL/real-v1.13.1-manifest.json"
IMG=$REG/cosign1@$COSIGN_DIGEST

run sg triangulate "$IMG"
expect_status 0
printf '%s\n' "$REG/cosign1:$COSIGN_TAG" >expected.tri
expect_stdout_equals_file "$TEST_DIR/expected.tri"

run sg download signature "$IMG"
expect_status 0
save_stdout download.out
expect_eq "$(wc -l <download.out)" 1 "one line for cosign's one layer"
json_get download.out 'j["Payload"]' | base64 -d >downloaded-payload.bin
check "download's Payload decodes to cosign's payload, byte for byte" \
    cmp downloaded-payload.bin "$REAL/real-v1.13.1-payload.json"
expect_eq "$(json_get download.out 'j["Base64Signature"]')" \
    "$(json_get "$REAL/real-v1.13.1-manifest.json" 'j["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]')" \
    "download's Base64Signature is cosign's signature annotation"

{
    printf '\360\237\223\246 Supply Chain Security Related artifacts for an image: %s\n' "$IMG"
    printf '\342\224\224\342\224\200\342\224\200 \360\237\224\220 Signatures for an image tag: %s\n' "$REG/cosign1:$COSIGN_TAG"
    printf '   \342\224\224\342\224\200\342\224\200 \360\237\215\222 %s\n' "$PAYLOAD_DIGEST"
} >expected.tree
run sg tree "$IMG"
expect_status 0
expect_stdout_equals_file "$TEST_DIR/expected.tree"
expect_stdout_contains "sha256:b671489e" # the README's digest of the real payload

# Not our key, so rejected (1) after parsing cosign's structure; not "could not complete" (2).
run sg verify --key "$K1.pub" "$IMG"
expect_failure 1 "no matching signatures"
expect_stderr_matches "does not verify|invalid signature"

new_test "(b) signet's .sig manifest and config have cosign's structure"
push_image structure structure:v1
DS=$(image_digest structure:v1) || die "no digest"
run sign_img "$K1.key" "$REG/structure@$DS"
expect_status 0
get_manifest structure "$(sig_tag "$DS")" signet-manifest.json || die "no .sig manifest"
get_blob structure "$(json_get signet-manifest.json 'j["config"]["digest"]')" signet-config.json || die "no config"
get_blob structure "$(json_get signet-manifest.json 'j["layers"][0]["digest"]')" signet-payload.json || die "no payload"
check "field by field, in the same order, as cosign's (only digests, sizes, signature and created differ)" \
    "$PY" - "$REAL" signet-manifest.json signet-config.json signet-payload.json <<'EOF'
import hashlib, json, sys
real, sm, sc, sp = sys.argv[1:]
def load(p):
    raw = open(p, "rb").read()
    return raw, json.loads(raw)
cm_raw, cm = load(real + "/real-v1.13.1-manifest.json")
cc_raw, cc = load(real + "/real-v1.13.1-config.json")
sm_raw, m = load(sm)
sc_raw, c = load(sc)
sp_raw = open(sp, "rb").read()
compact = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()
for name, raw, v in (("cosign manifest", cm_raw, cm), ("cosign config", cc_raw, cc),
                     ("signet manifest", sm_raw, m), ("signet config", sc_raw, c)):
    assert compact(v) == raw, name + " is not compact Go JSON"
# Same keys in the same order, at every level.
assert list(m) == list(cm), (list(m), list(cm))
assert list(m["config"]) == list(cm["config"]), list(m["config"])
assert list(m["layers"][0]) == list(cm["layers"][0]), list(m["layers"][0])
assert list(c) == list(cc), (list(c), list(cc))
assert list(c["rootfs"]) == list(cc["rootfs"])
# Same media types and annotation keys.
assert m["schemaVersion"] == cm["schemaVersion"] == 2
assert m["mediaType"] == cm["mediaType"]
assert m["config"]["mediaType"] == cm["config"]["mediaType"]
assert m["layers"][0]["mediaType"] == cm["layers"][0]["mediaType"]
assert list(m["layers"][0]["annotations"]) == ["dev.cosignproject.cosign/signature"] == list(cm["layers"][0]["annotations"])
# Descriptors describe the blobs.
assert m["config"]["digest"] == "sha256:" + hashlib.sha256(sc_raw).hexdigest() and m["config"]["size"] == len(sc_raw)
assert m["layers"][0]["digest"] == "sha256:" + hashlib.sha256(sp_raw).hexdigest() and m["layers"][0]["size"] == len(sp_raw)
# Config: one zero-time history entry per layer, diff_ids = layer digests, created zero (cosign >= 2.0).
assert c["created"] == "0001-01-01T00:00:00Z", c["created"]
assert c["history"] == [{"created": "0001-01-01T00:00:00Z"}] == cc["history"]
assert c["rootfs"]["diff_ids"] == [m["layers"][0]["digest"]]
assert cc["rootfs"]["diff_ids"] == [cm["layers"][0]["digest"]]
assert (c["architecture"], c["os"], c["config"]) == (cc["architecture"], cc["os"], cc["config"]) == ("", "", {})
# Byte level: cosign's files with signet's values put in are signet's files.
cc["created"] = c["created"]
cc["rootfs"]["diff_ids"] = c["rootfs"]["diff_ids"]
assert compact(cc) == sc_raw, "config bytes differ from cosign's layout"
cm["config"].update(size=m["config"]["size"], digest=m["config"]["digest"])
cm["layers"][0].update(size=m["layers"][0]["size"], digest=m["layers"][0]["digest"],
                       annotations=m["layers"][0]["annotations"])
assert compact(cm) == sm_raw, "manifest bytes differ from cosign's layout"
# The payload has the real payload's layout.
rp = json.loads(open(real + "/real-v1.13.1-payload.json", "rb").read())
p = json.loads(sp_raw)
assert list(p) == list(rp) and list(p["critical"]) == list(rp["critical"]) and p["optional"] is None
EOF
run sign_img "$K2.key" "$REG/structure@$DS"
expect_status 0
get_manifest structure "$(sig_tag "$DS")" signet-manifest2.json || die "no .sig manifest"
get_blob structure "$(json_get signet-manifest2.json 'j["config"]["digest"]')" signet-config2.json || die "no config"
check "two signatures: the first layer kept, two history entries, diff_ids = the two layer digests" \
    "$PY" - signet-manifest.json signet-manifest2.json signet-config2.json <<'EOF'
import json, sys
m1, m2, c2 = (json.load(open(p)) for p in sys.argv[1:])
assert len(m2["layers"]) == 2 and m2["layers"][0] == m1["layers"][0], "first layer not kept as it was"
assert c2["history"] == [{"created": "0001-01-01T00:00:00Z"}] * 2, c2["history"]
assert c2["rootfs"]["diff_ids"] == [l["digest"] for l in m2["layers"]]
EOF

new_test "(c) an independent checker (Python urllib + cryptography) accepts what signet stored"
run "$PY" "$REG_LIB_DIR/cosign_check.py" "$REG_URL" structure "$DS" "$K1.pub"
expect_status 0
expect_stdout_contains "OK: 1 of 2 signatures verified"
run "$PY" "$REG_LIB_DIR/cosign_check.py" "$REG_URL" structure "$DS" "$K2.pub"
expect_status 0
expect_stdout_contains "OK: 1 of 2 signatures verified"
push_image checked checked:v1
run sign_img "$K1.key" "$REG/checked:v1"
expect_status 0
run "$PY" "$REG_LIB_DIR/cosign_check.py" "$REG_URL" checked v1 "$K1.pub"
expect_status 0
expect_stdout_contains "OK: 1 of 1 signatures verified"
# The checker can fail: another key, and another repository's copy of the signature.
run "$PY" "$REG_LIB_DIR/cosign_check.py" "$REG_URL" checked v1 "$K2.pub"
expect_status 1
expect_stdout_contains "no signature verifies"
DC=$(image_digest checked:v1) || die "no digest"
push_image checked checked-copy:v1
_skopeo_copy "${SKOPEO_SRC[@]}" "docker://$REG/checked:$(sig_tag "$DC")" "docker://$REG/checked-copy:$(sig_tag "$DC")"
run "$PY" "$REG_LIB_DIR/cosign_check.py" "$REG_URL" checked-copy v1 "$K1.pub"
expect_status 1
expect_stdout_contains "docker-reference"

new_test "(d) a signature made outside signet (openssl), pushed by hand, verifies with signet"
# A key made by openssl (PKCS#8 PEM), and the same key imported into signet's format.
EXT=$KEYS/ext IMPORTED=$KEYS/imported
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$EXT.pem" 2>/dev/null || die "openssl genpkey"
openssl pkey -in "$EXT.pem" -pubout -out "$EXT.pub" 2>/dev/null || die "openssl pkey"
run env COSIGN_PASSWORD=pw "$SIGNET" import-key-pair --key "$EXT.pem" --output-key-prefix "$IMPORTED"
expect_status 0
check "import-key-pair kept openssl's key" cmp <(openssl pkey -pubin -in "$EXT.pub" -outform DER) \
    <(openssl pkey -pubin -in "$IMPORTED.pub" -outform DER)
push_image external external:v1
DE=$(image_digest external:v1) || die "no digest"
cosign_payload "$REG/external" "$DE" >payload.json
openssl dgst -sha256 -sign "$EXT.pem" -out payload.sig payload.json || die "openssl dgst -sign"
PD=$(put_blob external payload.json) || die "upload failed"
printf '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
    "$PD" >config.json
CD=$(put_blob external config.json) || die "upload failed"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%d,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%d,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
    "$(stat -c %s config.json)" "$CD" "$(stat -c %s payload.json)" "$PD" "$(base64 -w0 payload.sig)" >manifest.json
put_manifest external "$(sig_tag "$DE")" manifest.json
HANDMADE=$TEST_DIR/manifest.json
printf '\n[%s]\n' "$(cat payload.json)" >expected.out
run sg verify --key "$EXT.pub" "$REG/external:v1"
expect_status 0
expect_stdout_equals_file "$TEST_DIR/expected.out"
run sg verify --key "$IMPORTED.pub" "$REG/external:v1"
expect_status 0
expect_stdout_equals_file "$TEST_DIR/expected.out"
run sg verify --key "$K1.pub" "$REG/external:v1"
expect_failure 1 "no matching signatures"

new_test "(d) signet recognises the outside signature as its key's (dedupe), and openssl verifies signet's"
run sign_img "$IMPORTED.key" "$REG/external:v1"
expect_status 0
get_manifest external "$(sig_tag "$DE")" after.json || die "no .sig manifest"
check "the hand-made manifest is unchanged: the signature by that key was already there" cmp after.json "$HANDMADE"
run sign_img "$IMPORTED.key" -a origin=signet "$REG/external:v1"
expect_status 0
get_manifest external "$(sig_tag "$DE")" after2.json || die "no .sig manifest"
expect_eq "$(json_get after2.json 'len(j["layers"])')" 2 "a new payload adds a layer"
get_blob external "$(json_get after2.json 'j["layers"][1]["digest"]')" signet-payload.json || die "no payload"
json_get after2.json 'j["layers"][1]["annotations"]["dev.cosignproject.cosign/signature"]' | base64 -d >signet-payload.sig
check "signet's signature verifies with openssl and the original public key" \
    openssl dgst -sha256 -verify "$EXT.pub" -signature signet-payload.sig signet-payload.json
cosign_payload "$REG/external" "$DE" '{"origin":"signet"}' >expected-payload.json
check "and its payload is cosign's layout with the annotation" cmp signet-payload.json expected-payload.json

new_test "(d) a raw r||s (IEEE P1363) signature made outside, as sigstore's verifier accepts"
push_image p1363 p1363:v1
DP=$(image_digest p1363:v1) || die "no digest"
cosign_payload "$REG/p1363" "$DP" >payload.json
openssl dgst -sha256 -sign "$EXT.pem" -out payload.der payload.json || die "openssl dgst -sign"
"$PY" - payload.der payload.raw <<'EOF'
import sys
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
r, s = decode_dss_signature(open(sys.argv[1], "rb").read())
open(sys.argv[2], "wb").write(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
EOF
PD=$(put_blob p1363 payload.json) || die "upload failed"
printf '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
    "$PD" >config.json
CD=$(put_blob p1363 config.json) || die "upload failed"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%d,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%d,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
    "$(stat -c %s config.json)" "$CD" "$(stat -c %s payload.json)" "$PD" "$(base64 -w0 payload.raw)" >manifest.json
put_manifest p1363 "$(sig_tag "$DP")" manifest.json
run sg verify --key "$EXT.pub" "$REG/p1363:v1"
expect_status 0
printf '\n[%s]\n' "$(cat payload.json)" >expected.out
expect_stdout_equals_file "$TEST_DIR/expected.out"

finish
