/*
 * The verdict cache: LRU order, TTLs on injected clocks (no sleeping), one verification for
 * concurrent callers, the waiters' deadline, verdicts kept nowhere (no_store), the counters, the
 * signed, expiring values it shares through Redis, and what it does with them when a small fake
 * Redis in this file hands them back. (With a real Redis: tests/webhook/redis.sh.)
 */
#include "harness.h"

#include "cache_internal.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DIGEST      "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"
#define WAIT_REASON "deadline exceeded while waiting for a verification of the same image"
#define SECRET      "0123456789abcdef0123456789abcdef" /* 32 bytes */
#define NAME        "signet-webhook:img"
/* The wall clock of the values below: expiries are WALL + 300 (allowed) or + 10 (rejected). */
#define WALL 1700000000LL
/* printf '%s\0%s' NAME "v3|1700000300|allowed|DIGEST|" | openssl dgst -sha256 -hmac SECRET */
#define ALLOWED_MAC       "708e3cc2ac502c97676a76355c6a278a85d356a41a636e9f8efc78c400ec2c40"
#define ALLOWED_MAC_UPPER "708E3CC2AC502C97676A76355C6A278A85D356A41A636E9F8EFC78C400EC2C40"
#define OTHER_DIGEST      "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea4"
/* ... "v3|1700000010|rejected||no signature | or two" ... */
#define REJECTED_MAC "45b139af36d94ec463c8fbb29ce420769c3edd6019b10d009a347d67bf7df7e9"
/* ... "v3|1700000010|error||registry down" ...: a MAC that verifies on a verdict never shared */
#define ERROR_MAC "0ca0a1dd36bf7e94d14558cd0dd9121db21f82db886f2799ad50181efa113c6b"
/* ... "v2|allowed|DIGEST|" ...: a value of the previous version, which had no expiry */
#define V2_MAC "4b0572f4d370219715876d18b3a5bd9fafd8926dc52b6a7d5ca801c0a44f9fa1"

/* The cache's two clocks: monotonic (local TTLs) and wall (expiries in Redis values). */
static struct timespec fake_now = {1000, 0}, fake_wall = {WALL, 0};

static void
fake_clock(struct timespec *out, void *arg)
{
    (void)arg;
    *out = fake_now;
}

static void
fake_wall_clock(struct timespec *out, void *arg)
{
    (void)arg;
    *out = fake_wall;
}

