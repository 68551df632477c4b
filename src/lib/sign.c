/*
 * Signing and verifying data and streams. Hash-then-sign keys (ECDSA, RSA) stream through a
 * fixed buffer; pure Ed25519 needs the whole message, so files are mapped and other streams
 * read into a bounded buffer.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define STREAM_CHUNK (256 * 1024)

static const EVP_MD *
digest_for(signet_key_type type)
{
    switch (type) {
    case SIGNET_KEY_ECDSA_P384:
        return EVP_sha384();
    case SIGNET_KEY_ECDSA_P521:
        return EVP_sha512();
    case SIGNET_KEY_ED25519:
        return NULL;
    default:
        return EVP_sha256();
    }
}

/* A message held whole in memory: mapped from a file, or read into a buffer. */
struct whole_message {
    const unsigned char *data;
    size_t len;
    void *map;
    signet_buf buf;
};

static int
whole_message_read(struct whole_message *m, signet_ctx *ctx, int fd, const char *name)
{
    struct stat st;
    char chunk[16384];
    ssize_t n;
    int rc;

    memset(m, 0, sizeof(*m));
    signet_buf_init(&m->buf, SIGNET_ED25519_STREAM_MAX, 0);
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        m->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m->map != MAP_FAILED) {
            m->data = m->map;
            m->len = (size_t)st.st_size;
            return SIGNET_OK;
        }
        m->map = NULL;
    }
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return signet_error__set(ctx, SIGNET_EIO, "cannot read '%s': %s", name,
                                     strerror(errno));
        if (n == 0)
            break;
        if ((rc = signet_buf_put(&m->buf, chunk, (size_t)n)) != SIGNET_OK)
            return signet_error__set(ctx, rc,
                                     "cannot read '%s': Ed25519 needs the whole message and "
                                     "a stream is limited to %u bytes",
                                     name, SIGNET_ED25519_STREAM_MAX);
    }
    m->data = (const unsigned char *)(m->buf.ptr ? m->buf.ptr : "");
    m->len = m->buf.size;
    return SIGNET_OK;
}

static void
whole_message_release(struct whole_message *m)
{
    if (m->map != NULL)
        munmap(m->map, m->len);
    signet_buf_dispose(&m->buf);
}

/* Hash everything readable from fd. */
static int
digest_fd(unsigned char *md, unsigned int *md_len, signet_ctx *ctx, const EVP_MD *type, int fd,
          const char *name)
{
    EVP_MD_CTX *mdctx = NULL;
    unsigned char *chunk = NULL;
    int rc = SIGNET_OK;
    ssize_t n;

    mdctx = EVP_MD_CTX_new();
    chunk = malloc(STREAM_CHUNK);
    if (mdctx == NULL || chunk == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (!EVP_DigestInit_ex(mdctx, type, NULL)) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "hashing '%s'", name);
        goto out;
    }
    for (;;) {
        n = read(fd, chunk, STREAM_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = signet_error__set(ctx, SIGNET_EIO, "cannot read '%s': %s", name, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (!EVP_DigestUpdate(mdctx, chunk, (size_t)n)) {
            rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "hashing '%s'", name);
            goto out;
        }
    }
    if (!EVP_DigestFinal_ex(mdctx, md, md_len))
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "hashing '%s'", name);
out:
    free(chunk);
    EVP_MD_CTX_free(mdctx);
    return rc;
}

static int
digest_data(unsigned char *md, unsigned int *md_len, signet_ctx *ctx, const EVP_MD *type,
            const void *data, size_t len)
{
    if (!EVP_Digest(data, len, md, md_len, type, NULL))
        return signet_error__openssl(ctx, SIGNET_ECRYPTO, "hashing");
    return SIGNET_OK;
}

/* Prepare a sign or verify operation over a precomputed digest. */
static EVP_PKEY_CTX *
digest_op_ctx(signet_ctx *ctx, const signet_key *key, int for_signing)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    int ok;

    if (pctx == NULL)
        goto fail;
    ok = for_signing ? EVP_PKEY_sign_init(pctx) : EVP_PKEY_verify_init(pctx);
    if (ok <= 0 || EVP_PKEY_CTX_set_signature_md(pctx, digest_for(key->type)) <= 0)
        goto fail;
    if (key->type == SIGNET_KEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
        goto fail;
    if (key->type == SIGNET_KEY_RSA_PSS) {
        /* Salt as long as the hash when signing (Go's rsa.PSSSaltLengthEqualsHash); any
         * length when verifying (Go's PSSSaltLengthAuto). */
        int salt = for_signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO;
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) <= 0)
            goto fail;
    }
    return pctx;
fail:
    signet_error__openssl(ctx, SIGNET_ECRYPTO, "preparing a %s operation",
                          signet_key_type_name(key->type));
    EVP_PKEY_CTX_free(pctx);
    return NULL;
}

