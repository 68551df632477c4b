#!/bin/bash
# A registry behind TLS (a test CA, certificate for IP 127.0.0.1) with htpasswd basic auth:
# certificate trust, credentials from docker's config.json, $REGISTRY_AUTH_FILE,
# $XDG_RUNTIME_DIR/containers/auth.json and credential helpers; and the secret never printed.
. "$(dirname "$0")/lib.sh"
require_env

USER_NAME=signet-user
PASS=pw-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')  # distinctive, to look for leaks
WRONG=wrong-$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')
start_registry --tls --htpasswd "$USER_NAME:$PASS"
b64() { printf '%s' "$1" | base64 -w0; }
GOOD_AUTH=$(b64 "$USER_NAME:$PASS")
WRONG_AUTH=$(b64 "$USER_NAME:$WRONG")

KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys k1 k2
K1=$KEYS/k1 K2=$KEYS/k2

push_test_image app:v1 # skopeo with the CA and the credentials
D=$(image_digest app:v1) || die "no digest"
IMG=$REG/app:v1

# A docker config dir with CONTENT as config.json.
docker_config() {
    local dir=$TEST_DIR/$1
    mkdir -p "$dir" && printf '%s\n' "$2" >"$dir/config.json" || die "cannot write $dir"
    echo "$dir"
}

GOOD_CONFIG='{"auths":{"'$REG'":{"auth":"'$GOOD_AUTH'"}}}'

# verify_env ENV-ASSIGNMENT... : verify $IMG with k1, the test CA and these variables.
verify_env() {
    env "$@" "$SIGNET" verify --registry-cacert "$REG_CA" --key "$K1.pub" "$IMG"
}

sign_env() {
    env COSIGN_PASSWORD=pw "$@" "$SIGNET" sign --registry-cacert "$REG_CA" --key "$K1.key" \
        --tlog-upload=false "$IMG"
}

new_test "without --registry-cacert the registry's certificate is not trusted: exit 2"
cfg=$(docker_config good "$GOOD_CONFIG")
run env DOCKER_CONFIG="$cfg" "$SIGNET" verify --key "$K1.pub" "$IMG"
expect_failure 2 "certificate"
run env DOCKER_CONFIG="$cfg" COSIGN_PASSWORD=pw "$SIGNET" sign --key "$K1.key" --tlog-upload=false "$IMG"
expect_failure 2 "certificate"
expect_eq "$(http_status app manifests "$(sig_tag "$D")")" 404 "nothing was written"

new_test "another CA's certificate file does not make the registry trusted: exit 2"
mkdir other-ca && make_server_cert "$TEST_DIR/other-ca"
run env DOCKER_CONFIG="$cfg" "$SIGNET" verify --registry-cacert other-ca/ca.crt --key "$K1.pub" "$IMG"
expect_failure 2 "certificate"

new_test "with the CA but no credentials anywhere: exit 2, says credentials are needed"
run verify_env DOCKER_CONFIG="$TEST_DIR/none"
expect_failure 2 "credentials|authenticat"
run sign_env DOCKER_CONFIG="$TEST_DIR/none"
expect_failure 2 "credentials|authenticat"
expect_eq "$(http_status app manifests "$(sig_tag "$D")")" 404 "nothing was written"

new_test "a wrong password in docker's config.json: exit 2, refused"
cfg=$(docker_config wrong '{"auths":{"'$REG'":{"auth":"'$WRONG_AUTH'"}}}')
run verify_env DOCKER_CONFIG="$cfg"
expect_failure 2 "refused"
run sign_env DOCKER_CONFIG="$cfg"
expect_failure 2 "refused"
expect_eq "$(http_status app manifests "$(sig_tag "$D")")" 404 "nothing was written"

new_test "the right credentials in docker's config.json: sign and verify"
cfg=$(docker_config good "$GOOD_CONFIG")
run sign_env DOCKER_CONFIG="$cfg"
expect_status 0
expect_stderr_contains "Pushing signature to: $REG/app"
expect_eq "$(http_status app manifests "$(sig_tag "$D")")" 200 "the signature is in the registry"
run verify_env DOCKER_CONFIG="$cfg"
expect_status 0
printf '\n[%s]\n' "$(cosign_payload "$REG/app" "$D")" >expected.out
expect_stdout_equals_file "$TEST_DIR/expected.out"
EXPECTED_OUT=$TEST_DIR/expected.out
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$REG_CA" "$REG_URL/v2/app/manifests/v1")" 401 \
    "without credentials the registry answers 401 (so they were what let signet in)"
# The username/password form of an auths entry (podman writes "auth"; some tools write these).
cfg=$(docker_config userpass '{"auths":{"'$REG'":{"username":"'$USER_NAME'","password":"'$PASS'"}}}')
run verify_env DOCKER_CONFIG="$cfg"
expect_status 0