static void
timespec_add_ms(struct timespec *t, long ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* Time passes, on both clocks. */
static void
advance_ms(long ms)
{
    timespec_add_ms(&fake_now, ms);
    timespec_add_ms(&fake_wall, ms);
}

static void
set_wall(long long sec, long nsec)
{
    fake_wall.tv_sec = (time_t)sec;
    fake_wall.tv_nsec = nsec;
}

/* The body printed from @p fmt, signed for Redis key @p name with SECRET as a replica signs it:
 * "<body>|<hex HMAC-SHA256 of name, NUL, body>" (computed here with OpenSSL's HMAC()). */
static const char *signed_value(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
signed_value(const char *name, const char *fmt, ...)
{
    static char out[2048];
    unsigned char input[2048], mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0, i;
    size_t name_len = strlen(name) + 1;
    va_list ap;
    int n;

    if (name_len >= sizeof(input)) {
        harness_fail(__FILE__, __LINE__, "key '%s' too long", name);
        return "";
    }
    memcpy(input, name, name_len);
    va_start(ap, fmt);
    n = vsnprintf((char *)input + name_len, sizeof(input) - name_len, fmt, ap);
    va_end(ap);
    CHECK(n > 0 && (size_t)n < sizeof(input) - name_len);
    CHECK(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), input, name_len + (size_t)n, mac,
               &mac_len) != NULL &&
          mac_len == 32);
    n = snprintf(out, sizeof(out), "%s|", (char *)input + name_len);
    for (i = 0; i < mac_len && n > 0 && (size_t)n < sizeof(out); i++)
        n += snprintf(out + n, sizeof(out) - (size_t)n, "%02x", mac[i]);
    return out;
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

/* A cache with the fake clocks and, unless @p redis is NULL, Redis. */
static wh_cache *
new_keyed_cache_ttl(const char *secret, unsigned int ttl, wh_redis *redis)
{
    wh_cache *cache =
        wh_cache_new(10, ttl, 10, redis, (const unsigned char *)secret, strlen(secret));

    CHECK(cache != NULL);
    if (cache != NULL) {
        wh_cache_set_clock(cache, fake_clock, NULL);
        wh_cache_set_wall_clock(cache, fake_wall_clock, NULL);
    }
    return cache;
}

static wh_cache *
new_keyed_cache(const char *secret)
{
    return new_keyed_cache_ttl(secret, 300, NULL);
}

/* @p value decodes, with @p left_s.@p left_ns seconds left. */
static void
check_decodes(wh_cache *cache, const char *value, time_t left_s, long left_ns, int line)
{
    struct timespec left = {-1, -1};
    wh_verdict v;
    int rc = wh_cache__value_decode(cache, &v, &left, NAME, value);

    if (rc != 0)
        harness_fail(__FILE__, line, "'%s' was refused (%d)", value, rc);
    else if (left.tv_sec != left_s || left.tv_nsec != left_ns)
        harness_fail(__FILE__, line, "'%s' has %lld.%09ld s left, want %lld.%09ld", value,
                     (long long)left.tv_sec, left.tv_nsec, (long long)left_s, left_ns);
}

/* @p value is refused with @p want, leaving the outputs untouched. */
static void
check_refused(wh_cache *cache, const char *value, int want, int line)
{
    struct timespec left = {-1, -1};
    wh_verdict v;
    int rc;

    memset(&v, 0, sizeof(v));
    rc = wh_cache__value_decode(cache, &v, &left, NAME, value);
    if (rc != want)
        harness_fail(__FILE__, line, "'%s' gave %d, want %d", value, rc, want);
    if (v.kind != WH_VERDICT_ALLOWED || v.digest[0] != '\0' || left.tv_sec != -1)
        harness_fail(__FILE__, line, "'%s' changed the outputs", value);
}

static void
test_webhook_cache__value_format(void)
{
    wh_cache *cache = new_keyed_cache(SECRET);
    struct timespec left = {0, 0};
    wh_verdict v, back;
    char value[2048];

    set_wall(WALL, 0);
    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_ALLOWED;
    snprintf(v.digest, sizeof(v.digest), "%s", DIGEST);
    v.no_store = 1; /* not part of the value */
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    CHECK(strcmp(value, "v3|1700000300|allowed|" DIGEST "||" ALLOWED_MAC) == 0);
    memset(&back, 0x55, sizeof(back));
    CHECK(wh_cache__value_decode(cache, &back, &left, NAME, value) == 0);
    CHECK(back.kind == WH_VERDICT_ALLOWED && strcmp(back.digest, DIGEST) == 0);
    CHECK(back.reason[0] == '\0' && back.no_store == 0);
    CHECK(left.tv_sec == 300 && left.tv_nsec == 0);
    /* The expiry is the second the TTL ends in, rounded down. */
    set_wall(WALL, 999999999);
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    CHECK(strcmp(value, "v3|1700000300|allowed|" DIGEST "||" ALLOWED_MAC) == 0);
    CHECK(wh_cache__value_decode(cache, &back, &left, NAME, value) == 0);
    CHECK(left.tv_sec == 299 && left.tv_nsec == 1);

    set_wall(WALL, 0);
    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_REJECTED;
    snprintf(v.reason, sizeof(v.reason), "no signature | or two");
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    CHECK(strcmp(value, "v3|1700000010|rejected||no signature | or two|" REJECTED_MAC) == 0);
    CHECK(wh_cache__value_decode(cache, &back, &left, NAME, value) == 0);
    CHECK(back.kind == WH_VERDICT_REJECTED && back.digest[0] == '\0');
    CHECK(strcmp(back.reason, "no signature | or two") == 0);
    CHECK(left.tv_sec == 10 && left.tv_nsec == 0);

    /* ERROR verdicts are not shared; a value too small for the buffer is not written. */
    v.kind = WH_VERDICT_ERROR;
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == -1);
    v.kind = WH_VERDICT_REJECTED;
    CHECK(wh_cache__value_encode(cache, value, 40, NAME, &v) == -1);
    wh_cache_free(cache);
}

#define GOOD "v3|1700000300|allowed|" DIGEST "||" ALLOWED_MAC

