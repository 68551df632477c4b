#!/usr/bin/env bash
# The main job end to end: install what is missing, build, make a key pair, sign a file,
# verify it, then show a tampered file rejected.
# Usage: ./scripts/demo.sh   (as root, or a user with sudo for the package install)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
signet="$root/build/bin/signet"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

export COSIGN_PASSWORD=demo-password
step signet generate-key-pair
"$signet" generate-key-pair
ls -l cosign.key cosign.pub

printf 'release 1.0 artifact\n' > artifact.txt
step signet sign-blob --key cosign.key --tlog-upload=false --output-signature artifact.sig artifact.txt
"$signet" sign-blob --key cosign.key --tlog-upload=false --output-signature artifact.sig artifact.txt
cat artifact.sig; echo

step signet verify-blob --key cosign.pub --signature artifact.sig artifact.txt
"$signet" verify-blob --key cosign.pub --signature artifact.sig artifact.txt

printf 'release 1.0 artifact, tampered\n' > artifact.txt
step signet verify-blob --key cosign.pub --signature artifact.sig artifact.txt "(tampered)"
set +e
"$signet" verify-blob --key cosign.pub --signature artifact.sig artifact.txt
status=$?
set -e
echo "exit status: $status"
if [ "$status" -ne 1 ]; then
    echo "demo: FAILED: the tampered file was not rejected with exit status 1" >&2
    exit 1
fi
printf '\ndemo: the signed file verified; the tampered file was rejected (exit 1).\n'
