#!/bin/bash
# signedBy (GPG simple signing) in signet policy verify, with skopeo as the peer: skopeo signs
# into a file:// lookaside named by registries.d and signet's policy allows the image; a
# re-tagged, corrupted or differently keyed image is denied; skopeo 1.9.3's vector signature
# verifies through remapIdentity.
. "$(dirname "$0")/lib.sh"
require_env
start_registry

use_test_signer

LA=$TEST_TMP/lookaside
RD=$TEST_TMP/registries.d
mkdir -p "$LA" "$RD"
printf 'docker:\n  %s:\n    lookaside: file://%s\n' "$REG" "$LA" >"$RD/local.yaml"

# skopeo signs on push (c/image writes signature-1 into the lookaside).
"$PY" "$REG_LIB_DIR/mkimage.py" "$TEST_TMP/layout" one one amd64 >/dev/null || die "mkimage failed"
skopeo copy -q --dest-tls-verify=false --registries.d "$RD" --sign-by "$FPR" \
    "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/app:v1" || die "skopeo copy --sign-by failed"
skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/unsigned:v1" ||
    die "skopeo copy failed"
D=$(image_digest gpg/app:v1) || die "no digest"

policy() { # NAME KEYRING [IDENTITY-JSON]
    printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/gpg":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"%s}],"%s/test":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"%s}]}}}\n' \
        "$REG" "$2" "${3:+,\"signedIdentity\":$3}" "$REG" "$2" "${3:+,\"signedIdentity\":$3}" \
        >"$TEST_TMP/$1.json"
    echo "$TEST_TMP/$1.json"
}
pv() { sg policy verify --registries.d "$RD" "$@"; }

new_test "skopeo --sign-by, signet policy verify with signedBy: allowed"
run pv --policy "$(policy good "$SS/signer-pub.gpg")" "docker://$REG/gpg/app:v1"
expect_status 0
expect_stdout_contains "$D"
check "skopeo wrote the lookaside layout" test -s "$LA/gpg/app@sha256=${D#sha256:}/signature-1"

new_test "the same bytes under another name, not signed: no signature"
run pv --policy "$TEST_TMP/good.json" "docker://$REG/gpg/unsigned:v1"
expect_failure 1 "requirement 1 \\(signedBy\\).*A signature was required, but no signature exists"

new_test "another key: not accepted"
run pv --policy "$(policy otherkey "$VECTORS/containers-image/fixtures/public-key.gpg")" \
    "docker://$REG/gpg/app:v1"
expect_failure 1 "GPG signature"