new_test "the same via REGISTRY_AUTH_FILE and XDG_RUNTIME_DIR/containers/auth.json"
printf '%s\n' "$GOOD_CONFIG" >auth.json
run verify_env DOCKER_CONFIG="$TEST_DIR/none" REGISTRY_AUTH_FILE="$TEST_DIR/auth.json"
expect_status 0
expect_stdout_equals_file "$EXPECTED_OUT"
run env DOCKER_CONFIG="$TEST_DIR/none" REGISTRY_AUTH_FILE="$TEST_DIR/auth.json" COSIGN_PASSWORD=pw \
    "$SIGNET" sign --registry-cacert "$REG_CA" --key "$K2.key" --tlog-upload=false "$IMG"
expect_status 0
run env DOCKER_CONFIG="$TEST_DIR/none" REGISTRY_AUTH_FILE="$TEST_DIR/auth.json" \
    "$SIGNET" verify --registry-cacert "$REG_CA" --key "$K2.pub" "$IMG"
expect_status 0
mkdir -p xdg/containers && chmod 700 xdg && cp auth.json xdg/containers/auth.json
run verify_env DOCKER_CONFIG="$TEST_DIR/none" XDG_RUNTIME_DIR="$TEST_DIR/xdg"
expect_status 0
expect_stdout_equals_file "$EXPECTED_OUT"

new_test "a credential helper named in credHelpers (and credsStore)"
mkdir bin
# docker-credential-<name> get: the server on stdin, {"ServerURL","Username","Secret"} on
# stdout; "credentials not found" and status 1 for any other server.
make_helper() { # make_helper NAME HOST SECRET
    cat >"bin/docker-credential-$1" <<EOF
#!/bin/sh
[ "\$1" = get ] || exit 2
server=\$(cat)
echo "\$server" >>"$TEST_DIR/helper-$1.log"
if [ "\$server" = "$2" ]; then
    printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$USER_NAME" "$3"
else
    echo "credentials not found in native keychain"
    exit 1
fi
EOF
    chmod +x "bin/docker-credential-$1"
}
make_helper signettest "$REG" "$PASS"
make_helper signetwrong "$REG" "$WRONG"
make_helper signetelsewhere registry.example.invalid "$PASS"
export PATH="$TEST_DIR/bin:$PATH"
cfg=$(docker_config helper '{"credHelpers":{"'$REG'":"signettest"}}')
run verify_env DOCKER_CONFIG="$cfg"
expect_status 0
expect_stdout_equals_file "$EXPECTED_OUT"
expect_eq "$(sort -u helper-signettest.log)" "$REG" "the helper was asked for $REG"
cfg=$(docker_config store '{"credsStore":"signettest"}')
run verify_env DOCKER_CONFIG="$cfg"
expect_status 0
cfg=$(docker_config helper-wrong '{"credHelpers":{"'$REG'":"signetwrong"}}')
run verify_env DOCKER_CONFIG="$cfg"
expect_failure 2 "refused"
# A helper that has nothing for this registry ("credentials not found", status 1).
cfg=$(docker_config store-elsewhere '{"credsStore":"signetelsewhere"}')
run verify_env DOCKER_CONFIG="$cfg"
expect_failure 2 "credentials"
expect_eq "$(sort -u helper-signetelsewhere.log)" "$REG" "that helper was asked for $REG too"
# credHelpers for another registry only: not used for this one.
cfg=$(docker_config helper-other '{"credHelpers":{"registry.example.invalid":"signettest"}}')
rm -f helper-signettest.log
run verify_env DOCKER_CONFIG="$cfg"
expect_failure 2 "credentials"
check "the other registry's helper was not run" test ! -e helper-signettest.log

new_test "--allow-insecure-registry instead of the CA: works, and warns"
cfg=$(docker_config good "$GOOD_CONFIG")
run env DOCKER_CONFIG="$cfg" "$SIGNET" verify --allow-insecure-registry --key "$K1.pub" "$IMG"
expect_status 0
expect_stderr_matches "warning.*insecure"
expect_stdout_equals_file "$EXPECTED_OUT"
push_image insecure insecure:v1
run env DOCKER_CONFIG="$cfg" COSIGN_PASSWORD=pw "$SIGNET" sign --allow-insecure-registry \
    --key "$K1.key" --tlog-upload=false "$REG/insecure:v1"
expect_status 0
expect_stderr_matches "warning.*insecure"
run env DOCKER_CONFIG="$cfg" "$SIGNET" verify --registry-cacert "$REG_CA" --key "$K1.pub" "$REG/insecure:v1"
expect_status 0

new_test "the secret never appears on stdout or stderr"
for secret in "$PASS" "$WRONG" "$GOOD_AUTH" "$WRONG_AUTH"; do
    check "no output of this script's signet runs holds '${secret:0:6}…'" bash -c '! grep -qF -- "$1" "$2"' _ "$secret" "$ALL_OUTPUT"
done
check "and the runs were captured (the check above looked at something)" test -s "$ALL_OUTPUT"

finish
