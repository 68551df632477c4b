/*
 * The OCI distribution client: requests, authentication round trips, retries, limits and
 * digest checks. One CURL easy handle per client keeps connections alive across requests.
 */
#include "curl_api.h"
#include "registry_internal.h"

#include <jansson.h>
#include <errno.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TOKEN_CACHE 16
#define TOKEN_MAX   (16 * 1024)
#define URL_MAX     4096
#define HEADER_MAX  1024
#define ERROR_BODY  256 /* how much of an error reply is quoted in a message */

static const char *const manifest_accept =
    "Accept: application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

/* An Authorization header value for one registry + repository + access. */
struct token {
    char registry[SIGNET_REFERENCE_NAME_MAX + 1];
    char repository[SIGNET_REFERENCE_NAME_MAX + 1];
    int push;
    char *header; /* "Bearer …" or "Basic …", sodium_malloc'd */
};

struct signet_registry {
    const struct signet_curl_api *curl_api;
    CURL *curl;
    signet_registry_options opts;
    char *ca_file;
    char *auth_file;
    char **http_registries;
    struct token tokens[TOKEN_CACHE];
    size_t next_token;
    uint64_t deadline_ms;         /* signet_monotonic_ms() time; 0: none */
    signet_rate_limiter *limiter; /* not owned */
};

struct response {
    long status;
    signet_buf *body; /* NULL: the body is read into a scratch buffer and discarded */
    signet_buf scratch;
    int overflow;
    char content_type[SIGNET_MEDIA_TYPE_MAX];
    char digest[SIGNET_DIGEST_MAX + 16];
    char location[URL_MAX];
    char www_authenticate[HEADER_MAX];
    long retry_after_s; /* -1 when absent */
    long long content_length;
    int transient; /* the exchange broke in a way another try may fix */
};

void
signet_digest_sha256(char *out, const void *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256(data, len, md);
    memcpy(out, "sha256:", 7);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static char *
dup_or_null(const char *s)
{
    return s == NULL ? NULL : strdup(s);
}

int
signet_registry_new(signet_registry **out, signet_ctx *ctx, const signet_registry_options *opts)
{
    signet_registry *reg;
    signet_registry_options defaults = SIGNET_REGISTRY_OPTIONS_INIT;

    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != SIGNET_REGISTRY_OPTIONS_VERSION)
        return signet_error__set(ctx, SIGNET_EINVALID, "unknown registry options version %u",
                                 opts->version);
    reg = calloc(1, sizeof(*reg));
    if (reg == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    reg->opts = *opts;
    if (reg->opts.timeout_ms <= 0)
        reg->opts.timeout_ms = 30000;
    if ((reg->curl_api = signet_curl__api(ctx)) == NULL) {
        free(reg);
        return signet_ctx_error_code(ctx);
    }
    reg->curl = reg->curl_api->easy_init();
    reg->ca_file = dup_or_null(opts->ca_file);
    reg->auth_file = dup_or_null(opts->auth_file);
    if (opts->http_registries_count > 0)
        reg->http_registries = calloc(opts->http_registries_count, sizeof(char *));
    for (size_t i = 0; reg->http_registries && i < opts->http_registries_count; i++)
        reg->http_registries[i] = dup_or_null(opts->http_registries[i]);
    if (reg->curl == NULL || (opts->ca_file && !reg->ca_file) ||
        (opts->auth_file && !reg->auth_file) ||
        (opts->http_registries_count > 0 && !reg->http_registries)) {
        signet_registry_free(reg);
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    }
    reg->opts.ca_file = reg->ca_file;
    reg->opts.auth_file = reg->auth_file;
    reg->opts.http_registries = (const char *const *)reg->http_registries;
    *out = reg;
    return SIGNET_OK;
}

void
signet_registry_set_deadline(signet_registry *reg, uint64_t deadline_ms)
{
    if (reg != NULL)
        reg->deadline_ms = deadline_ms;
}

void
signet_registry_set_rate_limiter(signet_registry *reg, signet_rate_limiter *limiter)
{
    if (reg != NULL)
        reg->limiter = limiter;
}

void
signet_registry_free(signet_registry *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < TOKEN_CACHE; i++)
        sodium_free(reg->tokens[i].header); /* wipes */
    for (size_t i = 0; reg->http_registries && i < reg->opts.http_registries_count; i++)
        free(reg->http_registries[i]);
    free(reg->http_registries);
    free(reg->auth_file);
    free(reg->ca_file);
    if (reg->curl != NULL)
        reg->curl_api->easy_cleanup(reg->curl);
    free(reg);
}

