#include "server.h"

#include "cache.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "review.h"
#include "verify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TLS_FILE_MAX       (1024 * 1024)
#define TLS_CHAIN_MAX      8
#define BODY_INITIAL       (16 * 1024)
#define CONNECTIONS_MAX    1024
#define IDLE_TIMEOUT_S     60
#define DEADLINE_MARGIN_MS 1000 /* answer this long before the API server gives up */
#define DRAIN_MAX_MS       15000
#define DROP_MAX           (16 * 1024 * 1024) /* of a body over the limit, read before the 413 */
#define TLS_PRIORITIES     "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* What a file was when last loaded: a change of any of these means reload. */
struct file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

/* The loaded config and what is built from it. Requests hold a reference; a reload swaps it. */
struct runtime {
    wh_config *config;
    wh_verifier *verifier;
    atomic_int refs;
};

/* A certificate chain and its key. Older ones are kept until exit: GnuTLS sessions that
 * started with them may still point at them. */
struct tls_identity {
    gnutls_pcert_st pcerts[TLS_CHAIN_MAX];
    unsigned int count;
    gnutls_privkey_t key;
    struct tls_identity *older;
};

/* One HTTP request: its body as it arrives, and the runtime that answers it. */
struct request {
    char *body;
    size_t len, cap;
    size_t max; /* maxBodyBytes of the config when the request arrived */
    int too_large;
    size_t seen;  /* bytes of body received, kept or not */
    int answered; /* a response is queued (early, for a body far over the limit) */
};

static struct {
    const wh_server_options *opts;
    pthread_mutex_t lock; /* runtime and tls */
    struct runtime *runtime;
    struct runtime *first; /* the one the cache was started with: held to compare reloads with */
    struct tls_identity *tls;
    struct file_id config_id, cert_id, key_id;
    wh_redis *redis;
    wh_cache *cache;
    char cache_prefix[256];
    atomic_int ready;
    atomic_int in_flight;
} server = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int
file_id_get(struct file_id *out, const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    out->size = st.st_size;
    out->mtime = st.st_mtim;
    return 0;
}

static int
file_id_changed(const struct file_id *was, const char *path)
{
    struct file_id now;

    return file_id_get(&now, path) == 0 &&
           (now.dev != was->dev || now.ino != was->ino || now.size != was->size ||
            now.mtime.tv_sec != was->mtime.tv_sec || now.mtime.tv_nsec != was->mtime.tv_nsec);
}

/* ---- runtime ---------------------------------------------------------------------------- */

static void
runtime_put(struct runtime *rt)
{
    if (rt == NULL || atomic_fetch_sub(&rt->refs, 1) != 1)
        return;
    wh_verifier_free(rt->verifier);
    wh_config_free(rt->config);
    free(rt);
}

static struct runtime *
runtime_get(void)
{
    struct runtime *rt;

    pthread_mutex_lock(&server.lock);
    rt = server.runtime;
    atomic_fetch_add(&rt->refs, 1);
    pthread_mutex_unlock(&server.lock);
    return rt;
}

static struct runtime *
runtime_load(const char *path)
{
    struct runtime *rt = calloc(1, sizeof(*rt));
    char err[WH_CONFIG_ERROR_MAX];

    if (rt == NULL) {
        wh_log(WH_LOG_ERROR, "out of memory");
        return NULL;
    }
    atomic_init(&rt->refs, 1);
    if (wh_config_load(&rt->config, err, path) != SIGNET_OK) {
        wh_log(WH_LOG_ERROR, "%s", err);
        free(rt);
        return NULL;
    }
    if ((rt->verifier = wh_verifier_new(rt->config, err, sizeof(err))) == NULL) {
        wh_log(WH_LOG_ERROR, "%s: %s", path, err);
        runtime_put(rt);
        return NULL;
    }
    return rt;
}

/* ---- TLS -------------------------------------------------------------------------------- */

static void
tls_identity_free(struct tls_identity *id)
{
    while (id != NULL) {
        struct tls_identity *older = id->older;
        for (unsigned int i = 0; i < id->count; i++)
            gnutls_pcert_deinit(&id->pcerts[i]);
        gnutls_privkey_deinit(id->key);
        free(id);
        id = older;
    }
}

