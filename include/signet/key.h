/*
 * Keys in cosign's formats: the encrypted private key file (PEM "ENCRYPTED SIGSTORE PRIVATE
 * KEY": scrypt + nacl/secretbox over PKCS#8 DER) and the SPKI public key PEM.
 */
#ifndef SIGNET_KEY_H
#define SIGNET_KEY_H

#include "buf.h"
#include "ctx.h"

typedef struct signet_key signet_key;

typedef enum signet_key_type {
    SIGNET_KEY_ECDSA_P256 = 1,
    SIGNET_KEY_ECDSA_P384 = 2,
    SIGNET_KEY_ECDSA_P521 = 3,
    SIGNET_KEY_RSA = 4,     /* RSASSA-PKCS1-v1_5 */
    SIGNET_KEY_RSA_PSS = 5, /* the key's own OID says RSASSA-PSS */
    SIGNET_KEY_ED25519 = 6,
} signet_key_type;

/** Largest key file, encrypted or not, that is read. */
#define SIGNET_KEY_FILE_MAX (64 * 1024)

/** scrypt N written by signet_key_encrypt_cosign(); cosign >= 2.2 writes the same. */
#define SIGNET_KEY_SCRYPT_N 65536

/**
 * Generate an ECDSA P-256 key pair, cosign's default.
 *
 * @param[out] out the new key; release with signet_key_free().
 * @return SIGNET_OK, SIGNET_ECRYPTO.
 */
SIGNET_EXTERN(int) signet_key_generate(signet_key **out, signet_ctx *ctx);

/**
 * Decrypt a cosign encrypted private key PEM (label ENCRYPTED SIGSTORE PRIVATE KEY or
 * ENCRYPTED COSIGN PRIVATE KEY; scrypt N 32768, 65536 or 131072 with r=8, p=1 (the values
 * go-securesystemslib accepts); nacl/secretbox;
 * PKCS#8 plaintext).
 *
 * @param[out] out the key; release with signet_key_free().
 * @param name shown in messages, e.g. the file name.
 * @param password may be empty; the caller keeps it in guarded memory.
 * @return SIGNET_OK; SIGNET_EPASSWORD (incorrect password); SIGNET_EPARSE (malformed);
 *         SIGNET_EUNSUPPORTED (other kdf, cipher, parameters or key type); SIGNET_ETOOLARGE.
 */
SIGNET_EXTERN(int)
signet_key_decrypt_cosign(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                          const char *password, size_t password_len, const char *name);

/**
 * Encrypt a private key into cosign's format (label ENCRYPTED SIGSTORE PRIVATE KEY,
 * scrypt N=65536 r=8 p=1, fresh random salt and nonce).
 *
 * @param[out] out PEM text; the caller disposes of it with signet_buf_dispose().
 * @return SIGNET_OK, SIGNET_EINVALID (no private part), SIGNET_ECRYPTO, SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_key_encrypt_cosign(signet_buf *out, signet_ctx *ctx, const signet_key *key,
                          const char *password, size_t password_len);

/**
 * Parse a plaintext private key PEM for import: RSA PRIVATE KEY (PKCS#1), EC PRIVATE KEY
 * (SEC1) or PRIVATE KEY (PKCS#8). Accepted: RSA 2048-4096 bits, ECDSA P-256/384/521, Ed25519.
 *
 * @return SIGNET_OK, SIGNET_EPARSE, SIGNET_EUNSUPPORTED.
 */
SIGNET_EXTERN(int)
signet_key_parse_private_pem(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                             const char *name);

/**
 * Parse a public key PEM: PUBLIC KEY (SPKI) or RSA PUBLIC KEY (PKCS#1).
 *
 * @return SIGNET_OK, SIGNET_EPARSE, SIGNET_EUNSUPPORTED.
 */
SIGNET_EXTERN(int)
signet_key_parse_public(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                        const char *name);

/**
 * Read a key file (at most SIGNET_KEY_FILE_MAX bytes, symbolic links refused) and parse it:
 * an encrypted cosign private key when @p password is not NULL, else a public key.
 *
 * @return as signet_key_decrypt_cosign() / signet_key_parse_public(), plus SIGNET_EIO and
 *         SIGNET_ENOTFOUND.
 */
SIGNET_EXTERN(int)
signet_key_load(signet_key **out, signet_ctx *ctx, const char *path, const char *password,
                size_t password_len);

/**
 * The public key as cosign writes it: PEM "PUBLIC KEY" (SPKI DER), base64 wrapped at 64.
 *
 * @param[out] out PEM text; dispose with signet_buf_dispose().
 */
SIGNET_EXTERN(int) signet_key_public_pem(signet_buf *out, signet_ctx *ctx, const signet_key *key);

/** The key's algorithm. */
SIGNET_EXTERN(signet_key_type) signet_key_get_type(const signet_key *key);

/** Non-zero when the key holds a private part. */
SIGNET_EXTERN(int) signet_key_has_private(const signet_key *key);

/** A short name of the type, e.g. "ECDSA P-256". Static storage. */
SIGNET_EXTERN(const char *) signet_key_type_name(signet_key_type type);

/** Release a key, wiping its private part. NULL is allowed. */
SIGNET_EXTERN(void) signet_key_free(signet_key *key);

#endif
