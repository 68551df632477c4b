#include "review.h"

#include "admission.h"
#include "log.h"
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARNINGS_MAX 32 /* warnings in one response; the API server shows each to the user */

struct verify_arg {
    const wh_review_env *env;
    const wh_validator *validator;
    const char *image;
    uint64_t deadline_ms;
};

/* On a cache miss: verify, and count it. */
static void
verify_image(wh_verdict *out, void *p)
{
    const struct verify_arg *arg = p;
    uint64_t start = signet_monotonic_ms();

    wh_verify_image(out, arg->env->verifier, arg->validator, arg->image, arg->deadline_ms);
    wh_metrics_verification((double)(signet_monotonic_ms() - start) / 1000.0,
                            out->kind == WH_VERDICT_ERROR);
    /* Out of time is this review's state, not the image's: the next review must try again. */
    out->no_store = out->kind == WH_VERDICT_ERROR && signet_monotonic_ms() >= arg->deadline_ms;
}

/* Text that grows by "; "-separated parts, cut at its size. */
struct text {
    char s[WH_MESSAGE_MAX];
    size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->len + 3 >= sizeof(t->s))
        return;
    if (t->len > 0) {
        memcpy(t->s + t->len, "; ", 3);
        t->len += 2;
    }
    va_start(ap, fmt);
    n = vsnprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = (size_t)n < sizeof(t->s) - t->len ? t->len + (size_t)n : sizeof(t->s) - 1;
}

/* @p image without its tag, then "@" and @p digest: what runs is what was verified. */
static int
pinned(char *out, size_t size, const char *image, const char *digest)
{
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash != NULL ? slash : image, ':');
    size_t name_len = colon != NULL ? (size_t)(colon - image) : strlen(image);
    int n = snprintf(out, size, "%.*s@%s", (int)name_len, image, digest);

    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The verdict of @p validator on @p image (whose normalised form is @p norm): cached, or from a
 * verification. */
static void
image_verdict(wh_verdict *out, const wh_review_env *env, const wh_validator *validator,
              const char *image, const char *norm, uint64_t deadline_ms)
{
    struct timespec deadline = {(time_t)(deadline_ms / 1000),
                                (long)(deadline_ms % 1000) * 1000000L};
    struct verify_arg arg = {env, validator, image, deadline_ms};
    char key[WH_CACHE_KEY_MAX], hex[2 * sizeof(validator->digest) + 1];
    int hit = 0;

    /* Keyed by the validator's whole definition too: a verdict of one never serves another. */
    for (size_t b = 0; b < sizeof(validator->digest); b++)
        snprintf(hex + 2 * b, 3, "%02x", validator->digest[b]);
    snprintf(key, sizeof(key), "%s%s|%s", env->cache_prefix, hex, norm);
    wh_cache_resolve(env->cache, out, &hit, key, &deadline, verify_image, &arg);
}

/*
 * For an image by tag whose answer will not pin it (/validate, or a rule with mutate: false):
 * what runs is what the tag points to at pull time, so the verdict must be on the digest it
 * points to now, not on a cached verdict for the tag. Fills @p pinned_image and @p norm with
 * that digest's reference, or @p failure.
 */
static int
resolve_unpinned(char *pinned_image, size_t size, char *norm, size_t norm_size, wh_verdict *failure,
                 const wh_review_env *env, const char *image, uint64_t deadline_ms)
{
    char digest[sizeof(failure->digest)], err[WH_MESSAGE_MAX];

    if (wh_resolve_tag(digest, sizeof(digest), failure, env->verifier, image, deadline_ms) != 0) {
        if (failure->kind == WH_VERDICT_ERROR)
            wh_metrics_registry_error();
        return -1;
    }
    if (pinned(pinned_image, size, image, digest) != 0 ||
        wh_image_normalise(norm, norm_size, pinned_image, err, sizeof(err)) != 0) {
        failure->kind = WH_VERDICT_REJECTED;
        failure->digest[0] = '\0';
        snprintf(failure->reason, sizeof(failure->reason), "image reference is too long");
        return -1;
    }
    return 0;
}

static int
answer_allowed(wh_answer *out, const wh_review *review, wh_review_outcome outcome)
{
    wh_metrics_review(outcome);
    out->http_status = 200;
    out->body = wh_response_build(review->uid, 1, NULL, NULL, 0, NULL, 0);
    return out->body != NULL ? 0 : -1;
}

