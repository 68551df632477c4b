/*
 * OCI and Docker v2 manifests and indexes, parsed strictly and bounded.
 */
#ifndef SIGNET_MANIFEST_H
#define SIGNET_MANIFEST_H

#include "internal.h"

#include <jansson.h>

#define MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"

#define MANIFEST_MAX_ENTRIES 1000 /* layers of a manifest, manifests of an index (cosign's cap) */

struct manifest {
    json_t *root;
    int is_index;
    char media_type[SIGNET_MEDIA_TYPE_MAX];
    json_t *entries; /* "layers" or "manifests", validated descriptors */
};

/* Parse and validate; @p content_type is what the registry said (may be empty). */
int signet_manifest__parse(struct manifest *out, signet_ctx *ctx, const char *body, size_t len,
                           const char *content_type, const char *name);

void signet_manifest__release(struct manifest *m);

/* The i-th descriptor's fields (already validated). */
const char *signet_manifest__entry_string(const struct manifest *m, size_t i, const char *field);

/* The digest of the index entry for "os/arch[/variant]"; SIGNET_ENOTFOUND when none. */
int signet_manifest__select_platform(char *digest_out, signet_ctx *ctx, const struct manifest *m,
                                     const char *platform, const char *name);

#endif
