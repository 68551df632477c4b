#!/bin/bash
# make-seeds.sh: regenerate the hand-made seed inputs of fuzz/corpora/<target>/.
#
#   fuzz/make-seeds.sh [VECTORS_DIR [CONTAINERS_IMAGE_VECTORS_DIR]]
#       (defaults /work/shared/vectors/cosign and /work/shared/vectors/containers-image)
#   SEED_TARGETS="reference manifest" fuzz/make-seeds.sh   (replace only these corpora)
#
# Needs openssl (3.x), /usr/bin/python3 and libsodium (loaded by python through ctypes, for
# secretbox). The resulting files are committed, so replaying the corpora needs none of this.
# Every seed this script writes is overwritten on each run (keys and ECDSA signatures are
# random, so their bytes change); inputs found by libFuzzer are named found-* and kept.
#
# Seed names: vec-* come from the cosign and containers/image test vectors, bug-* reproduce
# known bugs of signet (see README.md; they fail only with SIGNET_FUZZ_STRICT=1), fixed-* are
# bugs fixed since, refused-* must be refused; everything else is generated here.
# The encrypted_key corpus stays small (scrypt costs ~0.1 s per input that reaches it): the
# mutated keys fail before scrypt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vectors=${1:-/work/shared/vectors/cosign}
containers=${2:-/work/shared/vectors/containers-image}
corpora=$here/corpora
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

all_targets="pem encrypted_key public_key private_key_pem signature reference manifest
    www_authenticate"
# Keys and signatures are random: replacing only some corpora keeps the others' bytes.
targets=${SEED_TARGETS:-$all_targets}
# Seeds are written to $tmp/corpora, and replace the old ones only when all were made.
for d in $all_targets; do
    mkdir -p "$tmp/corpora/$d"
done

ossl() { openssl "$@" 2>/dev/null; }

# Keys made with openssl: private PEM (PKCS#8 unless said), public SPKI PEM.
cd "$tmp"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048b.pem
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.pem
ossl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss.pem
ossl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
    -pkeyopt rsa_pss_keygen_md:sha512 -pkeyopt rsa_pss_keygen_saltlen:64 -out rsapss-sha512.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256b.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out p224.pem
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out k256.pem
ossl genpkey -algorithm ED25519 -out ed25519.pem
ossl genpkey -algorithm ED448 -out ed448.pem
ossl genpkey -algorithm X25519 -out x25519.pem
for k in rsa2048 rsa1024 rsapss rsapss-sha512 p256 p384 p521 p224 k256 ed25519 ed448 x25519; do
    ossl pkey -in $k.pem -pubout -out $k.pub
    ossl pkcs8 -topk8 -nocrypt -in $k.pem -outform DER -out $k.p8.der
done
ossl rsa -in rsa2048.pem -traditional -out rsa2048-pkcs1.pem
ossl rsa -in rsa2048b.pem -traditional -outform DER -out rsa2048b-pkcs1.der
ossl rsa -in rsa2048.pem -traditional -outform DER -out rsa2048-pkcs1.der
ossl rsa -in rsa1024.pem -traditional -out rsa1024-pkcs1.pem
ossl rsa -in rsa2048.pem -RSAPublicKey_out -out rsa2048-pkcs1.pub
ossl ec -in p384.pem -out p384-sec1.pem
ossl ec -in p224.pem -out p224-sec1.pem
ossl ec -in p256.pem -outform DER -out p256-sec1.der
ossl ec -in p256b.pem -outform DER -out p256b-sec1.der
ossl ec -in p256.pem -param_enc explicit -out p256-explicit-sec1.pem
ossl ec -in p256.pem -pubout -param_enc explicit -out p256-explicit.pub
ossl ec -in p256.pem -pubout -conv_form compressed -out p256-compressed.pub
ossl ec -in p256.pem -conv_form compressed -out p256-compressed-sec1.pem
ossl pkcs8 -topk8 -in p256.pem -passout pass:hello -v2 aes-256-cbc -out p256-encrypted-pkcs8.pem
ossl ec -in p256.pem -aes128 -passout pass:hello -out p256-legacy-encrypted.pem
ossl req -x509 -new -key p256.pem -subj /CN=signet-fuzz -days 1 -out cert.pem

# The fixed key of signature_fuzzer (cosign-pemsigstorekey) signs the fixed message.
printf 'signet fuzz message\n' >message.txt
ossl pkey -inform DER -in "$vectors/keys/cosign-pemsigstorekey.DECRYPTED.pkcs8.der" -out fixed.pem
for i in $(seq 1 1200); do
    ossl dgst -sha256 -sign fixed.pem -out sig$i.der message.txt
done
ossl dgst -sha256 -sign p384.pem -out p384sig.der message.txt

VECTORS=$vectors CONTAINERS=$containers CORPORA=$tmp/corpora TMP=$tmp /usr/bin/python3 - <<'PYTHON'
import base64, ctypes, ctypes.util, glob, hashlib, json, os, random

