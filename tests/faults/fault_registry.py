#!/usr/bin/env python3
"""A scripted OCI registry that misbehaves on purpose, for signet's fault tests.

It builds its whole store in memory at start-up: one image (OCI manifest, config, layer) in
REPO:TAG and, unless the scenario is a signing one, a cosign signature for it made with
--key (openssl dgst -sha256 -sign), stored as cosign writes it (cosign-format.md §2.3):
the simple signing payload blob, the .sig config blob and the manifest tagged
sha256-<hex>.sig. --scenario picks the fault (see SCENARIOS). Python 3 standard library
and the openssl command only.

Prints two lines on stdout, then serves on 127.0.0.1 until killed:
    <port>
    <digest of the image manifest>
Every request is appended to --log as one JSON object per line, written as its reply
starts: t (arrival), done (reply about to be sent), method, path, status, peer_port, and
the headers tests look at.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
ANN_SIGNATURE = "dev.cosignproject.cosign/signature"
ZERO_TIME = "0001-01-01T00:00:00Z"
MIB = 1024 * 1024

SCENARIOS = """
ok                          everything correct (a payload signet must fetch: "optional" is set)
reconstructible             everything correct, cosign's default payload (signet need not fetch it)
429-then-ok                 first 2 requests: 429 with Retry-After: 1
500-then-ok                 first 2 requests: 500
always-503                  every request: 503
slow                        every reply starts after 5 s
trickle                     the .sig manifest's body comes one byte per 50 ms
drop-connections            every reply is followed by a silent close (no Connection: close)
truncated-body              GET of the .sig manifest: Content-Length larger than the body, then close
truncated-blob              the same for the payload blob
manifest-digest-mismatch    the image manifest asked for by digest is other bytes (with their own digest)
sig-manifest-digest-mismatch  the .sig manifest's Docker-Content-Digest is not its sha256
no-digest-header            HEAD of the tag has no Docker-Content-Digest
blob-digest-mismatch        the payload blob served is another validly signed payload, not the layer's digest
oversized-manifest          the .sig manifest is 5 MiB (valid JSON, correct digest)
oversized-blob              the payload is a validly signed 5 MiB payload whose layer size says 252
oversized-blob-declared     the same payload with its true size in the layer
thousand-layers             1000 layers: 999 unacceptable in 4 ways, the last one valid
thousand-and-one-layers     1001 layers, all valid
malformed-manifest:VARIANT  the .sig manifest is broken as VARIANT says (see MALFORMED)
bearer-auth                 401 Bearer challenge; /token hands out an anonymous token
bearer-refused              401 Bearer challenge; /token answers 401
bearer-token-rejected       /token hands out a token the registry then refuses
bearer-crlf-token           /token hands out a token with CR LF and a header after it
bearer-long-token           /token hands out a 20000-character token
basic-auth                  401 Basic; accepts alice:s3cret
basic-no-creds              401 Basic (the client has no credentials)
malformed-www-authenticate:VARIANT  401 with the challenge VARIANT names (see CHALLENGES)
redirect-blob               blob GET: 307 to /redirected/<digest> on the same server
redirect-blob-other-host    bearer auth, and blob GET: 307 to http://localhost:PORT/redirected/<digest>
redirect-loop               blob GET: 307 to itself, forever
redirect-file-scheme        blob GET: 307 to file:///etc/passwd
sign-500-then-ok            no signature yet; uploads work; the first manifest PUT gets 500
"""

TOKEN_PATH = "/token"
BASIC_USER, BASIC_PASSWORD = "alice", "s3cret"

# Challenges a registry should never send; the client must refuse them cleanly.
CHALLENGES = {
    "unterminated": 'Bearer realm="http://127.0.0.1/token,service="x"',
    "long-scheme": "B" + "e" * 200 + ' realm="http://127.0.0.1/token"',
    "long-value": 'Bearer realm="http://127.0.0.1/' + "a" * 700 + '"',
    "no-realm": 'Bearer service="test",scope="repository:x:pull"',
    "bad-param": "Bearer =,=,,==",
    "not-http-realm": 'Bearer realm="file:///etc/passwd",service="test"',
    "unknown-scheme": 'Negotiate realm="x"',
    "empty": "",
}


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def cjson(obj):
    """Compact JSON in insertion order, as Go writes these structs."""
    return json.dumps(obj, separators=(",", ":")).encode()


def openssl_sign(key_file, data):
    """ECDSA P-256 over SHA-256(data), ASN.1 DER, as cosign's signature annotation holds."""
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_file], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def other_key_signature(data):
    """A valid signature by a key the client does not trust."""
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "other.pem")
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                        "-out", key], check=True)
        return openssl_sign(key, data)