static int
uses_http(const signet_registry *reg, const char *registry)
{
    if (reg->opts.allow_http)
        return 1;
    for (size_t i = 0; i < reg->opts.http_registries_count; i++)
        if (reg->opts.http_registries[i] && strcmp(reg->opts.http_registries[i], registry) == 0)
            return 1;
    return 0;
}

/* Docker Hub is named index.docker.io in references; its API lives at registry-1.docker.io. */
static const char *
api_host(const char *registry)
{
    return strcmp(registry, "index.docker.io") == 0 ? "registry-1.docker.io" : registry;
}

/* Copy a header's value (after "Name:"), trimmed, when the line is that header. */
static int
header_value(char *out, size_t size, const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    line += n + 1;
    len -= n + 1;
    while (len > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(out, line, len);
    out[len] = '\0';
    return 1;
}

static size_t
on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct response *r = userdata;
    size_t len = size * nitems;
    char value[64];

    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or 100 Continue): forget the previous headers. */
        r->content_type[0] = r->digest[0] = r->location[0] = r->www_authenticate[0] = '\0';
        r->retry_after_s = -1;
        r->content_length = -1;
        return len;
    }
    /* The first WWW-Authenticate header is the registry's preferred challenge. */
    if (r->www_authenticate[0] == '\0' &&
        header_value(r->www_authenticate, sizeof(r->www_authenticate), line, len,
                     "WWW-Authenticate"))
        return len;
    if (header_value(r->content_type, sizeof(r->content_type), line, len, "Content-Type") ||
        header_value(r->digest, sizeof(r->digest), line, len, "Docker-Content-Digest") ||
        header_value(r->location, sizeof(r->location), line, len, "Location"))
        return len;
    if (header_value(value, sizeof(value), line, len, "Retry-After")) {
        char *end;
        long v = strtol(value, &end, 10);
        if (end != value && *end == '\0' && v >= 0)
            r->retry_after_s = v;
        else {
            /* An HTTP date. */
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            if (strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL) {
                time_t when = timegm(&tm), now = time(NULL);
                r->retry_after_s = when > now ? (long)(when - now) : 0;
            }
        }
    } else if (header_value(value, sizeof(value), line, len, "Content-Length")) {
        r->content_length = strtoll(value, NULL, 10);
    }
    return len;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct response *r = userdata;
    signet_buf *b = r->body ? r->body : &r->scratch;
    size_t len = size * nmemb;

    if (b == &r->scratch && b->size + len > b->max) {
        len = b->max - b->size; /* keep the start of an error body, drop the rest */
        signet_buf_put(b, data, len);
        return size * nmemb;
    }
    if (signet_buf_put(b, data, len) != SIGNET_OK) {
        r->overflow = 1;
        return 0; /* abort the transfer */
    }
    return len;
}

/* A quotable, printable start of an error reply. */
static const char *
body_excerpt(struct response *r)
{
    signet_buf *b = r->body ? r->body : &r->scratch;
    static const char none[] = "";

    if (b->ptr == NULL)
        return none;
    for (size_t i = 0; i < b->size; i++)
        if (b->ptr[i] < 0x20 || b->ptr[i] > 0x7e)
            b->ptr[i] = ' ';
    if (b->size > ERROR_BODY)
        b->ptr[ERROR_BODY] = '\0';
    return b->ptr;
}

static void
response_reset(struct response *r, signet_buf *body)
{
    signet_buf_dispose(&r->scratch);
    memset(r, 0, sizeof(*r));
    r->body = body;
    if (body != NULL)
        body->size = 0;
    signet_buf_init(&r->scratch, 4096, 0);
    r->retry_after_s = -1;
    r->content_length = -1;
}

enum method { M_GET, M_HEAD, M_PUT, M_POST, M_DELETE };

/*
 * Before a request to @p url: fail once the deadline has passed, wait for the rate limiter, and
 * cut @p timeout_ms to the time left.
 */
