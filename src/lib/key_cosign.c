/*
 * cosign's encrypted private key: PEM whose body is base64 of
 *   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"…"},
 *    "cipher":{"name":"nacl/secretbox","nonce":"…"},"ciphertext":"…"}
 * where ciphertext = secretbox(PKCS#8 DER, nonce, scrypt(password, salt)).
 */
#include "internal.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

#define LABEL_SIGSTORE "ENCRYPTED SIGSTORE PRIVATE KEY"
#define LABEL_COSIGN   "ENCRYPTED COSIGN PRIVATE KEY"
#define SALT_LEN       32
#define SALT_MAX       128
#define KEY_LEN        crypto_secretbox_KEYBYTES
#define SCRYPT_R       8
#define SCRYPT_P       1

/* N values go-securesystemslib and go-tuf accept (cosign wrote 32768, then 65536); anything
 * larger would let a key file make us allocate gigabytes. */
static int
scrypt_n_allowed(json_int_t n)
{
    return n == 32768 || n == 65536 || n == 131072;
}

/* Member @p key of @p obj, or NULL with an error; the object may hold only @p allowed keys. */
static int
check_members(signet_ctx *ctx, json_t *obj, const char *const *allowed, const char *where,
              const char *name)
{
    const char *k;
    json_t *v;

    if (!json_is_object(obj))
        return signet_error__set(ctx, SIGNET_EPARSE, "'%s': %s is not a JSON object", name, where);
    json_object_foreach(obj, k, v)
    {
        size_t i;
        for (i = 0; allowed[i] != NULL; i++)
            if (strcmp(k, allowed[i]) == 0)
                break;
        if (allowed[i] == NULL)
            return signet_error__set(ctx, SIGNET_EUNSUPPORTED, "'%s': unknown field \"%s\" in %s",
                                     name, k, where);
    }
    return SIGNET_OK;
}

static const char *
get_string(signet_ctx *ctx, json_t *obj, const char *key, const char *where, const char *name)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v)) {
        signet_error__set(ctx, SIGNET_EPARSE, "'%s': %s.%s is missing or not a string", name, where,
                          key);
        return NULL;
    }
    return json_string_value(v);
}

static int
get_b64(signet_buf *out, signet_ctx *ctx, json_t *obj, const char *key, const char *where,
        const char *name)
{
    const char *s = get_string(ctx, obj, key, where, name);
    char what[512];

    if (s == NULL)
        return SIGNET_EPARSE;
    snprintf(what, sizeof(what), "'%s': %s.%s", name, where, key);
    return signet_base64__decode(out, ctx, s, strlen(s), what);
}

static int
derive_key(unsigned char *out, signet_ctx *ctx, const char *password, size_t password_len,
           const signet_buf *salt, uint64_t n)
{
    if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)password, password_len,
                                              (const uint8_t *)salt->ptr, salt->size, n, SCRYPT_R,
                                              SCRYPT_P, out, KEY_LEN) != 0)
        return signet_error__set(ctx, SIGNET_ENOMEM, "scrypt failed (out of memory?)");
    return SIGNET_OK;
}

