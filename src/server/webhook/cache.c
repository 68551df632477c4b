/*
 * The verdict cache: a hash table of entries that are also on a list from the most to the least
 * recently used, and a list of keys being verified now ("flights") that later callers of the
 * same key wait on. One mutex guards both; verifications and Redis calls run outside it.
 *
 * In Redis a verdict is "v3|<expiry>|allowed|<digest>|<reason>|<mac>" or
 * "v3|<expiry>|rejected|...", <mac> an HMAC-SHA256 of the Redis key and the value
 * (cache_internal.h): whoever can write to Redis but does not hold the replicas' secret cannot make
 * one admit an image, nor move a verdict to another key, nor keep one alive past <expiry> (the
 * wall-clock time its TTL ends, which Redis cannot be trusted to enforce) by writing it back. What
 * Redis gives back is checked and parsed strictly and ignored unless it is exactly that; ERROR
 * verdicts stay local, since they describe this replica's trouble, not the image.
 */
#include "cache_internal.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#define WAIT_DEADLINE_REASON "deadline exceeded while waiting for a verification of the same image"
#define VALUE_MAGIC          "v3|"
#define MAC_LEN              32
#define MAC_HEX_LEN          (2 * MAC_LEN)
/* How far ahead of this replica's clock another replica's may be (NTP keeps nodes far closer). */
#define CLOCK_SKEW_S 60
/* An expiry has at most this many digits: no arithmetic on it overflows. */
#define EXPIRY_DIGITS_MAX 18
/* Big enough for any value this file writes (magic, expiry, kind, digest, reason, MAC and
 * separators). */
#define VALUE_MAX 2048
/* Keys whose unusable value was logged, by hash: each is logged once, unless another key takes
 * its slot in the meantime. */
#define REPORTED_SLOTS 256

struct entry {
    struct entry *chain;         /* next in the hash bucket */
    struct entry *newer, *older; /* the LRU list */
    uint64_t hash;
    struct timespec expires;
    wh_verdict verdict;
    char name[]; /* the cache key */
};

struct flight {
    struct flight *next;
    uint64_t hash;
    unsigned int refs; /* the computing caller and its waiters */
    int done;
    wh_verdict verdict;
    char name[];
};

struct wh_cache {
    pthread_mutex_t lock;
    pthread_cond_t landed; /* a flight is done */
    struct entry **buckets;
    size_t n_buckets; /* a power of two */
    struct entry *newest, *oldest;
    size_t max_entries;
    unsigned int ttl_s, negative_ttl_s;
    wh_redis *redis;
    unsigned char *hmac_key; /* sodium_malloc'ed; NULL without one */
    size_t hmac_key_len;
    EVP_MAC *hmac;
    struct flight *flights;
    wh_cache_clock_fn clock; /* monotonic: local TTLs */
    void *clock_arg;
    wh_cache_clock_fn wall_clock; /* the expiries in Redis, which all replicas must agree on */
    void *wall_clock_arg;
    wh_cache_stats stats;
    uint64_t reported[REPORTED_SLOTS];
};

static void
monotonic_clock(struct timespec *out, void *arg)
{
    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, out);
}

static void
real_clock(struct timespec *out, void *arg)
{
    (void)arg;
    clock_gettime(CLOCK_REALTIME, out);
}

