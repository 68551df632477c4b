#include "verify.h"

#include "cosign_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX 64 /* idle registry clients kept; more are made and freed as needed */

struct wh_verifier {
    const wh_config *config;
    signet_registry_options registry_opts;
    signet_rate_limiter *limiter;
    pthread_mutex_t lock;
    signet_registry *idle[POOL_MAX];
    size_t idle_count;
    /* gpg validators: one single-key signedBy policy per trust root, so each root's signature
     * is checked (and counted for threshold/required) on its own. Indexed like trust_roots. */
    signet_policy **gpg_policies;
};

static const char *
rc_reason(const signet_ctx *ctx, int rc)
{
    const char *m = signet_ctx_error(ctx);
    return m[0] != '\0' ? m : signet_strerror(rc);
}

static void verdict_set(wh_verdict *out, wh_verdict_kind kind, const char *digest, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));

static void
verdict_set(wh_verdict *out, wh_verdict_kind kind, const char *digest, const char *fmt, ...)
{
    va_list ap;

    out->kind = kind;
    snprintf(out->digest, sizeof(out->digest), "%s", digest != NULL ? digest : "");
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

/* A failed libsignet call: rejections (bad or missing signatures, policy) are REJECTED, the
 * rest (network, deadline, malformed replies) ERROR. */
static void
verdict_from_rc(wh_verdict *out, const signet_ctx *ctx, int rc)
{
    verdict_set(out, signet_error_is_rejection(rc) ? WH_VERDICT_REJECTED : WH_VERDICT_ERROR, NULL,
                "%s", rc_reason(ctx, rc));
}

/* {"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"<base64 of key>"}]} */
static signet_policy *
gpg_root_policy(const wh_trust_root *root, char *err, size_t err_size)
{
    static const char head[] =
        "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"";
    static const char tail[] = "\"}]}";
    size_t b64_len = sodium_base64_ENCODED_LEN(root->key_len, sodium_base64_VARIANT_ORIGINAL);
    size_t len = sizeof(head) - 1 + b64_len + sizeof(tail);
    char *json = malloc(len);
    signet_policy *policy = NULL;
    signet_ctx ctx = {SIGNET_OK, ""};
    int rc;

    if (json == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    memcpy(json, head, sizeof(head) - 1);
    sodium_bin2base64(json + sizeof(head) - 1, b64_len, root->key, root->key_len,
                      sodium_base64_VARIANT_ORIGINAL);
    memcpy(json + sizeof(head) - 1 + b64_len - 1, tail, sizeof(tail)); /* over the NUL */
    rc = signet_policy_parse(&policy, &ctx, json, strlen(json), root->name);
    if (rc != SIGNET_OK)
        snprintf(err, err_size, "trust root '%s': %s", root->name, rc_reason(&ctx, rc));
    free(json);
    return policy;
}

wh_verifier *
wh_verifier_new(const wh_config *config, char *err, size_t err_size)
{
    wh_verifier *vf = calloc(1, sizeof(*vf));
    signet_registry_options opts = SIGNET_REGISTRY_OPTIONS_INIT;
    signet_ctx ctx = {SIGNET_OK, ""};
    int rc;

    if (vf == NULL || pthread_mutex_init(&vf->lock, NULL) != 0) {
        free(vf);
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    vf->config = config;
    opts.ca_file = config->registry_ca_file;
    opts.auth_file = config->registry_auth_file;
    opts.http_registries = (const char *const *)config->allow_http;
    opts.http_registries_count = config->allow_http_count;
    opts.timeout_ms = config->deadline_ms; /* each request is cut to the review's deadline */
    opts.max_retries = 2;
    opts.max_backoff_ms = 1000;
    vf->registry_opts = opts;
    if (config->rate_limit_per_second > 0 &&
        (rc = signet_rate_limiter_new(&vf->limiter, &ctx, config->rate_limit_per_second,
                                      config->rate_limit_burst)) != SIGNET_OK) {
        snprintf(err, err_size, "registries.rateLimit: %s", rc_reason(&ctx, rc));
        goto fail;
    }
    vf->gpg_policies = calloc(config->trust_roots_count + 1, sizeof(*vf->gpg_policies));
    if (vf->gpg_policies == NULL) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < config->validators_count; i++) {
        const wh_validator *v = &config->validators[i];
        for (size_t r = 0; v->type == WH_VALIDATOR_GPG && r < v->trust_roots_count; r++) {
            size_t root = v->trust_roots[r];
            if (vf->gpg_policies[root] == NULL &&
                (vf->gpg_policies[root] =
                     gpg_root_policy(&config->trust_roots[root], err, err_size)) == NULL)
                goto fail;
        }
    }
    return vf;
fail:
    wh_verifier_free(vf);
    return NULL;
}

void
wh_verifier_free(wh_verifier *vf)
{
    if (vf == NULL)
        return;
    for (size_t i = 0; i < vf->idle_count; i++)
        signet_registry_free(vf->idle[i]);
    for (size_t i = 0; vf->gpg_policies != NULL && i < vf->config->trust_roots_count; i++)
        signet_policy_free(vf->gpg_policies[i]);
    free(vf->gpg_policies);
    signet_rate_limiter_free(vf->limiter);
    pthread_mutex_destroy(&vf->lock);
    free(vf);
}

static signet_registry *
registry_take(wh_verifier *vf, signet_ctx *ctx)
{
    signet_registry *reg = NULL;

    pthread_mutex_lock(&vf->lock);
    if (vf->idle_count > 0)
        reg = vf->idle[--vf->idle_count];
    pthread_mutex_unlock(&vf->lock);
    if (reg == NULL && signet_registry_new(&reg, ctx, &vf->registry_opts) != SIGNET_OK)
        return NULL;
    signet_registry_set_rate_limiter(reg, vf->limiter);
    return reg;
}

static void
registry_give_back(wh_verifier *vf, signet_registry *reg)
{
    if (reg == NULL)
        return;
    signet_registry_set_deadline(reg, 0);
    pthread_mutex_lock(&vf->lock);
    if (vf->idle_count < POOL_MAX) {
        vf->idle[vf->idle_count++] = reg;
        reg = NULL;
    }
    pthread_mutex_unlock(&vf->lock);
    signet_registry_free(reg);
}

/* "a, b" of the roots whose bit is set in @p mask. */
static void
root_names(char *out, size_t size, const wh_config *config, const wh_validator *v, uint64_t mask)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t r = 0; r < v->trust_roots_count && r < 64; r++) {
        if (mask & (UINT64_C(1) << r)) {
            int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                             config->trust_roots[v->trust_roots[r]].name);
            if (n < 0 || (size_t)n >= size - used)
                return;
            used += (size_t)n;
        }
    }
}

