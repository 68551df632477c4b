#include "harness.h"
#include "internal.h"

static int
b64(signet_buf *out, const char *text)
{
    signet_buf_init(out, 256, 0);
    return signet_base64__decode(out, harness_ctx, text, strlen(text), "test input");
}

static void
test_encoding__base64_decodes_standard_padded(void)
{
    signet_buf out = SIGNET_BUF_INIT;

    CHECK_OK(b64(&out, "aGVsbG8="));
    CHECK(out.size == 5 && memcmp(out.ptr, "hello", 5) == 0);
    signet_buf_dispose(&out);
    CHECK_OK(b64(&out, ""));
    CHECK(out.size == 0);
    signet_buf_dispose(&out);
}

static void
test_encoding__base64_refuses_other_forms(void)
{
    static const char *const bad[] = {"aGVsbG8", "aGVs bG8=", "aGVsbG8_", "a-Vs",
                                      "====", "aGVsbG8=\n", "aGVsbG8==",
                                      /* libsodium 1.0.18 alone reads 0xff as '/' */
                                      "aGVs\xffG8="};
    signet_buf out = SIGNET_BUF_INIT;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_FAIL_WITH(SIGNET_EPARSE, "test input is not valid base64", b64(&out, bad[i]));
        signet_buf_dispose(&out);
    }
}

static void
test_encoding__base64_respects_max(void)
{
    signet_buf out = SIGNET_BUF_INIT;

    signet_buf_init(&out, 2, 0);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "decoding x",
                    signet_base64__decode(&out, harness_ctx, "aGVsbG8=", 8, "x"));
    signet_buf_dispose(&out);
}

static void
test_encoding__base64_round_trip(void)
{
    signet_buf enc = SIGNET_BUF_INIT, dec = SIGNET_BUF_INIT;
    unsigned char data[300];

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7);
    signet_buf_init(&enc, 1024, 0);
    signet_buf_init(&dec, 1024, 0);
    CHECK_OK(signet_base64__encode(&enc, harness_ctx, data, sizeof(data)));
    CHECK(enc.size == 400 && strlen(enc.ptr) == 400);
    CHECK_OK(signet_base64__decode(&dec, harness_ctx, enc.ptr, enc.size, "x"));
    CHECK(dec.size == sizeof(data) && memcmp(dec.ptr, data, sizeof(data)) == 0);
    signet_buf_dispose(&enc);
    signet_buf_dispose(&dec);
}

static int
pem(signet_buf *label, signet_buf *der, const char *text)
{
    signet_buf_init(label, 128, 0);
    signet_buf_init(der, 4096, 0);
    return signet_pem__decode(label, der, harness_ctx, text, strlen(text), "t.pem");
}

static void
test_encoding__pem_takes_first_block_after_text(void)
{
    signet_buf label = SIGNET_BUF_INIT, der = SIGNET_BUF_INIT;

    CHECK_OK(pem(&label, &der,
                 "some text before\n-----BEGIN THING-----\naGVsbG8=\n-----END THING-----\n"
                 "-----BEGIN OTHER-----\nd29ybGQ=\n-----END OTHER-----\n"));
    CHECK(strcmp(label.ptr, "THING") == 0);
    CHECK(der.size == 5 && memcmp(der.ptr, "hello", 5) == 0);
    signet_buf_dispose(&label);
    signet_buf_dispose(&der);
}

static void
test_encoding__pem_refuses_non_pem_and_headers(void)
{
    signet_buf label = SIGNET_BUF_INIT, der = SIGNET_BUF_INIT;

    CHECK_FAIL_WITH(SIGNET_EPARSE, "'t.pem' is not a PEM file", pem(&label, &der, "nothing"));
    signet_buf_dispose(&label);
    signet_buf_dispose(&der);
    CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "PEM headers (legacy PEM encryption)",
                    pem(&label, &der,
                        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: "
                        "AES-128-CBC,00\n\naGVsbG8=\n-----END RSA PRIVATE KEY-----\n"));
    signet_buf_dispose(&label);
    signet_buf_dispose(&der);
    CHECK_FAIL_WITH(SIGNET_EPARSE, "not a PEM file",
                    pem(&label, &der, "-----BEGIN X-----\naGVsbG8=\n-----END Y-----\n"));
    signet_buf_dispose(&label);
    signet_buf_dispose(&der);
}

static void
test_encoding__pem_encode_wraps_at_64(void)
{
    signet_buf out = SIGNET_BUF_INIT, label = SIGNET_BUF_INIT, der = SIGNET_BUF_INIT;
    unsigned char data[91] = {0x30};

    signet_buf_init(&out, 4096, 0);
    CHECK_OK(signet_pem__encode(&out, harness_ctx, "PUBLIC KEY", data, sizeof(data)));
    /* Go's pem.EncodeToMemory layout: 91 bytes = 124 base64 chars = 64 + 60. */
    CHECK(strncmp(out.ptr, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    CHECK(out.ptr[27 + 64] == '\n' && out.ptr[27 + 64 + 61] == '\n');
    CHECK(strcmp(out.ptr + out.size - 25, "-----END PUBLIC KEY-----\n") == 0);
    CHECK_OK(pem(&label, &der, out.ptr));
    CHECK(der.size == sizeof(data) && memcmp(der.ptr, data, sizeof(data)) == 0);
    signet_buf_dispose(&out);
    signet_buf_dispose(&label);
    signet_buf_dispose(&der);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_encoding__base64_decodes_standard_padded),
        TEST_CASE(test_encoding__base64_refuses_other_forms),
        TEST_CASE(test_encoding__base64_respects_max),
        TEST_CASE(test_encoding__base64_round_trip),
        TEST_CASE(test_encoding__pem_takes_first_block_after_text),
        TEST_CASE(test_encoding__pem_refuses_non_pem_and_headers),
        TEST_CASE(test_encoding__pem_encode_wraps_at_64),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
