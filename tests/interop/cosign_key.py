#!/usr/bin/python3
"""cosign's encrypted key file and blob signatures, implemented independently of signet.

Built only on hashlib.scrypt, PyNaCl (SecretBox) and cryptography, from the format description
(shared/docs/cosign-format.md §1.2): the PEM body is base64 of the JSON
  {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
   "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
with key = scrypt(password, salt, N, r, p, dkLen=32) and ciphertext = secretbox(PKCS#8 DER),
Poly1305 tag first.

  decrypt KEYFILE PASSWORD      print the public key (SPKI PEM) of a cosign key file
  inspect KEYFILE PASSWORD      print the facts of its format, one per line
  encrypt PEM PASSWORD OUT [--label SIGSTORE|COSIGN] [--n N] [--pretty]
                                write a cosign key file for a plain PEM private key
  sign KEYFILE PASSWORD FILE    print a base64 signature of FILE, as cosign sign-blob
  verify PUBPEM SIG FILE        check a signature (SIG: a file of base64, or the base64)

Exit status: 0 ok, 1 signature does not verify, 2 error.
"""
import argparse
import base64
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.secret
import nacl.utils
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

LABELS = ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY")
SCRYPT_N_ACCEPTED = (32768, 65536, 131072)  # cosign's anti-DoS list, all with r=8 p=1
RSASSA_PSS_OID = bytes.fromhex("2a864886f70d01010a")  # 1.2.840.113549.1.1.10
CURVE_HASH = {"secp256r1": hashes.SHA256, "secp384r1": hashes.SHA384, "secp521r1": hashes.SHA512}


class Failure(Exception):
    pass


# --- PEM and a little DER -------------------------------------------------------------------

def pem_decode(text):
    """(label, body bytes) of the first PEM block."""
    lines = text.decode("ascii").splitlines()
    begin = next((i for i, l in enumerate(lines) if l.startswith("-----BEGIN ")), None)
    if begin is None:
        raise Failure("no PEM block")
    label = lines[begin][len("-----BEGIN "):-len("-----")]
    end = lines.index(f"-----END {label}-----", begin)
    return label, base64.b64decode("".join(lines[begin + 1:end]), validate=True)


def pem_encode(label, body):
    b64 = base64.b64encode(body).decode()
    rows = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(rows) + f"\n-----END {label}-----\n"


def der_tlv(buf, i):
    """(tag, content, next offset) of the DER element at offset i."""
    tag, n = buf[i], buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[i:i + k], "big")
        i += k
    return tag, buf[i:i + n], i + n


def der_children(content):
    items, i = [], 0
    while i < len(content):
        tag, value, i = der_tlv(content, i)
        items.append((tag, value))
    return items


def der_encode(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def pkcs8_algorithm_identifier(der):
    """The AlgorithmIdentifier (DER) of a PKCS#8 PrivateKeyInfo; Failure when der is not one."""
    try:
        tag, content, end = der_tlv(der, 0)
        items = der_children(content)
        ok = (tag == 0x30 and end == len(der) and len(items) >= 3 and items[0][0] == 0x02
              and items[0][1] in (b"\x00", b"\x01") and items[1][0] == 0x30
              and items[2][0] == 0x04)
    except IndexError:
        ok = False
    if not ok:
        raise Failure("plaintext is not PKCS#8 PrivateKeyInfo")
    return der_encode(0x30, items[1][1])


def pkcs8_algorithm(der):
    _, content, _ = der_tlv(pkcs8_algorithm_identifier(der), 0)
    return der_children(content)[0][1]


def spki_algorithm(der):
    _, content, _ = der_tlv(der, 0)
    return der_children(der_children(content)[0][1])[0][1]


# --- the key file ---------------------------------------------------------------------------

def scrypt_key(password, salt, n, r, p):
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=256 * 1024 * 1024)


def open_key_file(path, password):
    """(label, raw JSON bytes, parsed JSON, PKCS#8 DER plaintext)."""
    label, body = pem_decode(open(path, "rb").read())
    if label not in LABELS:
        raise Failure(f"unsupported PEM type {label!r}")
    doc = json.loads(body)
    kdf, cipher = doc["kdf"], doc["cipher"]
    if kdf["name"] != "scrypt":
        raise Failure(f"unknown kdf name {kdf['name']!r}")
    if cipher["name"] != "nacl/secretbox":
        raise Failure(f"unknown cipher name {cipher['name']!r}")
    params = kdf["params"]
    if params["N"] not in SCRYPT_N_ACCEPTED or params["r"] != 8 or params["p"] != 1:
        raise Failure("unsupported scrypt parameters")
    nonce = base64.b64decode(cipher["nonce"], validate=True)
    if len(nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise Failure("incorrect nonce size")
    key = scrypt_key(password, base64.b64decode(kdf["salt"], validate=True),
                     params["N"], params["r"], params["p"])
    try:
        # PyNaCl's ciphertext is Go's secretbox.Seal output: Poly1305 tag, then the cipher text.
        plain = nacl.secret.SecretBox(key).decrypt(
            base64.b64decode(doc["ciphertext"], validate=True), nonce)
    except nacl.exceptions.CryptoError:
        raise Failure("decryption failed (incorrect password?)")
    pkcs8_algorithm(plain)  # cosign refuses any other plaintext encoding
    return label, body, doc, plain


def load_private(der):
    return serialization.load_der_private_key(der, password=None)


def public_pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def cmd_decrypt(a):
    _, _, _, plain = open_key_file(a.keyfile, a.password)
    public = load_private(plain).public_key()
    if pkcs8_algorithm(plain) == RSASSA_PSS_OID:
        # cryptography writes RSA-PSS keys as rsaEncryption: keep the key's own algorithm.
        rsa_public = public.public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.PKCS1)
        spki = der_encode(0x30, pkcs8_algorithm_identifier(plain)
                          + der_encode(0x03, b"\x00" + rsa_public))
        sys.stdout.write(pem_encode("PUBLIC KEY", spki))
    else:
        sys.stdout.write(public_pem(public))


