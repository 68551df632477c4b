# shellcheck shell=bash
# Helpers sourced by the registry end-to-end tests (bash): a real registry (docker-registry,
# distribution 2.8) started by the test on 127.0.0.1, images pushed with skopeo, checks.
#
#   start_registry [--tls] [--htpasswd USER:PASS]   start one; sets REG, REG_URL and the flags
#   push_test_image REF            the vectors' tiny OCI image, pushed to $REG/REF
#   push_image SEED REF [ARCH]     a different image (its content depends on SEED)
#   push_index SEED REF            a linux/amd64 + linux/arm64 index (skopeo copy --all)
#   image_digest REF               the digest of $REG/REF, from skopeo inspect --raw + sha256sum
#   get_manifest / get_blob / put_blob / put_manifest / http_status   raw HTTP with curl
#   sg VERB ARGS...                signet VERB with the flags this registry needs
#   use_test_signer                a GNUPGHOME with the simple-signing test key (sets SS, FPR)
#   json_get / cosign_payload      read JSON, write cosign's payload (independently of signet)
# and the shared checks of tests/lib/checks.sh: new_test, run, check, expect_*, finish, die.
# Every run's output is collected in $ALL_OUTPUT, to look for leaked secrets.
#
# Environment (set by CTest): SIGNET (the tool), VECTORS (shared test vectors).
set -u

# shellcheck source=SCRIPTDIR/../lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

REG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3 # has cryptography; the python3 first on PATH may not
_reg_pids=()

# The caller's credential files must not be seen (by signet or skopeo): a private HOME and
# runtime dir, each test setting DOCKER_CONFIG / REGISTRY_AUTH_FILE itself when it wants one.
export HOME=$TEST_TMP/home
export XDG_RUNTIME_DIR=$TEST_TMP/run
export XDG_CONFIG_HOME=$HOME/.config
mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"

stop_registries() {
    local pid
    for pid in "${_reg_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    _reg_pids=()
}

# Before the temporary directory (their storage) is removed, in finish and on any exit.
at_exit stop_registries

require_env() {
    local tool
    require_signet
    require_vectors
    for tool in docker-registry skopeo openssl curl htpasswd; do
        command -v "$tool" >/dev/null ||
            die "$tool not found: the registry tests need docker-registry, skopeo, openssl, curl and htpasswd (apache2-utils); the install script installs them"
    done
    [ -x "$PY" ] || die "$PY not found"
    "$PY" -c 'import cryptography.hazmat.primitives.asymmetric.ec' 2>/dev/null ||
        die "$PY lacks the cryptography package (python3-cryptography)"
}

# --- the registry ---------------------------------------------------------------------------

# A test CA and a server certificate for 127.0.0.1 (SAN IP:127.0.0.1), in DIR.
make_server_cert() {
    local dir=$1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=signet registry test CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$dir/openssl.log" &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" \
            2>>"$dir/openssl.log" &&
        printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/server.ext" &&
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
            -set_serial "0x$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')" -days 2 \
            -extfile "$dir/server.ext" -out "$dir/server.crt" 2>>"$dir/openssl.log" ||
        die "cannot make the test certificates: $(cat "$dir/openssl.log")"
}

# A port nobody listens on now (the kernel's choice of an ephemeral one; high, > 1024).
_free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Poll /v2/ until the registry we started (recognised by its nonce header) answers.
# Returns 1 when the process died (e.g. the port was taken meanwhile).
_wait_ready() {
    local pid=$1 url=$2 nonce=$3 deadline=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$deadline" ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -s -o /dev/null -D - --max-time 5 "${CURL_TLS[@]}" "$url/v2/" 2>/dev/null |
            grep -qi "^X-Signet-Test-Registry: $nonce"; then
            return 0
        fi
        sleep 0.05
    done
    die "docker-registry (pid $pid) did not answer on $url within 60 s"
}