new_test "a corrupted signature: denied"
SIGFILE=$LA/gpg/app@sha256=${D#sha256:}/signature-1
cp "$SIGFILE" "$TEST_TMP/saved-signature"
"$PY" -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[len(b)//2]^=1; open(sys.argv[1],"wb").write(b)' "$SIGFILE"
run pv --policy "$TEST_TMP/good.json" "docker://$REG/gpg/app:v1"
expect_failure 1 "requirement 1 \\(signedBy\\)"
cp "$TEST_TMP/saved-signature" "$SIGFILE"

new_test "matchExact with the image by digest: the tagged identity does not match"
run pv --policy "$(policy exact "$SS/signer-pub.gpg" '{"type":"matchExact"}')" "docker://$REG/gpg/app@$D"
expect_failure 1 "is not accepted"

# skopeo 1.9.3's vector: identity 127.0.0.1:5055/test/gpgimg:v1 over the oci-img manifest.
push_test_image test/gpgimg:v1
D_VEC=$(image_digest test/gpgimg:v1) || die "no digest"
mkdir -p "$LA/test/gpgimg@sha256=${D_VEC#sha256:}"
cp "$SS/skopeo-1.9.3-lookaside-signature-1" "$LA/test/gpgimg@sha256=${D_VEC#sha256:}/signature-1"

new_test "skopeo 1.9.3's signature through remapIdentity"
run pv --policy "$(policy remap "$SS/signer-pub.gpg" '{"type":"remapIdentity","prefix":"'"$REG"'/test","signedPrefix":"127.0.0.1:5055/test"}')" \
    "docker://$REG/test/gpgimg:v1"
expect_status 0
expect_stdout_contains "$D_VEC"

new_test "skopeo 1.9.3's signature with the default identity rule: another registry's name"
run pv --policy "$TEST_TMP/good.json" "docker://$REG/test/gpgimg:v1"
expect_failure 1 'Signature for identity "127.0.0.1:5055/test/gpgimg:v1" is not accepted'

# signet signs, skopeo checks: a signedBy policy in skopeo copy accepts signet's signature.
skopeo copy -q --dest-tls-verify=false "oci:$TEST_TMP/layout:one" "docker://$REG/gpg/bysignet:v1" ||
    die "skopeo copy failed"
D_BY=$(image_digest gpg/bysignet:v1) || die "no digest"

new_test "signet sign --gpg-key writes the lookaside signature-1"
run sg sign --gpg-key "$FPR" --registries.d "$RD" "$REG/gpg/bysignet:v1"
expect_status 0
expect_stderr_contains "Signature written to file://$LA/gpg/bysignet@sha256=${D_BY#sha256:}/signature-1"

new_test "skopeo copy with a signedBy policy accepts signet's signature"
run skopeo --policy "$TEST_TMP/good.json" --registries.d "$RD" copy -q --src-tls-verify=false \
    "docker://$REG/gpg/bysignet:v1" "dir:$TEST_TMP/copied"
expect_status 0

new_test "skopeo copy with the same policy refuses the unsigned image"
run skopeo --policy "$TEST_TMP/good.json" --registries.d "$RD" copy -q --src-tls-verify=false \
    "docker://$REG/gpg/unsigned:v1" "dir:$TEST_TMP/copied2"
expect_status 1
expect_stderr_contains "Source image rejected"

new_test "signet's own policy verify agrees"
run pv --policy "$TEST_TMP/good.json" "docker://$REG/gpg/bysignet:v1"
expect_status 0
expect_stdout_contains "$D_BY"

new_test "signet verify --gpg-keyring: skopeo's signature verifies outside a policy"
run sg verify --gpg-keyring "$SS/signer-pub.gpg" --registries.d "$RD" "$REG/gpg/app:v1" "$REG/gpg/bysignet:v1"
expect_status 0
expect_stdout_contains "$D"
expect_stdout_contains "$D_BY"

new_test "signet verify --gpg-key (the key of GNUPGHOME)"
run sg verify --gpg-key "$FPR" --registries.d "$RD" "$REG/gpg/app:v1"
expect_status 0
expect_stdout_contains "$D"

new_test "signet verify --gpg-keyring with another key: rejected, nothing on stdout"
run sg verify --gpg-keyring "$VECTORS/containers-image/fixtures/public-key.gpg" --registries.d "$RD" "$REG/gpg/app:v1"
expect_failure 1 "GPG signature"

new_test "signet verify --gpg-keyring of an unsigned image: rejected"
run sg verify --gpg-keyring "$SS/signer-pub.gpg" --registries.d "$RD" "$REG/gpg/app:v1" "$REG/gpg/unsigned:v1"
expect_failure 1 "no signature exists"

new_test "--key and --gpg-keyring together: usage error"
run sg verify --key x.pub --gpg-keyring "$SS/signer-pub.gpg" "$REG/gpg/app:v1"
expect_failure 129 "exactly one of --key, --gpg-key and --gpg-keyring"

new_test "--gpg-key with a key that is not there: exit 2, says which"
run sg sign --gpg-key 0000000000000000000000000000000000000000 --registries.d "$RD" "$REG/gpg/bysignet:v1"
expect_failure 2 "no GPG secret key"

# A registry whose tag names another digest at each look (a tag moved, or a lying registry):
# two requirements must not each accept a different image.
cat >"$TEST_TMP/flip.py" <<'PYEOF'
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
DIGESTS = ["sha256:" + "1" * 64, "sha256:" + "2" * 64]
calls = [0]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_HEAD(self):
        self.send_response(200)
        if "/manifests/" in self.path:
            self.send_header("Docker-Content-Digest", DIGESTS[calls[0] % 2])
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            calls[0] += 1
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_HEAD
server = HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
PYEOF
# shellcheck disable=SC2154 # set by lib.sh
$_pdeathsig "$PY" "$TEST_TMP/flip.py" >"$TEST_TMP/flip.port" 2>"$TEST_TMP/flip.err" &
FLIP_PID=$!
stop_flip() { kill "$FLIP_PID" 2>/dev/null; wait "$FLIP_PID" 2>/dev/null; }
at_exit stop_flip
deadline=$((SECONDS + 30))
until [ -s "$TEST_TMP/flip.port" ]; do
    kill -0 "$FLIP_PID" 2>/dev/null || die "flip server died: $(cat "$TEST_TMP/flip.err")"
    [ "$SECONDS" -lt "$deadline" ] || die "flip server did not start"
    sleep 0.05
done
FLIP=127.0.0.1:$(head -n1 "$TEST_TMP/flip.port")
RD_FLIP=$TEST_TMP/registries.d-flip
mkdir -p "$RD_FLIP"
printf 'docker:\n  %s:\n    lookaside: file://%s\n' "$FLIP" "$LA" >"$RD_FLIP/local.yaml"
# Both digests get a signature by the accepted key (each sign sees the next one).
for _ in 1 2; do
    "$SIGNET" sign --allow-http-registry --gpg-key "$FPR" --registries.d "$RD_FLIP" \
        "$FLIP/flip/app:v1" >"$TEST_TMP/flip-sign.log" 2>&1 ||
        die "signet sign against the flipping registry failed: $(cat "$TEST_TMP/flip-sign.log")"
done
printf '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"},{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}\n' \
    "$SS/signer-pub.gpg" "$SS/signer-pub.gpg" >"$TEST_TMP/two.json"

new_test "two requirements that saw different digests for the tag: refused (exit 2)"
run "$SIGNET" policy verify --allow-http-registry --registries.d "$RD_FLIP" \
    --policy "$TEST_TMP/two.json" "docker://$FLIP/flip/app:v1"
expect_failure 2 "requirement 2 \\(signedBy\\).*the image's digest changed between requirements \\(sha256:1111.*, then sha256:2222"

finish
