/*
 * Common definitions of the public signet API: export macro and version.
 */
#ifndef SIGNET_COMMON_H
#define SIGNET_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SIGNET_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define SIGNET_EXTERN(type) extern type
#endif

#define SIGNET_VERSION "0.1.0"

/**
 * Initialise the libraries signet depends on. Call once before any other function.
 *
 * @return SIGNET_OK, or SIGNET_ECRYPTO when libsodium cannot be initialised.
 */
SIGNET_EXTERN(int) signet_global_init(void);

/** Release what signet_global_init() set up. Cannot fail. */
SIGNET_EXTERN(void) signet_global_shutdown(void);

/** The version string of the library, e.g. "0.1.0". Static storage. */
SIGNET_EXTERN(const char *) signet_version(void);

/**
 * A one-line description of the cryptographic libraries in use (OpenSSL, libsodium versions).
 * Static storage, valid until signet_global_shutdown().
 */
SIGNET_EXTERN(const char *) signet_version_libraries(void);

#endif