static int
sign_digest(signet_buf *out, signet_ctx *ctx, const signet_key *key, const unsigned char *md,
            size_t md_len)
{
    EVP_PKEY_CTX *pctx = NULL;
    size_t sig_len = 0;
    int rc = SIGNET_OK;

    if ((pctx = digest_op_ctx(ctx, key, 1)) == NULL)
        return signet_ctx_error_code(ctx);
    if (EVP_PKEY_sign(pctx, NULL, &sig_len, md, md_len) <= 0) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "signing");
        goto out;
    }
    if ((rc = signet_buf__reserve(out, sig_len)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "signing: %s", signet_strerror(rc));
        goto out;
    }
    if (EVP_PKEY_sign(pctx, (unsigned char *)out->ptr + out->size, &sig_len, md, md_len) <= 0) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "signing");
        goto out;
    }
    out->size += sig_len;
out:
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

static int
sign_ed25519(signet_buf *out, signet_ctx *ctx, const signet_key *key, const void *data, size_t len)
{
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    size_t sig_len = 64;
    int rc = SIGNET_OK;

    if (mdctx == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    if ((rc = signet_buf__reserve(out, sig_len)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "signing: %s", signet_strerror(rc));
        goto out;
    }
    if (EVP_DigestSignInit(mdctx, NULL, NULL, NULL, key->pkey) <= 0 ||
        EVP_DigestSign(mdctx, (unsigned char *)out->ptr + out->size, &sig_len, data, len) <= 0) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "signing");
        goto out;
    }
    out->size += sig_len;
out:
    EVP_MD_CTX_free(mdctx);
    return rc;
}

/* ECDSA verifiers accept raw r||s too (sigstore does): convert it to DER. */
static int
ecdsa_raw_to_der(signet_buf *out, const signet_key *key, const unsigned char *sig, size_t len)
{
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    int field = (EVP_PKEY_get_bits(key->pkey) + 7) / 8, der_len, rc = -1;

    if (len != (size_t)field * 2)
        return -1;
    r = BN_bin2bn(sig, field, NULL);
    s = BN_bin2bn(sig + field, field, NULL);
    es = ECDSA_SIG_new();
    if (r == NULL || s == NULL || es == NULL || !ECDSA_SIG_set0(es, r, s))
        goto out;
    r = s = NULL; /* now owned by es */
    der_len = i2d_ECDSA_SIG(es, &der);
    if (der_len > 0 && signet_buf_put(out, der, (size_t)der_len) == SIGNET_OK)
        rc = 0;
out:
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    return rc;
}

/* Strict DER: parses completely and re-encodes to the same bytes. */
static int
is_ecdsa_der(const unsigned char *sig, size_t len)
{
    const unsigned char *p = sig;
    unsigned char *again = NULL;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    int ok = 0;

    if (es != NULL && p == sig + len) {
        int again_len = i2d_ECDSA_SIG(es, &again);
        ok = again_len == (int)len && memcmp(again, sig, len) == 0;
    }
    OPENSSL_free(again);
    ECDSA_SIG_free(es);
    ERR_clear_error();
    return ok;
}

static int
reject(signet_ctx *ctx, const signet_key *key, const char *name)
{
    return signet_error__set(ctx, SIGNET_EVERIFY,
                             "invalid signature: %s%s%s does not verify with this %s key",
                             name ? "'" : "", name ? name : "the data", name ? "'" : "",
                             signet_key_type_name(key->type));
}

static int
verify_digest(signet_ctx *ctx, const signet_key *key, const unsigned char *sig, size_t sig_len,
              const unsigned char *md, size_t md_len, const char *name)
{
    signet_buf der = SIGNET_BUF_INIT;
    EVP_PKEY_CTX *pctx = NULL;
    int rc, ok;

    signet_buf_init(&der, 256, 0);
    if (key->type <= SIGNET_KEY_ECDSA_P521 && !is_ecdsa_der(sig, sig_len) &&
        ecdsa_raw_to_der(&der, key, sig, sig_len) == 0) {
        sig = (const unsigned char *)der.ptr;
        sig_len = der.size;
    }
    if ((pctx = digest_op_ctx(ctx, key, 0)) == NULL) {
        rc = signet_ctx_error_code(ctx);
        goto out;
    }
    ok = EVP_PKEY_verify(pctx, sig, sig_len, md, md_len);
    ERR_clear_error();
    rc = ok == 1 ? SIGNET_OK : reject(ctx, key, name);
out:
    EVP_PKEY_CTX_free(pctx);
    signet_buf_dispose(&der);
    return rc;
}

