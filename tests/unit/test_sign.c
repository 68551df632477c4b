#include "internal.h"
#include "testkeys.h"

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <unistd.h>

static const char *const kinds[] = {"P-256", "P-384", "P-521", "RSA2048", "RSA-PSS", "ED25519"};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char message[] = "{\"critical\":{\"type\":\"cosign container image signature\"}}";

static void
sign_message(signet_buf *sig, const signet_key *key)
{
    signet_buf_init(sig, SIGNET_SIGNATURE_MAX, 0);
    CHECK_OK(signet_sign_data(sig, harness_ctx, key, message, sizeof(message) - 1));
}

static void
test_sign__round_trip_and_tampering_for_every_key_type(void)
{
    for (size_t i = 0; i < NKINDS; i++) {
        signet_key *key = testkeys_signet(kinds[i]), *other = testkeys_signet(kinds[i]);
        signet_buf sig = SIGNET_BUF_INIT;
        char changed[sizeof(message)];

        if (key == NULL || other == NULL)
            continue;
        sign_message(&sig, key);
        CHECK_OK(
            signet_verify_data(harness_ctx, key, sig.ptr, sig.size, message, sizeof(message) - 1));
        memcpy(changed, message, sizeof(message));
        changed[5] ^= 1;
        CHECK_FAIL_WITH(
            SIGNET_EVERIFY, "does not verify with this",
            signet_verify_data(harness_ctx, key, sig.ptr, sig.size, changed, sizeof(message) - 1));
        CHECK_FAIL_WITH(SIGNET_EVERIFY, "does not verify",
                        signet_verify_data(harness_ctx, other, sig.ptr, sig.size, message,
                                           sizeof(message) - 1));
        sig.ptr[sig.size / 2] ^= 0x40;
        CHECK_FAIL_WITH(
            SIGNET_EVERIFY, "invalid signature",
            signet_verify_data(harness_ctx, key, sig.ptr, sig.size, message, sizeof(message) - 1));
        CHECK_FAIL_WITH(
            SIGNET_EVERIFY, "invalid signature",
            signet_verify_data(harness_ctx, key, sig.ptr, 0, message, sizeof(message) - 1));
        signet_buf_dispose(&sig);
        signet_key_free(other);
        signet_key_free(key);
    }
}

/* OpenSSL, told the hash and padding cosign uses for each key, accepts our signatures. */
static void
test_sign__hash_and_padding_are_cosigns(void)
{
    static const struct {
        const char *kind;
        const char *md;
        int padding; /* 0 = not RSA */
    } cases[] = {
        {"P-256", "SHA256", 0},
        {"P-384", "SHA384", 0},
        {"P-521", "SHA512", 0},
        {"RSA2048", "SHA256", RSA_PKCS1_PADDING},
        {"RSA-PSS", "SHA256", RSA_PKCS1_PSS_PADDING},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        signet_key *key = testkeys_signet(cases[i].kind);
        signet_buf sig = SIGNET_BUF_INIT;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;

        if (key == NULL)
            continue;
        sign_message(&sig, key);
        CHECK(EVP_DigestVerifyInit_ex(md, &pctx, cases[i].md, NULL, NULL, key->pkey, NULL) == 1);
        if (cases[i].padding != 0)
            CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, cases[i].padding) == 1);
        CHECK(EVP_DigestVerify(md, (unsigned char *)sig.ptr, sig.size,
                               (const unsigned char *)message, sizeof(message) - 1) == 1);
        EVP_MD_CTX_free(md);
        signet_buf_dispose(&sig);
        signet_key_free(key);
    }
}

static void
test_sign__ecdsa_raw_r_s_verifies(void)
{
    signet_key *key = testkeys_signet("P-256");
    signet_buf sig = SIGNET_BUF_INIT;
    const unsigned char *p;
    unsigned char raw[64];
    ECDSA_SIG *es;

    if (key == NULL)
        return;
    sign_message(&sig, key);
    p = (const unsigned char *)sig.ptr;
    es = d2i_ECDSA_SIG(NULL, &p, (long)sig.size);
    CHECK(es != NULL);
    CHECK(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) == 32);
    CHECK(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) == 32);
    CHECK_OK(signet_verify_data(harness_ctx, key, raw, sizeof(raw), message, sizeof(message) - 1));
    raw[63] ^= 1;
    CHECK_FAIL_WITH(
        SIGNET_EVERIFY, "invalid signature",
        signet_verify_data(harness_ctx, key, raw, sizeof(raw), message, sizeof(message) - 1));
    ECDSA_SIG_free(es);
    signet_buf_dispose(&sig);
    signet_key_free(key);
}

