#!/usr/bin/env bash
# Fault-injection tests: signet verify (and sign) against fault_registry.py, a registry that
# misbehaves in ways real ones do not. One server per scenario, on 127.0.0.1, port 0.
#
# Each case checks the exact exit status (0 verified, 1 rejected, 2 could not complete), that
# stdout is empty on failure, the "signet: ..." message, and, from the server's request log,
# what the client actually sent. Environment: SIGNET (the tool; CTest sets it), PYTHON
# (default python3; the server needs only the standard library and the openssl command).
# The checks (run, expect_*, finish...) are the shared ones of tests/lib/checks.sh.
set -u

# shellcheck source=SCRIPTDIR/../lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
GUARD=60 # seconds before a hung signet is killed (status 124): a hang guard, not a timing check
RUN_WITH=(timeout "$GUARD") # every run is guarded (only executables are run here)
SERVER_PID=

# Nor the caller's containers auth.json (the shared setup drops the other credentials).
unset XDG_RUNTIME_DIR

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=
    fi
}
at_exit stop_server

require_signet
command -v "$PY" >/dev/null || die "$PY not found"
command -v openssl >/dev/null || die "openssl not found"
command -v timeout >/dev/null || die "timeout (coreutils) not found"

# Credentials are looked up in $DOCKER_CONFIG or ~/.docker: both empty unless a case says so.
export HOME=$TEST_TMP/home DOCKER_CONFIG=$TEST_TMP/home/.docker
mkdir -p "$DOCKER_CONFIG"

# The trusted key: the server signs with it through openssl, signet verifies with its .pub.
if ! openssl ecparam -name prime256v1 -genkey -noout -out "$TEST_TMP/key.pem" 2>/dev/null ||
    ! openssl ec -in "$TEST_TMP/key.pem" -pubout -out "$TEST_TMP/key.pub" 2>/dev/null; then
    die "openssl could not make a P-256 key pair"
fi