def payload_for(reference, digest, optional=None):
    return cjson({"critical": {"identity": {"docker-reference": reference},
                               "image": {"docker-manifest-digest": digest},
                               "type": "cosign container image signature"},
                  "optional": optional})


def sig_layer(payload, signature, size=None, digest=None, mt=MT_SIMPLESIGNING):
    layer = {"mediaType": mt, "size": len(payload) if size is None else size,
             "digest": digest or sha256(payload)}
    if signature is not None:
        layer["annotations"] = {ANN_SIGNATURE: signature}
    return layer


def sig_manifest(store, layers):
    """The .sig config and manifest ggcr writes for these layers; the config is stored."""
    config = cjson({"architecture": "", "created": ZERO_TIME,
                    "history": [{"created": ZERO_TIME} for _ in layers], "os": "",
                    "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]},
                    "config": {}})
    store.blobs[sha256(config)] = config
    return {"schemaVersion": 2, "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "size": len(config), "digest": sha256(config)},
            "layers": layers}


# Broken .sig manifests; every one is served with its own correct digest.
def malformed(variant, good):
    g = json.loads(good)
    if variant == "not-json":
        return good[: len(good) // 2]
    if variant == "not-object":
        return b"[1,2,3]"
    if variant == "no-layers":
        del g["layers"]
    elif variant == "layers-not-array":
        g["layers"] = {"0": g["layers"][0]}
    elif variant == "layer-not-object":
        g["layers"] = ["sha256:" + "0" * 64]
    elif variant == "layer-bad-digest":
        g["layers"][0]["digest"] = "sha256:not-hex"
    elif variant == "layer-negative-size":
        g["layers"][0]["size"] = -1
    elif variant == "annotations-not-object":
        g["layers"][0]["annotations"] = "signature"
    elif variant == "no-config":
        del g["config"]
    elif variant == "duplicate-key":
        # A second "layers" that a lenient parser might pick instead of the first.
        return good[:-1] + b',"layers":[]}'
    elif variant == "nul-in-string":
        return good.replace(b'"schemaVersion"', b'"schema\\u0000Version":0,"schemaVersion"', 1)
    elif variant == "bad-utf8":
        return good.replace(b'"layers"', b'"lay\xff\xfeers":1,"layers"', 1)
    elif variant == "deep-nesting":
        return b'{"schemaVersion":2,"x":' + b"[" * 200000 + b"]" * 200000 + b"}"
    elif variant == "is-index":
        g["mediaType"] = "application/vnd.oci.image.index.v1+json"
        g["manifests"] = g.pop("layers")
        del g["config"]
    elif variant == "schema-1":
        g["schemaVersion"] = 1
    return cjson(g)


MALFORMED = ["not-json", "not-object", "no-layers", "layers-not-array", "layer-not-object",
             "layer-bad-digest", "layer-negative-size", "annotations-not-object", "no-config",
             "duplicate-key", "nul-in-string", "bad-utf8", "deep-nesting", "schema-1", "is-index"]


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.manifests = {}  # tag or digest -> (media type, bytes)
        self.blobs = {}      # digest -> bytes
        self.uploads = {}    # upload id -> True

    def put_manifest(self, ref, data, mt=MT_MANIFEST):
        with self.lock:
            self.manifests[ref] = (mt, data)
            self.manifests[sha256(data)] = (mt, data)

    def get_manifest(self, ref):
        with self.lock:
            return self.manifests.get(ref)


def build(args, port):
    """The image and its signature; returns (store, facts tests and faults need)."""
    store = Store()
    layer = b"signet fault test layer\n"
    config = cjson({"architecture": "amd64", "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}})
    image = cjson({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                   "config": {"mediaType": MT_CONFIG, "size": len(config),
                              "digest": sha256(config)},
                   "layers": [{"mediaType": MT_LAYER, "size": len(layer),
                               "digest": sha256(layer)}]})
    store.blobs[sha256(layer)] = layer
    store.blobs[sha256(config)] = config
    store.put_manifest(args.tag, image)
    digest = sha256(image)
    facts = {"image": image, "digest": digest,
             "sig_tag": "sha256-%s.sig" % digest[len("sha256:"):]}
    if args.scenario.startswith("sign-"):
        return store, facts

    reference = "127.0.0.1:%d/%s" % (port, args.repo)
    # With "optional" set the payload is not the one signet would write for this image, so
    # signet must fetch it; "reconstructible" serves cosign's default payload, which signet
    # rebuilds from the layer digest instead of fetching.
    payload = payload_for(reference, digest,
                          None if args.scenario == "reconstructible" else {"creator": "faults"})
    signature = base64.b64encode(openssl_sign(args.key, payload)).decode()
    store.blobs[sha256(payload)] = payload
    layers = [sig_layer(payload, signature)]
    sc = args.scenario

    if sc == "blob-digest-mismatch":
        # Served at the layer's digest: a different payload whose signature is the one in the
        # annotation. Only the digest check stands between it and a verified image.
        other = payload_for(reference, digest, {"served": "instead"})
        layers = [sig_layer(payload, base64.b64encode(openssl_sign(args.key, other)).decode())]
        store.blobs[sha256(payload)] = other
    elif sc in ("oversized-blob", "oversized-blob-declared"):
        # Validly signed and matching its digest: only the size limit refuses it.
        big = payload_for(reference, digest, {"pad": "x" * (5 * MIB)})
        big_sig = base64.b64encode(openssl_sign(args.key, big)).decode()
        lie = len(payload) if sc == "oversized-blob" else None
        layers = [sig_layer(big, big_sig, size=lie)]
        store.blobs[sha256(big)] = big
    elif sc == "oversized-manifest":
        layers[0]["annotations"]["padding"] = "x" * (5 * MIB)
    elif sc == "thousand-layers":
        stranger = base64.b64encode(other_key_signature(payload)).decode()
        bad = [sig_layer(payload, signature, mt="application/octet-stream"),  # not a payload
               sig_layer(payload, None),                                      # no signature
               sig_layer(payload, "not base64!"),                             # undecodable
               sig_layer(payload, stranger)]                                  # someone else's
        layers = [bad[i % 4] for i in range(999)] + layers
    elif sc == "thousand-and-one-layers":
        layers = layers * 1001

    sig = cjson(sig_manifest(store, layers))
    if sc.startswith("malformed-manifest:"):
        sig = malformed(sc.split(":", 1)[1], sig)
    store.put_manifest(facts["sig_tag"], sig)
    facts["payload_digest"] = layers[-1]["digest"]
    return store, facts


class Registry(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real registries; every reply is sized
    server_version = "fault-registry"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def log_message(self, fmt, *args):
        pass  # the JSON log is the record

    # --- plumbing --------------------------------------------------------------------------

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def record(self, status):
        """Logged as the reply starts: a client that has its answer finds it in the log."""
        h = self.headers
        entry = {"t": self.started, "done": time.time(), "method": self.command,
                 "path": self.path, "status": status, "peer_port": self.client_address[1],
                 "accept": h.get("Accept"),
                 "authorization": h.get("Authorization"), "content_type": h.get("Content-Type"),
                 "user_agent": h.get("User-Agent")}
        with self.server.log_lock:
            with open(self.server.args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def reply(self, status, body=b"", headers=(), content_length=None, close_after=None,
              trickle=None):
        """Send a reply; close_after=n sends only n bytes of the body, then hangs up;
        trickle=s sends the body a byte at a time, s seconds apart."""
        if self.server.args.scenario == "drop-connections":
            close_after = len(body)  # all of it, then hang up without having said so
        self.record(status)
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length",
                             str(len(body) if content_length is None else content_length))
            self.end_headers()
            if self.command != "HEAD" and trickle is not None:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(trickle)
            elif self.command != "HEAD":
                self.wfile.write(body if close_after is None else body[:close_after])
            self.wfile.flush()
            if close_after is not None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            self.close_connection = True  # the client went away (a size limit, a timeout)
        return status

    def error(self, status, code, message, headers=()):
        body = cjson({"errors": [{"code": code, "message": message}]})
        return self.reply(status, body, [("Content-Type", "application/json")] + list(headers))

    # --- dispatch --------------------------------------------------------------------------

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        self.started = time.time()
        data = self.body() if self.command in ("PUT", "POST") else b""
        with self.server.count_lock:
            self.server.count += 1
            n = self.server.count
        if self.fault(n, data) is None:
            self.route(data)

    def fault(self, n, data):
        """Faults that come before routing; None lets the request through."""
        sc = self.server.args.scenario
        if sc == "429-then-ok" and n <= 2:
            return self.error(429, "TOOMANYREQUESTS", "slow down", [("Retry-After", "1")])
        if sc == "500-then-ok" and n <= 2:
            return self.error(500, "UNKNOWN", "internal error")
        if sc == "always-503":
            return self.error(503, "UNAVAILABLE", "try later")
        if sc == "slow":
            time.sleep(5)
            return None
        if sc == "sign-500-then-ok" and self.command == "PUT" and "/manifests/" in self.path:
            with self.server.count_lock:
                first = not self.server.failed_once
                self.server.failed_once = True
            if first:
                return self.error(500, "UNKNOWN", "manifest store hiccup")
        return self.auth()

    def auth(self):
        """The token endpoint, and the challenges of the auth scenarios."""
        sc = self.server.args.scenario
        url = urlsplit(self.path)
        if url.path == TOKEN_PATH:
            if sc == "bearer-refused":
                return self.error(401, "UNAUTHORIZED", "no anonymous tokens here")
            token = self.server.token
            if sc == "bearer-crlf-token":
                token += "\r\nX-Injected: yes"
            elif sc == "bearer-long-token":
                token = "t" * 20000
            return self.reply(200, cjson({"token": token}), [("Content-Type", "application/json")])
        if not url.path.startswith("/v2/"):
            return None
        got = self.headers.get("Authorization")
        if sc.startswith("bearer-") or sc == "redirect-blob-other-host":
            if got == "Bearer " + self.server.token and sc in ("bearer-auth",
                                                               "redirect-blob-other-host"):
                return None
            realm = "http://127.0.0.1:%d%s" % (self.server.server_address[1], TOKEN_PATH)
            ch = 'Bearer realm="%s",service="test",scope="repository:%s:pull"' % (
                realm, self.server.args.repo)
            return self.error(401, "UNAUTHORIZED", "authentication required",
                              [("WWW-Authenticate", ch)])
        if sc in ("basic-auth", "basic-no-creds"):
            want = "Basic " + base64.b64encode(
                ("%s:%s" % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
            if got == want and sc == "basic-auth":
                return None
            return self.error(401, "UNAUTHORIZED", "authentication required",
                              [("WWW-Authenticate", 'Basic realm="fault-registry"')])
        if sc.startswith("malformed-www-authenticate:"):
            ch = CHALLENGES[sc.split(":", 1)[1]]
            return self.error(401, "UNAUTHORIZED", "authentication required",
                              [("WWW-Authenticate", ch)] if ch else [])
        return None

    def route(self, data):
        sc = self.server.args.scenario
        store = self.server.store
        facts = self.server.facts
        path = urlsplit(self.path).path
        m = re.fullmatch(r"/redirected/(sha256:[0-9a-f]{64})", path)
        if m and self.command == "GET":
            return self.send_blob(m.group(1), redirectable=False)
        m = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/([^/]+)", path)
        if m is None or m.group(1) != self.server.args.repo:
            if re.fullmatch(r"/v2/(.+)/blobs/uploads/.*", path):
                return self.upload(path, data)
            return self.error(404, "NAME_UNKNOWN", "no such repository")
        kind, ref = m.group(2), m.group(3)
        if kind == "blobs":
            if self.command in ("GET", "HEAD"):
                return self.send_blob(ref, redirectable=True)
            return self.error(405, "UNSUPPORTED", "method not allowed")
        if self.command == "PUT":
            store.put_manifest(ref, data, self.headers.get("Content-Type") or MT_MANIFEST)
            return self.reply(201, headers=[("Docker-Content-Digest", sha256(data)),
                                            ("Location", path)])
        if self.command not in ("GET", "HEAD"):
            return self.error(405, "UNSUPPORTED", "method not allowed")
        found = store.get_manifest(ref)
        if found is None:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        mt, body = found
        digest = sha256(body)
        if sc == "manifest-digest-mismatch" and ref == facts["digest"]:
            # Other bytes for the digest the client asked for, the header honest about them:
            # only the client's own check against the digest it asked for can notice.
            body = body.replace(b'"schemaVersion":2', b'"schemaVersion":2,"x":"tampered"', 1)
            digest = sha256(body)
        if sc == "sig-manifest-digest-mismatch" and ref == facts["sig_tag"]:
            digest = sha256(body + b"\n")
        headers = [("Content-Type", mt)]
        if not (sc == "no-digest-header" and self.command == "HEAD"):
            headers.append(("Docker-Content-Digest", digest))
        if sc == "truncated-body" and ref == facts["sig_tag"] and self.command == "GET":
            return self.reply(200, body, headers, len(body) + 1000, close_after=len(body) // 2)
        if sc == "trickle" and ref == facts["sig_tag"] and self.command == "GET":
            return self.reply(200, body, headers, trickle=0.05)
        return self.reply(200, body, headers)

    def send_blob(self, digest, redirectable):
        sc = self.server.args.scenario
        blob = self.server.store.blobs.get(digest)
        if blob is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        if redirectable and self.command == "GET":
            port = self.server.server_address[1]
            where = {"redirect-blob": "/redirected/" + digest,
                     "redirect-blob-other-host":
                         "http://localhost:%d/redirected/%s" % (port, digest),
                     "redirect-loop": self.path,
                     "redirect-file-scheme": "file:///etc/passwd"}.get(sc)
            if where is not None:
                return self.reply(307, headers=[("Location", where)])
        headers = [("Content-Type", "application/octet-stream"),
                   ("Docker-Content-Digest", digest)]
        if (sc == "truncated-blob" and self.command == "GET"
                and digest == self.server.facts.get("payload_digest")):
            return self.reply(200, blob, headers, len(blob) + 1000, close_after=len(blob) // 2)
        return self.reply(200, blob, headers)

    def upload(self, path, data):
        """Monolithic uploads: POST opens a session, PUT ?digest= stores the bytes."""
        store = self.server.store
        if self.command == "POST" and path.endswith("/blobs/uploads/"):
            uid = secrets.token_hex(8)
            store.uploads[uid] = True
            return self.reply(202, headers=[("Location", path + uid),
                                            ("Docker-Upload-UUID", uid)])
        if self.command == "PUT":
            uid = path.rsplit("/", 1)[1]
            digest = (parse_qs(urlsplit(self.path).query).get("digest") or [""])[0]
            if store.uploads.pop(uid, None) is None:
                return self.error(404, "BLOB_UPLOAD_UNKNOWN", "upload unknown")
            if sha256(data) != digest:
                return self.error(400, "DIGEST_INVALID", "digest does not match")
            store.blobs[digest] = data
            return self.reply(201, headers=[("Docker-Content-Digest", digest)])
        return self.error(405, "UNSUPPORTED", "method not allowed")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                epilog="scenarios:\n" + SCENARIOS,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="ok")
    p.add_argument("--key", required=True, help="EC P-256 private key PEM (openssl)")
    p.add_argument("--log", required=True, help="JSON-lines request log (appended)")
    p.add_argument("--repo", default="test/app")
    p.add_argument("--tag", default="v1")
    args = p.parse_args()
    known = [line.split()[0].split(":")[0] for line in SCENARIOS.strip().splitlines()]
    name, _, variant = args.scenario.partition(":")
    if name not in known or bool(variant) != (name in ("malformed-manifest",
                                                       "malformed-www-authenticate")):
        p.error("unknown scenario " + args.scenario)
    if name == "malformed-manifest" and variant not in MALFORMED:
        p.error("unknown malformed-manifest variant " + variant)
    if name == "malformed-www-authenticate" and variant not in CHALLENGES:
        p.error("unknown malformed-www-authenticate variant " + variant)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    server.daemon_threads = True
    port = server.server_address[1]
    server.args = args
    server.store, server.facts = build(args, port)
    server.log_lock = threading.Lock()
    server.count_lock = threading.Lock()
    server.count = 0
    server.failed_once = False
    server.token = secrets.token_hex(16)
    open(args.log, "a").close()
    print(port)
    print(server.facts["digest"], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
