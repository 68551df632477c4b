#!/bin/bash
# End-to-end tests of the key commands: generate-key-pair, import-key-pair, public-key.
. "$(dirname "$0")/lib.sh"
require_env
require_python
require_openssl

KEYS=$VECTORS/cosign/keys
PTY=("$PY" "$E2E_DIR/pty_answer.py")
PROMPT1="Enter password for private key: "
PROMPT2="Enter password for private key again: "

# A cosign private key file: right labels, nothing else around them.
expect_private_pem() {
    expect_first_line "$1" "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"
    expect_last_line "$1" "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----"
}

expect_public_pem() {
    expect_first_line "$1" "-----BEGIN PUBLIC KEY-----"
    expect_last_line "$1" "-----END PUBLIC KEY-----"
}

# KEY decrypts with PASSWORD to the public key PUB (signet's own reading of it).
expect_key_opens() {
    COSIGN_PASSWORD=$2 run "$SIGNET" public-key --key "$1"
    expect_status 0
    expect_stdout_equals_file "$3"
}

# ---------------------------------------------------------------------------------------------
new_test "generate-key-pair: default prefix, modes, labels"
COSIGN_PASSWORD=first run "$SIGNET" generate-key-pair
expect_status 0
expect_stdout_empty
expect_stderr_contains "Private key written to cosign.key"
expect_stderr_contains "Public key written to cosign.pub"
expect_file_mode cosign.key 600
expect_file_mode cosign.pub 644
expect_private_pem cosign.key
expect_public_pem cosign.pub
expect_key_opens cosign.key first cosign.pub
COSIGN_PASSWORD=second run "$SIGNET" public-key --key cosign.key
expect_failure 2 "incorrect password"
# An ECDSA P-256 key, as cosign generates (openssl reads the public key independently).
run openssl pkey -pubin -in cosign.pub -noout -text
check "the public key is ECDSA P-256 (openssl)" grep -q "NIST CURVE: P-256" "$RUN_OUT"

# Refusing to overwrite leaves both files exactly as they were.
cp cosign.key old.key
cp cosign.pub old.pub
COSIGN_PASSWORD=first run "$SIGNET" generate-key-pair
expect_failure 2 "refusing to overwrite.*cosign\.key"
expect_same_file cosign.key old.key "cosign.key unchanged after a refused overwrite"
expect_same_file cosign.pub old.pub "cosign.pub unchanged after a refused overwrite"

# --force replaces both with a new key; a loosened mode on the old key does not survive.
chmod 644 cosign.key
COSIGN_PASSWORD=third run "$SIGNET" generate-key-pair --force
expect_status 0
expect_stdout_empty
expect_different_file cosign.key old.key "--force wrote a new private key"
expect_different_file cosign.pub old.pub "--force wrote a new public key"
expect_file_mode cosign.key 600
expect_file_mode cosign.pub 644
expect_key_opens cosign.key third cosign.pub

# ---------------------------------------------------------------------------------------------
new_test "generate-key-pair: custom prefix"
COSIGN_PASSWORD=pw run "$SIGNET" generate-key-pair --output-key-prefix mine
expect_status 0
expect_stdout_empty
expect_stderr_contains "Private key written to mine.key"
expect_file_mode mine.key 600
expect_file_mode mine.pub 644
expect_no_file cosign.key
expect_no_file cosign.pub
expect_private_pem mine.key
expect_public_pem mine.pub
expect_key_opens mine.key pw mine.pub
# Two runs give two different keys (fresh randomness).
COSIGN_PASSWORD=pw run "$SIGNET" generate-key-pair --output-key-prefix=other
expect_status 0
expect_different_file mine.pub other.pub "two generated keys differ"

# ---------------------------------------------------------------------------------------------
new_test "generate-key-pair: empty COSIGN_PASSWORD is a password"
COSIGN_PASSWORD="" run "$SIGNET" generate-key-pair
expect_status 0
expect_stdout_empty
expect_key_opens cosign.key "" cosign.pub
COSIGN_PASSWORD=x run "$SIGNET" public-key --key cosign.key
expect_failure 2 "incorrect password"

# ---------------------------------------------------------------------------------------------
new_test "no COSIGN_PASSWORD and no terminal: an error naming COSIGN_PASSWORD"
# setsid: a new session has no controlling terminal, so /dev/tty cannot be opened either.
run setsid -w "$SIGNET" generate-key-pair
expect_failure 2 "COSIGN_PASSWORD"
expect_no_file cosign.key
expect_no_file cosign.pub
COSIGN_PASSWORD=pw "$SIGNET" generate-key-pair --output-key-prefix k 2>/dev/null
echo data >blob
run setsid -w "$SIGNET" public-key --key k.key
expect_failure 2 "COSIGN_PASSWORD"
run setsid -w "$SIGNET" sign-blob --key k.key --tlog-upload=false blob
expect_failure 2 "COSIGN_PASSWORD"
run setsid -w "$SIGNET" import-key-pair --key "$KEYS/cosign-validecp256-import.pem" -o imp
expect_failure 2 "COSIGN_PASSWORD"
expect_no_file imp.key

