#!/usr/bin/python3
"""Build small OCI images in an OCI layout directory, for skopeo to push.

    mkimage.py LAYOUT NAME SEED [ARCH]     one image (linux/ARCH, default amd64)
    mkimage.py --index LAYOUT NAME SEED    an image index of linux/amd64 + linux/arm64

Each image has one gzip layer holding a file whose content is SEED (and the architecture),
so different seeds give different digests. The layout gets NAME as its
org.opencontainers.image.ref.name; several names can share one layout. Prints the digest of
what NAME points at (the tests still take digests from the registry, not from here).
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def put_blob(layout, data):
    hexd = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", hexd)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + hexd


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def make_image(layout, seed, arch):
    content = ("signet registry test image\nseed: %s\narch: %s\n" % (seed, arch)).encode()
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("seed.txt")
        info.size = len(content)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = tar_buf.getvalue()
    layer = gzip.compress(tar_bytes, mtime=0)
    layer_digest = put_blob(layout, layer)
    config = dumps({
        "architecture": arch,
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar_bytes).hexdigest()]},
        "history": [{"created_by": "signet registry test, seed " + seed}],
    })
    config_digest = put_blob(layout, config)
    manifest = dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER, "digest": layer_digest, "size": len(layer)}],
    })
    return {"mediaType": OCI_MANIFEST, "digest": put_blob(layout, manifest), "size": len(manifest)}


def main(argv):
    index = argv[:1] == ["--index"]
    if index:
        argv = argv[1:]
    if len(argv) not in (3, 4) or (index and len(argv) != 3):
        sys.exit(__doc__)
    layout, name, seed = argv[:3]
    arch = argv[3] if len(argv) == 4 else "amd64"
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    if index:
        children = []
        for a in ("amd64", "arm64"):
            d = make_image(layout, seed, a)
            d["platform"] = {"architecture": a, "os": "linux"}
            children.append(d)
        body = dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children})
        top = {"mediaType": OCI_INDEX, "digest": put_blob(layout, body), "size": len(body)}
    else:
        top = make_image(layout, seed, arch)
    index_path = os.path.join(layout, "index.json")
    entries = []
    if os.path.exists(index_path):
        with open(index_path) as f:
            entries = json.load(f)["manifests"]
    entries = [e for e in entries
               if e.get("annotations", {}).get("org.opencontainers.image.ref.name") != name]
    top["annotations"] = {"org.opencontainers.image.ref.name": name}
    entries.append(top)
    with open(index_path, "wb") as f:
        f.write(dumps({"schemaVersion": 2, "manifests": entries}))
    print(top["digest"])


if __name__ == "__main__":
    main(sys.argv[1:])
