/*
 * A small Redis client for the shared verdict cache: GET and SET EX only, over TCP or TLS
 * (OpenSSL), with AUTH. hiredis formats commands and parses replies; the transport is ours so
 * TLS works with Debian's hiredis 0.14. Thread-safe: a small pool of connections. Every call
 * has a short timeout; after a failure the client backs off (does not try again for a while),
 * so a stopped Redis costs the webhook nothing but cache sharing.
 */
#ifndef SIGNET_WEBHOOK_REDIS_H
#define SIGNET_WEBHOOK_REDIS_H

#include <stddef.h>

#define WH_REDIS_VALUE_MAX (16 * 1024)

typedef struct wh_redis wh_redis;

typedef struct wh_redis_options {
    const char *url;          /* redis://[[user]:password@]host[:port][/db] or rediss://... */
    const char *password;     /* overrides the URL's; NULL: none or the URL's */
    const char *ca_file;      /* rediss: PEM bundle; NULL: system CAs */
    int insecure_skip_verify; /* rediss: do not check the server certificate */
    unsigned int timeout_ms;  /* connect and each reply; default 200 */
    unsigned int backoff_ms;  /* after a failure, calls fail at once for this long; default 1000 */
} wh_redis_options;

/*
 * Parses the URL (no connection yet; user and password percent-decoded, the password never
 * shown in messages) and, for rediss://, loads the CAs. NULL with @p err set on a bad URL, an
 * unreadable CA file, or a CA file or insecure_skip_verify given with a redis:// URL.
 */
wh_redis *wh_redis_new(const wh_redis_options *opts, char *err, size_t err_size);
void wh_redis_free(wh_redis *redis);

/* 1 found (value NUL-terminated, at most size-1 bytes), 0 not found, -1 error (reason in err). */
int wh_redis_get(wh_redis *redis, const char *key, char *value, size_t size, char *err,
                 size_t err_size);

/* 0 stored with expiry @p ttl_s, -1 error. */
int wh_redis_set(wh_redis *redis, const char *key, const char *value, unsigned int ttl_s, char *err,
                 size_t err_size);

#endif