# ---------------------------------------------------------------------------------------------
new_test "password on the terminal (pseudo-terminal driven by $PY pty)"
run "${PTY[@]}" "$PROMPT1" "tty secret" "$PROMPT2" "tty secret" -- "$SIGNET" generate-key-pair
expect_status 0
expect_stdout_contains "$PROMPT1"
expect_stdout_contains "$PROMPT2"
check "the password is not echoed" sh -c '! grep -q "tty secret" "$1"' - "$RUN_OUT"
expect_stdout_contains "Private key written to cosign.key"
expect_file_mode cosign.key 600
expect_private_pem cosign.key
expect_key_opens cosign.key "tty secret" cosign.pub
COSIGN_PASSWORD="" run "$SIGNET" public-key --key cosign.key
expect_failure 2 "incorrect password"

# Loading a key asks once.
run "${PTY[@]}" "$PROMPT1" "tty secret" -- "$SIGNET" public-key --key cosign.key
expect_status 0
check "public-key on a terminal prints the key" grep -qF "$(sed -n 2p cosign.pub)" "$RUN_OUT"
check "public-key asks only once" sh -c '! grep -q "again" "$1"' - "$RUN_OUT"
run "${PTY[@]}" "$PROMPT1" "not it" -- "$SIGNET" public-key --key cosign.key
expect_status 2
expect_stdout_contains "incorrect password"

run "${PTY[@]}" "$PROMPT1" "one" "$PROMPT2" "two" -- "$SIGNET" generate-key-pair --output-key-prefix mismatch
expect_status 2
expect_stdout_contains "passwords do not match"
expect_no_file mismatch.key
expect_no_file mismatch.pub

# ---------------------------------------------------------------------------------------------
new_test "import-key-pair: cosign's test keys"
for name in cosign-validecp256-import cosign-validecpkcs8-import; do
    COSIGN_PASSWORD=imp run "$SIGNET" import-key-pair --key "$KEYS/$name.pem" -o "$name"
    expect_status 0
    expect_stdout_empty
    expect_same_file "$name.pub" "$KEYS/$name.DERIVED.pub" "$name: public key identical to the vector"
    expect_file_mode "$name.key" 600
    expect_file_mode "$name.pub" 644
    expect_private_pem "$name.key"
    expect_key_opens "$name.key" imp "$KEYS/$name.DERIVED.pub"
done
# Without -o the prefix is import-cosign, as in cosign.
COSIGN_PASSWORD=imp run "$SIGNET" import-key-pair --key "$KEYS/cosign-validecp256-import.pem"
expect_status 0
expect_same_file import-cosign.pub "$KEYS/cosign-validecp256-import.DERIVED.pub"
expect_file_mode import-cosign.key 600
COSIGN_PASSWORD=imp run "$SIGNET" import-key-pair --key "$KEYS/cosign-validecp256-import.pem"
expect_failure 2 "refusing to overwrite"
COSIGN_PASSWORD=imp run "$SIGNET" import-key-pair --key "$KEYS/cosign-validecp256-import.pem" --yes
expect_status 0

# ---------------------------------------------------------------------------------------------
new_test "import-key-pair: openssl keys of every accepted kind, then sign and verify"
openssl genrsa -traditional -out rsa2048.pem 2048 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out rsa4096.pem 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out p384.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pem
openssl genpkey -algorithm ED25519 -out ed25519.pem
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss.pem 2>/dev/null
# The inputs are of the intended encodings, else this test would not cover them.
expect_first_line rsa2048.pem "-----BEGIN RSA PRIVATE KEY-----"
expect_first_line rsa4096.pem "-----BEGIN PRIVATE KEY-----"
expect_first_line p384.pem "-----BEGIN EC PRIVATE KEY-----"
expect_first_line p521.pem "-----BEGIN PRIVATE KEY-----"
head -c 3000 /dev/urandom >blob
for k in rsa2048 rsa4096 p384 p521 ed25519 rsapss; do
    COSIGN_PASSWORD="pw $k" run "$SIGNET" import-key-pair --key $k.pem -o imp-$k
    expect_status 0
    expect_stdout_empty
    expect_file_mode imp-$k.key 600
    expect_file_mode imp-$k.pub 644
    expect_private_pem imp-$k.key
    # openssl derives the public key independently.
    openssl pkey -in $k.pem -pubout -out $k.openssl.pub
    expect_same_file imp-$k.pub $k.openssl.pub "$k: public key identical to openssl's"
    expect_key_opens imp-$k.key "pw $k" $k.openssl.pub
    COSIGN_PASSWORD="pw $k" run "$SIGNET" sign-blob --key imp-$k.key --tlog-upload=false --output-signature $k.sig blob
    expect_status 0
    run "$SIGNET" verify-blob --key imp-$k.pub --signature $k.sig blob
    expect_verified
