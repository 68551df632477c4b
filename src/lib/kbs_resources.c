/*
 * kbs:// resource URIs (guest-components' resource_uri, Trustee's resource path rule) and the
 * offline-fs-kbc resource file: {"<repository>/<type>/<tag>": "<standard padded base64>", ...}.
 * The decoded resources live in one guarded buffer; their names in ordinary memory.
 */
#include "internal.h"
#include "kbs_internal.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SCHEME        "kbs://"
#define PLUGIN_SCHEME "kbs+"
#define URI_FORM      "kbs://[host[:port]]/<repository>/<type>/<tag>"
#define FILE_FORM     "{\"<repository>/<type>/<tag>\": \"<base64>\", ...}"
/* "repo/type/tag" */
#define PATH_MAX_LEN (3 * SIGNET_KBS_SEGMENT_MAX + 2)

/* The names of offline-fs-kbc resource files before guest-components b624af4c (2023). */
static const char *const legacy_names[] = {"Policy",     "Sigstore Config", "GPG Keyring",
                                           "Cosign Key", "Credential",      NULL};

static int
is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_hex(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}

int
signet_kbs__segment_valid(const char *s, size_t len)
{
    if (len == 0 || len > SIGNET_KBS_SEGMENT_MAX)
        return 0;
    /* Trustee: ^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*$ - a '.' anywhere but first. */
    if (!(is_alnum(s[0]) || s[0] == '_' || s[0] == '-'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!(is_alnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
            return 0;
    return 1;
}

/* What is wrong with a segment that is not valid, for messages. */
static const char *
segment_problem(const char *s, size_t len)
{
    if (len == 0)
        return "is empty";
    if (len > SIGNET_KBS_SEGMENT_MAX)
        return "is too long";
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return "is '.' or '..'";
    if (s[0] == '.')
        return "starts with '.'";
    return "has a character outside [A-Za-z0-9_.-]";
}

/*
 * Split "repo/type/tag" (@p len bytes) into exactly three valid segments. @p fields may be
 * NULL (validation only). Returns SIGNET_OK or SIGNET_EPARSE with a message about @p what.
 */
static int
split_path(char (*fields)[SIGNET_KBS_SEGMENT_MAX + 1], signet_ctx *ctx, const char *path,
           size_t len, const char *what)
{
    static const char *const names[] = {"repository", "type", "tag"};
    const char *p = path, *end = path + len;

    for (int i = 0; i < 3; i++) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash != NULL ? slash : end;
        size_t n = (size_t)(stop - p);

        if (i < 2 && slash == NULL)
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "%s: want <repository>/<type>/<tag>, found %d segment%s", what,
                                     i + 1, i == 0 ? "" : "s");
        if (i == 2 && slash != NULL)
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "%s: want <repository>/<type>/<tag>, found more segments",
                                     what);
        if (!signet_kbs__segment_valid(p, n))
            return signet_error__set(ctx, SIGNET_EPARSE, "%s: the %s %s", what, names[i],
                                     segment_problem(p, n));
        if (fields != NULL) {
            memcpy(fields[i], p, n);
            fields[i][n] = '\0';
        }
        p = stop + 1;
    }
    return SIGNET_OK;
}

/* host: "" or a DNS name / IPv4 / [IPv6], then an optional ":port" (1-65535). */
static int
host_valid(const char *h, size_t len)
{
    size_t i = 0, label = 0;

    if (len == 0)
        return 1;
    if (h[0] == '[') {
        for (i = 1; i < len && h[i] != ']'; i++)
            if (!(is_hex(h[i]) || h[i] == ':' || h[i] == '.'))
                return 0;
        if (i == len || i == 1)
            return 0;
        i++;
    } else {
        for (; i < len && h[i] != ':'; i++) {
            if (h[i] == '.') {
                if (label == 0 || h[i - 1] == '-')
                    return 0;
                label = 0;
            } else if (is_alnum(h[i]) || (h[i] == '-' && label > 0)) {
                label++;
            } else {
                return 0;
            }
        }
        if (label == 0 || h[i - 1] == '-')
            return 0;
    }
    if (i < len) {
        unsigned long port = 0;
        size_t digits = len - i - 1;

        if (h[i] != ':' || digits == 0 || digits > 5)
            return 0;
        for (i++; i < len; i++) {
            if (h[i] < '0' || h[i] > '9')
                return 0;
            port = port * 10 + (unsigned long)(h[i] - '0');
        }
        if (port == 0 || port > 65535)
            return 0;
    }
    return 1;
}

