/*
 * An OCI distribution client: manifests and blobs over HTTPS (libcurl), with Docker's and
 * containers' credentials, bearer tokens, retries and size limits. One client reuses its
 * connections across all requests; use one client per thread.
 */
#ifndef SIGNET_REGISTRY_H
#define SIGNET_REGISTRY_H

#include "buf.h"
#include "ctx.h"
#include "reference.h"

typedef struct signet_registry signet_registry;

#define SIGNET_MANIFEST_MAX   (4u * 1024 * 1024) /* containerd's limit */
#define SIGNET_BLOB_MAX       (4u * 1024 * 1024) /* signature payloads and configs */
#define SIGNET_MEDIA_TYPE_MAX 128

#define SIGNET_REGISTRY_OPTIONS_VERSION 1

typedef struct signet_registry_options {
    unsigned int version;
    const char *ca_file;                /* trust these CAs instead of the system's (PEM bundle) */
    int allow_insecure;                 /* do not verify TLS certificates */
    int allow_http;                     /* plain HTTP for every registry */
    const char *const *http_registries; /* plain HTTP for these "host[:port]" only */
    size_t http_registries_count;
    const char *auth_file;       /* credentials file to use before the default ones */
    long timeout_ms;             /* per request, connecting included; 0 = 30 s */
    unsigned int max_retries;    /* on 429, 5xx and broken replies; with backoff */
    unsigned int max_backoff_ms; /* longest wait between tries (Retry-After is capped) */
} signet_registry_options;

#define SIGNET_REGISTRY_OPTIONS_INIT                                                               \
    {                                                                                              \
        SIGNET_REGISTRY_OPTIONS_VERSION, NULL, 0, 0, NULL, 0, NULL, 30000, 3, 10000                \
    }

/**
 * Create a client.
 *
 * @param[out] out release with signet_registry_free().
 * @return SIGNET_OK, SIGNET_EINVALID (unknown options version), SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_registry_new(signet_registry **out, signet_ctx *ctx, const signet_registry_options *opts);

/** Release a client, wiping cached credentials and tokens. NULL is allowed. */
SIGNET_EXTERN(void) signet_registry_free(signet_registry *reg);

/* What is known about a manifest. Plain data. */
typedef struct signet_descriptor {
    char media_type[SIGNET_MEDIA_TYPE_MAX];
    char digest[SIGNET_DIGEST_MAX];
    int64_t size;
} signet_descriptor;

/**
 * Fetch a manifest by tag or digest (the digest wins), accepting OCI and Docker v2 manifests
 * and indexes. The body's sha256 is checked against the digest asked for, and against the
 * registry's Docker-Content-Digest when it sends one.
 *
 * @param[out] body the manifest bytes (max SIGNET_MANIFEST_MAX); may be NULL with @p desc only.
 * @param[out] desc media type, digest and size.
 * @return SIGNET_OK, SIGNET_ENOTFOUND, SIGNET_ETOOLARGE, SIGNET_EDIGEST, SIGNET_ENET,
 *         SIGNET_EAUTH, SIGNET_EPROTOCOL.
 */
SIGNET_EXTERN(int)
signet_registry_get_manifest(signet_buf *body, signet_descriptor *desc, signet_ctx *ctx,
                             signet_registry *reg, const signet_reference *ref);

/** As signet_registry_get_manifest() with HEAD: only the descriptor, no body. */
SIGNET_EXTERN(int)
signet_registry_head_manifest(signet_descriptor *desc, signet_ctx *ctx, signet_registry *reg,
                              const signet_reference *ref);

/**
 * Fetch a blob of @p ref's repository and check its sha256.
 *
 * @param[out] out the bytes; its maximum (signet_buf_init) bounds what is accepted.
 */
SIGNET_EXTERN(int)
signet_registry_get_blob(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                         const signet_reference *ref, const char *digest);

/** Upload a blob unless the registry already has it. @p digest is its "sha256:<hex>". */
SIGNET_EXTERN(int)
signet_registry_put_blob(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                         const void *data, size_t len, const char *digest);

/** Store a manifest under @p ref's tag (or digest). */
SIGNET_EXTERN(int)
signet_registry_put_manifest(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                             const char *media_type, const void *data, size_t len);

/** Delete the manifest @p digest of @p ref's repository. */
SIGNET_EXTERN(int)
signet_registry_delete_manifest(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                                const char *digest);

/**
 * Bound everything @p reg does from now on by @p deadline_ms, a time of signet_monotonic_ms():
 * each request's timeout is cut to what remains, no retry waits past it, and once it has passed
 * requests fail with SIGNET_ETIMEOUT. 0 removes the deadline. A webhook sets one per review.
 */
SIGNET_EXTERN(void) signet_registry_set_deadline(signet_registry *reg, uint64_t deadline_ms);

/** Milliseconds of CLOCK_MONOTONIC, the clock of signet_registry_set_deadline(). */
SIGNET_EXTERN(uint64_t) signet_monotonic_ms(void);

/**
 * A limit on outgoing requests per registry host, shared by any number of registry clients and
 * threads (a token bucket per host: @p per_second requests a second, bursts of @p burst).
 */
typedef struct signet_rate_limiter signet_rate_limiter;

SIGNET_EXTERN(int)
signet_rate_limiter_new(signet_rate_limiter **out, signet_ctx *ctx, double per_second,
                        unsigned int burst);

SIGNET_EXTERN(void) signet_rate_limiter_free(signet_rate_limiter *limiter);

/**
 * Make @p reg wait for @p limiter (not owned; NULL: no limit) before each request. A wait that
 * would pass the deadline fails the request with SIGNET_ETIMEOUT instead.
 */
SIGNET_EXTERN(void)
signet_registry_set_rate_limiter(signet_registry *reg, signet_rate_limiter *limiter);

/** "sha256:<hex>" of @p data into @p out (SIGNET_DIGEST_MAX bytes). Cannot fail. */
SIGNET_EXTERN(void) signet_digest_sha256(char *out, const void *data, size_t len);

#endif
