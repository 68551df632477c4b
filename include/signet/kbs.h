/*
 * Resources of the Confidential Containers key broker (Trustee KBS): kbs:// resource URIs and
 * the stores that resolve them to bytes (cosign public keys, policy.json files).
 *
 * A URI is kbs://<kbs-host[:port]>/<repository>/<type>/<tag>; an empty host means "the KBS
 * configured", e.g. kbs:///default/cosign-key/1. Today's store is the resource file of CoCo's
 * offline-fs-kbc (/etc/aa-offline_fs_kbc-resources.json): a JSON object mapping
 * "<repository>/<type>/<tag>" to the standard, padded base64 of the resource's bytes. A network
 * KBS will be another store behind the same functions.
 */
#ifndef SIGNET_KBS_H
#define SIGNET_KBS_H

#include "buf.h"
#include "ctx.h"

#define SIGNET_KBS_URI_MAX     1024 /* a whole URI, in bytes */
#define SIGNET_KBS_HOST_MAX    255  /* "host[:port]" */
#define SIGNET_KBS_SEGMENT_MAX 255  /* repository, type or tag (Trustee stores each as a file) */

#define SIGNET_KBS_RESOURCES_FILE_MAX  (1024 * 1024) /* an offline resource file, in bytes */
#define SIGNET_KBS_RESOURCES_COUNT_MAX 1024          /* resources in one file */

/*
 * A parsed kbs:// URI. Plain data; every field is NUL-terminated. Each of repository, type and
 * tag matches Trustee's resource path rule: [A-Za-z0-9_-] then [A-Za-z0-9_.-]* (so never "."
 * or "..").
 */
typedef struct signet_kbs_uri {
    char host[SIGNET_KBS_HOST_MAX + 1]; /* "kbs.example:8080", or "" for the configured KBS */
    char repository[SIGNET_KBS_SEGMENT_MAX + 1]; /* "default" */
    char type[SIGNET_KBS_SEGMENT_MAX + 1];       /* "cosign-key" */
    char tag[SIGNET_KBS_SEGMENT_MAX + 1];        /* "1" */
} signet_kbs_uri;

/**
 * Parse @p text strictly: the scheme "kbs://" (lowercase), an optional host (DNS name, IPv4
 * or [IPv6]) with an optional port 1-65535, then exactly three non-empty path segments.
 *
 * @return SIGNET_OK; SIGNET_EPARSE (with a message naming what is wrong); SIGNET_EUNSUPPORTED
 *         for the well-formed forms signet does not serve yet: a plugin scheme
 *         ("kbs+pkcs11://...") or a query ("?...").
 */
SIGNET_EXTERN(int) signet_kbs_uri_parse(signet_kbs_uri *out, signet_ctx *ctx, const char *text);

/** A store of KBS resources. Opaque; release with signet_kbs_resources_free(). */
typedef struct signet_kbs_resources signet_kbs_resources;

/**
 * Read an offline-fs-kbc resource file (at most SIGNET_KBS_RESOURCES_FILE_MAX bytes, through
 * signet_file_read()) and parse it as signet_kbs_resources_parse() does.
 *
 * @return as signet_file_read() and signet_kbs_resources_parse().
 */
SIGNET_EXTERN(int)
signet_kbs_resources_load(signet_kbs_resources **out, signet_ctx *ctx, const char *path);

/**
 * Parse an offline-fs-kbc resource file: a JSON object (duplicate names refused) of at least
 * one and at most SIGNET_KBS_RESOURCES_COUNT_MAX members, each named "<repository>/<type>/<tag>"
 * as in a kbs:// URI and valued with the non-empty, standard, padded base64 of the resource.
 * The decoded bytes are kept in guarded memory. @p name (e.g. the file name) is used in
 * messages; base64 text is never quoted in them.
 *
 * @return SIGNET_OK; SIGNET_EPARSE; SIGNET_ETOOLARGE over the size or count limit;
 *         SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_kbs_resources_parse(signet_kbs_resources **out, signet_ctx *ctx, const void *json,
                           size_t len, const char *name);

/**
 * Resolve @p uri (a kbs:// URI) to the resource's bytes, appended to @p out, whose maximum must
 * have been set with signet_buf_init(). When @p out holds no memory yet it is made secret, so
 * that the copy too lives in guarded memory.
 *
 * The offline store serves only URIs with an empty host (kbs:///repo/type/tag): one naming a
 * KBS needs a network KBS, and is refused.
 *
 * @return SIGNET_OK; as signet_kbs_uri_parse(); SIGNET_EUNSUPPORTED for a host the store does
 *         not serve; SIGNET_ENOTFOUND (the message names the resource); SIGNET_ETOOLARGE past
 *         the maximum of @p out; SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_kbs_resource_get(signet_buf *out, signet_ctx *ctx, const signet_kbs_resources *resources,
                        const char *uri);

/** The number of resources an offline store holds (0 for NULL). */
SIGNET_EXTERN(size_t) signet_kbs_resources_count(const signet_kbs_resources *resources);

/** Release the store, wiping the resources. NULL is allowed. */
SIGNET_EXTERN(void) signet_kbs_resources_free(signet_kbs_resources *resources);

#endif
