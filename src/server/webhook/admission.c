/*
 * AdmissionReview admission.k8s.io/v1 (shared/docs/enforcement.md §3.0): the request's envelope
 * and the images of the object, where Connaisseur finds them; the response with its JSON Patch.
 * Unknown members of the request are ignored: the API server adds new ones over releases, and
 * refusing them would block a cluster on upgrade (failurePolicy: Fail).
 */
#include "admission.h"

#include "internal.h" /* signet_base64__encode */

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_VERSION "admission.k8s.io/v1"
#define QUOTE       "%.64s" /* an offending value, cut short in messages */
#define NAME_MAX_   128     /* "request.oldObject.spec.jobTemplate.spec.template.spec", ... */

/* Where the pod spec of each kind is: Connaisseur's patch paths. */
static const struct kind_spec {
    const char *kind, *group;
    const char *const *spec_path; /* keys from the object to its PodSpec */
} kinds[] = {
    {"Pod", "", (const char *const[]){"spec", NULL}},
    {"ReplicationController", "", (const char *const[]){"spec", "template", "spec", NULL}},
    {"Deployment", "apps", (const char *const[]){"spec", "template", "spec", NULL}},
    {"ReplicaSet", "apps", (const char *const[]){"spec", "template", "spec", NULL}},
    {"StatefulSet", "apps", (const char *const[]){"spec", "template", "spec", NULL}},
    {"DaemonSet", "apps", (const char *const[]){"spec", "template", "spec", NULL}},
    {"Job", "batch", (const char *const[]){"spec", "template", "spec", NULL}},
    {"CronJob", "batch",
     (const char *const[]){"spec", "jobTemplate", "spec", "template", "spec", NULL}},
};

static const char *const container_lists[] = {"containers", "initContainers",
                                              "ephemeralContainers"};

struct images {
    wh_image *v;
    size_t count, cap;
};

/* One printable ASCII line, whatever the quoted values and jansson's text held. */
static void __attribute__((format(printf, 2, 3)))
set_err(char err[WH_MESSAGE_MAX], const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, WH_MESSAGE_MAX, fmt, ap);
    va_end(ap);
    for (char *p = err; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
}

/* @p key of @p obj into @p out: absent or null is "" (or an error when @p required). */
static int
get_string(char *out, size_t size, const json_t *obj, const char *key, const char *name,
           int required, char err[WH_MESSAGE_MAX])
{
    const json_t *v = json_object_get(obj, key);
    size_t len;

    out[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        if (!required)
            return 0;
        set_err(err, "%s is missing", name);
        return -1;
    }
    if (!json_is_string(v)) {
        set_err(err, "%s is not a string", name);
        return -1;
    }
    /* Without JSON_ALLOW_NUL jansson refuses \u0000: the length is the C string's. */
    len = json_string_length(v);
    if (len >= size) {
        set_err(err, "%s is longer than %zu bytes", name, size - 1);
        return -1;
    }
    memcpy(out, json_string_value(v), len + 1);
    return 0;
}

/* request.object or request.oldObject: present and an object. */
static const json_t *
get_object(const json_t *request, const char *key, const char *operation, char err[WH_MESSAGE_MAX])
{
    const json_t *v = json_object_get(request, key);

    if (v == NULL || json_is_null(v))
        set_err(err, "request.%s is missing for %s", key, operation);
    else if (!json_is_object(v))
        set_err(err, "request.%s is not an object", key);
    else
        return v;
    return NULL;
}

/* metadata.deletionTimestamp is set: the object is on its way out (Connaisseur PR #2073). */
static int
being_deleted(int *out, const json_t *object, const char *which, char err[WH_MESSAGE_MAX])
{
    const json_t *metadata = json_object_get(object, "metadata"), *ts;

    *out = 0;
    if (metadata == NULL || json_is_null(metadata))
        return 0;
    if (!json_is_object(metadata)) {
        set_err(err, "request.%s.metadata is not an object", which);
        return -1;
    }
    ts = json_object_get(metadata, "deletionTimestamp");
    if (ts == NULL || json_is_null(ts))
        return 0;
    if (!json_is_string(ts)) {
        set_err(err, "request.%s.metadata.deletionTimestamp is not a string", which);
        return -1;
    }
    *out = json_string_length(ts) > 0;
    return 0;
}

