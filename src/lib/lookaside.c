/*
 * Writing GPG simple signatures into file:// lookaside storage, as skopeo copy --sign-by does
 * (containers-policy.md §2.4): <base>/<repo>@sha256=<hex>/signature-<N>, at the first free N.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOOKASIDE_MAX 128

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
