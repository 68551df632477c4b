/*
 * Evaluating containers-policy.json for a docker image (containers/image's
 * PolicyContext.IsRunningImageAllowed): every requirement of the applicable scope must accept
 * the image. Behaviour follows shared/docs/containers-policy.md §1.7, §1.8 and §3.2.
 */
#include "cosign_internal.h"
#include "lookaside_internal.h"
#include "policy_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDENT_NAME_MAX (SIGNET_REFERENCE_NAME_MAX * 2 + 2)
#define KEYS_MAX       64
#define SIGSTORE_TYPE  "cosign container image signature"
#define LOOKASIDE_MAX  128 /* signatures read per image, as containers/image */

/* A Docker identity as containers/image compares them: Name() and String(). */
struct ident {
    char name[IDENT_NAME_MAX]; /* "docker.io/library/busybox" */
    char tag[129];             /* "" when none */
    char digest[SIGNET_DIGEST_MAX];
};

static void
ident_from_ref(struct ident *out, const signet_reference *ref, int with_tag)
{
    /* containers/image names Docker Hub "docker.io". */
    snprintf(out->name, sizeof(out->name), "%s/%s",
             strcmp(ref->registry, "index.docker.io") == 0 ? "docker.io" : ref->registry,
             ref->repository);
    snprintf(out->tag, sizeof(out->tag), "%s", with_tag ? ref->tag : "");
    snprintf(out->digest, sizeof(out->digest), "%s", ref->digest);
}

/* Parse a reference as written in a signature or a policy; -1 when it is not one. */
static int
ident_parse(struct ident *out, const char *text)
{
    signet_ctx scratch = {SIGNET_OK, ""};
    signet_reference ref;
    const char *at = strchr(text, '@'), *slash;
    size_t before_at = at ? (size_t)(at - text) : strlen(text);
    int explicit_tag = 0;

    if (signet_reference_parse(&ref, &scratch, text) != SIGNET_OK)
        return -1;
    /* signet_reference_parse() adds "latest" to a name-only reference: undo that here. */
    slash = NULL;
    for (size_t i = 0; i < before_at; i++)
        if (text[i] == '/')
            slash = text + i;
    explicit_tag = memchr(slash ? slash : text, ':',
                          before_at - (size_t)((slash ? slash : text) - text)) != NULL;
    ident_from_ref(out, &ref, explicit_tag);
    return 0;
}

static void
ident_string(char *out, size_t size, const struct ident *id)
{
    snprintf(out, size, "%s%s%s%s%s", id->name, id->tag[0] ? ":" : "", id->tag,
             id->digest[0] ? "@" : "", id->digest);
}

static int
name_only(const struct ident *id)
{
    return id->tag[0] == '\0' && id->digest[0] == '\0';
}

static int
same_string(const struct ident *a, const struct ident *b)
{
    char sa[IDENT_NAME_MAX + 256], sb[IDENT_NAME_MAX + 256];

    ident_string(sa, sizeof(sa), a);
    ident_string(sb, sizeof(sb), b);
    return strcmp(sa, sb) == 0;
}

static int
match_repo_digest_or_exact(const struct ident *image, const struct ident *sig)
{
    if (name_only(sig))
        return 0;
    if (image->tag[0] != '\0')
        return same_string(sig, image);
    if (image->digest[0] != '\0')
        return strcmp(sig->name, image->name) == 0;
    return 0;
}

/* remapIdentity: the image's name, with @p prefix replaced by @p signed_prefix. */
static int
remap(struct ident *out, const struct ident *image, const char *prefix, const char *signed_prefix)
{
    char text[IDENT_NAME_MAX + 512], image_text[IDENT_NAME_MAX + 256];
    size_t n = strlen(prefix);

    *out = *image;
    if (!(strncmp(image->name, prefix, n) == 0 &&
          (image->name[n] == '\0' || image->name[n] == '/')))
        return 0;
    ident_string(image_text, sizeof(image_text), image);
    snprintf(text, sizeof(text), "%s%s", signed_prefix, image_text + n);
    /* The rewritten reference must be canonical (reference.ParseNamed): fully qualified, so
     * that normalising it changes nothing ("ns/repo:tag" would become docker.io/ns/repo). */
    if (ident_parse(out, text) != 0)
        return -1;
    ident_string(image_text, sizeof(image_text), out);
    return strcmp(image_text, text) == 0 ? 0 : -1;
}

