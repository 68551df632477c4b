/*
 * signet_key_parse_private_pem(): plaintext PKCS#1, SEC1 and PKCS#8 PEM, as import-key-pair
 * reads them.
 */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_key *key = NULL;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    rc = signet_key_parse_private_pem(&key, ctx, fuzz_bytes(data), size, "fuzz");
    fuzz_check_rc(ctx, rc,
                  FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_EUNSUPPORTED) | FUZZ_RC(SIGNET_ETOOLARGE),
                  key != NULL);
    if (rc == SIGNET_OK)
        fuzz_check_private_key(key);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return 0;
}
