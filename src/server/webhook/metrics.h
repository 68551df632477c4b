/*
 * The webhook's counters, exposed at /metrics in Prometheus' text format (version 0.0.4).
 * Lock-free: relaxed atomics, so counting costs a review nothing measurable.
 */
#ifndef SIGNET_WEBHOOK_METRICS_H
#define SIGNET_WEBHOOK_METRICS_H

#include <stddef.h>

#include "cache.h"

typedef enum wh_review_outcome {
    WH_OUTCOME_ALLOWED = 0, /* every image passed (or nothing to check) */
    WH_OUTCOME_DENIED,      /* an enforced image failed */
    WH_OUTCOME_WARNED,      /* admitted with warnings (warn mode) */
    WH_OUTCOME_AUDITED,     /* admitted; failures only logged (audit mode) */
    WH_OUTCOME_SKIPPED,     /* DELETE, object being deleted, namespace not checked, unchanged */
    WH_OUTCOME_BAD_REQUEST, /* 400 or 413 */
    WH_OUTCOME_COUNT
} wh_review_outcome;

void wh_metrics_review(wh_review_outcome outcome);

/* One verification that ran (not a cache hit): its duration and whether it could complete. */
void wh_metrics_verification(double seconds, int registry_error);

/* A registry that could not be asked outside a verification (resolving a tag). */
void wh_metrics_registry_error(void);

void wh_metrics_config_reload(int ok);

/* The text for /metrics into @p out (malloc'ed; free()); @p cache may be NULL. NULL when out of
 * memory. */
char *wh_metrics_render(wh_cache *cache);

#endif
