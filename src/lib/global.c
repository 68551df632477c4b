/*
 * Library set-up and version information.
 */
#include "curl_api.h"
#include "internal.h"

#include <openssl/crypto.h>
#include <sodium.h>
#include <stdio.h>

static char libraries[128];

int
signet_global_init(void)
{
    if (sodium_init() < 0)
        return SIGNET_ECRYPTO;
    snprintf(libraries, sizeof(libraries), "%s, libsodium %s", OpenSSL_version(OPENSSL_VERSION),
             sodium_version_string());
    return SIGNET_OK;
}

void
signet_global_shutdown(void)
{
    signet_curl__shutdown();
}

const char *
signet_version(void)
{
    return SIGNET_VERSION;
}

const char *
signet_version_libraries(void)
{
    return libraries;
}