static int
identity_rule(const struct policy_identity *rule, const struct ident *image,
              const struct ident *sig)
{
    struct ident other;

    switch (rule->type) {
    case SIGNET_POLICY_MATCH_EXACT:
        return !name_only(image) && !name_only(sig) && same_string(sig, image);
    case SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT:
    case SIGNET_POLICY_IDENTITY_NONE:
        return match_repo_digest_or_exact(image, sig);
    case SIGNET_POLICY_MATCH_REPOSITORY:
        return strcmp(sig->name, image->name) == 0;
    case SIGNET_POLICY_EXACT_REFERENCE:
        return ident_parse(&other, rule->docker_reference) == 0 && !name_only(&other) &&
               !name_only(sig) && same_string(sig, &other);
    case SIGNET_POLICY_EXACT_REPOSITORY:
        return ident_parse(&other, rule->docker_repository) == 0 &&
               strcmp(sig->name, other.name) == 0;
    case SIGNET_POLICY_REMAP_IDENTITY:
        return remap(&other, image, rule->prefix, rule->signed_prefix) == 0 &&
               match_repo_digest_or_exact(&other, sig);
    }
    return 0;
}

int
policy__identity_accepted(const struct policy_identity *rule, const signet_reference *image,
                          const char *signed_identity)
{
    struct ident img, sig;

    ident_from_ref(&img, image, 1);
    return ident_parse(&sig, signed_identity) == 0 && identity_rule(rule, &img, &sig);
}

/* What the sigstoreSigned claims check needs. */
struct sigstore_claims {
    const struct policy_requirement *req;
    const signet_reference *image;
};

/* containers/image's sigstore payload: §2.1 rules with type "cosign container image
 * signature" and optional allowed to be null; then digest, then identity. */
static int
sigstore_claims_hold(const signet_buf *payload, const signet_reference *resolved, void *arg,
                     char *reason, size_t reason_size)
{
    const struct sigstore_claims *c = arg;
    json_t *root = json_loadb(payload->ptr, payload->size, JSON_REJECT_DUPLICATES, NULL);
    json_t *critical = json_object_get(root, "critical"), *optional;
    const char *type, *digest, *identity;
    int ok = 0;

    optional = json_object_get(root, "optional");
    type = json_string_value(json_object_get(critical, "type"));
    digest = json_string_value(
        json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"));
    identity = json_string_value(
        json_object_get(json_object_get(critical, "identity"), "docker-reference"));
    if (!json_is_object(root) || json_object_size(root) != 2 || !json_is_object(critical) ||
        json_object_size(critical) != 3 ||
        (optional != NULL && !json_is_object(optional) && !json_is_null(optional)))
        snprintf(reason, reason_size, "invalid signature payload");
    else if (type == NULL || strcmp(type, SIGSTORE_TYPE) != 0)
        snprintf(reason, reason_size, "Unrecognized signature type %.80s", type ? type : "");
    else if (digest == NULL || strcmp(digest, resolved->digest) != 0)
        snprintf(reason, reason_size, "Signature for digest %.80s does not match",
                 digest ? digest : "");
    else if (identity == NULL || !policy__identity_accepted(&c->req->identity, c->image, identity))
        snprintf(reason, reason_size, "Signature for identity \"%.200s\" is not accepted",
                 identity ? identity : "");
    else
        ok = 1;
    json_decref(root);
    return ok;
}

/* The bytes of a key source: a kbs:/// resource of the options' store, or a file. @p out's
 * maximum bounds them. */
static int
read_key_source(signet_buf *out, signet_ctx *ctx, const char *path,
                const signet_policy_eval_options *opts)
{
    if (strncmp(path, "kbs://", 6) != 0)
        return signet_file_read(out, ctx, path);
    if (opts->resources == NULL)
        return signet_error__set(ctx, SIGNET_ENOTFOUND,
                                 "key '%.200s' is a KBS resource and no resources are given", path);
    return signet_kbs_resource_get(out, ctx, opts->resources, path);
}

/* A public key from a file path, a kbs:/// resource, or bytes. */
static int
load_key(signet_key **out, signet_ctx *ctx, const char *path, const struct policy_bytes *data,
         const signet_policy_eval_options *opts)
{
    signet_buf bytes = SIGNET_BUF_INIT;
    int rc;

    if (data != NULL)
        return signet_key_parse_public(out, ctx, data->data ? (const void *)data->data : "",
                                       data->len, "keyData");
    signet_buf_init(&bytes, SIGNET_KEY_FILE_MAX, 1);
    if ((rc = read_key_source(&bytes, ctx, path, opts)) == SIGNET_OK)
        rc = signet_key_parse_public(out, ctx, bytes.ptr ? bytes.ptr : "", bytes.size, path);
    signet_buf_dispose(&bytes);
    return rc;
}

/* All the keys of a sigstoreSigned requirement (one bad key is an error, as in c/image). */
static int
load_keys(signet_key **keys, size_t *n, signet_ctx *ctx, const struct policy_requirement *r,
          const signet_policy_eval_options *opts)
{
    int rc = SIGNET_OK;

    *n = 0;
    if (r->rekor != POLICY_KEYS_NONE)
        return signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                                 "sigstoreSigned with Rekor keys is not supported yet");
    switch (r->keys) {
    case POLICY_KEYS_PATH:
        rc = load_key(&keys[(*n)++], ctx, r->key_path, NULL, opts);
        break;
    case POLICY_KEYS_PATHS:
        for (size_t i = 0; i < r->key_paths.count && i < KEYS_MAX && rc == SIGNET_OK; i++)
            rc = load_key(&keys[(*n)++], ctx, r->key_paths.items[i], NULL, opts);
        break;
    case POLICY_KEYS_DATA:
        rc = load_key(&keys[(*n)++], ctx, NULL, &r->key_data, opts);
        break;
    case POLICY_KEYS_DATAS:
        for (size_t i = 0; i < r->key_datas.count && i < KEYS_MAX && rc == SIGNET_OK; i++)
            rc = load_key(&keys[(*n)++], ctx, NULL, &r->key_datas.items[i], opts);
        break;
    default:
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "sigstoreSigned with fulcio or pki is not supported yet");
    }
    return rc;
}

