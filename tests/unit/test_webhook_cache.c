/*
 * The verdict cache without Redis: LRU order, TTLs on an injected clock (no sleeping), one
 * verification for concurrent callers, the waiters' deadline, verdicts kept nowhere (no_store),
 * the counters, and the MAC'd values it would share through Redis.
 * (With a real Redis: tests/webhook/redis.sh.)
 */
#include "harness.h"

#include "cache_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define DIGEST      "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"
#define WAIT_REASON "deadline exceeded while waiting for a verification of the same image"
#define SECRET      "0123456789abcdef0123456789abcdef" /* 32 bytes */
#define NAME        "signet-webhook:img"
/* printf '%s\0%s' NAME "v2|allowed|DIGEST|" | openssl dgst -sha256 -hmac SECRET */
#define ALLOWED_MAC       "4b0572f4d370219715876d18b3a5bd9fafd8926dc52b6a7d5ca801c0a44f9fa1"
#define ALLOWED_MAC_UPPER "4B0572F4D370219715876D18B3A5BD9FAFD8926DC52B6A7D5CA801C0A44F9FA1"
#define OTHER_DIGEST      "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea4"
/* ... "v2|rejected||no signature | or two" ... */
#define REJECTED_MAC "6ccfac7fbb6b7ef9c7f108ee8541209bde55b50fc7c8478a3c1c6ce071145316"
/* ... "v2|error||registry down" ...: a MAC that verifies on a verdict never shared */
#define ERROR_MAC "f1268298aa1a15d5963278cf5d8066f5d287ed6e80a5814dbd9b9ebf5ef42775"

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
    int no_store;
};

static void
verify_fake(wh_verdict *out, void *arg)
{
    struct fake_verify *fv = arg;

    fv->calls++;
    memset(out, 0, sizeof(*out));
    out->kind = fv->kind;
    out->no_store = fv->no_store;
    if (fv->kind == WH_VERDICT_ALLOWED)
        snprintf(out->digest, sizeof(out->digest), "%s", DIGEST);
    else
        snprintf(out->reason, sizeof(out->reason), "verdict number %d", fv->calls);
}

static wh_cache *
new_cache(size_t max, unsigned int ttl, unsigned int negative_ttl)
{
    wh_cache *cache = wh_cache_new(max, ttl, negative_ttl, NULL, NULL, 0);

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
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0, 0};
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
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0, 0};
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
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0, 0};
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
    struct fake_verify rejected = {WH_VERDICT_REJECTED, 0, 0};
    struct fake_verify error = {WH_VERDICT_ERROR, 0, 0};
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
    struct fake_verify allowed = {WH_VERDICT_ALLOWED, 0, 0};
    struct fake_verify rejected = {WH_VERDICT_REJECTED, 0, 0};
    struct fake_verify error = {WH_VERDICT_ERROR, 0, 0};
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
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0, 0};
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
    struct fake_verify fv = {WH_VERDICT_ALLOWED, 0, 0};
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

static void
test_webhook_cache__no_store_verdict_is_kept_nowhere(void)
{
    struct fake_verify out_of_time = {WH_VERDICT_ERROR, 0, 1};
    struct fake_verify allowed = {WH_VERDICT_ALLOWED, 0, 1};
    wh_cache *cache = new_cache(10, 300, 10);
    wh_cache_stats st;
    wh_verdict v;

    CHECK(resolve(cache, "late", &out_of_time, &v) == 0);
    CHECK(v.kind == WH_VERDICT_ERROR && v.no_store == 1);
    CHECK(strcmp(v.reason, "verdict number 1") == 0);
    CHECK(resolve(cache, "late", &out_of_time, &v) == 0);
    CHECK(strcmp(v.reason, "verdict number 2") == 0);
    /* Whatever its kind. */
    CHECK(resolve(cache, "img", &allowed, &v) == 0);
    CHECK(resolve(cache, "img", &allowed, &v) == 0);
    CHECK(v.kind == WH_VERDICT_ALLOWED && strcmp(v.digest, DIGEST) == 0);
    CHECK(out_of_time.calls == 2 && allowed.calls == 2);
    wh_cache_stats_get(cache, &st);
    CHECK(st.entries == 0 && st.hits == 0 && st.misses == 4);
    /* The next verdict for the key without no_store is kept as usual. */
    out_of_time.no_store = 0;
    CHECK(resolve(cache, "late", &out_of_time, &v) == 0);
    CHECK(resolve(cache, "late", &out_of_time, &v) == 1);
    CHECK(v.no_store == 0 && strcmp(v.reason, "verdict number 3") == 0);
    wh_cache_free(cache);
}

