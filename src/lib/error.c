/*
 * Error codes, their descriptions, and recording the first error in a context.
 */
#include "internal.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
signet_strerror(int code)
{
    switch (code) {
    case SIGNET_OK:
        return "success";
    case SIGNET_ERROR:
        return "internal error";
    case SIGNET_ENOMEM:
        return "out of memory";
    case SIGNET_EINVALID:
        return "invalid argument";
    case SIGNET_EIO:
        return "input/output error";
    case SIGNET_EPARSE:
        return "malformed input";
    case SIGNET_EUNSUPPORTED:
        return "unsupported algorithm, type or format";
    case SIGNET_ETOOLARGE:
        return "input too large";
    case SIGNET_EPASSWORD:
        return "incorrect or missing password";
    case SIGNET_EEXISTS:
        return "file already exists";
    case SIGNET_ECRYPTO:
        return "cryptographic library failure";
    case SIGNET_EVERIFY:
        return "signature verification failed";
    case SIGNET_ENOSIG:
        return "no acceptable signature found";
    case SIGNET_EPOLICY:
        return "denied by policy";
    case SIGNET_ENOTFOUND:
        return "not found";
    case SIGNET_ENET:
        return "network failure";
    case SIGNET_EAUTH:
        return "authentication failed";
    case SIGNET_EPROTOCOL:
        return "unexpected reply from a server";
    case SIGNET_EDIGEST:
        return "content does not match its digest";
    case SIGNET_ETIMEOUT:
        return "deadline exceeded";
    }
    return "unknown error code";
}

int
signet_error_is_rejection(int code)
{
    return code == SIGNET_EVERIFY || code == SIGNET_ENOSIG || code == SIGNET_EPOLICY;
}

static int error_vset(signet_ctx *ctx, int code, const char *suffix, const char *fmt, va_list ap)
    SIGNET_PRINTF(4, 0);

static int
error_vset(signet_ctx *ctx, int code, const char *suffix, const char *fmt, va_list ap)
{
    if (ctx == NULL || ctx->code != SIGNET_OK)
        return code;
    ctx->code = code;
    vsnprintf(ctx->message, sizeof(ctx->message), fmt, ap);
    if (suffix != NULL && suffix[0] != '\0') {
        size_t used = strlen(ctx->message);
        snprintf(ctx->message + used, sizeof(ctx->message) - used, ": %s", suffix);
    }
    return code;
}

int
signet_error__set(signet_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_vset(ctx, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int
signet_error__openssl(signet_ctx *ctx, int code, const char *fmt, ...)
{
    char reason[160] = "";
    unsigned long e = ERR_peek_last_error();
    va_list ap;

    if (e != 0) {
        const char *r = ERR_reason_error_string(e);
        if (r != NULL)
            snprintf(reason, sizeof(reason), "%s", r);
        else
            ERR_error_string_n(e, reason, sizeof(reason));
    }
    ERR_clear_error();
    va_start(ap, fmt);
    error_vset(ctx, code, reason, fmt, ap);
    va_end(ap);
    return code;
}
