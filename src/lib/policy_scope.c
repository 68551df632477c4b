/*
 * Scopes of containers-policy.json: which scope keys each transport accepts
 * (ValidatePolicyConfigurationScope), and which scope applies to a Docker image
 * (PolicyContext.requirementsForImageRef, docker/policyconfiguration/naming.go).
 */
#include "policy_internal.h"

#include <stdio.h>
#include <string.h>

static int
name_is(const char *s, size_t len, const char *name)
{
    return len == strlen(name) && memcmp(s, name, len) == 0;
}

/* dir, sif, oci, oci-archive: an absolute path, filepath.Clean-canonical, not "/". */
static int
clean_absolute_path(const char *s, size_t len)
{
    if (len == 0 || s[0] != '/' || len == 1 || s[len - 1] == '/')
        return 0;
    for (size_t i = 0; i < len; i++) {
        size_t end = i + 1;
        if (s[i] != '/')
            continue;
        while (end < len && s[end] != '/')
            end++;
        /* "//", "/./" and "/../" are not canonical ("/.." cleans to "/"). */
        if (end == i + 1 || (end == i + 2 && s[i + 1] == '.') ||
            (end == i + 3 && s[i + 1] == '.' && s[i + 2] == '.'))
            return 0;
    }
    return 1;
}

