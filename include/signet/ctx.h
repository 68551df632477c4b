/*
 * A signet_ctx carries the error state of the calls made with it: the first error code and
 * one-line message set since the last signet_ctx_clear_error() win. One context per thread.
 */
#ifndef SIGNET_CTX_H
#define SIGNET_CTX_H

#include "common.h"

typedef struct signet_ctx signet_ctx;

/**
 * Create a context.
 *
 * @param[out] out the new context; release with signet_ctx_free().
 * @return SIGNET_OK or SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int) signet_ctx_new(signet_ctx **out);

/** Release a context. NULL is allowed. */
SIGNET_EXTERN(void) signet_ctx_free(signet_ctx *ctx);

/**
 * The message of the first error recorded, or "" when none. Owned by @p ctx, valid until the
 * next call that uses @p ctx.
 */
SIGNET_EXTERN(const char *) signet_ctx_error(const signet_ctx *ctx);

/** The code of the first error recorded, SIGNET_OK when none. */
SIGNET_EXTERN(int) signet_ctx_error_code(const signet_ctx *ctx);

/** Forget the recorded error. */
SIGNET_EXTERN(void) signet_ctx_clear_error(signet_ctx *ctx);

#endif
