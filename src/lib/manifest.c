#include "manifest.h"

#include <string.h>

static int
is_manifest_type(const char *t)
{
    return strcmp(t, MT_OCI_MANIFEST) == 0 || strcmp(t, MT_DOCKER_MANIFEST) == 0;
}

static int
is_index_type(const char *t)
{
    return strcmp(t, MT_OCI_INDEX) == 0 || strcmp(t, MT_DOCKER_LIST) == 0;
}

static int
check_descriptor(signet_ctx *ctx, json_t *d, const char *name, const char *where)
{
    json_t *size = json_object_get(d, "size");

    if (!json_is_object(d) || !json_is_string(json_object_get(d, "mediaType")) ||
        !signet_digest_is_valid(json_string_value(json_object_get(d, "digest"))) ||
        !json_is_integer(size) || json_integer_value(size) < 0)
        return signet_error__set(ctx, SIGNET_EPROTOCOL,
                                 "malformed manifest '%s': %s needs mediaType, a sha256 digest "
                                 "and a size",
                                 name, where);
    return SIGNET_OK;
}

int
signet_manifest__parse(struct manifest *out, signet_ctx *ctx, const char *body, size_t len,
                       const char *content_type, const char *name)
{
    json_error_t jerr;
    json_t *schema, *mt, *config;
    const char *type;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    out->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(out->root)) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "malformed manifest '%s': %s", name,
                               out->root ? "not a JSON object" : jerr.text);
        goto fail;
    }
    schema = json_object_get(out->root, "schemaVersion");
    if (!json_is_integer(schema) || json_integer_value(schema) != 2) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "manifest '%s' is not schema version 2 (schema 1 is not supported)",
                               name);
        goto fail;
    }
    mt = json_object_get(out->root, "mediaType");
    if (mt != NULL && !json_is_string(mt)) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                               "malformed manifest '%s': mediaType is not a string", name);
        goto fail;
    }
    /* The body's mediaType wins; the Content-Type must agree when both are known types. */
    type = mt != NULL ? json_string_value(mt) : content_type;
    if (mt != NULL && content_type != NULL &&
        (is_manifest_type(content_type) || is_index_type(content_type)) &&
        (is_manifest_type(type) || is_index_type(type)) &&
        is_index_type(content_type) != is_index_type(type)) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                               "malformed manifest '%s': served as %s but says %.100s", name,
                               content_type, type);
        goto fail;
    }
    if (type == NULL || type[0] == '\0')
        type = json_object_get(out->root, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;
    if (!is_manifest_type(type) && !is_index_type(type)) {
        rc = signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                               "manifest '%s' has unsupported type %.100s", name, type);
        goto fail;
    }
    snprintf(out->media_type, sizeof(out->media_type), "%s", type);
    out->is_index = is_index_type(type);
    out->entries = json_object_get(out->root, out->is_index ? "manifests" : "layers");
    if (!json_is_array(out->entries)) {
        rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "malformed manifest '%s': no %s list", name,
                               out->is_index ? "manifests" : "layers");
        goto fail;
    }
    if (json_array_size(out->entries) > MANIFEST_MAX_ENTRIES) {
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "manifest '%s' has %zu entries (limit %d)",
                               name, json_array_size(out->entries), MANIFEST_MAX_ENTRIES);
        goto fail;
    }
    if (!out->is_index) {
        config = json_object_get(out->root, "config");
        if ((rc = check_descriptor(ctx, config, name, "config")) != SIGNET_OK)
            goto fail;
    }
    for (i = 0; i < json_array_size(out->entries); i++) {
        json_t *d = json_array_get(out->entries, i);
        json_t *ann = json_object_get(d, "annotations");
        if ((rc = check_descriptor(ctx, d, name, out->is_index ? "an index entry" : "a layer")) !=
            SIGNET_OK)
            goto fail;
        if (ann != NULL && !json_is_object(ann)) {
            rc = signet_error__set(ctx, SIGNET_EPROTOCOL,
                                   "malformed manifest '%s': annotations must be an object", name);
            goto fail;
        }
    }
    return SIGNET_OK;
fail:
    signet_manifest__release(out);
    return rc;
}

void
signet_manifest__release(struct manifest *m)
{
    json_decref(m->root);
    memset(m, 0, sizeof(*m));
}

const char *
signet_manifest__entry_string(const struct manifest *m, size_t i, const char *field)
{
    return json_string_value(json_object_get(json_array_get(m->entries, i), field));
}

int
signet_manifest__select_platform(char *digest_out, signet_ctx *ctx, const struct manifest *m,
                                 const char *platform, const char *name)
{
    char os[64] = "", arch[64] = "", variant[64] = "";
    const char *s1 = strchr(platform, '/'), *s2;

    if (s1 == NULL || s1 == platform || (size_t)(s1 - platform) >= sizeof(os))
        return signet_error__set(ctx, SIGNET_EINVALID, "platform '%.64s' is not os/arch[/variant]",
                                 platform);
    memcpy(os, platform, (size_t)(s1 - platform));
    s2 = strchr(s1 + 1, '/');
    snprintf(arch, sizeof(arch), "%.*s", (int)(s2 ? (size_t)(s2 - s1 - 1) : strlen(s1 + 1)),
             s1 + 1);
    if (s2 != NULL)
        snprintf(variant, sizeof(variant), "%s", s2 + 1);
    if (arch[0] == '\0')
        return signet_error__set(ctx, SIGNET_EINVALID, "platform '%.64s' is not os/arch[/variant]",
                                 platform);
    for (size_t i = 0; i < json_array_size(m->entries); i++) {
        json_t *p = json_object_get(json_array_get(m->entries, i), "platform");
        const char *pos = json_string_value(json_object_get(p, "os"));
        const char *parch = json_string_value(json_object_get(p, "architecture"));
        const char *pvar = json_string_value(json_object_get(p, "variant"));
        if (pos && parch && strcmp(pos, os) == 0 && strcmp(parch, arch) == 0 &&
            (variant[0] == '\0' || (pvar && strcmp(pvar, variant) == 0))) {
            snprintf(digest_out, SIGNET_DIGEST_MAX, "%s",
                     signet_manifest__entry_string(m, i, "digest"));
            return SIGNET_OK;
        }
    }
    return signet_error__set(ctx, SIGNET_ENOTFOUND, "'%s' has no manifest for platform %.64s", name,
                             platform);
}
