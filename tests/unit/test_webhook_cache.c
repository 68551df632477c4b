/*
 * The verdict cache without Redis: LRU order, TTLs on an injected clock (no sleeping), one
 * verification for concurrent callers, the waiters' deadline, and the counters.
 * (With a real Redis: tests/webhook/redis.sh.)
 */
#include "harness.h"

#include "cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define DIGEST      "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"
#define WAIT_REASON "deadline exceeded while waiting for a verification of the same image"

static struct timespec fake_now = {1000, 0};

static void
fake_clock(struct timespec *out, void *arg)
{
    (void)arg;
    *out = fake_now;
}

static void
advance_ms(long ms)
{
    fake_now.tv_sec += ms / 1000;
    fake_now.tv_nsec += (ms % 1000) * 1000000L;
    if (fake_now.tv_nsec >= 1000000000L) {
        fake_now.tv_sec++;
        fake_now.tv_nsec -= 1000000000L;
    }
}

/* What a verification returns, and how often it ran. */
struct fake_verify {
    wh_verdict_kind kind;
    int calls;
};

static void
verify_fake(wh_verdict *out, void *arg)
{
    struct fake_verify *fv = arg;

    fv->calls++;
    memset(out, 0, sizeof(*out));
    out->kind = fv->kind;
    if (fv->kind == WH_VERDICT_ALLOWED)
        snprintf(out->digest, sizeof(out->digest), "%s", DIGEST);
    else
        snprintf(out->reason, sizeof(out->reason), "verdict number %d", fv->calls);
}

static wh_cache *
new_cache(size_t max, unsigned int ttl, unsigned int negative_ttl)
{
    wh_cache *cache = wh_cache_new(max, ttl, negative_ttl, NULL);

    CHECK(cache != NULL);
    if (cache != NULL)
        wh_cache_set_clock(cache, fake_clock, NULL);
    return cache;
}

/* Resolve @p key; returns whether it was a hit. */
static int
resolve(wh_cache *cache, const char *key, struct fake_verify *fv, wh_verdict *out)
{
    wh_verdict v;
    int hit = -1;

    wh_cache_resolve(cache, out != NULL ? out : &v, &hit, key, NULL, verify_fake, fv);
    CHECK(hit == 0 || hit == 1);
    return hit;
}

static void
test_webhook_cache__hit_returns_the_stored_verdict(void)
{
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0};
    wh_cache *cache = new_cache(10, 300, 10);
    wh_verdict v;

    CHECK(resolve(cache, "img", &fv, &v) == 0);
    CHECK(v.kind == WH_VERDICT_ALLOWED && strcmp(v.digest, DIGEST) == 0);
    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_ERROR;
    CHECK(resolve(cache, "img", &fv, &v) == 1);
    CHECK(v.kind == WH_VERDICT_ALLOWED && strcmp(v.digest, DIGEST) == 0);
    CHECK(fv.calls == 1);
    wh_cache_free(cache);
}

static void
test_webhook_cache__lru_evicts_the_least_recently_used(void)
{
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0};
    wh_cache *cache = new_cache(3, 300, 10);
    wh_cache_stats st;

    resolve(cache, "a", &fv, NULL);
    resolve(cache, "b", &fv, NULL);
    resolve(cache, "c", &fv, NULL);
    CHECK(resolve(cache, "a", &fv, NULL) == 1); /* order now a, c, b */
    CHECK(resolve(cache, "d", &fv, NULL) == 0); /* evicts b */
    CHECK(fv.calls == 4);
    CHECK(resolve(cache, "c", &fv, NULL) == 1); /* c, d, a */
    CHECK(resolve(cache, "a", &fv, NULL) == 1); /* a, c, d */
    CHECK(resolve(cache, "b", &fv, NULL) == 0); /* evicts d */
    CHECK(fv.calls == 5);
    CHECK(resolve(cache, "a", &fv, NULL) == 1);
    CHECK(resolve(cache, "c", &fv, NULL) == 1);
    CHECK(resolve(cache, "d", &fv, NULL) == 0); /* evicts b */
    CHECK(fv.calls == 6);
    wh_cache_stats_get(cache, &st);
    CHECK(st.evictions == 3);
    CHECK(st.entries == 3);
    CHECK(st.hits == 5 && st.misses == 6);
    wh_cache_free(cache);
}