vec, corp, tmp = os.environ["VECTORS"], os.environ["CORPORA"], os.environ["TMP"]
cvec = os.environ["CONTAINERS"]
rnd = random.Random(1)  # garbage inputs are reproducible; keys and signatures are not


def read(path):
    with open(os.path.join(tmp, path) if not path.startswith("/") else path, "rb") as f:
        return f.read()


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(corp, target, name), "wb") as f:
        f.write(data)


def pem(label, der, width=64, eol="\n"):
    b = base64.b64encode(der).decode()
    lines = [b[i:i + width] for i in range(0, len(b), width)] or [""]
    return eol.join(["-----BEGIN %s-----" % label] + lines + ["-----END %s-----" % label, ""])


def unpem(text):
    lines = text.decode().strip().splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def tlv(data, off=0):
    """(tag, header length, content length) of the DER element at off."""
    tag, n = data[off], data[off + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(data[off + 2:off + 2 + k], "big")


def der_children(data):
    """Offsets and total lengths of the elements inside the outer SEQUENCE."""
    _, hl, cl = tlv(data)
    out, off = [], hl
    while off < hl + cl:
        _, h, c = tlv(data, off)
        out.append((off, h + c))
        off += h + c
    return out


# ---------------------------------------------------------------- public_key
for sub in ("keys", "blob", "simplesigning", "dsse"):
    for p in sorted(glob.glob(os.path.join(vec, sub, "*.pub"))):
        write("public_key", "vec-" + os.path.basename(p), read(p))
for k in ("rsa2048", "rsapss", "rsapss-sha512", "p384", "p521", "ed25519"):
    write("public_key", k + ".pub", read(k + ".pub"))
write("public_key", "rsa2048-pkcs1.pub", read("rsa2048-pkcs1.pub"))
# Fixed bug (see private_key_pem): accepted, cannot be exported again.
write("public_key", "fixed-rsa-pss-sha3-224-only.pub",
      pem("PUBLIC KEY", unpem(read("rsapss-sha512.pub")).replace(
          bytes.fromhex("608648016503040203"), bytes.fromhex("608648016503040207"))))
for k in ("rsa1024", "p224", "k256", "ed448", "x25519"):
    write("public_key", "refused-" + k + ".pub", read(k + ".pub"))
# Fixed bug: accepted, and exported as they came, which cosign cannot read.
write("public_key", "fixed-p256-explicit-params.pub", read("p256-explicit.pub"))
write("public_key", "fixed-p256-compressed-point.pub", read("p256-compressed.pub"))
spki384 = bytearray(unpem(read("p384.pub")))
spki384[-97] = 6 | (spki384[-1] & 1)  # hybrid form: 0x06 or 0x07 by the parity of y
write("public_key", "fixed-p384-hybrid-point.pub", pem("PUBLIC KEY", bytes(spki384)))
spki = unpem(read("p256.pub"))
write("public_key", "trailing-der-byte.pub", pem("PUBLIC KEY", spki + b"\0"))
write("public_key", "truncated-der.pub", pem("PUBLIC KEY", spki[:-7]))
write("public_key", "rsa-spki-as-pkcs1.pub", pem("RSA PUBLIC KEY", unpem(read("rsa2048.pub"))))
write("public_key", "private-key.pem", read("p256.pem"))
write("public_key", "certificate.pem", read("cert.pem"))
write("public_key", "crlf-lines.pub", read("p256.pub").replace(b"\n", b"\r\n"))
write("public_key", "text-around.pub", b"key:\n" + read("p256.pub") + b"more\n")
write("public_key", "empty", b"")
write("public_key", "garbage", bytes(rnd.getrandbits(8) for _ in range(200)))

# ---------------------------------------------------------------- private_key_pem
for p in sorted(glob.glob(os.path.join(vec, "keys", "*-import.pem"))):
    write("private_key_pem", "vec-" + os.path.basename(p), read(p))
write("private_key_pem", "rsa2048-pkcs1.pem", read("rsa2048-pkcs1.pem"))
write("private_key_pem", "rsa2048-pkcs8.pem", read("rsa2048.pem"))
write("private_key_pem", "rsa-pss-pkcs8.pem", read("rsapss.pem"))
write("private_key_pem", "p384-sec1.pem", read("p384-sec1.pem"))
write("private_key_pem", "p521-pkcs8.pem", read("p521.pem"))
write("private_key_pem", "ed25519-pkcs8.pem", read("ed25519.pem"))
write("private_key_pem", "refused-p224-sec1.pem", read("p224-sec1.pem"))
write("private_key_pem", "refused-rsa1024-pkcs1.pem", read("rsa1024-pkcs1.pem"))
write("private_key_pem", "refused-secp256k1-pkcs8.pem", read("k256.pem"))
write("private_key_pem", "refused-x25519-pkcs8.pem", read("x25519.pem"))
write("private_key_pem", "refused-ed448-pkcs8.pem", read("ed448.pem"))
# Fixed bug: accepted, and their public key exported in a form cosign cannot read.
write("private_key_pem", "fixed-p256-explicit-params-sec1.pem", read("p256-explicit-sec1.pem"))
write("private_key_pem", "fixed-p256-compressed-point-sec1.pem", read("p256-compressed-sec1.pem"))
write("private_key_pem", "encrypted-pkcs8.pem", read("p256-encrypted-pkcs8.pem"))
write("private_key_pem", "legacy-encrypted-headers.pem", read("p256-legacy-encrypted.pem"))
write("private_key_pem", "public-key.pem", read("p256.pub"))
write("private_key_pem", "sec1-labelled-pkcs8.pem", pem("PRIVATE KEY", read("p256-sec1.der")))
write("private_key_pem", "pkcs8-labelled-sec1.pem", pem("EC PRIVATE KEY", read("p256.p8.der")))
write("private_key_pem", "pkcs8-trailing-byte.pem", pem("PRIVATE KEY", read("p256.p8.der") + b"\0"))
write("private_key_pem", "pkcs1-truncated.pem",
      pem("RSA PRIVATE KEY", read("rsa2048-pkcs1.der")[:-40]))
write("private_key_pem", "garbage", bytes(rnd.getrandbits(8) for _ in range(300)))

# Fixed bug: key halves that disagree. OpenSSL keeps the public key stored in the file, cosign
# (Go) derives it from the private scalar / validates the RSA key.
POINT = b"\xa1\x44\x03\x42\x00\x04"
a, b = read("p256-sec1.der"), read("p256b-sec1.der")
wrong = a[:a.index(POINT)] + b[b.index(POINT):]
write("private_key_pem", "fixed-p256-sec1-wrong-public-key.pem", pem("EC PRIVATE KEY", wrong))
p8 = read("p256.p8.der")
i = p8.index(POINT)
write("private_key_pem", "fixed-p256-pkcs8-wrong-public-key.pem",
      pem("PRIVATE KEY", p8[:i] + b[b.index(POINT):][:len(p8) - i]))
a, b = read("rsa2048-pkcs1.der"), read("rsa2048b-pkcs1.der")
(na, la), (nb, lb) = der_children(a)[1], der_children(b)[1]
assert la == lb
write("private_key_pem", "fixed-rsa2048-pkcs1-wrong-modulus.pem",
      pem("RSA PRIVATE KEY", a[:na] + b[nb:nb + lb] + a[na + la:]))
# Fixed bug: accepted, but the parameters forbid SHA-256, so it can neither sign nor verify;
# with SHA3-224 (found by the fuzzer) OpenSSL cannot even encode the key again.
SHA512, SHA3_224 = bytes.fromhex("608648016503040203"), bytes.fromhex("608648016503040207")
write("private_key_pem", "fixed-rsa-pss-sha512-only.pem", read("rsapss-sha512.pem"))
write("private_key_pem", "fixed-rsa-pss-sha3-224-only.pem",
      pem("PRIVATE KEY", read("rsapss-sha512.p8.der").replace(SHA512, SHA3_224)))

# ---------------------------------------------------------------- encrypted_key
sodium = ctypes.CDLL(ctypes.util.find_library("sodium"))
assert sodium.sodium_init() >= 0


def encrypt_cosign(plain, password=b"hello", n=32768, label="ENCRYPTED SIGSTORE PRIVATE KEY"):
    salt, nonce = os.urandom(32), os.urandom(24)
    key = hashlib.scrypt(password, salt=salt, n=n, r=8, p=1, dklen=32, maxmem=1 << 28)
    box = ctypes.create_string_buffer(len(plain) + 16)
    assert sodium.crypto_secretbox_easy(box, plain, ctypes.c_ulonglong(len(plain)), nonce,
                                        key) == 0
    obj = {"kdf": {"name": "scrypt", "params": {"N": n, "r": 8, "p": 1},
                   "salt": base64.b64encode(salt).decode()},
           "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
           "ciphertext": base64.b64encode(box.raw).decode()}
    return pem(label, json.dumps(obj, separators=(",", ":")).encode())


# Inputs that reach scrypt (~0.1 s each): decryptable with "hello" or not.
for name in ("cosign-pemcosignkey.key", "cosign-pemsigstorekey.key",
             "cosign-pemcosigneckey-sec1-NEGATIVE.key",
             "rs-cosign_generated_encrypted_empty_private.key"):
    write("encrypted_key", "vec-" + name, read(os.path.join(vec, "keys", name)))
write("encrypted_key", "ed25519-n65536.key", encrypt_cosign(read("ed25519.p8.der"), n=65536))
write("encrypted_key", "rsa2048-n131072.key", encrypt_cosign(read("rsa2048.p8.der"), n=131072))
write("encrypted_key", "refused-p224.key",
      encrypt_cosign(read("p224.p8.der"), label="ENCRYPTED COSIGN PRIVATE KEY"))

# Mutations of a real key that fail before scrypt.
base = json.loads(unpem(read(os.path.join(vec, "keys", "cosign-pemsigstorekey.key"))))
LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY"


def mutant(name, change, label=LABEL):
    obj = json.loads(json.dumps(base))
    body = change(obj)
    if body is None:
        body = json.dumps(obj, separators=(",", ":"))
    write("encrypted_key", name, pem(label, body.encode()))


def setpath(path, value):
    def change(obj):
        o = obj
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = value
    return change


mutant("kdf-name-argon2.key", setpath(["kdf", "name"], "argon2id"))
mutant("cipher-name-aes-gcm.key", setpath(["cipher", "name"], "aes-256-gcm"))
mutant("scrypt-n-16384.key", setpath(["kdf", "params", "N"], 16384))
mutant("scrypt-r-16.key", setpath(["kdf", "params", "r"], 16))
mutant("scrypt-p-2.key", setpath(["kdf", "params", "p"], 2))
mutant("scrypt-n-string.key", setpath(["kdf", "params", "N"], "32768"))
mutant("salt-bad-base64.key", setpath(["kdf", "salt"], "not*base64!"))
mutant("nonce-16-bytes.key", setpath(["cipher", "nonce"], base64.b64encode(bytes(16)).decode()))
mutant("ciphertext-too-short.key", setpath(["ciphertext"], base64.b64encode(bytes(8)).decode()))
mutant("params-unknown-field.key", setpath(["kdf", "params", "keyLen"], 32))
mutant("json-array.key", lambda o: json.dumps([o]))
mutant("json-duplicate-key.key",
       lambda o: json.dumps(o, separators=(",", ":"))[:-1] + ',"ciphertext":""}')
mutant("pem-label-private-key.key", lambda o: None, label="PRIVATE KEY")
write("encrypted_key", "pem-body-bad-base64.key",
      read(os.path.join(vec, "keys", "cosign-pemsigstorekey.key")).replace(b"eyJr", b"e!Jr", 1))

# ---------------------------------------------------------------- signature
for p in (os.path.join(vec, "blob", "real-v3.1.3-checksums.txt.sig"),
          *sorted(glob.glob(os.path.join(vec, "simplesigning", "*.sig.b64")))):
    write("signature", "vec-" + os.path.basename(p), read(p))

sigs = [read("sig%d.der" % i) for i in range(1, 1201)]


def raw(der):
    kids = der_children(der)
    ints = []
    for off, length in kids:
        _, h, c = tlv(der, off)
        ints.append(int.from_bytes(der[off + h:off + h + c], "big"))
    return b"".join(v.to_bytes(32, "big") for v in ints), ints


def der_of(r, s):
    def integer(v):
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(b)]) + b
    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


