/*
 * signet_signature_decode() then signet_verify_data() with a fixed ECDSA P-256 key over a
 * fixed message: base64 or raw text, then ASN.1 DER, raw r||s or garbage signatures.
 */
#include "fuzz_common.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <sodium.h>

/* cosign-pemsigstorekey from the cosign test vectors: corpus signatures made with its private
 * half verify. */
static const char public_key_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7z9gA/tqa9iHt/f9F3ulyVi4lwqU\n"
    "LfHWfhG2mK4eyJ8LDcLstb+VVhxj3pkMjc3fNo+sSfiIY2NLR7c+DG1V4w==\n"
    "-----END PUBLIC KEY-----\n";

#define FIELD_LEN 32

static const signet_key *
fixed_key(void)
{
    static signet_key *key;
    signet_ctx *ctx;

    if (key == NULL) {
        ctx = fuzz_begin();
        FUZZ_CHECK(signet_key_parse_public(&key, ctx, public_key_pem, sizeof(public_key_pem) - 1,
                                           "fixed key") == SIGNET_OK);
        signet_ctx_free(ctx);
    }
    return key;
}

static int
verify(const void *sig, size_t len)
{
    signet_ctx *ctx = fuzz_begin();
    int rc = signet_verify_data(ctx, fixed_key(), sig, len, FUZZ_MESSAGE, FUZZ_MESSAGE_LEN);

    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EVERIFY) | FUZZ_RC(SIGNET_ECRYPTO), rc == SIGNET_OK);
    signet_ctx_free(ctx);
    return rc;
}

/*
 * Strict: cosign (sigstore's ECDSAVerifier) takes a signature that does not parse as ASN.1 as
 * raw r||s, so a raw signature must verify exactly when its DER form does.
 */
static void
check_raw_as_der(const unsigned char *sig, size_t len, int rc)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es;
    BIGNUM *r, *s;
    unsigned char *der = NULL;
    int der_len;

    if (len != 2 * FIELD_LEN)
        return;
    if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL) {
        ECDSA_SIG_free(es); /* parses as ASN.1: cosign would not read it as raw */
        return;
    }
    r = BN_bin2bn(sig, FIELD_LEN, NULL);
    s = BN_bin2bn(sig + FIELD_LEN, FIELD_LEN, NULL);
    es = ECDSA_SIG_new();
    FUZZ_CHECK(r != NULL && s != NULL && es != NULL && ECDSA_SIG_set0(es, r, s));
    der_len = i2d_ECDSA_SIG(es, &der);
    FUZZ_CHECK(der_len > 0);
    FUZZ_CHECK((verify(der, (size_t)der_len) == SIGNET_OK) == (rc == SIGNET_OK));
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
}

static int
is_base64_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}

/*
 * Strict: cosign decodes with Go's base64.StdEncoding, which skips CR and LF anywhere (as in
 * base64 wrapped at 76 columns) and refuses any other byte outside the alphabet; what it
 * decodes, signet must decode the same way, and what it refuses signet must take as raw bytes.
 * (libsodium is only the decoder here once the alphabet is checked: 1.0.18 accepts any byte
 * from 0x80 up as '/'.)
 */
static void
check_base64_as_go(const uint8_t *data, size_t size, const signet_buf *decoded)
{
    unsigned char *text = malloc(size + 1), *bin = malloc(size + 1);
    size_t text_len = 0, bin_len = 0, i;
    const char *end = NULL;
    int alphabet_only = 1, high_byte = 0;

    FUZZ_CHECK(text != NULL && bin != NULL);
    for (i = 0; i < size; i++) {
        high_byte |= data[i] >= 0x80;
        if (data[i] == '\r' || data[i] == '\n')
            continue;
        alphabet_only &= is_base64_char(data[i]);
        text[text_len++] = data[i];
    }
    if (alphabet_only && text_len > 0 && text_len % 4 == 0 &&
        sodium_base642bin(bin, size + 1, (const char *)text, text_len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        end == (const char *)text + text_len)
        FUZZ_CHECK(decoded->size == bin_len && memcmp(decoded->ptr, bin, bin_len) == 0);
    if (high_byte)
        FUZZ_CHECK(decoded->size == size && memcmp(decoded->ptr, data, size) == 0);
    free(bin);
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_buf sig = SIGNET_BUF_INIT;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    /* The limit verify-blob uses. */
    signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
    rc = signet_signature_decode(&sig, ctx, fuzz_bytes(data), size);
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE), sig.size > 0);
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(sig.size > 0 && sig.size <= size);
        rc = verify(sig.ptr, sig.size);
        if (fuzz_strict()) {
            check_base64_as_go(data, size, &sig);
            check_raw_as_der((const unsigned char *)sig.ptr, sig.size, rc);
        }
    }
    signet_buf_dispose(&sig);
    signet_ctx_free(ctx);
    return 0;
}
