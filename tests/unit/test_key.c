#include "internal.h"
#include "testkeys.h"

#include <jansson.h>

struct vector_key {
    const char *name;
    const char *password;
    int has_pkcs8; /* a DECRYPTED.pkcs8.der file exists */
};

/* shared/vectors/cosign/README.md: keys/, with their passwords. */
static const struct vector_key vector_keys[] = {
    {"cosign-pemcosignkey", "hello", 1},
    {"cosign-pemsigstorekey", "hello", 1},
    {"rs-cosign_generated_encrypted_empty_private", "", 1},
    {"rs-ecdsa_encrypted_private", "123", 1},
    {"rs-rsa_encrypted_private", "123", 0},
};

static void
check_public_matches(const signet_key *key, const char *pub_vector)
{
    signet_buf pub = SIGNET_BUF_INIT, want = SIGNET_BUF_INIT;

    signet_buf_init(&pub, 8192, 0);
    CHECK_OK(signet_key_public_pem(&pub, harness_ctx, key));
    harness_read(&want, harness_vector(pub_vector));
    CHECK(pub.size == want.size && memcmp(pub.ptr, want.ptr, want.size) == 0);
    signet_buf_dispose(&pub);
    signet_buf_dispose(&want);
}

static void
test_key__vectors_decrypt_to_their_public_keys(void)
{
    char rel[256];

    for (size_t i = 0; i < sizeof(vector_keys) / sizeof(vector_keys[0]); i++) {
        const struct vector_key *v = &vector_keys[i];
        signet_key *key = NULL;

        snprintf(rel, sizeof(rel), "cosign/keys/%s.key", v->name);
        CHECK_OK(signet_key_load(&key, harness_ctx, harness_vector(rel), v->password,
                                 strlen(v->password)));
        if (key == NULL)
            continue;
        CHECK(signet_key_has_private(key));
        snprintf(rel, sizeof(rel), "cosign/keys/%s.DERIVED.pub", v->name);
        check_public_matches(key, rel);
        if (v->has_pkcs8) {
            /* Re-encoding gives back the exact PKCS#8 plaintext cosign encrypted. */
            signet_buf der = SIGNET_BUF_INIT, want = SIGNET_BUF_INIT;
            signet_buf_init(&der, 8192, 1);
            CHECK_OK(signet_key__to_pkcs8(&der, harness_ctx, key));
            snprintf(rel, sizeof(rel), "cosign/keys/%s.DECRYPTED.pkcs8.der", v->name);
            harness_read(&want, harness_vector(rel));
            CHECK(der.size == want.size && memcmp(der.ptr, want.ptr, want.size) == 0);
            signet_buf_dispose(&der);
            signet_buf_dispose(&want);
        }
        signet_key_free(key);
    }
}

static void
test_key__rsa_vector_is_rsa_4096(void)
{
    signet_key *key = NULL;

    CHECK_OK(signet_key_load(&key, harness_ctx,
                             harness_vector("cosign/keys/rs-rsa_encrypted_private.key"), "123", 3));
    CHECK(signet_key_get_type(key) == SIGNET_KEY_RSA);
    CHECK(key != NULL && EVP_PKEY_get_bits(key->pkey) == 4096);
    signet_key_free(key);
}

static void
test_key__sec1_plaintext_is_refused(void)
{
    signet_key *key = NULL;

    CHECK_FAIL_WITH(
        SIGNET_EUNSUPPORTED, "not PKCS#8",
        signet_key_load(&key, harness_ctx,
                        harness_vector("cosign/keys/cosign-pemcosigneckey-sec1-NEGATIVE.key"),
                        "hello", 5));
    CHECK(key == NULL);
}

static void
test_key__wrong_password_is_reported(void)
{
    signet_key *key = NULL;
    const char *path = harness_vector("cosign/keys/cosign-pemcosignkey.key");

    CHECK_FAIL_WITH(SIGNET_EPASSWORD, "incorrect password",
                    signet_key_load(&key, harness_ctx, path, "hellO", 5));
    CHECK_FAIL_WITH(SIGNET_EPASSWORD, "decrypting '",
                    signet_key_load(&key, harness_ctx, path, "", 0));
    CHECK(key == NULL);
}

