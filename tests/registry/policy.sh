#!/bin/bash
# signet policy verify against a real registry: the Confidential Containers setup (default
# reject, a sigstoreSigned scope whose key is kbs:///default/cosign-key/1, the policy itself a
# kbs:///default/security-policy/... resource of an offline-fs-kbc file), scope choice, and
# each signedIdentity rule with an allowed and a denied case.
. "$(dirname "$0")/lib.sh"
require_env
start_registry
unset SIGNET_RESOURCES # the caller's default resource file must not be seen

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys k1 k2
K1=$KEYS/k1 K2=$KEYS/k2

push_image one team/app:v1
push_image two team/other:v1
push_image three elsewhere/app:v1
COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key "$K1.key" --tlog-upload=false \
    "$REG/team/app:v1" "$REG/elsewhere/app:v1" 2>/dev/null || die "signing failed"
D_APP=$(image_digest team/app:v1) || die "no digest"

# policy_file NAME SIGNED-IDENTITY-JSON [KEY-SOURCE-JSON]: default reject, one sigstoreSigned
# scope for $REG/team.
policy_file() {
    local keys=${3:-'"keyPath":"kbs:///default/cosign-key/1"'}
    printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/team":[{"type":"sigstoreSigned",%s,"signedIdentity":%s}]}}}\n' \
        "$REG" "$keys" "$2" >"$TEST_TMP/$1.json"
    echo "$TEST_TMP/$1.json"
}

# resources FILE KEY.pub [POLICY]: an offline-fs-kbc resource file, written independently.
resources() {
    "$PY" - "$@" <<'EOF_PY'
import base64, json, sys
out, pub = sys.argv[1], sys.argv[2]
r = {"default/cosign-key/1": base64.b64encode(open(pub, "rb").read()).decode()}
if len(sys.argv) > 3:
    r["default/security-policy/test"] = base64.b64encode(open(sys.argv[3], "rb").read()).decode()
json.dump(r, open(out, "w"))
EOF_PY
}

# registries.d: cosign attachments are read for this registry only where it says so.
RD=$TEST_TMP/registries.d
mkdir -p "$RD" "$TEST_TMP/registries.d-empty"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$REG" >"$RD/local.yaml"

pv() { sg policy verify --registries.d "$RD" "$@"; }

REPO_RULE='{"type":"matchRepository"}'
P=$(policy_file repo "$REPO_RULE")
R=$TEST_TMP/resources.json
resources "$R" "$K1.pub" "$P"

new_test "CoCo: policy and key from offline KBS resources, signed image allowed"
run pv --resources "$R" --policy kbs:///default/security-policy/test "docker://$REG/team/app:v1"
expect_status 0
expect_stdout_contains "$D_APP"
expect_stderr_contains "allowed by scope '$REG/team'"

new_test "unsigned image in the scope: denied, says which requirement and why"
run pv --resources "$R" --policy kbs:///default/security-policy/test "docker://$REG/team/other:v1"
expect_failure 1 "requirement 1 \\(sigstoreSigned\\) of scope '$REG/team'.*no signatures found"

new_test "signed image outside every scope: the default rejects it"
run pv --resources "$R" --policy "$P" "docker://$REG/elsewhere/app:v1"
expect_failure 1 "rejected by policy"

new_test "the wrong key in the resources: denied"
R2=$TEST_TMP/resources2.json
resources "$R2" "$K2.pub" "$P"
run pv --resources "$R2" --policy "$P" "docker://$REG/team/app:v1"
expect_failure 1 "does not verify"

new_test "the same key given as a file path and as keyData"
P_PATH=$(policy_file path "$REPO_RULE" "\"keyPath\":\"$K1.pub\"")
run pv --policy "$P_PATH" "docker://$REG/team/app:v1"
expect_status 0
P_DATA=$(policy_file data "$REPO_RULE" "\"keyData\":\"$(base64 -w0 "$K1.pub")\"")
run pv --policy "$P_DATA" "docker://$REG/team/app:v1"
expect_status 0
P_BOTH=$(policy_file both "$REPO_RULE" "\"keyPaths\":[\"$K2.pub\",\"$K1.pub\"]")
run pv --policy "$P_BOTH" "docker://$REG/team/app:v1"
expect_status 0

