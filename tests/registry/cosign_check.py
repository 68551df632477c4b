#!/usr/bin/python3
"""An independent checker of cosign .sig signatures in a registry (urllib + cryptography; no
signet code), written from shared/docs/cosign-format.md §2 and §4.1.

    cosign_check.py [--cacert FILE] BASE_URL REPO REF PUBKEY

BASE_URL is http(s)://host:port, REF a tag or sha256:<hex>. The image manifest's digest is
computed here (sha256 of the bytes served). The checker then fetches REPO:sha256-<hex>.sig and
checks: the manifest and every blob against their digests and sizes, the config (one history
entry and one diff_id per layer), each layer's media type and payload claims (type, digest,
docker-reference = host/REPO), and each signature annotation with PUBKEY (ECDSA P-256 /
SHA-256, ASN.1 DER). Exit 0 when everything is consistent and at least one signature verifies;
1 otherwise, saying why.
"""
import base64
import hashlib
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])
SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIG_ANNOTATION = "dev.cosignproject.cosign/signature"
ZERO_TIME = "0001-01-01T00:00:00Z"

problems = []


def problem(msg):
    problems.append(msg)
    print("BAD: " + msg)


def fetch(ctx, url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, context=ctx) as r:
        return r.read(), r.headers


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def main(argv):
    cacert = None
    if argv[:1] == ["--cacert"]:
        cacert, argv = argv[1], argv[2:]
    if len(argv) != 4:
        sys.exit(__doc__)
    base, repo, ref, pubkey_path = argv
    ctx = ssl.create_default_context(cafile=cacert) if base.startswith("https:") else None
    host = urllib.parse.urlparse(base).netloc
    key = serialization.load_pem_public_key(open(pubkey_path, "rb").read())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        sys.exit("only ECDSA keys are handled here")

    image, headers = fetch(ctx, "%s/v2/%s/manifests/%s" % (base, repo, ref), ACCEPT)
    image_digest = sha256(image)
    if headers.get("Docker-Content-Digest") not in (None, image_digest):
        problem("image manifest does not match its Docker-Content-Digest")
    print("image %s/%s@%s" % (host, repo, image_digest))

    tag = "sha256-%s.sig" % image_digest[7:]
    try:
        raw, headers = fetch(ctx, "%s/v2/%s/manifests/%s" % (base, repo, tag), ACCEPT)
    except urllib.error.HTTPError as e:
        sys.exit("BAD: no %s:%s (%s)" % (repo, tag, e.code))
    if headers.get("Docker-Content-Digest") != sha256(raw):
        problem(".sig manifest does not match its Docker-Content-Digest")
    manifest = json.loads(raw)
    if manifest.get("mediaType") != "application/vnd.oci.image.manifest.v1+json":
        problem("manifest media type %r" % manifest.get("mediaType"))
    layers = manifest.get("layers") or []
    if not layers:
        problem("no layers")

    cfg_desc = manifest["config"]
    cfg, _ = fetch(ctx, "%s/v2/%s/blobs/%s" % (base, repo, cfg_desc["digest"]))
    if sha256(cfg) != cfg_desc["digest"] or len(cfg) != cfg_desc["size"]:
        problem("config blob does not match its descriptor")
    config = json.loads(cfg)
    if config.get("history") != [{"created": ZERO_TIME}] * len(layers):
        problem("config history is not one zero-time entry per layer: %r" % config.get("history"))
    if config.get("rootfs") != {"type": "layers", "diff_ids": [l["digest"] for l in layers]}:
        problem("config diff_ids are not the layer digests")

    verified = 0
    for i, layer in enumerate(layers):
        blob, _ = fetch(ctx, "%s/v2/%s/blobs/%s" % (base, repo, layer["digest"]))
        if sha256(blob) != layer["digest"] or len(blob) != layer["size"]:
            problem("layer %d: blob does not match its descriptor" % i)
            continue
        if layer.get("mediaType") != SIMPLESIGNING:
            problem("layer %d: media type %r" % (i, layer.get("mediaType")))
        payload = json.loads(blob)
        critical = payload["critical"]
        if critical.get("type") != "cosign container image signature":
            problem("layer %d: type %r" % (i, critical.get("type")))
        if critical["image"]["docker-manifest-digest"] != image_digest:
            problem("layer %d: signed digest %s is not the image's" % (i, critical["image"]["docker-manifest-digest"]))
        if critical["identity"]["docker-reference"] != "%s/%s" % (host, repo):
            problem("layer %d: docker-reference %r" % (i, critical["identity"]["docker-reference"]))
        sig = base64.b64decode(layer["annotations"][SIG_ANNOTATION], validate=True)
        try:
            key.verify(sig, blob, ec.ECDSA(hashes.SHA256()))
            verified += 1
            print("layer %d: signature verifies with %s" % (i, pubkey_path))
        except InvalidSignature:
            print("layer %d: signature is not by this key" % i)
    if verified == 0:
        problem("no signature verifies with %s" % pubkey_path)
    if problems:
        sys.exit(1)
    print("OK: %d of %d signatures verified, every digest and claim consistent" % (verified, len(layers)))


if __name__ == "__main__":
    main(sys.argv[1:])