/* The JSON inside an encrypted key PEM. */
static json_t *
envelope_json(const signet_buf *pem)
{
    signet_buf label = SIGNET_BUF_INIT, body = SIGNET_BUF_INIT;
    json_t *root;

    signet_buf_init(&label, 128, 0);
    signet_buf_init(&body, 64 * 1024, 0);
    CHECK_OK(signet_pem__decode(&label, &body, harness_ctx, pem->ptr, pem->size, "t"));
    CHECK(strcmp(label.ptr, "ENCRYPTED SIGSTORE PRIVATE KEY") == 0);
    root = json_loadb(body.ptr, body.size, 0, NULL);
    CHECK(root != NULL);
    signet_buf_dispose(&label);
    signet_buf_dispose(&body);
    return root;
}

static void
test_key__encrypted_key_has_cosigns_layout(void)
{
    signet_key *key = NULL, *back = NULL;
    signet_buf pem = SIGNET_BUF_INIT, b = SIGNET_BUF_INIT, body = SIGNET_BUF_INIT;
    json_t *root;

    CHECK_OK(signet_key_generate(&key, harness_ctx));
    CHECK(signet_key_get_type(key) == SIGNET_KEY_ECDSA_P256);
    signet_buf_init(&pem, 64 * 1024, 0);
    CHECK_OK(signet_key_encrypt_cosign(&pem, harness_ctx, key, "pw", 2));
    root = envelope_json(&pem);
    {
        /* Exactly cosign's bytes apart from the random values: compact, this key order. */
        signet_buf label = SIGNET_BUF_INIT;
        signet_buf_init(&label, 128, 0);
        signet_buf_init(&body, 64 * 1024, 0);
        CHECK_OK(signet_pem__decode(&label, &body, harness_ctx, pem.ptr, pem.size, "t"));
        CHECK(strncmp(body.ptr,
                      "{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":65536,\"r\":8,\"p\":1},"
                      "\"salt\":\"",
                      63) == 0);
        CHECK(strstr(body.ptr, "\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"") != NULL);
        CHECK(strstr(body.ptr, "\"},\"ciphertext\":\"") != NULL);
        signet_buf_dispose(&label);
    }
    signet_buf_init(&b, 1024, 0);
    CHECK_OK(signet_base64__decode(
        &b, harness_ctx, json_string_value(json_object_get(json_object_get(root, "kdf"), "salt")),
        44, "salt"));
    CHECK(b.size == 32);
    signet_buf_dispose(&b);
    signet_buf_init(&b, 1024, 0);
    CHECK_OK(signet_base64__decode(
        &b, harness_ctx,
        json_string_value(json_object_get(json_object_get(root, "cipher"), "nonce")), 32, "nonce"));
    CHECK(b.size == 24);
    signet_buf_dispose(&b);
    /* And it reads back. */
    CHECK_OK(signet_key_decrypt_cosign(&back, harness_ctx, pem.ptr, pem.size, "pw", 2, "t"));
    CHECK(signet_key_get_type(back) == SIGNET_KEY_ECDSA_P256);
    CHECK(back != NULL && EVP_PKEY_eq(key->pkey, back->pkey) == 1);
    json_decref(root);
    signet_buf_dispose(&body);
    signet_buf_dispose(&pem);
    signet_key_free(back);
    signet_key_free(key);
}

/* Re-wrap a modified envelope and try to decrypt it with "pw". */
static int
decrypt_modified(json_t *root, const char *label)
{
    signet_buf pem = SIGNET_BUF_INIT;
    signet_key *key = NULL;
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc;

    signet_buf_init(&pem, 64 * 1024, 0);
    CHECK(signet_pem__encode(&pem, harness_ctx, label, text, strlen(text)) == SIGNET_OK);
    rc = signet_key_decrypt_cosign(&key, harness_ctx, pem.ptr, pem.size, "pw", 2, "k");
    CHECK(rc != SIGNET_OK || key != NULL);
    signet_key_free(key);
    signet_buf_dispose(&pem);
    free(text);
    return rc;
}

static void
test_key__unexpected_envelopes_are_refused(void)
{
    static const struct {
        const char *path; /* "kdf.params.N" etc.; "" = top level */
        const char *field;
        const char *json_value; /* NULL = delete the field */
        int code;
        const char *message;
    } cases[] = {
        {"kdf", "name", "\"argon2\"", SIGNET_EUNSUPPORTED, "unknown kdf name \"argon2\""},
        {"cipher", "name", "\"aes-gcm\"", SIGNET_EUNSUPPORTED, "unknown cipher name \"aes-gcm\""},
        {"kdf.params", "N", "16384", SIGNET_EUNSUPPORTED, "unsupported scrypt parameters N=16384"},
        {"kdf.params", "N", "1048576", SIGNET_EUNSUPPORTED, "unsupported scrypt parameters"},
        {"kdf.params", "N", "65537", SIGNET_EUNSUPPORTED, "unsupported scrypt parameters"},
        {"kdf.params", "r", "16", SIGNET_EUNSUPPORTED, "r=16"},
        {"kdf.params", "p", "2", SIGNET_EUNSUPPORTED, "p=2"},
        {"kdf.params", "N", "\"65536\"", SIGNET_EPARSE, "must be integers"},
        {"kdf.params", "q", "1", SIGNET_EUNSUPPORTED, "unknown field \"q\" in kdf.params"},
        {"", "extra", "true", SIGNET_EUNSUPPORTED, "unknown field \"extra\""},
        {"kdf", "salt", NULL, SIGNET_EPARSE, "kdf.salt is missing"},
        {"kdf", "salt", "\"\"", SIGNET_EPARSE, "kdf.salt is empty"},
        {"kdf", "salt", "\"***\"", SIGNET_EPARSE, "not valid base64"},
        {"cipher", "nonce", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"", SIGNET_EPARSE,
         "incorrect nonce size"},
        {"", "ciphertext", "\"AAAAAAAAAAA=\"", SIGNET_EPARSE, "ciphertext too short"},
        {"", "ciphertext", NULL, SIGNET_EPARSE, "ciphertext is missing"},
        {"", "kdf", "[]", SIGNET_EPARSE, "kdf is not a JSON object"},
        {"", "cipher", "\"x\"", SIGNET_EPARSE, "cipher is not a JSON object"},
    };
    signet_key *key = NULL;
    signet_buf pem = SIGNET_BUF_INIT;

    CHECK_OK(signet_key_generate(&key, harness_ctx));
    signet_buf_init(&pem, 64 * 1024, 0);
    CHECK_OK(signet_key_encrypt_cosign(&pem, harness_ctx, key, "pw", 2));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *root = envelope_json(&pem), *obj = root;
        char path[64], *save = NULL, *part;

        snprintf(path, sizeof(path), "%s", cases[i].path);
        for (part = strtok_r(path, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save))
            obj = json_object_get(obj, part);
        if (cases[i].json_value == NULL)
            json_object_del(obj, cases[i].field);
        else
            json_object_set_new(obj, cases[i].field,
                                json_loads(cases[i].json_value, JSON_DECODE_ANY, NULL));
        CHECK_FAIL_WITH(cases[i].code, cases[i].message,
                        decrypt_modified(root, "ENCRYPTED SIGSTORE PRIVATE KEY"));
        json_decref(root);
    }
    {
        json_t *root = envelope_json(&pem);
        CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "unsupported PEM type 'PRIVATE KEY'",
                        decrypt_modified(root, "PRIVATE KEY"));
        /* The older label still reads. */
        CHECK_OK(decrypt_modified(root, "ENCRYPTED COSIGN PRIVATE KEY"));
        json_decref(root);
    }
    signet_buf_dispose(&pem);
    signet_key_free(key);
}

