/*
 * Turning library errors into messages and exit statuses: the one place that does it.
 */
#ifndef SIGNET_CLI_ERROR_H
#define SIGNET_CLI_ERROR_H

#include "signet.h"

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_REJECTED = 1, /* checked and rejected */
    CLI_EXIT_FAILED = 2,   /* could not complete */
    CLI_EXIT_USAGE = 129,
};

/* "signet" or "cosign", from argv[0]. */
extern const char *cli_program_name;

/* Print "PROGRAM: MESSAGE" (or @p rc's description) and return the exit status for @p rc. */
int cli_report(int rc, const char *message);

/* Print "PROGRAM: MESSAGE" for the error in @p ctx (or @p rc's description) and return the exit
 * status for @p rc. */
int cli_fail(const signet_ctx *ctx, int rc);

/* Print "PROGRAM: MESSAGE" and return CLI_EXIT_FAILED. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PROGRAM: warning: MESSAGE" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
