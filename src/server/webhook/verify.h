/*
 * Verifying one image with one validator of the config: the part of a review that talks to
 * registries. Registry clients are pooled (one per thread at a time, as libsignet requires) and
 * share one rate limiter; every verification is bounded by the review's deadline.
 */
#ifndef SIGNET_WEBHOOK_VERIFY_H
#define SIGNET_WEBHOOK_VERIFY_H

#include <stdint.h>

#include "cache.h"
#include "config.h"

typedef struct wh_verifier wh_verifier;

/* Registry settings come from @p config, which must outlive the verifier. NULL with @p err set
 * on failure. */
wh_verifier *wh_verifier_new(const wh_config *config, char *err, size_t err_size);
void wh_verifier_free(wh_verifier *verifier);

/*
 * Check @p image (a reference as written in a pod spec) with @p validator, finishing before
 * @p deadline_ms (signet_monotonic_ms() time). Always fills @p out: ALLOWED with the verified
 * manifest digest, REJECTED with why, or ERROR (registry unreachable, deadline) with why.
 */
void wh_verify_image(wh_verdict *out, wh_verifier *verifier, const wh_validator *validator,
                     const char *image, uint64_t deadline_ms);

/*
 * The manifest digest the tag of @p image points to now, into @p digest (SIGNET_DIGEST_MAX
 * bytes), before @p deadline_ms. 0, or -1 with @p failure filled (ERROR when the registry could
 * not answer, REJECTED when there is no such image).
 */
int wh_resolve_tag(char *digest, size_t size, wh_verdict *failure, wh_verifier *verifier,
                   const char *image, uint64_t deadline_ms);

/*
 * The form of @p image that rules match and caches key on: "host[:port]/path:tag", or
 * "host[:port]/path@digest" when it has a digest (its tag, if any, dropped: the digest is what
 * is pulled); the host in lowercase, Docker Hub as "docker.io". 0 on success; -1 (with the
 * reason in @p err) when @p image is not a valid reference.
 */
int wh_image_normalise(char *out, size_t size, const char *image, char *err, size_t err_size);

#endif