static void
test_key__malformed_json_is_refused(void)
{
    static const char *const bodies[] = {
        "[1,2]",
        "{\"kdf\":{},\"kdf\":{}}",
        "not json",
        "{\"kdf\":",
    };
    signet_buf pem = SIGNET_BUF_INIT;
    signet_key *key = NULL;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        signet_buf_init(&pem, 4096, 0);
        CHECK_OK(signet_pem__encode(&pem, harness_ctx, "ENCRYPTED SIGSTORE PRIVATE KEY", bodies[i],
                                    strlen(bodies[i])));
        CHECK_FAIL_WITH(
            SIGNET_EPARSE, "'k': encrypted key is",
            signet_key_decrypt_cosign(&key, harness_ctx, pem.ptr, pem.size, "pw", 2, "k"));
        CHECK(key == NULL);
        signet_buf_dispose(&pem);
    }
}

static void
test_key__import_accepts_cosigns_key_types(void)
{
    static const struct {
        const char *what;
        int traditional;
        signet_key_type type;
    } cases[] = {
        {"P-256", 1, SIGNET_KEY_ECDSA_P256}, {"P-384", 0, SIGNET_KEY_ECDSA_P384},
        {"P-521", 1, SIGNET_KEY_ECDSA_P521}, {"RSA2048", 1, SIGNET_KEY_RSA},
        {"RSA2048", 0, SIGNET_KEY_RSA},      {"RSA-PSS", 0, SIGNET_KEY_RSA_PSS},
        {"ED25519", 0, SIGNET_KEY_ED25519},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EVP_PKEY *pkey = testkeys_openssl(cases[i].what);
        signet_buf pem = SIGNET_BUF_INIT, enc = SIGNET_BUF_INIT;
        signet_key *key = NULL, *back = NULL;

        testkeys_private_pem(&pem, pkey, cases[i].traditional);
        CHECK_OK(signet_key_parse_private_pem(&key, harness_ctx, pem.ptr, pem.size, "k.pem"));
        CHECK(signet_key_get_type(key) == cases[i].type);
        /* Every importable type survives the cosign envelope. */
        signet_buf_init(&enc, 64 * 1024, 0);
        CHECK_OK(signet_key_encrypt_cosign(&enc, harness_ctx, key, "", 0));
        CHECK_OK(signet_key_decrypt_cosign(&back, harness_ctx, enc.ptr, enc.size, "", 0, "k"));
        CHECK(back != NULL && EVP_PKEY_eq(pkey, back->pkey) == 1);
        signet_key_free(back);
        signet_key_free(key);
        signet_buf_dispose(&enc);
        signet_buf_dispose(&pem);
        EVP_PKEY_free(pkey);
    }
}