static int
images_add(struct images *list, const char *path, const char *image, size_t len)
{
    if (list->count == list->cap) {
        size_t cap = list->cap == 0 ? 8 : 2 * list->cap;
        wh_image *v;

        if (cap > WH_IMAGES_MAX)
            cap = WH_IMAGES_MAX;
        v = realloc(list->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        list->v = v;
        list->cap = cap;
    }
    memcpy(list->v[list->count].image, image, len + 1);
    snprintf(list->v[list->count].path, WH_IMAGE_PATH_MAX, "%s", path);
    list->count++;
    return 0;
}

/*
 * Every image of @p object (request.<which>) of kind @p ks, in the order containers,
 * initContainers, ephemeralContainers, each by index: a total order on the paths, so two
 * objects have the same (path, image) set exactly when their lists are equal.
 * A container without an image has nothing to check (the API server refuses it in a Pod).
 */
static int
find_images(struct images *out, const json_t *object, const char *which, const struct kind_spec *ks,
            char err[WH_MESSAGE_MAX])
{
    char pointer[64] = "", name[NAME_MAX_]; /* the longest is CronJob's, 36 bytes */
    const json_t *spec = object;

    snprintf(name, sizeof(name), "request.%s", which);
    for (const char *const *key = ks->spec_path; *key != NULL; key++) {
        size_t n = strlen(pointer), m = strlen(name);

        snprintf(pointer + n, sizeof(pointer) - n, "/%s", *key);
        snprintf(name + m, sizeof(name) - m, ".%s", *key);
        spec = json_object_get(spec, *key);
        if (spec == NULL || json_is_null(spec))
            return 0;
        if (!json_is_object(spec)) {
            set_err(err, "%s is not an object", name);
            return -1;
        }
    }
    for (size_t l = 0; l < sizeof(container_lists) / sizeof(container_lists[0]); l++) {
        const json_t *list = json_object_get(spec, container_lists[l]), *container;
        size_t i;

        if (list == NULL || json_is_null(list))
            continue;
        if (!json_is_array(list)) {
            set_err(err, "%s.%s is not an array", name, container_lists[l]);
            return -1;
        }
        json_array_foreach(list, i, container)
        {
            const json_t *image;
            char path[WH_IMAGE_PATH_MAX];
            size_t len;

            if (!json_is_object(container)) {
                set_err(err, "%s.%s[%zu] is not an object", name, container_lists[l], i);
                return -1;
            }
            image = json_object_get(container, "image");
            if (image == NULL || json_is_null(image))
                continue;
            if (!json_is_string(image)) {
                set_err(err, "%s.%s[%zu].image is not a string", name, container_lists[l], i);
                return -1;
            }
            len = json_string_length(image);
            if (len == 0)
                continue;
            if (len >= WH_IMAGE_MAX) {
                set_err(err, "%s.%s[%zu].image is longer than %d bytes", name, container_lists[l],
                        i, WH_IMAGE_MAX - 1);
                return -1;
            }
            if (out->count == WH_IMAGES_MAX) {
                set_err(err, "request.%s has more than %d images", which, WH_IMAGES_MAX);
                return -1;
            }
            /* At most 5 keys, a list name and an index below WH_IMAGES_MAX: it fits. */
            snprintf(path, sizeof(path), "%s/%s/%zu/image", pointer, container_lists[l], i);
            if (images_add(out, path, json_string_value(image), len) != 0) {
                set_err(err, "out of memory reading the images of request.%s", which);
                return -1;
            }
        }
    }
    return 0;
}

static int
images_equal(const struct images *a, const struct images *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->v[i].path, b->v[i].path) != 0 || strcmp(a->v[i].image, b->v[i].image) != 0)
            return 0;
    return 1;
}

static const struct kind_spec *
find_kind(const char *kind, const char *group)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0 && strcmp(kinds[i].group, group) == 0)
            return &kinds[i];
    return NULL;
}

