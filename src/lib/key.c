/*
 * Key objects: generation, the accepted algorithms (cosign's goodkey rules), plaintext PEM
 * import, public key PEM in and out.
 */
#include "internal.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define RSA_BITS_MIN 2048
#define RSA_BITS_MAX 4096

const char *
signet_key_type_name(signet_key_type type)
{
    switch (type) {
    case SIGNET_KEY_ECDSA_P256:
        return "ECDSA P-256";
    case SIGNET_KEY_ECDSA_P384:
        return "ECDSA P-384";
    case SIGNET_KEY_ECDSA_P521:
        return "ECDSA P-521";
    case SIGNET_KEY_RSA:
        return "RSA";
    case SIGNET_KEY_RSA_PSS:
        return "RSA-PSS";
    case SIGNET_KEY_ED25519:
        return "Ed25519";
    }
    return "unknown";
}

/* Go's x509 (and so cosign) reads only named curves with uncompressed points. */
static int
ec_encoded_as_go_reads(signet_ctx *ctx, EVP_PKEY *pkey, const char *name)
{
    char encoding[32] = "", format[32] = "";

    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, encoding,
                                       sizeof(encoding), NULL) &&
        strcmp(encoding, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
        signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                          "'%s': ECDSA key with explicit curve parameters is not supported (a "
                          "named curve is)",
                          name);
        return 0;
    }
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, format,
                                       sizeof(format), NULL) &&
        strcmp(format, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 0) {
        signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                          "'%s': ECDSA key with a %s point is not supported (uncompressed is)",
                          name, format);
        return 0;
    }
    ERR_clear_error();
    return 1;
}

/*
 * signet signs RSA-PSS with SHA-256 and a salt as long as the hash: a key whose parameters
 * forbid that (another hash, a longer minimum salt) could be read but never used. Try it.
 */
static int
pss_usable(signet_ctx *ctx, EVP_PKEY *pkey, int has_private, const char *name)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = pctx != NULL &&
             (has_private ? EVP_PKEY_sign_init(pctx) : EVP_PKEY_verify_init(pctx)) > 0 &&
             EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             (!has_private || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0) &&
             i2d_PUBKEY(pkey, NULL) > 0;

    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    if (!ok)
        signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                          "'%s': RSA-PSS key whose parameters forbid SHA-256 with a 32-byte salt "
                          "is not supported",
                          name);
    return ok;
}

/* The key's type, or 0 with an error set when cosign would not accept it. */
static signet_key_type
classify(signet_ctx *ctx, EVP_PKEY *pkey, const char *name)
{
    char group[64] = "";
    int bits;

    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC:
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                            NULL)) {
            ERR_clear_error();
            signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                              "'%s': ECDSA key without a named curve is not supported", name);
            return 0;
        }
        if (!ec_encoded_as_go_reads(ctx, pkey, name))
            return 0;
        if (strcmp(group, "prime256v1") == 0)
            return SIGNET_KEY_ECDSA_P256;
        if (strcmp(group, "secp384r1") == 0)
            return SIGNET_KEY_ECDSA_P384;
        if (strcmp(group, "secp521r1") == 0)
            return SIGNET_KEY_ECDSA_P521;
        signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                          "'%s': ECDSA curve %s not allowed (P-256, P-384, P-521 are)", name,
                          group);
        return 0;
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        bits = EVP_PKEY_get_bits(pkey);
        if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX) {
            signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                              "'%s': RSA key size %d not supported (%d to %d bits are)", name, bits,
                              RSA_BITS_MIN, RSA_BITS_MAX);
            return 0;
        }
        return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ? SIGNET_KEY_RSA : SIGNET_KEY_RSA_PSS;
    case EVP_PKEY_ED25519:
        return SIGNET_KEY_ED25519;
    }
    signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                      "'%s': unsupported key type %s (ECDSA, RSA and Ed25519 are supported)", name,
                      EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
    return 0;
}

/* A key file can carry a public part that is not its private key's (OpenSSL keeps what the
 * file says; Go derives it). Signing with such a key yields signatures its .pub rejects. */
static int
halves_match(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = pctx != NULL && EVP_PKEY_pairwise_check(pctx) == 1;

    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
    return ok;
}