static void
test_webhook_cache__value_without_a_valid_mac_is_refused(void)
{
    static const char *const bad_mac[] = {
        "v3|1700000300|allowed|" DIGEST "|",                  /* no MAC */
        "v3|1700000300|allowed|" DIGEST "||",                 /* an empty one */
        "v3|1700000300|allowed|" DIGEST "||" ALLOWED_MAC "0", /* one hex digit more */
        "v3|1700000300|allowed|" DIGEST "||" ALLOWED_MAC_UPPER,
        "v3|1700000300|allowed|" DIGEST "|x|" ALLOWED_MAC,      /* the reason changed */
        "v3|1700000300|rejected|" DIGEST "||" ALLOWED_MAC,      /* the kind changed */
        "v3|1700000300|allowed|" OTHER_DIGEST "||" ALLOWED_MAC, /* the digest changed */
        "v3|1700000301|allowed|" DIGEST "||" ALLOWED_MAC,       /* the expiry changed */
        "v3|" ALLOWED_MAC,
    };
    wh_cache *cache = new_keyed_cache(SECRET);
    wh_cache *other = new_keyed_cache(SECRET "!");
    struct timespec left;
    wh_verdict v;

    set_wall(WALL, 0);
    CHECK(wh_cache__value_decode(cache, &v, &left, NAME, GOOD) == 0);
    /* The same value under another key, or checked with another secret. */
    CHECK(wh_cache__value_decode(cache, &v, &left, "signet-webhook:img2", GOOD) ==
          WH_CACHE__BAD_MAC);
    CHECK(wh_cache__value_decode(cache, &v, &left, "other-prefix:img", GOOD) == WH_CACHE__BAD_MAC);
    CHECK(wh_cache__value_decode(other, &v, &left, NAME, GOOD) == WH_CACHE__BAD_MAC);
    for (size_t i = 0; i < sizeof(bad_mac) / sizeof(bad_mac[0]); i++)
        check_refused(cache, bad_mac[i], WH_CACHE__BAD_MAC, __LINE__);
    /* Not v3 (v1 had no MAC, v2 no expiry), or a MAC that verifies on what this client never
     * writes. */
    check_refused(cache, "v1|allowed|" DIGEST "|", WH_CACHE__UNUSABLE, __LINE__);
    check_refused(cache, "v2|allowed|" DIGEST "||" V2_MAC, WH_CACHE__UNUSABLE, __LINE__);
    check_refused(cache, "", WH_CACHE__UNUSABLE, __LINE__);
    check_refused(cache, "v3|1700000010|error||registry down|" ERROR_MAC, WH_CACHE__UNUSABLE,
                  __LINE__);
    wh_cache_free(cache);
    wh_cache_free(other);
}

