/*
 * The verdict cache's Redis values, for tests: "v3|<expiry>|<kind>|<digest>|<reason>|<mac>",
 * where <expiry> is the Unix time (decimal seconds, no sign or leading zero) at which the verdict
 * ends, the writer's wall clock plus the TTL it was stored with, and <mac> is the lowercase hex
 * HMAC-SHA256, with the cache's secret, of the Redis key, a NUL byte and the value up to the '|'
 * before the MAC.
 */
#ifndef SIGNET_WEBHOOK_CACHE_INTERNAL_H
#define SIGNET_WEBHOOK_CACHE_INTERNAL_H

#include "cache.h"

#define WH_CACHE__UNUSABLE (-1) /* not a value this client writes */
#define WH_CACHE__BAD_MAC  (-2) /* a v3 value without a MAC that verifies for its key */
#define WH_CACHE__EXPIRED  (-3) /* signed, but its expiry has passed (replayed, or stale) */
#define WH_CACHE__TOO_LATE (-4) /* signed, but expires after now + the TTL + the clock skew */

/* 0 and the value for Redis key @p name in @p out, or -1 for a verdict that is not shared (ERROR)
 * or does not fit. @p cache must have a secret. */
int wh_cache__value_encode(const wh_cache *cache, char *out, size_t size, const char *name,
                           const wh_verdict *v);

/* 0 with the verdict in @p out (no_store clear) and the time until its expiry in @p left, or
 * WH_CACHE__BAD_MAC, WH_CACHE__UNUSABLE, WH_CACHE__EXPIRED or WH_CACHE__TOO_LATE (@p out and
 * @p left untouched). */
int wh_cache__value_decode(const wh_cache *cache, wh_verdict *out, struct timespec *left,
                           const char *name, const char *value);

#endif