done

# ---------------------------------------------------------------------------------------------
new_test "import-key-pair: refused keys and inputs"
openssl genrsa -out rsa1024.pem 1024 2>/dev/null
openssl ecparam -name secp224r1 -genkey -noout -out p224.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
openssl pkcs8 -topk8 -in p256.pem -passout pass:secret -out encrypted.pem
openssl pkey -in p256.pem -pubout -out p256.pub
expect_first_line encrypted.pem "-----BEGIN ENCRYPTED PRIVATE KEY-----"
echo "this is not a key" >junk.pem
: >empty.pem
mkdir adir
ln -s p256.pem link.pem

refused() { # FILE REGEX: import is refused with that message and writes nothing
    COSIGN_PASSWORD=pw run "$SIGNET" import-key-pair --key "$1" -o out
    expect_failure 2 "$2"
    expect_no_file out.key
    expect_no_file out.pub
}
refused rsa1024.pem "1024"
refused p224.pem "P-224|secp224r1"
refused encrypted.pem "ENCRYPTED PRIVATE KEY"
refused p256.pub "'PUBLIC KEY'|public key"
refused junk.pem "junk\.pem.*(not a PEM|no (valid )?PEM)"
refused empty.pem "empty\.pem.*(empty|not a PEM|no (valid )?PEM)"
refused adir "adir.*is a directory"
refused missing.pem "missing\.pem.*(no such file|not found|does not exist)"
refused link.pem "link\.pem.*symbolic link"
# The same key through a real path is fine: only the link was refused.
COSIGN_PASSWORD=pw run "$SIGNET" import-key-pair --key p256.pem -o out
expect_status 0

# ---------------------------------------------------------------------------------------------
new_test "public-key: every vector key gives its derived public key"
# name:password, passwords from shared/vectors/cosign/README.md
for entry in cosign-pemcosignkey:hello cosign-pemsigstorekey:hello \
    rs-cosign_generated_encrypted_empty_private: rs-ecdsa_encrypted_private:123 \
    rs-rsa_encrypted_private:123; do
    name=${entry%%:*}
    COSIGN_PASSWORD=${entry#*:} run "$SIGNET" public-key --key "$KEYS/$name.key"
    expect_status 0
    expect_stdout_equals_file "$KEYS/$name.DERIVED.pub"
    COSIGN_PASSWORD="wrong${entry#*:}" run "$SIGNET" public-key --key "$KEYS/$name.key"
    expect_failure 2 "incorrect password"
done

# Decrypts, but the plaintext is SEC1, not PKCS#8: cosign refuses it and so must signet.
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key "$KEYS/cosign-pemcosigneckey-sec1-NEGATIVE.key"
expect_failure 2 "not PKCS#8"

# A public key or a plain private key is not a cosign key.
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key "$KEYS/cosign-pemsigstorekey.DERIVED.pub"
expect_failure 2 "PUBLIC KEY"
: >empty.key
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key empty.key
expect_failure 2 "empty\.key.*(empty|not a PEM|no (valid )?PEM)"
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key missing.key
expect_failure 2 "missing\.key.*(no such file|not found|does not exist)"

# ---------------------------------------------------------------------------------------------
new_test "public-key --outfile"
VEC=$KEYS/cosign-pemsigstorekey
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key "$VEC.key" --outfile out.pub
expect_status 0
expect_stdout_empty
expect_stderr_contains "Public key written to out.pub"
expect_same_file out.pub "$VEC.DERIVED.pub"
# Refuses to overwrite without --force, and leaves the file alone.
printf 'keep me, I am longer than a public key: %0300d\n' 0 >other.pub
cp other.pub before.pub
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key "$VEC.key" --outfile other.pub
expect_failure 2 "refusing to overwrite.*other\.pub"
expect_same_file other.pub before.pub "other.pub unchanged after a refused overwrite"
# --force replaces all of it (no stale tail).
COSIGN_PASSWORD=hello run "$SIGNET" public-key --key "$VEC.key" --outfile other.pub --force
expect_status 0
expect_stdout_empty
expect_same_file other.pub "$VEC.DERIVED.pub" "--force rewrote other.pub exactly"
# A wrong password writes nothing.
COSIGN_PASSWORD=nope run "$SIGNET" public-key --key "$VEC.key" --outfile never.pub
expect_failure 2 "incorrect password"
expect_no_file never.pub

finish
