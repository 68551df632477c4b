/*
 * GPG simple signing, as containers/image and skopeo do it: an "atomic container signature"
 * payload inside a non-detached OpenPGP signed message, made and checked with gpgme.
 */
#ifndef SIGNET_GPG_H
#define SIGNET_GPG_H

#include "buf.h"
#include "ctx.h"
#include "reference.h"
#include "registry.h"

#define SIGNET_GPG_FINGERPRINT_MAX 65 /* 40 hex digits for v4 keys, 64 for v5; plus NUL */
#define SIGNET_GPG_SIGNATURE_MAX   (4u * 1024 * 1024) /* c/image's limit on a signature blob */

/* A set of trusted keys and the gpgme context that uses them. */
typedef struct signet_gpg signet_gpg;

/**
 * A context over an ephemeral GnuPG home that holds only the keys imported into it (what
 * containers/image does for verification), or over @p gnupg_home (for signing with a secret
 * key there; NULL with @p ephemeral 0 means the user's default home). An ephemeral home
 * consults no trust database (every key in it was imported as trusted; revocation and expiry
 * still count) and starts no gpg-agent until secret keys are imported into it.
 *
 * @param[out] out release with signet_gpg_free() (which removes an ephemeral home).
 * @return SIGNET_OK, SIGNET_ECRYPTO (gpgme or gpg missing), SIGNET_EIO.
 */
SIGNET_EXTERN(int)
signet_gpg_new(signet_gpg **out, signet_ctx *ctx, int ephemeral, const char *gnupg_home);

/**
 * Import a keyring (binary or ASCII-armoured). The primary-key fingerprints imported are
 * remembered as the accepted signers. Secret keys in it make an ephemeral context start a
 * gpg-agent (stopped by signet_gpg_free()).
 *
 * @return SIGNET_OK, SIGNET_EPARSE (no key in it), SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int)
signet_gpg_import(signet_gpg *gpg, signet_ctx *ctx, const void *keyring, size_t len,
                  const char *name);

/** Number of accepted signers (primary keys imported so far). */
SIGNET_EXTERN(size_t) signet_gpg_key_count(const signet_gpg *gpg);

/** The i-th accepted primary fingerprint (uppercase hex). Owned by @p gpg. */
SIGNET_EXTERN(const char *) signet_gpg_key_fingerprint(const signet_gpg *gpg, size_t i);

/**
 * Verify a signed message and return its content, only when exactly one signature is present,
 * it is valid (not expired, key not revoked) and its key, or the primary key of its subkey, is
 * an accepted signer.
 *
 * @param[out] payload the signed content (dispose with signet_buf_dispose()); untouched on
 *             failure.
 * @param[out] primary the accepted primary fingerprint (SIGNET_GPG_FINGERPRINT_MAX bytes).
 * @return SIGNET_OK; SIGNET_EVERIFY (bad, expired, unknown or unaccepted signature, or not a
 *         signed message); SIGNET_ETOOLARGE; SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int)
signet_gpg_verify(signet_buf *payload, char *primary, signet_ctx *ctx, signet_gpg *gpg,
                  const void *signature, size_t len);

/**
 * Sign @p data with the secret key @p fingerprint into a non-detached binary OpenPGP message.
 *
 * @return SIGNET_OK, SIGNET_ENOTFOUND (no such secret key), SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int)
signet_gpg_sign(signet_buf *out, signet_ctx *ctx, signet_gpg *gpg, const char *fingerprint,
                const void *data, size_t len);

/**
 * Export the public key @p fingerprint (binary OpenPGP) from the context's keyring.
 *
 * @return SIGNET_OK, SIGNET_ENOTFOUND (no such key), SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int)
signet_gpg_export(signet_buf *out, signet_ctx *ctx, signet_gpg *gpg, const char *fingerprint);

/** Release the context; an ephemeral home is removed. NULL is allowed. */
SIGNET_EXTERN(void) signet_gpg_free(signet_gpg *gpg);

/**
 * The simple signing payload containers/image writes (keys sorted, compact):
 * {"critical":{"identity":{"docker-reference":REF},"image":{"docker-manifest-digest":DIGEST},
 *  "type":"atomic container signature"},"optional":{"creator":"signet VERSION","timestamp":T}}
 */
SIGNET_EXTERN(int)
signet_simplesign_payload(signet_buf *out, signet_ctx *ctx, const char *docker_reference,
                          const char *digest, int64_t timestamp);

/**
 * Sign @p image as skopeo copy --sign-by does: resolve its digest, sign the simple signing
 * payload naming the image as given (Docker Hub as docker.io) with the secret key
 * @p fingerprint, and write it to the file:// lookaside @p staging_url at
 * <base>/<repo>@sha256=<hex>/signature-<N>, the first free N.
 *
 * @param[out] written the URL written (@p size bytes).
 * @return SIGNET_OK; SIGNET_EUNSUPPORTED for a staging URL that is not file://; registry, GPG
 *         and file errors.
 */
SIGNET_EXTERN(int)
signet_lookaside_sign(char *written, size_t size, signet_ctx *ctx, signet_registry *reg,
                      signet_gpg *gpg, const char *fingerprint, const signet_reference *image,
                      const char *staging_url);

/* What a simple signing payload claims. Plain data. */
typedef struct signet_simplesign_claims {
    char docker_reference[512];
    char digest[80];
    int64_t timestamp; /* -1 when absent */
} signet_simplesign_claims;

/**
 * Parse a verified payload as strictly as containers/image: exactly {critical, optional},
 * critical exactly {type, image, identity}, type "atomic container signature", a valid
 * digest, optional an object whose creator is a string and timestamp an integer.
 *
 * @return SIGNET_OK or SIGNET_EVERIFY (an invalid signature payload) with the reason.
 */
SIGNET_EXTERN(int)
signet_simplesign_parse(signet_simplesign_claims *out, signet_ctx *ctx, const void *payload,
                        size_t len);

#endif