static int
request_slot(signet_registry *reg, signet_ctx *ctx, const char *url, long *timeout_ms)
{
    char host[256];
    const char *start = strstr(url, "://"), *end;
    uint64_t now;
    int rc;

    start = start != NULL ? start + 3 : url;
    end = start + strcspn(start, "/?#");
    snprintf(host, sizeof(host), "%.*s", (int)(end - start), start);
    if (reg->deadline_ms != 0 && signet_monotonic_ms() >= reg->deadline_ms)
        return signet_error__set(ctx, SIGNET_ETIMEOUT, "deadline exceeded before asking %.200s",
                                 url);
    if (reg->limiter != NULL &&
        (rc = signet_rate__acquire(reg->limiter, ctx, host, reg->deadline_ms)) != SIGNET_OK)
        return rc;
    now = signet_monotonic_ms();
    if (reg->deadline_ms != 0) {
        if (now >= reg->deadline_ms)
            return signet_error__set(ctx, SIGNET_ETIMEOUT, "deadline exceeded before asking %.200s",
                                     url);
        if ((uint64_t)*timeout_ms > reg->deadline_ms - now)
            *timeout_ms = (long)(reg->deadline_ms - now);
    }
    return SIGNET_OK;
}

/* One HTTP exchange. Network-level failures are reported; any HTTP status is not. */
static int
perform(signet_registry *reg, signet_ctx *ctx, enum method method, const char *url,
        const char *accept, const char *authorization, const char *content_type, const void *upload,
        size_t upload_len, struct response *resp)
{
    const struct signet_curl_api *curl = reg->curl_api;
    struct curl_slist *headers = NULL;
    char ctype[SIGNET_MEDIA_TYPE_MAX + 16];
    CURL *c = reg->curl;
    CURLcode cc;
    long timeout_ms = reg->opts.timeout_ms;
    int rc = SIGNET_OK;

    if ((rc = request_slot(reg, ctx, url, &timeout_ms)) != SIGNET_OK)
        return rc;
    curl->easy_reset(c); /* keeps the connection cache */
    curl->easy_setopt(c, CURLOPT_URL, url);
    curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(c, CURLOPT_USERAGENT, "signet/" SIGNET_VERSION);
    curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, method == M_GET ? 1L : 0L);
    curl->easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl->easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl->easy_setopt(c, CURLOPT_WRITEDATA, resp);
    if (reg->opts.ca_file != NULL)
        curl->easy_setopt(c, CURLOPT_CAINFO, reg->opts.ca_file);
    if (reg->opts.allow_insecure) {
        curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    headers = curl->slist_append(headers, "Expect:");
    if (accept != NULL)
        headers = curl->slist_append(headers, accept);
    if (authorization != NULL)
        headers = curl->slist_append(headers, authorization); /* dropped on cross-host redirects */
    if (content_type != NULL) {
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
        headers = curl->slist_append(headers, ctype);
    }
    curl->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    switch (method) {
    case M_HEAD:
        curl->easy_setopt(c, CURLOPT_NOBODY, 1L);
        break;
    case M_PUT:
    case M_POST:
        curl->easy_setopt(c, CURLOPT_POSTFIELDS, upload ? upload : "");
        curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)upload_len);
        if (method == M_PUT)
            curl->easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        break;
    case M_DELETE:
        curl->easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    case M_GET:
        break;
    }
    cc = curl->easy_perform(c);
    curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl->slist_free_all(headers);
    curl->easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    if (cc == CURLE_OK)
        return SIGNET_OK;
    if (resp->overflow)
        return signet_error__set(ctx, SIGNET_ETOOLARGE,
                                 "reply from %.200s is larger than %zu bytes", url,
                                 resp->body->max);
    if (cc == CURLE_OPERATION_TIMEDOUT && reg->deadline_ms != 0 &&
        signet_monotonic_ms() >= reg->deadline_ms)
        return signet_error__set(ctx, SIGNET_ETIMEOUT, "deadline exceeded waiting for %.200s", url);
    switch (cc) {
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
        resp->transient = 1;
        rc = signet_error__set(ctx, SIGNET_ENET, "%.200s: %s", url, curl->easy_strerror(cc));
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        rc = signet_error__set(ctx, SIGNET_ENET,
                               "TLS certificate of %.200s not trusted: %s (--registry-cacert "
                               "names a CA bundle)",
                               url, curl->easy_strerror(cc));
        break;
    default:
        rc = signet_error__set(ctx, SIGNET_ENET, "%.200s: %s", url, curl->easy_strerror(cc));
    }
    return rc;
}

