/*
 * policy lint and policy verify as JSON for tools: one compact line, keys always present and in
 * a fixed order, lists in the policy's document order.
 */
#include "policy_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/*
 * A JSON string of a message. Messages are cut at fixed sizes, possibly inside a UTF-8
 * sequence, and quote what signers and servers wrote: when @p text is not valid UTF-8, its
 * non-ASCII bytes become '?' rather than the report failing.
 */
static json_t *
message_string(const char *text)
{
    json_t *s = json_string(text);
    char *ascii;

    if (s != NULL || (ascii = strdup(text)) == NULL)
        return s;
    for (char *c = ascii; *c != '\0'; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    s = json_string(ascii);
    free(ascii);
    return s;
}

/* ["signedBy", ...] of a requirement list (NULL: []). */
static json_t *
requirement_types(const struct signet_policy_requirements *reqs)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && reqs != NULL && i < reqs->count; i++)
        if (json_array_append_new(
                list, json_string(signet_policy_requirement_type_name(reqs->items[i].type))) != 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

/* Append @p root as compact JSON and a newline; takes @p root (NULL: out of memory). */
static int
put_json(signet_buf *out, signet_ctx *ctx, json_t *root)
{
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc;

    json_decref(root);
    if (text == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    if ((rc = signet_buf_puts(out, text)) == SIGNET_OK)
        rc = signet_buf_puts(out, "\n");
    free(text);
    return rc == SIGNET_OK ? rc : signet_error__set(ctx, rc, "policy report too large");
}

int
signet_policy_lint_json(signet_buf *out, signet_ctx *ctx, const signet_policy *policy,
                        const char *error)
{
    json_t *root = json_object(), *transports = json_object();
    int failed = root == NULL || transports == NULL;

    SIGNET_ASSERT_ARG(ctx, out != NULL && (policy != NULL || error != NULL));
    failed |= json_object_set_new(root, "valid", json_boolean(policy != NULL)) != 0;
    failed |= json_object_set_new(root, "error", message_string(policy ? "" : error)) != 0;
    failed |= json_object_set_new(root, "default",
                                  requirement_types(policy ? &policy->default_reqs : NULL)) != 0;
    for (size_t t = 0; policy != NULL && !failed && t < policy->ntransports; t++) {
        const struct policy_transport *tr = &policy->transports[t];
        json_t *scopes = json_object();

        /* Scope keys may hold NUL bytes: json_object_setn_new keeps them (as \u0000). */
        failed |= json_object_setn_new(transports, tr->name, tr->name_len, scopes) != 0;
        for (size_t s = 0; !failed && s < tr->nscopes; s++)
            failed |= json_object_setn_new(scopes, tr->scopes[s].name, tr->scopes[s].name_len,
                                           requirement_types(&tr->scopes[s].reqs)) != 0;
    }
    failed |= json_object_set_new(root, "transports", transports) != 0;
    if (failed) {
        json_decref(root);
        return signet_error__set(ctx, SIGNET_ENOMEM,
                                 "cannot make the JSON report (out of memory, or not UTF-8)");
    }
    return put_json(out, ctx, root);
}

static const char *
scope_kind_name(signet_policy_scope_kind kind)
{
    switch (kind) {
    case SIGNET_POLICY_SCOPE_IDENTITY:
        return "identity";
    case SIGNET_POLICY_SCOPE_NAMESPACE:
        return "namespace";
    case SIGNET_POLICY_SCOPE_TRANSPORT_DEFAULT:
        return "transport default";
    case SIGNET_POLICY_SCOPE_DEFAULT:
        return "default";
    }
    return "";
}

/* What a requirement that accepted the image checked. */
static const char *
accepted_reason(signet_policy_requirement_type type)
{
    switch (type) {
    case SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING:
        return "accepts any image";
    case SIGNET_POLICY_SIGNED_BY:
        return "a simple signature by an accepted key verified, with the image's digest and an "
               "accepted identity";
    case SIGNET_POLICY_SIGSTORE_SIGNED:
        return "a cosign signature by an accepted key verified, with the image's digest and an "
               "accepted identity";
    default:
        return "accepted";
    }
}

int
signet_policy_verdict_json(signet_buf *out, signet_ctx *ctx, const char *image,
                           const signet_policy_verdict *verdict, int result, const char *error)
{
    const struct signet_policy_requirements *reqs;
    json_t *root = json_object(), *list = json_array();
    int failed = root == NULL || list == NULL;

    SIGNET_ASSERT_ARG(ctx, out != NULL && image != NULL && verdict != NULL);
    reqs = verdict->match.requirements;
    failed |= json_object_set_new(root, "image", message_string(image)) != 0;
    failed |= json_object_set_new(root, "allowed", json_boolean(result == SIGNET_OK)) != 0;
    failed |= json_object_set_new(root, "digest", json_string(verdict->digest)) != 0;
    failed |= json_object_set_new(root, "scope", json_string(verdict->match.scope)) != 0;
    failed |= json_object_set_new(root, "scopeKind",
                                  json_string(scope_kind_name(verdict->match.kind))) != 0;
    failed |= json_object_set_new(root, "error",
                                  message_string(result == SIGNET_OK || !error ? "" : error)) != 0;
    /* Requirements before the last one evaluated accepted; the last decided; the rest were not
     * needed. */
    for (size_t i = 0; !failed && reqs != NULL && i < reqs->count; i++) {
        signet_policy_requirement_type type = reqs->items[i].type;
        const char *v = "accepted", *reason = accepted_reason(type);
        json_t *item = json_object();

        if (result != SIGNET_OK && i + 1 == verdict->evaluated) {
            v = result == SIGNET_EPOLICY ? "denied" : "error";
            reason = verdict->reason;
        } else if (i >= verdict->evaluated) {
            v = "not evaluated";
            reason = "an earlier requirement decided";
        }
        failed |= item == NULL || json_array_append_new(list, item) != 0;
        failed |= json_object_set_new(item, "type",
                                      json_string(signet_policy_requirement_type_name(type))) != 0;
        failed |= json_object_set_new(item, "verdict", json_string(v)) != 0;
        failed |= json_object_set_new(item, "reason", message_string(reason)) != 0;
    }
    failed |= json_object_set_new(root, "requirements", list) != 0;
    if (failed) {
        json_decref(root);
        return signet_error__set(ctx, SIGNET_ENOMEM,
                                 "cannot make the JSON report (out of memory, or not UTF-8)");
    }
    return put_json(out, ctx, root);
}
