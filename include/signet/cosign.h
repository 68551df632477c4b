/*
 * Container image signatures in cosign's legacy format: a simple signing payload per
 * signature, stored as a layer of the manifest tagged "sha256-<hex>.sig" beside the image.
 */
#ifndef SIGNET_COSIGN_H
#define SIGNET_COSIGN_H

#include "buf.h"
#include "ctx.h"
#include "key.h"
#include "reference.h"
#include "registry.h"

#define SIGNET_COSIGN_OPTIONS_VERSION 1

/* Called with progress messages meant for a person (the library itself never prints). */
typedef void (*signet_cosign_event_cb)(const char *message, void *payload);

typedef struct signet_cosign_options {
    unsigned int version;
    const char *signature_repository; /* where .sig tags live ($COSIGN_REPOSITORY); NULL: the
                                         image's own repository */
    const char *const *annotations;   /* "key=value": signed into / required in the payload */
    size_t annotations_count;
    const char *platform;   /* "os/arch[/variant]": use that manifest of an index */
    int recursive;          /* sign: the index and every manifest it lists */
    int docker_media_types; /* sign: Docker v2 media types instead of OCI */
    signet_cosign_event_cb on_event;
    void *event_payload;
} signet_cosign_options;

#define SIGNET_COSIGN_OPTIONS_INIT                                                                 \
    {                                                                                              \
        SIGNET_COSIGN_OPTIONS_VERSION, NULL, NULL, 0, NULL, 0, 0, NULL, NULL                       \
    }

/**
 * Resolve @p image to a digest: a tag is looked up (HEAD), a digest is kept; with a platform
 * the index is read and the platform's manifest chosen.
 *
 * @param[out] out @p image with its digest set.
 * @return SIGNET_OK, SIGNET_ENOTFOUND, and the registry's errors.
 */
SIGNET_EXTERN(int)
signet_cosign_resolve(signet_reference *out, signet_ctx *ctx, signet_registry *reg,
                      const signet_reference *image, const signet_cosign_options *opts);

/**
 * Where an attachment of a resolved image lives: "<repo>:sha256-<hex>.<suffix>" with suffix
 * "sig", "att" or "sbom", in the signature repository when one is set.
 *
 * @return SIGNET_OK, SIGNET_EPARSE (bad signature repository), SIGNET_EINVALID (no digest).
 */
SIGNET_EXTERN(int)
signet_cosign_attachment(signet_reference *out, signet_ctx *ctx, const signet_reference *resolved,
                         const char *suffix, const signet_cosign_options *opts);

/**
 * The simple signing payload cosign signs, byte for byte:
 * {"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":…},
 *  "type":"cosign container image signature"},"optional":null|{…}}
 */
SIGNET_EXTERN(int)
signet_cosign_payload(signet_buf *out, signet_ctx *ctx, const signet_reference *resolved,
                      const signet_cosign_options *opts);

/**
 * Sign an image: resolve it, sign the payload, and add the signature to its .sig manifest.
 * Signatures already there are kept; one that the key already made for the same payload is
 * not added twice. Concurrent signers do not lose each other's signatures: after writing,
 * signet reads back and merges again until its signature is stably present.
 *
 * @return SIGNET_OK; SIGNET_EINVALID (public key); the registry's errors; SIGNET_ERROR when
 *         the signature could not be made to stay (message says so).
 */
SIGNET_EXTERN(int)
signet_cosign_sign(signet_ctx *ctx, signet_registry *reg, const signet_key *key,
                   const signet_reference *image, const signet_cosign_options *opts);

typedef struct signet_cosign_verified signet_cosign_verified;

/**
 * Verify an image's signatures with @p key: every signature layer is checked (signature over
 * the payload, payload digest = image digest, docker-reference = image repository, type, and
 * the required annotations).
 *
 * @param[out] out the verified signatures, only on SIGNET_OK; release with
 *             signet_cosign_verified_free().
 * @return SIGNET_OK when at least one signature verified; SIGNET_ENOSIG when none did (no
 *         signatures, or none matching: the message says why); registry errors otherwise.
 */
SIGNET_EXTERN(int)
signet_cosign_verify(signet_cosign_verified **out, signet_ctx *ctx, signet_registry *reg,
                     const signet_key *key, const signet_reference *image,
                     const signet_cosign_options *opts);

/** The image as resolved, with its digest. Owned by @p v. */
SIGNET_EXTERN(const signet_reference *)
signet_cosign_verified_image(const signet_cosign_verified *v);

/** Number of signatures that verified (at least 1). */
SIGNET_EXTERN(size_t) signet_cosign_verified_count(const signet_cosign_verified *v);

/** The i-th verified payload, exactly as signed. Owned by @p v. */
SIGNET_EXTERN(const char *)
signet_cosign_verified_payload(const signet_cosign_verified *v, size_t i, size_t *len);

/**
 * The verified payloads as cosign prints them: a compact JSON array with each payload's
 * critical and optional fields (keys in cosign's order).
 */
SIGNET_EXTERN(int)
signet_cosign_verified_json(signet_buf *out, signet_ctx *ctx, const signet_cosign_verified *v);

SIGNET_EXTERN(void) signet_cosign_verified_free(signet_cosign_verified *v);

/**
 * What `cosign tree` prints: the signatures, attestations and SBOMs attached to an image.
 * @param[out] out text; dispose with signet_buf_dispose().
 */
SIGNET_EXTERN(int)
signet_cosign_tree(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                   const signet_reference *image, const signet_cosign_options *opts);

/**
 * What `cosign download signature` prints: one JSON object per signature layer per line.
 * @return SIGNET_OK, SIGNET_ENOSIG (none), registry errors.
 */
SIGNET_EXTERN(int)
signet_cosign_download(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                       const signet_reference *image, const signet_cosign_options *opts);

/**
 * Delete an image's attachments: @p type is "signature", "attestation", "sbom" or "all".
 * Attachments that do not exist are not an error.
 */
SIGNET_EXTERN(int)
signet_cosign_clean(signet_ctx *ctx, signet_registry *reg, const signet_reference *image,
                    const char *type, const signet_cosign_options *opts);

#endif