static struct token *
token_find(signet_registry *reg, const signet_reference *ref, int push)
{
    for (size_t i = 0; i < TOKEN_CACHE; i++) {
        struct token *t = &reg->tokens[i];
        if (t->header != NULL && t->push >= push && strcmp(t->registry, ref->registry) == 0 &&
            strcmp(t->repository, ref->repository) == 0)
            return t;
    }
    return NULL;
}

/* Remember an Authorization header (which the cache now owns). */
static void
token_store(signet_registry *reg, const signet_reference *ref, int push, char *header)
{
    struct token *t = &reg->tokens[reg->next_token];

    reg->next_token = (reg->next_token + 1) % TOKEN_CACHE;
    sodium_free(t->header);
    snprintf(t->registry, sizeof(t->registry), "%s", ref->registry);
    snprintf(t->repository, sizeof(t->repository), "%s", ref->repository);
    t->push = push;
    t->header = header;
}

/* "Basic base64(user:secret)" in guarded memory. */
static char *
basic_header(const struct signet_credentials *creds)
{
    size_t ulen = strlen(creds->username), slen = strlen(creds->secret);
    size_t raw_len = ulen + 1 + slen;
    size_t enc_len = sodium_base64_ENCODED_LEN(raw_len, sodium_base64_VARIANT_ORIGINAL);
    char *raw = sodium_malloc(raw_len + 1), *header = sodium_malloc(enc_len + 32);

    if (raw == NULL || header == NULL) {
        sodium_free(raw);
        sodium_free(header);
        return NULL;
    }
    memcpy(raw, creds->username, ulen);
    raw[ulen] = ':';
    memcpy(raw + ulen + 1, creds->secret, slen);
    memcpy(header, "Authorization: Basic ", 21);
    sodium_bin2base64(header + 21, enc_len, (unsigned char *)raw, raw_len,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_free(raw);
    return header;
}

static int wait_to_retry(const signet_registry *reg, unsigned int attempt, long retry_after_s);

/* Ask the token service of a Bearer challenge for a token covering our access. */
static int
fetch_bearer(char **out, signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
             int push, const struct signet_challenge *ch, const struct signet_credentials *creds)
{
    signet_buf body = SIGNET_BUF_INIT;
    struct response resp;
    char url[URL_MAX], scope[SIGNET_REFERENCE_NAME_MAX * 2];
    char *service = NULL, *scope_esc = NULL, *basic = NULL, *header = NULL;
    json_t *root = NULL;
    const char *token;
    int rc;

    memset(&resp, 0, sizeof(resp));
    if (strncmp(ch->realm, "https://", 8) != 0 && strncmp(ch->realm, "http://", 7) != 0)
        return signet_error__set(ctx, SIGNET_EPROTOCOL,
                                 "registry '%s' names a token service that is not an HTTP URL",
                                 ref->registry);
    snprintf(scope, sizeof(scope), "repository:%s:%s", ref->repository,
             push ? "pull,push" : "pull");
    service = reg->curl_api->easy_escape(reg->curl, ch->service, 0);
    scope_esc = reg->curl_api->easy_escape(reg->curl, scope, 0);
    if (service == NULL || scope_esc == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    if (snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", ch->realm,
                 strchr(ch->realm, '?') ? "&" : "?", service, scope_esc) >= (int)sizeof(url)) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "token service URL too long");
        goto out;
    }
    if (creds != NULL && (basic = basic_header(creds)) == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    signet_buf_init(&body, TOKEN_MAX * 2, 1);
    /* Token services rate-limit and fail like registries: the same retries. */
    for (unsigned int attempt = 0;; attempt++) {
        signet_ctx attempt_ctx = {SIGNET_OK, ""};
        response_reset(&resp, &body);
        rc = perform(reg, &attempt_ctx, M_GET, url, NULL, basic, NULL, NULL, 0, &resp);
        if (attempt < reg->opts.max_retries &&
            ((rc != SIGNET_OK && resp.transient) ||
             (rc == SIGNET_OK && (resp.status == 429 || resp.status >= 500))) &&
            wait_to_retry(reg, attempt, rc == SIGNET_OK ? resp.retry_after_s : -1))
            continue;
        if (rc != SIGNET_OK) {
            rc = signet_error__set(ctx, rc, "%s", signet_ctx_error(&attempt_ctx));
            goto out;
        }
        break;
    }
    if (resp.status == 401 || resp.status == 403) {
        rc = signet_error__set(ctx, SIGNET_EAUTH, "authentication to '%s' refused%s", ref->registry,
                               creds ? "" : " (no credentials are configured)");
        goto out;
    }
    if (resp.status != 200) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "token service of '%s' answered %ld",
                               ref->registry, resp.status);
        goto out;
    }
    root = json_loadb(body.ptr ? body.ptr : "", body.size, 0, NULL);
    token = json_string_value(json_object_get(root, "token"));
    if (token == NULL)
        token = json_string_value(json_object_get(root, "access_token"));
    if (token == NULL || token[0] == '\0' || strlen(token) > TOKEN_MAX ||
        strpbrk(token, "\r\n") != NULL) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "token service of '%s' sent no usable token",
                               ref->registry);
        goto out;
    }
    header = sodium_malloc(strlen(token) + 32);
    if (header == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(header, strlen(token) + 32, "Authorization: Bearer %s", token);
    *out = header;
out:
    if (root != NULL) {
        json_t *t = json_object_get(root, "token"), *a = json_object_get(root, "access_token");
        if (json_is_string(t))
            sodium_memzero((void *)json_string_value(t), json_string_length(t));
        if (json_is_string(a))
            sodium_memzero((void *)json_string_value(a), json_string_length(a));
        json_decref(root);
    }
    sodium_free(basic);
    reg->curl_api->free(scope_esc);
    reg->curl_api->free(service);
    signet_buf_dispose(&resp.scratch);
    signet_buf_dispose(&body);
    return rc;
}