static void
test_webhook_cache__value_expiry_is_checked(void)
{
    static const char *const bad_expiry[] = {
        "",
        "0",
        "01700000100",
        "+1700000100",
        "-1700000100",
        " 1700000100",
        "1700000100 ",
        "1700000100x",
        "0x6553f164",
        "1e10",
        "1234567890123456789", /* 19 digits */
    };
    wh_cache *cache = new_keyed_cache(SECRET);
    wh_cache *longer = new_keyed_cache_ttl(SECRET, 3600, NULL);
    char value[2048];
    wh_verdict v;

    set_wall(WALL, 0);
    /* Expired: replayed, or a replica whose clock is behind by more than the TTL. */
    check_refused(cache, signed_value(NAME, "v3|%lld|allowed|%s|", WALL, DIGEST), WH_CACHE__EXPIRED,
                  __LINE__);
    check_refused(cache, signed_value(NAME, "v3|%lld|rejected||no", WALL - 86400),
                  WH_CACHE__EXPIRED, __LINE__);
    check_refused(cache, signed_value(NAME, "v3|1|allowed|%s|", DIGEST), WH_CACHE__EXPIRED,
                  __LINE__);
    check_decodes(cache, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 1, DIGEST), 1, 0,
                  __LINE__);
    set_wall(WALL, 999999999);
    check_decodes(cache, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 1, DIGEST), 0, 1,
                  __LINE__);

    /* Further ahead than the kind's TTL and 60 s of clock skew. */
    set_wall(WALL, 0);
    check_decodes(cache, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 360, DIGEST), 360, 0,
                  __LINE__);
    check_refused(cache, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 361, DIGEST),
                  WH_CACHE__TOO_LATE, __LINE__);
    check_decodes(cache, signed_value(NAME, "v3|%lld|rejected||no", WALL + 70), 70, 0, __LINE__);
    check_refused(cache, signed_value(NAME, "v3|%lld|rejected||no", WALL + 71), WH_CACHE__TOO_LATE,
                  __LINE__);
    check_refused(cache, signed_value(NAME, "v3|999999999999999999|allowed|%s|", DIGEST),
                  WH_CACHE__TOO_LATE, __LINE__);

    /* Written by replicas: one with a longer TTL, one whose clock is ahead by 60 s, then by 61. */
    memset(&v, 0, sizeof(v));
    v.kind = WH_VERDICT_ALLOWED;
    snprintf(v.digest, sizeof(v.digest), "%s", DIGEST);
    CHECK(wh_cache__value_encode(longer, value, sizeof(value), NAME, &v) == 0);
    check_refused(cache, value, WH_CACHE__TOO_LATE, __LINE__);
    set_wall(WALL + 60, 0);
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    set_wall(WALL, 0);
    check_decodes(cache, value, 360, 0, __LINE__);
    set_wall(WALL + 61, 0);
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    set_wall(WALL, 0);
    check_refused(cache, value, WH_CACHE__TOO_LATE, __LINE__);

    /* A value written now is good until its TTL ends, then refused whoever puts it back. */
    CHECK(wh_cache__value_encode(cache, value, sizeof(value), NAME, &v) == 0);
    set_wall(WALL + 299, 999000000);
    check_decodes(cache, value, 0, 1000000, __LINE__);
    set_wall(WALL + 300, 0);
    check_refused(cache, value, WH_CACHE__EXPIRED, __LINE__);
    set_wall(WALL + 86400 * 365, 0);
    check_refused(cache, value, WH_CACHE__EXPIRED, __LINE__);

    /* Signed, but not an expiry this client writes. */
    set_wall(WALL, 0);
    for (size_t i = 0; i < sizeof(bad_expiry) / sizeof(bad_expiry[0]); i++)
        check_refused(cache, signed_value(NAME, "v3|%s|allowed|%s|", bad_expiry[i], DIGEST),
                      WH_CACHE__UNUSABLE, __LINE__);
    check_refused(cache, signed_value(NAME, "v3|%lld", WALL + 100), WH_CACHE__UNUSABLE, __LINE__);
    check_refused(cache, signed_value(NAME, "v3|%lld|", WALL + 100), WH_CACHE__UNUSABLE, __LINE__);
    wh_cache_free(cache);
    wh_cache_free(longer);
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

/* --- verdicts from Redis --------------------------------------------------------------------- */

/* A Redis of one value on 127.0.0.1 (a free port), one connection at a time: GET KEY answers
 * the value ("": none) whatever KEY is, SET KEY VALUE EX TTL replaces it. */
struct fake_redis {
    int fd; /* listening */
    pthread_t thread;
    pthread_mutex_t lock;
    char value[2048];
    int gets, sets;
    char url[64];
};

static void
write_all(int fd, const char *s, size_t len)
{
    ssize_t n;

    for (; len > 0; s += n, len -= (size_t)n)
        if ((n = write(fd, s, len)) <= 0)
            return;
}

static void
fake_redis_answer(struct fake_redis *fr, const redisReply *cmd, char *reply, size_t size)
{
    pthread_mutex_lock(&fr->lock);
    if (cmd->type == REDIS_REPLY_ARRAY && cmd->elements == 2 &&
        strcmp(cmd->element[0]->str, "GET") == 0) {
        fr->gets++;
        if (fr->value[0] == '\0')
            snprintf(reply, size, "$-1\r\n");
        else
            snprintf(reply, size, "$%zu\r\n%s\r\n", strlen(fr->value), fr->value);
    } else if (cmd->type == REDIS_REPLY_ARRAY && cmd->elements == 5 &&
               strcmp(cmd->element[0]->str, "SET") == 0) {
        fr->sets++;
        snprintf(fr->value, sizeof(fr->value), "%s", cmd->element[2]->str);
        snprintf(reply, size, "+OK\r\n");
    } else {
        snprintf(reply, size, "-ERR not a command of this fake\r\n");
    }
    pthread_mutex_unlock(&fr->lock);
}

