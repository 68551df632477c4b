/*
 * Lookaside storage of GPG simple signatures (containers-policy.md §2.4):
 * <base>/<repo>@sha256=<hex>/signature-<N>. Writing goes to file:// only, at the first free N,
 * as skopeo copy --sign-by does; reading takes file://, http:// and https://.
 */
#include "curl_api.h"
#include "lookaside_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOOKASIDE_MAX 128

/* The body of one GET, bounded by the buffer's maximum. */
struct get_body {
    signet_buf *out;
    int overflow;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct get_body *b = userdata;

    if (signet_buf_put(b->out, data, size * nmemb) != SIGNET_OK) {
        b->overflow = 1;
        return 0; /* aborts the transfer */
    }
    return size * nmemb;
}

/* GET @p url with the reader's TLS settings. Redirects stay on https:// when it is https://. */
static int
http_read(signet_buf *out, signet_ctx *ctx, struct signet_lookaside__reader *r, const char *url)
{
    const struct signet_curl_api *curl = signet_curl__api(ctx);
    struct get_body body = {out, 0};
    long status = 0, timeout_ms = r->net && r->net->timeout_ms > 0 ? r->net->timeout_ms : 30000;
    CURLcode cc;

    if (curl == NULL)
        return signet_ctx_error_code(ctx);
    if (r->curl == NULL && (r->curl = curl->easy_init()) == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    curl->easy_reset(r->curl); /* keeps the connection for the next signature */
    curl->easy_setopt(r->curl, CURLOPT_URL, url);
    curl->easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(r->curl, CURLOPT_USERAGENT, "signet/" SIGNET_VERSION);
    curl->easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR,
                      strncmp(url, "https://", 8) == 0 ? "https" : "http,https");
    curl->easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl->easy_setopt(r->curl, CURLOPT_MAXREDIRS, 5L);
    curl->easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl->easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl->easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl->easy_setopt(r->curl, CURLOPT_WRITEDATA, &body);
    if (r->net != NULL && r->net->ca_file != NULL)
        curl->easy_setopt(r->curl, CURLOPT_CAINFO, r->net->ca_file);
    if (r->net != NULL && r->net->allow_insecure) {
        curl->easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl->easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    out->size = 0;
    cc = curl->easy_perform(r->curl);
    curl->easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (body.overflow)
        return signet_error__set(ctx, SIGNET_ETOOLARGE,
                                 "reading signature from %.200s: larger than %zu bytes", url,
                                 out->max);
    if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
        cc == CURLE_SSL_CERTPROBLEM)
        return signet_error__set(ctx, SIGNET_ENET,
                                 "reading signature from %.200s: TLS certificate not trusted: %s "
                                 "(--registry-cacert names a CA bundle)",
                                 url, curl->easy_strerror(cc));
    if (cc != CURLE_OK)
        return signet_error__set(ctx, SIGNET_ENET, "reading signature from %.200s: %s", url,
                                 curl->easy_strerror(cc));
    if (status == 404)
        return signet_error__set(ctx, SIGNET_ENOTFOUND, "no signature at %.200s", url);
    if (status != 200)
        return signet_error__set(ctx, SIGNET_EPROTOCOL, "reading signature from %.200s: status %ld",
                                 url, status);
    return SIGNET_OK;
}

int
signet_lookaside__read(signet_buf *out, signet_ctx *ctx, struct signet_lookaside__reader *r,
                       const char *url)
{
    SIGNET_ASSERT_ARG(ctx, out != NULL && r != NULL && url != NULL);
    if (strncmp(url, "file://", 7) == 0)
        return signet_file_read(out, ctx, url + 7);
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return http_read(out, ctx, r, url);
    return signet_error__set(ctx, SIGNET_EUNSUPPORTED, "unsupported lookaside URL '%.200s'", url);
}

void
signet_lookaside__reader_close(struct signet_lookaside__reader *r)
{
    const struct signet_curl_api *curl;
    signet_ctx scratch = {SIGNET_OK, ""};

    if (r == NULL || r->curl == NULL)
        return;
    if ((curl = signet_curl__api(&scratch)) != NULL)
        curl->easy_cleanup(r->curl);
    r->curl = NULL;
}

/* mkdir -p of the directory part of @p path. */
static int
make_parents(signet_ctx *ctx, const char *path)
{
    char dir[4096];

    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return signet_error__set(ctx, SIGNET_EIO, "path too long: %.200s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return signet_error__set(ctx, SIGNET_EIO, "cannot create '%s': %s", dir,
                                     strerror(errno));
        *p = '/';
    }
    return SIGNET_OK;
}

int
signet_lookaside_sign(char *written, size_t size, signet_ctx *ctx, signet_registry *reg,
                      signet_gpg *gpg, const char *fingerprint, const signet_reference *image,
                      const char *staging_url)
{
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_buf payload = SIGNET_BUF_INIT, sig = SIGNET_BUF_INIT;
    signet_reference resolved;
    char identity[SIGNET_REFERENCE_NAME_MAX * 2 + 256], url[4096];
    int rc;

    SIGNET_ASSERT_ARG(ctx, written != NULL && reg != NULL && gpg != NULL && fingerprint != NULL &&
                               image != NULL && staging_url != NULL);
    written[0] = '\0';
    if (strncmp(staging_url, "file://", 7) != 0)
        return signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                                 "writing directly to a lookaside %.200s is not supported: "
                                 "configure a file:// lookaside-staging",
                                 staging_url);
    if ((rc = signet_cosign_resolve(&resolved, ctx, reg, image, &copts)) != SIGNET_OK)
        return rc;
    /* The identity containers/image writes: the reference as given, Docker Hub as docker.io. */
    snprintf(identity, sizeof(identity), "%s/%s%s%s%s%s",
             strcmp(image->registry, "index.docker.io") == 0 ? "docker.io" : image->registry,
             image->repository, image->tag[0] ? ":" : "", image->tag, image->digest[0] ? "@" : "",
             image->digest);
    signet_buf_init(&payload, 4096, 0);
    signet_buf_init(&sig, SIGNET_GPG_SIGNATURE_MAX, 0);
    if ((rc = signet_simplesign_payload(&payload, ctx, identity, resolved.digest,
                                        (int64_t)time(NULL))) != SIGNET_OK ||
        (rc = signet_gpg_sign(&sig, ctx, gpg, fingerprint, payload.ptr, payload.size)) != SIGNET_OK)
        goto out;
    for (unsigned int i = 0; i < LOOKASIDE_MAX; i++) {
        if ((rc = signet_lookaside_signature_url(url, sizeof(url), ctx, staging_url, &resolved,
                                                 resolved.digest, i)) != SIGNET_OK)
            goto out;
        if (access(url + 7, F_OK) == 0)
            continue; /* taken: signatures are appended */
        if ((rc = make_parents(ctx, url + 7)) != SIGNET_OK ||
            (rc = signet_file_write(ctx, url + 7, sig.ptr, sig.size, 0644, 0)) != SIGNET_OK)
            goto out;
        snprintf(written, size, "%s", url);
        goto out;
    }
    rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "the lookaside already holds %d signatures",
                           LOOKASIDE_MAX);
out:
    signet_buf_dispose(&sig);
    signet_buf_dispose(&payload);
    return rc;
}