/*
 * Connaisseur's rules over the roots that signed: at least `threshold` of them (all when
 * unset), and every `required` one among them.
 */
static void
judge_signers(wh_verdict *out, const wh_config *config, const wh_validator *v, uint64_t signers,
              const char *digest)
{
    size_t need = v->threshold != 0 ? v->threshold : v->trust_roots_count, have = 0;
    char names[512];

    for (size_t r = 0; r < v->trust_roots_count && r < 64; r++)
        have += (signers >> r) & 1u;
    for (size_t i = 0; i < v->required_count; i++) {
        for (size_t r = 0; r < v->trust_roots_count; r++) {
            if (v->trust_roots[r] == v->required[i] && !(signers & (UINT64_C(1) << r))) {
                verdict_set(out, WH_VERDICT_REJECTED, NULL,
                            "trust root '%s' is required but has not signed %s",
                            config->trust_roots[v->required[i]].name, digest);
                return;
            }
        }
    }
    if (have < need) {
        root_names(names, sizeof(names), config, v, signers);
        verdict_set(out, WH_VERDICT_REJECTED, NULL,
                    "%s is signed by %zu of the %zu trust roots of validator '%s' (%s); %zu needed",
                    digest, have, v->trust_roots_count, v->name, names, need);
        return;
    }
    verdict_set(out, WH_VERDICT_ALLOWED, digest, "verified");
}

