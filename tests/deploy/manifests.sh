#!/usr/bin/env bash
# deploy/ without a cluster: every manifest parses and keeps the invariants of issue 6 (checked
# by check_manifests.py with PyYAML), the ConfigMap's webhook.yaml is accepted by
# signet-webhook --check-config, make-certs.sh makes a CA and a certificate openssl verifies for
# the Service's DNS names and fills caBundle with that CA, and signet-webhook serves HTTPS with
# them under that name. kubectl is not used: even --dry-run=client needs an API server.
#
# Environment (set by CTest): SIGNET_WEBHOOK, the signet-webhook binary.
# shellcheck source=SCRIPTDIR/../lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../../scripts/webhook-lib.sh
. "$HERE/../../scripts/webhook-lib.sh"
DEPLOY=$(cd "$HERE/../../deploy" && pwd)
PY=/usr/bin/python3
SERVICE_DNS=signet-webhook.signet-system.svc
WH_PID=

[ -x "${SIGNET_WEBHOOK:-}" ] ||
    die "SIGNET_WEBHOOK is not set to the signet-webhook binary"
for tool in openssl base64 sed curl; do
    command -v "$tool" >/dev/null || die "$tool is not installed (scripts/install-deps.sh)"
done
"$PY" -c 'import yaml' 2>/dev/null || die "PyYAML is missing: install python3-yaml"

stop_webhook() {
    [ -n "$WH_PID" ] || return 0
    kill -TERM "$WH_PID" 2>/dev/null
    wait "$WH_PID" 2>/dev/null
    WH_PID=
}
at_exit stop_webhook

manifest_check() { # DESCRIPTION CHECK [DIR]
    check "$1" "$PY" "$HERE/check_manifests.py" "${3:-$DEPLOY}" "$2"
}

new_test "every manifest parses and keeps its invariants"
manifest_check "documents parse, are named, labelled and numbered" parse
manifest_check "namespace signet-system, labelled, holds every namespaced object" namespace
manifest_check "service account without token, no RBAC, no committed Secret" account
manifest_check "Deployment: 2 replicas, flags, HTTPS probes, locked down, PDB minAvailable 1" \
    deployment
manifest_check "Service 443 -> https (8443)" service
manifest_check "ConfigMap webhook.yaml: cosign, static allow, default deny, deadline < timeout" \
    configmap
manifest_check "webhooks: /mutate and /validate, Fail, None, v1, 10 s, own namespace skipped" \
    webhooks

new_test "the checks catch a webhook that fails open"
cp -R "$DEPLOY" broken
sed -i '0,/^    failurePolicy: Fail$/s//    failurePolicy: Ignore/' broken/templates/70-webhooks.yaml
run "$PY" "$HERE/check_manifests.py" broken webhooks
expect_status 1
expect_stdout_contains "MutatingWebhookConfiguration mutate.signet-webhook.signet-system.svc failurePolicy: want 'Fail', got 'Ignore'"

new_test "signet-webhook --check-config accepts the ConfigMap's webhook.yaml"
CONFIG=$TEST_TMP/webhook.yaml
check "webhook.yaml extracted" "$PY" "$HERE/check_manifests.py" "$DEPLOY" config "$CONFIG"
run "$SIGNET_WEBHOOK" --check-config --config "$CONFIG"
expect_status 0
expect_stdout_contains ok
sed 's/^default: deny$/default: maybe/' "$CONFIG" >bad.yaml
run "$SIGNET_WEBHOOK" --check-config --config bad.yaml
expect_failure 1 '^signet-webhook: bad\.yaml:[0-9]+:[0-9]+: unknown default "maybe"'

new_test "make-certs.sh needs no cluster: openssl, base64, sed and the shell's basics"
mkdir bin
for tool in bash env openssl base64 sed grep cat mktemp mkdir mv chmod rm dirname; do
    ln -s "$(command -v "$tool")" bin/ || die "cannot link $tool"
done
OUT=$TEST_TMP/out
run env PATH="$TEST_DIR/bin" bash "$DEPLOY/make-certs.sh" --out "$OUT" --days 30
expect_status 0
expect_stdout_contains "certificate for $SERVICE_DNS, valid 30 days"
check "CA, certificate, Secret and webhook configurations written" \
    test -s "$OUT/ca.crt" -a -s "$OUT/tls.crt" -a -s "$OUT/30-signet-webhook-tls.yaml" \
    -a -s "$OUT/70-webhooks.yaml"
