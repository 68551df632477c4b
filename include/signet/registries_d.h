/*
 * registries.d (containers-registries.d(5)): where containers/image keeps simple-signing
 * signatures of Docker images ("lookaside" storage) and whether it uses cosign-style sigstore
 * attachments. Every "*.yaml" file of the directory is read and merged, and settings are
 * looked up as containers/image (docker/registries_d.go) looks them up.
 */
#ifndef SIGNET_REGISTRIES_D_H
#define SIGNET_REGISTRIES_D_H

#include "ctx.h"
#include "reference.h"

#define SIGNET_REGISTRIES_D_FILE_MAX   (1024 * 1024) /* bytes of one *.yaml file */
#define SIGNET_REGISTRIES_D_FILES_MAX  1000          /* *.yaml files in the directory */
#define SIGNET_REGISTRIES_D_SCOPES_MAX 10000         /* "docker" scopes, all files together */
#define SIGNET_REGISTRIES_D_URL_MAX    4096          /* bytes of a lookaside URL */

/* The merged configuration. Immutable once loaded; may be shared by threads. */
typedef struct signet_registries_d signet_registries_d;

/**
 * Read every "*.yaml" file of @p dir, in name order, and merge them. Other names are ignored,
 * and so are unknown keys (containers/image parses these files leniently). @p dir NULL means
 * containers/image's default: $HOME/.config/containers/registries.d if it exists, else
 * /etc/containers/registries.d. A directory that does not exist is an empty configuration (as
 * in containers/image). Files are followed through symbolic links.
 *
 * @return SIGNET_OK; SIGNET_EPARSE with `parsing FILE: REASON` for a file that is not YAML of
 * the expected shape, or containers/image's `Error parsing signature storage configuration:
 * "default-docker" defined both in "A" and "B"` / `... "docker" namespace "NS" defined both in
 * "A" and "B"`; SIGNET_ETOOLARGE over SIGNET_REGISTRIES_D_FILE_MAX, _FILES_MAX or _SCOPES_MAX;
 * SIGNET_EIO (unreadable directory or file); SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_registries_d_load(signet_registries_d **out, signet_ctx *ctx, const char *dir);

/** Release a configuration. NULL is allowed. */
SIGNET_EXTERN(void) signet_registries_d_free(signet_registries_d *cfg);

/**
 * The lookaside base URL for the image @p ref: for reading ("lookaside", else the deprecated
 * "sigstore") or, with @p for_write, for writing ("lookaside-staging", "sigstore-staging",
 * "lookaside", "sigstore"). The sections are searched in the order of containers-policy.json's
 * docker scopes (the identity "name:tag" or "name@digest", the repository, each parent
 * namespace, host[:port], the "*.domain" wildcards, then "default-docker"); a section that
 * matches but lacks every wanted key is skipped and the search goes on. When nothing is found
 * the URL is file:///var/lib/containers/sigstore for effective user 0, else
 * file://$HOME/.local/share/containers/sigstore. @p cfg NULL is an empty configuration.
 *
 * The URL returned is the configured one, without the repository path: give it to
 * signet_lookaside_signature_url().
 *
 * @return SIGNET_OK; SIGNET_EPARSE `invalid signature storage URL "URL": REASON` when the URL
 * found is not an absolute file:///, http:// or https:// URL; SIGNET_ETOOLARGE when it does
 * not fit in @p size; SIGNET_ENOTFOUND when the default is needed and there is no home
 * directory; SIGNET_EINVALID on a NULL argument.
 */
SIGNET_EXTERN(int)
signet_registries_d_lookaside(char *url_out, size_t size, signet_ctx *ctx,
                              const signet_registries_d *cfg, const signet_reference *ref,
                              int for_write);

/**
 * Whether sigstore attachments are used for @p ref ("use-sigstore-attachments", searched as
 * above, skipping sections without the key; false when nothing is found). @p cfg NULL is an
 * empty configuration.
 *
 * @return SIGNET_OK, or SIGNET_EINVALID on a NULL argument.
 */
SIGNET_EXTERN(int)
signet_registries_d_use_sigstore_attachments(int *out, signet_ctx *ctx,
                                             const signet_registries_d *cfg,
                                             const signet_reference *ref);

/**
 * The URL of one signature in lookaside storage, as containers/image builds it:
 * BASE "/" REPOSITORY-PATH "@" ALGO "=" HEX "/signature-" (@p index + 1), where the repository
 * path has no host ("test/gpgimg", "library/busybox") and @p index counts from 0 (index 0 is
 * "signature-1"). A query or fragment of the base stays at the end. @p digest must be
 * "sha256:" and 64 lowercase hex digits.
 *
 * @return SIGNET_OK; SIGNET_EPARSE for an invalid base URL (as for
 * signet_registries_d_lookaside()) or digest; SIGNET_ETOOLARGE when the URL does not fit in
 * @p size; SIGNET_EINVALID on a NULL argument.
 */
SIGNET_EXTERN(int)
signet_lookaside_signature_url(char *out, size_t size, signet_ctx *ctx, const char *base_url,
                               const signet_reference *ref, const char *digest, unsigned index);

#endif
