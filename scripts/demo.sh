#!/usr/bin/env bash
# The main job end to end: install what is missing, build, start a local registry, push a
# small image, make a key pair, sign the image, verify it, then re-point the tag to another
# image and show the verification refused. Also signs and verifies a file.
# Usage: ./scripts/demo.sh   (as root, or a user with sudo for the package install)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
signet="$root/build/bin/signet"
. "$root/scripts/registry-lib.sh"

work=$(mktemp -d)
trap 'stop_registry; rm -rf "$work"' EXIT
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
printf '\ndemo: the signed image verified and the re-pointed tag was refused; the signed file\n'
printf 'verified and the tampered file was rejected.\n'