good = next(d for d in sigs if raw(d)[0][0] not in (0x30,))
b64 = base64.b64encode(good)
write("signature", "valid-der.b64", b64 + b"\n")
write("signature", "valid-der.raw", good)
write("signature", "valid-der-spaces.b64", b" \t" + b64 + b"\r\n\n")
write("signature", "valid-rs.raw", raw(good)[0])
write("signature", "valid-rs.b64", base64.b64encode(raw(good)[0]))
r, s = raw(good)[1]
N256 = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
write("signature", "valid-der-high-s.raw", der_of(r, N256 - s))
write("signature", "der-trailing-byte.raw", good + b"\0")
write("signature", "der-ber-long-length.raw",
      b"\x30\x81" + good[1:2] + good[2:])
write("signature", "der-corrupted.b64", base64.b64encode(sigs[-1][:-1] + b"\x01"))
write("signature", "rs-63-bytes.raw", raw(good)[0][:63])
write("signature", "rs-zero.raw", bytes(64))
write("signature", "p384-der.raw", read("p384sig.der"))
write("signature", "url-safe-base64.b64", base64.urlsafe_b64encode(good).replace(b"=", b""))
write("signature", "base64-no-padding.b64", b64.rstrip(b"="))
write("signature", "whitespace-only", b" \n\t\r\n")
write("signature", "too-large.raw", bytes(rnd.getrandbits(8) for _ in range(16385)))
write("signature", "garbage", bytes(rnd.getrandbits(8) for _ in range(100)))
# Raw r||s that starts like a DER SEQUENCE (fixed in 7702958).
r30 = next((d for d in sigs if raw(d)[0][0] == 0x30), None)
assert r30 is not None, "no signature with r starting 0x30 among 1200; run again"
write("signature", "valid-rs-starting-0x30.raw", raw(r30)[0])
# Fixed bug: cosign accepts it, signet did not.
wrapped = b"\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + b"\n"
write("signature", "fixed-valid-der-base64-wrapped-76.b64", wrapped)
# Fixed bug: libsodium 1.0.18 takes bytes 0x80-0xff for '/', so this verified in signet; Go
# refuses it as base64 and cosign reads it as (invalid) raw bytes.
slash = next(base64.b64encode(d) for d in sigs if b"/" in base64.b64encode(d))
write("signature", "fixed-valid-der-base64-slash-as-0xff.b64", slash.replace(b"/", b"\xff", 1))

