/*
 * Reading signatures from lookaside storage, for the policy engine: file:// paths, and http://
 * or https:// GETs as containers/image makes them (one connection reused across signatures).
 */
#ifndef SIGNET_LOOKASIDE_INTERNAL_H
#define SIGNET_LOOKASIDE_INTERNAL_H

#include "internal.h"

struct signet_lookaside__reader {
    const signet_registry_options *net; /* CA file, TLS checks, time limit; NULL: defaults */
    void *curl;                         /* CURL handle, made at the first http(s) read */
};

#define SIGNET_LOOKASIDE__READER_INIT                                                              \
    {                                                                                              \
        NULL, NULL                                                                                 \
    }

/*
 * Read the signature at @p url (from signet_lookaside_signature_url()) into @p out, whose
 * maximum bounds it. SIGNET_ENOTFOUND when it does not exist (a missing file, HTTP 404): the
 * end of the list. Any other failure (another HTTP status, a network or TLS error, a body over
 * the maximum) is an error, with the URL in its message.
 */
int signet_lookaside__read(signet_buf *out, signet_ctx *ctx, struct signet_lookaside__reader *r,
                           const char *url);

/* Release what the reader holds. */
void signet_lookaside__reader_close(struct signet_lookaside__reader *r);

#endif
