/*
 * A growable byte buffer with a mandatory maximum size. The caller owns the struct; the
 * library fills it; release with signet_buf_dispose().
 */
#ifndef SIGNET_BUF_H
#define SIGNET_BUF_H

#include "common.h"

typedef struct signet_buf {
    char *ptr;    /* NUL-terminated for convenience; may hold binary data */
    size_t size;  /* bytes used, excluding the terminating NUL */
    size_t asize; /* bytes allocated */
    size_t max;   /* growing past this fails with SIGNET_ETOOLARGE; 0 = not yet set */
    int secret;   /* memory comes from sodium_malloc and is wiped on release */
} signet_buf;

#define SIGNET_BUF_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0, 0, 0                                                                           \
    }

/** Set the maximum size (bytes, excluding the NUL) and whether the contents are secret. */
SIGNET_EXTERN(void) signet_buf_init(signet_buf *buf, size_t max, int secret);

/**
 * Append @p len bytes.
 *
 * @return SIGNET_OK, SIGNET_ETOOLARGE past the maximum, SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int) signet_buf_put(signet_buf *buf, const void *data, size_t len);

/** Append a NUL-terminated string. Same returns as signet_buf_put(). */
SIGNET_EXTERN(int) signet_buf_puts(signet_buf *buf, const char *s);

/** Release the memory (wiping it when secret) and reset to empty. NULL is allowed. */
SIGNET_EXTERN(void) signet_buf_dispose(signet_buf *buf);

#endif