# ---------------------------------------------------------------- pem
p256pub = read("p256.pub")
write("pem", "public-key.pem", p256pub)
write("pem", "rsa-private-key.pem", read("rsa2048-pkcs1.pem"))
write("pem", "certificate.pem", read("cert.pem"))
write("pem", "vec-cosign-pemcosignkey.key", read(os.path.join(vec, "keys", "cosign-pemcosignkey.key")))
write("pem", "legacy-encrypted-headers.pem", read("p256-legacy-encrypted.pem"))
write("pem", "two-blocks.pem", p256pub + read("p384.pub"))
write("pem", "text-before.pem", b"Subject: key\n\n" + p256pub)
write("pem", "crlf.pem", p256pub.replace(b"\n", b"\r\n"))
write("pem", "one-long-line.pem", pem("PUBLIC KEY", spki, width=1000))
write("pem", "short-lines.pem", pem("PUBLIC KEY", spki, width=4))
write("pem", "no-trailing-newline.pem", p256pub.rstrip(b"\n"))
write("pem", "missing-end.pem", p256pub[:p256pub.index(b"-----END")])
write("pem", "end-label-mismatch.pem", p256pub.replace(b"END PUBLIC", b"END PRIVATE"))
write("pem", "empty-body.pem", b"-----BEGIN X-----\n-----END X-----\n")
write("pem", "empty-label.pem", pem("", b"\x05\x00"))
write("pem", "label-200-chars.pem", pem("L" * 200, b"\x05\x00"))
write("pem", "padding-in-middle.pem", pem("X", b"ab").replace("YWI=", "YQ==YWI="))
write("pem", "bad-base64-char.pem", p256pub.replace(b"MFkw", b"MF*w"))
write("pem", "spaces-in-base64.pem", p256pub.replace(b"MFkw", b"MF kw"))
write("pem", "begin-only.pem", b"-----BEGIN PUBLIC KEY-----\n")
write("pem", "dashes-missing.pem", p256pub.replace(b"KEY-----\n", b"KEY\n", 1))
write("pem", "large-body.pem", pem("BLOB", bytes(rnd.getrandbits(8) for _ in range(9000))))
write("pem", "empty", b"")