static int
parse_private(const char *pem)
{
    signet_key *key = NULL;
    int rc = signet_key_parse_private_pem(&key, harness_ctx, pem, strlen(pem), "k");

    CHECK(rc != SIGNET_OK || key != NULL);
    signet_key_free(key);
    return rc;
}

static void
test_key__import_refuses_weak_and_unknown_keys(void)
{
    static const struct {
        const char *what;
        const char *message;
    } cases[] = {
        {"P-224", "ECDSA curve secp224r1 not allowed"},
        {"RSA1024", "RSA key size 1024 not supported"},
    };
    signet_key *key = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EVP_PKEY *pkey = testkeys_openssl(cases[i].what);
        signet_buf pem = SIGNET_BUF_INIT;

        testkeys_private_pem(&pem, pkey, 0);
        CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, cases[i].message,
                        signet_key_parse_private_pem(&key, harness_ctx, pem.ptr, pem.size, "k"));
        CHECK(key == NULL);
        signet_buf_dispose(&pem);
        EVP_PKEY_free(pkey);
    }
    CHECK_FAIL_WITH(
        SIGNET_EUNSUPPORTED, "unsupported private key PEM type 'PUBLIC KEY'",
        parse_private("-----BEGIN PUBLIC KEY-----\naGVsbG8=\n-----END PUBLIC KEY-----\n"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "'k': malformed EC PRIVATE KEY",
                    parse_private("-----BEGIN EC PRIVATE KEY-----\naGVsbG8=\n"
                                  "-----END EC PRIVATE KEY-----\n"));
    CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "not PKCS#8",
                    parse_private("-----BEGIN PRIVATE KEY-----\naGVsbG8=\n"
                                  "-----END PRIVATE KEY-----\n"));
}

