/*
 * Image references, parsed and normalised as Docker and go-containerregistry do:
 * "ubuntu" is index.docker.io/library/ubuntu:latest, "127.0.0.1:5000/a/b@sha256:…" keeps its
 * registry, "[::1]:5000/x:1" is an IPv6 registry.
 */
#ifndef SIGNET_REFERENCE_H
#define SIGNET_REFERENCE_H

#include "ctx.h"

#define SIGNET_REFERENCE_NAME_MAX 255 /* Docker's limit on registry + "/" + repository */
#define SIGNET_DIGEST_MAX         72  /* "sha256:" + 64 hex, "sha512:" would not fit: refused */

/* A parsed reference. Plain data; every field is NUL-terminated. */
typedef struct signet_reference {
    char registry[SIGNET_REFERENCE_NAME_MAX + 1];   /* "index.docker.io", "127.0.0.1:5000" */
    char repository[SIGNET_REFERENCE_NAME_MAX + 1]; /* "library/ubuntu" */
    char tag[129];                                  /* "latest" by default; "" with a digest */
    char digest[SIGNET_DIGEST_MAX];                 /* "sha256:<64 hex>" or "" */
} signet_reference;

/**
 * Parse @p text. Without a tag or digest the tag is "latest". A reference with both a tag and
 * a digest keeps both; the digest is what is used.
 *
 * @return SIGNET_OK or SIGNET_EPARSE (with a message naming what is wrong).
 */
SIGNET_EXTERN(int)
signet_reference_parse(signet_reference *out, signet_ctx *ctx, const char *text);

/** "registry/repository", e.g. "index.docker.io/library/ubuntu" (cosign's docker-reference). */
SIGNET_EXTERN(void)
signet_reference_repository_name(char *out, size_t size, const signet_reference *ref);

/** The full reference: "registry/repository" then ":tag" and/or "@digest" when set. */
SIGNET_EXTERN(void)
signet_reference_format(char *out, size_t size, const signet_reference *ref);

/** Non-zero when @p s is "sha256:" followed by 64 lowercase hex digits. */
SIGNET_EXTERN(int) signet_digest_is_valid(const char *s);

#endif
