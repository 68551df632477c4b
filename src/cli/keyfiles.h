/*
 * Key files as the tool reads and writes them: shared by generate-key-pair, import-key-pair,
 * public-key and the signing verbs.
 */
#ifndef SIGNET_CLI_KEYFILES_H
#define SIGNET_CLI_KEYFILES_H

#include "signet.h"

/* Load an encrypted private key, asking for its password. Returns an exit status. */
int cli_load_private_key(signet_key **out, signet_ctx *ctx, const char *path);

/*
 * May @p path be written? Yes when it does not exist or @p force is set; otherwise ask on a
 * terminal as cosign does, or refuse. *overwrite tells whether an existing file is replaced.
 * Returns an exit status.
 */
int cli_may_write(const char *path, int force, int *overwrite);

/*
 * Encrypt @p key with a new password (asked twice) and write PREFIX.key (0600) and PREFIX.pub
 * (0644), never replacing existing files unless @p force or the user agrees. Returns an exit
 * status.
 */
int cli_write_key_pair(signet_ctx *ctx, const signet_key *key, const char *prefix, int force);

#endif