static void
test_key__import_vectors_match_their_public_keys(void)
{
    static const char *const names[] = {"cosign-validecp256-import", "cosign-validecpkcs8-import"};
    char rel[256];

    for (size_t i = 0; i < 2; i++) {
        signet_buf pem = SIGNET_BUF_INIT;
        signet_key *key = NULL;

        snprintf(rel, sizeof(rel), "cosign/keys/%s.pem", names[i]);
        harness_read(&pem, harness_vector(rel));
        CHECK_OK(signet_key_parse_private_pem(&key, harness_ctx, pem.ptr, pem.size, rel));
        snprintf(rel, sizeof(rel), "cosign/keys/%s.DERIVED.pub", names[i]);
        if (key != NULL)
            check_public_matches(key, rel);
        signet_key_free(key);
        signet_buf_dispose(&pem);
    }
}

static void
test_key__public_keys_parse(void)
{
    static const char *const pubs[] = {"cosign/blob/real-v3.1.3-cosign.pub",
                                       "cosign/simplesigning/rs-busybox.pub",
                                       "cosign/simplesigning/rs-suse-rsa.pub"};
    static const signet_key_type types[] = {SIGNET_KEY_ECDSA_P256, SIGNET_KEY_ECDSA_P256,
                                            SIGNET_KEY_RSA};

    for (size_t i = 0; i < 3; i++) {
        signet_key *key = NULL;
        CHECK_OK(signet_key_load(&key, harness_ctx, harness_vector(pubs[i]), NULL, 0));
        CHECK(signet_key_get_type(key) == types[i]);
        CHECK(!signet_key_has_private(key));
        signet_key_free(key);
    }
}

static void
test_key__rsa_public_key_pkcs1_parses(void)
{
    EVP_PKEY *pkey = testkeys_openssl("RSA2048");
    unsigned char *der = NULL;
    int len = i2d_PublicKey(pkey, &der);
    signet_buf pem = SIGNET_BUF_INIT;
    signet_key *key = NULL;

    signet_buf_init(&pem, 8192, 0);
    CHECK_OK(signet_pem__encode(&pem, harness_ctx, "RSA PUBLIC KEY", der, (size_t)len));
    CHECK_OK(signet_key_parse_public(&key, harness_ctx, pem.ptr, pem.size, "rsa.pub"));
    CHECK(key != NULL && EVP_PKEY_eq(pkey, key->pkey) == 1);
    signet_key_free(key);
    signet_buf_dispose(&pem);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
}

static void
test_key__bad_public_keys_are_refused(void)
{
    signet_key *key = NULL;
    const char *cert = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
    const char *trunc =
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----\n";

    CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "are you passing the correct public key?",
                    signet_key_parse_public(&key, harness_ctx, cert, strlen(cert), "c.pem"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "'t.pub': malformed PUBLIC KEY",
                    signet_key_parse_public(&key, harness_ctx, trunc, strlen(trunc), "t.pub"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "not a PEM file",
                    signet_key_parse_public(&key, harness_ctx, "", 0, "empty.pub"));
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "cannot open '/nonexistent.pub'",
                    signet_key_load(&key, harness_ctx, "/nonexistent.pub", NULL, 0));
    CHECK(key == NULL);
}

static void
test_key__oversized_input_is_refused(void)
{
    size_t len = SIGNET_KEY_FILE_MAX + 1;
    char *big = malloc(len);
    signet_key *key = NULL;

    CHECK(big != NULL);
    memset(big, 'A', len);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "larger than",
                    signet_key_parse_public(&key, harness_ctx, big, len, "big.pub"));
    free(big);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_key__vectors_decrypt_to_their_public_keys),
        TEST_CASE(test_key__rsa_vector_is_rsa_4096),
        TEST_CASE(test_key__sec1_plaintext_is_refused),
        TEST_CASE(test_key__wrong_password_is_reported),
        TEST_CASE(test_key__encrypted_key_has_cosigns_layout),
        TEST_CASE(test_key__unexpected_envelopes_are_refused),
        TEST_CASE(test_key__malformed_json_is_refused),
        TEST_CASE(test_key__import_accepts_cosigns_key_types),
        TEST_CASE(test_key__import_refuses_weak_and_unknown_keys),
        TEST_CASE(test_key__import_vectors_match_their_public_keys),
        TEST_CASE(test_key__public_keys_parse),
        TEST_CASE(test_key__rsa_public_key_pkcs1_parses),
        TEST_CASE(test_key__bad_public_keys_are_refused),
        TEST_CASE(test_key__oversized_input_is_refused),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