static void
verify_cosign(wh_verdict *out, signet_ctx *ctx, signet_registry *reg, const wh_config *config,
              const wh_validator *v, const signet_reference *ref)
{
    signet_cosign_options opts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_cosign_verified *verified = NULL;
    const signet_key *keys[64];
    size_t nkeys = v->trust_roots_count < 64 ? v->trust_roots_count : 64;
    int rc;

    for (size_t r = 0; r < nkeys; r++)
        keys[r] = config->trust_roots[v->trust_roots[r]].public_key;
    opts.signature_repository = v->signature_repository;
    opts.annotations = (const char *const *)v->annotations;
    opts.annotations_count = v->annotations_count;
    rc = signet_cosign__verify_with(&verified, ctx, reg, keys, nkeys, ref, &opts,
                                    signet_cosign__claims_hold, &opts);
    if (rc != SIGNET_OK) {
        verdict_from_rc(out, ctx, rc);
        return;
    }
    judge_signers(out, config, v, signet_cosign__verified_signers(verified),
                  signet_cosign_verified_image(verified)->digest);
    signet_cosign_verified_free(verified);
}

static void
verify_policy(wh_verdict *out, signet_ctx *ctx, signet_registry *reg, const wh_verifier *vf,
              const wh_validator *v, const signet_policy *policy, const signet_reference *ref)
{
    signet_policy_eval_options opts = SIGNET_POLICY_EVAL_OPTIONS_INIT;
    signet_policy_verdict verdict;
    int rc;

    opts.resources = vf->config->kbs;
    opts.registries = v->registries;
    opts.network = &vf->registry_opts; /* lookaside reads: the registries' CA and time limit */
    opts.use_sigstore_attachments = v->type == WH_VALIDATOR_POLICY;
    memset(&verdict, 0, sizeof(verdict));
    if ((rc = signet_policy_evaluate(&verdict, ctx, policy, reg, ref, &opts)) != SIGNET_OK)
        verdict_from_rc(out, ctx, rc);
    else
        verdict_set(out, WH_VERDICT_ALLOWED, verdict.digest, "verified");
}

static void
verify_gpg(wh_verdict *out, signet_ctx *ctx, signet_registry *reg, wh_verifier *vf,
           const wh_validator *v, const signet_reference *ref, uint64_t deadline_ms)
{
    char digest[sizeof(out->digest)] = "";
    uint64_t signers = 0;
    wh_verdict last = {WH_VERDICT_REJECTED, "", "no trust roots", 0};
    size_t r;

    for (r = 0; r < v->trust_roots_count && r < 64; r++) {
        if (r > 0 && signet_monotonic_ms() >= deadline_ms) {
            /* Roots left unchecked: not knowing is not "not signed". */
            verdict_set(out, WH_VERDICT_ERROR, NULL,
                        "deadline exceeded after checking %zu of the %zu trust roots", r,
                        v->trust_roots_count);
            return;
        }
        verify_policy(&last, ctx, reg, vf, v, vf->gpg_policies[v->trust_roots[r]], ref);
        signet_ctx_clear_error(ctx);
        if (last.kind == WH_VERDICT_ERROR) {
            *out = last; /* could not check: never count it as "not signed" */
            return;
        }
        if (last.kind == WH_VERDICT_ALLOWED) {
            if (digest[0] != '\0' && strcmp(digest, last.digest) != 0) {
                verdict_set(out, WH_VERDICT_ERROR, NULL,
                            "the image changed during verification (%s, then %s)", digest,
                            last.digest);
                return;
            }
            snprintf(digest, sizeof(digest), "%s", last.digest);
            signers |= UINT64_C(1) << r;
        }
    }
    if (signers == 0) {
        *out = last; /* the reason of the last root tried */
        return;
    }
    judge_signers(out, vf->config, v, signers, digest);
}