static int
eval_sigstore(signet_policy_verdict *verdict, signet_ctx *ctx, signet_registry *reg,
              const struct policy_requirement *r, const signet_reference *image,
              const signet_policy_eval_options *opts)
{
    signet_key *keys[KEYS_MAX] = {NULL};
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_cosign_verified *verified = NULL;
    struct sigstore_claims claims;
    size_t n = 0;
    int rc;

    if (!opts->use_sigstore_attachments)
        return signet_error__set(ctx, SIGNET_EPOLICY,
                                 "A signature was required, but no signature exists "
                                 "(use-sigstore-attachments is off)");
    if ((rc = load_keys(keys, &n, ctx, r, opts)) != SIGNET_OK)
        goto out;
    if (n == 0) {
        rc = signet_error__set(ctx, SIGNET_EPOLICY, "No public keys imported");
        goto out;
    }
    claims.req = r;
    claims.image = image;
    rc = signet_cosign__verify_with(&verified, ctx, reg, (const signet_key *const *)keys, n, image,
                                    &copts, sigstore_claims_hold, &claims);
    if (rc == SIGNET_OK)
        snprintf(verdict->digest, sizeof(verdict->digest), "%s",
                 signet_cosign_verified_image(verified)->digest);
    else if (rc == SIGNET_ENOSIG)
        rc = SIGNET_EPOLICY; /* the message says which signatures and why */
out:
    signet_cosign_verified_free(verified);
    for (size_t i = 0; i < n; i++)
        signet_key_free(keys[i]);
    return rc;
}

/* Import a signedBy keyring (a file, a kbs:/// resource or bytes) into @p gpg. */
static int
import_keyring(signet_gpg *gpg, signet_ctx *ctx, const char *path, const struct policy_bytes *data,
               const signet_policy_eval_options *opts)
{
    signet_buf bytes = SIGNET_BUF_INIT;
    int rc;

    if (data != NULL)
        return data->len == 0 ? SIGNET_OK
                              : signet_gpg_import(gpg, ctx, data->data, data->len, "keyData");
    signet_buf_init(&bytes, SIGNET_GPG_SIGNATURE_MAX, 0);
    rc = read_key_source(&bytes, ctx, path, opts);
    if (rc == SIGNET_OK)
        rc = signet_gpg_import(gpg, ctx, bytes.ptr ? bytes.ptr : "", bytes.size, path);
    signet_buf_dispose(&bytes);
    return rc;
}