def cmd_inspect(a):
    label, body, doc, plain = open_key_file(a.keyfile, a.password)
    raw = open(a.keyfile, "rb").read().decode()
    kdf, cipher = doc["kdf"], doc["cipher"]
    salt = base64.b64decode(kdf["salt"])
    nonce = base64.b64decode(cipher["nonce"])
    box = base64.b64decode(doc["ciphertext"])
    compact = json.dumps(doc, separators=(",", ":")).encode()
    facts = [
        f"label {label}",
        "pem " + ("canonical" if raw == pem_encode(label, body) else "not canonical"),
        "json " + ("compact" if body == compact else "not compact"),
        "keys " + ",".join(doc),
        "kdf.keys " + ",".join(kdf),
        "kdf.name " + kdf["name"],
        "kdf.params " + json.dumps(kdf["params"], separators=(",", ":")),
        f"kdf.salt.bytes {len(salt)}",
        "cipher.keys " + ",".join(cipher),
        "cipher.name " + cipher["name"],
        f"cipher.nonce.bytes {len(nonce)}",
        f"ciphertext.overhead {len(box) - len(plain)}",
        f"plaintext pkcs8 {len(plain)}",
        "salt " + kdf["salt"],
        "nonce " + cipher["nonce"],
    ]
    print("\n".join(facts))


def cmd_encrypt(a):
    key = serialization.load_pem_private_key(open(a.pem, "rb").read(), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    salt = os.urandom(32)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    box = nacl.secret.SecretBox(scrypt_key(a.password, salt, a.n, 8, 1)).encrypt(der, nonce)
    b64 = lambda b: base64.b64encode(b).decode()
    doc = {"kdf": {"name": "scrypt", "params": {"N": a.n, "r": 8, "p": 1}, "salt": b64(salt)},
           "cipher": {"name": "nacl/secretbox", "nonce": b64(nonce)},
           "ciphertext": b64(box.ciphertext)}
    if a.pretty:  # other member order and whitespace: a JSON reader must not care
        doc = {k: doc[k] for k in reversed(list(doc))}
        body = json.dumps(doc, indent=2).encode()
    else:
        body = json.dumps(doc, separators=(",", ":")).encode()
    with open(a.out, "w") as f:
        f.write(pem_encode(f"ENCRYPTED {a.label} PRIVATE KEY", body))


# --- signatures -----------------------------------------------------------------------------

def cmd_sign(a):
    _, _, _, plain = open_key_file(a.keyfile, a.password)
    key = load_private(plain)
    data = open(a.file, "rb").read()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        sig = key.sign(data, ec.ECDSA(CURVE_HASH[key.curve.name]()))
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        sig = key.sign(data)
    elif isinstance(key, rsa.RSAPrivateKey) and pkcs8_algorithm(plain) == RSASSA_PSS_OID:
        # Longest salt, not signet's hash-length one: a verifier must find the salt itself.
        sig = key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH),
                       hashes.SHA256())
    elif isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise Failure(f"unsupported key type {type(key).__name__}")
    print(base64.b64encode(sig).decode())


def cmd_verify(a):
    pem = open(a.pubpem, "rb").read()
    label, der = pem_decode(pem)
    if label != "PUBLIC KEY":
        raise Failure(f"unsupported public key PEM type {label!r}")
    key = serialization.load_der_public_key(der)
    text = open(a.sig, "rb").read() if os.path.isfile(a.sig) else a.sig.encode()
    sig = base64.b64decode(text.strip(), validate=True)
    data = open(a.file, "rb").read()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(CURVE_HASH[key.curve.name]()))  # DER signature
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, data)
        elif isinstance(key, rsa.RSAPublicKey) and spki_algorithm(der) == RSASSA_PSS_OID:
            key.verify(sig, data, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.AUTO),
                       hashes.SHA256())
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise Failure(f"unsupported key type {type(key).__name__}")
    except InvalidSignature:
        print("cosign_key.py: invalid signature", file=sys.stderr)
        return 1
    print("Verified OK", file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("decrypt", "inspect"):
        p = sub.add_parser(name)
        p.add_argument("keyfile")
        p.add_argument("password")
    p = sub.add_parser("encrypt")
    p.add_argument("pem")
    p.add_argument("password")
    p.add_argument("out")
    p.add_argument("--label", choices=("SIGSTORE", "COSIGN"), default="SIGSTORE")
    p.add_argument("--n", type=int, choices=SCRYPT_N_ACCEPTED, default=65536)
    p.add_argument("--pretty", action="store_true")
    p = sub.add_parser("sign")
    p.add_argument("keyfile")
    p.add_argument("password")
    p.add_argument("file")
    p = sub.add_parser("verify")
    p.add_argument("pubpem")
    p.add_argument("sig")
    p.add_argument("file")
    a = ap.parse_args()
    try:
        return globals()["cmd_" + a.command](a) or 0
    except (Failure, ValueError, KeyError, TypeError, OSError) as e:
        print(f"cosign_key.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