void
wh_verify_image(wh_verdict *out, wh_verifier *vf, const wh_validator *v, const char *image,
                uint64_t deadline_ms)
{
    signet_ctx ctx = {SIGNET_OK, ""};
    signet_registry *reg = NULL;
    signet_reference ref;
    int rc;

    memset(out, 0, sizeof(*out));
    if (v->type == WH_VALIDATOR_STATIC) {
        if (v->approve)
            verdict_set(out, WH_VERDICT_ALLOWED, NULL, "approved by static validator '%s'",
                        v->name);
        else
            verdict_set(out, WH_VERDICT_REJECTED, NULL, "denied by static validator '%s'", v->name);
        return;
    }
    if ((rc = signet_reference_parse(&ref, &ctx, image)) != SIGNET_OK) {
        verdict_set(out, WH_VERDICT_REJECTED, NULL, "%s", rc_reason(&ctx, rc));
        return;
    }
    if ((reg = registry_take(vf, &ctx)) == NULL) {
        verdict_from_rc(out, &ctx, signet_ctx_error_code(&ctx));
        return;
    }
    signet_registry_set_deadline(reg, deadline_ms);
    switch (v->type) {
    case WH_VALIDATOR_COSIGN:
        verify_cosign(out, &ctx, reg, vf->config, v, &ref);
        break;
    case WH_VALIDATOR_GPG:
        verify_gpg(out, &ctx, reg, vf, v, &ref, deadline_ms);
        break;
    case WH_VALIDATOR_POLICY:
        verify_policy(out, &ctx, reg, vf, v, v->policy, &ref);
        break;
    case WH_VALIDATOR_STATIC:
        break;
    }
    registry_give_back(vf, reg);
}

int
wh_resolve_tag(char *digest, size_t size, wh_verdict *failure, wh_verifier *vf, const char *image,
               uint64_t deadline_ms)
{
    signet_ctx ctx = {SIGNET_OK, ""};
    signet_registry *reg = NULL;
    signet_reference ref, resolved;
    int rc;

    if ((rc = signet_reference_parse(&ref, &ctx, image)) != SIGNET_OK) {
        verdict_set(failure, WH_VERDICT_REJECTED, NULL, "%s", rc_reason(&ctx, rc));
        return -1;
    }
    if ((reg = registry_take(vf, &ctx)) == NULL) {
        verdict_from_rc(failure, &ctx, signet_ctx_error_code(&ctx));
        return -1;
    }
    signet_registry_set_deadline(reg, deadline_ms);
    rc = signet_cosign_resolve(&resolved, &ctx, reg, &ref, NULL);
    registry_give_back(vf, reg);
    if (rc != SIGNET_OK) {
        verdict_set(failure, rc == SIGNET_ENOTFOUND ? WH_VERDICT_REJECTED : WH_VERDICT_ERROR, NULL,
                    "cannot resolve the tag: %s", rc_reason(&ctx, rc));
        return -1;
    }
    snprintf(digest, size, "%s", resolved.digest);
    return 0;
}

int
wh_image_normalise(char *out, size_t size, const char *image, char *err, size_t err_size)
{
    signet_ctx ctx = {SIGNET_OK, ""};
    signet_reference ref;
    int rc, n;

    if ((rc = signet_reference_parse(&ref, &ctx, image)) != SIGNET_OK) {
        snprintf(err, err_size, "%s", rc_reason(&ctx, rc));
        return -1;
    }
    /* Host names are case-insensitive: "REGISTRY.CORP/x" is pulled from registry.corp, and must
     * meet registry.corp's rules, not a catch-all's. */
    for (char *c = ref.registry; *c != '\0'; c++)
        *c = (char)tolower((unsigned char)*c);
    /* With a digest the tag is not what is pulled: a rule for some tags must not match it. */
    if (ref.digest[0] != '\0')
        ref.tag[0] = '\0';
    n = snprintf(out, size, "%s/%s%s%s%s%s",
                 strcmp(ref.registry, "index.docker.io") == 0 ? "docker.io" : ref.registry,
                 ref.repository, ref.tag[0] ? ":" : "", ref.tag, ref.digest[0] ? "@" : "",
                 ref.digest);
    if (n < 0 || (size_t)n >= size) {
        snprintf(err, err_size, "image reference is too long");
        return -1;
    }
    return 0;
}
