#!/bin/bash
# make-seeds.sh: regenerate the hand-made seed inputs of fuzz/corpora/<target>/.
#
#   fuzz/make-seeds.sh [VECTORS_DIR]     (default /work/shared/vectors/cosign)
#
# Needs openssl (3.x), /usr/bin/python3 and libsodium (loaded by python through ctypes, for
# secretbox). The resulting files are committed, so replaying the corpora needs none of this.
# Every seed this script writes is overwritten on each run (keys and ECDSA signatures are
# random, so their bytes change); inputs found by libFuzzer are named found-* and kept.
#
# Seed names: vec-* come from the cosign test vectors, bug-* reproduce known bugs of signet
# (see README.md; they fail only with SIGNET_FUZZ_STRICT=1), everything else is generated here.
# The encrypted_key corpus stays small (scrypt costs ~0.1 s per input that reaches it): the
# mutated keys fail before scrypt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
vectors=${1:-/work/shared/vectors/cosign}
corpora=$here/corpora
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

targets="pem encrypted_key public_key private_key_pem signature"
# Seeds are written to $tmp/corpora, and replace the old ones only when all were made.
for d in $targets; do
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

VECTORS=$vectors CORPORA=$tmp/corpora TMP=$tmp /usr/bin/python3 - <<'PYTHON'
import base64, ctypes, ctypes.util, glob, hashlib, json, os, random

vec, corp, tmp = os.environ["VECTORS"], os.environ["CORPORA"], os.environ["TMP"]
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
# Known bug (see private_key_pem): accepted, cannot be exported again.
write("public_key", "bug-rsa-pss-sha3-224-only.pub",
      pem("PUBLIC KEY", unpem(read("rsapss-sha512.pub")).replace(
          bytes.fromhex("608648016503040203"), bytes.fromhex("608648016503040207"))))
for k in ("rsa1024", "p224", "k256", "ed448", "x25519"):
    write("public_key", "refused-" + k + ".pub", read(k + ".pub"))
# Known bug: accepted, and exported as they came, which cosign cannot read.
write("public_key", "bug-p256-explicit-params.pub", read("p256-explicit.pub"))
write("public_key", "bug-p256-compressed-point.pub", read("p256-compressed.pub"))
spki384 = bytearray(unpem(read("p384.pub")))
spki384[-97] = 6 | (spki384[-1] & 1)  # hybrid form: 0x06 or 0x07 by the parity of y
write("public_key", "bug-p384-hybrid-point.pub", pem("PUBLIC KEY", bytes(spki384)))
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
# Known bug: accepted, and their public key exported in a form cosign cannot read.
write("private_key_pem", "bug-p256-explicit-params-sec1.pem", read("p256-explicit-sec1.pem"))
write("private_key_pem", "bug-p256-compressed-point-sec1.pem", read("p256-compressed-sec1.pem"))
write("private_key_pem", "encrypted-pkcs8.pem", read("p256-encrypted-pkcs8.pem"))
write("private_key_pem", "legacy-encrypted-headers.pem", read("p256-legacy-encrypted.pem"))
write("private_key_pem", "public-key.pem", read("p256.pub"))
write("private_key_pem", "sec1-labelled-pkcs8.pem", pem("PRIVATE KEY", read("p256-sec1.der")))
write("private_key_pem", "pkcs8-labelled-sec1.pem", pem("EC PRIVATE KEY", read("p256.p8.der")))
write("private_key_pem", "pkcs8-trailing-byte.pem", pem("PRIVATE KEY", read("p256.p8.der") + b"\0"))
write("private_key_pem", "pkcs1-truncated.pem",
      pem("RSA PRIVATE KEY", read("rsa2048-pkcs1.der")[:-40]))
write("private_key_pem", "garbage", bytes(rnd.getrandbits(8) for _ in range(300)))

# Known bug: key halves that disagree. OpenSSL keeps the public key stored in the file, cosign
# (Go) derives it from the private scalar / validates the RSA key.
POINT = b"\xa1\x44\x03\x42\x00\x04"
a, b = read("p256-sec1.der"), read("p256b-sec1.der")
wrong = a[:a.index(POINT)] + b[b.index(POINT):]
write("private_key_pem", "bug-p256-sec1-wrong-public-key.pem", pem("EC PRIVATE KEY", wrong))
p8 = read("p256.p8.der")
i = p8.index(POINT)
write("private_key_pem", "bug-p256-pkcs8-wrong-public-key.pem",
      pem("PRIVATE KEY", p8[:i] + b[b.index(POINT):][:len(p8) - i]))
a, b = read("rsa2048-pkcs1.der"), read("rsa2048b-pkcs1.der")
(na, la), (nb, lb) = der_children(a)[1], der_children(b)[1]
assert la == lb
write("private_key_pem", "bug-rsa2048-pkcs1-wrong-modulus.pem",
      pem("RSA PRIVATE KEY", a[:na] + b[nb:nb + lb] + a[na + la:]))
# Known bug: accepted, but the parameters forbid SHA-256, so it can neither sign nor verify;
# with SHA3-224 (found by the fuzzer) OpenSSL cannot even encode the key again.
SHA512, SHA3_224 = bytes.fromhex("608648016503040203"), bytes.fromhex("608648016503040207")
write("private_key_pem", "bug-rsa-pss-sha512-only.pem", read("rsapss-sha512.pem"))
write("private_key_pem", "bug-rsa-pss-sha3-224-only.pem",
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
# Known bug: cosign accepts it, signet does not.
wrapped = b"\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + b"\n"
write("signature", "bug-valid-der-base64-wrapped-76.b64", wrapped)
# Known bug: libsodium 1.0.18 takes bytes 0x80-0xff for '/', so this verifies in signet; Go
# refuses it as base64 and cosign reads it as (invalid) raw bytes.
slash = next(base64.b64encode(d) for d in sigs if b"/" in base64.b64encode(d))
write("signature", "bug-valid-der-base64-slash-as-0xff.b64", slash.replace(b"/", b"\xff", 1))

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
PYTHON

for d in $targets; do
    mkdir -p "$corpora/$d"
    find "$corpora/$d" -maxdepth 1 -type f ! -name 'found-*' -delete
    cp "$tmp/corpora/$d"/* "$corpora/$d/"
done