/* Whether @p key is the private half of the public key in @p cert. */
static int
key_matches(gnutls_privkey_t key, gnutls_pcert_st *cert)
{
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    int same = 0;

    if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
        gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &a) == 0 &&
        gnutls_pubkey_export2(cert->pubkey, GNUTLS_X509_FMT_DER, &b) == 0)
        same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
    gnutls_free(a.data);
    gnutls_free(b.data);
    gnutls_pubkey_deinit(pub);
    return same;
}

static struct tls_identity *
tls_load(const char *cert_path, const char *key_path)
{
    struct tls_identity *id = calloc(1, sizeof(*id));
    signet_buf cert = SIGNET_BUF_INIT, key = SIGNET_BUF_INIT;
    signet_ctx *ctx = NULL;
    gnutls_datum_t datum;
    int rc;

    signet_buf_init(&cert, TLS_FILE_MAX, 0);
    signet_buf_init(&key, TLS_FILE_MAX, 1); /* guarded memory, wiped */
    if (id == NULL || signet_ctx_new(&ctx) != SIGNET_OK) {
        wh_log(WH_LOG_ERROR, "out of memory");
        goto fail;
    }
    if (signet_file_read(&cert, ctx, cert_path) != SIGNET_OK ||
        signet_file_read(&key, ctx, key_path) != SIGNET_OK) {
        wh_log(WH_LOG_ERROR, "%s", signet_ctx_error(ctx));
        goto fail;
    }
    id->count = TLS_CHAIN_MAX;
    datum.data = (unsigned char *)cert.ptr;
    datum.size = (unsigned int)cert.size;
    if ((rc = gnutls_pcert_list_import_x509_raw(id->pcerts, &id->count, &datum, GNUTLS_X509_FMT_PEM,
                                                0)) < 0 ||
        id->count == 0) {
        wh_log(WH_LOG_ERROR, "%s: not a PEM certificate chain of at most %d certificates: %s",
               cert_path, TLS_CHAIN_MAX, gnutls_strerror(rc));
        id->count = 0;
        goto fail;
    }
    datum.data = (unsigned char *)key.ptr;
    datum.size = (unsigned int)key.size;
    if (gnutls_privkey_init(&id->key) != 0 ||
        (rc = gnutls_privkey_import_x509_raw(id->key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        wh_log(WH_LOG_ERROR, "%s: not an unencrypted PEM private key", key_path);
        goto fail;
    }
    if (!key_matches(id->key, &id->pcerts[0])) {
        wh_log(WH_LOG_ERROR, "%s is not the key of the certificate in %s", key_path, cert_path);
        goto fail;
    }
    signet_buf_dispose(&cert);
    signet_buf_dispose(&key);
    signet_ctx_free(ctx);
    return id;
fail:
    signet_buf_dispose(&cert);
    signet_buf_dispose(&key);
    signet_ctx_free(ctx);
    tls_identity_free(id);
    return NULL;
}

/* GnuTLS asks for the certificate at each handshake: the newest one loaded. */
static int
tls_select(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
           const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
           unsigned int *pcert_length, gnutls_privkey_t *key)
{
    (void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    pthread_mutex_lock(&server.lock);
    *pcert = server.tls->pcerts;
    *pcert_length = server.tls->count;
    *key = server.tls->key;
    pthread_mutex_unlock(&server.lock);
    return 0;
}

/* ---- reloads ---------------------------------------------------------------------------- */

static int
same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether @p b changes what the verdict cache was started with (applied only at start). */
static int
cache_settings_differ(const wh_config *a, const wh_config *b)
{
    return a->cache_ttl_s != b->cache_ttl_s || a->cache_negative_ttl_s != b->cache_negative_ttl_s ||
           a->cache_max_entries != b->cache_max_entries ||
           !same_string(a->redis_url, b->redis_url) ||
           !same_string(a->redis_key_prefix, b->redis_key_prefix) ||
           !same_string(a->redis_ca_file, b->redis_ca_file) ||
           !same_string(a->redis_password_file, b->redis_password_file) ||
           !same_string(a->redis_hmac_key_file, b->redis_hmac_key_file) ||
           a->redis_hmac_key.size != b->redis_hmac_key.size ||
           (a->redis_hmac_key.size != 0 &&
            CRYPTO_memcmp(a->redis_hmac_key.ptr, b->redis_hmac_key.ptr, a->redis_hmac_key.size) !=
                0);
}

static void
reload(int forced)
{
    const wh_server_options *o = server.opts;
    struct file_id id;

    if (forced || file_id_changed(&server.config_id, o->config_path)) {
        struct runtime *rt, *old;
        if (file_id_get(&id, o->config_path) != 0)
            memset(&id, 0, sizeof(id)); /* gone: whatever appears there next is a change */
        if ((rt = runtime_load(o->config_path)) == NULL) {
            wh_metrics_config_reload(0);
            wh_log(WH_LOG_ERROR, "config %s not reloaded; still serving the previous one",
                   o->config_path);
        } else {
            pthread_mutex_lock(&server.lock);
            old = server.runtime;
            server.runtime = rt;
            pthread_mutex_unlock(&server.lock);
            wh_metrics_config_reload(1);
            wh_log(WH_LOG_INFO, "config %s reloaded", o->config_path);
            if (cache_settings_differ(server.first->config, rt->config))
                wh_log(WH_LOG_WARN,
                       "config %s: the cache and redis settings changed; they apply "
                       "after a restart",
                       o->config_path);
            runtime_put(old);
        }
        server.config_id = id; /* a broken file is not retried until it changes again */
    }
    if (forced || file_id_changed(&server.cert_id, o->tls_cert) ||
        file_id_changed(&server.key_id, o->tls_key)) {
        struct tls_identity *tls = tls_load(o->tls_cert, o->tls_key);
        if (tls == NULL) {
            wh_metrics_config_reload(0);
            wh_log(WH_LOG_ERROR, "TLS certificate not reloaded; still serving the previous one");
        } else {
            pthread_mutex_lock(&server.lock);
            tls->older = server.tls;
            server.tls = tls;
            pthread_mutex_unlock(&server.lock);
            wh_metrics_config_reload(1);
            wh_log(WH_LOG_INFO, "TLS certificate %s reloaded", o->tls_cert);
        }
        file_id_get(&server.cert_id, o->tls_cert);
        file_id_get(&server.key_id, o->tls_key);
    }
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned int status, const char *type, char *body)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (body == NULL) {
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        type = "text/plain";
        body = strdup("out of memory\n");
        if (body == NULL)
            return MHD_NO;
    }
    r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
respond_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
    size_t n = strlen(text);
    char *body = malloc(n + 2);

    if (body != NULL) {
        memcpy(body, text, n);
        memcpy(body + n, "\n", 2);
    }
    return respond(c, status, "text/plain; charset=utf-8", body);
}

/*
 * The review's deadline: the config's, but never later than the API server's own timeout
 * (?timeout=10s on the request) less a margin to send the answer; half of a timeout that is
 * not longer than the margin.
 */
static uint64_t
review_deadline(struct MHD_Connection *c, const wh_config *config)
{
    const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timeout");
    uint64_t budget = config->deadline_ms;
    char *end = NULL;

    if (t != NULL) {
        unsigned long n = strtoul(t, &end, 10);
        uint64_t ms = strcmp(end, "s") == 0 ? (uint64_t)n * 1000 : strcmp(end, "ms") == 0 ? n : 0;
        uint64_t limit = ms > DEADLINE_MARGIN_MS ? ms - DEADLINE_MARGIN_MS : ms / 2;
        if (ms > 0 && limit < budget)
            budget = limit;
    }
    return signet_monotonic_ms() + budget;
}

static enum MHD_Result
answer_review(struct MHD_Connection *c, struct request *req, int mutate)
{
    struct runtime *rt;
    wh_review_env env;
    wh_answer answer;
    enum MHD_Result ret;

    req->answered = 1;
    if (req->too_large) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request body is larger than the %zu-byte limit", req->max);
        wh_metrics_review(WH_OUTCOME_BAD_REQUEST);
        wh_log(WH_LOG_WARN, "bad request: %s", msg);
        return respond_text(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    rt = runtime_get();
    env = (wh_review_env){rt->config, rt->verifier, server.cache, server.cache_prefix};
    if (wh_review_answer(&answer, &env, req->body, req->len, mutate,
                         review_deadline(c, rt->config)) != 0) {
        runtime_put(rt);
        return respond(c, 500, NULL, NULL);
    }
    runtime_put(rt);
    if (answer.http_status != 200) {
        enum MHD_Result r = respond_text(c, (unsigned int)answer.http_status, answer.body);
        free(answer.body);
        return r;
    }
    ret = respond(c, MHD_HTTP_OK, "application/json", answer.body);
    return ret;
}

/* Append an upload chunk, up to the config's limit; beyond it the rest is read and dropped. */
static void
take_upload(struct request *req, const char *data, size_t size)
{
    if (req->too_large)
        return;
    if (size > req->max - req->len || req->len + size > req->max) {
        req->too_large = 1;
        return;
    }
    if (req->len + size + 1 > req->cap) {
        size_t cap = req->cap ? req->cap : BODY_INITIAL;
        char *bigger;
        while (cap < req->len + size + 1)
            cap *= 2;
        if ((bigger = realloc(req->body, cap)) == NULL) {
            req->too_large = 1;
            return;
        }
        req->body = bigger;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, size);
    req->len += size;
    req->body[req->len] = '\0';
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct request *req = *con_cls;
    int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    int review = strcmp(url, "/validate") == 0 || strcmp(url, "/mutate") == 0;

    (void)cls, (void)version;
    if (req == NULL) {
        if ((req = calloc(1, sizeof(*req))) == NULL)
            return MHD_NO;
        *con_cls = req;
        atomic_fetch_add(&server.in_flight, 1);
        if (review && is_post) {
            const char *len =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            struct runtime *rt = runtime_get();
            unsigned long long declared = len != NULL ? strtoull(len, NULL, 10) : 0;
            req->max = rt->config->max_body_bytes;
            req->too_large = declared > req->max;
            runtime_put(rt);
            /* Far too large: answered now, unread (the connection is then closed). Merely too
             * large: read and dropped, so that the client can read the 413 cleanly. */
            return declared > DROP_MAX ? answer_review(c, req, 0) : MHD_YES;
        }
    }
    if (review && is_post) {
        if (req->answered) {
            *upload_size = 0; /* the rest of a body already refused */
            return MHD_YES;
        }
        if (*upload_size > 0) {
            take_upload(req, upload_data, *upload_size);
            req->seen += *upload_size;
            *upload_size = 0;
            return req->seen > DROP_MAX ? answer_review(c, req, 0) : MHD_YES;
        }
        return answer_review(c, req, strcmp(url, "/mutate") == 0);
    }
    if (review)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST with an AdmissionReview");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
    if (strcmp(url, "/healthz") == 0)
        return respond_text(c, MHD_HTTP_OK, "ok");
    if (strcmp(url, "/readyz") == 0)
        return atomic_load(&server.ready)
                   ? respond_text(c, MHD_HTTP_OK, "ready")
                   : respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready");
    if (strcmp(url, "/metrics") == 0)
        return respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                       wh_metrics_render(server.cache));
    return respond_text(c, MHD_HTTP_NOT_FOUND, "not found");
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct request *req = *con_cls;

    (void)cls, (void)c, (void)toe;
    if (req == NULL)
        return;
    free(req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&server.in_flight, 1);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    wh_log(WH_LOG_DEBUG, "http: %s", line); /* handshake failures of clients, mostly */
}

/* "host:port" or "[v6]:port" to an address. */
static int
parse_listen(struct sockaddr_storage *out, socklen_t *len, const char *listen)
{
    char host[256], port[16];
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints, *res = NULL;
    size_t hlen;

    if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= sizeof(port))
        return -1;
    hlen = (size_t)(colon - listen);
    if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
        listen++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(host))
        return -1;
    memcpy(host, listen, hlen);
    host[hlen] = '\0';
    snprintf(port, sizeof(port), "%s", colon + 1);
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Redis client and verdict cache, from the config the server started with. */
static int
cache_start(const wh_config *config)
{
    signet_buf password = SIGNET_BUF_INIT;
    signet_ctx *ctx = NULL;
    char err[256];
    int ok = 1;

    snprintf(server.cache_prefix, sizeof(server.cache_prefix), "%s",
             config->redis_key_prefix != NULL ? config->redis_key_prefix : "signet-webhook:");
    if (config->redis_url != NULL) {
        wh_redis_options ro = {config->redis_url, NULL, config->redis_ca_file, 0, 0, 0};
        signet_buf_init(&password, 4096, 1);
        if (config->redis_password_file != NULL) {
            if (signet_ctx_new(&ctx) != SIGNET_OK ||
                signet_file_read(&password, ctx, config->redis_password_file) != SIGNET_OK ||
                signet_buf_put(&password, "", 1) != SIGNET_OK) {
                wh_log(WH_LOG_ERROR, "redis.passwordFile: %s",
                       ctx != NULL ? signet_ctx_error(ctx) : "out of memory");
                ok = 0;
                goto out;
            }
            password.ptr[strcspn(password.ptr, "\r\n")] = '\0';
            ro.password = password.ptr;
        } else if (getenv("REDIS_PASSWORD") != NULL) {
            ro.password = getenv("REDIS_PASSWORD");
        }
        if ((server.redis = wh_redis_new(&ro, err, sizeof(err))) == NULL) {
            wh_log(WH_LOG_ERROR, "redis.url: %s", err);
            ok = 0;
            goto out;
        }
    }
    /* The config holds the Redis MAC key (redis.hmacKeyFile) with redis.url; the cache copies it,
     * since a reload frees this config. */
    server.cache = wh_cache_new(
        config->cache_max_entries, config->cache_ttl_s, config->cache_negative_ttl_s, server.redis,
        (const unsigned char *)config->redis_hmac_key.ptr, config->redis_hmac_key.size);
    if (server.cache == NULL) {
        wh_log(WH_LOG_ERROR, "out of memory");
        ok = 0;
    }
out:
    signet_buf_dispose(&password);
    signet_ctx_free(ctx);
    return ok;
}

/* Stop accepting, let requests in flight finish, then stop. */
static void
drain_and_stop(struct MHD_Daemon *daemon)
{
    uint64_t until = signet_monotonic_ms() + DRAIN_MAX_MS;
    struct timespec pause = {0, 20 * 1000000L};

    atomic_store(&server.ready, 0);
    MHD_quiesce_daemon(daemon);
    while (atomic_load(&server.in_flight) > 0 && signet_monotonic_ms() < until)
        nanosleep(&pause, NULL);
    MHD_stop_daemon(daemon);
}

int
wh_server_run(const wh_server_options *opts)
{
    struct MHD_Daemon *daemon = NULL;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    const union MHD_DaemonInfo *info;
    sigset_t signals;
    struct timespec interval;
    int status = 2;

    server.opts = opts;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    /* Blocked before any thread starts, so only the loop below sees them. */
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (parse_listen(&addr, &addr_len, opts->listen) != 0) {
        wh_log(WH_LOG_ERROR, "--listen %s: not an address and port (host:port or [v6]:port)",
               opts->listen);
        return 129;
    }
    file_id_get(&server.config_id, opts->config_path);
    file_id_get(&server.cert_id, opts->tls_cert);
    file_id_get(&server.key_id, opts->tls_key);
    if ((server.runtime = runtime_load(opts->config_path)) == NULL ||
        (server.tls = tls_load(opts->tls_cert, opts->tls_key)) == NULL ||
        !cache_start(server.runtime->config))
        goto out;
    server.first = server.runtime;
    atomic_fetch_add(&server.first->refs, 1);
    daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
            MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_HTTPS_CERT_CALLBACK, tls_select, MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (daemon == NULL) {
        wh_log(WH_LOG_ERROR, "cannot listen on %s: %s", opts->listen, strerror(errno));
        goto out;
    }
    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    wh_log(WH_LOG_INFO, "listening on %s (port %u) with config %s", opts->listen,
           info != NULL ? (unsigned int)info->port : 0u, opts->config_path);
    atomic_store(&server.ready, 1);
    interval.tv_sec = opts->watch_interval_ms / 1000;
    interval.tv_nsec = (long)(opts->watch_interval_ms % 1000) * 1000000L;
    for (;;) {
        int sig = sigtimedwait(&signals, NULL, &interval);
        if (sig == SIGTERM || sig == SIGINT) {
            wh_log(WH_LOG_INFO, "stopping: finishing requests in flight");
            break;
        }
        reload(sig == SIGHUP);
    }
    drain_and_stop(daemon);
    status = 0;
out:
    wh_cache_free(server.cache);
    wh_redis_free(server.redis);
    runtime_put(server.runtime);
    runtime_put(server.first);
    tls_identity_free(server.tls);
    return status;
}
