/*
 * redis_probe: drives the webhook's Redis client and verdict cache for tests/webhook/redis.sh.
 *
 *   redis_probe [OPTIONS] URL COMMAND [ARGS...]   one command; an error goes to stderr, exit 1
 *   redis_probe [OPTIONS] URL                      commands from stdin, one reply line each
 *
 * Commands and replies:
 *   get KEY                      found VALUE | missing | error MESSAGE
 *   set KEY VALUE TTL            ok | error MESSAGE
 *   resolve KEY allowed|rejected|error [no-store]
 *                                KIND hit=0|1 verifications=N digest=D reason=R
 *                                (through the verdict cache; the verification gives KIND, with
 *                                no_store set when asked)
 *   stats                        hits=N misses=N redis_hits=N redis_errors=N coalesced=N
 *                                evictions=N entries=N
 *   hammer THREADS COUNT         ok | error MESSAGE: each thread SETs and GETs COUNT keys of
 *                                its own at once (more threads than the pool's connections)
 *   elapsed                      ms=N, the time the previous command took
 * Options: --password P, --ca-file F, --insecure, --timeout MS, --backoff MS, --ttl S,
 * --negative-ttl S (the cache's TTLs, default 300 and 10), --hmac-key SECRET (the secret that
 * signs values in Redis; resolve and stats need it).
 */
#include "cache.h"
#include "redis.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int verifications;

struct verify_arg {
    wh_verdict_kind kind;
    const char *key;
    int no_store;
};

static void
verify(wh_verdict *out, void *arg)
{
    struct verify_arg *va = arg;

    verifications++;
    memset(out, 0, sizeof(*out));
    out->kind = va->kind;
    out->no_store = va->no_store;
    if (va->kind == WH_VERDICT_ALLOWED)
        snprintf(out->digest, sizeof(out->digest), "%s", DIGEST);
    else if (va->kind == WH_VERDICT_REJECTED)
        snprintf(out->reason, sizeof(out->reason), "no signature for %s", va->key);
    else
        snprintf(out->reason, sizeof(out->reason), "registry down for %s", va->key);
}

static const char *
kind_name(wh_verdict_kind kind)
{
    return kind == WH_VERDICT_ALLOWED    ? "allowed"
           : kind == WH_VERDICT_REJECTED ? "rejected"
                                         : "error";
}

static int
parse_kind(wh_verdict_kind *out, const char *s)
{
    if (strcmp(s, "allowed") == 0)
        *out = WH_VERDICT_ALLOWED;
    else if (strcmp(s, "rejected") == 0)
        *out = WH_VERDICT_REJECTED;
    else if (strcmp(s, "error") == 0)
        *out = WH_VERDICT_ERROR;
    else
        return -1;
    return 0;
}

static int
parse_uint(unsigned int *out, const char *s)
{
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);

    if (*s < '0' || *s > '9' || *end != '\0' || v > 0xffffffffUL)
        return -1;
    *out = (unsigned int)v;
    return 0;
}

struct hammer {
    wh_redis *redis;
    unsigned int id, count;
    int started;
    char err[1024]; /* the first failure */
    pthread_t thread;
};

static void *
hammer_main(void *arg)
{
    struct hammer *h = arg;
    char key[64], want[64], got[64];
    unsigned int i;
    int rc;

    for (i = 0; i < h->count && h->err[0] == '\0'; i++) {
        snprintf(key, sizeof(key), "hammer-%u-%u", h->id, i);
        snprintf(want, sizeof(want), "value-%u-%u", h->id, i);
        if (wh_redis_set(h->redis, key, want, 60, h->err, sizeof(h->err)) != 0)
            break;
        rc = wh_redis_get(h->redis, key, got, sizeof(got), h->err, sizeof(h->err));
        if (rc == 1 && strcmp(got, want) != 0)
            snprintf(h->err, sizeof(h->err), "%s: got '%s', want '%s'", key, got, want);
        else if (rc == 0)
            snprintf(h->err, sizeof(h->err), "%s: missing", key);
    }
    return NULL;
}