# ---------------------------------------------------------------- reference
# One reference per file, no newline (a newline makes it invalid).
D64 = "0123456789abcdef" * 4
DIGEST = "sha256:" + D64
for name, ref in [
        # tests/unit/test_reference.c
        ("hub-single-name", "ubuntu"),
        ("hub-tag", "ubuntu:22.04"),
        ("hub-docker-io-user", "docker.io/x/y"),
        ("hub-docker-io-single", "docker.io/ubuntu"),
        ("hub-index-docker-io", "index.docker.io/library/ubuntu:1"),
        ("hub-three-components", "a/b/c"),
        ("hub-port-like-tag", "x:5000"),
        ("localhost", "localhost/foo"),
        ("localhost-port-tag", "localhost:5000/foo/bar:1"),
        ("gcr", "gcr.io/project/image"),
        ("ipv4-port-digest", "127.0.0.1:5000/team/app@" + DIGEST),
        ("ipv4-port-tag-digest", "127.0.0.1:5000/team/app:v1@" + DIGEST),
        ("ipv6-port-tag", "[::1]:5000/x:1"),
        ("uppercase-registry", "Foo/bar"),
        ("separators", "reg.example/a.b/c__d/e--f:T_a-g.1"),
        ("ipv6-digest", "[::1]:5000/x@" + DIGEST),
        ("refused-empty", ""),
        ("refused-uppercase-repository", "UPPER"),
        ("refused-empty-tag", "ubuntu:"),
        ("refused-tag-space", "ubuntu:bad tag"),
        ("refused-tag-dash", "ubuntu:-x"),
        ("refused-digest-short", "ubuntu@sha256:abc"),
        ("refused-digest-long", "ubuntu@" + DIGEST + "0"),
        ("refused-digest-sha512", "ubuntu@sha512:" + D64),
        ("refused-url-scheme", "http://reg/x"),
        ("refused-empty-component", "a//b"),
        ("refused-leading-dash", "reg.io/-b"),
        ("refused-trailing-dash", "reg.io/b-"),
        ("refused-double-dot", "reg.io/a..b"),
        ("refused-triple-underscore", "reg.io/a___b"),
        ("refused-bad-port", "reg.io:99999x/a"),
        ("refused-ipv6-unclosed", "[::1/x"),
        ("refused-registry-dash", "-reg.io/x"),
        ("refused-trailing-slash", "reg.io/"),
        # Docker Hub's other spellings
        ("hub-library", "library/ubuntu"),
        ("hub-docker-io-library-tag", "docker.io/library/ubuntu:22.04"),
        ("hub-index-digest", "index.docker.io/library/ubuntu@" + DIGEST),
        ("hub-registry-1", "registry-1.docker.io/library/ubuntu"),
        ("hub-index-port", "index.docker.io:443/library/ubuntu"),
        ("hub-uppercase-index", "INDEX.DOCKER.IO/library/ubuntu"),
        ("hub-user-tag-digest", "sigstore/cosign:v2.2.0@" + DIGEST),
        ("hub-digest-only", "busybox@" + DIGEST),
        ("hub-localhost-name", "localhost"),
        ("attachment-tag", "ghcr.io/org/app:sha256-" + D64 + ".sig"),
        ("ghcr", "ghcr.io/sigstore/cosign/cosign:v2.2.4"),
        ("ecr", "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:latest"),
        ("localhost-port", "localhost:5000/x"),
        # IPv6
        ("ipv6-no-port", "[::1]/x"),
        ("ipv6-full", "[2001:db8:0:0:0:0:0:1]:5000/team/app:v1"),
        ("ipv6-v4-mapped", "[::ffff:127.0.0.1]:443/a/b"),
        ("refused-ipv6-zone", "[fe80::1%eth0]:5000/x"),
        ("refused-ipv6-empty", "[]:5000/x"),
        ("refused-ipv6-garbage-after", "[::1]x/y"),
        ("refused-port-six-digits", "reg.io:123456/x"),
        ("refused-port-empty", "reg.io:/x"),
        ("refused-registry-underscore", "my_reg.io/x"),
        # digests
        ("refused-digest-uppercase", "reg.io/x@sha256:" + D64.upper()),
        ("refused-two-at", "reg.io/x@" + DIGEST + "@" + DIGEST),
        ("refused-digest-empty", "reg.io/x@"),
        ("refused-digest-no-name", "@" + DIGEST),
        ("refused-tag-after-digest", "reg.io/x@" + DIGEST + ":v1"),
        # odd bytes
        ("refused-space", "ubuntu latest"),
        ("refused-newline", "ubuntu\n"),
        ("refused-utf8", "reg.io/caf\u00e9"),
        ("nul-inside", "ubuntu\0:tag"),
]:
    write("reference", name, ref)
