/*
 * Bounded growable buffers; secret ones live in libsodium's guarded memory.
 */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void
signet_buf_init(signet_buf *buf, size_t max, int secret)
{
    if (buf == NULL)
        return;
    buf->max = max;
    buf->secret = secret;
}

static int
buf_grow(signet_buf *buf, size_t need)
{
    size_t asize;
    char *p;

    if (need <= buf->asize)
        return SIGNET_OK;
    /* Double, but never past max + 1 (the NUL). */
    asize = buf->asize < 64 ? 64 : buf->asize;
    while (asize < need)
        asize = asize > SIZE_MAX / 2 ? need : asize * 2;
    if (asize > buf->max + 1)
        asize = buf->max + 1;
    if (buf->secret) {
        p = sodium_malloc(asize);
        if (p == NULL)
            return SIGNET_ENOMEM;
        if (buf->ptr != NULL) {
            memcpy(p, buf->ptr, buf->size + 1);
            sodium_free(buf->ptr);
        }
    } else {
        p = realloc(buf->ptr, asize);
        if (p == NULL)
            return SIGNET_ENOMEM;
    }
    buf->ptr = p;
    buf->asize = asize;
    return SIGNET_OK;
}

int
signet_buf__reserve(signet_buf *buf, size_t extra)
{
    if (buf == NULL)
        return SIGNET_EINVALID;
    if (buf->max == 0 || extra > buf->max || buf->size > buf->max - extra)
        return SIGNET_ETOOLARGE;
    return buf_grow(buf, buf->size + extra + 1);
}

int
signet_buf_put(signet_buf *buf, const void *data, size_t len)
{
    int rc;

    if (data == NULL && len != 0)
        return SIGNET_EINVALID;
    if ((rc = signet_buf__reserve(buf, len)) != SIGNET_OK)
        return rc;
    if (len != 0)
        memcpy(buf->ptr + buf->size, data, len);
    buf->size += len;
    buf->ptr[buf->size] = '\0';
    return SIGNET_OK;
}

int
signet_buf_puts(signet_buf *buf, const char *s)
{
    if (s == NULL)
        return SIGNET_EINVALID;
    return signet_buf_put(buf, s, strlen(s));
}

void
signet_buf_dispose(signet_buf *buf)
{
    if (buf == NULL)
        return;
    if (buf->ptr != NULL) {
        if (buf->secret)
            sodium_free(buf->ptr); /* wipes */
        else
            free(buf->ptr);
    }
    buf->ptr = NULL;
    buf->size = 0;
    buf->asize = 0;
}