check "the Secret is readable by its owner only" \
    test "$(stat -c %a "$OUT/30-signet-webhook-tls.yaml")" = 600
check "the CA's private key is not kept" test ! -e "$OUT/ca.key"
for name in signet-webhook signet-webhook.signet-system "$SERVICE_DNS" \
    "$SERVICE_DNS.cluster.local"; do
    check "the certificate verifies against the CA for $name" \
        openssl verify -CAfile "$OUT/ca.crt" -verify_hostname "$name" "$OUT/tls.crt"
done
run openssl verify -CAfile "$OUT/ca.crt" -verify_hostname evil.example "$OUT/tls.crt"
expect_status 2
check "the certificate is for TLS servers" \
    sh -c "openssl x509 -noout -ext extendedKeyUsage -in '$OUT/tls.crt' | grep -q 'TLS Web Server Authentication'"
check "the CA is a CA" \
    sh -c "openssl x509 -noout -ext basicConstraints -in '$OUT/ca.crt' | grep -q 'CA:TRUE'"
check "caBundle of both configurations is the CA; the Secret holds tls.crt" \
    "$PY" "$HERE/check_manifests.py" "$DEPLOY" generated "$OUT" "$OUT/ca.crt"
"$PY" -c 'import base64, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["data"]
open(sys.argv[2], "wb").write(base64.b64decode(d["tls.key"]))' \
    "$OUT/30-signet-webhook-tls.yaml" "$TEST_TMP/tls.key" ||
    die "cannot read tls.key from the Secret"
check "the Secret's tls.key is the certificate's key" \
    test "$(openssl pkey -pubout -in "$TEST_TMP/tls.key")" = "$(openssl x509 -noout -pubkey -in "$OUT/tls.crt")"
check "the committed templates still carry the placeholder" \
    "$PY" "$HERE/check_manifests.py" "$DEPLOY" webhooks

new_test "make-certs.sh --previous-ca keeps the old CA in caBundle; usage errors"
run bash "$DEPLOY/make-certs.sh" --out "$TEST_DIR/old"
expect_status 0
run bash "$DEPLOY/make-certs.sh" --out "$TEST_DIR/new" --previous-ca "$TEST_DIR/old/ca.crt"
expect_status 0
check "caBundle is the new CA, then the previous one" \
    "$PY" "$HERE/check_manifests.py" "$DEPLOY" generated "$TEST_DIR/new" "$TEST_DIR/new/ca.crt" \
    "$TEST_DIR/old/ca.crt"
run bash "$DEPLOY/make-certs.sh" --out "$TEST_DIR/x" --bogus
expect_failure 2 "^make-certs.sh: unknown argument '--bogus'"
run bash "$DEPLOY/make-certs.sh" --out "$TEST_DIR/x" --previous-ca "$DEPLOY/20-config.yaml"
expect_failure 1 "is not a PEM certificate"
check "nothing written on a usage error" test ! -e "$TEST_DIR/x"

new_test "signet-webhook serves the deploy config over HTTPS as $SERVICE_DNS"
"$SIGNET_WEBHOOK" --config "$CONFIG" --tls-cert "$OUT/tls.crt" --tls-key "$TEST_TMP/tls.key" \
    --listen 127.0.0.1:0 2>webhook.log &
WH_PID=$!
port=$(webhook_port "$WH_PID" webhook.log)
rc=running
[ -n "$port" ] || { kill "$WH_PID" 2>/dev/null; wait "$WH_PID"; rc=$?; WH_PID=; }
check "signet-webhook started (status: $rc; log: $(head -c 300 webhook.log))" test -n "$port"
if [ -n "$port" ]; then
    for path in readyz healthz; do
        run curl -sS --cacert "$OUT/ca.crt" --resolve "$SERVICE_DNS:$port:127.0.0.1" \
            "https://$SERVICE_DNS:$port/$path"
        expect_status 0
        expect_stdout_contains "$([ $path = readyz ] && echo ready || echo ok)"
    done
fi
stop_webhook

finish
