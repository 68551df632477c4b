/*
 * cosign signature verification with several keys and the caller's own claims check, for the
 * policy engine (sigstoreSigned requirements) and for signet_cosign_verify().
 */
#ifndef SIGNET_COSIGN_INTERNAL_H
#define SIGNET_COSIGN_INTERNAL_H

#include "internal.h"

/* Accept (non-zero) or refuse the claims of a payload whose signature verified; a refusal says
 * why in @p reason. */
typedef int (*signet_cosign__claims_fn)(const signet_buf *payload, const signet_reference *resolved,
                                        void *arg, char *reason, size_t reason_size);

/* As signet_cosign_verify(), accepting a signature made by any of @p keys whose payload the
 * @p claims check accepts. */
int signet_cosign__verify_with(signet_cosign_verified **out, signet_ctx *ctx, signet_registry *reg,
                               const signet_key *const *keys, size_t nkeys,
                               const signet_reference *image, const signet_cosign_options *opts,
                               signet_cosign__claims_fn claims, void *arg);

/* signet_cosign_verify()'s claims check: @p arg is the signet_cosign_options. */
int signet_cosign__claims_hold(const signet_buf *payload, const signet_reference *resolved,
                               void *arg, char *reason, size_t reason_size);

/* Which of the keys given to signet_cosign__verify_with() made an accepted signature: bit k for
 * keys[k], for the first 64 keys. */
uint64_t signet_cosign__verified_signers(const signet_cosign_verified *v);

#endif
