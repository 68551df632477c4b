#include "harness.h"

#include <stdlib.h>

#define FIX(name) "containers-image/fixtures/" name
#define FPR_08CD  "08CD26E446E2E95249B7A405E932F44B23E8DD43"
#define FPR_B9F4  "B9F4CDB9FD8C475BFA340AC38D54A947EE396F36"
#define FPR_3F01  "3F01D7D3121CACD90125E338602FF35B08633FE2"

static signet_gpg *
with_keys(const char *keyring)
{
    signet_gpg *gpg = NULL;
    signet_buf text = SIGNET_BUF_INIT;

    CHECK_OK(signet_gpg_new(&gpg, harness_ctx, 1, NULL));
    if (gpg == NULL)
        return NULL;
    harness_read(&text, harness_vector(keyring));
    CHECK_OK(signet_gpg_import(gpg, harness_ctx, text.ptr, text.size, keyring));
    signet_buf_dispose(&text);
    return gpg;
}

/* Verify a vector signature; returns the library's code, fills payload and primary. */
static int
verify(signet_gpg *gpg, const char *signature, signet_buf *payload, char *primary)
{
    signet_buf sig = SIGNET_BUF_INIT;
    int rc;

    harness_read(&sig, harness_vector(signature));
    signet_buf_init(payload, 1024 * 1024, 0);
    rc = signet_gpg_verify(payload, primary, harness_ctx, gpg, sig.ptr, sig.size);
    signet_buf_dispose(&sig);
    return rc;
}

static void
test_gpg__containers_image_signature_verifies(void)
{
    signet_gpg *gpg = with_keys(FIX("public-key.gpg"));
    signet_simplesign_claims claims;
    signet_buf payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    CHECK(signet_gpg_key_count(gpg) == 1);
    CHECK(strcmp(signet_gpg_key_fingerprint(gpg, 0), FPR_08CD) == 0);
    CHECK_OK(verify(gpg, FIX("image.signature"), &payload, primary));
    CHECK(strcmp(primary, FPR_08CD) == 0);
    CHECK_OK(signet_simplesign_parse(&claims, harness_ctx, payload.ptr, payload.size));
    CHECK(strcmp(claims.docker_reference, "testing/manifest") == 0);
    CHECK(strcmp(claims.digest, "sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f"
                                "60427e55") == 0);
    CHECK(claims.timestamp == 1458239713);
    signet_buf_dispose(&payload);
    signet_gpg_free(gpg);
}

static void
test_gpg__bad_signatures_are_rejected(void)
{
    static const struct {
        const char *file, *message;
    } cases[] = {
        {FIX("corrupt.signature"), "invalid GPG signature"},
        {FIX("corrupt.signature-v3"), "invalid GPG signature"},
        {FIX("expired.signature"), "invalid GPG signature"},
        {FIX("unknown-key.signature"), "GPG signature"},
        {FIX("unsigned-literal.signature"), ""},
        {FIX("unsigned-encrypted.signature"), ""},
    };
    signet_gpg *gpg = with_keys(FIX("public-key.gpg"));
    signet_buf payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    for (size_t i = 0; gpg != NULL && i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_FAIL_WITH(SIGNET_EVERIFY, cases[i].message,
                        verify(gpg, cases[i].file, &payload, primary));
        CHECK(payload.size == 0 && primary[0] == '\0');
        signet_buf_dispose(&payload);
    }
    signet_gpg_free(gpg);
}

static void
test_gpg__only_imported_keys_are_accepted(void)
{
    signet_gpg *gpg = with_keys(FIX("public-key-2.gpg"));
    signet_buf payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    CHECK_FAIL_WITH(SIGNET_EVERIFY, "GPG signature",
                    verify(gpg, FIX("image.signature"), &payload, primary));
    signet_buf_dispose(&payload);
    signet_gpg_free(gpg);
}

static void
test_gpg__subkey_signatures_map_to_their_primary(void)
{
    signet_gpg *gpg = with_keys(FIX("public-key-with-subkey.gpg"));
    signet_buf payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    CHECK(signet_gpg_key_count(gpg) == 1);
    CHECK_OK(verify(gpg, FIX("subkey.signature"), &payload, primary));
    CHECK(strcmp(primary, FPR_B9F4) == 0);
    signet_buf_dispose(&payload);
    signet_gpg_free(gpg);

    gpg = with_keys(FIX("public-key-with-revoked-subkey.gpg"));
    CHECK_FAIL_WITH(SIGNET_EVERIFY, "GPG signature",
                    verify(gpg, FIX("subkey-revoked.signature"), &payload, primary));
    signet_buf_dispose(&payload);
    signet_gpg_free(gpg);
}

/* A keyring of four keys, imported twice: each primary key is accepted once, and signatures by
 * a primary key and by a subkey both map to their primary. */