/* --- the values shared through Redis ---------------------------------------------------------- */

static wh_cache *
new_keyed_cache(const char *secret)
{
    wh_cache *cache =
        wh_cache_new(10, 300, 10, NULL, (const unsigned char *)secret, strlen(secret));

    CHECK(cache != NULL);
    return cache;
}

static void
test_webhook_cache__value_format(void)
{
    wh_cache *cache = new_keyed_cache(SECRET);
    wh_verdict v, back;
    char value[2048];

    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_ALLOWED;
    snprintf(v.digest, sizeof(v.digest), "%s", DIGEST);
    v.no_store = 1; /* not part of the value */
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    CHECK(strcmp(value, "v2|allowed|" DIGEST "||" ALLOWED_MAC) == 0);
    memset(&back, 0x55, sizeof(back));
    CHECK(wh_cache__value_decode(cache, &back, NAME, value) == 0);
    CHECK(back.kind == WH_VERDICT_ALLOWED && strcmp(back.digest, DIGEST) == 0);
    CHECK(back.reason[0] == '\0' && back.no_store == 0);

    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_REJECTED;
    snprintf(v.reason, sizeof(v.reason), "no signature | or two");
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    CHECK(strcmp(value, "v2|rejected||no signature | or two|" REJECTED_MAC) == 0);
    CHECK(wh_cache__value_decode(cache, &back, NAME, value) == 0);
    CHECK(back.kind == WH_VERDICT_REJECTED && back.digest[0] == '\0');
    CHECK(strcmp(back.reason, "no signature | or two") == 0);

    /* ERROR verdicts are not shared; a value too small for the buffer is not written. */
    v.kind = WH_VERDICT_ERROR;
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == -1);
    v.kind = WH_VERDICT_REJECTED;
    CHECK(wh_cache__value_encode(cache, value, 40, NAME, &v) == -1);
    wh_cache_free(cache);
}

static void
test_webhook_cache__value_without_a_valid_mac_is_refused(void)
{
    static const char *const bad_mac[] = {
        "v2|allowed|" DIGEST "|",                  /* no MAC */
        "v2|allowed|" DIGEST "||",                 /* an empty one */
        "v2|allowed|" DIGEST "||" ALLOWED_MAC "0", /* one hex digit more */
        "v2|allowed|" DIGEST "||" ALLOWED_MAC_UPPER,
        "v2|allowed|" DIGEST "|x|" ALLOWED_MAC,      /* the reason changed */
        "v2|rejected|" DIGEST "||" ALLOWED_MAC,      /* the kind changed */
        "v2|allowed|" OTHER_DIGEST "||" ALLOWED_MAC, /* the digest changed */
        "v2|" ALLOWED_MAC,
    };
    wh_cache *cache = new_keyed_cache(SECRET);
    wh_cache *other = new_keyed_cache(SECRET "!");
    wh_verdict v;

    CHECK(wh_cache__value_decode(cache, &v, NAME, "v2|allowed|" DIGEST "||" ALLOWED_MAC) == 0);
    /* The same value under another key, or checked with another secret. */
    CHECK(wh_cache__value_decode(cache, &v, "signet-webhook:img2",
                                 "v2|allowed|" DIGEST "||" ALLOWED_MAC) == WH_CACHE__BAD_MAC);
    CHECK(wh_cache__value_decode(cache, &v, "other-prefix:img",
                                 "v2|allowed|" DIGEST "||" ALLOWED_MAC) == WH_CACHE__BAD_MAC);
    CHECK(wh_cache__value_decode(other, &v, NAME, "v2|allowed|" DIGEST "||" ALLOWED_MAC) ==
          WH_CACHE__BAD_MAC);
    for (size_t i = 0; i < sizeof(bad_mac) / sizeof(bad_mac[0]); i++) {
        memset(&v, 0, sizeof(v));
        if (wh_cache__value_decode(cache, &v, NAME, bad_mac[i]) != WH_CACHE__BAD_MAC)
            harness_fail(__FILE__, __LINE__, "'%s' was not refused for its MAC", bad_mac[i]);
        CHECK(v.kind == WH_VERDICT_ALLOWED && v.digest[0] == '\0'); /* untouched */
    }
    /* Not v2 (v1 had no MAC), or a MAC that verifies on what this client never writes. */
    CHECK(wh_cache__value_decode(cache, &v, NAME, "v1|allowed|" DIGEST "|") == WH_CACHE__UNUSABLE);
    CHECK(wh_cache__value_decode(cache, &v, NAME, "") == WH_CACHE__UNUSABLE);
    CHECK(wh_cache__value_decode(cache, &v, NAME, "v2|error||registry down|" ERROR_MAC) ==
          WH_CACHE__UNUSABLE);
    wh_cache_free(cache);
    wh_cache_free(other);
}