static void
test_webhook_cache__allowed_expires_after_ttl(void)
{
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0};
    wh_cache *cache = new_cache(10, 300, 10);
    wh_cache_stats st;

    resolve(cache, "img", &fv, NULL);
    advance_ms(299999);
    CHECK(resolve(cache, "img", &fv, NULL) == 1);
    advance_ms(1);
    CHECK(resolve(cache, "img", &fv, NULL) == 0);
    CHECK(fv.calls == 2);
    /* Expiry is not eviction; the new verdict replaced the old entry. */
    wh_cache_stats_get(cache, &st);
    CHECK(st.evictions == 0 && st.entries == 1);
    wh_cache_free(cache);
}

static void
test_webhook_cache__rejected_and_error_use_negative_ttl(void)
{
    struct fake_verify rejected = {WH_VERDICT_REJECTED, 0};
    struct fake_verify error = {WH_VERDICT_ERROR, 0};
    wh_cache *cache = new_cache(10, 300, 10);
    wh_verdict v;

    CHECK(resolve(cache, "unsigned", &rejected, &v) == 0);
    CHECK(v.kind == WH_VERDICT_REJECTED && strcmp(v.reason, "verdict number 1") == 0);
    CHECK(resolve(cache, "down", &error, &v) == 0);
    advance_ms(9999);
    CHECK(resolve(cache, "unsigned", &rejected, &v) == 1);
    CHECK(v.kind == WH_VERDICT_REJECTED && strcmp(v.reason, "verdict number 1") == 0);
    CHECK(resolve(cache, "down", &error, &v) == 1);
    CHECK(v.kind == WH_VERDICT_ERROR);
    advance_ms(1);
    CHECK(resolve(cache, "unsigned", &rejected, &v) == 0);
    CHECK(strcmp(v.reason, "verdict number 2") == 0);
    CHECK(resolve(cache, "down", &error, &v) == 0);
    CHECK(rejected.calls == 2 && error.calls == 2);
    wh_cache_free(cache);
}

static void
test_webhook_cache__ttl_zero_disables(void)
{
    struct fake_verify allowed = {WH_VERDICT_ALLOWED, 0};
    struct fake_verify rejected = {WH_VERDICT_REJECTED, 0};
    struct fake_verify error = {WH_VERDICT_ERROR, 0};
    wh_cache *no_positive = new_cache(10, 0, 10);
    wh_cache *no_negative = new_cache(10, 300, 0);
    wh_cache_stats st;

    CHECK(resolve(no_positive, "a", &allowed, NULL) == 0);
    CHECK(resolve(no_positive, "a", &allowed, NULL) == 0);
    CHECK(allowed.calls == 2);
    CHECK(resolve(no_positive, "r", &rejected, NULL) == 0);
    CHECK(resolve(no_positive, "r", &rejected, NULL) == 1);
    CHECK(rejected.calls == 1);
    wh_cache_stats_get(no_positive, &st);
    CHECK(st.entries == 1);

    allowed.calls = rejected.calls = 0;
    CHECK(resolve(no_negative, "a", &allowed, NULL) == 0);
    CHECK(resolve(no_negative, "a", &allowed, NULL) == 1);
    CHECK(resolve(no_negative, "r", &rejected, NULL) == 0);
    CHECK(resolve(no_negative, "r", &rejected, NULL) == 0);
    CHECK(resolve(no_negative, "e", &error, NULL) == 0);
    CHECK(resolve(no_negative, "e", &error, NULL) == 0);
    CHECK(allowed.calls == 1 && rejected.calls == 2 && error.calls == 2);
    wh_cache_stats_get(no_negative, &st);
    CHECK(st.entries == 1);
    wh_cache_free(no_positive);
    wh_cache_free(no_negative);
}

