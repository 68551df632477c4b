/*
 * Image references (github.com/distribution/reference grammar, Docker's normalisation,
 * go-containerregistry's "index.docker.io" name for Docker Hub).
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DOCKER_HUB "index.docker.io"

int
signet_digest_is_valid(const char *s)
{
    if (s == NULL || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
        return 0;
    for (const char *p = s + 7; *p; p++)
        if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
            return 0;
    return 1;
}

/* [\w][\w.-]{0,127} */
static int
tag_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static int
component_is_valid(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return 0;
    while (i < len) {
        if (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])) {
            i++;
            continue;
        }
        /* A separator: ".", "_", "__" or a run of "-", followed by an alphanumeric. */
        size_t start = i;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
        else if (s[i] == '-')
            while (i < len && s[i] == '-')
                i++;
        else
            return 0;
        if (i == start || i >= len ||
            !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
            return 0;
    }
    return 1;
}

/* host[:port], host = DNS labels or an IPv6 address in brackets. */
static int
domain_is_valid(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0)
        return 0;
    if (s[0] == '[') {
        while (i < len && s[i] != ']')
            i++;
        if (i == len || i < 3)
            return 0;
        for (size_t j = 1; j < i; j++)
            if (!isxdigit((unsigned char)s[j]) && s[j] != ':' && s[j] != '.')
                return 0;
        i++;
    } else {
        while (i < len && s[i] != ':') {
            if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
                return 0;
            i++;
        }
        if (i == 0 || s[0] == '-' || s[0] == '.' || s[i - 1] == '-' || s[i - 1] == '.')
            return 0;
    }
    if (i == len)
        return 1;
    if (s[i] != ':' || i + 1 == len || len - i - 1 > 5)
        return 0;
    for (i++; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Docker's rule: a first component with '.' or ':', "localhost", or any uppercase letter names
 * a registry; anything else is a Docker Hub repository. */
static int
looks_like_host(const char *s, size_t len)
{
    if (len == 9 && strncmp(s, "localhost", 9) == 0)
        return 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.' || s[i] == ':' || isupper((unsigned char)s[i]))
            return 1;
    return 0;
}

static int
copy_field(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

int
signet_reference_parse(signet_reference *out, signet_ctx *ctx, const char *text)
{
    const char *at, *name_end, *slash, *path, *colon, *p;
    size_t name_len, domain_len, path_len;
    int docker_hub = 0;

    SIGNET_ASSERT_ARG(ctx, out != NULL && text != NULL);
    memset(out, 0, sizeof(*out));
    if (text[0] == '\0')
        return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference: empty");
    if (strstr(text, "://") != NULL)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "invalid reference '%.100s': no URL scheme is allowed", text);
    if (strlen(text) > 2 * SIGNET_REFERENCE_NAME_MAX)
        return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference: too long");

    at = strchr(text, '@');
    name_end = at ? at : text + strlen(text);
    if (at != NULL) {
        if (!signet_digest_is_valid(at + 1))
            return signet_error__set(
                ctx, SIGNET_EPARSE,
                "invalid reference '%.100s': the digest must be sha256: and 64 "
                "lowercase hex digits",
                text);
        copy_field(out->digest, sizeof(out->digest), at + 1, strlen(at + 1));
    }
    name_len = (size_t)(name_end - text);

    /* The first component is a registry when it looks like a host (Docker's rule). */
    slash = memchr(text, '/', name_len);
    domain_len = slash ? (size_t)(slash - text) : 0;
    if (slash == NULL || !looks_like_host(text, domain_len)) {
        docker_hub = 1;
        path = text;
    } else {
        if (!domain_is_valid(text, domain_len))
            return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference '%.100s': bad registry",
                                     text);
        path = slash + 1;
        if ((domain_len == 9 && strncmp(text, "docker.io", 9) == 0) ||
            (domain_len == 15 && strncmp(text, DOCKER_HUB, 15) == 0))
            docker_hub = 1;
        else if (copy_field(out->registry, sizeof(out->registry), text, domain_len) != 0)
            return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference: too long");
    }
    if (docker_hub)
        snprintf(out->registry, sizeof(out->registry), "%s", DOCKER_HUB);

    /* A tag follows the last ':' after the last '/'. */
    path_len = (size_t)(name_end - path);
    colon = NULL;
    for (p = path; p < name_end; p++) {
        if (*p == '/')
            colon = NULL;
        else if (*p == ':')
            colon = p;
    }
    if (colon != NULL) {
        size_t tag_len = (size_t)(name_end - colon - 1);
        if (!tag_is_valid(colon + 1, tag_len))
            return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference '%.100s': bad tag",
                                     text);
        copy_field(out->tag, sizeof(out->tag), colon + 1, tag_len);
        path_len = (size_t)(colon - path);
    } else if (out->digest[0] == '\0') {
        snprintf(out->tag, sizeof(out->tag), "latest");
    }

    /* Repository components, with library/ for single-name Docker Hub images. */
    for (p = path; p <= path + path_len;) {
        const char *end = memchr(p, '/', (size_t)(path + path_len - p));
        size_t len = end ? (size_t)(end - p) : (size_t)(path + path_len - p);
        if (!component_is_valid(p, len))
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "invalid reference '%.100s': repository names are lowercase "
                                     "letters, digits and separators",
                                     text);
        if (end == NULL)
            break;
        p = end + 1;
    }
    if (snprintf(out->repository, sizeof(out->repository), "%s%.*s",
                 docker_hub && memchr(path, '/', path_len) == NULL ? "library/" : "", (int)path_len,
                 path) >= (int)sizeof(out->repository) ||
        /* Docker counts Docker Hub names as "docker.io/…". */
        strlen(docker_hub ? "docker.io" : out->registry) + 1 + strlen(out->repository) >
            SIGNET_REFERENCE_NAME_MAX)
        return signet_error__set(ctx, SIGNET_EPARSE, "invalid reference '%.100s': name too long",
                                 text);
    return SIGNET_OK;
}

void
signet_reference_repository_name(char *out, size_t size, const signet_reference *ref)
{
    snprintf(out, size, "%s/%s", ref->registry, ref->repository);
}

void
signet_reference_format(char *out, size_t size, const signet_reference *ref)
{
    snprintf(out, size, "%s/%s%s%s%s%s", ref->registry, ref->repository, ref->tag[0] ? ":" : "",
             ref->tag, ref->digest[0] ? "@" : "", ref->digest);
}
