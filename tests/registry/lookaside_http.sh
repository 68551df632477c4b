#!/bin/bash
# signedBy with lookaside storage read over http:// and https://, as containers/image reads it:
# skopeo signs into a file:// lookaside-staging, a web server (lookaside_http.py) serves that
# directory, and signet policy verify reads signature-1, -2, ... over HTTP until the first 404.
# A missing signature denies and names where it looked; a 500, an untrusted certificate, an
# https-to-http redirect or an oversized signature fail the check (exit 2), never allow.
. "$(dirname "$0")/lib.sh"
require_env
start_registry

use_test_signer

LA=$TEST_TMP/lookaside
mkdir -p "$LA" "$TEST_TMP/tls"
make_server_cert "$TEST_TMP/tls"

_web_pids=()
stop_web() {
    local pid
    for pid in "${_web_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
at_exit stop_web

# start_web NAME ARGS...: a lookaside server over $LA; sets PORT.
start_web() {
    local name=$1 deadline=$((SECONDS + 30))
    shift
    # shellcheck disable=SC2154 # set by lib.sh
    $_pdeathsig "$PY" "$REG_LIB_DIR/lookaside_http.py" --root "$LA" --log "$TEST_TMP/$name.log" \
        "$@" >"$TEST_TMP/$name.port" 2>"$TEST_TMP/$name.err" &
    _web_pids+=($!)
    until [ -s "$TEST_TMP/$name.port" ]; do
        kill -0 "${_web_pids[-1]}" 2>/dev/null || die "$name server died: $(cat "$TEST_TMP/$name.err")"
        [ "$SECONDS" -lt "$deadline" ] || die "$name server did not start"
        sleep 0.05
    done
    PORT=$(head -n1 "$TEST_TMP/$name.port")
}
start_web http
HTTP=http://127.0.0.1:$PORT
start_web https --cert "$TEST_TMP/tls/server.crt" --key "$TEST_TMP/tls/server.key" \
    --redirect-base "$HTTP"
HTTPS=https://127.0.0.1:$PORT

# Writing: the file:// staging. Reading: each repository's lookaside URL.
RD=$TEST_TMP/registries.d
mkdir -p "$RD"
scope_yaml() { # NAMESPACE LOOKASIDE-URL
    printf '  %s/%s:\n    lookaside: %s\n    lookaside-staging: file://%s\n' "$REG" "$1" "$2" "$LA"
}
{
    echo "docker:"
    scope_yaml gpg "$HTTP"
    scope_yaml tls "$HTTPS"
    scope_yaml broken "$HTTP/fail500"
    scope_yaml downgrade "$HTTPS/to-http"
} >"$RD/local.yaml"
# Signing with a lookaside but no staging: signet refuses, as skopeo does.
RD_NOSTAGE=$TEST_TMP/registries.d-nostage
mkdir -p "$RD_NOSTAGE"
printf 'default-docker:\n  lookaside: %s\n' "$HTTP" >"$RD_NOSTAGE/local.yaml"

"$PY" "$REG_LIB_DIR/mkimage.py" "$TEST_TMP/layout" one one amd64 >/dev/null || die "mkimage failed"
for repo in gpg/app tls/app broken/app downgrade/app; do
    skopeo copy -q --dest-tls-verify=false --registries.d "$RD" --sign-by "$FPR" \
        "oci:$TEST_TMP/layout:one" "docker://$REG/$repo:v1" || die "skopeo copy --sign-by $repo failed"
done
skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/unsigned:v1" ||
    die "skopeo copy failed"
D=$(image_digest gpg/app:v1) || die "no digest"
HEX=${D#sha256:}

printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}\n' \
    "$SS/signer-pub.gpg" >"$TEST_TMP/policy.gpg.json"
pv() { sg policy verify --registries.d "$RD" --policy "$TEST_TMP/policy.gpg.json" "$@"; }

new_test "skopeo's signature read over http://: allowed"
: >"$TEST_TMP/http.log"
run pv "docker://$REG/gpg/app:v1"
expect_status 0
expect_stdout_contains "$D"
check "GET signature-1 answered 200" grep -qx "GET /gpg/app@sha256=$HEX/signature-1 200" "$TEST_TMP/http.log"

new_test "two signatures, the first by another key: signature-2 is read and allows"
skopeo copy -q --dest-tls-verify=false --registries.d "$RD" --sign-by "$FPR" \
    "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/two:v1" || die "skopeo copy --sign-by failed"
mv "$LA/gpg/two@sha256=$HEX/signature-1" "$LA/gpg/two@sha256=$HEX/signature-2"
cp "$VECTORS/containers-image/fixtures/image.signature" "$LA/gpg/two@sha256=$HEX/signature-1"
: >"$TEST_TMP/http.log"
run pv "docker://$REG/gpg/two:v1"
expect_status 0
expect_stdout_contains "$D"
check "signature-1 then signature-2 were fetched" \
    diff <(printf 'GET /gpg/two@sha256=%s/signature-%s 200\n' "$HEX" 1 "$HEX" 2) "$TEST_TMP/http.log"

new_test "no signature on the server: denied, naming the URL looked at"
: >"$TEST_TMP/http.log"
run pv "docker://$REG/gpg/unsigned:v1"
expect_failure 1 "requirement 1 \\(signedBy\\).*A signature was required, but no signature exists \\(none at $HTTP/gpg/unsigned@sha256=$HEX/signature-1\\)"
check "the 404 ended the list" grep -qx "GET /gpg/unsigned@sha256=$HEX/signature-1 404" "$TEST_TMP/http.log"

new_test "the server answers 500: the check fails (exit 2), not a shorter list"
run pv "docker://$REG/broken/app:v1"
expect_failure 2 "reading signature from $HTTP/fail500/broken/app@sha256=$HEX/signature-1: status 500"

new_test "https:// with the test CA (--registry-cacert): allowed"
: >"$TEST_TMP/https.log"
run pv --registry-cacert "$TEST_TMP/tls/ca.crt" "docker://$REG/tls/app:v1"
expect_status 0
expect_stdout_contains "$D"
check "GET over https answered 200" grep -qx "GET /tls/app@sha256=$HEX/signature-1 200" "$TEST_TMP/https.log"

new_test "https:// without the test CA: certificate not trusted (exit 2)"
run pv "docker://$REG/tls/app:v1"
expect_failure 2 "reading signature from $HTTPS/tls/app@sha256=$HEX/signature-1: TLS certificate not trusted"

new_test "https:// redirected to http://: refused (exit 2)"
run pv --registry-cacert "$TEST_TMP/tls/ca.crt" "docker://$REG/downgrade/app:v1"
expect_failure 2 "reading signature from $HTTPS/to-http/downgrade/app@sha256=$HEX/signature-1: Unsupported protocol"

new_test "a signature over 4 MiB: refused (exit 2)"
skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/huge:v1" ||
    die "skopeo copy failed"
mkdir -p "$LA/gpg/huge@sha256=$HEX"
head -c $((4 * 1024 * 1024 + 1)) /dev/zero >"$LA/gpg/huge@sha256=$HEX/signature-1"
run pv "docker://$REG/gpg/huge:v1"
expect_failure 2 "reading signature from $HTTP/gpg/huge@sha256=$HEX/signature-1: larger than 4194304 bytes"

new_test "signet verify --gpg-keyring reads the http:// lookaside too"
run sg verify --gpg-keyring "$SS/signer-pub.gpg" --registries.d "$RD" "$REG/gpg/app:v1"
expect_status 0
expect_stdout_contains "$D"

new_test "signet sign with an http:// lookaside and no staging: refused, staging is file:// only"
run sg sign --gpg-key "$FPR" --registries.d "$RD_NOSTAGE" "$REG/gpg/app:v1"
expect_failure 2 "writing directly to a lookaside $HTTP is not supported: configure a file:// lookaside-staging"

finish