/* The envelope and request.kind, request.operation and the scalar members. */
static const json_t *
parse_envelope(wh_review *out, const json_t *root, char err[WH_MESSAGE_MAX])
{
    const json_t *request, *kind, *dry_run;
    char text[256];

    if (get_string(text, sizeof(text), root, "apiVersion", "apiVersion", 1, err) != 0)
        return NULL;
    if (strcmp(text, API_VERSION) != 0) {
        set_err(err, "apiVersion \"" QUOTE "\" is not supported; use " API_VERSION, text);
        return NULL;
    }
    if (get_string(text, sizeof(text), root, "kind", "kind", 1, err) != 0)
        return NULL;
    if (strcmp(text, "AdmissionReview") != 0) {
        set_err(err, "kind \"" QUOTE "\" is not AdmissionReview", text);
        return NULL;
    }
    request = json_object_get(root, "request");
    if (request == NULL || json_is_null(request)) {
        set_err(err, "request is missing");
        return NULL;
    }
    if (!json_is_object(request)) {
        set_err(err, "request is not an object");
        return NULL;
    }
    if (get_string(out->uid, sizeof(out->uid), request, "uid", "request.uid", 1, err) != 0)
        return NULL;
    if (out->uid[0] == '\0') {
        set_err(err, "request.uid is empty");
        return NULL;
    }
    kind = json_object_get(request, "kind");
    if (kind == NULL || json_is_null(kind)) {
        set_err(err, "request.kind is missing");
        return NULL;
    }
    if (!json_is_object(kind)) {
        set_err(err, "request.kind is not an object");
        return NULL;
    }
    if (get_string(out->kind, sizeof(out->kind), kind, "kind", "request.kind.kind", 1, err) != 0 ||
        get_string(out->group, sizeof(out->group), kind, "group", "request.kind.group", 0, err) !=
            0 ||
        get_string(out->operation, sizeof(out->operation), request, "operation",
                   "request.operation", 1, err) != 0 ||
        get_string(out->namespace_, sizeof(out->namespace_), request, "namespace",
                   "request.namespace", 0, err) != 0 ||
        get_string(out->name, sizeof(out->name), request, "name", "request.name", 0, err) != 0 ||
        get_string(out->sub_resource, sizeof(out->sub_resource), request, "subResource",
                   "request.subResource", 0, err) != 0)
        return NULL;
    if (strcmp(out->operation, "CREATE") != 0 && strcmp(out->operation, "UPDATE") != 0 &&
        strcmp(out->operation, "DELETE") != 0 && strcmp(out->operation, "CONNECT") != 0) {
        set_err(err, "request.operation \"" QUOTE "\" is not CREATE, UPDATE, DELETE or CONNECT",
                out->operation);
        return NULL;
    }
    dry_run = json_object_get(request, "dryRun");
    if (dry_run != NULL && !json_is_null(dry_run)) {
        if (!json_is_boolean(dry_run)) {
            set_err(err, "request.dryRun is not a boolean");
            return NULL;
        }
        out->dry_run = json_is_true(dry_run);
    }
    return request;
}

wh_review_status
wh_review_parse(wh_review *out, char err[WH_MESSAGE_MAX], const void *body, size_t len)
{
    json_t *root = NULL;
    json_error_t jerr;
    const json_t *request, *object, *old = NULL;
    const struct kind_spec *ks;
    struct images found = {NULL, 0, 0}, old_found = {NULL, 0, 0};
    int update, deleted = 0;
    wh_review_status status = WH_REVIEW_BAD;

    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        set_err(err, "body is not JSON: %s at line %d column %d", jerr.text, jerr.line,
                jerr.column);
        goto out;
    }
    if (!json_is_object(root)) {
        set_err(err, "body is not a JSON object");
        goto out;
    }
    if ((request = parse_envelope(out, root, err)) == NULL)
        goto out;

    if (strcmp(out->operation, "DELETE") == 0 || strcmp(out->operation, "CONNECT") == 0) {
        out->skip = 1;
        out->skip_reason = out->operation[0] == 'D' ? "deletions are always allowed"
                                                    : "connections carry no images";
        status = WH_REVIEW_OK;
        goto out;
    }
    update = strcmp(out->operation, "UPDATE") == 0;
    if ((object = get_object(request, "object", out->operation, err)) == NULL ||
        (update && (old = get_object(request, "oldObject", out->operation, err)) == NULL))
        goto out;
    /* Only oldObject's deletionTimestamp counts: the API server set it. object's is the
     * client's own, which on CREATE the server clears only after the mutating webhooks ran. */
    if (old != NULL && being_deleted(&deleted, old, "oldObject", err) != 0)
        goto out;
    if (deleted) {
        out->skip = 1;
        out->skip_reason = "the object is being deleted (metadata.deletionTimestamp is set)";
        status = WH_REVIEW_OK;
        goto out;
    }
    if ((ks = find_kind(out->kind, out->group)) == NULL) {
        out->unsupported_kind = 1;
        status = WH_REVIEW_OK;
        goto out;
    }
    if (find_images(&found, object, "object", ks, err) != 0 ||
        (old != NULL && find_images(&old_found, old, "oldObject", ks, err) != 0))
        goto out;
    out->images_unchanged = old != NULL && images_equal(&found, &old_found);
    out->images = found.v;
    out->images_count = found.count;
    found.v = NULL; /* now owned by out */
    status = WH_REVIEW_OK;
