/*
 * wh_review_parse() (signet-webhook): the body of an AdmissionReview request as the API server
 * posts it, then wh_response_build() from what was found. A refused body is WH_REVIEW_BAD with a
 * one-line printable message and no images. An accepted one has a uid of 1 to 127 bytes, one of
 * the four operations, skip_reason exactly when skip, never both skip and unsupported_kind,
 * images only when neither, each a non-empty string at a JSON Pointer /spec/.../N/image, and
 * parsing it again finds the same. The response parses back as JSON with the envelope, the uid
 * echoed, status exactly when denied, the warnings given, and patchType exactly with a patch that
 * decodes to one replace operation per image, with its path and value.
 */
#include "fuzz_common.h"

#include "admission.h"

#include <jansson.h>

#define PIN "@sha256:0000000000000000000000000000000000000000000000000000000000000000"

static int
printable_line(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

static void
check_review(const wh_review *r)
{
    size_t uid_len = strlen(r->uid);

    FUZZ_CHECK(uid_len > 0 && uid_len < WH_UID_MAX);
    FUZZ_CHECK(strcmp(r->operation, "CREATE") == 0 || strcmp(r->operation, "UPDATE") == 0 ||
               strcmp(r->operation, "DELETE") == 0 || strcmp(r->operation, "CONNECT") == 0);
    FUZZ_CHECK(r->dry_run == 0 || r->dry_run == 1);
    FUZZ_CHECK((r->skip != 0) == (r->skip_reason != NULL));
    FUZZ_CHECK(!(r->skip && r->unsupported_kind));
    FUZZ_CHECK(r->images_count <= WH_IMAGES_MAX);
    FUZZ_CHECK((r->images_count == 0) == (r->images == NULL));
    if (r->skip || r->unsupported_kind)
        FUZZ_CHECK(r->images_count == 0 && !r->images_unchanged);
    if (r->images_unchanged)
        FUZZ_CHECK(strcmp(r->operation, "UPDATE") == 0);
    for (size_t i = 0; i < r->images_count; i++) {
        const char *path = r->images[i].path;
        size_t len = strlen(path);

        FUZZ_CHECK(r->images[i].image[0] != '\0');
        FUZZ_CHECK(strlen(r->images[i].image) < WH_IMAGE_MAX);
        FUZZ_CHECK(strncmp(path, "/spec/", 6) == 0);
        FUZZ_CHECK(len > 6 && len < WH_IMAGE_PATH_MAX - 1);
        FUZZ_CHECK(strcmp(path + len - 6, "/image") == 0);
        if (i > 0)
            FUZZ_CHECK(strcmp(path, r->images[i - 1].path) != 0);
    }
}

static void
check_same(const wh_review *a, const wh_review *b)
{
    FUZZ_CHECK(strcmp(a->uid, b->uid) == 0 && strcmp(a->kind, b->kind) == 0 &&
               strcmp(a->group, b->group) == 0 && strcmp(a->operation, b->operation) == 0 &&
               strcmp(a->namespace_, b->namespace_) == 0 && strcmp(a->name, b->name) == 0 &&
               strcmp(a->sub_resource, b->sub_resource) == 0);
    FUZZ_CHECK(a->dry_run == b->dry_run && a->skip == b->skip && a->skip_reason == b->skip_reason &&
               a->unsupported_kind == b->unsupported_kind &&
               a->images_unchanged == b->images_unchanged && a->images_count == b->images_count);
    for (size_t i = 0; i < a->images_count; i++)
        FUZZ_CHECK(strcmp(a->images[i].path, b->images[i].path) == 0 &&
                   strcmp(a->images[i].image, b->images[i].image) == 0);
}

static const char *
get_string(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    FUZZ_CHECK(s != NULL);
    return s;
}

/* The patch decodes to exactly one replace operation per op. */
static void
check_patch(const char *b64, const wh_patch_op *ops, size_t n)
{
    signet_buf text = SIGNET_BUF_INIT;
    signet_ctx *ctx = fuzz_begin();
    json_t *patch;

    signet_buf_init(&text, strlen(b64), 0);
    FUZZ_CHECK(signet_base64__decode(&text, ctx, b64, strlen(b64), "patch") == SIGNET_OK);
    patch = json_loadb(text.ptr, text.size, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(json_is_array(patch) && json_array_size(patch) == n);
    for (size_t i = 0; i < n; i++) {
        const json_t *op = json_array_get(patch, i);

        FUZZ_CHECK(json_object_size(op) == 3);
        FUZZ_CHECK(strcmp(get_string(op, "op"), "replace") == 0);
        FUZZ_CHECK(strcmp(get_string(op, "path"), ops[i].path) == 0);
        FUZZ_CHECK(strcmp(get_string(op, "value"), ops[i].value) == 0);
    }
    json_decref(patch);
    signet_buf_dispose(&text);
    signet_ctx_free(ctx);
}

static void
check_response(char *body, const char *uid, int allowed, const char *message,
               const char *const *warnings, size_t warnings_count, const wh_patch_op *ops,
               size_t ops_count)
{
    json_t *root, *response, *status, *list;
    size_t members = 2;

    FUZZ_CHECK(body != NULL);
    root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(json_is_object(root) && json_object_size(root) == 3);
    FUZZ_CHECK(strcmp(get_string(root, "apiVersion"), "admission.k8s.io/v1") == 0);
    FUZZ_CHECK(strcmp(get_string(root, "kind"), "AdmissionReview") == 0);
    response = json_object_get(root, "response");
    FUZZ_CHECK(json_is_object(response));
    FUZZ_CHECK(strcmp(get_string(response, "uid"), uid) == 0);
    FUZZ_CHECK(json_is_boolean(json_object_get(response, "allowed")) &&
               json_is_true(json_object_get(response, "allowed")) == allowed);
    status = json_object_get(response, "status");
    if (!allowed) {
        members++;
        FUZZ_CHECK(json_object_size(status) == 2);
        FUZZ_CHECK(json_integer_value(json_object_get(status, "code")) == 403);
        /* Printable ASCII below WH_MESSAGE_MAX goes through unchanged. */
        FUZZ_CHECK(strcmp(get_string(status, "message"), message) == 0);
    } else {
        FUZZ_CHECK(status == NULL);
    }
    list = json_object_get(response, "warnings");
    if (warnings_count > 0) {
        members++;
        FUZZ_CHECK(json_array_size(list) == warnings_count);
        for (size_t i = 0; i < warnings_count; i++)
            FUZZ_CHECK(strcmp(json_string_value(json_array_get(list, i)), warnings[i]) == 0);
    } else {
        FUZZ_CHECK(list == NULL);
    }
    FUZZ_CHECK((json_object_get(response, "patchType") != NULL) == (ops_count > 0));
    FUZZ_CHECK((json_object_get(response, "patch") != NULL) == (ops_count > 0));
    if (ops_count > 0) {
        members += 2;
        FUZZ_CHECK(strcmp(get_string(response, "patchType"), "JSONPatch") == 0);
        check_patch(get_string(response, "patch"), ops, ops_count);
    }
    FUZZ_CHECK(json_object_size(response) == members);
    json_decref(root);
    free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char values[WH_IMAGES_MAX][WH_IMAGE_MAX + sizeof(PIN)];
    static wh_patch_op ops[WH_IMAGES_MAX];
    const char *warnings[3];
    char err[WH_MESSAGE_MAX], again_err[WH_MESSAGE_MAX];
    wh_review r, again;
    size_t n_warnings = 0;
    int allowed;

    if (wh_review_parse(&r, err, fuzz_bytes(data), size) != WH_REVIEW_OK) {
        FUZZ_CHECK(err[0] != '\0' && printable_line(err));
        FUZZ_CHECK(r.images == NULL && r.images_count == 0);
        FUZZ_CHECK(wh_review_parse(&again, again_err, fuzz_bytes(data), size) == WH_REVIEW_BAD);
        FUZZ_CHECK(strcmp(err, again_err) == 0);
        check_response(wh_response_build("", 0, err, NULL, 0, NULL, 0), "", 0, err, NULL, 0, NULL,
                       0);
        return 0;
    }
    FUZZ_CHECK(err[0] == '\0');
    check_review(&r);
    FUZZ_CHECK(wh_review_parse(&again, again_err, fuzz_bytes(data), size) == WH_REVIEW_OK);
    check_same(&r, &again);
    wh_review_free(&again);

    /* Pin every image; warn about the first few; deny every other review. */
    for (size_t i = 0; i < r.images_count; i++) {
        snprintf(values[i], sizeof(values[i]), "%s" PIN, r.images[i].image);
        ops[i] = (wh_patch_op){r.images[i].path, values[i]};
        if (n_warnings < sizeof(warnings) / sizeof(warnings[0]))
            warnings[n_warnings++] = r.images[i].image;
    }
    allowed = !r.unsupported_kind && r.images_count % 2 == 0;
    check_response(wh_response_build(r.uid, allowed, "image is not signed", warnings, n_warnings,
                                     ops, r.images_count),
                   r.uid, allowed, "image is not signed", warnings, n_warnings, ops,
                   r.images_count);
    wh_review_free(&r);
    FUZZ_CHECK(r.images == NULL && r.images_count == 0);
    return 0;
}
