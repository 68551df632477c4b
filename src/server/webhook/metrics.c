#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* Verification latency buckets, in seconds (le=...). */
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                 0.25,  0.5,    1,     2.5,  5,     10};
#define BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const char *const outcome_names[WH_OUTCOME_COUNT] = {
    "allowed", "denied", "warned", "audited", "skipped", "bad_request",
};

static _Atomic unsigned long long reviews[WH_OUTCOME_COUNT];
static _Atomic unsigned long long latency_counts[BUCKETS + 1]; /* the last: +Inf only */
static _Atomic unsigned long long latency_micros;              /* sum, in microseconds */
static _Atomic unsigned long long registry_errors;
static _Atomic unsigned long long reloads_ok, reloads_failed;

void
wh_metrics_review(wh_review_outcome outcome)
{
    if (outcome < WH_OUTCOME_COUNT)
        atomic_fetch_add_explicit(&reviews[outcome], 1, memory_order_relaxed);
}

void
wh_metrics_verification(double seconds, int registry_error)
{
    size_t i = 0;

    while (i < BUCKETS && seconds > buckets[i])
        i++;
    atomic_fetch_add_explicit(&latency_counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_micros, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
    if (registry_error)
        atomic_fetch_add_explicit(&registry_errors, 1, memory_order_relaxed);
}

void
wh_metrics_registry_error(void)
{
    atomic_fetch_add_explicit(&registry_errors, 1, memory_order_relaxed);
}

void
wh_metrics_config_reload(int ok)
{
    atomic_fetch_add_explicit(ok ? &reloads_ok : &reloads_failed, 1, memory_order_relaxed);
}

/* printf into a growing buffer; on failure the buffer is freed and set to NULL. */
static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*buf == NULL)
        return;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            free(*buf);
            *buf = NULL;
            return;
        }
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        char *bigger = realloc(*buf, *cap * 2 + (size_t)n);
        if (bigger == NULL) {
            free(*buf);
            *buf = NULL;
            return;
        }
        *buf = bigger;
        *cap = *cap * 2 + (size_t)n;
    }
}

char *
wh_metrics_render(wh_cache *cache)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    unsigned long long cumulative = 0;
    wh_cache_stats stats = {0};

    if (cache != NULL)
        wh_cache_stats_get(cache, &stats);
    append(&buf, &len, &cap,
           "# HELP signet_webhook_reviews_total Admission reviews answered, by outcome.\n"
           "# TYPE signet_webhook_reviews_total counter\n");
    for (size_t i = 0; i < WH_OUTCOME_COUNT; i++)
        append(&buf, &len, &cap, "signet_webhook_reviews_total{outcome=\"%s\"} %llu\n",
               outcome_names[i], atomic_load_explicit(&reviews[i], memory_order_relaxed));
    append(&buf, &len, &cap,
           "# HELP signet_webhook_verification_seconds Time of verifications that ran (cache "
           "misses).\n"
           "# TYPE signet_webhook_verification_seconds histogram\n");
    for (size_t i = 0; i <= BUCKETS; i++) {
        cumulative += atomic_load_explicit(&latency_counts[i], memory_order_relaxed);
        if (i < BUCKETS)
            append(&buf, &len, &cap, "signet_webhook_verification_seconds_bucket{le=\"%g\"} %llu\n",
                   buckets[i], cumulative);
        else
            append(&buf, &len, &cap,
                   "signet_webhook_verification_seconds_bucket{le=\"+Inf\"} %llu\n", cumulative);
    }
    append(&buf, &len, &cap,
           "signet_webhook_verification_seconds_sum %.6f\n"
           "signet_webhook_verification_seconds_count %llu\n",
           (double)atomic_load_explicit(&latency_micros, memory_order_relaxed) / 1e6, cumulative);
    append(&buf, &len, &cap,
           "# HELP signet_webhook_registry_errors_total Verifications that could not complete "
           "(registry unreachable, deadline).\n"
           "# TYPE signet_webhook_registry_errors_total counter\n"
           "signet_webhook_registry_errors_total %llu\n",
           atomic_load_explicit(&registry_errors, memory_order_relaxed));
    append(&buf, &len, &cap,
           "# HELP signet_webhook_cache_hits_total Verdicts served without verifying.\n"
           "# TYPE signet_webhook_cache_hits_total counter\n"
           "signet_webhook_cache_hits_total{source=\"local\"} %llu\n"
           "signet_webhook_cache_hits_total{source=\"redis\"} %llu\n"
           "signet_webhook_cache_hits_total{source=\"coalesced\"} %llu\n"
           "# HELP signet_webhook_cache_misses_total Verdicts not in the local cache (then "
           "from Redis, a concurrent verification or a new one).\n"
           "# TYPE signet_webhook_cache_misses_total counter\n"
           "signet_webhook_cache_misses_total %llu\n"
           "# HELP signet_webhook_cache_entries Verdicts held in this replica.\n"
           "# TYPE signet_webhook_cache_entries gauge\n"
           "signet_webhook_cache_entries %zu\n"
           "# HELP signet_webhook_cache_evictions_total Verdicts dropped to stay under "
           "maxEntries.\n"
           "# TYPE signet_webhook_cache_evictions_total counter\n"
           "signet_webhook_cache_evictions_total %llu\n"
           "# HELP signet_webhook_redis_errors_total Redis calls that failed (the local cache "
           "went on).\n"
           "# TYPE signet_webhook_redis_errors_total counter\n"
           "signet_webhook_redis_errors_total %llu\n",
           (unsigned long long)stats.hits, (unsigned long long)stats.redis_hits,
           (unsigned long long)stats.coalesced, (unsigned long long)stats.misses, stats.entries,
           (unsigned long long)stats.evictions, (unsigned long long)stats.redis_errors);
    append(&buf, &len, &cap,
           "# HELP signet_webhook_config_reloads_total Config and certificate reloads.\n"
           "# TYPE signet_webhook_config_reloads_total counter\n"
           "signet_webhook_config_reloads_total{result=\"ok\"} %llu\n"
           "signet_webhook_config_reloads_total{result=\"failed\"} %llu\n",
           atomic_load_explicit(&reloads_ok, memory_order_relaxed),
           atomic_load_explicit(&reloads_failed, memory_order_relaxed));
    return buf;
}
