/*
 * signet_pem__decode(): the PEM reader under every key parser. Whatever it accepts must
 * survive signet_pem__encode() + decode unchanged.
 */
#include "fuzz_common.h"
#include "internal.h"

#include <string.h>

static void
check_round_trip(const signet_buf *label, const signet_buf *der)
{
    signet_buf pem = SIGNET_BUF_INIT, label2 = SIGNET_BUF_INIT, der2 = SIGNET_BUF_INIT;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    signet_buf_init(&pem, 4 * SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&label2, 128, 0);
    signet_buf_init(&der2, SIGNET_KEY_FILE_MAX, 0);
    FUZZ_CHECK(signet_pem__encode(&pem, ctx, label->ptr, der->ptr, der->size) == SIGNET_OK);
    /* Re-encoding may grow the text past the decoder's limit; that is not a round-trip error. */
    rc = signet_pem__decode(&label2, &der2, ctx, pem.ptr, pem.size, "round trip");
    if (pem.size <= SIGNET_KEY_FILE_MAX) {
        FUZZ_CHECK(rc == SIGNET_OK);
        FUZZ_CHECK(label2.size == label->size && memcmp(label2.ptr, label->ptr, label->size) == 0);
        FUZZ_CHECK(der2.size == der->size && memcmp(der2.ptr, der->ptr, der->size) == 0);
    }
    signet_buf_dispose(&der2);
    signet_buf_dispose(&label2);
    signet_buf_dispose(&pem);
    signet_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_buf label = SIGNET_BUF_INIT, der = SIGNET_BUF_INIT;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    /* key.c's limits; not secret memory, so that AddressSanitizer watches the buffers. */
    signet_buf_init(&label, 128, 0);
    signet_buf_init(&der, SIGNET_KEY_FILE_MAX, 0);
    rc = signet_pem__decode(&label, &der, ctx, fuzz_bytes(data), size, "fuzz");
    /* EUNSUPPORTED: headers (legacy PEM encryption). */
    fuzz_check_rc(ctx, rc,
                  FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_EUNSUPPORTED) | FUZZ_RC(SIGNET_ETOOLARGE),
                  label.size > 0 || der.size > 0);
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(label.ptr != NULL && der.ptr != NULL);
        FUZZ_CHECK(der.size <= size);
        check_round_trip(&label, &der);
    }
    signet_buf_dispose(&der);
    signet_buf_dispose(&label);
    signet_ctx_free(ctx);
    return 0;
}