static void
test_webhook_cache__redis_needs_a_key(void)
{
    wh_redis_options opts = {.url = "redis://127.0.0.1:1"}; /* never connected to */
    char err[256];
    wh_redis *redis = wh_redis_new(&opts, err, sizeof(err));
    wh_cache *cache;

    CHECK(redis != NULL);
    CHECK(wh_cache_new(10, 300, 10, redis, NULL, 0) == NULL);
    CHECK(wh_cache_new(10, 300, 10, redis, (const unsigned char *)SECRET, 31) == NULL);
    CHECK(wh_cache_new(10, 300, 10, NULL, (const unsigned char *)SECRET, 31) == NULL);
    cache = wh_cache_new(10, 300, 10, redis, (const unsigned char *)SECRET, 32);
    CHECK(cache != NULL);
    wh_cache_free(cache);
    wh_redis_free(redis);
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
    int no_store;                /* of the verdict */
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
    out->no_store = g->no_store;
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
    wh_cache *cache = wh_cache_new(10, 300, 10, NULL, NULL, 0);
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
test_webhook_cache__no_store_verdict_reaches_the_waiters(void)
{
    wh_cache *cache = wh_cache_new(10, 300, 10, NULL, NULL, 0);
    struct caller callers[N_THREADS];
    wh_cache_stats st;
    struct gate g;
    int i, hits = 0;

    gate_init(&g, cache);
    g.wait_for_coalesced = N_THREADS - 1;
    g.no_store = 1;
    for (i = 0; i < N_THREADS; i++) {
        callers[i].gate = &g;
        CHECK(pthread_create(&callers[i].thread, NULL, caller_main, &callers[i]) == 0);
    }
    for (i = 0; i < N_THREADS; i++)
        pthread_join(callers[i].thread, NULL);
    CHECK(g.calls == 1);
    for (i = 0; i < N_THREADS; i++) {
        CHECK(callers[i].verdict.kind == WH_VERDICT_ALLOWED && callers[i].verdict.no_store == 1);
        hits += callers[i].hit;
    }
    CHECK(hits == N_THREADS - 1);
    wh_cache_stats_get(cache, &st);
    CHECK(st.entries == 0);
    /* Nothing was kept: the next caller verifies again. */
    g.wait_for_coalesced = 0;
    g.released = 1;
    caller_main(&callers[0]);
    CHECK(g.calls == 2 && callers[0].hit == 0);
    gate_destroy(&g);
    wh_cache_free(cache);
}

static void
test_webhook_cache__waiter_gives_up_at_its_deadline(void)
{
    wh_cache *cache = wh_cache_new(10, 300, 10, NULL, NULL, 0);
    struct timespec deadline;
    struct caller first;
    struct fake_verify never = {WH_VERDICT_ALLOWED, 0, 0};
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
        TEST_CASE(test_webhook_cache__no_store_verdict_is_kept_nowhere),
        TEST_CASE(test_webhook_cache__value_format),
        TEST_CASE(test_webhook_cache__value_without_a_valid_mac_is_refused),
        TEST_CASE(test_webhook_cache__redis_needs_a_key),
        TEST_CASE(test_webhook_cache__concurrent_callers_share_one_verification),
        TEST_CASE(test_webhook_cache__no_store_verdict_reaches_the_waiters),
        TEST_CASE(test_webhook_cache__waiter_gives_up_at_its_deadline),
        TEST_CASE(test_webhook_cache__free_null),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
