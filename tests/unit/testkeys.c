#include "testkeys.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

EVP_PKEY *
testkeys_openssl(const char *what)
{
    EVP_PKEY *pkey = NULL;

    if (strncmp(what, "P-", 2) == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", what);
    else if (strcmp(what, "RSA2048") == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(what, "RSA1024") == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    else if (strcmp(what, "RSA-PSS") == 0) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
        if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
            EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0)
            pkey = NULL;
        EVP_PKEY_CTX_free(ctx);
    } else if (strcmp(what, "ED25519") == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL)
        harness_fail(__FILE__, __LINE__, "openssl cannot make a %s key", what);
    return pkey;
}

void
testkeys_private_pem(signet_buf *out, EVP_PKEY *pkey, int traditional)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem;
    long len;
    int ok;

    ok = traditional ? PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
    CHECK(ok == 1);
    len = BIO_get_mem_data(bio, &mem);
    signet_buf_init(out, 64 * 1024, 1);
    CHECK(signet_buf_put(out, mem, (size_t)len) == SIGNET_OK);
    BIO_free(bio);
}

signet_key *
testkeys_signet(const char *what)
{
    EVP_PKEY *pkey = testkeys_openssl(what);
    signet_buf pem = SIGNET_BUF_INIT;
    signet_key *key = NULL;

    if (pkey == NULL)
        return NULL;
    testkeys_private_pem(&pem, pkey, 0);
    CHECK_OK(signet_key_parse_private_pem(&key, harness_ctx, pem.ptr, pem.size, what));
    signet_buf_dispose(&pem);
    EVP_PKEY_free(pkey);
    return key;
}