/* Answer a 401: find credentials, get a token when asked to, cache the header. */
static int
authenticate(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref, int push,
             const char *www_authenticate)
{
    struct signet_challenge ch;
    struct signet_credentials creds = {NULL, NULL};
    char *header = NULL;
    int rc, have_creds;

    if (www_authenticate[0] == '\0')
        return signet_error__set(ctx, SIGNET_EAUTH,
                                 "registry '%s' refused access and named no way to authenticate",
                                 ref->registry);
    if ((rc = signet_auth__parse_challenge(&ch, ctx, www_authenticate)) != SIGNET_OK)
        return rc;
    rc = signet_auth__lookup(&creds, ctx, ref->registry, reg->opts.auth_file);
    if (rc != SIGNET_OK && rc != SIGNET_ENOTFOUND)
        return rc;
    have_creds = rc == SIGNET_OK;
    if (strcasecmp(ch.scheme, "Basic") == 0) {
        if (!have_creds) {
            rc = signet_error__set(ctx, SIGNET_EAUTH,
                                   "registry '%s' needs credentials and none are configured "
                                   "(docker login, $REGISTRY_AUTH_FILE)",
                                   ref->registry);
            goto out;
        }
        if ((header = basic_header(&creds)) == NULL) {
            rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
            goto out;
        }
    } else if (strcasecmp(ch.scheme, "Bearer") == 0) {
        if ((rc = fetch_bearer(&header, ctx, reg, ref, push, &ch, have_creds ? &creds : NULL)) !=
            SIGNET_OK)
            goto out;
    } else {
        rc = signet_error__set(ctx, SIGNET_EAUTH, "registry '%s' asks for unsupported %s auth",
                               ref->registry, ch.scheme);
        goto out;
    }
    token_store(reg, ref, push, header);
    rc = SIGNET_OK;
out:
    signet_auth__credentials_release(&creds);
    return rc;
}

/*
 * Wait before retry @p attempt + 1 (Retry-After when the server sent one, else exponential
 * with jitter; both capped). 0, without waiting, when the wait would pass the deadline.
 */
