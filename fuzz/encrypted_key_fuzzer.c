/*
 * signet_key_decrypt_cosign(): cosign's encrypted private key (PEM, JSON, base64, scrypt,
 * secretbox, PKCS#8), with the password of the corpus keys that can be decrypted.
 */
#include "fuzz_common.h"

#define PASSWORD "hello"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_key *key = NULL;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    rc = signet_key_decrypt_cosign(&key, ctx, fuzz_bytes(data), size, PASSWORD,
                                   sizeof(PASSWORD) - 1, "fuzz");
    fuzz_check_rc(ctx, rc,
                  FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_EUNSUPPORTED) |
                      FUZZ_RC(SIGNET_EPASSWORD) | FUZZ_RC(SIGNET_ETOOLARGE),
                  key != NULL);
    if (rc == SIGNET_OK)
        fuzz_check_private_key(key);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return 0;
}
