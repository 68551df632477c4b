/*
 * Outgoing request limits per registry host: a token bucket each, shared by every client and
 * thread that holds the limiter. Registries (ECR, Docker Hub) answer bursts with 429s; a
 * webhook admitting many pods at once must stay under their limits rather than retry into them.
 */
#include "registry_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMITER_HOSTS 64 /* the least recently used bucket is reused beyond this */

struct bucket {
    char host[256];
    double tokens;
    uint64_t refilled_ms; /* when tokens was last brought up to date */
    uint64_t used_ms;
};

struct signet_rate_limiter {
    pthread_mutex_t lock;
    double per_ms;
    double burst;
    struct bucket buckets[LIMITER_HOSTS];
};

uint64_t
signet_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int
signet_rate_limiter_new(signet_rate_limiter **out, signet_ctx *ctx, double per_second,
                        unsigned int burst)
{
    signet_rate_limiter *limiter;

    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = NULL;
    if (!(per_second > 0) || per_second > 1e6 || burst == 0)
        return signet_error__set(ctx, SIGNET_EINVALID,
                                 "a rate limit needs 0 < requests per second <= 1000000 and a "
                                 "burst of at least 1");
    if ((limiter = calloc(1, sizeof(*limiter))) == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    if (pthread_mutex_init(&limiter->lock, NULL) != 0) {
        free(limiter);
        return signet_error__set(ctx, SIGNET_ENOMEM, "cannot create a lock");
    }
    limiter->per_ms = per_second / 1000.0;
    limiter->burst = burst;
    *out = limiter;
    return SIGNET_OK;
}

void
signet_rate_limiter_free(signet_rate_limiter *limiter)
{
    if (limiter == NULL)
        return;
    pthread_mutex_destroy(&limiter->lock);
    free(limiter);
}

static struct bucket *
bucket_for(signet_rate_limiter *limiter, const char *host, uint64_t now)
{
    struct bucket *reuse = NULL;

    for (size_t i = 0; i < LIMITER_HOSTS; i++) {
        struct bucket *b = &limiter->buckets[i];
        if (b->host[0] == '\0') {
            if (reuse == NULL || reuse->host[0] != '\0')
                reuse = b; /* an empty slot beats any used one */
        } else if (strcmp(b->host, host) == 0) {
            return b;
        } else if (reuse == NULL || (reuse->host[0] != '\0' && b->used_ms < reuse->used_ms)) {
            reuse = b;
        }
    }
    snprintf(reuse->host, sizeof(reuse->host), "%s", host);
    reuse->tokens = limiter->burst;
    reuse->refilled_ms = now;
    return reuse;
}

int
signet_rate__acquire(signet_rate_limiter *limiter, signet_ctx *ctx, const char *host,
                     uint64_t deadline_ms)
{
    uint64_t now = signet_monotonic_ms(), wait_ms;
    struct bucket *b;

    pthread_mutex_lock(&limiter->lock);
    b = bucket_for(limiter, host, now);
    b->tokens += (double)(now - b->refilled_ms) * limiter->per_ms;
    if (b->tokens > limiter->burst)
        b->tokens = limiter->burst;
    b->refilled_ms = now;
    b->used_ms = now;
    /* Take the token now, even if it is still to come: later callers queue behind us. */
    b->tokens -= 1.0;
    wait_ms = b->tokens >= 0 ? 0 : (uint64_t)(-b->tokens / limiter->per_ms) + 1;
    if (deadline_ms != 0 && now + wait_ms >= deadline_ms) {
        b->tokens += 1.0; /* not used after all */
        pthread_mutex_unlock(&limiter->lock);
        return signet_error__set(ctx, SIGNET_ETIMEOUT,
                                 "deadline exceeded: the request rate limit for '%s' allows no "
                                 "request before it",
                                 host);
    }
    pthread_mutex_unlock(&limiter->lock);
    if (wait_ms > 0) {
        struct timespec ts = {(time_t)(wait_ms / 1000), (long)(wait_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    return SIGNET_OK;
}