# Length limits: 255 for registry + "/" + repository, 128 for a tag, 510 for the text.
write("reference", "name-255", "reg.io/" + "a" * 248)
write("reference", "refused-name-256", "reg.io/" + "a" * 249)
write("reference", "hub-name-255", "library/" + "a" * (255 - 24))
write("reference", "refused-hub-name-256-as-docker-counts", "a" * (256 - 18))
# Known bug: Docker counts "docker.io/library/" (18), signet "index.docker.io/library/" (24).
write("reference", "bug-hub-name-250-as-docker-counts", "a" * (250 - 18))
write("reference", "bug-hub-name-255-as-docker-counts", "a" * (255 - 18))
write("reference", "bug-hub-user-name-255-as-docker-counts", "u/" + "a" * (255 - 12))
write("reference", "registry-255", "r." + "a" * 251 + "/x")
write("reference", "refused-registry-too-long", "r." + "a" * 300 + "/x")
write("reference", "tag-128", "reg.io/x:" + "t" * 128)
write("reference", "refused-tag-129", "reg.io/x:" + "t" * 129)
write("reference", "long-everything",
      "reg.io/" + "/".join(["abcdefg"] * 30) + ":" + "T" * 128 + "@" + DIGEST)
write("reference", "refused-text-511", "reg.io/" + "a" * 504)
write("reference", "garbage", bytes(rnd.getrandbits(8) for _ in range(100)))

# ---------------------------------------------------------------- manifest
# Byte 0 picks the Content-Type (manifest_fuzzer.c): 0 none, then the four types.
CT = {"none": 0, "oci-manifest": 1, "oci-index": 2, "docker-manifest": 3, "docker-list": 4}
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def manifest(name, ct, body):
    if not isinstance(body, bytes):
        body = json.dumps(body, separators=(",", ":")) if not isinstance(body, str) else body
        body = body.encode()
    write("manifest", "%s.ct-%s" % (name, ct), bytes([CT[ct]]) + body)


oci = os.path.join(cvec, "interop", "oci-img")
manifest("vec-real-v1.13.1-manifest.json", "oci-manifest",
         read(os.path.join(vec, "simplesigning", "real-v1.13.1-manifest.json")))
manifest("vec-attachment-manifest.json", "none",
         read(os.path.join(cvec, "interop", "sigstore", "attachment-manifest.json")))
manifest("vec-oci-img-index.json", "oci-index", read(os.path.join(oci, "index.json")))
manifest("vec-oci-img-index.json", "none", read(os.path.join(oci, "index.json")))
with open(os.path.join(oci, "index.json")) as f:
    blob = json.load(f)["manifests"][0]["digest"].split(":")[1]
manifest("vec-oci-img-manifest", "oci-manifest",
         read(os.path.join(oci, "blobs", "sha256", blob)))
manifest("vec-image.manifest.json", "docker-manifest",
         read(os.path.join(cvec, "fixtures", "image.manifest.json")))
manifest("vec-v2s1-invalid-signatures.manifest.json", "none",
         read(os.path.join(cvec, "fixtures", "v2s1-invalid-signatures.manifest.json")))

