/*
 * PEM and base64, on top of OpenSSL's PEM reader and libsodium's strict base64.
 */
#include "internal.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <string.h>

int
signet_pem__decode(signet_buf *label, signet_buf *der, signet_ctx *ctx, const void *text,
                   size_t len, const char *name)
{
    BIO *bio = NULL;
    char *pem_name = NULL, *pem_header = NULL;
    unsigned char *data = NULL;
    long data_len = 0;
    int rc = SIGNET_OK;

    if (len > SIGNET_KEY_FILE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "'%s' is larger than %d bytes", name,
                                 SIGNET_KEY_FILE_MAX);
    bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL)
        return signet_error__openssl(ctx, SIGNET_ENOMEM, "reading '%s'", name);
    /* Secure flag: the block may be a plaintext private key. */
    if (!PEM_read_bio_ex(bio, &pem_name, &pem_header, &data, &data_len, PEM_FLAG_SECURE)) {
        ERR_clear_error();
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s' is not a PEM file: no valid PEM block",
                               name);
        goto out;
    }
    if (pem_header != NULL && pem_header[0] != '\0') {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "'%s': PEM headers (legacy PEM encryption) are not supported", name);
        goto out;
    }
    if ((rc = signet_buf_puts(label, pem_name)) != SIGNET_OK ||
        (rc = signet_buf_put(der, data, (size_t)data_len)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "reading '%s': PEM block too large", name);
        goto out;
    }
out:
    OPENSSL_secure_clear_free(data, (size_t)data_len);
    OPENSSL_secure_free(pem_header);
    OPENSSL_secure_free(pem_name);
    BIO_free(bio);
    return rc;
}

int
signet_pem__encode(signet_buf *out, signet_ctx *ctx, const char *label, const void *der, size_t len)
{
    BIO *bio = NULL;
    char *mem = NULL;
    long mem_len;
    int rc = SIGNET_OK;

    bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return signet_error__openssl(ctx, SIGNET_ENOMEM, "encoding PEM");
    if (PEM_write_bio(bio, label, "", der, (long)len) <= 0) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "encoding PEM");
        goto out;
    }
    mem_len = BIO_get_mem_data(bio, &mem);
    if ((rc = signet_buf_put(out, mem, (size_t)mem_len)) != SIGNET_OK)
        rc = signet_error__set(ctx, rc, "encoding PEM: %s", signet_strerror(rc));
out:
    BIO_free(bio);
    return rc;
}

int
signet_base64__decode(signet_buf *out, signet_ctx *ctx, const char *text, size_t len,
                      const char *what)
{
    size_t bin_len = 0;
    const char *end = NULL;
    int rc;

    if (len % 4 != 0)
        return signet_error__set(ctx, SIGNET_EPARSE, "%s is not valid base64", what);
    /* libsodium 1.0.18 reads bytes over 0x7f as '/': check the alphabet ourselves. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return signet_error__set(ctx, SIGNET_EPARSE, "%s is not valid base64", what);
    }
    if ((rc = signet_buf__reserve(out, len / 4 * 3)) != SIGNET_OK)
        return signet_error__set(ctx, rc, "decoding %s: %s", what, signet_strerror(rc));
    if (sodium_base642bin((unsigned char *)out->ptr + out->size, out->asize - out->size - 1, text,
                          len, NULL, &bin_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + len)
        return signet_error__set(ctx, SIGNET_EPARSE, "%s is not valid base64", what);
    out->size += bin_len;
    out->ptr[out->size] = '\0';
    return SIGNET_OK;
}

int
signet_base64__encode(signet_buf *out, signet_ctx *ctx, const void *data, size_t len)
{
    /* The encoded length includes the terminating NUL. */
    size_t enc_len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    int rc;

    if ((rc = signet_buf__reserve(out, enc_len)) != SIGNET_OK)
        return signet_error__set(ctx, rc, "encoding base64: %s", signet_strerror(rc));
    sodium_bin2base64(out->ptr + out->size, enc_len, data, len, sodium_base64_VARIANT_ORIGINAL);
    out->size += enc_len - 1;
    return SIGNET_OK;
}