static void
test_webhook_cache__clear_drops_everything(void)
{
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0};
    wh_cache *cache = new_cache(10, 300, 10);
    wh_cache_stats st;

    resolve(cache, "a", &fv, NULL);
    resolve(cache, "b", &fv, NULL);
    wh_cache_clear(cache);
    wh_cache_stats_get(cache, &st);
    CHECK(st.entries == 0 && st.evictions == 0);
    CHECK(resolve(cache, "a", &fv, NULL) == 0);
    CHECK(fv.calls == 3);
    wh_cache_free(cache);
}

static void
test_webhook_cache__overlong_key_is_verified_uncached(void)
{
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0};
    wh_cache *cache = new_cache(10, 300, 10);
    char key[WH_CACHE_KEY_MAX + 1];
    wh_verdict v;

    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    CHECK(resolve(cache, key, &fv, &v) == 0);
    CHECK(resolve(cache, key, &fv, &v) == 0);
    CHECK(v.kind == WH_VERDICT_ALLOWED && fv.calls == 2);
    wh_cache_free(cache);
}

/* --- concurrency ------------------------------------------------------------------------------ */

#define N_THREADS 8

/* A verification that holds on until released (or until the others are waiting for it). */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls, started, released;
    wh_cache *cache;
    uint64_t wait_for_coalesced; /* 0: wait for release instead */
};

static void
now_plus_ms(struct timespec *out, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    out->tv_sec += ms / 1000;
    out->tv_nsec += (ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

static void
verify_gated(wh_verdict *out, void *arg)
{
    struct gate *g = arg;
    struct timespec give_up, pause = {0, 1000000L}, now;
    wh_cache_stats st;

    pthread_mutex_lock(&g->lock);
    g->calls++;
    g->started = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
    /* Polling is only a guard against a hang: each loop ends as soon as its condition holds. */
    now_plus_ms(&give_up, 10000);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > give_up.tv_sec)
            break;
        if (g->wait_for_coalesced != 0) {
            wh_cache_stats_get(g->cache, &st);
            if (st.coalesced >= g->wait_for_coalesced)
                break;
        } else {
            int released;

            pthread_mutex_lock(&g->lock);
            released = g->released;
            pthread_mutex_unlock(&g->lock);
            if (released)
                break;
        }
        nanosleep(&pause, NULL);
    }
    memset(out, 0, sizeof(*out));
    out->kind = WH_VERDICT_ALLOWED;
    snprintf(out->digest, sizeof(out->digest), "%s", DIGEST);
}

struct caller {
    struct gate *gate;
    wh_verdict verdict;
    int hit;
    pthread_t thread;
};

static void *
caller_main(void *arg)
{
    struct caller *c = arg;
    struct timespec deadline;

    now_plus_ms(&deadline, 30000);
    wh_cache_resolve(c->gate->cache, &c->verdict, &c->hit, "shared-image", &deadline, verify_gated,
                     c->gate);
    return NULL;
}

static void
gate_init(struct gate *g, wh_cache *cache)
{
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->cache = cache;
}

static void
gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
}

