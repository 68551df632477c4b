/*
 * signet_key_parse_public(): SPKI "PUBLIC KEY" and PKCS#1 "RSA PUBLIC KEY" PEM. Accepted keys
 * must round-trip through signet_key_public_pem() and must be usable to verify (they reject a
 * signature that does not match, whatever odd parameters they carry).
 */
#include "fuzz_common.h"

/* A DER ECDSA signature and a raw r||s one, neither valid for any key. */
static const unsigned char der_sig[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
static const unsigned char raw_sig[64] = {1, [32] = 1};

static void
check_verifies(const signet_key *key, const void *sig, size_t sig_len)
{
    signet_ctx *ctx = fuzz_begin();
    int rc = signet_verify_data(ctx, key, sig, sig_len, FUZZ_MESSAGE, FUZZ_MESSAGE_LEN);

    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EVERIFY) | FUZZ_RC(SIGNET_ECRYPTO), rc == SIGNET_OK);
    FUZZ_CHECK(rc != SIGNET_OK);
    signet_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_key *key = NULL;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    rc = signet_key_parse_public(&key, ctx, fuzz_bytes(data), size, "fuzz");
    fuzz_check_rc(ctx, rc,
                  FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_EUNSUPPORTED) | FUZZ_RC(SIGNET_ETOOLARGE),
                  key != NULL);
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(fuzz_key_type_valid(signet_key_get_type(key)));
        FUZZ_CHECK(!signet_key_has_private(key));
        signet_key_free(fuzz_check_public_round_trip(key));
        check_verifies(key, der_sig, sizeof(der_sig));
        check_verifies(key, raw_sig, sizeof(raw_sig));
    }
    signet_key_free(key);
    signet_ctx_free(ctx);
    return 0;
}
