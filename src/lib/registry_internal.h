/*
 * Shared between registry.c (requests) and registry_auth.c (challenges and credentials).
 */
#ifndef SIGNET_REGISTRY_INTERNAL_H
#define SIGNET_REGISTRY_INTERNAL_H

#include "internal.h"

#define SIGNET_CHALLENGE_FIELD_MAX 512

/* A parsed WWW-Authenticate challenge. */
struct signet_challenge {
    char scheme[16]; /* "Basic" or "Bearer" (as sent) */
    char realm[SIGNET_CHALLENGE_FIELD_MAX];
    char service[SIGNET_CHALLENGE_FIELD_MAX];
    char scope[SIGNET_CHALLENGE_FIELD_MAX];
};

/* Parse the first challenge of a WWW-Authenticate value. SIGNET_EPROTOCOL when malformed. */
int signet_auth__parse_challenge(struct signet_challenge *out, signet_ctx *ctx, const char *header);

/* Credentials for a registry, in guarded memory. */
struct signet_credentials {
    char *username; /* sodium_malloc'd, NUL-terminated */
    char *secret;   /* sodium_malloc'd, NUL-terminated */
};

/*
 * Look up credentials for @p registry: @p auth_file first, then $REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json, $DOCKER_CONFIG/config.json or ~/.docker/config.json;
 * in each, credHelpers, auths, then credsStore. SIGNET_ENOTFOUND when there are none.
 */
int signet_auth__lookup(struct signet_credentials *out, signet_ctx *ctx, const char *registry,
                        const char *auth_file);

void signet_auth__credentials_release(struct signet_credentials *creds);

/*
 * Wait for a request slot of @p host under @p limiter. SIGNET_ETIMEOUT, without waiting, when
 * the slot would come at or after @p deadline_ms (0: none).
 */
int signet_rate__acquire(signet_rate_limiter *limiter, signet_ctx *ctx, const char *host,
                         uint64_t deadline_ms);

#endif