/* A raw r||s whose first byte is 0x30 (DER's SEQUENCE tag) is still raw. */
static void
test_sign__ecdsa_raw_starting_like_der_verifies(void)
{
    signet_key *key = testkeys_signet("P-256");
    unsigned char raw[64];
    int found = 0;

    for (int i = 0; i < 20000 && !found && key != NULL; i++) {
        signet_buf sig = SIGNET_BUF_INIT;
        const unsigned char *p;
        ECDSA_SIG *es;

        sign_message(&sig, key);
        p = (const unsigned char *)sig.ptr;
        es = d2i_ECDSA_SIG(NULL, &p, (long)sig.size);
        if (es != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32) == 32 && raw[0] == 0x30)
            found = 1;
        ECDSA_SIG_free(es);
        signet_buf_dispose(&sig);
    }
    CHECK(found);
    if (found)
        CHECK_OK(
            signet_verify_data(harness_ctx, key, raw, sizeof(raw), message, sizeof(message) - 1));
    signet_key_free(key);
}

/* A file bigger than the streaming chunk signs the same as its bytes in memory. */
static void
test_sign__streams_match_buffers(void)
{
    size_t len = 3 * 1024 * 1024 + 17;
    unsigned char *data = malloc(len);
    char path[] = "/tmp/signet-unit-XXXXXX";
    int fd = mkstemp(path);

    CHECK(data != NULL && fd >= 0);
    for (size_t i = 0; i < len; i++)
        data[i] = (unsigned char)(i * 31 + (i >> 11));
    CHECK(write(fd, data, len) == (ssize_t)len);
    for (size_t i = 0; i < NKINDS; i++) {
        signet_key *key = testkeys_signet(kinds[i]);
        signet_buf sig = SIGNET_BUF_INIT;

        if (key == NULL)
            continue;
        signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK_OK(signet_sign_fd(&sig, harness_ctx, key, fd, path));
        CHECK_OK(signet_verify_data(harness_ctx, key, sig.ptr, sig.size, data, len));
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK_OK(signet_verify_fd(harness_ctx, key, sig.ptr, sig.size, fd, path));
        /* One changed byte at the end of the file: the stream no longer verifies. */
        {
            unsigned char changed = data[len - 1] ^ 1;
            CHECK(pwrite(fd, &changed, 1, (off_t)(len - 1)) == 1);
            CHECK(lseek(fd, 0, SEEK_SET) == 0);
            CHECK_FAIL_WITH(SIGNET_EVERIFY, path,
                            signet_verify_fd(harness_ctx, key, sig.ptr, sig.size, fd, path));
            CHECK(pwrite(fd, &data[len - 1], 1, (off_t)(len - 1)) == 1);
        }
        signet_buf_dispose(&sig);
        signet_key_free(key);
    }
    close(fd);
    unlink(path);
    free(data);
}

/* Pipes are not mapped: Ed25519 reads them whole, the others stream. */
static void
test_sign__pipes_sign(void)
{
    for (size_t i = 0; i < NKINDS; i++) {
        signet_key *key = testkeys_signet(kinds[i]);
        signet_buf sig = SIGNET_BUF_INIT;
        int p[2];

        if (key == NULL)
            continue;
        CHECK(pipe(p) == 0);
        CHECK(write(p[1], message, sizeof(message) - 1) == (ssize_t)(sizeof(message) - 1));
        close(p[1]);
        signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
        CHECK_OK(signet_sign_fd(&sig, harness_ctx, key, p[0], "pipe"));
        close(p[0]);
        CHECK_OK(
            signet_verify_data(harness_ctx, key, sig.ptr, sig.size, message, sizeof(message) - 1));
        signet_buf_dispose(&sig);
        signet_key_free(key);
    }
}

static void
test_sign__public_key_cannot_sign(void)
{
    signet_key *pub = NULL;
    signet_buf sig = SIGNET_BUF_INIT;

    CHECK_OK(signet_key_load(&pub, harness_ctx,
                             harness_vector("cosign/simplesigning/rs-busybox.pub"), NULL, 0));
    signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
    CHECK_FAIL_WITH(SIGNET_EINVALID, "cannot sign with a public key",
                    signet_sign_data(&sig, harness_ctx, pub, "x", 1));
    signet_buf_dispose(&sig);
    signet_key_free(pub);
}