base = json.loads(read(os.path.join(oci, "blobs", "sha256", blob)))
D = lambda c: "sha256:" + c * 64


def desc(mt, c, size=1, **extra):
    d = {"mediaType": mt, "digest": D(c), "size": size}
    d.update(extra)
    return d


def platform(os_, arch, variant=None):
    p = {"os": os_, "architecture": arch}
    if variant:
        p["variant"] = variant
    return p


index = {"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": [
    desc(MT_OCI_MANIFEST, "1", 500, platform=platform("linux", "arm", "v6")),
    desc(MT_OCI_MANIFEST, "2", 500, platform=platform("linux", "arm", "v7")),
    desc(MT_OCI_MANIFEST, "3", 500, platform=platform("linux", "amd64")),
    desc(MT_OCI_MANIFEST, "4", 500, platform=platform("linux", "amd64")),
    desc(MT_OCI_MANIFEST, "5", 500, platform=platform("windows", "amd64"),
         annotations={"org.opencontainers.image.ref.name": "w"}),
    desc("application/vnd.in-toto+json", "6", 900,
         platform=platform("unknown", "unknown")),
]}
manifest("index-platforms", "oci-index", index)
dlist = json.loads(json.dumps(index))
dlist["mediaType"] = MT_DOCKER_LIST
for m in dlist["manifests"]:
    m["mediaType"] = MT_DOCKER_MANIFEST
manifest("docker-list-platforms", "docker-list", dlist)
no_mt = json.loads(json.dumps(index))
del no_mt["mediaType"]
manifest("index-no-mediatype", "oci-index", no_mt)
manifest("index-no-mediatype", "none", no_mt)
manifest("index-no-mediatype", "docker-list", no_mt)
odd = json.loads(json.dumps(index))
odd["manifests"][0]["platform"] = "linux/amd64"
odd["manifests"][1]["platform"] = {"os": "linux", "architecture": 7}
odd["manifests"][2]["platform"] = {"os": "linux", "architecture": "arm", "variant": None}
odd["manifests"][3]["platform"] = None
manifest("index-odd-platforms", "oci-index", odd)
manifest("index-empty", "oci-index", {"schemaVersion": 2, "manifests": []})
b = json.loads(json.dumps(base))
del b["mediaType"]
manifest("manifest-no-mediatype", "none", b)
manifest("manifest-no-mediatype", "docker-manifest", b)
b = json.loads(json.dumps(base))
b["mediaType"] = 1
manifest("mediatype-number", "oci-manifest", b)
manifest("mediatype-number", "none", b)
manifest("manifest-docker-body-oci-type", "oci-manifest",
         read(os.path.join(cvec, "fixtures", "image.manifest.json")))


def variant(name, change, ct="oci-manifest", src=None):
    m = json.loads(json.dumps(src or base))
    body = change(m)
    manifest(name, ct, body if body is not None else m)


def setk(path, value):
    def change(m):
        o = m
        for k in path[:-1]:
            o = o[k]
        if value is KeyError:
            del o[path[-1]]
        else:
            o[path[-1]] = value
    return change


variant("refused-schema-1", setk(["schemaVersion"], 1))
variant("refused-schema-string", setk(["schemaVersion"], "2"))
variant("refused-schema-real", lambda m: json.dumps(m).replace('"schemaVersion": 2',
                                                                '"schemaVersion": 2.0'))
variant("refused-no-schema", setk(["schemaVersion"], KeyError))
variant("refused-config-type", setk(["mediaType"], "application/vnd.oci.image.config.v1+json"))
variant("refused-layers-object", setk(["layers"], {}))
variant("refused-no-layers", setk(["layers"], KeyError))
variant("refused-no-config", setk(["config"], KeyError))
variant("refused-config-digest-uppercase", setk(["config", "digest"], "sha256:" + "A" * 64))
variant("refused-layer-sha512", setk(["layers", 0, "digest"], "sha512:" + "0" * 128))
variant("refused-layer-size-negative", setk(["layers", 0, "size"], -1))
variant("refused-layer-size-real", setk(["layers", 0, "size"], 1.5))
variant("refused-layer-size-string", setk(["layers", 0, "size"], "135"))
variant("refused-layer-no-mediatype", setk(["layers", 0, "mediaType"], KeyError))
variant("refused-layer-not-object", setk(["layers", 0], "sha256:" + "0" * 64))
variant("refused-annotations-string", setk(["layers", 0, "annotations"], "x"))
variant("layer-size-max", setk(["layers", 0, "size"], 2 ** 63 - 1))
variant("refused-layer-size-too-big",
        lambda m: json.dumps(m).replace('"size": 135', '"size": 9223372036854775808'))
variant("refused-duplicate-key", lambda m: json.dumps(m)[:-1] + ', "schemaVersion": 2}')
variant("refused-index-entry-bad", setk(["manifests", 0, "digest"], "sha256:"), "oci-index",
        index)