int
signet_key_decrypt_cosign(signet_key **out, signet_ctx *ctx, const void *pem, size_t pem_len,
                          const char *password, size_t password_len, const char *name)
{
    static const char *const top_keys[] = {"kdf", "cipher", "ciphertext", NULL};
    static const char *const kdf_keys[] = {"name", "params", "salt", NULL};
    static const char *const params_keys[] = {"N", "r", "p", NULL};
    static const char *const cipher_keys[] = {"name", "nonce", NULL};
    signet_buf label = SIGNET_BUF_INIT, body = SIGNET_BUF_INIT, salt = SIGNET_BUF_INIT;
    signet_buf nonce = SIGNET_BUF_INIT, box = SIGNET_BUF_INIT, plain = SIGNET_BUF_INIT;
    unsigned char *key = NULL;
    json_t *root = NULL, *kdf, *params, *cipher, *jn, *jr, *jp;
    json_error_t jerr;
    const char *s;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && pem != NULL && name != NULL);
    SIGNET_ASSERT_ARG(ctx, password != NULL || password_len == 0);
    *out = NULL;
    signet_buf_init(&label, 128, 0);
    signet_buf_init(&body, SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&salt, SALT_MAX, 0);
    signet_buf_init(&nonce, 128, 0);
    signet_buf_init(&box, SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&plain, SIGNET_KEY_FILE_MAX, 1);

    if ((rc = signet_pem__decode(&label, &body, ctx, pem, pem_len, name)) != SIGNET_OK)
        goto out;
    if (strcmp(label.ptr, LABEL_SIGSTORE) != 0 && strcmp(label.ptr, LABEL_COSIGN) != 0) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "'%s': unsupported PEM type '%s' (want " LABEL_SIGSTORE ")", name,
                               label.ptr);
        goto out;
    }
    root = json_loadb(body.ptr, body.size, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': encrypted key is not valid JSON: %s",
                               name, jerr.text);
        goto out;
    }
    if ((rc = check_members(ctx, root, top_keys, "encrypted key", name)) != SIGNET_OK)
        goto out;
    kdf = json_object_get(root, "kdf");
    cipher = json_object_get(root, "cipher");
    if ((rc = check_members(ctx, kdf, kdf_keys, "kdf", name)) != SIGNET_OK ||
        (rc = check_members(ctx, cipher, cipher_keys, "cipher", name)) != SIGNET_OK)
        goto out;

    if ((s = get_string(ctx, kdf, "name", "kdf", name)) == NULL) {
        rc = SIGNET_EPARSE;
        goto out;
    }
    if (strcmp(s, "scrypt") != 0) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED, "'%s': unknown kdf name \"%s\"", name, s);
        goto out;
    }
    params = json_object_get(kdf, "params");
    if ((rc = check_members(ctx, params, params_keys, "kdf.params", name)) != SIGNET_OK)
        goto out;
    jn = json_object_get(params, "N");
    jr = json_object_get(params, "r");
    jp = json_object_get(params, "p");
    if (!json_is_integer(jn) || !json_is_integer(jr) || !json_is_integer(jp)) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': kdf.params N, r and p must be integers",
                               name);
        goto out;
    }
    if (!scrypt_n_allowed(json_integer_value(jn)) || json_integer_value(jr) != SCRYPT_R ||
        json_integer_value(jp) != SCRYPT_P) {
        rc =
            signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                              "'%s': unsupported scrypt parameters N=%lld r=%lld p=%lld (N 32768, "
                              "65536 or 131072 with r=8 p=1 are)",
                              name, (long long)json_integer_value(jn),
                              (long long)json_integer_value(jr), (long long)json_integer_value(jp));
        goto out;
    }
    if ((rc = get_b64(&salt, ctx, kdf, "salt", "kdf", name)) != SIGNET_OK)
        goto out;
    if (salt.size == 0) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': kdf.salt is empty", name);
        goto out;
    }
    if ((s = get_string(ctx, cipher, "name", "cipher", name)) == NULL) {
        rc = SIGNET_EPARSE;
        goto out;
    }
    if (strcmp(s, "nacl/secretbox") != 0) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED, "'%s': unknown cipher name \"%s\"", name,
                               s);
        goto out;
    }
    if ((rc = get_b64(&nonce, ctx, cipher, "nonce", "cipher", name)) != SIGNET_OK)
        goto out;
    if (nonce.size != crypto_secretbox_NONCEBYTES) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': incorrect nonce size", name);
        goto out;
    }
    if ((rc = get_b64(&box, ctx, root, "ciphertext", "encrypted key", name)) != SIGNET_OK)
        goto out;
    if (box.size < crypto_secretbox_MACBYTES) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': ciphertext too short", name);
        goto out;
    }

    key = sodium_malloc(KEY_LEN);
    if (key == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = derive_key(key, ctx, password, password_len, &salt,
                         (uint64_t)json_integer_value(jn))) != SIGNET_OK)
        goto out;
    if ((rc = signet_buf__reserve(&plain, box.size - crypto_secretbox_MACBYTES)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "'%s': %s", name, signet_strerror(rc));
        goto out;
    }
    if (crypto_secretbox_open_easy((unsigned char *)plain.ptr, (const unsigned char *)box.ptr,
                                   box.size, (const unsigned char *)nonce.ptr, key) != 0) {
        rc = signet_error__set(ctx, SIGNET_EPASSWORD, "decrypting '%s': incorrect password", name);
        goto out;
    }
    plain.size = box.size - crypto_secretbox_MACBYTES;
    rc = signet_key__from_pkcs8(out, ctx, plain.ptr, plain.size, name);