# cosign's payload names the repository without a tag, so (as in containers/image) only the
# repository rules accept it for an image named by tag.
identity_case() { # NAME RULE IMAGE WANT
    local p
    p=$(policy_file "$1" "$2")
    new_test "signedIdentity $1: $3 -> exit $4"
    run pv --resources "$R" --policy "$p" "docker://$3"
    if [ "$4" = 0 ]; then
        expect_status 0
    else
        expect_failure 1 "Signature for identity \"$REG/team/app\" is not accepted"
    fi
}
identity_case matchRepository '{"type":"matchRepository"}' "$REG/team/app:v1" 0
identity_case matchRepoDigestOrExact-tag '{"type":"matchRepoDigestOrExact"}' "$REG/team/app:v1" 1
identity_case matchRepoDigestOrExact-digest '{"type":"matchRepoDigestOrExact"}' "$REG/team/app@$D_APP" 1
identity_case matchExact '{"type":"matchExact"}' "$REG/team/app:v1" 1
identity_case exactRepository-same '{"type":"exactRepository","dockerRepository":"'"$REG"'/team/app"}' "$REG/team/app:v1" 0
identity_case exactRepository-other '{"type":"exactRepository","dockerRepository":"'"$REG"'/team/other"}' "$REG/team/app:v1" 1
identity_case exactReference '{"type":"exactReference","dockerReference":"'"$REG"'/team/app:v1"}' "$REG/team/app:v1" 1
identity_case remapIdentity-no-prefix '{"type":"remapIdentity","prefix":"mirror.example/team","signedPrefix":"'"$REG"'/team"}' "$REG/team/app:v1" 1

# What skopeo 1.9.3 wrote as a sigstore attachment (c/image's payload names the image with its
# tag, 127.0.0.1:5055/test/sigimg:v1), pushed byte for byte beside the same image here.
SIG=$VECTORS/containers-image/interop/sigstore
push_test_image test/sigimg:v1
D_SIG=$(image_digest test/sigimg:v1) || die "no digest"
put_blob test/sigimg "$SIG/attachment-config.json" >/dev/null
put_blob test/sigimg "$SIG/attachment-layer-payload.json" >/dev/null
put_manifest test/sigimg "$(sig_tag "$D_SIG")" "$SIG/attachment-manifest.json"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$REG" >"$RD/local.yaml"
SKOPEO_SCOPE() { # NAME IDENTITY-JSON
    printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/test":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":%s}]}}}\n' \
        "$REG" "$SIG/cosign.pub" "$2" >"$TEST_TMP/$1.json"
    echo "$TEST_TMP/$1.json"
}

new_test "skopeo's sigstore attachment: remapIdentity maps this registry to the signed one"
run pv --policy "$(SKOPEO_SCOPE remap '{"type":"remapIdentity","prefix":"'"$REG"'/test","signedPrefix":"127.0.0.1:5055/test"}')" \
    "docker://$REG/test/sigimg:v1"
expect_status 0
expect_stdout_contains "$D_SIG"

new_test "skopeo's sigstore attachment: exactReference to the signed name"
run pv --policy "$(SKOPEO_SCOPE exactref '{"type":"exactReference","dockerReference":"127.0.0.1:5055/test/sigimg:v1"}')" \
    "docker://$REG/test/sigimg:v1"
expect_status 0

new_test "skopeo's sigstore attachment: the default rule denies it here (another registry name)"
run pv --policy "$(SKOPEO_SCOPE default '{"type":"matchRepoDigestOrExact"}')" "docker://$REG/test/sigimg:v1"
expect_failure 1 'Signature for identity "127.0.0.1:5055/test/sigimg:v1" is not accepted'

new_test "skopeo's sigstore attachment with another key: denied"
sed "s|$SIG/cosign.pub|$K1.pub|" "$TEST_TMP/exactref.json" >"$TEST_TMP/exactref-k1.json"
run pv --policy "$TEST_TMP/exactref-k1.json" "docker://$REG/test/sigimg:v1"
expect_failure 1 "does not verify"

new_test "without use-sigstore-attachments in registries.d no cosign signature is read"
run sg policy verify --registries.d "$TEST_TMP/registries.d-empty" --resources "$R" --policy "$P" \
    "docker://$REG/team/app:v1"
expect_failure 1 "A signature was required, but no signature exists \(use-sigstore-attachments is off\)"

new_test "an invalid policy is refused before any registry request"
printf '{"default":[]}' >"$TEST_TMP/bad.json"
run pv --policy "$TEST_TMP/bad.json" "docker://$REG/team/app:v1"
expect_failure 2 "List of verification policy requirements must not be empty"

new_test "a kbs:/// policy without --resources is a usage error"
run pv --policy kbs:///default/security-policy/test "docker://$REG/team/app:v1"
expect_failure 129 "--resources is needed \(or \\\$SIGNET_RESOURCES, or /etc/aa-offline_fs_kbc-resources.json\)"

new_test "\$SIGNET_RESOURCES is the default resource file"
SIGNET_RESOURCES=$R run pv --policy kbs:///default/security-policy/test "docker://$REG/team/app:v1"
expect_status 0
expect_stdout_contains "$D_APP"