variant("refused-1001-layers", setk(["layers"], [{}] * 1001))
variant("layers-1000", setk(["layers"], [desc("x", "a", 1)] * 1000))
manifest("refused-array", "oci-manifest", "[1,2]")
manifest("refused-not-json", "none", "schemaVersion: 2\n")
manifest("refused-truncated", "oci-manifest", json.dumps(base)[:100])
manifest("refused-nested", "none", "[" * 5000 + "]" * 5000)
manifest("refused-nul-in-string", "oci-manifest",
         json.dumps(base).replace("tar+gzip", "tar\\u0000gzip"))
write("manifest", "empty", b"")
write("manifest", "garbage", bytes(rnd.getrandbits(8) for _ in range(200)))
# Known bug: the body's mediaType and the Content-Type disagree, and signet goes by the body
# (manifest.c says they must agree; cosign goes by the Content-Type).
manifest("bug-manifest-served-as-index", "oci-index", base)
manifest("bug-index-served-as-manifest", "docker-manifest", dlist)

# ---------------------------------------------------------------- www_authenticate
for name, header in [
        ("docker-hub", 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                       'scope="repository:library/ubuntu:pull"'),
        ("ghcr", 'Bearer realm="https://ghcr.io/token",service="ghcr.io",'
                 'scope="repository:sigstore/cosign/cosign:pull"'),
        ("distribution-push", 'Bearer realm="https://auth.docker.io/token",'
                              'service="registry.docker.io",'
                              'scope="repository:samalba/my-app:pull,push"'),
        ("distribution-insufficient-scope",
         'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
         'scope="repository:samalba/my-app:pull,push",error="insufficient_scope"'),
        ("distribution-no-scope", 'Bearer realm="http://127.0.0.1:5001/auth",'
                                  'service="Docker registry"'),
        ("quay", 'Bearer realm="https://quay.io/v2/auth",service="quay.io"'),
        ("basic", 'Basic realm="Registry Realm"'),
        ("basic-lowercase-unquoted", "basic realm=registry"),
        ("scheme-only", "Bearer"),
        ("unquoted-spaces", 'Bearer realm=unquoted, service="a\\"b"'),
        ("escapes", 'Bearer realm="a\\"b\\\\c\\d",service="\\\\",scope="\\""'),
        ("uppercase-names", 'Bearer REALM="r",Service="s",sCoPe="c"'),
        ("tabs-and-spaces", ' \tBearer  realm="r" ,\t service="s" , scope="c" '),
        ("unknown-params", 'Bearer foo="bar",realm="r",x=y'),
        ("empty-values", 'Bearer realm="",service=,scope=""'),
        ("utf8", 'Bearer realm="https://r\u00e9gistre.example/t\u00f6ken"'),
        ("refused-empty", ""),
        ("refused-spaces", "   "),
        ("refused-no-equals", "Bearer realm"),
        ("refused-unclosed-quote", 'Bearer realm="open'),
        ("refused-backslash-at-end", 'Bearer realm="open\\'),
        ("refused-empty-name", "Bearer =x"),
        ("refused-long-scheme", "VeryLongSchemeNameThatDoesNotFit realm=x"),
        ("refused-token68", "Basic dXNlcjpwYXNzd29yZA"),
        ("token68-padded", "Negotiate YIIB=="),
        ("quoted-then-param", 'Bearer realm="r"service="s"'),
        # Known bug: two challenges in one value (registry_internal.h promises the first).
        ("bug-bearer-then-basic", 'Bearer realm="https://auth.example/token",'
                                  'service="registry.example", Basic realm="registry.example"'),
        ("bug-basic-then-bearer", 'Basic realm="r", Bearer realm="https://t.example/token"'),
]:
    write("www_authenticate", name, header)
# Length limits: scheme 15, parameter names 31, values 511.
write("www_authenticate", "scheme-15", "S" * 15 + " realm=x")
write("www_authenticate", "refused-scheme-16", "S" * 16 + " realm=x")
write("www_authenticate", "name-31", "Bearer " + "n" * 31 + "=x,realm=r")
write("www_authenticate", "refused-name-32", "Bearer " + "n" * 32 + "=x,realm=r")
write("www_authenticate", "realm-511", 'Bearer realm="' + "a" * 511 + '"')
write("www_authenticate", "refused-realm-512", 'Bearer realm="' + "a" * 512 + '"')
write("www_authenticate", "scope-511-escaped", 'Bearer scope="' + '\\"' * 511 + '"')
write("www_authenticate", "refused-unquoted-512", "Bearer service=" + "s" * 512)
write("www_authenticate", "refused-long-header", 'Bearer realm="' + "a" * 2000 + '"')
write("www_authenticate", "garbage", bytes(rnd.getrandbits(8) for _ in range(120)))
PYTHON

for d in $targets; do
    mkdir -p "$corpora/$d"
    find "$corpora/$d" -maxdepth 1 -type f ! -name 'found-*' -delete
    cp "$tmp/corpora/$d"/* "$corpora/$d/"
done