int
wh_review_answer(wh_answer *out, const wh_review_env *env, const void *body, size_t len, int mutate,
                 uint64_t deadline_ms)
{
    const wh_config *config = env->config;
    wh_review review;
    char err[WH_MESSAGE_MAX];
    struct text denials = {"", 0};
    /* On the heap: 32 of them are too big for a small thread stack. */
    char(*warning_text)[WH_MESSAGE_MAX + WH_IMAGE_MAX + WH_VERDICT_TEXT_MAX] = NULL;
    const char *warnings[WARNINGS_MAX];
    size_t warnings_count = 0, audited = 0, ops_count = 0;
    wh_patch_op *ops = NULL;
    char(*values)[WH_IMAGE_MAX] = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&review, 0, sizeof(review));
    if (wh_review_parse(&review, err, body, len) != WH_REVIEW_OK) {
        wh_metrics_review(WH_OUTCOME_BAD_REQUEST);
        wh_log(WH_LOG_WARN, "bad request: %s", err);
        out->http_status = 400;
        out->body = strdup(err);
        rc = out->body != NULL ? 0 : -1;
        goto out;
    }
    if (review.skip) {
        wh_log(WH_LOG_DEBUG, "review %s: allowed unchecked: %s", review.uid, review.skip_reason);
        rc = answer_allowed(out, &review, WH_OUTCOME_SKIPPED);
        goto out;
    }
    if (!wh_config_namespace_checked(config, review.namespace_)) {
        rc = answer_allowed(out, &review, WH_OUTCOME_SKIPPED);
        goto out;
    }
    if (review.unsupported_kind) {
        text_add(&denials, "kind %s is not one signet-webhook checks", review.kind);
        goto answer;
    }
    if (config->skip_unchanged_updates && strcmp(review.operation, "UPDATE") == 0 &&
        review.images_unchanged) {
        rc = answer_allowed(out, &review, WH_OUTCOME_SKIPPED);
        goto out;
    }
    ops = calloc(review.images_count + 1, sizeof(*ops));
    values = calloc(review.images_count + 1, sizeof(*values));
    warning_text = calloc(WARNINGS_MAX, sizeof(*warning_text));
    if (ops == NULL || values == NULL || warning_text == NULL)
        goto out;
    for (size_t i = 0; i < review.images_count; i++) {
        const wh_image *img = &review.images[i];
        char norm[WH_IMAGE_MAX], resolved[WH_IMAGE_MAX];
        const wh_rule *rule;
        const wh_validator *validator;
        wh_verdict verdict;
        int by_tag = strchr(img->image, '@') == NULL, pins;

        if (wh_image_normalise(norm, sizeof(norm), img->image, err, sizeof(err)) != 0) {
            text_add(&denials, "image '%s' (%s): %s", img->image, img->path, err);
            continue;
        }
        if ((rule = wh_config_match(config, norm)) == NULL) {
            if (config->no_match == WH_DEFAULT_DENY)
                text_add(&denials, "image '%s': no rule matches it and the default is deny",
                         img->image);
            continue;
        }
        validator = &config->validators[rule->validator];
        pins = mutate && rule->mutate && by_tag;
        if (by_tag && !pins && validator->type != WH_VALIDATOR_STATIC) {
            if (resolve_unpinned(resolved, sizeof(resolved), norm, sizeof(norm), &verdict, env,
                                 img->image, deadline_ms) == 0)
                image_verdict(&verdict, env, validator, resolved, norm, deadline_ms);
        } else {
            image_verdict(&verdict, env, validator, img->image, norm, deadline_ms);
        }
        if (verdict.kind == WH_VERDICT_ALLOWED && pins && verdict.digest[0] != '\0') {
            /* A verdict on the tag holds only for the digest it names: pin it, or deny. */
            if (pinned(values[ops_count], sizeof(values[0]), img->image, verdict.digest) == 0) {
                ops[ops_count].path = img->path;
                ops[ops_count].value = values[ops_count];
                ops_count++;
            } else {
                verdict.kind = WH_VERDICT_REJECTED;
                snprintf(verdict.reason, sizeof(verdict.reason),
                         "cannot pin it to %s: the reference would be too long", verdict.digest);
            }
        }
        if (verdict.kind == WH_VERDICT_ALLOWED)
            continue;
        switch (rule->mode) {
        case WH_MODE_ENFORCE:
            text_add(&denials, "image '%s' (rule '%s', validator '%s'): %s", img->image,
                     rule->pattern, validator->name, verdict.reason);
            break;
        case WH_MODE_WARN:
            if (warnings_count < WARNINGS_MAX) {
                snprintf(warning_text[warnings_count], sizeof(warning_text[0]),
                         "signet-webhook (warn mode) would deny image '%s': %s", img->image,
                         verdict.reason);
                warnings[warnings_count] = warning_text[warnings_count];
                warnings_count++;
            }
            break;
        case WH_MODE_AUDIT:
            audited++;
            wh_log(WH_LOG_WARN, "review %s (%s %s/%s): audit: image '%s' would be denied: %s",
                   review.uid, review.kind, review.namespace_, review.name, img->image,
                   verdict.reason);
            break;
        }
    }
answer:
    out->http_status = 200;
    if (denials.len > 0) {
        wh_metrics_review(WH_OUTCOME_DENIED);
        wh_log(WH_LOG_INFO, "review %s (%s %s/%s %s): denied: %s", review.uid, review.kind,
               review.namespace_, review.name, review.operation, denials.s);
        out->body = wh_response_build(review.uid, 0, denials.s, warnings, warnings_count, NULL, 0);
    } else {
        wh_metrics_review(warnings_count > 0 ? WH_OUTCOME_WARNED
                          : audited > 0      ? WH_OUTCOME_AUDITED
                                             : WH_OUTCOME_ALLOWED);
        out->body =
            wh_response_build(review.uid, 1, NULL, warnings, warnings_count, ops, ops_count);
    }
    rc = out->body != NULL ? 0 : -1;
out:
    free(warning_text);
    free(values);
    free(ops);
    wh_review_free(&review);
    return rc;
}
