/*
 * The one error enum of libsignet. Values are fixed: append new ones at the end, never
 * renumber; retired values become SIGNET_EOBSOLETEnn.
 *
 * "Checked and rejected" (SIGNET_EVERIFY, SIGNET_ENOSIG, SIGNET_EPOLICY) is never the same code
 * as "could not check" (everything else).
 */
#ifndef SIGNET_ERRORS_H
#define SIGNET_ERRORS_H

#include "common.h"

enum signet_error_code {
    SIGNET_OK = 0,
    SIGNET_ERROR = -1,        /* unclassified internal error */
    SIGNET_ENOMEM = -2,       /* out of memory */
    SIGNET_EINVALID = -3,     /* invalid argument (programmer error) */
    SIGNET_EIO = -4,          /* reading or writing a file or stream failed */
    SIGNET_EPARSE = -5,       /* malformed input */
    SIGNET_EUNSUPPORTED = -6, /* well-formed but unknown or refused algorithm, type or version */
    SIGNET_ETOOLARGE = -7,    /* input over its maximum size, depth or count */
    SIGNET_EPASSWORD = -8,    /* incorrect password, or none available */
    SIGNET_EEXISTS = -9,      /* refusing to overwrite an existing file */
    SIGNET_ECRYPTO = -10,     /* the crypto library failed */
    SIGNET_EVERIFY = -11,     /* checked and rejected: signature does not verify */
    SIGNET_ENOSIG = -12,      /* checked and rejected: no acceptable signature found */
    SIGNET_EPOLICY = -13,     /* checked and rejected: policy denied */
    SIGNET_ENOTFOUND = -14,   /* a named file, key, image or object does not exist */
    SIGNET_ENET = -15,        /* network failure: unreachable, timed out, truncated reply */
    SIGNET_EAUTH = -16,       /* authentication needed and refused, or no credentials */
    SIGNET_EPROTOCOL = -17,   /* a server answered something unexpected or malformed */
    SIGNET_EDIGEST = -18,     /* fetched content does not match its digest */
    SIGNET_ETIMEOUT = -19,    /* a caller's deadline passed before the work was done */
};

/** Short generic description of an error code. Static storage; never NULL. */
SIGNET_EXTERN(const char *) signet_strerror(int code);

/** Non-zero when @p code means "checked and rejected" rather than "could not check". */
SIGNET_EXTERN(int) signet_error_is_rejection(int code);

#endif