out:
    sodium_free(key);
    json_decref(root);
    signet_buf_dispose(&plain);
    signet_buf_dispose(&box);
    signet_buf_dispose(&nonce);
    signet_buf_dispose(&salt);
    signet_buf_dispose(&body);
    signet_buf_dispose(&label);
    return rc;
}

int
signet_key_encrypt_cosign(signet_buf *out, signet_ctx *ctx, const signet_key *key,
                          const char *password, size_t password_len)
{
    signet_buf der = SIGNET_BUF_INIT, box = SIGNET_BUF_INIT, b64 = SIGNET_BUF_INIT;
    unsigned char salt[SALT_LEN], nonce[crypto_secretbox_NONCEBYTES];
    unsigned char *secret = NULL;
    signet_buf salt_b64 = SIGNET_BUF_INIT, nonce_b64 = SIGNET_BUF_INIT;
    json_t *root = NULL;
    char *json = NULL;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && key != NULL);
    SIGNET_ASSERT_ARG(ctx, password != NULL || password_len == 0);
    signet_buf_init(&der, SIGNET_KEY_FILE_MAX, 1);
    signet_buf_init(&box, SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&b64, SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&salt_b64, 128, 0);
    signet_buf_init(&nonce_b64, 128, 0);

    if ((rc = signet_key__to_pkcs8(&der, ctx, key)) != SIGNET_OK)
        goto out;
    randombytes_buf(salt, sizeof(salt));
    randombytes_buf(nonce, sizeof(nonce));
    secret = sodium_malloc(KEY_LEN);
    if (secret == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    {
        signet_buf salt_view = {(char *)salt, sizeof(salt), sizeof(salt), sizeof(salt), 0};
        if ((rc = derive_key(secret, ctx, password, password_len, &salt_view,
                             SIGNET_KEY_SCRYPT_N)) != SIGNET_OK)
            goto out;
    }
    if ((rc = signet_buf__reserve(&box, der.size + crypto_secretbox_MACBYTES)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "encrypting the key: %s", signet_strerror(rc));
        goto out;
    }
    crypto_secretbox_easy((unsigned char *)box.ptr, (const unsigned char *)der.ptr, der.size, nonce,
                          secret);
    box.size = der.size + crypto_secretbox_MACBYTES;

    if ((rc = signet_base64__encode(&salt_b64, ctx, salt, sizeof(salt))) != SIGNET_OK ||
        (rc = signet_base64__encode(&nonce_b64, ctx, nonce, sizeof(nonce))) != SIGNET_OK ||
        (rc = signet_base64__encode(&b64, ctx, box.ptr, box.size)) != SIGNET_OK)
        goto out;
    /* Field order as cosign's Go structs marshal them. */
    root = json_pack("{s:{s:s,s:{s:I,s:I,s:I},s:s},s:{s:s,s:s},s:s}", "kdf", "name", "scrypt",
                     "params", "N", (json_int_t)SIGNET_KEY_SCRYPT_N, "r", (json_int_t)SCRYPT_R, "p",
                     (json_int_t)SCRYPT_P, "salt", salt_b64.ptr, "cipher", "name", "nacl/secretbox",
                     "nonce", nonce_b64.ptr, "ciphertext", b64.ptr);
    json = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (json == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "encoding the encrypted key: out of memory");
        goto out;
    }
    rc = signet_pem__encode(out, ctx, LABEL_SIGSTORE, json, strlen(json));
out:
    free(json);
    json_decref(root);
    sodium_free(secret);
    sodium_memzero(salt, sizeof(salt));
    signet_buf_dispose(&nonce_b64);
    signet_buf_dispose(&salt_b64);
    signet_buf_dispose(&b64);
    signet_buf_dispose(&box);
    signet_buf_dispose(&der);
    return rc;
}