static int
wait_to_retry(const signet_registry *reg, unsigned int attempt, long retry_after_s)
{
    unsigned long ms;
    struct timespec ts;

    if (retry_after_s >= 0)
        ms = (unsigned long)retry_after_s * 1000;
    else
        ms = (100ul << attempt) + randombytes_uniform(100); /* jitter */
    if (ms > reg->opts.max_backoff_ms)
        ms = reg->opts.max_backoff_ms;
    if (reg->deadline_ms != 0 && signet_monotonic_ms() + ms >= reg->deadline_ms)
        return 0;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 1;
}

/*
 * A request to /v2/<repository>/<path> of @p ref's registry (or to @p absolute_url), with
 * authentication and retries. On SIGNET_OK, resp->status is the final HTTP status.
 */
static int
call(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref, int push,
     enum method method, const char *path, const char *absolute_url, const char *accept,
     const char *content_type, const void *data, size_t len, signet_buf *body,
     struct response *resp)
{
    char url[URL_MAX];
    int authenticated = 0;
    unsigned int attempt = 0;

    if (absolute_url != NULL)
        snprintf(url, sizeof(url), "%s", absolute_url);
    else if (snprintf(url, sizeof(url), "%s://%s/v2/%s/%s",
                      uses_http(reg, ref->registry) ? "http" : "https", api_host(ref->registry),
                      ref->repository, path) >= (int)sizeof(url))
        return signet_error__set(ctx, SIGNET_EINVALID, "URL too long");
    for (;;) {
        struct token *t = token_find(reg, ref, push);
        signet_ctx attempt_ctx = {SIGNET_OK, ""};
        int rc;

        response_reset(resp, body);
        rc = perform(reg, &attempt_ctx, method, url, accept, t ? t->header : NULL, content_type,
                     data, len, resp);
        if (rc != SIGNET_OK) {
            if (resp->transient && attempt < reg->opts.max_retries &&
                wait_to_retry(reg, attempt, -1)) {
                attempt++;
                continue;
            }
            if (resp->transient && attempt > 0)
                return signet_error__set(ctx, rc, "%s (after %u tries)",
                                         signet_ctx_error(&attempt_ctx), attempt + 1);
            return signet_error__set(ctx, rc, "%s", signet_ctx_error(&attempt_ctx));
        }
        if (resp->status == 401 && !authenticated) {
            authenticated = 1;
            if ((rc = authenticate(ctx, reg, ref, push, resp->www_authenticate)) != SIGNET_OK)
                return rc;
            continue;
        }
        if (resp->status == 401 || resp->status == 403)
            return signet_error__set(ctx, SIGNET_EAUTH, "registry '%s' refused %s access to '%s'",
                                     ref->registry, push ? "push" : "pull", ref->repository);
        if ((resp->status == 429 || resp->status >= 500) && attempt < reg->opts.max_retries &&
            wait_to_retry(reg, attempt, resp->retry_after_s)) {
            attempt++;
            continue;
        }
        if (resp->status == 429 || resp->status >= 500) {
            const char *excerpt = body_excerpt(resp);
            return signet_error__set(ctx, SIGNET_ENET,
                                     "registry '%s' answered %ld after %u tries%s%s", ref->registry,
                                     resp->status, attempt + 1, excerpt[0] ? ": " : "", excerpt);
        }
        return SIGNET_OK;
    }
}

static int
check_digest(signet_ctx *ctx, const signet_buf *body, const char *want, const char *what)
{
    char got[SIGNET_DIGEST_MAX];

    signet_digest_sha256(got, body->ptr ? body->ptr : "", body->size);
    /* Digests of public content: a plain comparison is fine. */
    if (strcmp(got, want) != 0)
        return signet_error__set(ctx, SIGNET_EDIGEST,
                                 "%s does not match its digest: want %s, got %s", what, want, got);
    return SIGNET_OK;
}

