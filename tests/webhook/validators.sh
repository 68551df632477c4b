#!/bin/bash
# signet-webhook's other validators and settings, end to end: GPG simple signatures written by
# skopeo (lookaside), a containers-policy.json validator, a trust root from a kbs:/// resource,
# namespaces include/exclude, skipUnchangedUpdates, SIGHUP reloads; then a registry over TLS
# with its own CA and htpasswd credentials from an auth file, and the outgoing rate limit.
. "$(dirname "$0")/lib.sh"
require_webhook_env
start_registry

use_test_signer

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys release

LA=$TEST_TMP/lookaside
RD=$TEST_TMP/registries.d
mkdir -p "$LA" "$RD"
printf 'docker:\n  %s:\n    lookaside: file://%s\n' "$REG" "$LA" >"$RD/local.yaml"
"$PY" "$REG_LIB_DIR/mkimage.py" "$TEST_TMP/layout" g1 g1 amd64 >/dev/null || die "mkimage failed"
skopeo copy -q --dest-tls-verify=false --registries.d "$RD" --sign-by "$FPR" \
    "oci:$TEST_TMP/layout:g1" "docker://$REG/gpg/app:v1" || die "skopeo copy --sign-by failed"
push_image g2 gpg/unsigned:v1
D_GPG=$(image_digest gpg/app:v1)

push_image p1 pol/signed:v1
push_image p2 pol/unsigned:v1
D_POL=$(image_digest pol/signed:v1)
COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key release.key --tlog-upload=false \
    "$REG/pol/signed@$D_POL" >/dev/null 2>&1 || die "signing failed"
push_image k1 kbs/signed:v1
D_KBS=$(image_digest kbs/signed:v1)
COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key release.key --tlog-upload=false \
    "$REG/kbs/signed@$D_KBS" >/dev/null 2>&1 || die "signing failed"

# The policy validator's containers-policy.json: sigstoreSigned for pol/, reject otherwise.
# cosign signatures name the repository only, so the identity rule is matchRepository.
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/pol":[{"type":"sigstoreSigned","keyPath":"%s","signedIdentity":{"type":"matchRepository"}}]}}}\n' \
    "$REG" "$KEYS/release.pub" >"$TEST_TMP/podman-policy.json"
printf 'default-docker:\n  use-sigstore-attachments: true\n' >"$RD/sigstore.yaml"
# The offline-fs-kbc resources holding the cosign key as default/cosign-key/1.
"$PY" -c 'import base64, json, sys
print(json.dumps({"default/cosign-key/1": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}))' \
    "$KEYS/release.pub" >"$TEST_TMP/resources.json"

CONFIG=$TEST_TMP/webhook.yaml
write_config() { # EXTRA-YAML
    {
        echo "trustRoots:"
        echo "  - name: skopeo-gpg"
        echo "    keyFile: $SS/signer-pub.gpg"
        echo "  - name: from-kbs"
        echo "    keyRef: kbs:///default/cosign-key/1"
        cat <<YAML
validators:
  - name: gpg
    type: gpg
    trustRoots: [skopeo-gpg]
    registriesD: $RD
  - name: podman
    type: policy
    policy: $TEST_TMP/podman-policy.json
    registriesD: $RD
  - name: kbs-cosign
    type: cosign
    trustRoots: [from-kbs]
rules:
  - pattern: "$REG/gpg/*"
    validator: gpg
  - pattern: "$REG/pol/*"
    validator: podman
  - pattern: "$REG/kbs/*"
    validator: kbs-cosign
default: deny
resources: $TEST_TMP/resources.json
registries:
  allowHttp: ["$REG"]
$1
YAML
    } >"$CONFIG.tmp" && mv "$CONFIG.tmp" "$CONFIG"
}
write_config ""
start_webhook "$CONFIG"
R=$TEST_TMP/req.json

new_test "gpg validator: skopeo's simple signature admits; unsigned denied"
make_review "$R" Pod "$REG/gpg/app:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/gpg/app@$D_GPG"
make_review "$R" Pod "$REG/gpg/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --message "image '$REG/gpg/unsigned:v1'" "no signature exists"

new_test "policy validator (containers-policy.json, sigstoreSigned): signed admitted, unsigned denied"
make_review "$R" Pod "$REG/pol/signed:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/pol/signed@$D_POL"
make_review "$R" Pod "$REG/pol/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --message "image '$REG/pol/unsigned:v1'" "validator 'podman'"

new_test "a trust root from kbs:///default/cosign-key/1 (offline resources)"
make_review "$R" Pod "$REG/kbs/signed:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/kbs/signed@$D_KBS"

new_test "skipUnchangedUpdates off: an UPDATE is checked even when its images did not change"
make_review "$R" Deployment "$REG/gpg/unsigned:v1" --op UPDATE --old "$REG/gpg/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/gpg/unsigned:v1"

new_test "skipUnchangedUpdates on (SIGHUP reload): unchanged images pass, a changed one is checked"
write_config "skipUnchangedUpdates: true"
kill -HUP "$WH_PID"
for _ in $(seq 100); do grep -q "config $CONFIG reloaded" "$WH_LOG" && break; sleep 0.05; done
check "SIGHUP reloaded the config" grep -q "config $CONFIG reloaded" "$WH_LOG"
post /mutate "$R"
expect_review allowed "$R" --no-patch
make_review "$R" Deployment "$REG/gpg/unsigned:v1" --op UPDATE --old "$REG/gpg/app:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/gpg/unsigned:v1"