static int
is_image_id(const char *s, size_t len)
{
    if (len != 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int
is_digest(const char *s, size_t len)
{
    const char *msg;

    return policy__go_digest_check(s, len, &msg) == 0;
}

/* containers-storage: "[driver@/root]" or "[/root]", then optionally name[:tag] with "@digest",
 * "@id" or "@digest@id". */
static int
storage_scope_ok(const char *s, size_t len)
{
    const char *close, *at, *rest, *f[3];
    size_t spec_len, rest_len, nf = 0, flen[3];

    if (s[0] != '[')
        return 0;
    close = memchr(s, ']', len);
    if (close == NULL || close == s)
        return 0;
    spec_len = (size_t)(close - s) - 1;
    at = memchr(s + 1, '@', spec_len);
    if (at == NULL) {
        if (spec_len == 0 || s[1] != '/')
            return 0;
    } else {
        size_t driver_len = (size_t)(at - s) - 1, root_len = spec_len - driver_len - 1;
        if (driver_len == 0 || root_len == 0 || at[1] != '/')
            return 0;
    }
    rest = close + 1;
    rest_len = len - (size_t)(rest - s);
    if (rest_len == 0)
        return 1;
    /* strings.SplitN(scope, "@", 3) */
    f[0] = rest;
    for (size_t i = 0, start = 0; i <= rest_len && nf < 3; i++) {
        if (i == rest_len || (rest[i] == '@' && nf < 2)) {
            f[nf] = rest + start;
            flen[nf++] = i - start;
            start = i + 1;
            if (i == rest_len)
                break;
        }
    }
    if (nf == 2)
        return is_image_id(f[1], flen[1]) || is_digest(f[1], flen[1]);
    if (nf == 3)
        return is_digest(f[1], flen[1]) && is_image_id(f[2], flen[2]);
    return 1;
}

/* atomic: ^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$ */
static int
atomic_scope_ok(const char *s, size_t len)
{
    size_t i = 0, slashes = 0;
    int colon = 0;

    while (i < len && s[i] != '/')
        i++;
    for (; i < len; i++) {
        if (s[i] == '/') {
            if (++slashes > 2 || colon)
                return 0;
        } else if (s[i] == ':') {
            if (slashes < 2 || colon)
                return 0;
            colon = 1;
        }
    }
    return 1;
}

int
policy__scope_is_valid(const char *transport, size_t tlen, const char *scope, size_t len)
{
    if (name_is(transport, tlen, "dir") || name_is(transport, tlen, "sif") ||
        name_is(transport, tlen, "oci") || name_is(transport, tlen, "oci-archive"))
        return clean_absolute_path(scope, len);
    if (name_is(transport, tlen, "docker-archive") || name_is(transport, tlen, "tarball"))
        return 0;
    if (name_is(transport, tlen, "docker-daemon"))
        return !is_digest(scope, len);
    if (name_is(transport, tlen, "atomic"))
        return atomic_scope_ok(scope, len);
    if (name_is(transport, tlen, "containers-storage"))
        return storage_scope_ok(scope, len);
    return 1; /* docker, ostree, and transports containers/image does not know */
}

/* ---- lookup ---- */

static const struct signet_policy_requirements *
find_scope(const struct policy_transport *t, const char *scope)
{
    for (size_t i = 0; i < t->nscopes; i++)
        if (name_is(t->scopes[i].name, t->scopes[i].name_len, scope))
            return &t->scopes[i].reqs;
    return NULL;
}

static int
hit(signet_policy_match *out, const struct policy_transport *t, const char *scope,
    signet_policy_scope_kind kind)
{
    const struct signet_policy_requirements *reqs = find_scope(t, scope);

    if (reqs == NULL)
        return 0;
    out->kind = kind;
    snprintf(out->scope, sizeof(out->scope), "%s", scope);
    out->requirements = reqs;
    return 1;
}

int
signet_policy_lookup_docker(signet_policy_match *out, signet_ctx *ctx, const signet_policy *policy,
                            const char *transport, const signet_reference *ref)
{
    const struct policy_transport *t = NULL;
    char name[2 * SIGNET_REFERENCE_NAME_MAX + 2], identity[2 * SIGNET_REFERENCE_NAME_MAX + 220];
    const char *registry;
    char *p;

    SIGNET_ASSERT_ARG(ctx, out != NULL && policy != NULL && transport != NULL && ref != NULL);
    memset(out, 0, sizeof(*out));
    out->kind = SIGNET_POLICY_SCOPE_DEFAULT;
    out->requirements = &policy->default_reqs;
    for (size_t i = 0; i < policy->ntransports && t == NULL; i++)
        if (name_is(policy->transports[i].name, policy->transports[i].name_len, transport))
            t = &policy->transports[i];
    if (t == NULL)
        return SIGNET_OK;
    /* containers/image names Docker Hub "docker.io"; signet_reference "index.docker.io". */
    registry = strcmp(ref->registry, "index.docker.io") == 0 ? "docker.io" : ref->registry;
    snprintf(name, sizeof(name), "%s/%s", registry, ref->repository);
    if (ref->digest[0] != '\0')
        snprintf(identity, sizeof(identity), "%s@%s", name, ref->digest);
    else
        snprintf(identity, sizeof(identity), "%s:%s", name, ref->tag);
    if (hit(out, t, identity, SIGNET_POLICY_SCOPE_IDENTITY))
        return SIGNET_OK;
    /* The repository, then each parent namespace, down to the host[:port]. */
    for (;;) {
        if (hit(out, t, name, SIGNET_POLICY_SCOPE_NAMESPACE))
            return SIGNET_OK;
        p = strrchr(name, '/');
        if (p == NULL)
            break;
        *p = '\0';
    }
    /* "*." and each suffix after a "." of the host without its port. */
    if ((p = strchr(name, ':')) != NULL)
        *p = '\0';
    for (p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
        char wildcard[2 * SIGNET_REFERENCE_NAME_MAX + 4];
        snprintf(wildcard, sizeof(wildcard), "*.%s", p + 1);
        if (hit(out, t, wildcard, SIGNET_POLICY_SCOPE_NAMESPACE))
            return SIGNET_OK;
    }
    if (hit(out, t, "", SIGNET_POLICY_SCOPE_TRANSPORT_DEFAULT))
        return SIGNET_OK;
    out->kind = SIGNET_POLICY_SCOPE_DEFAULT;
    out->scope[0] = '\0';
    out->requirements = &policy->default_reqs;
    return SIGNET_OK;
}

/* ---- accessors ---- */

const signet_policy_requirements *
signet_policy_default(const signet_policy *policy)
{
    return policy != NULL ? &policy->default_reqs : NULL;
}

size_t
signet_policy_requirements_count(const signet_policy_requirements *reqs)
{
    return reqs != NULL ? reqs->count : 0;
}

signet_policy_requirement_type
signet_policy_requirement_type_at(const signet_policy_requirements *reqs, size_t i)
{
    if (reqs == NULL || i >= reqs->count)
        return (signet_policy_requirement_type)0;
    return reqs->items[i].type;
}

signet_policy_identity_type
signet_policy_requirement_identity_at(const signet_policy_requirements *reqs, size_t i)
{
    if (reqs == NULL || i >= reqs->count)
        return SIGNET_POLICY_IDENTITY_NONE;
    return reqs->items[i].identity.type;
}

const char *
signet_policy_requirement_type_name(signet_policy_requirement_type type)
{
    switch (type) {
    case SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING:
        return "insecureAcceptAnything";
    case SIGNET_POLICY_REJECT:
        return "reject";
    case SIGNET_POLICY_SIGNED_BY:
        return "signedBy";
    case SIGNET_POLICY_SIGSTORE_SIGNED:
        return "sigstoreSigned";
    case SIGNET_POLICY_SIGNED_BASE_LAYER:
        return "signedBaseLayer";
    }
    return "";
}

const char *
signet_policy_identity_type_name(signet_policy_identity_type type)
{
    switch (type) {
    case SIGNET_POLICY_MATCH_EXACT:
        return "matchExact";
    case SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT:
        return "matchRepoDigestOrExact";
    case SIGNET_POLICY_MATCH_REPOSITORY:
        return "matchRepository";
    case SIGNET_POLICY_EXACT_REFERENCE:
        return "exactReference";
    case SIGNET_POLICY_EXACT_REPOSITORY:
        return "exactRepository";
    case SIGNET_POLICY_REMAP_IDENTITY:
        return "remapIdentity";
    case SIGNET_POLICY_IDENTITY_NONE:
        break;
    }
    return "";
}