/* One simple signature: verified by an accepted key, the image's digest, the identity rule. */
static int
simple_signature_accepted(signet_ctx *ctx, signet_gpg *gpg, const struct policy_requirement *r,
                          const signet_reference *image, const char *digest, const signet_buf *sig)
{
    signet_buf payload = SIGNET_BUF_INIT;
    signet_simplesign_claims claims;
    char primary[SIGNET_GPG_FINGERPRINT_MAX];
    int rc;

    signet_buf_init(&payload, SIGNET_GPG_SIGNATURE_MAX, 0);
    if ((rc = signet_gpg_verify(&payload, primary, ctx, gpg, sig->ptr, sig->size)) == SIGNET_OK &&
        (rc = signet_simplesign_parse(&claims, ctx, payload.ptr, payload.size)) == SIGNET_OK) {
        if (strcmp(claims.digest, digest) != 0)
            rc = signet_error__set(ctx, SIGNET_EVERIFY, "Signature for digest %s does not match",
                                   claims.digest);
        else if (!policy__identity_accepted(&r->identity, image, claims.docker_reference))
            rc = signet_error__set(ctx, SIGNET_EVERIFY,
                                   "Signature for identity \"%.200s\" is not accepted",
                                   claims.docker_reference);
    }
    signet_buf_dispose(&payload);
    return rc;
}

/*
 * signedBy: simple signatures from the lookaside storage (signature-1, signature-2, ... until
 * one is missing; file://, http:// or https://); the first one accepted allows.
 */
static int
eval_signed_by(signet_policy_verdict *verdict, signet_ctx *ctx, signet_registry *reg,
               const struct policy_requirement *r, const signet_reference *image,
               const signet_policy_eval_options *opts)
{
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    struct signet_lookaside__reader reader = SIGNET_LOOKASIDE__READER_INIT;
    char base[2048], url[4096], reasons[600] = "";
    signet_reference resolved;
    signet_gpg *gpg = NULL;
    unsigned int found = 0;
    int rc;

    if (r->key_type != POLICY_KEY_GPG_KEYS)
        return signet_error__set(ctx, SIGNET_EPOLICY, "Unimplemented \"keyType\" value");
    if ((rc = signet_gpg_new(&gpg, ctx, 1, NULL)) != SIGNET_OK)
        return rc;
    if (r->keys == POLICY_KEYS_PATH)
        rc = import_keyring(gpg, ctx, r->key_path, NULL, opts);
    else if (r->keys == POLICY_KEYS_DATA)
        rc = import_keyring(gpg, ctx, NULL, &r->key_data, opts);
    for (size_t i = 0; r->keys == POLICY_KEYS_PATHS && i < r->key_paths.count && rc == SIGNET_OK;
         i++)
        rc = import_keyring(gpg, ctx, r->key_paths.items[i], NULL, opts);
    if (rc != SIGNET_OK)
        goto out;
    if (signet_gpg_key_count(gpg) == 0) {
        rc = signet_error__set(ctx, SIGNET_EPOLICY, "No public keys imported");
        goto out;
    }
    if ((rc = signet_cosign_resolve(&resolved, ctx, reg, image, &copts)) != SIGNET_OK ||
        (rc = signet_registries_d_lookaside(base, sizeof(base), ctx, opts->registries, image, 0)) !=
            SIGNET_OK)
        goto out;
    reader.net = opts->network;
    for (unsigned int i = 0; i < LOOKASIDE_MAX; i++) {
        signet_buf sig = SIGNET_BUF_INIT;
        signet_ctx one = {SIGNET_OK, ""};

        if ((rc = signet_lookaside_signature_url(url, sizeof(url), ctx, base, image,
                                                 resolved.digest, i)) != SIGNET_OK)
            goto out;
        signet_buf_init(&sig, SIGNET_GPG_SIGNATURE_MAX, 0);
        rc = signet_lookaside__read(&sig, &one, &reader, url);
        if (rc == SIGNET_ENOTFOUND) {
            signet_buf_dispose(&sig);
            break; /* the first missing index ends the list */
        }
        if (rc != SIGNET_OK) {
            /* A signature that cannot be read is not a shorter list: fail closed. */
            signet_buf_dispose(&sig);
            rc = signet_error__set(ctx, rc, "%s", signet_ctx_error(&one));
            goto out;
        }
        found++;
        rc = simple_signature_accepted(&one, gpg, r, image, resolved.digest, &sig);
        signet_buf_dispose(&sig);
        if (rc == SIGNET_OK) {
            snprintf(verdict->digest, sizeof(verdict->digest), "%s", resolved.digest);
            goto out;
        }
        snprintf(reasons + strlen(reasons), sizeof(reasons) - strlen(reasons), "%s%s",
                 reasons[0] ? "; " : "", signet_ctx_error(&one));
    }
    /* When nothing was found, url is still signature-1's. */
    rc = found == 0 ? signet_error__set(ctx, SIGNET_EPOLICY,
                                        "A signature was required, but no signature exists "
                                        "(none at %.300s)",
                                        url)
         : found == LOOKASIDE_MAX
             ? signet_error__set(ctx, SIGNET_EPROTOCOL,
                                 "server provided %d signatures, assuming that's unreasonable and "
                                 "a server error",
                                 LOOKASIDE_MAX)
         : found == 1
             ? signet_error__set(ctx, SIGNET_EPOLICY, "%s", reasons)
             : signet_error__set(ctx, SIGNET_EPOLICY,
                                 "None of the signatures were accepted, reasons: %s", reasons);
out:
    signet_lookaside__reader_close(&reader);
    signet_gpg_free(gpg);
    return rc;
}