static void
test_sign__vectors_verify(void)
{
    static const struct {
        const char *pub, *sig, *payload;
    } cases[] = {
        {"cosign/blob/real-v3.1.3-cosign.pub", "cosign/blob/real-v3.1.3-checksums.txt.sig",
         "cosign/blob/real-v3.1.3-checksums.txt"},
        {"cosign/simplesigning/rs-busybox.pub", "cosign/simplesigning/rs-busybox.sig.b64",
         "cosign/simplesigning/rs-busybox.payload.json"},
        {"cosign/simplesigning/rs-suse-rsa.pub", "cosign/simplesigning/rs-suse-rsa.sig.b64",
         "cosign/simplesigning/rs-suse-rsa.payload.json"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        signet_buf text = SIGNET_BUF_INIT, sig = SIGNET_BUF_INIT, payload = SIGNET_BUF_INIT;
        signet_key *key = NULL;

        CHECK_OK(signet_key_load(&key, harness_ctx, harness_vector(cases[i].pub), NULL, 0));
        harness_read(&text, harness_vector(cases[i].sig));
        harness_read(&payload, harness_vector(cases[i].payload));
        signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
        CHECK_OK(signet_signature_decode(&sig, harness_ctx, text.ptr, text.size));
        if (key != NULL && payload.ptr != NULL) {
            CHECK_OK(
                signet_verify_data(harness_ctx, key, sig.ptr, sig.size, payload.ptr, payload.size));
            payload.ptr[payload.size / 2] ^= 1;
            CHECK_FAIL_WITH(
                SIGNET_EVERIFY, "does not verify",
                signet_verify_data(harness_ctx, key, sig.ptr, sig.size, payload.ptr, payload.size));
        }
        signet_key_free(key);
        signet_buf_dispose(&payload);
        signet_buf_dispose(&sig);
        signet_buf_dispose(&text);
    }
}

static void
test_sign__signature_text_decoding(void)
{
    signet_buf out = SIGNET_BUF_INIT;
    const char raw[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x0a};

    signet_buf_init(&out, SIGNET_SIGNATURE_MAX, 0);
    CHECK_OK(signet_signature_decode(&out, harness_ctx, " aGVsbG8=\n", 10));
    CHECK(out.size == 5 && memcmp(out.ptr, "hello", 5) == 0);
    signet_buf_dispose(&out);
    /* Wrapped over lines, as `base64` writes it: Go's decoder skips CR and LF. */
    signet_buf_init(&out, SIGNET_SIGNATURE_MAX, 0);
    CHECK_OK(signet_signature_decode(&out, harness_ctx, "aGVs\r\nbG8=\n", 11));
    CHECK(out.size == 5 && memcmp(out.ptr, "hello", 5) == 0);
    signet_buf_dispose(&out);
    /* Not base64: the bytes themselves, untrimmed (a DER signature may end in 0x0a). */
    signet_buf_init(&out, SIGNET_SIGNATURE_MAX, 0);
    CHECK_OK(signet_signature_decode(&out, harness_ctx, raw, sizeof(raw)));
    CHECK(out.size == sizeof(raw) && memcmp(out.ptr, raw, sizeof(raw)) == 0);
    signet_buf_dispose(&out);
    signet_buf_init(&out, SIGNET_SIGNATURE_MAX, 0);
    CHECK_FAIL_WITH(SIGNET_EPARSE, "signature is empty",
                    signet_signature_decode(&out, harness_ctx, " \n\t", 3));
    signet_buf_dispose(&out);
}

static void
test_sign__oversized_signatures_are_refused(void)
{
    signet_key *key = testkeys_signet("P-256");
    size_t len = SIGNET_SIGNATURE_MAX + 1;
    char *big = calloc(1, len * 2 + 2);
    signet_buf out = SIGNET_BUF_INIT;

    CHECK(big != NULL && key != NULL);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "signature larger than",
                    signet_verify_data(harness_ctx, key, big, len, "x", 1));
    memset(big, 'A', len * 2 + 1);
    signet_buf_init(&out, SIGNET_SIGNATURE_MAX, 0);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "signature larger than",
                    signet_signature_decode(&out, harness_ctx, big, len * 2 + 1));
    signet_buf_dispose(&out);
    free(big);
    signet_key_free(key);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_sign__round_trip_and_tampering_for_every_key_type),
        TEST_CASE(test_sign__hash_and_padding_are_cosigns),
        TEST_CASE(test_sign__ecdsa_raw_r_s_verifies),
        TEST_CASE(test_sign__ecdsa_raw_starting_like_der_verifies),
        TEST_CASE(test_sign__streams_match_buffers),
        TEST_CASE(test_sign__pipes_sign),
        TEST_CASE(test_sign__public_key_cannot_sign),
        TEST_CASE(test_sign__vectors_verify),
        TEST_CASE(test_sign__signature_text_decoding),
        TEST_CASE(test_sign__oversized_signatures_are_refused),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