new_test "namespaces: excluded ones are not checked, others are"
write_config "namespaces: {exclude: [scratch]}"
kill -HUP "$WH_PID"
for _ in $(seq 100); do [ "$(grep -c "config $CONFIG reloaded" "$WH_LOG")" -ge 2 ] && break; sleep 0.05; done
make_review "$R" Pod "$REG/gpg/unsigned:v1" --namespace scratch
post /mutate "$R"
expect_review allowed "$R" --no-patch
make_review "$R" Pod "$REG/gpg/unsigned:v1" --namespace default
post /mutate "$R"
expect_review denied "$R"

new_test "namespaces: with include, only those are checked"
write_config "namespaces: {include: [prod]}"
kill -HUP "$WH_PID"
for _ in $(seq 100); do [ "$(grep -c "config $CONFIG reloaded" "$WH_LOG")" -ge 3 ] && break; sleep 0.05; done
make_review "$R" Pod "$REG/gpg/unsigned:v1" --namespace prod
post /mutate "$R"
expect_review denied "$R"
make_review "$R" Pod "$REG/gpg/unsigned:v1" --namespace dev
post /mutate "$R"
expect_review allowed "$R" --no-patch
check "reloads that keep the cache settings do not warn" sh -c "! grep -q 'apply after a restart' '$WH_LOG'"

new_test "a reload that changes the cache settings says they need a restart"
write_config "cache: {ttlSeconds: 60}"
kill -HUP "$WH_PID"
for _ in $(seq 100); do grep -q "apply after a restart" "$WH_LOG" && break; sleep 0.05; done
check "warned" grep -q "config $CONFIG: the cache and redis settings changed; they apply after a restart" "$WH_LOG"
stop_webhook

# --- a private registry: TLS with its own CA, htpasswd, credentials from an auth file ---------
start_registry --tls --htpasswd tester:s3cret
push_image t1 private/app:v1
push_image t2 private/second:v1
push_image t3 private/third:v1
for repo in app second third; do
    d=$(image_digest "private/$repo:v1")
    DOCKER_CONFIG=$TEST_TMP/none COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" \
        --key "$KEYS/release.key" --tlog-upload=false "$REG/private/$repo@$d" \
        >/dev/null 2>"$TEST_TMP/sign.log" && die "signing without credentials should fail"
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG" "$(printf tester:s3cret | base64)" \
        >"$TEST_TMP/auth.json"
    REGISTRY_AUTH_FILE=$TEST_TMP/auth.json COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" \
        --key "$KEYS/release.key" --tlog-upload=false "$REG/private/$repo@$d" >/dev/null \
        2>"$TEST_TMP/sign.log" || die "signing failed: $(cat "$TEST_TMP/sign.log")"
done
D_PRIV=$(image_digest private/app:v1)

private_config() { # EXTRA-REGISTRIES-YAML
    {
        echo "trustRoots:"
        trust_root_yaml release "$KEYS/release.pub"
        cat <<YAML
validators:
  - name: cosign-release
    type: cosign
    trustRoots: [release]
rules:
  - pattern: "$REG/private/*"
    validator: cosign-release
deadlineSeconds: 3
registries:
  caFile: $REG_CA
$1
YAML
    } >"$CONFIG"
}

new_test "private registry: the CA and the credentials from the config admit a signed image"
private_config "  authFile: $TEST_TMP/auth.json"
start_webhook "$CONFIG"
make_review "$R" Pod "$REG/private/app:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/private/app@$D_PRIV"
check "the password is not logged" sh -c "! grep -q s3cret '$WH_LOG'"
stop_webhook

new_test "private registry without credentials: denied, saying credentials are needed"
printf '{"auths":{}}\n' >"$TEST_TMP/empty-auth.json"
private_config "  authFile: $TEST_TMP/empty-auth.json"
start_webhook "$CONFIG"
post /mutate "$R"
expect_review denied "$R" --message "$REG/private/app:v1" "needs credentials"
stop_webhook

new_test "private registry, its CA not given: denied, the certificate not trusted"
private_config "  authFile: $TEST_TMP/auth.json"
sed -i '/caFile/d' "$CONFIG"
start_webhook "$CONFIG"
post /mutate "$R"
expect_review denied "$R" --message "$REG/private/app:v1" "not trusted"
stop_webhook

new_test "rate limit: a burst of 1 per minute leaves no request for a second image before the deadline"
private_config "  authFile: $TEST_TMP/auth.json
  rateLimit: {requestsPerSecond: 0.016, burst: 3}"
start_webhook "$CONFIG"
make_review "$R" Pod "$REG/private/app:v1"
post /mutate "$R"
expect_review allowed "$R"
make_review "$R" Pod "$REG/private/second:v1"
post /mutate "$R" --max-time 20
expect_review denied "$R" --message "$REG/private/second:v1" "rate limit"
stop_webhook

finish