static int
hammer(wh_redis *redis, unsigned int threads, unsigned int count, char *reply, size_t size)
{
    struct hammer h[64];
    unsigned int i;
    int rc = 0;

    if (threads == 0 || threads > 64) {
        snprintf(reply, size, "error 1 to 64 threads");
        return -1;
    }
    for (i = 0; i < threads; i++) {
        h[i].redis = redis;
        h[i].id = i;
        h[i].count = count;
        h[i].err[0] = '\0';
        h[i].started = pthread_create(&h[i].thread, NULL, hammer_main, &h[i]) == 0;
        if (!h[i].started)
            snprintf(h[i].err, sizeof(h[i].err), "cannot start a thread");
    }
    snprintf(reply, size, "ok");
    for (i = 0; i < threads; i++) {
        if (h[i].started)
            pthread_join(h[i].thread, NULL);
        if (rc == 0 && h[i].err[0] != '\0') {
            snprintf(reply, size, "error %s", h[i].err);
            rc = -1;
        }
    }
    return rc;
}

static long long
now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* Runs one command; writes its reply line (without newline) into @p reply. -1 when it failed
 * (the reply is then "error MESSAGE"). */
static int
run_command(wh_redis *redis, wh_cache *cache, int argc, char **argv, char *reply, size_t size)
{
    static char value[WH_REDIS_VALUE_MAX + 1];
    char err[1024];
    unsigned int ttl;
    int rc;

    if (argc == 2 && strcmp(argv[0], "get") == 0) {
        rc = wh_redis_get(redis, argv[1], value, sizeof(value), err, sizeof(err));
        if (rc < 0) {
            snprintf(reply, size, "error %s", err);
            return -1;
        }
        if (rc == 0)
            snprintf(reply, size, "missing");
        else
            snprintf(reply, size, "found %s", value);
    } else if (argc == 4 && strcmp(argv[0], "set") == 0 && parse_uint(&ttl, argv[3]) == 0) {
        if (wh_redis_set(redis, argv[1], argv[2], ttl, err, sizeof(err)) != 0) {
            snprintf(reply, size, "error %s", err);
            return -1;
        }
        snprintf(reply, size, "ok");
    } else if (argc > 0 && (strcmp(argv[0], "resolve") == 0 || strcmp(argv[0], "stats") == 0) &&
               cache == NULL) {
        snprintf(reply, size, "error no verdict cache without --hmac-key");
        return -1;
    } else if ((argc == 3 || (argc == 4 && strcmp(argv[3], "no-store") == 0)) &&
               strcmp(argv[0], "resolve") == 0) {
        struct verify_arg va = {WH_VERDICT_ERROR, argv[1], argc == 4};
        struct timespec deadline;
        wh_verdict v;
        int hit = -1;

        if (parse_kind(&va.kind, argv[2]) != 0) {
            snprintf(reply, size, "error unknown verdict '%s'", argv[2]);
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += 10;
        wh_cache_resolve(cache, &v, &hit, argv[1], &deadline, verify, &va);
        snprintf(reply, size, "%s hit=%d verifications=%d digest=%s reason=%s", kind_name(v.kind),
                 hit, verifications, v.digest, v.reason);
    } else if (argc == 3 && strcmp(argv[0], "hammer") == 0) {
        unsigned int threads, count;

        if (parse_uint(&threads, argv[1]) != 0 || parse_uint(&count, argv[2]) != 0) {
            snprintf(reply, size, "error bad numbers '%s %s'", argv[1], argv[2]);
            return -1;
        }
        return hammer(redis, threads, count, reply, size);
    } else if (argc == 1 && strcmp(argv[0], "stats") == 0) {
        wh_cache_stats st;

        wh_cache_stats_get(cache, &st);
        snprintf(reply, size,
                 "hits=%llu misses=%llu redis_hits=%llu redis_errors=%llu coalesced=%llu "
                 "evictions=%llu entries=%zu",
                 (unsigned long long)st.hits, (unsigned long long)st.misses,
                 (unsigned long long)st.redis_hits, (unsigned long long)st.redis_errors,
                 (unsigned long long)st.coalesced, (unsigned long long)st.evictions, st.entries);
    } else {
        snprintf(reply, size, "error bad command '%s'", argc > 0 ? argv[0] : "");
        return -1;
    }
    return 0;
}

/* Commands from stdin, split at single spaces. */
static void
repl(wh_redis *redis, wh_cache *cache)
{
    static char line[WH_REDIS_VALUE_MAX + 256], reply[WH_REDIS_VALUE_MAX + 1100];
    long long took_us = 0, start;
    char *argv[8], *p;
    int argc;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "elapsed") == 0) {
            printf("ms=%lld\n", took_us / 1000);
            fflush(stdout);
            continue;
        }
        argc = 0;
        for (p = line; p != NULL && argc < 8;) {
            argv[argc++] = p;
            p = strchr(p, ' ');
            if (p != NULL)
                *p++ = '\0';
        }
        start = now_us();
        run_command(redis, cache, argc, argv, reply, sizeof(reply));
        took_us = now_us() - start;
        printf("%s\n", reply);
        fflush(stdout);
    }
}