int
signet_kbs_uri_parse(signet_kbs_uri *out, signet_ctx *ctx, const char *text)
{
    signet_kbs_uri uri;
    char fields[3][SIGNET_KBS_SEGMENT_MAX + 1];
    const char *host, *slash;
    size_t len, host_len;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && text != NULL);
    memset(out, 0, sizeof(*out));
    len = strlen(text);
    if (len > SIGNET_KBS_URI_MAX)
        return signet_error__set(ctx, SIGNET_EPARSE, "KBS resource URI is too long (%zu bytes)",
                                 len);
    if (strncmp(text, PLUGIN_SCHEME, strlen(PLUGIN_SCHEME)) == 0)
        return signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                                 "'%.200s': KBS plugin URIs (kbs+<plugin>://) are not supported, "
                                 "only " SCHEME,
                                 text);
    if (strncmp(text, SCHEME, strlen(SCHEME)) != 0)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%.200s' is not a KBS resource URI (want " URI_FORM ")", text);
    if (strchr(text, '#') != NULL)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%.200s': a KBS resource URI has no fragment ('#')", text);
    if (strchr(text, '?') != NULL)
        return signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                                 "'%.200s': queries in KBS resource URIs are not supported", text);
    host = text + strlen(SCHEME);
    slash = strchr(host, '/');
    if (slash == NULL)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%.200s': no resource path (want " URI_FORM ")", text);
    host_len = (size_t)(slash - host);
    if (host_len > SIGNET_KBS_HOST_MAX || !host_valid(host, host_len))
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%.200s': bad KBS host '%.*s' (want host[:port], or nothing "
                                 "for the configured KBS)",
                                 text, (int)(host_len > 100 ? 100 : host_len), host);
    if ((rc = split_path(fields, ctx, slash + 1, strlen(slash + 1), "KBS resource URI")) !=
        SIGNET_OK)
        return rc;
    memset(&uri, 0, sizeof(uri));
    memcpy(uri.host, host, host_len);
    memcpy(uri.repository, fields[0], sizeof(uri.repository));
    memcpy(uri.type, fields[1], sizeof(uri.type));
    memcpy(uri.tag, fields[2], sizeof(uri.tag));
    *out = uri;
    return SIGNET_OK;
}

/* The offline store. */

struct offline_entry {
    char *path; /* "repo/type/tag" */
    size_t offset, len;
};

struct offline_store {
    char name[128]; /* of the file, for messages */
    struct offline_entry *entries;
    size_t count;
    signet_buf data; /* every resource, decoded, one after the other; secret */
};

static void
offline_free(void *state)
{
    struct offline_store *store = state;

    if (store == NULL)
        return;
    for (size_t i = 0; i < store->count; i++)
        free(store->entries[i].path);
    free(store->entries);
    signet_buf_dispose(&store->data);
    free(store);
}

static size_t
offline_count(const void *state)
{
    return ((const struct offline_store *)state)->count;
}

static int
offline_get(void *state, signet_buf *out, signet_ctx *ctx, const signet_kbs_uri *uri,
            const char *text)
{
    struct offline_store *store = state;
    char path[PATH_MAX_LEN + 1];
    int rc;

    if (uri->host[0] != '\0')
        return signet_error__set(ctx, SIGNET_EUNSUPPORTED,
                                 "'%.100s' names a KBS host, which needs a network KBS (not "
                                 "supported yet): the offline resource file '%s' serves only "
                                 "kbs:///<repository>/<type>/<tag>",
                                 text, store->name);
    snprintf(path, sizeof(path), "%s/%s/%s", uri->repository, uri->type, uri->tag);
    for (size_t i = 0; i < store->count; i++) {
        const struct offline_entry *e = &store->entries[i];

        if (strcmp(e->path, path) != 0)
            continue;
        if ((rc = signet_buf_put(out, store->data.ptr + e->offset, e->len)) != SIGNET_OK)
            return signet_error__set(ctx, rc, "KBS resource '%s': %s", path, signet_strerror(rc));
        return SIGNET_OK;
    }
    return signet_error__set(ctx, SIGNET_ENOTFOUND,
                             "KBS resource '%s' not found in the offline resource file '%s'", path,
                             store->name);
}

static const struct signet_kbs__store_ops offline_ops = {offline_get, offline_count, offline_free};

/* A member name that is not a resource path: say why, and what legacy names became. */
static int
bad_name(signet_ctx *ctx, const char *name, const char *key)
{
    char what[400];

    for (size_t i = 0; legacy_names[i] != NULL; i++)
        if (strcmp(key, legacy_names[i]) == 0)
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "'%s': '%s' is a legacy resource name (before 2023): name "
                                     "it <repository>/<type>/<tag>, e.g. default/cosign-key/1",
                                     name, key);
    snprintf(what, sizeof(what), "'%s': resource name '%.100s'", name, key);
    return split_path(NULL, ctx, key, strlen(key), what);
}

/* jansson's messages quote the text near an error, which may be a secret's base64: not that. */
static int
json_failure(signet_ctx *ctx, const json_error_t *jerr, const char *name)
{
    if (json_error_code(jerr) == json_error_duplicate_key)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "'%s': duplicate resource name (line %d, column %d)", name,
                                 jerr->line, jerr->column);
    return signet_error__set(ctx, SIGNET_EPARSE,
                             "'%s': KBS resource file is not valid JSON (line %d, column %d)", name,
                             jerr->line, jerr->column);
}