_pdeathsig=
command -v setpriv >/dev/null && _pdeathsig="setpriv --pdeathsig TERM --"

# start_registry [--tls] [--htpasswd USER:PASS]
# Sets REG (127.0.0.1:PORT), REG_URL, REG_DIR, REG_CA (with --tls), and the options for talking
# to it: SIGNET_FLAGS (signet), SKOPEO_SRC / SKOPEO_DEST / SKOPEO_INSPECT (skopeo), CURL_TLS /
# CURL_AUTH (curl). Storage is in the temporary directory, deletes are enabled.
start_registry() {
    local tls=0 userpass='' pid port nonce scheme=http
    while [ $# -gt 0 ]; do
        case $1 in
        --tls) tls=1 ;;
        --htpasswd)
            userpass=$2
            shift
            ;;
        *) die "start_registry: unknown option $1" ;;
        esac
        shift
    done
    REG_DIR=$TEST_TMP/registry$((${#_reg_pids[@]} + 1))
    mkdir -p "$REG_DIR/data" "$REG_DIR/certs.d" || die "cannot create $REG_DIR"
    CURL_TLS=()
    CURL_AUTH=()
    SKOPEO_SRC=()
    SKOPEO_DEST=()
    SIGNET_FLAGS=()
    REG_CA=
    {
        echo "version: 0.1"
        echo "log: {level: error, accesslog: {disabled: true}}"
        echo "storage:"
        echo "  filesystem: {rootdirectory: $REG_DIR/data}"
        echo "  delete: {enabled: true}"
        echo "  maintenance: {uploadpurging: {enabled: false}}"
    } >"$REG_DIR/config.base"
    if [ "$tls" = 1 ]; then
        scheme=https
        make_server_cert "$REG_DIR"
        REG_CA=$REG_DIR/ca.crt
        cp "$REG_CA" "$REG_DIR/certs.d/ca.crt" # skopeo's --cert-dir wants *.crt CAs
        CURL_TLS=(--cacert "$REG_CA")
        SKOPEO_SRC=(--src-cert-dir "$REG_DIR/certs.d")
        SKOPEO_DEST=(--dest-cert-dir "$REG_DIR/certs.d")
        SKOPEO_INSPECT=(--cert-dir "$REG_DIR/certs.d")
        SIGNET_FLAGS=(--registry-cacert "$REG_CA")
    else
        SKOPEO_SRC=(--src-tls-verify=false)
        SKOPEO_DEST=(--dest-tls-verify=false)
        SKOPEO_INSPECT=(--tls-verify=false)
        SIGNET_FLAGS=(--allow-http-registry)
    fi
    if [ -n "$userpass" ]; then
        htpasswd -Bbn "${userpass%%:*}" "${userpass#*:}" >"$REG_DIR/htpasswd" 2>/dev/null ||
            die "htpasswd failed"
        echo "auth: {htpasswd: {realm: signet-test, path: $REG_DIR/htpasswd}}" >>"$REG_DIR/config.base"
        CURL_AUTH=(-u "$userpass")
        SKOPEO_SRC+=(--src-creds "$userpass")
        SKOPEO_DEST+=(--dest-creds "$userpass")
        SKOPEO_INSPECT+=(--creds "$userpass")
    fi
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$(_free_port) || die "cannot find a free port"
        nonce=$(od -An -tx8 -N8 /dev/urandom | tr -d ' ')
        {
            cat "$REG_DIR/config.base"
            echo "http:"
            echo "  addr: 127.0.0.1:$port"
            echo "  secret: $nonce"
            # Our registry, not whatever else might answer on that port, says it is ready.
            echo "  headers: {X-Signet-Test-Registry: [$nonce]}"
            if [ "$tls" = 1 ]; then
                echo "  tls: {certificate: $REG_DIR/server.crt, key: $REG_DIR/server.key}"
            fi
        } >"$REG_DIR/config.yml"
        # The EXIT trap stops it; a parent-death signal too if the script is killed outright.
        $_pdeathsig docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/registry.log" 2>&1 &
        pid=$!
        _reg_pids+=("$pid")
        if _wait_ready "$pid" "$scheme://127.0.0.1:$port" "$nonce"; then
            REG=127.0.0.1:$port
            REG_URL=$scheme://$REG
            echo "# registry $REG_URL (pid $pid${userpass:+, htpasswd}${REG_CA:+, test CA})"
            return 0
        fi
        unset '_reg_pids[-1]'
        wait "$pid" 2>/dev/null
        grep -q "address already in use" "$REG_DIR/registry.log" ||
            die "docker-registry exited: $(head -c 2000 "$REG_DIR/registry.log")"
        echo "# port $port was taken meanwhile, trying another"
    done
    die "no free port for docker-registry after 10 tries"
}

# --- GnuPG ----------------------------------------------------------------------------------

# A private GNUPGHOME holding the simple-signing vectors' test signer (secret key), whose agent is
# stopped on exit. Sets SS (the vectors' directory) and FPR (the signer's fingerprint).
SS=${VECTORS:-}/containers-image/interop/simple-signing
FPR=3F01D7D3121CACD90125E338602FF35B08633FE2
stop_gpg_agent() { gpgconf --kill all 2>/dev/null; }
use_test_signer() {
    export GNUPGHOME=$TEST_TMP/gnupg
    mkdir -m 700 "$GNUPGHOME" || die "cannot create $GNUPGHOME"
    gpg --batch --quiet --import "$SS/signer-sec-TEST-ONLY.asc" 2>/dev/null || die "gpg import failed"
    at_exit stop_gpg_agent
}

# --- images ---------------------------------------------------------------------------------

# A private signature policy: skopeo only copies, it is not what is being tested.
_skopeo() {
    [ -f "$TEST_TMP/policy.json" ] ||
        echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TEST_TMP/policy.json"
    skopeo --policy "$TEST_TMP/policy.json" "$@"
}

_skopeo_copy() {
    _skopeo copy --quiet --preserve-digests "${SKOPEO_DEST[@]}" "$@" >"$TEST_TMP/.skopeo.log" 2>&1 ||
        die "skopeo copy $* failed: $(cat "$TEST_TMP/.skopeo.log")"
}

push_test_image() {
    _skopeo_copy "oci:$VECTORS/containers-image/interop/oci-img:latest" "docker://$REG/$1"
}

# push_image SEED REF [ARCH]: an image different from every other seed's.
push_image() {
    local layout=$TEST_TMP/layout
    "$PY" "$REG_LIB_DIR/mkimage.py" "$layout" "$1" "$1" "${3:-amd64}" >/dev/null ||
        die "mkimage.py failed"
    _skopeo_copy "oci:$layout:$1" "docker://$REG/$2"
}

# push_index SEED REF: an OCI index of linux/amd64 and linux/arm64 images, with its children.
push_index() {
    local layout=$TEST_TMP/layout
    "$PY" "$REG_LIB_DIR/mkimage.py" --index "$layout" "$1" "$1" >/dev/null || die "mkimage.py failed"
    _skopeo_copy --all "oci:$layout:$1" "docker://$REG/$2"
}

# The manifest exactly as the registry serves it (skopeo, not signet).
raw_manifest() {
    _skopeo inspect --raw "${SKOPEO_INSPECT[@]}" "docker://$REG/$1"
}

# image_digest REF: sha256:<hex> of the manifest bytes the registry serves for REF.
image_digest() {
    local sum
    sum=$(raw_manifest "$1" | sha256sum) || die "skopeo inspect --raw $REG/$1 failed"
    sum=${sum%% *}
    [ ${#sum} = 64 ] || die "no digest for $REG/$1"
    echo "sha256:$sum"
}

# sig_tag DIGEST: cosign's tag for an image's signatures.
sig_tag() {
    echo "sha256-${1#sha256:}.sig"
}

# --- raw HTTP (curl), to read and forge what is in the registry without signet ---------------

_ACCEPT='Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

# get_manifest REPO REF [OUT]: fails unless 200.
get_manifest() {
    curl -sSf "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -H "$_ACCEPT" -o "${3:-/dev/stdout}" \
        "$REG_URL/v2/$1/manifests/$2"
}

# get_blob REPO DIGEST [OUT]
get_blob() {
    curl -sSfL "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -o "${3:-/dev/stdout}" "$REG_URL/v2/$1/blobs/$2"
}

# http_status REPO manifests|blobs REF: the status of a HEAD request (200, 404, ...).
http_status() {
    curl -s -o /dev/null -I -w '%{http_code}' "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -H "$_ACCEPT" \
        "$REG_URL/v2/$1/$2/$3"
}

# put_blob REPO FILE: monolithic upload (POST, then PUT with ?digest=); prints the digest.
put_blob() {
    local digest location
    digest=sha256:$(sha256sum <"$2" | cut -d' ' -f1)
    location=$(curl -sSf "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -X POST -D - -o /dev/null \
        "$REG_URL/v2/$1/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    [ -n "$location" ] || die "no upload location for $1"
    case $location in /*) location=$REG_URL$location ;; esac
    case $location in *\?*) location="$location&digest=$digest" ;; *) location="$location?digest=$digest" ;; esac
    curl -sSf "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -X PUT -H 'Content-Type: application/octet-stream' \
        --data-binary "@$2" -o /dev/null "$location" || die "uploading $2 to $1 failed"
    echo "$digest"
}

# put_manifest REPO REF FILE [MEDIA_TYPE]: the file's bytes, as they are.
put_manifest() {
    local code
    code=$(curl -sS "${CURL_TLS[@]}" "${CURL_AUTH[@]}" -X PUT -o "$TEST_TMP/.put.out" -w '%{http_code}' \
        -H "Content-Type: ${4:-application/vnd.oci.image.manifest.v1+json}" --data-binary "@$3" \
        "$REG_URL/v2/$1/manifests/$2")
    [ "$code" = 201 ] || die "PUT manifest $1:$2 answered $code: $(cat "$TEST_TMP/.put.out")"
}

# --- signet ---------------------------------------------------------------------------------

# sg VERB ARGS...: signet VERB with this registry's flags (plain HTTP or the test CA).
sg() {
    local verb=$1
    shift
    "$SIGNET" "$verb" "${SIGNET_FLAGS[@]}" "$@"
}

# new_keys NAME...: NAME.key (password "pw") and NAME.pub in the current directory, made a few
# at a time (scrypt takes a while).
new_keys() {
    local name pid pids=()
    for name in "$@"; do
        COSIGN_PASSWORD=pw "$SIGNET" generate-key-pair --output-key-prefix "$name" \
            >"$name.log" 2>&1 &
        pids+=($!)
        if [ ${#pids[@]} = 4 ]; then # (a bare `wait` would wait for the registry too)
            for pid in "${pids[@]}"; do wait "$pid"; done
            pids=()
        fi
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    for name in "$@"; do
        [ -s "$name.key" ] && [ -s "$name.pub" ] || die "generate-key-pair $name failed: $(cat "$name.log")"
        rm -f "$name.log"
    done
}

# --- JSON, read and written independently of signet -----------------------------------------

# json_get FILE PYTHON-EXPRESSION: print the expression over the parsed JSON `j` (strings raw,
# everything else as compact JSON).
json_get() {
    "$PY" - "$1" "$2" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1], "rb"))
v = eval(sys.argv[2], {"j": j, "len": len})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
EOF
}

# cosign_payload REPO DIGEST [OPTIONAL-JSON]: the exact simple-signing payload cosign writes
# (shared/docs/cosign-format.md §2.1), built here independently of signet, no newline.
cosign_payload() {
    printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":%s}' \
        "$1" "$2" "${3:-null}"
}
