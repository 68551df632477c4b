/*
 * Contexts: where the first error of a sequence of calls is kept.
 */
#include "internal.h"

#include <stdlib.h>

int
signet_ctx_new(signet_ctx **out)
{
    signet_ctx *ctx;

    if (out == NULL)
        return SIGNET_EINVALID;
    *out = NULL;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return SIGNET_ENOMEM;
    *out = ctx;
    return SIGNET_OK;
}

void
signet_ctx_free(signet_ctx *ctx)
{
    free(ctx);
}

const char *
signet_ctx_error(const signet_ctx *ctx)
{
    return ctx == NULL ? "" : ctx->message;
}

int
signet_ctx_error_code(const signet_ctx *ctx)
{
    return ctx == NULL ? SIGNET_OK : ctx->code;
}

void
signet_ctx_clear_error(signet_ctx *ctx)
{
    if (ctx == NULL)
        return;
    ctx->code = SIGNET_OK;
    ctx->message[0] = '\0';
}