static int
manifest_request(signet_buf *body, signet_descriptor *desc, signet_ctx *ctx, signet_registry *reg,
                 const signet_reference *ref, enum method method)
{
    signet_buf scratch = SIGNET_BUF_INIT;
    struct response resp;
    char path[300], name[SIGNET_REFERENCE_NAME_MAX * 2];
    const char *id = ref->digest[0] ? ref->digest : ref->tag;
    int rc;

    SIGNET_ASSERT_ARG(ctx, desc != NULL && reg != NULL && ref != NULL && id[0] != '\0');
    memset(&resp, 0, sizeof(resp));
    memset(desc, 0, sizeof(*desc));
    signet_reference_format(name, sizeof(name), ref);
    snprintf(path, sizeof(path), "manifests/%s", id);
    if (body == NULL && method == M_GET) {
        signet_buf_init(&scratch, SIGNET_MANIFEST_MAX, 0);
        body = &scratch;
    }
    if (body != NULL && body->max == 0)
        signet_buf_init(body, SIGNET_MANIFEST_MAX, 0);
    rc = call(ctx, reg, ref, 0, method, path, NULL, manifest_accept, NULL, NULL, 0,
              method == M_GET ? body : NULL, &resp);
    if (rc == SIGNET_ETOOLARGE)
        goto out;
    if (rc != SIGNET_OK)
        goto out;
    if (resp.status == 404) {
        rc = signet_error__set(ctx, SIGNET_ENOTFOUND, "image '%s' not found", name);
        goto out;
    }
    if (resp.status != 200) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "fetching '%s': registry answered %ld: %s",
                               name, resp.status, body_excerpt(&resp));
        goto out;
    }
    snprintf(desc->media_type, sizeof(desc->media_type), "%.*s",
             (int)strcspn(resp.content_type, ";"), resp.content_type);
    if (method == M_GET) {
        signet_digest_sha256(desc->digest, body->ptr ? body->ptr : "", body->size);
        desc->size = (int64_t)body->size;
        if (ref->digest[0] && (rc = check_digest(ctx, body, ref->digest, name)) != SIGNET_OK)
            goto out;
        if (resp.digest[0] && strcmp(resp.digest, desc->digest) != 0) {
            rc = signet_error__set(ctx, SIGNET_EDIGEST,
                                   "manifest of '%s' does not match the registry's "
                                   "Docker-Content-Digest %.80s",
                                   name, resp.digest);
            goto out;
        }
    } else {
        if (ref->digest[0])
            snprintf(desc->digest, sizeof(desc->digest), "%s", ref->digest);
        else if (signet_digest_is_valid(resp.digest))
            snprintf(desc->digest, sizeof(desc->digest), "%.71s", resp.digest);
        else {
            rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                                   "registry sent no valid Docker-Content-Digest for '%s'", name);
            goto out;
        }
        desc->size = resp.content_length;
    }
out:
    signet_buf_dispose(&resp.scratch);
    signet_buf_dispose(&scratch);
    return rc;
}

int
signet_registry_get_manifest(signet_buf *body, signet_descriptor *desc, signet_ctx *ctx,
                             signet_registry *reg, const signet_reference *ref)
{
    return manifest_request(body, desc, ctx, reg, ref, M_GET);
}

int
signet_registry_head_manifest(signet_descriptor *desc, signet_ctx *ctx, signet_registry *reg,
                              const signet_reference *ref)
{
    return manifest_request(NULL, desc, ctx, reg, ref, M_HEAD);
}

int
signet_registry_get_blob(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                         const signet_reference *ref, const char *digest)
{
    struct response resp;
    char path[300], name[SIGNET_REFERENCE_NAME_MAX * 2 + 100];
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && ref != NULL && digest != NULL);
    if (!signet_digest_is_valid(digest))
        return signet_error__set(ctx, SIGNET_EPROTOCOL, "invalid blob digest '%.80s'", digest);
    memset(&resp, 0, sizeof(resp));
    snprintf(path, sizeof(path), "blobs/%s", digest);
    snprintf(name, sizeof(name), "blob %s of %s/%s", digest, ref->registry, ref->repository);
    rc = call(ctx, reg, ref, 0, M_GET, path, NULL, NULL, NULL, NULL, 0, out, &resp);
    if (rc != SIGNET_OK)
        goto out;
    if (resp.status == 404) {
        rc = signet_error__set(ctx, SIGNET_ENOTFOUND, "%s not found", name);
        goto out;
    }
    if (resp.status != 200) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "fetching %s: registry answered %ld", name,
                               resp.status);
        goto out;
    }
    rc = check_digest(ctx, out, digest, name);
