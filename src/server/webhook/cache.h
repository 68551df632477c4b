/*
 * Verdict cache: a bounded LRU in process (TTL for allowed verdicts, a shorter one for the
 * rest), shared with other replicas through Redis when one is configured, and one verification
 * per key at a time: concurrent reviews of the same image wait for the first one's result.
 */
#ifndef SIGNET_WEBHOOK_CACHE_H
#define SIGNET_WEBHOOK_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "redis.h"

#define WH_CACHE_KEY_MAX    1200
#define WH_VERDICT_TEXT_MAX 1024

typedef enum wh_verdict_kind {
    WH_VERDICT_ALLOWED = 0,  /* verified; digest set */
    WH_VERDICT_REJECTED = 1, /* checked and refused (no or bad signature, policy denial) */
    WH_VERDICT_ERROR = 2,    /* could not complete (registry down, deadline) */
} wh_verdict_kind;

typedef struct wh_verdict {
    wh_verdict_kind kind;
    char digest[80];                  /* "sha256:<hex>" of what was verified; "" if none */
    char reason[WH_VERDICT_TEXT_MAX]; /* why, when not allowed */
    int no_store; /* set by the verify function: this verdict says nothing about the image (the
                     review's own deadline ran out): give it to the waiters, keep it nowhere */
} wh_verdict;

typedef struct wh_cache wh_cache;

/* Of the misses, redis_hits were answered by Redis and coalesced waited for another caller's
 * verification; the rest ran one. redis_errors counts failed Redis calls and unusable values;
 * evictions counts entries dropped for room (not expired ones). */
typedef struct wh_cache_stats {
    uint64_t hits, misses, redis_hits, redis_errors, coalesced, evictions;
    size_t entries;
} wh_cache_stats;

/* Bytes of the secret that signs values in Redis, at the least. */
#define WH_CACHE_HMAC_KEY_MIN 32

/*
 * ttl_s 0 disables caching of allowed verdicts, negative_ttl_s 0 of the others; @p redis may be
 * NULL and is not owned. Values in Redis carry their expiry (wall clock) and an HMAC-SHA256 with
 * @p hmac_key over the key and the value; a value whose MAC does not verify, that has expired or
 * that expires later than now + its TTL + 60 s of clock skew is ignored, and a verdict from Redis
 * is kept locally no longer than its expiry. With @p redis, @p hmac_key is required (at least
 * WH_CACHE_HMAC_KEY_MIN bytes; copied into guarded memory); without, it may be NULL with
 * @p hmac_key_len 0. NULL when out of memory or without a key that is required.
 */
wh_cache *wh_cache_new(size_t max_entries, unsigned int ttl_s, unsigned int negative_ttl_s,
                       wh_redis *redis, const unsigned char *hmac_key, size_t hmac_key_len);
void wh_cache_free(wh_cache *cache);

/* Computes a verdict on a miss; must always fill @p out (ERROR with a reason on failure). */
typedef void (*wh_verify_fn)(wh_verdict *out, void *arg);

/*
 * The verdict for @p key: from the local cache, else from Redis, else by calling @p verify (only
 * one caller per key computes; the others wait for it, but never past @p deadline, a
 * CLOCK_MONOTONIC time, after which they get an ERROR verdict "deadline exceeded while waiting
 * for a verification of the same image"). Results are stored locally and in Redis with their
 * TTL, except those with no_store set, which only the caller and its waiters get. @p hit is set to
 * 1 when no verification ran for this call (local, Redis or coalesced); a waiter that gave up at
 * its deadline gets 0. A @p key of WH_CACHE_KEY_MAX bytes or more is verified every time, never
 * cached.
 */
void wh_cache_resolve(wh_cache *cache, wh_verdict *out, int *hit, const char *key,
                      const struct timespec *deadline, wh_verify_fn verify, void *arg);

void wh_cache_stats_get(wh_cache *cache, wh_cache_stats *out);

/* Drop every local entry. Reloads need not: keys hold the validator's digest. (For tests.) */
void wh_cache_clear(wh_cache *cache);

/* The clock TTLs are measured with; the default reads CLOCK_MONOTONIC. For tests, which set it
 * before any other call. Waiting for another caller's verification always uses the real clock. */
typedef void (*wh_cache_clock_fn)(struct timespec *out, void *arg);
void wh_cache_set_clock(wh_cache *cache, wh_cache_clock_fn clock, void *arg);

/* The clock the expiries written into Redis values are read from and checked against; the default
 * reads CLOCK_REALTIME, since replicas share no other. For tests, as wh_cache_set_clock. */
void wh_cache_set_wall_clock(wh_cache *cache, wh_cache_clock_fn clock, void *arg);

#endif