static void *
fake_redis_main(void *arg)
{
    struct fake_redis *fr = arg;
    char buf[4096], reply[2200];
    redisReader *reader;
    void *cmd;
    ssize_t n;
    int fd;

    while ((fd = accept(fr->fd, NULL, NULL)) >= 0) {
        /* Commands are arrays of bulk strings: hiredis's reply parser reads them too. */
        reader = redisReaderCreate();
        while (reader != NULL && (n = read(fd, buf, sizeof(buf))) > 0 &&
               redisReaderFeed(reader, buf, (size_t)n) == REDIS_OK) {
            while (redisReaderGetReply(reader, &cmd) == REDIS_OK && cmd != NULL) {
                fake_redis_answer(fr, cmd, reply, sizeof(reply));
                freeReplyObject(cmd);
                write_all(fd, reply, strlen(reply));
            }
        }
        if (reader != NULL)
            redisReaderFree(reader);
        close(fd);
    }
    return NULL;
}

static int
fake_redis_start(struct fake_redis *fr)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);

    memset(fr, 0, sizeof(*fr));
    pthread_mutex_init(&fr->lock, NULL);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fr->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fr->fd < 0 || bind(fr->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fr->fd, 4) != 0 || getsockname(fr->fd, (struct sockaddr *)&addr, &len) != 0 ||
        pthread_create(&fr->thread, NULL, fake_redis_main, fr) != 0) {
        harness_fail(__FILE__, __LINE__, "cannot start the fake redis");
        if (fr->fd >= 0)
            close(fr->fd);
        return -1;
    }
    snprintf(fr->url, sizeof(fr->url), "redis://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    return 0;
}

/* After the client is freed (its connection closed). */
static void
fake_redis_stop(struct fake_redis *fr)
{
    shutdown(fr->fd, SHUT_RDWR); /* ends accept() */
    pthread_join(fr->thread, NULL);
    close(fr->fd);
    pthread_mutex_destroy(&fr->lock);
}

static void
fake_redis_set(struct fake_redis *fr, const char *value)
{
    pthread_mutex_lock(&fr->lock);
    snprintf(fr->value, sizeof(fr->value), "%s", value);
    pthread_mutex_unlock(&fr->lock);
}

/* The fake was asked @p gets GETs and @p sets SETs, and holds @p value (NULL: whatever). */
static void
fake_redis_check(struct fake_redis *fr, int gets, int sets, const char *value, int line)
{
    pthread_mutex_lock(&fr->lock);
    if (fr->gets != gets || fr->sets != sets)
        harness_fail(__FILE__, line, "the fake redis had %d GETs and %d SETs, want %d and %d",
                     fr->gets, fr->sets, gets, sets);
    if (value != NULL && strcmp(fr->value, value) != 0)
        harness_fail(__FILE__, line, "the fake redis holds '%s', want '%s'", fr->value, value);
    pthread_mutex_unlock(&fr->lock);
}

/* A cache (TTLs 300 and 10, fake clocks) sharing through @p fr; NULL if it could not start. */
static wh_cache *
cache_with_fake_redis(struct fake_redis *fr, wh_redis **redis)
{
    wh_redis_options opts = {0};
    char err[256];

    *redis = NULL;
    if (fake_redis_start(fr) != 0)
        return NULL;
    opts.url = fr->url;
    opts.timeout_ms = 5000; /* a guard against a hang, not a timing assumption */
    *redis = wh_redis_new(&opts, err, sizeof(err));
    if (*redis == NULL)
        harness_fail(__FILE__, __LINE__, "wh_redis_new: %s", err);
    return *redis != NULL ? new_keyed_cache_ttl(SECRET, 300, *redis) : NULL;
}

static void
cache_with_fake_redis_free(struct fake_redis *fr, wh_cache *cache, wh_redis *redis)
{
    wh_cache_free(cache);
    wh_redis_free(redis);
    fake_redis_stop(fr);
}

