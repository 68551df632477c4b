#include "error.h"

#include <stdarg.h>
#include <stdio.h>

const char *cli_program_name = "signet";

int
cli_report(int rc, const char *message)
{
    fprintf(stderr, "%s: %s\n", cli_program_name,
            message != NULL && message[0] ? message : signet_strerror(rc));
    if (rc == SIGNET_OK)
        return CLI_EXIT_OK;
    return signet_error_is_rejection(rc) ? CLI_EXIT_REJECTED : CLI_EXIT_FAILED;
}

int
cli_fail(const signet_ctx *ctx, int rc)
{
    return cli_report(rc, signet_ctx_error(ctx));
}

int
cli_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", cli_program_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAILED;
}

void
cli_warn(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: warning: ", cli_program_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