new_test "--resources wins over \$SIGNET_RESOURCES"
SIGNET_RESOURCES=$R2 run pv --resources "$R" --policy kbs:///default/security-policy/test \
    "docker://$REG/team/app:v1"
expect_status 0

new_test "\$SIGNET_RESOURCES naming a missing file: exit 2, names it"
SIGNET_RESOURCES=$TEST_TMP/none.json run pv --policy "$P" "docker://$REG/team/app:v1"
expect_failure 2 "$TEST_TMP/none.json"

new_test "a missing KBS resource names it"
run pv --resources "$R" --policy kbs:///default/security-policy/none "docker://$REG/team/app:v1"
expect_failure 2 "default/security-policy/none"

new_test "only docker:// images"
run pv --policy "$P" "oci:/tmp/x"
expect_failure 129 "docker://IMAGE"

# -o json: one object per run, keys in a fixed order, for tools.
new_test "verify -o json, allowed: scope and each requirement's verdict"
run pv -o json --resources "$R" --policy "$P" "docker://$REG/team/app:v1"
expect_status 0
printf '{"image":"%s/team/app:v1","allowed":true,"digest":"%s","scope":"%s/team","scopeKind":"namespace","error":"","requirements":[{"type":"sigstoreSigned","verdict":"accepted","reason":"a cosign signature by an accepted key verified, with the image'"'"'s digest and an accepted identity"}]}\n' \
    "$REG" "$D_APP" "$REG" >want.json
expect_stdout_equals_file want.json

new_test "verify -o json, denied: exit 1, the deciding requirement and why, the rest not evaluated"
printf '{"default":[{"type":"insecureAcceptAnything"},{"type":"sigstoreSigned","keyPath":"%s"},{"type":"reject"}]}\n' \
    "$K1.pub" >three.json
run pv -o json --policy three.json "docker://$REG/team/other:v1"
expect_status 1
expect_stderr_contains "requirement 2 (sigstoreSigned) of the default"
check "one line: accepted, denied with the reason, not evaluated" "$PY" - "$RUN_OUT" "$REG" <<'EOF_PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
v = json.loads(lines[0])
assert list(v) == ["image", "allowed", "digest", "scope", "scopeKind", "error", "requirements"], list(v)
assert v["image"] == sys.argv[2] + "/team/other:v1" and v["allowed"] is False, v
assert v["scope"] == "" and v["scopeKind"] == "default" and "requirement 2" in v["error"], v
r = v["requirements"]
assert [(x["type"], x["verdict"]) for x in r] == [("insecureAcceptAnything", "accepted"),
    ("sigstoreSigned", "denied"), ("reject", "not evaluated")], r
assert r[0]["reason"] == "accepts any image", r
assert r[1]["reason"].endswith("no signatures found") and "requirement" not in r[1]["reason"], r
assert r[2]["reason"] == "an earlier requirement decided", r
EOF_PY

new_test "verify -o json, could not check: exit 2, verdict error"
printf '{"default":[{"type":"sigstoreSigned","keyPath":"%s"}]}\n' "$TEST_TMP/no-such.pub" >nokey.json
run pv -o json --policy nokey.json "docker://$REG/team/app:v1"
expect_status 2
check "the requirement's verdict is error, naming the key" grep -qF \
    '"requirements":[{"type":"sigstoreSigned","verdict":"error","reason":"cannot open '"'$TEST_TMP/no-such.pub'" "$RUN_OUT"

new_test "lint -o json, valid: the summary in document order"
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"z.example/b":[{"type":"insecureAcceptAnything"}],"a.example":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"},{"type":"reject"}]},"dir":{"/srv/img":[{"type":"insecureAcceptAnything"}]}}}\n' >lint.json
run sg policy lint -q -o json lint.json
expect_status 0
printf '%s\n' '{"valid":true,"error":"","default":["reject"],"transports":{"docker":{"z.example/b":["insecureAcceptAnything"],"a.example":["signedBy","reject"]},"dir":{"/srv/img":["insecureAcceptAnything"]}}}' >want.json
expect_stdout_equals_file want.json

new_test "lint -o json, invalid: exit 1, containers/image's message"
run sg policy lint -o json "$TEST_TMP/bad.json"
expect_status 1
printf '{"valid":false,"error":"invalid policy in \\"%s\\": List of verification policy requirements must not be empty","default":[],"transports":{}}\n' \
    "$TEST_TMP/bad.json" >want.json
expect_stdout_equals_file want.json
expect_stderr_contains "List of verification policy requirements must not be empty"

new_test "lint -o json of a file that cannot be read: exit 2, no JSON"
run sg policy lint -o json "$TEST_TMP/none.json"
expect_failure 2 "none.json"

new_test "lint -o yaml: usage error"
run sg policy lint -o yaml lint.json
expect_failure 129 "unknown output format 'yaml' \(text, json\)"

finish