# start_server SCENARIO: sets PORT, DIGEST (the image manifest's), REPO, IMAGE, SIG_TAG, LOG.
start_server() {
    stop_server
    CHECK_PREFIX="[$1] " # every check names its scenario
    SDIR=$TEST_TMP/$(printf '%02d' $((${#SCENARIOS_RUN[@]} + 1)))-${1//[^a-z0-9-]/_}
    SCENARIOS_RUN+=("$1")
    mkdir "$SDIR" || die "cannot create $SDIR"
    LOG=$SDIR/requests.jsonl
    "$PY" "$HERE/fault_registry.py" --scenario "$1" --key "$TEST_TMP/key.pem" --log "$LOG" \
        >"$SDIR/server.out" 2>"$SDIR/server.err" &
    SERVER_PID=$!
    local _
    for _ in $(seq 200); do
        [ -f "$SDIR/server.out" ] && [ "$(wc -l <"$SDIR/server.out")" -ge 2 ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    PORT=$(sed -n 1p "$SDIR/server.out")
    DIGEST=$(sed -n 2p "$SDIR/server.out")
    case "$PORT:$DIGEST" in
    [0-9]*:sha256:*) ;;
    *) die "fault registry did not start for '$1': $(cat "$SDIR/server.err")" ;;
    esac
    REPO=127.0.0.1:$PORT/test/app
    IMAGE=$REPO:v1
    SIG_TAG=sha256-${DIGEST#sha256:}.sig
    echo "# scenario $1"
}
SCENARIOS_RUN=()

# FAULTS_VERBOSE=1: also a trace of each run's status and error line, to follow a long run.
run() {
    checks_run "$@"
    if [ -n "${FAULTS_VERBOSE:-}" ]; then
        echo "    [$STATUS] $(grep -v '^signet: warning:' "$RUN_ERR" | grep '^signet:' | head -c 400)"
    fi
}

verify() {
    run "$SIGNET" verify --key "$TEST_TMP/key.pub" --allow-http-registry "$@"
}

# A "signet: ..." error line (not a warning) matching the extended regex, case-insensitive.
expect_message() {
    if grep -v '^signet: warning:' "$RUN_ERR" | grep -qiE -- "^signet: .*($1)"; then
        ok "message matches /$1/"
    else
        not_ok "a 'signet: ' error line should match /$1/"
    fi
}

# A refusal: exact status, nothing on stdout, a message saying what is wrong. Stricter than the
# shared expect_failure: the message must be signet's own error line, not a warning.
expect_failure() {
    expect_status "$1"
    expect_stdout_empty
    expect_message "$2"
}

# Verified: status 0 and the verified payload, for this image's digest, on stdout.
expect_verified() {
    expect_status 0
    expect_stdout_contains "\"docker-manifest-digest\":\"$DIGEST\""
}

# expect_log DESCRIPTION PYTHON-EXPRESSION: a check on the server's request log. In the
# expression (which may span lines), L is every request in arrival order (dicts: t, done,
# method, path, status, peer_port, accept, authorization, content_type); req(method,
# path_regex) filters L, statuses() and auths() give those fields of the same selection;
# V2 and TOKEN are the registry's and the token service's requests; ENV holds DIGEST, SIG_TAG
# and PORT.
expect_log() {
    local why
    if why=$(DIGEST=$DIGEST SIG_TAG=$SIG_TAG PORT=$PORT "$PY" - "$LOG" "$2" <<'EOF' 2>&1
import json, os, re, sys
L = sorted((json.loads(l) for l in open(sys.argv[1])), key=lambda e: e["t"])
ENV = os.environ
def req(method=None, path=None):
    return [e for e in L if (method is None or e["method"] == method)
            and (path is None or re.search(path, e["path"]))]
def statuses(method=None, path=None):
    return [e["status"] for e in req(method, path)]
def auths(method=None, path=None):
    return [e["authorization"] for e in req(method, path)]
V2, TOKEN = req(path="^/v2/"), req("GET", "^/token")
if not eval("(" + sys.argv[2] + ")"):
    for e in L[:40]:
        print("%.3f %s %s -> %s auth=%s" % (e["t"] - L[0]["t"], e["method"], e["path"][:90],
                                           e["status"], (e["authorization"] or "-")[:20]))
    if len(L) > 40:
        print("... %d requests in all" % len(L))
    sys.exit(1)
EOF
    ); then
        ok "server saw: $1"
    else
        not_ok "server should have seen: $1" "check: $2" "requests:" "$why"
    fi
}

# --- baseline ---------------------------------------------------------------------------------

start_server reconstructible
verify "$IMAGE"
expect_verified
expect_log "cosign's default payload is rebuilt from its digest, not fetched" '
    [(e["method"], e["path"]) for e in L] == [
        ("HEAD", "/v2/test/app/manifests/v1"),
        ("GET", "/v2/test/app/manifests/" + ENV["SIG_TAG"])]'

start_server ok
verify "$IMAGE"
expect_verified
expect_log "HEAD of the tag, GET of the .sig manifest, GET of the payload, in that order" '
    [(e["method"], e["path"]) for e in L] == [
        ("HEAD", "/v2/test/app/manifests/v1"),
        ("GET", "/v2/test/app/manifests/" + ENV["SIG_TAG"]),
        ("GET", req(path="/blobs/sha256:[0-9a-f]{64}$")[0]["path"])]'
expect_log "manifest requests Accept OCI and Docker v2 manifests" '
    all("application/vnd.oci.image.manifest.v1+json" in (e["accept"] or "") and
        "application/vnd.docker.distribution.manifest.v2+json" in (e["accept"] or "")
        for e in req(path="/manifests/"))'
expect_log "no Authorization header when none was asked for" 'all(e["authorization"] is None for e in L)'
expect_log "one connection kept alive for all requests" 'len({e["peer_port"] for e in L}) == 1'
# By digest with --platform, the image manifest itself is fetched: the control for
# manifest-digest-mismatch below.
verify "$REPO@$DIGEST" --platform linux/amd64
expect_verified
expect_log "GET of the image manifest by digest" 'len(req("GET", "/manifests/" + ENV["DIGEST"] + "$")) == 1'

# --- rate limits, server errors, timeouts, broken replies -------------------------------------

start_server 429-then-ok
verify "$IMAGE"
expect_verified
# Retry-After: 1 must be honoured: the next request comes at least ~1 s after the 429 was sent
# (the server's own clocks; the client's own backoff alone is 100-200 ms).
expect_log "two 429s, each followed by a retry >= 0.9 s later" '
    [e["status"] for e in L[:3]] == [429, 429, 200] and
    all(L[i + 1]["t"] - L[i]["done"] >= 0.9 for i in (0, 1))'

start_server 500-then-ok
verify "$IMAGE"
expect_verified
expect_log "the same request retried after two 500s" '
    [(e["method"], e["path"], e["status"]) for e in L[:3]] ==
    [("HEAD", "/v2/test/app/manifests/v1", s) for s in (500, 500, 200)]'

start_server always-503
verify "$IMAGE"
expect_failure 2 "503"
expect_message "after [0-9]+ tries"
# The message's count of tries is what the server saw, and it gave up.
tries=$(grep -oE 'after [0-9]+ tries' "$RUN_ERR" | grep -oE '[0-9]+' | head -1)
expect_log "${tries:-?} tries in all, more than one, all answered 503" \
    "len(L) == ${tries:-0} and len(L) > 1 and all(e['status'] == 503 for e in L)"

start_server slow
verify --timeout 1s "$IMAGE"
expect_failure 2 "time(d)? ?out"

# --timeout bounds the whole exchange, not only silences: a body dribbled out is cut off too.
start_server trickle
verify --timeout 1s "$IMAGE"
expect_failure 2 "time(d)? ?out"

# Connections closed after every reply without notice: reconnect (or retry) and carry on.
start_server drop-connections
verify "$IMAGE"
expect_verified
expect_log "every request on a new connection" 'len({e["peer_port"] for e in L}) == len(L) == 3'

start_server truncated-body
verify "$IMAGE"
expect_failure 2 "partial"
expect_log "the truncated .sig manifest was retried" 'len(req("GET", "/manifests/" + ENV["SIG_TAG"])) > 1'

start_server truncated-blob
verify "$IMAGE"
expect_failure 2 "partial"
expect_log "the truncated payload blob was retried" 'len(req("GET", "/blobs/")) > 1'

# --- digests ------------------------------------------------------------------------------------

start_server manifest-digest-mismatch
verify "$REPO@$DIGEST" --platform linux/amd64
expect_failure 2 "does not match"

start_server sig-manifest-digest-mismatch
verify "$IMAGE"
expect_failure 2 "does not match"
expect_log "no payload fetched for an unverified .sig manifest" 'not req(path="/blobs/")'

start_server no-digest-header
verify "$IMAGE"
expect_failure 2 "Docker-Content-Digest"

# The bytes served carry a valid signature by the trusted key, so only the digest check can
# refuse them; a fetch that cannot be trusted is "could not complete" (2), as for manifests.
start_server blob-digest-mismatch
verify "$IMAGE"
expect_failure 2 "does not match"

# --- sizes and counts ---------------------------------------------------------------------------

start_server oversized-manifest
verify "$IMAGE"
expect_failure 2 "larger than"

# A validly signed 5 MiB payload whose layer says 252 bytes: only the 4 MiB cap refuses it.
start_server oversized-blob
verify "$IMAGE"
expect_failure 2 "larger than"

# The same payload with its true size: not fetched at all, and with no other signature the
# image could not be checked (2), as for a payload found too large (signet-verify(1)).
start_server oversized-blob-declared
verify "$IMAGE"
expect_failure 2 "over the 4194304-byte limit"
expect_log "the oversized payload was never fetched" 'not req(path="/blobs/")'

# 999 unacceptable layers (wrong media type, no signature, bad base64, another key's
# signature) and one good one: verified, with exactly that one payload.
start_server thousand-layers
verify "$IMAGE"
expect_verified
if [ "$(grep -o '"docker-manifest-digest"' "$RUN_OUT" | wc -l)" = 1 ]; then
    ok "exactly one verified payload printed"
else
    not_ok "exactly one verified payload should be printed"
fi
# With a key that made none of them, all 1000 are checked and refused: rejected, not failed.
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out "$TEST_TMP/other.pub" 2>/dev/null
run "$SIGNET" verify --key "$TEST_TMP/other.pub" --allow-http-registry "$IMAGE"
expect_failure 1 "no matching signatures"

# 1001 copies of a valid layer: refused for the count alone, before any payload is fetched.
start_server thousand-and-one-layers
verify "$IMAGE"
expect_failure 2 "entries|limit"
expect_log "no payload fetched from a manifest over the layer limit" 'not req(path="/blobs/")'

# --- malformed .sig manifests (each served with its own correct digest) --------------------------

for variant in not-json not-object no-layers layers-not-array layer-not-object layer-bad-digest \
    layer-negative-size annotations-not-object no-config duplicate-key nul-in-string bad-utf8 \
    deep-nesting; do
    start_server "malformed-manifest:$variant"
    verify "$IMAGE"
    expect_failure 2 "malformed"
done
start_server malformed-manifest:schema-1
verify "$IMAGE"
expect_failure 2 "schema version 2"
start_server malformed-manifest:is-index
verify "$IMAGE"
# Served as a manifest, the body says index: the two must agree.
expect_failure 2 "served as application/vnd.oci.image.manifest.v1\+json but says application/vnd.oci.image.index.v1\+json"

# --- authentication -------------------------------------------------------------------------------

start_server bearer-auth
verify "$IMAGE"
expect_verified
expect_log "first request anonymous and answered 401" 'auths()[0] is None and statuses()[0] == 401'
expect_log "one anonymous token request for service=test, scope=repository:test/app:pull" '
    len(TOKEN) == 1 and TOKEN[0]["authorization"] is None and
    re.search(r"[?&]service=test(&|$)", TOKEN[0]["path"]) and
    re.search(r"[?&]scope=repository%3Atest%2Fapp%3Apull(&|$)", TOKEN[0]["path"])'
expect_log "every request after the token carries it (the server answered 200)" '
    len(V2) == 4 and all(e["authorization"].startswith("Bearer ") and e["status"] == 200
                         for e in V2[1:])'

start_server bearer-refused
verify "$IMAGE"
expect_failure 2 "authentication.*refused"
expect_log "nothing sent with credentials after the refusal" 'all(e["authorization"] is None for e in L)'

start_server bearer-token-rejected
verify "$IMAGE"
expect_failure 2 "refused pull access"
expect_log "one token, one retry with it, then no loop" '
    len(TOKEN) == 1 and len(V2) == 2 and V2[1]["authorization"].startswith("Bearer ")'

# A token that would smuggle a header into every request, and one over the 16 KiB cap.
start_server bearer-crlf-token
verify "$IMAGE"
expect_failure 2 "no usable token"
expect_log "the token was never used" 'len(V2) == 1 and V2[0]["authorization"] is None'
start_server bearer-long-token
verify "$IMAGE"
expect_failure 2 "no usable token"

start_server basic-auth
mkdir -p "$SDIR/docker"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$PORT" "$(printf 'alice:s3cret' | base64)" \
    >"$SDIR/docker/config.json"
DOCKER_CONFIG=$SDIR/docker verify "$IMAGE"
expect_verified
expect_log "Basic credentials (alice:s3cret) sent only after the challenge" '
    len(L) == 4 and statuses()[0] == 401 and auths() == [None] + ["Basic YWxpY2U6czNjcmV0"] * 3'

start_server basic-no-creds
verify "$IMAGE"
expect_failure 2 "credentials"
expect_log "a single request, no Authorization invented" 'len(L) == 1 and L[0]["authorization"] is None'

# Garbage challenges: refused cleanly (exit 2, not a crash), no token service contacted.
for pair in "unterminated|WWW-Authenticate" "long-scheme|WWW-Authenticate" \
    "long-value|WWW-Authenticate" "bad-param|WWW-Authenticate" "no-realm|token service|realm" \
    "not-http-realm|token service|realm" "unknown-scheme|unsupported.*Negotiate" \
    "empty|no way to authenticate"; do
    start_server "malformed-www-authenticate:${pair%%|*}"
    verify "$IMAGE"
    expect_failure 2 "${pair#*|}"
    expect_log "no token request, one registry request" 'not req(path="^/token") and len(L) == 1'
done

# --- redirects ------------------------------------------------------------------------------------

start_server redirect-blob
verify "$IMAGE"
expect_verified
expect_log "blob GET answered 307, the redirect followed on the same server" \
    'statuses(path="/blobs/") == [307] and statuses("GET", "^/redirected/sha256:") == [200]'

# A blob store elsewhere (as S3 behind a registry) must not receive the registry's token.
start_server redirect-blob-other-host
verify "$IMAGE"
expect_verified
expect_log "the token went to the registry, not to the redirect target on another host" \
    'auths(path="/blobs/")[0].startswith("Bearer ") and auths("GET", "^/redirected/") == [None]'

start_server redirect-loop
verify "$IMAGE"
expect_failure 2 "redirect"
expect_log "a bounded number of redirects followed" '1 < len(req(path="/blobs/")) <= 50'

# Redirects may only go to http(s): never to a local file.
start_server redirect-file-scheme
verify "$IMAGE"
expect_failure 2 "protocol"

# --- signing through a hiccup -----------------------------------------------------------------

start_server sign-500-then-ok
COSIGN_PASSWORD=pw run "$SIGNET" generate-key-pair --output-key-prefix "$TEST_TMP/signer"
expect_status 0
COSIGN_PASSWORD=pw run "$SIGNET" sign --key "$TEST_TMP/signer.key" --tlog-upload=false --allow-http-registry "$IMAGE"
expect_status 0
expect_log "the .sig manifest PUT got 500, was retried and stored" \
    'statuses("PUT", "/manifests/" + ENV["SIG_TAG"])[:2] == [500, 201] and
     all(e["content_type"] == "application/vnd.oci.image.manifest.v1+json"
         for e in req("PUT", "/manifests/"))'
run "$SIGNET" verify --key "$TEST_TMP/signer.pub" --allow-http-registry "$IMAGE"
expect_verified
verify "$IMAGE" # the server's own key did not make this signature
expect_failure 1 "does not verify"

# A .sig manifest that cannot be read, or holds the most signatures allowed, is never
# replaced: signing stops before any manifest is written.
for scenario in malformed-manifest:not-json thousand-layers; do
    start_server "$scenario"
    COSIGN_PASSWORD=pw run "$SIGNET" sign --key "$TEST_TMP/signer.key" --tlog-upload=false --allow-http-registry "$IMAGE"
    case $scenario in
    malformed*) expect_failure 2 "malformed" ;;
    *) expect_failure 2 "1000 signatures" ;;
    esac
    expect_log "no manifest written" 'not req("PUT", "/manifests/")'
done

finish