out:
    signet_buf_dispose(&resp.scratch);
    return rc;
}

int
signet_registry_put_blob(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                         const void *data, size_t len, const char *digest)
{
    struct response resp;
    char path[300], url[URL_MAX * 2];
    int rc;

    SIGNET_ASSERT_ARG(ctx, reg != NULL && ref != NULL && digest != NULL);
    memset(&resp, 0, sizeof(resp));
    snprintf(path, sizeof(path), "blobs/%s", digest);
    if ((rc = call(ctx, reg, ref, 1, M_HEAD, path, NULL, NULL, NULL, NULL, 0, NULL, &resp)) !=
        SIGNET_OK)
        goto out;
    if (resp.status == 200)
        goto out; /* already there */
    /* Monolithic upload: POST to start a session, PUT the bytes to its Location. */
    if ((rc = call(ctx, reg, ref, 1, M_POST, "blobs/uploads/", NULL, NULL, NULL, NULL, 0, NULL,
                   &resp)) != SIGNET_OK)
        goto out;
    if (resp.status != 202 || resp.location[0] == '\0') {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                               "starting an upload to %s/%s: registry answered %ld: %s",
                               ref->registry, ref->repository, resp.status, body_excerpt(&resp));
        goto out;
    }
    if (resp.location[0] == '/')
        snprintf(url, sizeof(url), "%s://%s%s%cdigest=%s",
                 uses_http(reg, ref->registry) ? "http" : "https", api_host(ref->registry),
                 resp.location, strchr(resp.location, '?') ? '&' : '?', digest);
    else
        snprintf(url, sizeof(url), "%s%cdigest=%s", resp.location,
                 strchr(resp.location, '?') ? '&' : '?', digest);
    if ((rc = call(ctx, reg, ref, 1, M_PUT, NULL, url, NULL, "application/octet-stream", data, len,
                   NULL, &resp)) != SIGNET_OK)
        goto out;
    if (resp.status != 201)
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                               "uploading %s to %s/%s: registry answered %ld: %s", digest,
                               ref->registry, ref->repository, resp.status, body_excerpt(&resp));
out:
    signet_buf_dispose(&resp.scratch);
    return rc;
}

int
signet_registry_put_manifest(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                             const char *media_type, const void *data, size_t len)
{
    struct response resp;
    char path[300], name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc;

    SIGNET_ASSERT_ARG(ctx, reg != NULL && ref != NULL && media_type != NULL && data != NULL);
    memset(&resp, 0, sizeof(resp));
    signet_reference_format(name, sizeof(name), ref);
    snprintf(path, sizeof(path), "manifests/%s", ref->digest[0] ? ref->digest : ref->tag);
    rc = call(ctx, reg, ref, 1, M_PUT, path, NULL, NULL, media_type, data, len, NULL, &resp);
    if (rc == SIGNET_OK && resp.status != 201)
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "storing '%s': registry answered %ld: %s",
                               name, resp.status, body_excerpt(&resp));
    signet_buf_dispose(&resp.scratch);
    return rc;
}

int
signet_registry_delete_manifest(signet_ctx *ctx, signet_registry *reg, const signet_reference *ref,
                                const char *digest)
{
    struct response resp;
    char path[300];
    int rc;

    SIGNET_ASSERT_ARG(ctx, reg != NULL && ref != NULL && digest != NULL);
    memset(&resp, 0, sizeof(resp));
    snprintf(path, sizeof(path), "manifests/%s", digest);
    rc = call(ctx, reg, ref, 1, M_DELETE, path, NULL, NULL, NULL, NULL, 0, NULL, &resp);
    if (rc == SIGNET_OK && resp.status == 404)
        rc = signet_error__set(ctx, SIGNET_ENOTFOUND, "manifest %s not found in %s/%s", digest,
                               ref->registry, ref->repository);
    else if (rc == SIGNET_OK && resp.status != 202)
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                               "deleting %s from %s/%s: registry answered %ld: %s", digest,
                               ref->registry, ref->repository, resp.status, body_excerpt(&resp));
    signet_buf_dispose(&resp.scratch);
    return rc;
}