static void
test_webhook_cache__concurrent_callers_share_one_verification(void)
{
    wh_cache *cache = wh_cache_new(10, 300, 10, NULL);
    struct caller callers[N_THREADS];
    wh_cache_stats st;
    struct gate g;
    int i, hits = 0;

    gate_init(&g, cache);
    g.wait_for_coalesced = N_THREADS - 1;
    for (i = 0; i < N_THREADS; i++) {
        callers[i].gate = &g;
        CHECK(pthread_create(&callers[i].thread, NULL, caller_main, &callers[i]) == 0);
    }
    for (i = 0; i < N_THREADS; i++)
        pthread_join(callers[i].thread, NULL);
    CHECK(g.calls == 1);
    for (i = 0; i < N_THREADS; i++) {
        CHECK(callers[i].verdict.kind == WH_VERDICT_ALLOWED);
        CHECK(strcmp(callers[i].verdict.digest, DIGEST) == 0);
        hits += callers[i].hit;
    }
    CHECK(hits == N_THREADS - 1);
    wh_cache_stats_get(cache, &st);
    CHECK(st.misses == N_THREADS && st.coalesced == N_THREADS - 1 && st.hits == 0);
    CHECK(st.entries == 1);
    gate_destroy(&g);
    wh_cache_free(cache);
}

static void
test_webhook_cache__waiter_gives_up_at_its_deadline(void)
{
    wh_cache *cache = wh_cache_new(10, 300, 10, NULL);
    struct timespec deadline;
    struct caller first;
    struct fake_verify never = {WH_VERDICT_ALLOWED, 0};
    wh_cache_stats st;
    struct gate g;
    wh_verdict v;
    int hit = -1;

    gate_init(&g, cache);
    first.gate = &g;
    CHECK(pthread_create(&first.thread, NULL, caller_main, &first) == 0);
    pthread_mutex_lock(&g.lock);
    while (!g.started)
        pthread_cond_wait(&g.cond, &g.lock);
    pthread_mutex_unlock(&g.lock);

    /* A deadline already passed, then a short one: the first caller is still verifying. */
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    wh_cache_resolve(cache, &v, &hit, "shared-image", &deadline, verify_fake, &never);
    CHECK(v.kind == WH_VERDICT_ERROR && hit == 0);
    CHECK(strcmp(v.reason, WAIT_REASON) == 0);
    now_plus_ms(&deadline, 20);
    wh_cache_resolve(cache, &v, &hit, "shared-image", &deadline, verify_fake, &never);
    CHECK(v.kind == WH_VERDICT_ERROR && hit == 0);
    CHECK(strcmp(v.reason, WAIT_REASON) == 0);
    CHECK(never.calls == 0);

    pthread_mutex_lock(&g.lock);
    g.released = 1;
    pthread_mutex_unlock(&g.lock);
    pthread_join(first.thread, NULL);
    CHECK(first.verdict.kind == WH_VERDICT_ALLOWED && first.hit == 0);

    /* The waiters' errors were not stored: the first caller's verdict was. */
    wh_cache_resolve(cache, &v, &hit, "shared-image", &deadline, verify_fake, &never);
    CHECK(v.kind == WH_VERDICT_ALLOWED && hit == 1 && never.calls == 0);
    wh_cache_stats_get(cache, &st);
    CHECK(st.misses == 3 && st.coalesced == 2 && st.hits == 1);
    gate_destroy(&g);
    wh_cache_free(cache);
}

static void
test_webhook_cache__free_null(void)
{
    wh_cache_free(NULL);
    wh_redis_free(NULL);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_webhook_cache__hit_returns_the_stored_verdict),
        TEST_CASE(test_webhook_cache__lru_evicts_the_least_recently_used),
        TEST_CASE(test_webhook_cache__allowed_expires_after_ttl),
        TEST_CASE(test_webhook_cache__rejected_and_error_use_negative_ttl),
        TEST_CASE(test_webhook_cache__ttl_zero_disables),
        TEST_CASE(test_webhook_cache__clear_drops_everything),
        TEST_CASE(test_webhook_cache__overlong_key_is_verified_uncached),
        TEST_CASE(test_webhook_cache__concurrent_callers_share_one_verification),
        TEST_CASE(test_webhook_cache__waiter_gives_up_at_its_deadline),
        TEST_CASE(test_webhook_cache__free_null),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
