/*
 * The boundary between signet_kbs_resource_get() and the stores behind it: a store is a table
 * of functions and its state. kbs_resources.c implements the offline-fs-kbc resource file; a
 * network KBS (RCAR, then GET /kbs/v0/resource/...) will be another table. Not installed.
 */
#ifndef SIGNET_KBS_INTERNAL_H
#define SIGNET_KBS_INTERNAL_H

#include "internal.h"

struct signet_kbs__store_ops {
    /*
     * Append the bytes of the resource @p uri names to @p out (whose secrecy the caller has
     * set). @p text is the URI as given, for messages. Returns SIGNET_OK or an error recorded
     * in @p ctx: SIGNET_EUNSUPPORTED for a host the store does not serve, SIGNET_ENOTFOUND,
     * SIGNET_ETOOLARGE, SIGNET_ENOMEM (a network store adds its own).
     */
    int (*get)(void *state, signet_buf *out, signet_ctx *ctx, const signet_kbs_uri *uri,
               const char *text);
    /* Resources the store can list; 0 when it cannot. */
    size_t (*count)(const void *state);
    void (*free)(void *state);
};

struct signet_kbs_resources {
    const struct signet_kbs__store_ops *ops;
    void *state;
};

/* Is @p s[0..len) a valid repository, type or tag (Trustee's ResourceDesc rule)? */
int signet_kbs__segment_valid(const char *s, size_t len);

#endif