int
signet_policy_evaluate(signet_policy_verdict *out, signet_ctx *ctx, const signet_policy *policy,
                       signet_registry *reg, const signet_reference *image,
                       const signet_policy_eval_options *opts)
{
    signet_policy_eval_options defaults = SIGNET_POLICY_EVAL_OPTIONS_INIT;
    const struct signet_policy_requirements *reqs;
    char name[SIGNET_REFERENCE_NAME_MAX * 2 + 200], first[SIGNET_DIGEST_MAX] = "";
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && policy != NULL && reg != NULL && image != NULL);
    memset(out, 0, sizeof(*out));
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != SIGNET_POLICY_EVAL_OPTIONS_VERSION)
        return signet_error__set(ctx, SIGNET_EINVALID, "unknown policy options version %u",
                                 opts->version);
    if ((rc = signet_policy_lookup_docker(&out->match, ctx, policy, "docker", image)) != SIGNET_OK)
        return rc;
    reqs = out->match.requirements;
    signet_reference_format(name, sizeof(name), image);
    /* Every requirement must accept the image; the first denial is the answer. */
    for (size_t i = 0; i < reqs->count; i++) {
        const struct policy_requirement *r = &reqs->items[i];
        signet_ctx why = {SIGNET_OK, ""};

        switch (r->type) {
        case SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING:
            rc = SIGNET_OK;
            break;
        case SIGNET_POLICY_REJECT:
            rc = signet_error__set(&why, SIGNET_EPOLICY,
                                   "Running image docker://%s is rejected by policy.", name);
            break;
        case SIGNET_POLICY_SIGSTORE_SIGNED:
            rc = eval_sigstore(out, &why, reg, r, image, opts);
            break;
        case SIGNET_POLICY_SIGNED_BY:
            rc = eval_signed_by(out, &why, reg, r, image, opts);
            break;
        default:
            rc = signet_error__set(&why, SIGNET_EPOLICY, "signedBaseLayer not implemented yet!");
        }
        /* Each requirement resolves the tag itself: all must have checked the same image, or a
         * tag moved (or a registry lied) between them and none accepted all of it. */
        if (rc == SIGNET_OK && out->digest[0] != '\0') {
            if (first[0] == '\0')
                snprintf(first, sizeof(first), "%s", out->digest);
            else if (strcmp(first, out->digest) != 0)
                rc = signet_error__set(&why, SIGNET_EPROTOCOL,
                                       "the image's digest changed between requirements (%s, "
                                       "then %s)",
                                       first, out->digest);
        }
        out->evaluated = i + 1;
        if (rc != SIGNET_OK) {
            snprintf(out->reason, sizeof(out->reason), "%s", signet_ctx_error(&why));
            return signet_error__set(ctx, rc, "%s: requirement %zu (%s) of %s%s%s: %s", name, i + 1,
                                     signet_policy_requirement_type_name(r->type),
                                     out->match.scope[0] ? "scope '" : "the default",
                                     out->match.scope, out->match.scope[0] ? "'" : "",
                                     signet_ctx_error(&why));
        }
    }
    return SIGNET_OK;
}
