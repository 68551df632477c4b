#!/bin/bash
# signet-webhook end to end: real docker-registry, images pushed with skopeo and signed with
# signet, AdmissionReviews (written by mkreview.py as an API server sends them) posted over
# HTTPS with curl, responses checked field by field by check_review.py. Connaisseur's trio
# (signed, unsigned, signed with another key) for Pods, Deployments, CronJobs and a
# multi-arch index; modes, rules, thresholds, skips, caching and reloads.
. "$(dirname "$0")/lib.sh"
require_webhook_env
start_registry

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys release other
sign_with() { # KEY IMAGE...
    local key=$1 img
    shift
    for img in "$@"; do
        COSIGN_PASSWORD=pw "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key "$KEYS/$key.key" \
            --tlog-upload=false "$img" >/dev/null 2>"$TEST_TMP/sign.log" ||
            die "signing $img failed: $(cat "$TEST_TMP/sign.log")"
    done
}

push_image 1 team/signed:v1
push_image 2 team/unsigned:v1
push_image 3 team/other:v1
push_index 4 team/multi:v1
push_image 5 team/both:v1
push_image 6 warn/unsigned:v1
push_image 7 audit/unsigned:v1
push_image 8 gitops/app:v1
push_image 9 two/release-only:v1
push_image 10 two/both:v1
D_SIGNED=$(image_digest team/signed:v1)
D_MULTI=$(image_digest team/multi:v1)
D_GITOPS=$(image_digest gitops/app:v1)
D_BOTH2=$(image_digest two/both:v1)
sign_with release "$REG/team/signed@$D_SIGNED" "$REG/team/multi@$D_MULTI" \
    "$REG/gitops/app@$D_GITOPS" "$REG/two/release-only@$(image_digest two/release-only:v1)" \
    "$REG/two/both@$D_BOTH2"
sign_with other "$REG/team/other@$(image_digest team/other:v1)" "$REG/two/both@$D_BOTH2"

CONFIG=$TEST_TMP/webhook.yaml
write_config() { # DEFAULT
    {
        echo "trustRoots:"
        trust_root_yaml release "$KEYS/release.pub"
        trust_root_yaml other "$KEYS/other.pub"
        cat <<YAML
validators:
  - name: cosign-release
    type: cosign
    trustRoots: [release]
  - name: cosign-two
    type: cosign
    trustRoots: [release, other]
    threshold: 2
  - name: cosign-any-release-required
    type: cosign
    trustRoots: [release, other]
    threshold: 1
    required: [release]
  - name: allow-all
    type: static
    approve: true
rules:
  - pattern: "$REG/team/*"
    validator: cosign-release
    mode: enforce
    mutate: true
  - pattern: "$REG/warn/*"
    validator: cosign-release
    mode: warn
  - pattern: "$REG/audit/*"
    validator: cosign-release
    mode: audit
  - pattern: "$REG/gitops/*"
    validator: cosign-release
    mutate: false
  - pattern: "$REG/two/*"
    validator: cosign-two
  - pattern: "$REG/two/release-*"
    validator: cosign-any-release-required
  - pattern: "$REG/public/*"
    validator: allow-all
default: $1
registries:
  allowHttp: ["$REG"]
cache: {ttlSeconds: 300, negativeTtlSeconds: 10, maxEntries: 10000}
YAML
    } >"$CONFIG.tmp" && mv "$CONFIG.tmp" "$CONFIG"
}
write_config deny

new_test "an invalid config: refuses to start, naming the file, line and reason"
printf 'rules:\n  - pattern: "127.0.0.1:5000/x/*"\n    validator: nope\n' >"$TEST_TMP/bad.yaml"
run "$SIGNET_WEBHOOK" --check-config --config "$TEST_TMP/bad.yaml"
expect_status 1
expect_stdout_empty
expect_stderr_contains "bad.yaml:3:"
expect_stderr_contains "nope"
run "$SIGNET_WEBHOOK" --config "$TEST_TMP/bad.yaml" --tls-cert /nonexistent --tls-key /nonexistent
expect_status 2
expect_stderr_contains "bad.yaml:3:"
run "$SIGNET_WEBHOOK" --check-config --config "$CONFIG"
expect_status 0
expect_stdout_contains "ok"

