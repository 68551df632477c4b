#!/usr/bin/env bash
# Writes a tiny single-layer OCI image layout (tag "latest") whose only file holds TEXT, so
# that different TEXTs make different images. Needs tar, gzip and sha256sum.
# Usage: scripts/make-oci-image.sh DIR TEXT [ARCH]
set -euo pipefail
dir=${1:?usage: make-oci-image.sh DIR TEXT [ARCH]}
text=${2:?usage: make-oci-image.sh DIR TEXT [ARCH]}
arch=${3:-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$dir/blobs/sha256" "$work/root"
printf '%s\n' "$text" > "$work/root/hello.txt"
# Fixed owner and time so the same TEXT gives the same digests.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/root" -cf "$work/layer.tar" .
gzip -n -9 < "$work/layer.tar" > "$work/layer.tar.gz"
blob() { # file -> prints its digest hex, stores it
    local hex
    hex=$(sha256sum "$1" | cut -d' ' -f1)
    cp "$1" "$dir/blobs/sha256/$hex"
    echo "$hex"
}
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer=$(blob "$work/layer.tar.gz")
layer_size=$(stat -c %s "$work/layer.tar.gz")
printf '{"architecture":"%s","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$arch" "$diff_id" > "$work/config.json"
config=$(blob "$work/config.json")
config_size=$(stat -c %s "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" > "$work/manifest.json"
manifest=$(blob "$work/manifest.json")
manifest_size=$(stat -c %s "$work/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$manifest_size" > "$dir/index.json"
echo "sha256:$manifest"