static int
verify_ed25519(signet_ctx *ctx, const signet_key *key, const void *sig, size_t sig_len,
               const void *data, size_t len, const char *name)
{
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    int ok;

    if (mdctx == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    ok = EVP_DigestVerifyInit(mdctx, NULL, NULL, NULL, key->pkey) > 0 &&
         EVP_DigestVerify(mdctx, sig, sig_len, data, len) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(mdctx);
    return ok ? SIGNET_OK : reject(ctx, key, name);
}

int
signet_sign_data(signet_buf *out, signet_ctx *ctx, const signet_key *key, const void *data,
                 size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && key != NULL && (data != NULL || len == 0));
    if (!key->has_private)
        return signet_error__set(ctx, SIGNET_EINVALID, "cannot sign with a public key");
    if (key->type == SIGNET_KEY_ED25519)
        return sign_ed25519(out, ctx, key, data, len);
    if ((rc = digest_data(md, &md_len, ctx, digest_for(key->type), data, len)) != SIGNET_OK)
        return rc;
    return sign_digest(out, ctx, key, md, md_len);
}

int
signet_sign_fd(signet_buf *out, signet_ctx *ctx, const signet_key *key, int fd, const char *name)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    struct whole_message m;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && key != NULL && fd >= 0 && name != NULL);
    if (!key->has_private)
        return signet_error__set(ctx, SIGNET_EINVALID, "cannot sign with a public key");
    if (key->type == SIGNET_KEY_ED25519) {
        if ((rc = whole_message_read(&m, ctx, fd, name)) == SIGNET_OK)
            rc = sign_ed25519(out, ctx, key, m.data, m.len);
        whole_message_release(&m);
        return rc;
    }
    if ((rc = digest_fd(md, &md_len, ctx, digest_for(key->type), fd, name)) != SIGNET_OK)
        return rc;
    return sign_digest(out, ctx, key, md, md_len);
}

int
signet_verify_data(signet_ctx *ctx, const signet_key *key, const void *sig, size_t sig_len,
                   const void *data, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc;

    SIGNET_ASSERT_ARG(ctx, key != NULL && sig != NULL && (data != NULL || len == 0));
    if (sig_len > SIGNET_SIGNATURE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature larger than %d bytes",
                                 SIGNET_SIGNATURE_MAX);
    if (key->type == SIGNET_KEY_ED25519)
        return verify_ed25519(ctx, key, sig, sig_len, data, len, NULL);
    if ((rc = digest_data(md, &md_len, ctx, digest_for(key->type), data, len)) != SIGNET_OK)
        return rc;
    return verify_digest(ctx, key, sig, sig_len, md, md_len, NULL);
}

int
signet_verify_fd(signet_ctx *ctx, const signet_key *key, const void *sig, size_t sig_len, int fd,
                 const char *name)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    struct whole_message m;
    int rc;

    SIGNET_ASSERT_ARG(ctx, key != NULL && sig != NULL && fd >= 0 && name != NULL);
    if (sig_len > SIGNET_SIGNATURE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature larger than %d bytes",
                                 SIGNET_SIGNATURE_MAX);
    if (key->type == SIGNET_KEY_ED25519) {
        if ((rc = whole_message_read(&m, ctx, fd, name)) == SIGNET_OK)
            rc = verify_ed25519(ctx, key, sig, sig_len, m.data, m.len, name);
        whole_message_release(&m);
        return rc;
    }
    if ((rc = digest_fd(md, &md_len, ctx, digest_for(key->type), fd, name)) != SIGNET_OK)
        return rc;
    return verify_digest(ctx, key, sig, sig_len, md, md_len, name);
}

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
signet_signature_decode(signet_buf *out, signet_ctx *ctx, const void *text, size_t len)
{
    const char *s = text;
    signet_buf compact = SIGNET_BUF_INIT;
    signet_ctx scratch = {0, ""};
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && (text != NULL || len == 0));
    if (len > SIGNET_SIGNATURE_MAX * 2)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature larger than %d bytes",
                                 SIGNET_SIGNATURE_MAX * 2);
    /* Base64 first, ignoring white space anywhere (Go's decoder skips CR and LF, and `base64`
     * wraps lines); else the raw bytes, untouched (cosign --b64=false). */
    signet_buf_init(&compact, SIGNET_SIGNATURE_MAX * 2, 0);
    for (size_t i = 0; i < len; i++)
        if (!is_space(s[i]) && signet_buf_put(&compact, &s[i], 1) != SIGNET_OK)
            break;
    if (compact.size == 0) {
        signet_buf_dispose(&compact);
        return signet_error__set(ctx, SIGNET_EPARSE, "signature is empty");
    }
    rc = signet_base64__decode(out, &scratch, compact.ptr, compact.size, "signature");
    signet_buf_dispose(&compact);
    if (rc == SIGNET_OK)
        return SIGNET_OK;
    out->size = 0;
    return signet_buf_put(out, text, len) == SIGNET_OK
               ? SIGNET_OK
               : signet_error__set(ctx, SIGNET_ETOOLARGE, "signature too large");
}

int
signet_signature_encode(signet_buf *out, signet_ctx *ctx, const void *sig, size_t sig_len)
{
    SIGNET_ASSERT_ARG(ctx, out != NULL && sig != NULL);
    return signet_base64__encode(out, ctx, sig, sig_len);
}
