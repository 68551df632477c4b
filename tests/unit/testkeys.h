/*
 * Keys for unit tests, made with OpenSSL directly (not through signet) and handed to signet
 * as PEM, the way a user's key arrives.
 */
#ifndef SIGNET_TEST_TESTKEYS_H
#define SIGNET_TEST_TESTKEYS_H

#include "harness.h"

#include <openssl/evp.h>

/* A fresh OpenSSL key: "P-256", "P-384", "P-521", "P-224", "RSA2048", "RSA1024", "RSA-PSS",
 * "ED25519". */
EVP_PKEY *testkeys_openssl(const char *what);

/* PEM of @p pkey: PKCS#8 ("PRIVATE KEY") or the traditional form (RSA/EC PRIVATE KEY). */
void testkeys_private_pem(signet_buf *out, EVP_PKEY *pkey, int traditional);

/* A signet private key of the given kind (NULL with a failed check when refused). */
signet_key *testkeys_signet(const char *what);

#endif
