/*
 * Answering one AdmissionReview: which images, which rule and validator for each, cached or
 * fresh verdicts, and the response (with a JSON Patch pinning digests for /mutate). No HTTP.
 */
#ifndef SIGNET_WEBHOOK_REVIEW_H
#define SIGNET_WEBHOOK_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "config.h"
#include "verify.h"

typedef struct wh_review_env {
    const wh_config *config;
    wh_verifier *verifier;
    wh_cache *cache;
    const char *cache_prefix; /* prepended to cache keys (Redis namespace) */
} wh_review_env;

typedef struct wh_answer {
    int http_status; /* 200 with an AdmissionReview body, or 400 with a plain message */
    char *body;      /* malloc'ed, NUL-terminated; free() */
} wh_answer;

/*
 * Answer the AdmissionReview in @p body. @p mutate: the /mutate endpoint (patch tags to
 * digests where the rule says so). @p deadline_ms: when the whole review must be done
 * (signet_monotonic_ms() time). Returns 0, or -1 when out of memory.
 */
int wh_review_answer(wh_answer *out, const wh_review_env *env, const void *body, size_t len,
                     int mutate, uint64_t deadline_ms);

#endif