/* Wipe the base64 text jansson holds before it frees it (its own buffers are out of reach). */
static void
wipe_values(json_t *root)
{
    const char *key;
    json_t *v;

    if (!json_is_object(root))
        return;
    json_object_foreach(root, key, v)
    {
        if (json_is_string(v))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    }
}

int
signet_kbs_resources_parse(signet_kbs_resources **out, signet_ctx *ctx, const void *json,
                           size_t len, const char *name)
{
    struct offline_store *store = NULL;
    signet_kbs_resources *res = NULL;
    json_t *root = NULL, *v;
    json_error_t jerr;
    const char *key;
    size_t n, total = 0;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && (json != NULL || len == 0) && name != NULL);
    *out = NULL;
    if (len > SIGNET_KBS_RESOURCES_FILE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE,
                                 "'%s': KBS resource file is larger than %d bytes", name,
                                 SIGNET_KBS_RESOURCES_FILE_MAX);
    root = json_loadb(len > 0 ? json : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = json_failure(ctx, &jerr, name);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = signet_error__set(ctx, SIGNET_EPARSE,
                               "'%s': KBS resource file is not a JSON object " FILE_FORM, name);
        goto out;
    }
    n = json_object_size(root);
    if (n == 0) {
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': KBS resource file holds no resources",
                               name);
        goto out;
    }
    if (n > SIGNET_KBS_RESOURCES_COUNT_MAX) {
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE,
                               "'%s': KBS resource file holds %zu resources, more than %d", name, n,
                               SIGNET_KBS_RESOURCES_COUNT_MAX);
        goto out;
    }
    /* Check every name and value before decoding anything. */
    json_object_foreach(root, key, v)
    {
        if ((rc = bad_name(ctx, name, key)) != SIGNET_OK)
            goto out;
        if (!json_is_string(v)) {
            rc = signet_error__set(ctx, SIGNET_EPARSE,
                                   "'%s': resource '%s' is not a string of base64", name, key);
            goto out;
        }
        if (json_string_length(v) == 0) {
            rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s': resource '%s' is empty", name, key);
            goto out;
        }
        total += json_string_length(v) / 4 * 3 + 3;
    }

    store = calloc(1, sizeof(*store));
    res = calloc(1, sizeof(*res));
    if (store == NULL || res == NULL ||
        (store->entries = calloc(n, sizeof(*store->entries))) == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "'%s': out of memory", name);
        goto out;
    }
    snprintf(store->name, sizeof(store->name), "%s", name);
    signet_buf_init(&store->data, total, 1);
    if ((rc = signet_buf__reserve(&store->data, total)) != SIGNET_OK) {
        rc = signet_error__set(ctx, rc, "'%s': %s", name, signet_strerror(rc));
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        struct offline_entry *e = &store->entries[store->count];
        char what[400];

        snprintf(what, sizeof(what), "'%s': resource '%s'", name, key);
        e->offset = store->data.size;
        if ((rc = signet_base64__decode(&store->data, ctx, json_string_value(v),
                                        json_string_length(v), what)) != SIGNET_OK)
            goto out;
        e->len = store->data.size - e->offset;
        if ((e->path = strdup(key)) == NULL) {
            rc = signet_error__set(ctx, SIGNET_ENOMEM, "'%s': out of memory", name);
            goto out;
        }
        store->count++;
    }
    res->ops = &offline_ops;
    res->state = store;
    *out = res;
    res = NULL;
    store = NULL;
    rc = SIGNET_OK;
out:
    offline_free(store);
    free(res);
    wipe_values(root);
    json_decref(root);
    return rc;
}

int
signet_kbs_resources_load(signet_kbs_resources **out, signet_ctx *ctx, const char *path)
{
    signet_buf text = SIGNET_BUF_INIT;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && path != NULL);
    *out = NULL;
    /* The file holds the resources' base64: guarded memory too. */
    signet_buf_init(&text, SIGNET_KBS_RESOURCES_FILE_MAX, 1);
    if ((rc = signet_file_read(&text, ctx, path)) == SIGNET_OK)
        rc = signet_kbs_resources_parse(out, ctx, text.ptr, text.size, path);
    signet_buf_dispose(&text);
    return rc;
}

int
signet_kbs_resource_get(signet_buf *out, signet_ctx *ctx, const signet_kbs_resources *resources,
                        const char *uri)
{
    signet_kbs_uri parsed;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && resources != NULL && uri != NULL);
    SIGNET_ASSERT_ARG(ctx, out->max != 0);
    if ((rc = signet_kbs_uri_parse(&parsed, ctx, uri)) != SIGNET_OK)
        return rc;
    if (out->ptr == NULL)
        out->secret = 1;
    return resources->ops->get(resources->state, out, ctx, &parsed, uri);
}

size_t
signet_kbs_resources_count(const signet_kbs_resources *resources)
{
    return resources == NULL ? 0 : resources->ops->count(resources->state);
}

void
signet_kbs_resources_free(signet_kbs_resources *resources)
{
    if (resources == NULL)
        return;
    resources->ops->free(resources->state);
    free(resources);
}