static void
test_gpg__keyrings_accept_each_primary_once(void)
{
    static const char *const primaries[] = {"F2B501009F78B0B340221A12A3CD242DA6028093", FPR_08CD,
                                            FPR_B9F4, "6D88C5A1993648A17B2BB0DC6B8499AF63388D63"};
    signet_gpg *gpg = with_keys(FIX("pubring.gpg"));
    signet_buf text = SIGNET_BUF_INIT, payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    harness_read(&text, harness_vector(FIX("pubring.gpg")));
    CHECK_OK(signet_gpg_import(gpg, harness_ctx, text.ptr, text.size, "again"));
    CHECK(signet_gpg_key_count(gpg) == 4);
    for (size_t i = 0; i < 4; i++)
        CHECK(strcmp(signet_gpg_key_fingerprint(gpg, i), primaries[i]) == 0);
    CHECK(signet_gpg_key_fingerprint(gpg, 4) == NULL);
    CHECK_OK(verify(gpg, FIX("image.signature"), &payload, primary));
    CHECK(strcmp(primary, FPR_08CD) == 0);
    signet_buf_dispose(&payload);
    CHECK_OK(verify(gpg, FIX("subkey.signature"), &payload, primary));
    CHECK(strcmp(primary, FPR_B9F4) == 0);
    signet_buf_dispose(&payload);
    CHECK_FAIL_WITH(SIGNET_EVERIFY,
                    "invalid GPG signature by 4D33404E00B470050709F3233EF0F93A1F602997",
                    verify(gpg, FIX("subkey-revoked.signature"), &payload, primary));
    CHECK(primary[0] == '\0');
    signet_buf_dispose(&payload);
    signet_buf_dispose(&text);
    signet_gpg_free(gpg);
}

static void
test_gpg__keyrings_without_keys_are_refused(void)
{
    signet_gpg *gpg = NULL;

    CHECK_OK(signet_gpg_new(&gpg, harness_ctx, 1, NULL));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "'junk' holds no OpenPGP public key",
                    signet_gpg_import(gpg, harness_ctx, "not a key", 9, "junk"));
    CHECK(signet_gpg_key_count(gpg) == 0);
    signet_gpg_free(gpg);
}

static void
test_gpg__skopeo_signature_verifies(void)
{
    signet_gpg *gpg = with_keys("containers-image/interop/simple-signing/signer-pub.gpg");
    signet_simplesign_claims claims;
    signet_buf payload = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    CHECK_OK(verify(gpg, "containers-image/interop/simple-signing/skopeo-1.9.3-standalone.sig",
                    &payload, primary));
    CHECK(strcmp(primary, FPR_3F01) == 0);
    CHECK_OK(signet_simplesign_parse(&claims, harness_ctx, payload.ptr, payload.size));
    CHECK(strcmp(claims.docker_reference, "127.0.0.1:5055/test/gpgimg:v1") == 0);
    CHECK(strncmp(claims.digest, "sha256:fd4b31efa4", 17) == 0);
    signet_buf_dispose(&payload);
    signet_gpg_free(gpg);
}

/* Signed by signet with the skopeo test key; verified by a separate context with only the
 * public key, the way a verifier has it. */
static void
test_gpg__sign_then_verify(void)
{
    signet_gpg *signer =
        with_keys("containers-image/interop/simple-signing/signer-sec-TEST-ONLY.asc");
    signet_gpg *verifier = with_keys("containers-image/interop/simple-signing/signer-pub.gpg");
    signet_buf payload = SIGNET_BUF_INIT, sig = SIGNET_BUF_INIT, back = SIGNET_BUF_INIT;
    signet_simplesign_claims claims;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];

    signet_buf_init(&payload, 4096, 0);
    signet_buf_init(&sig, 1024 * 1024, 0);
    signet_buf_init(&back, 4096, 0);
    CHECK_OK(signet_simplesign_payload(&payload, harness_ctx, "127.0.0.1:5000/t/app:v1",
                                       "sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
                                       "0123456789abcdef",
                                       1700000000));
    CHECK(strcmp(payload.ptr,
                 "{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/t/app:v1\"},"
                 "\"image\":{\"docker-manifest-digest\":\"sha256:0123456789abcdef0123456789abcdef"
                 "0123456789abcdef0123456789abcdef\"},\"type\":\"atomic container signature\"},"
                 "\"optional\":{\"creator\":\"signet " SIGNET_VERSION
                 "\",\"timestamp\":1700000000}}") == 0);
    CHECK_OK(signet_gpg_sign(&sig, harness_ctx, signer, FPR_3F01, payload.ptr, payload.size));
    CHECK(sig.size > 0);
    CHECK_OK(signet_gpg_verify(&back, primary, harness_ctx, verifier, sig.ptr, sig.size));
    CHECK(back.size == payload.size && memcmp(back.ptr, payload.ptr, payload.size) == 0);
    CHECK_OK(signet_simplesign_parse(&claims, harness_ctx, back.ptr, back.size));
    CHECK(claims.timestamp == 1700000000);
    /* One flipped byte in the signed message: not a valid signature any more. */
    sig.ptr[sig.size / 2] ^= 0x01;
    back.size = 0;
    CHECK_FAIL_WITH(SIGNET_EVERIFY, "",
                    signet_gpg_verify(&back, primary, harness_ctx, verifier, sig.ptr, sig.size));
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "no GPG secret key",
                    signet_gpg_sign(&sig, harness_ctx, verifier, FPR_3F01, "x", 1));
    signet_buf_dispose(&back);
    signet_buf_dispose(&sig);
    signet_buf_dispose(&payload);
    signet_gpg_free(verifier);
    signet_gpg_free(signer);
}