static void
test_webhook_cache__redis_verdict_lives_locally_until_its_expiry(void)
{
    struct fake_verify fv = {WH_VERDICT_REJECTED, 0, 0};
    struct fake_redis fr;
    wh_redis *redis;
    wh_cache *cache = cache_with_fake_redis(&fr, &redis);
    wh_cache_stats st;
    wh_verdict v;

    if (cache == NULL)
        return;
    /* Written by another replica 200 s ago: 100 s left, less than this one's TTL. */
    set_wall(WALL, 0);
    fake_redis_set(&fr, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 100, DIGEST));
    CHECK(resolve(cache, NAME, &fv, &v) == 1);
    CHECK(v.kind == WH_VERDICT_ALLOWED && strcmp(v.digest, DIGEST) == 0 && fv.calls == 0);
    advance_ms(99999);
    CHECK(resolve(cache, NAME, &fv, &v) == 1);
    CHECK(v.kind == WH_VERDICT_ALLOWED);
    fake_redis_check(&fr, 1, 0, NULL, __LINE__); /* from the local copy */
    /* At the expiry the local copy is gone and the value in Redis is refused: verified again, and
     * replaced with a value that ends with this replica's negative TTL. */
    advance_ms(1);
    CHECK(resolve(cache, NAME, &fv, &v) == 0);
    CHECK(v.kind == WH_VERDICT_REJECTED && fv.calls == 1);
    CHECK(strcmp(v.reason, "verdict number 1") == 0);
    fake_redis_check(&fr, 2, 1,
                     signed_value(NAME, "v3|%lld|rejected||verdict number 1", WALL + 100 + 10),
                     __LINE__);
    wh_cache_stats_get(cache, &st);
    CHECK(st.hits == 1 && st.misses == 2 && st.redis_hits == 1 && st.redis_errors == 1);

    /* A value with more time left than the TTL: the local copy keeps the TTL. */
    wh_cache_clear(cache);
    set_wall(WALL, 0);
    fake_redis_set(&fr, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 330, DIGEST));
    CHECK(resolve(cache, NAME, &fv, &v) == 1);
    fake_redis_check(&fr, 3, 1, NULL, __LINE__);
    advance_ms(299999);
    CHECK(resolve(cache, NAME, &fv, &v) == 1);
    fake_redis_check(&fr, 3, 1, NULL, __LINE__);
    advance_ms(1);
    CHECK(resolve(cache, NAME, &fv, &v) == 1); /* from Redis again: 30 s left */
    fake_redis_check(&fr, 4, 1, NULL, __LINE__);
    CHECK(v.kind == WH_VERDICT_ALLOWED && fv.calls == 1);
    wh_cache_stats_get(cache, &st);
    CHECK(st.redis_hits == 3 && st.redis_errors == 1);
    cache_with_fake_redis_free(&fr, cache, redis);
}

static void
test_webhook_cache__redis_value_out_of_its_time_is_verified_again(void)
{
    struct fake_verify fv = {WH_VERDICT_REJECTED, 0, 0};
    struct fake_redis fr;
    wh_redis *redis;
    wh_cache *cache = cache_with_fake_redis(&fr, &redis);
    wh_cache_stats st;
    wh_verdict v;

    if (cache == NULL)
        return;
    set_wall(WALL, 0);
    /* Signed by a replica, once: put back after it expired. */
    fake_redis_set(&fr, signed_value(NAME, "v3|%lld|allowed|%s|", WALL - 3600, DIGEST));
    CHECK(resolve(cache, NAME, &fv, &v) == 0);
    CHECK(v.kind == WH_VERDICT_REJECTED && fv.calls == 1);
    fake_redis_check(&fr, 1, 1, signed_value(NAME, "v3|%lld|rejected||verdict number 1", WALL + 10),
                     __LINE__);
    /* Expiring further ahead than the TTL and the clock skew allow. */
    wh_cache_clear(cache);
    fake_redis_set(&fr, signed_value(NAME, "v3|%lld|allowed|%s|", WALL + 361, DIGEST));
    CHECK(resolve(cache, NAME, &fv, &v) == 0);
    CHECK(v.kind == WH_VERDICT_REJECTED && fv.calls == 2);
    fake_redis_check(&fr, 2, 2, NULL, __LINE__);
    wh_cache_stats_get(cache, &st);
    CHECK(st.redis_hits == 0 && st.redis_errors == 2 && st.misses == 2);
    cache_with_fake_redis_free(&fr, cache, redis);
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
        TEST_CASE(test_webhook_cache__value_expiry_is_checked),
        TEST_CASE(test_webhook_cache__redis_verdict_lives_locally_until_its_expiry),
        TEST_CASE(test_webhook_cache__redis_value_out_of_its_time_is_verified_again),
        TEST_CASE(test_webhook_cache__concurrent_callers_share_one_verification),
        TEST_CASE(test_webhook_cache__no_store_verdict_reaches_the_waiters),
        TEST_CASE(test_webhook_cache__waiter_gives_up_at_its_deadline),
        TEST_CASE(test_webhook_cache__free_null),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