start_webhook "$CONFIG"
R=$TEST_TMP/req.json

new_test "Pod, signed with the configured key: admitted and pinned to its digest (/mutate)"
make_review "$R" Pod "$REG/team/signed:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/signed@$D_SIGNED" --no-warnings

new_test "the same on /validate: admitted, no patch"
post /validate "$R"
expect_review allowed "$R" --no-patch

new_test "Pod, unsigned: denied, naming the image and the reason"
make_review "$R" Pod "$REG/team/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --no-patch --message "image '$REG/team/unsigned:v1'" "no signatures found"

new_test "Pod, signed with another key: denied"
make_review "$R" Pod "$REG/team/other:v1"
post /mutate "$R"
expect_review denied "$R" --no-patch --message "image '$REG/team/other:v1'" "does not verify"

new_test "Deployment: signed admitted (template path), unsigned denied"
make_review "$R" Deployment "$REG/team/signed:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/template/spec/containers/0/image=$REG/team/signed@$D_SIGNED"
make_review "$R" Deployment "$REG/team/signed:v1" "$REG/team/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --no-patch --message "$REG/team/unsigned:v1"

new_test "CronJob: signed admitted (jobTemplate path), other key denied"
make_review "$R" CronJob "$REG/team/signed:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/jobTemplate/spec/template/spec/containers/0/image=$REG/team/signed@$D_SIGNED"
make_review "$R" CronJob "$REG/team/other:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/other:v1"

new_test "a multi-arch index signed by its index digest: admitted and pinned to the index"
make_review "$R" Pod "$REG/team/multi:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/multi@$D_MULTI"

new_test "init and ephemeral containers are checked too"
make_review "$R" Pod "$REG/team/signed:v1" --init "$REG/team/unsigned:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/unsigned:v1"
make_review "$R" Pod "$REG/team/signed@$D_SIGNED" --ephemeral "$REG/team/signed:v1" \
    --op UPDATE --subresource ephemeralcontainers --old "$REG/team/signed@$D_SIGNED"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/ephemeralContainers/0/image=$REG/team/signed@$D_SIGNED"
make_review "$R" Pod "$REG/team/signed@$D_SIGNED" --ephemeral "$REG/team/other:v1" \
    --op UPDATE --subresource ephemeralcontainers --old "$REG/team/signed@$D_SIGNED"
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/other:v1"

new_test "an image given by its signed digest: admitted, nothing to patch"
make_review "$R" Pod "$REG/team/signed@$D_SIGNED"
post /mutate "$R"
expect_review allowed "$R" --no-patch

new_test "dryRun gets the same answers"
make_review "$R" Pod "$REG/team/unsigned:v1" --dry-run
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/unsigned:v1"

new_test "DELETE, and updates of objects being deleted, are always allowed"
make_review "$R" Pod "$REG/team/unsigned:v1" --op DELETE
post /validate "$R"
expect_review allowed "$R" --no-patch
make_review "$R" Deployment "$REG/team/unsigned:v1" --op UPDATE --old "$REG/team/unsigned:v1" --deleting
post /mutate "$R"
expect_review allowed "$R" --no-patch

new_test "a CREATE claiming a deletionTimestamp is checked (the client wrote it)"
make_review "$R" Pod "$REG/team/unsigned:v1" --deleting
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/unsigned:v1"
make_review "$R" Pod "$REG/team/signed:v1" --deleting
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/signed@$D_SIGNED"

new_test "no rule matches: the default (deny) applies, with the reason"
push_image 11 elsewhere/app:v1
make_review "$R" Pod "$REG/elsewhere/app:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/elsewhere/app:v1" "no rule matches"

new_test "warn mode: admitted with a warning; audit mode: admitted, logged"
make_review "$R" Pod "$REG/warn/unsigned:v1"
post /mutate "$R"
expect_review allowed "$R" --no-patch --warning "$REG/warn/unsigned:v1"
make_review "$R" Pod "$REG/audit/unsigned:v1"
post /mutate "$R"
expect_review allowed "$R" --no-patch --no-warnings
check "the audit failure is logged" grep -q "audit: image '$REG/audit/unsigned:v1' would be denied" "$WH_LOG"