/* FNV-1a. */
static uint64_t
hash_name(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int
time_reached(const struct timespec *now, const struct timespec *t)
{
    return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

static unsigned int
ttl_of(const wh_cache *cache, wh_verdict_kind kind)
{
    return kind == WH_VERDICT_ALLOWED ? cache->ttl_s : cache->negative_ttl_s;
}

static void
set_error(wh_verdict *out, const char *reason)
{
    out->kind = WH_VERDICT_ERROR;
    out->digest[0] = '\0';
    snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/* --- the table and the LRU list (cache->lock held) ------------------------------------------ */

static struct entry **
bucket_of(wh_cache *cache, uint64_t hash)
{
    return &cache->buckets[hash & (cache->n_buckets - 1)];
}

static void
lru_unlink(wh_cache *cache, struct entry *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        cache->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        cache->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void
lru_push_newest(wh_cache *cache, struct entry *e)
{
    e->older = cache->newest;
    e->newer = NULL;
    if (cache->newest != NULL)
        cache->newest->newer = e;
    else
        cache->oldest = e;
    cache->newest = e;
}

static struct entry *
entry_find(wh_cache *cache, const char *name, uint64_t hash)
{
    struct entry *e;

    for (e = *bucket_of(cache, hash); e != NULL; e = e->chain)
        if (e->hash == hash && strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

static void
entry_remove(wh_cache *cache, struct entry *e)
{
    struct entry **p = bucket_of(cache, e->hash);

    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    lru_unlink(cache, e);
    cache->stats.entries--;
    free(e);
}

static void
entries_clear(wh_cache *cache)
{
    while (cache->oldest != NULL)
        entry_remove(cache, cache->oldest);
}

/* Keep @p verdict for its TTL, or for @p left if that is shorter (NULL: no such limit), making
 * room by dropping the least recently used entry. */
static void
entry_store(wh_cache *cache, const char *name, uint64_t hash, const wh_verdict *verdict,
            const struct timespec *left)
{
    unsigned int ttl = ttl_of(cache, verdict->kind);
    size_t len = strlen(name);
    struct timespec now;
    struct entry *e;

    if (ttl == 0 || cache->max_entries == 0)
        return;
    cache->clock(&now, cache->clock_arg);
    e = entry_find(cache, name, hash);
    if (e != NULL) {
        lru_unlink(cache, e);
    } else {
        while (cache->stats.entries >= cache->max_entries) {
            struct entry *victim = cache->oldest;

            if (!time_reached(&now, &victim->expires))
                cache->stats.evictions++;
            entry_remove(cache, victim);
        }
        e = calloc(1, sizeof(*e) + len + 1);
        if (e == NULL)
            return; /* not cached: the next caller verifies again */
        memcpy(e->name, name, len + 1);
        e->hash = hash;
        e->chain = *bucket_of(cache, hash);
        *bucket_of(cache, hash) = e;
        cache->stats.entries++;
    }
    e->verdict = *verdict;
    e->expires = now;
    if (left != NULL && left->tv_sec < (time_t)ttl) {
        e->expires.tv_sec += left->tv_sec;
        e->expires.tv_nsec += left->tv_nsec;
        if (e->expires.tv_nsec >= 1000000000L) {
            e->expires.tv_sec++;
            e->expires.tv_nsec -= 1000000000L;
        }
    } else {
        e->expires.tv_sec += (time_t)ttl;
    }
    lru_push_newest(cache, e);
}

/* --- flights (cache->lock held) -------------------------------------------------------------- */

static struct flight *
flight_find(wh_cache *cache, const char *name, uint64_t hash)
{
    struct flight *f;

    for (f = cache->flights; f != NULL; f = f->next)
        if (f->hash == hash && strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static void
flight_land(wh_cache *cache, struct flight *f, const wh_verdict *verdict)
{
    struct flight **p = &cache->flights;

    while (*p != f)
        p = &(*p)->next;
    *p = f->next;
    f->verdict = *verdict;
    f->done = 1;
    pthread_cond_broadcast(&cache->landed);
}

static void
flight_put(struct flight *f)
{
    if (--f->refs == 0)
        free(f);
}

/* --- the Redis value ------------------------------------------------------------------------- */

/* "" or "<algorithm>:<hex>", as a digest is written. */
static int
digest_ok(const char *d)
{
    const char *colon = strchr(d, ':');
    const char *p;

    if (*d == '\0')
        return 1;
    if (colon == NULL || colon == d || colon[1] == '\0')
        return 0;
    for (p = d; p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    for (p = colon + 1; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'f') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* One line of text: what a denial message may quote. */
static int
reason_ok(const char *r)
{
    for (; *r != '\0'; r++)
        if ((unsigned char)*r < 0x20 || *r == 0x7f)
            return 0;
    return 1;
}

static const char *
kind_word(wh_verdict_kind kind)
{
    return kind == WH_VERDICT_ALLOWED ? "allowed" : "rejected";
}

/* The MAC of @p body stored under @p name, in lowercase hex (NUL-terminated). */
static int
value_mac(const wh_cache *cache, char hex[MAC_HEX_LEN + 1], const char *name, const char *body,
          size_t body_len)
{
    static char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    unsigned char mac[MAC_LEN];
    EVP_MAC_CTX *ctx = NULL;
    size_t len = 0;
    int rc = -1;

    if (cache->hmac == NULL || (ctx = EVP_MAC_CTX_new(cache->hmac)) == NULL)
        goto out;
    /* The key's NUL ends it: no other key and value give the same input. */
    if (EVP_MAC_init(ctx, cache->hmac_key, cache->hmac_key_len, params) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)name, strlen(name) + 1) != 1 ||
        EVP_MAC_update(ctx, (const unsigned char *)body, body_len) != 1 ||
        EVP_MAC_final(ctx, mac, &len, sizeof(mac)) != 1 || len != MAC_LEN)
        goto out;
    sodium_bin2hex(hex, MAC_HEX_LEN + 1, mac, MAC_LEN);
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

int
wh_cache__value_encode(const wh_cache *cache, char *out, size_t size, const char *name,
                       const wh_verdict *v)
{
    char hex[MAC_HEX_LEN + 1];
    struct timespec now;
    int n, m;

    if ((v->kind != WH_VERDICT_ALLOWED && v->kind != WH_VERDICT_REJECTED) ||
        !digest_ok(v->digest) || !reason_ok(v->reason))
        return -1;
    cache->wall_clock(&now, cache->wall_clock_arg);
    /* The second is rounded down: the verdict never outlives its TTL. */
    n = snprintf(out, size, VALUE_MAGIC "%lld|%s|%s|%s",
                 (long long)now.tv_sec + ttl_of(cache, v->kind), kind_word(v->kind), v->digest,
                 v->reason);
    if (n < 0 || (size_t)n >= size || value_mac(cache, hex, name, out, (size_t)n) != 0)
        return -1;
    m = snprintf(out + n, size - (size_t)n, "|%s", hex);
    return m >= 0 && (size_t)m < size - (size_t)n ? 0 : -1;
}

/* "v3|<expiry>|<kind>|<digest>|<reason>" without its MAC. */
static int
body_decode(wh_verdict *out, long long *expiry, const char *body)
{
    const char *p = body + strlen(VALUE_MAGIC), *bar;
    int digits = 0;
    size_t len;

    /* Decimal, without a sign or a leading zero. */
    if (*p < '1' || *p > '9')
        return WH_CACHE__UNUSABLE;
    for (*expiry = 0; *p >= '0' && *p <= '9'; p++) {
        if (++digits > EXPIRY_DIGITS_MAX)
            return WH_CACHE__UNUSABLE;
        *expiry = *expiry * 10 + (*p - '0');
    }
    if (*p++ != '|')
        return WH_CACHE__UNUSABLE;
    if (strncmp(p, "allowed|", 8) == 0) {
        out->kind = WH_VERDICT_ALLOWED;
        p += 8;
    } else if (strncmp(p, "rejected|", 9) == 0) {
        out->kind = WH_VERDICT_REJECTED;
        p += 9;
    } else {
        return WH_CACHE__UNUSABLE;
    }
    bar = strchr(p, '|');
    if (bar == NULL || (size_t)(bar - p) >= sizeof(out->digest))
        return WH_CACHE__UNUSABLE;
    memcpy(out->digest, p, (size_t)(bar - p));
    out->digest[bar - p] = '\0';
    len = strlen(bar + 1);
    if (len >= sizeof(out->reason))
        return WH_CACHE__UNUSABLE;
    memcpy(out->reason, bar + 1, len + 1);
    out->no_store = 0;
    return digest_ok(out->digest) && reason_ok(out->reason) ? 0 : WH_CACHE__UNUSABLE;
}

int
wh_cache__value_decode(const wh_cache *cache, wh_verdict *out, struct timespec *left,
                       const char *name, const char *value)
{
    char body[VALUE_MAX], hex[MAC_HEX_LEN + 1];
    size_t len = strlen(value), body_len;
    struct timespec now;
    long long expiry;
    wh_verdict v;
    int rc;

    if (strncmp(value, VALUE_MAGIC, strlen(VALUE_MAGIC)) != 0 || len >= sizeof(body))
        return WH_CACHE__UNUSABLE;
    /* The MAC is checked before anything else of the value is believed. */
    if (len < strlen(VALUE_MAGIC) + 1 + MAC_HEX_LEN || value[len - MAC_HEX_LEN - 1] != '|')
        return WH_CACHE__BAD_MAC;
    body_len = len - MAC_HEX_LEN - 1;
    if (value_mac(cache, hex, name, value, body_len) != 0 ||
        CRYPTO_memcmp(hex, value + body_len + 1, MAC_HEX_LEN) != 0)
        return WH_CACHE__BAD_MAC;
    memcpy(body, value, body_len);
    body[body_len] = '\0';
    if ((rc = body_decode(&v, &expiry, body)) != 0)
        return rc;
    /* Not Redis's expiry: whoever can write to Redis can put back a value signed long ago. */
    cache->wall_clock(&now, cache->wall_clock_arg);
    if (expiry <= (long long)now.tv_sec)
        return WH_CACHE__EXPIRED;
    if (expiry - (long long)now.tv_sec > (long long)ttl_of(cache, v.kind) + CLOCK_SKEW_S)
        return WH_CACHE__TOO_LATE;
    /* expiry - now, to the nanosecond. */
    left->tv_sec = (time_t)(expiry - (long long)now.tv_sec - 1);
    left->tv_nsec = 1000000000L - now.tv_nsec;
    if (left->tv_nsec == 1000000000L) {
        left->tv_sec++;
        left->tv_nsec = 0;
    }
    *out = v;
    return 0;
}

static void
count_redis_error(wh_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    cache->stats.redis_errors++;
    pthread_mutex_unlock(&cache->lock);
}

/* Count a value that was ignored (@p why: WH_CACHE__*), and log it unless its key was logged. */
static void
report_unusable(wh_cache *cache, const char *name, uint64_t hash, int why)
{
    uint64_t *slot = &cache->reported[hash % REPORTED_SLOTS];
    int first;

    pthread_mutex_lock(&cache->lock);
    cache->stats.redis_errors++;
    first = *slot != (hash | 1); /* | 1: an empty slot holds 0 */
    *slot = hash | 1;
    pthread_mutex_unlock(&cache->lock);
    if (!first)
        return;
    if (why == WH_CACHE__BAD_MAC)
        wh_log(WH_LOG_WARN,
               "verdict cache: ignoring a value for '%s' in redis whose MAC does not verify (not "
               "written by a replica with this redis.hmacKeyFile)",
               name);
    else if (why == WH_CACHE__EXPIRED)
        wh_log(WH_LOG_WARN,
               "verdict cache: ignoring an expired value for '%s' in redis (replayed, or the "
               "clocks of the replicas disagree)",
               name);
    else if (why == WH_CACHE__TOO_LATE)
        wh_log(WH_LOG_WARN,
               "verdict cache: ignoring a value for '%s' in redis that expires later than this "
               "replica's TTL allows (written by a replica with a longer TTL, or the clocks of the "
               "replicas disagree)",
               name);
    else
        wh_log(WH_LOG_WARN, "verdict cache: ignoring an unusable value for '%s' in redis", name);
}

/* 1 with a shared verdict in @p out and the time it has left in @p left, 0 when Redis has none
 * (or is unavailable). */
static int
redis_fetch(wh_cache *cache, const char *name, uint64_t hash, wh_verdict *out,
            struct timespec *left)
{
    char value[VALUE_MAX], err[512];
    int rc = wh_redis_get(cache->redis, name, value, sizeof(value), err, sizeof(err));

    if (rc < 0) {
        wh_log(WH_LOG_DEBUG, "verdict cache: %s", err);
        count_redis_error(cache);
        return 0;
    }
    if (rc == 0)
        return 0;
    if ((rc = wh_cache__value_decode(cache, out, left, name, value)) != 0) {
        report_unusable(cache, name, hash, rc);
        return 0;
    }
    return 1;
}

static void
redis_store(wh_cache *cache, const char *name, const wh_verdict *verdict)
{
    unsigned int ttl = ttl_of(cache, verdict->kind);
    char value[VALUE_MAX], err[512];

    if (ttl == 0 || wh_cache__value_encode(cache, value, sizeof(value), name, verdict) != 0)
        return;
    if (wh_redis_set(cache->redis, name, value, ttl, err, sizeof(err)) != 0) {
        wh_log(WH_LOG_DEBUG, "verdict cache: %s", err);
        count_redis_error(cache);
    }
}

/* --- the API --------------------------------------------------------------------------------- */

wh_cache *
wh_cache_new(size_t max_entries, unsigned int ttl_s, unsigned int negative_ttl_s, wh_redis *redis,
             const unsigned char *hmac_key, size_t hmac_key_len)
{
    wh_cache *cache = NULL;
    pthread_condattr_t attr;
    size_t n = 16;

    if ((redis != NULL || hmac_key_len != 0) &&
        (hmac_key == NULL || hmac_key_len < WH_CACHE_HMAC_KEY_MIN))
        return NULL;
    cache = calloc(1, sizeof(*cache));
    if (cache == NULL)
        return NULL;
    pthread_mutex_init(&cache->lock, NULL);
    /* Waiters' deadlines are CLOCK_MONOTONIC times. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&cache->landed, &attr);
    pthread_condattr_destroy(&attr);
    /* About one bucket per entry; chains just get longer past 4M entries. */
    while (n < max_entries && n < ((size_t)1 << 22))
        n <<= 1;
    cache->buckets = calloc(n, sizeof(*cache->buckets));
    if (cache->buckets == NULL)
        goto fail;
    if (hmac_key_len != 0) {
        if (sodium_init() < 0 || (cache->hmac_key = sodium_malloc(hmac_key_len)) == NULL ||
            (cache->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
            goto fail;
        memcpy(cache->hmac_key, hmac_key, hmac_key_len);
        cache->hmac_key_len = hmac_key_len;
    }
    cache->n_buckets = n;
    cache->max_entries = max_entries;
    cache->ttl_s = ttl_s;
    cache->negative_ttl_s = negative_ttl_s;
    cache->redis = redis;
    cache->clock = monotonic_clock;
    cache->wall_clock = real_clock;
    return cache;
fail:
    wh_cache_free(cache);
    return NULL;
}

void
wh_cache_free(wh_cache *cache)
{
    if (cache == NULL)
        return;
    entries_clear(cache);
    free(cache->buckets);
    sodium_free(cache->hmac_key); /* wipes */
    EVP_MAC_free(cache->hmac);
    pthread_cond_destroy(&cache->landed);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

void
wh_cache_set_clock(wh_cache *cache, wh_cache_clock_fn clock, void *arg)
{
    cache->clock = clock != NULL ? clock : monotonic_clock;
    cache->clock_arg = arg;
}

void
wh_cache_set_wall_clock(wh_cache *cache, wh_cache_clock_fn clock, void *arg)
{
    cache->wall_clock = clock != NULL ? clock : real_clock;
    cache->wall_clock_arg = arg;
}

/* Wait for @p f to land, until @p deadline (NULL: no limit). Called and returns with the lock. */
static void
flight_wait(wh_cache *cache, struct flight *f, const struct timespec *deadline, wh_verdict *out,
            int *hit)
{
    int rc = 0;

    f->refs++;
    while (!f->done && rc != ETIMEDOUT) {
        if (deadline != NULL)
            rc = pthread_cond_timedwait(&cache->landed, &cache->lock, deadline);
        else
            pthread_cond_wait(&cache->landed, &cache->lock);
    }
    if (f->done) {
        *out = f->verdict;
        *hit = 1;
    } else {
        set_error(out, WAIT_DEADLINE_REASON);
    }
    flight_put(f);
}

void
wh_cache_resolve(wh_cache *cache, wh_verdict *out, int *hit, const char *key,
                 const struct timespec *deadline, wh_verify_fn verify, void *arg)
{
    uint64_t hash = hash_name(key);
    size_t len = strlen(key);
    struct flight *f = NULL;
    struct timespec now, left;
    struct entry *e;
    int shared = 0;

    *hit = 0;
    if (len >= WH_CACHE_KEY_MAX) {
        /* A caller's mistake; still an answer, just not a cached one. */
        verify(out, arg);
        return;
    }
    pthread_mutex_lock(&cache->lock);
    e = entry_find(cache, key, hash);
    if (e != NULL) {
        cache->clock(&now, cache->clock_arg);
        if (!time_reached(&now, &e->expires)) {
            *out = e->verdict;
            *hit = 1;
            cache->stats.hits++;
            lru_unlink(cache, e);
            lru_push_newest(cache, e);
            pthread_mutex_unlock(&cache->lock);
            return;
        }
        entry_remove(cache, e);
    }
    cache->stats.misses++;
    f = flight_find(cache, key, hash);
    if (f != NULL) {
        cache->stats.coalesced++;
        flight_wait(cache, f, deadline, out, hit);
        pthread_mutex_unlock(&cache->lock);
        return;
    }
    f = calloc(1, sizeof(*f) + len + 1);
    if (f != NULL) {
        memcpy(f->name, key, len + 1);
        f->hash = hash;
        f->refs = 1;
        f->next = cache->flights;
        cache->flights = f;
    }
    pthread_mutex_unlock(&cache->lock);

    if (cache->redis != NULL)
        shared = redis_fetch(cache, key, hash, out, &left);
    if (!shared)
        verify(out, arg);

    pthread_mutex_lock(&cache->lock);
    if (shared)
        cache->stats.redis_hits++;
    if (!out->no_store)
        entry_store(cache, key, hash, out, shared ? &left : NULL);
    if (f != NULL) {
        flight_land(cache, f, out);
        flight_put(f);
    }
    pthread_mutex_unlock(&cache->lock);

    if (cache->redis != NULL && !shared && !out->no_store)
        redis_store(cache, key, out);
    *hit = shared;
}

void
wh_cache_stats_get(wh_cache *cache, wh_cache_stats *out)
{
    pthread_mutex_lock(&cache->lock);
    *out = cache->stats;
    pthread_mutex_unlock(&cache->lock);
}

void
wh_cache_clear(wh_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    entries_clear(cache);
    pthread_mutex_unlock(&cache->lock);
}
