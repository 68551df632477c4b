/*
 * The verdict cache's Redis values, for tests: "v2|<kind>|<digest>|<reason>|<mac>", where <mac>
 * is the lowercase hex HMAC-SHA256, with the cache's secret, of the Redis key, a NUL byte and
 * the value up to the '|' before the MAC.
 */
#ifndef SIGNET_WEBHOOK_CACHE_INTERNAL_H
#define SIGNET_WEBHOOK_CACHE_INTERNAL_H

#include "cache.h"

#define WH_CACHE__UNUSABLE (-1) /* not a value this client writes */
#define WH_CACHE__BAD_MAC  (-2) /* a v2 value without a MAC that verifies for its key */

/* 0 and the value for Redis key @p name in @p out, or -1 for a verdict that is not shared (ERROR)
 * or does not fit. @p cache must have a secret. */
int wh_cache__value_encode(const wh_cache *cache, char *out, size_t size, const char *name,
                           const wh_verdict *v);

/* 0 with the verdict in @p out (no_store clear), WH_CACHE__BAD_MAC or WH_CACHE__UNUSABLE. */
int wh_cache__value_decode(const wh_cache *cache, wh_verdict *out, const char *name,
                           const char *value);

#endif