/* Signed content past the caller's room stops the verification while gpg writes it: a small
 * compressed message must not expand into memory. */
static void
test_gpg__signed_content_is_bounded(void)
{
    signet_gpg *signer =
        with_keys("containers-image/interop/simple-signing/signer-sec-TEST-ONLY.asc");
    signet_gpg *verifier = with_keys("containers-image/interop/simple-signing/signer-pub.gpg");
    signet_buf sig = SIGNET_BUF_INIT, back = SIGNET_BUF_INIT;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];
    char *zeros = calloc(1, 1024 * 1024);

    signet_buf_init(&sig, 1024 * 1024, 0);
    signet_buf_init(&back, 4096, 0);
    CHECK(zeros != NULL);
    CHECK_OK(signet_gpg_sign(&sig, harness_ctx, signer, FPR_3F01, zeros, 1024 * 1024));
    CHECK(sig.size < 64 * 1024); /* compressed */
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "signed content larger than 4096 bytes",
                    signet_gpg_verify(&back, primary, harness_ctx, verifier, sig.ptr, sig.size));
    CHECK(back.size == 0 && primary[0] == '\0');
    free(zeros);
    signet_buf_dispose(&back);
    signet_buf_dispose(&sig);
    signet_gpg_free(verifier);
    signet_gpg_free(signer);
}

/* Export takes one fingerprint, not a GnuPG pattern that would match many keys. */
static void
test_gpg__export_takes_a_fingerprint(void)
{
    signet_gpg *gpg = with_keys(FIX("pubring.gpg"));
    signet_buf out = SIGNET_BUF_INIT;

    signet_buf_init(&out, 1024 * 1024, 0);
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "no GPG public key '': not a fingerprint",
                    signet_gpg_export(&out, harness_ctx, gpg, ""));
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "no GPG public key 'E932F44B23E8DD43': not a fingerprint",
                    signet_gpg_export(&out, harness_ctx, gpg, "E932F44B23E8DD43"));
    CHECK(out.size == 0);
    CHECK_OK(signet_gpg_export(&out, harness_ctx, gpg, FPR_08CD));
    CHECK(out.size > 0);
    signet_buf_dispose(&out);
    signet_gpg_free(gpg);
}

static void
test_gpg__payloads_are_parsed_strictly(void)
{
    static const struct {
        const char *json, *message;
    } bad[] = {
        {"This is not JSON", "not a simple signing JSON object"},
        {"{\"critical\":{},\"optional\":{}}", "exactly type, image and identity"},
        {"{\"critical\":{\"type\":\"cosign container image signature\",\"image\":{\"docker-"
         "manifest-digest\":\"sha256:00\"},\"identity\":{\"docker-reference\":\"a/b\"}},"
         "\"optional\":{}}",
         "unrecognized signature type"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"sha256:../..\"},\"identity\":{\"docker-reference\":\"a/b\"}},"
         "\"optional\":{}}",
         "invalid docker-manifest-digest"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"sha256:00\"},\"identity\":{\"docker-reference\":\"a/b\"}},"
         "\"optional\":null}",
         "optional must be an object"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"sha256:00\"},\"identity\":{\"docker-reference\":\"a/b\"}},"
         "\"optional\":{\"timestamp\":0.5}}",
         "optional.timestamp is not an integer"},
        {"{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"sha256:00\"},\"identity\":{\"docker-reference\":\"a/b\"}},"
         "\"optional\":{},\"optional\":{}}",
         "not a simple signing JSON object"},
    };
    signet_simplesign_claims claims;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_FAIL_WITH(
            SIGNET_EVERIFY, bad[i].message,
            signet_simplesign_parse(&claims, harness_ctx, bad[i].json, strlen(bad[i].json)));
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_gpg__containers_image_signature_verifies),
        TEST_CASE(test_gpg__bad_signatures_are_rejected),
        TEST_CASE(test_gpg__only_imported_keys_are_accepted),
        TEST_CASE(test_gpg__subkey_signatures_map_to_their_primary),
        TEST_CASE(test_gpg__keyrings_accept_each_primary_once),
        TEST_CASE(test_gpg__keyrings_without_keys_are_refused),
        TEST_CASE(test_gpg__skopeo_signature_verifies),
        TEST_CASE(test_gpg__sign_then_verify),
        TEST_CASE(test_gpg__signed_content_is_bounded),
        TEST_CASE(test_gpg__export_takes_a_fingerprint),
        TEST_CASE(test_gpg__payloads_are_parsed_strictly),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
