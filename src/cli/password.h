/*
 * Key passwords, held in guarded memory: $COSIGN_PASSWORD when set (even empty), else asked on
 * the terminal with echo off, else an error.
 */
#ifndef SIGNET_CLI_PASSWORD_H
#define SIGNET_CLI_PASSWORD_H

#include <stddef.h>

#define CLI_PASSWORD_MAX 1024

struct cli_password {
    char *ptr; /* sodium_malloc'd, NUL-terminated */
    size_t len;
};

enum cli_password_mode {
    CLI_PASSWORD_ONCE,    /* loading a key */
    CLI_PASSWORD_CONFIRM, /* creating a key: ask twice */
};

/* Returns 0, or prints why not and returns the exit status. */
int cli_password_get(struct cli_password *out, enum cli_password_mode mode);

/* Wipe and release. Safe on a zeroed struct. */
void cli_password_release(struct cli_password *pw);

#endif