int
signet_key__wrap(signet_key **out, signet_ctx *ctx, EVP_PKEY *pkey, int has_private,
                 const char *name)
{
    signet_key *key;
    signet_key_type type;

    *out = NULL;
    if ((type = classify(ctx, pkey, name)) == 0)
        return signet_ctx_error_code(ctx) ? signet_ctx_error_code(ctx) : SIGNET_EUNSUPPORTED;
    if (type == SIGNET_KEY_RSA_PSS && !pss_usable(ctx, pkey, has_private, name))
        return SIGNET_EUNSUPPORTED;
    if (has_private && !halves_match(pkey))
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%s': the private key's public part does not match it", name);
    key = calloc(1, sizeof(*key));
    if (key == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    key->pkey = pkey;
    key->type = type;
    key->has_private = has_private;
    *out = key;
    return SIGNET_OK;
}

int
signet_key_generate(signet_key **out, signet_ctx *ctx)
{
    EVP_PKEY *pkey;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = NULL;
    pkey = EVP_EC_gen("P-256");
    if (pkey == NULL)
        return signet_error__openssl(ctx, SIGNET_ECRYPTO, "generating an ECDSA P-256 key");
    if ((rc = signet_key__wrap(out, ctx, pkey, 1, "generated key")) != SIGNET_OK)
        EVP_PKEY_free(pkey);
    return rc;
}

int
signet_key__from_pkcs8(signet_key **out, signet_ctx *ctx, const void *der, size_t len,
                       const char *name)
{
    const unsigned char *p = der;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_PKEY *pkey = NULL;
    int rc;

    *out = NULL;
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
    if (p8 == NULL || p != (const unsigned char *)der + len) {
        ERR_clear_error();
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "'%s': private key is not PKCS#8 (cosign keys hold PKCS#8)", name);
        goto out;
    }
    pkey = EVP_PKCS82PKEY(p8);
    if (pkey == NULL) {
        rc = signet_error__openssl(ctx, SIGNET_EUNSUPPORTED, "'%s': cannot use PKCS#8 key", name);
        goto out;
    }
    if ((rc = signet_key__wrap(out, ctx, pkey, 1, name)) == SIGNET_OK)
        pkey = NULL; /* now owned by the key */
out:
    EVP_PKEY_free(pkey);
    PKCS8_PRIV_KEY_INFO_free(p8); /* clears the private key octets */
    return rc;
}

int
signet_key__to_pkcs8(signet_buf *out, signet_ctx *ctx, const signet_key *key)
{
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    unsigned char *p;
    int len, rc;

    if (!key->has_private)
        return signet_error__set(ctx, SIGNET_EINVALID, "key has no private part");
    p8 = EVP_PKEY2PKCS8(key->pkey);
    if (p8 == NULL)
        return signet_error__openssl(ctx, SIGNET_ECRYPTO, "encoding the private key");
    len = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
    if (len <= 0) {
        rc = signet_error__openssl(ctx, SIGNET_ECRYPTO, "encoding the private key");
        goto out;
    }
    if ((rc = signet_buf__reserve(out, (size_t)len)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "encoding the private key: %s", signet_strerror(rc));
        goto out;
    }
    p = (unsigned char *)out->ptr + out->size;
    i2d_PKCS8_PRIV_KEY_INFO(p8, &p);
    out->size += (size_t)len;
out:
    PKCS8_PRIV_KEY_INFO_free(p8);
    return rc;
}

/* PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey only: no PKCS#8 under a traditional label. */
static EVP_PKEY *
decode_type_specific(const unsigned char *der, size_t len, const char *type)
{
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "type-specific", type,
                                                           OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);

    if (dctx == NULL || !OSSL_DECODER_from_data(dctx, &der, &len) || len != 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

static EVP_PKEY *
decode_rsa_private(const unsigned char *der, size_t len)
{
    return decode_type_specific(der, len, "RSA");
}

static EVP_PKEY *
decode_ec_private(const unsigned char *der, size_t len)
{
    return decode_type_specific(der, len, "EC");
}

/* The d2i functions below must consume the whole block: trailing bytes are malformed. */
static EVP_PKEY *
decode_spki(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);

    if (pkey != NULL && p != der + len) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

static EVP_PKEY *
decode_rsa_public(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);

    if (pkey != NULL && p != der + len) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

/* The PEM labels a key parser accepts and how each block decodes (NULL: PKCS#8). */
struct pem_kind {
    const char *label;
    EVP_PKEY *(*decode)(const unsigned char *der, size_t len);
};

static const struct pem_kind private_kinds[] = {
    {"PRIVATE KEY", NULL},
    {"RSA PRIVATE KEY", decode_rsa_private},
    {"EC PRIVATE KEY", decode_ec_private},
};

static const struct pem_kind public_kinds[] = {
    {"PUBLIC KEY", decode_spki},
    {"RSA PUBLIC KEY", decode_rsa_public},
};

static int
parse_pem_key(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len, const char *name,
              int private)
{
    const struct pem_kind *kinds = private ? private_kinds : public_kinds;
    size_t nkinds = private ? sizeof(private_kinds) / sizeof(private_kinds[0])
                            : sizeof(public_kinds) / sizeof(public_kinds[0]);
    signet_buf label = SIGNET_BUF_INIT, der = SIGNET_BUF_INIT;
    const struct pem_kind *kind = NULL;
    EVP_PKEY *pkey = NULL;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && pem != NULL && name != NULL);
    *out = NULL;
    signet_buf_init(&label, 128, 0);
    signet_buf_init(&der, SIGNET_KEY_FILE_MAX, private);
    if ((rc = signet_pem__decode(&label, &der, ctx, pem, pem_len, name)) != SIGNET_OK)
        goto out;
    for (size_t i = 0; i < nkinds && kind == NULL; i++)
        if (strcmp(label.ptr, kinds[i].label) == 0)
            kind = &kinds[i];
    if (kind == NULL) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               private ? "'%s': unsupported private key PEM type '%s' (RSA PRIVATE "
                                         "KEY, EC PRIVATE KEY and PRIVATE KEY are)"
                                       : "'%s': unsupported public key PEM type '%s' (PUBLIC KEY "
                                         "and RSA PUBLIC KEY are); are you passing the correct "
                                         "public key?",
                               name, label.ptr);
        goto out;
    }
    if (kind->decode == NULL) {
        rc = signet_key__from_pkcs8(out, ctx, der.ptr, der.size, name);
        goto out;
    }
    pkey = kind->decode((const unsigned char *)der.ptr, der.size);
    if (pkey == NULL) {
        ERR_clear_error();
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': malformed %s", name, label.ptr);
        goto out;
    }
    if ((rc = signet_key__wrap(out, ctx, pkey, private, name)) == SIGNET_OK)
        pkey = NULL; /* now owned by the key */
out:
    EVP_PKEY_free(pkey);
    signet_buf_dispose(&der);
    signet_buf_dispose(&label);
    return rc;
}

int
signet_key_parse_private_pem(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                             const char *name)
{
    return parse_pem_key(out, ctx, pem, pem_len, name, 1);
}

int
signet_key_parse_public(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                        const char *name)
{
    return parse_pem_key(out, ctx, pem, pem_len, name, 0);
}

int
signet_key_load(signet_key **out, signet_ctx *ctx, const char *path, const char *password,
                size_t password_len)
{
    signet_buf text = SIGNET_BUF_INIT;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && path != NULL);
    *out = NULL;
    signet_buf_init(&text, SIGNET_KEY_FILE_MAX, 0);
    if ((rc = signet_file_read(&text, ctx, path)) != SIGNET_OK)
        goto out;
    if (password != NULL)
        rc = signet_key_decrypt_cosign(out, ctx, text.ptr, text.size, password, password_len, path);
    else
        rc = signet_key_parse_public(out, ctx, text.ptr, text.size, path);
out:
    signet_buf_dispose(&text);
    return rc;
}

int
signet_key_public_pem(signet_buf *out, signet_ctx *ctx, const signet_key *key)
{
    unsigned char *der = NULL;
    int len, rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && key != NULL);
    len = i2d_PUBKEY(key->pkey, &der);
    if (len <= 0)
        return signet_error__openssl(ctx, SIGNET_ECRYPTO, "encoding the public key");
    rc = signet_pem__encode(out, ctx, "PUBLIC KEY", der, (size_t)len);
    OPENSSL_free(der);
    return rc;
}

signet_key_type
signet_key_get_type(const signet_key *key)
{
    return key == NULL ? 0 : key->type;
}

int
signet_key_has_private(const signet_key *key)
{
    return key != NULL && key->has_private;
}

void
signet_key_free(signet_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey); /* clears private key material */
    free(key);                /* checksrc: the struct holds only a pointer, already freed */
}
