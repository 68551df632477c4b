#!/usr/bin/env bash
# The main job end to end: install what is missing, build, start a local registry, push a
# small image, make a key pair, sign the image, verify it, then re-point the tag to another
# image and show the verification refused; the same through signet-webhook, the Kubernetes
# admission webhook, over HTTPS (a Pod review admitted and pinned, then denied). Also signs and
# verifies a file.
# Usage: ./scripts/demo.sh   (as root, or a user with sudo for the package install)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
signet="$root/build/bin/signet"
. "$root/scripts/registry-lib.sh"
. "$root/scripts/webhook-lib.sh"

work=$(mktemp -d)
webhook_pid=
trap '[ -z "$webhook_pid" ] || kill "$webhook_pid"; stop_registry; rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "$@"; "$@"; }

start_registry "$work/registry"
echo "local registry on $REGISTRY"
"$root/scripts/make-oci-image.sh" "$work/app-v1" "release 1.0" >/dev/null
"$root/scripts/make-oci-image.sh" "$work/app-evil" "something else" >/dev/null
image=$REGISTRY/demo/app:1.0
run skopeo copy -q --dest-tls-verify=false "oci:$work/app-v1:latest" "docker://$image"

export COSIGN_PASSWORD=demo-password
run "$signet" generate-key-pair
ls -l cosign.key cosign.pub

run "$signet" sign --key cosign.key --tlog-upload=false --allow-http-registry "$image"
run "$signet" verify --key cosign.pub --allow-http-registry "$image"
run "$signet" tree --allow-http-registry "$image"

# The admission webhook, trusting cosign.pub for demo/*, asked about a Pod as an API server would.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout webhook.key -out webhook.crt 2>/dev/null
{
    printf 'trustRoots:\n  - name: release\n    key: |\n'
    sed 's/^/      /' cosign.pub
    printf 'validators:\n  - name: cosign-release\n    type: cosign\n    trustRoots: [release]\n'
    printf 'rules:\n  - pattern: "%s/demo/*"\n    validator: cosign-release\n' "$REGISTRY"
    printf 'default: deny\nregistries:\n  allowHttp: ["%s"]\n' "$REGISTRY"
} > webhook.yaml
"$root/build/bin/signet-webhook" --config webhook.yaml --listen 127.0.0.1:0 \
    --tls-cert webhook.crt --tls-key webhook.key 2> webhook.log &
webhook_pid=$!
port=$(webhook_port "$webhook_pid" webhook.log) ||
    { echo "demo: FAILED: signet-webhook did not start: $(cat webhook.log)" >&2; exit 1; }
python3 "$root/tests/webhook/mkreview.py" Pod "$image" --name demo > review.json
review() { # PATH: post the Pod review, print the verdict and the pinned image or the reason
    step curl --cacert webhook.crt --data-binary @review.json "https://127.0.0.1:$port$1"
    curl -s --cacert webhook.crt -H 'Content-Type: application/json' --data-binary @review.json \
        "https://127.0.0.1:$port$1" | python3 -c 'import base64, json, sys
r = json.load(sys.stdin)["response"]
print("allowed:", r["allowed"])
if "patch" in r: print("patch:", base64.b64decode(r["patch"]).decode())
if "status" in r: print("status:", r["status"]["code"], r["status"]["message"])'
}
review /mutate | tee mutate.out
if ! grep -q "allowed: True" mutate.out; then
    echo "demo: FAILED: signet-webhook did not admit the signed image" >&2
    exit 1
fi

# Someone pushes another image under the same tag: its digest has no signature.
run skopeo copy -q --dest-tls-verify=false "oci:$work/app-evil:latest" "docker://$image"
step "$signet" verify --key cosign.pub --allow-http-registry "$image" "   (tag re-pointed)"
set +e
"$signet" verify --key cosign.pub --allow-http-registry "$image" > verify.out
status=$?
set -e
echo "exit status: $status, standard output: $(wc -c < verify.out) bytes"
if [ "$status" -ne 1 ] || [ -s verify.out ]; then
    echo "demo: FAILED: the re-pointed tag was not refused with exit status 1 and no output" >&2
    exit 1
fi
review /validate | tee validate.out
if ! grep -q "allowed: False" validate.out; then
    echo "demo: FAILED: signet-webhook admitted the re-pointed tag" >&2
    exit 1
fi

printf 'release 1.0 artifact\n' > artifact.txt
run "$signet" sign-blob --key cosign.key --tlog-upload=false --output-signature artifact.sig artifact.txt
run "$signet" verify-blob --key cosign.pub --signature artifact.sig artifact.txt
printf 'tampered\n' >> artifact.txt
step "$signet" verify-blob --key cosign.pub --signature artifact.sig artifact.txt "   (tampered)"
set +e
"$signet" verify-blob --key cosign.pub --signature artifact.sig artifact.txt
status=$?
set -e
echo "exit status: $status"
if [ "$status" -ne 1 ]; then
    echo "demo: FAILED: the tampered file was not rejected with exit status 1" >&2
    exit 1
fi
printf '\ndemo: the signed image verified and the re-pointed tag was refused (by signet verify\n'
printf 'and by signet-webhook); the signed file verified and the tampered file was rejected.\n'
