/*
 * Signing and verifying bytes the way cosign does: ECDSA signatures are ASN.1 DER over
 * SHA-256 (SHA-384 for P-384, SHA-512 for P-521); RSA is PKCS#1 v1.5 (PSS for RSA-PSS keys)
 * over SHA-256; Ed25519 is pure Ed25519 over the message.
 */
#ifndef SIGNET_SIGN_H
#define SIGNET_SIGN_H

#include "buf.h"
#include "ctx.h"
#include "key.h"

/** Largest signature accepted for verification, raw or base64. */
#define SIGNET_SIGNATURE_MAX (16 * 1024)

/** Largest message an Ed25519 key signs or verifies from a stream that is not a file. */
#define SIGNET_ED25519_STREAM_MAX (256u * 1024 * 1024)

/**
 * Sign everything readable from @p fd, in constant memory (except Ed25519 on a non-file
 * stream, bounded by SIGNET_ED25519_STREAM_MAX).
 *
 * @param[out] out the raw signature (DER for ECDSA); dispose with signet_buf_dispose().
 * @param name shown in messages.
 * @return SIGNET_OK, SIGNET_EINVALID (public key only), SIGNET_EIO, SIGNET_ECRYPTO,
 *         SIGNET_ETOOLARGE.
 */
SIGNET_EXTERN(int)
signet_sign_fd(signet_buf *out, signet_ctx *ctx, const signet_key *key, int fd, const char *name);

/** Sign a buffer. Same as signet_sign_fd() otherwise. */
SIGNET_EXTERN(int)
signet_sign_data(signet_buf *out, signet_ctx *ctx, const signet_key *key, const void *data,
                 size_t len);

/**
 * Verify @p sig over everything readable from @p fd. ECDSA signatures may be DER or raw r||s.
 *
 * @return SIGNET_OK when it verifies, SIGNET_EVERIFY when it does not, SIGNET_EIO,
 *         SIGNET_ETOOLARGE, SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int)
signet_verify_fd(signet_ctx *ctx, const signet_key *key, const void *sig, size_t sig_len, int fd,
                 const char *name);

/** Verify @p sig over a buffer. Same returns as signet_verify_fd(). */
SIGNET_EXTERN(int)
signet_verify_data(signet_ctx *ctx, const signet_key *key, const void *sig, size_t sig_len,
                   const void *data, size_t len);

/**
 * Decode a signature as cosign reads one: surrounding white space is ignored; text that is
 * valid standard base64 is decoded, anything else is taken as the raw signature bytes.
 *
 * @param[out] out the raw signature; dispose with signet_buf_dispose().
 * @return SIGNET_OK, SIGNET_EPARSE (empty), SIGNET_ETOOLARGE.
 */
SIGNET_EXTERN(int)
signet_signature_decode(signet_buf *out, signet_ctx *ctx, const void *text, size_t len);

/**
 * Encode a raw signature as standard base64 (padded, no newline).
 *
 * @param[out] out the text; dispose with signet_buf_dispose().
 */
SIGNET_EXTERN(int)
signet_signature_encode(signet_buf *out, signet_ctx *ctx, const void *sig, size_t sig_len);

#endif