static int
usage(void)
{
    fprintf(stderr, "usage: redis_probe [--password P] [--ca-file F] [--insecure] [--timeout MS] "
                    "[--backoff MS] [--ttl S] [--negative-ttl S] [--hmac-key SECRET] URL "
                    "[COMMAND ARGS...]\n");
    return 2;
}

int
main(int argc, char **argv)
{
    static char reply[WH_REDIS_VALUE_MAX + 1100];
    wh_redis_options opts = {0};
    unsigned int ttl = 300, negative_ttl = 10;
    const char *hmac_key = NULL;
    wh_redis *redis = NULL;
    wh_cache *cache = NULL;
    char err[1024];
    int i, rc = 0;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "--insecure") == 0) {
            opts.insecure_skip_verify = 1;
            continue;
        }
        if (arg == NULL)
            return usage();
        if (strcmp(argv[i], "--password") == 0)
            opts.password = arg;
        else if (strcmp(argv[i], "--ca-file") == 0)
            opts.ca_file = arg;
        else if (strcmp(argv[i], "--hmac-key") == 0)
            hmac_key = arg;
        else if (!((strcmp(argv[i], "--timeout") == 0 && parse_uint(&opts.timeout_ms, arg) == 0) ||
                   (strcmp(argv[i], "--backoff") == 0 && parse_uint(&opts.backoff_ms, arg) == 0) ||
                   (strcmp(argv[i], "--ttl") == 0 && parse_uint(&ttl, arg) == 0) ||
                   (strcmp(argv[i], "--negative-ttl") == 0 && parse_uint(&negative_ttl, arg) == 0)))
            return usage();
        i++;
    }
    if (i >= argc)
        return usage();
    opts.url = argv[i++];
    redis = wh_redis_new(&opts, err, sizeof(err));
    if (redis == NULL) {
        fprintf(stderr, "redis_probe: %s\n", err);
        return 1;
    }
    if (hmac_key != NULL &&
        (cache = wh_cache_new(100, ttl, negative_ttl, redis, (const unsigned char *)hmac_key,
                              strlen(hmac_key))) == NULL) {
        fprintf(stderr,
                "redis_probe: cannot make the verdict cache (out of memory, or a secret "
                "under %d bytes)\n",
                WH_CACHE_HMAC_KEY_MIN);
        rc = 2;
        goto out;
    }
    if (i == argc) {
        repl(redis, cache);
        goto out;
    }
    if (run_command(redis, cache, argc - i, argv + i, reply, sizeof(reply)) != 0) {
        fprintf(stderr, "redis_probe: %s\n", reply + 6);
        rc = 1;
    } else {
        printf("%s\n", reply);
    }
out:
    wh_cache_free(cache);
    wh_redis_free(redis);
    return rc;
}