out:
    free(old_found.v);
    free(found.v);
    json_decref(root);
    if (status != WH_REVIEW_OK)
        wh_review_free(out);
    return status;
}

void
wh_review_free(wh_review *review)
{
    if (review == NULL)
        return;
    free(review->images);
    review->images = NULL;
    review->images_count = 0;
}

/*
 * A message or warning as a JSON string: cut to WH_MESSAGE_MAX - 1 bytes (not inside a UTF-8
 * sequence) and, should it not be UTF-8, with its other bytes as '?'. NULL when out of memory.
 */
static json_t *
text_value(const char *s)
{
    char ascii[WH_MESSAGE_MAX];
    size_t len;
    json_t *v;

    if (s == NULL)
        s = "";
    len = strlen(s);
    if (len >= WH_MESSAGE_MAX) {
        len = WH_MESSAGE_MAX - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    if ((v = json_stringn(s, len)) != NULL)
        return v;
    for (size_t i = 0; i < len; i++)
        ascii[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    return json_stringn(ascii, len);
}

/* The base64 of the JSON Patch replacing each path's value. */
static json_t *
patch_value(const wh_patch_op *ops, size_t ops_count)
{
    json_t *patch = json_array(), *value = NULL;
    char *text = NULL;
    signet_buf b64 = SIGNET_BUF_INIT;
    signet_ctx ctx = {SIGNET_OK, ""}; /* the encoder's only error is out of memory */
    size_t len;

    for (size_t i = 0; patch != NULL && i < ops_count; i++) {
        json_t *op = json_object();

        if (json_array_append_new(patch, op) != 0 ||
            json_object_set_new(op, "op", json_string("replace")) != 0 ||
            json_object_set_new(op, "path", json_string(ops[i].path)) != 0 ||
            json_object_set_new(op, "value", json_string(ops[i].value)) != 0)
            goto out;
    }
    if (patch == NULL || (text = json_dumps(patch, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        goto out;
    len = strlen(text);
    signet_buf_init(&b64, (len + 2) / 3 * 4 + 1, 0); /* the encoder counts its NUL in */
    if (signet_base64__encode(&b64, &ctx, text, len) != SIGNET_OK)
        goto out;
    value = json_stringn(b64.ptr, b64.size);
out:
    signet_buf_dispose(&b64);
    free(text);
    json_decref(patch);
    return value;
}

char *
wh_response_build(const char *uid, int allowed, const char *message, const char *const *warnings,
                  size_t warnings_count, const wh_patch_op *ops, size_t ops_count)
{
    json_t *root = json_object(), *response = json_object(), *status, *list;
    char *body = NULL;

    if (root == NULL || response == NULL ||
        json_object_set_new(root, "apiVersion", json_string(API_VERSION)) != 0 ||
        json_object_set_new(root, "kind", json_string("AdmissionReview")) != 0 ||
        json_object_set(root, "response", response) != 0 ||
        json_object_set_new(response, "uid", json_string(uid != NULL ? uid : "")) != 0 ||
        json_object_set_new(response, "allowed", json_boolean(allowed)) != 0)
        goto out;
    if (!allowed) {
        status = json_object();
        if (json_object_set_new(response, "status", status) != 0 ||
            json_object_set_new(status, "code", json_integer(403)) != 0 ||
            json_object_set_new(status, "message", text_value(message)) != 0)
            goto out;
    }
    if (warnings_count > 0) {
        list = json_array();
        if (json_object_set_new(response, "warnings", list) != 0)
            goto out;
        for (size_t i = 0; i < warnings_count; i++)
            if (json_array_append_new(list, text_value(warnings[i])) != 0)
                goto out;
    }
    /* patchType only with patch: the API server refuses one without the other (Connaisseur
     * issue #1705). */
    if (ops_count > 0 &&
        (json_object_set_new(response, "patchType", json_string("JSONPatch")) != 0 ||
         json_object_set_new(response, "patch", patch_value(ops, ops_count)) != 0))
        goto out;
    body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(response);
    json_decref(root);
    return body;
}
