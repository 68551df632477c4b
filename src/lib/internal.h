/*
 * Declarations shared by the files of libsignet; not installed.
 */
#ifndef SIGNET_INTERNAL_H
#define SIGNET_INTERNAL_H

#include "signet.h"

#include <openssl/evp.h>

#define SIGNET_ERROR_MESSAGE_MAX 1024

struct signet_ctx {
    int code;
    char message[SIGNET_ERROR_MESSAGE_MAX];
};

struct signet_key {
    EVP_PKEY *pkey;
    signet_key_type type;
    int has_private;
};

#if defined(__GNUC__)
#define SIGNET_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIGNET_PRINTF(a, b)
#endif

/*
 * Record an error in @p ctx unless one is already recorded (the first, most precise message
 * wins). Returns @p code so that callers can write `return signet_error__set(...)`.
 */
int signet_error__set(signet_ctx *ctx, int code, const char *fmt, ...) SIGNET_PRINTF(3, 4);

/* As signet_error__set(), appending ": <reason>" from OpenSSL's error queue (then cleared). */
int signet_error__openssl(signet_ctx *ctx, int code, const char *fmt, ...) SIGNET_PRINTF(3, 4);

/*
 * Programmer errors: a NULL where a pointer is required. Sets SIGNET_EINVALID and returns from
 * the calling function; never aborts in the library.
 */
#define SIGNET_ASSERT_ARG(ctx, expr)                                                               \
    do {                                                                                           \
        if (!(expr))                                                                               \
            return signet_error__set((ctx), SIGNET_EINVALID, "invalid argument: '%s'", #expr);     \
    } while (0)

/* signet_file_read() with choices: follow symbolic links (credential files are often links,
 * e.g. mounted Kubernetes secrets; keys, signatures and policies never are), and whether "-"
 * means standard input. */
enum signet_file__read_flags {
    SIGNET_FILE__FOLLOW = (1 << 0),
    SIGNET_FILE__STDIN = (1 << 1),
};
int signet_file__read(signet_buf *out, signet_ctx *ctx, const char *path, unsigned int flags);

/* Make room for @p extra more bytes (plus the NUL) within the buffer's maximum. */
int signet_buf__reserve(signet_buf *buf, size_t extra);

/* PEM: decode the first block of @p text into its label and DER bytes. */
int signet_pem__decode(signet_buf *label, signet_buf *der, signet_ctx *ctx, const void *text,
                       size_t len, const char *name);
/* PEM: encode @p der under @p label, base64 wrapped at 64 columns, trailing newline. */
int signet_pem__encode(signet_buf *out, signet_ctx *ctx, const char *label, const void *der,
                       size_t len);

/* Wrap an EVP_PKEY (ownership passes to the key on success) after checking its type. */
int signet_key__wrap(signet_key **out, signet_ctx *ctx, EVP_PKEY *pkey, int has_private,
                     const char *name);
/* PKCS#8 DER of a private key, in guarded memory. */
int signet_key__to_pkcs8(signet_buf *out, signet_ctx *ctx, const signet_key *key);
/* Parse PKCS#8 DER (and nothing else) into a private key. */
int signet_key__from_pkcs8(signet_key **out, signet_ctx *ctx, const void *der, size_t len,
                           const char *name);

/* Standard base64 (padded) decode, refusing anything else; and encode. */
int signet_base64__decode(signet_buf *out, signet_ctx *ctx, const char *text, size_t len,
                          const char *what);
int signet_base64__encode(signet_buf *out, signet_ctx *ctx, const void *data, size_t len);

#endif