new_test "mutate: false (GitOps): verified, admitted, left as written"
make_review "$R" Pod "$REG/gitops/app:v1"
post /mutate "$R"
expect_review allowed "$R" --no-patch

new_test "threshold 2 of [release, other]: one signature denied, both admitted"
make_review "$R" Pod "$REG/two/both:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/two/both@$D_BOTH2"
push_image 12 two/other-only:v1
sign_with other "$REG/two/other-only@$(image_digest two/other-only:v1)"
make_review "$R" Pod "$REG/two/other-only:v1"
post /mutate "$R"
expect_review denied "$R" --message "signed by 1 of the 2 trust roots" "2 needed"

new_test "the most specific rule wins: two/release-* requires release, threshold 1"
make_review "$R" Pod "$REG/two/release-only:v1"
post /mutate "$R"
expect_review allowed "$R"
push_image 13 two/release-other:v1
sign_with other "$REG/two/release-other@$(image_digest two/release-other:v1)"
make_review "$R" Pod "$REG/two/release-other:v1"
post /mutate "$R"
expect_review denied "$R" --message "trust root 'release' is required"

new_test "a tag re-pointed to an unsigned image after it was admitted"
push_image 14 team/moving:v1
D_MOVING=$(image_digest team/moving:v1)
sign_with release "$REG/team/moving@$D_MOVING"
make_review "$R" Pod "$REG/team/moving:v1"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/moving@$D_MOVING"
push_image 15 team/moving:v1
post /validate "$R"
expect_review denied "$R" --message "image '$REG/team/moving:v1'" "no signatures found"
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/moving@$D_MOVING"
push_image 16 gitops/app:v1
make_review "$R" Pod "$REG/gitops/app:v1"
post /mutate "$R"
expect_review denied "$R" --message "image '$REG/gitops/app:v1'" "no signatures found"

new_test "verdicts are cached: the registry stopped, a known image is still admitted"
hits=$(metric 'signet_webhook_cache_hits_total{source="local"}')
make_review "$R" Pod "$REG/team/signed:v1"
stop_registries
post /mutate "$R"
expect_review allowed "$R" --patch "/spec/containers/0/image=$REG/team/signed@$D_SIGNED"
check "a cache hit was counted" [ "$(metric 'signet_webhook_cache_hits_total{source="local"}')" -gt "$hits" ]
new_test "the registry stopped: an image not seen before is denied with the reason"
make_review "$R" Pod "$REG/team/never-seen:v1"
post /mutate "$R"
expect_review denied "$R" --message "$REG/team/never-seen:v1"
check "the registry error was counted" [ "$(metric signet_webhook_registry_errors_total)" -gt 0 ]

new_test "config reloads on change: default allow now admits an image no rule matches"
make_review "$R" Pod "$REG/elsewhere/app:v1"
write_config allow
for _ in $(seq 100); do
    post /mutate "$R"
    grep -q '"allowed":true' "$RESPONSE" 2>/dev/null && break
    sleep 0.1
done
expect_review allowed "$R" --no-patch
check "the reload is logged" grep -q "config $CONFIG reloaded" "$WH_LOG"

new_test "a broken config on reload: the previous one keeps serving"
echo "default: [" >"$CONFIG"
for _ in $(seq 100); do grep -q "not reloaded" "$WH_LOG" && break; sleep 0.1; done
check "the failed reload is logged" grep -q "config $CONFIG not reloaded" "$WH_LOG"
post /mutate "$R"
expect_review allowed "$R" --no-patch
check "readiness holds" [ "$(curl -s --cacert "$WH_CA" -o /dev/null -w '%{http_code}' "$WH_URL/readyz")" = 200 ]

new_test "SIGTERM: a clean stop"
pid=$WH_PID
kill -TERM "$pid"
wait "$pid"
check "exit status 0" [ $? = 0 ]
WH_PID=
check "the stop is logged" grep -q "stopping" "$WH_LOG"

finish
