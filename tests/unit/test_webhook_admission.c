#include "admission.h"
#include "harness.h"
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>

#ifndef WEBHOOK_DATA
#error "WEBHOOK_DATA (tests/data/webhook) is set by CMake"
#endif

#define DIGEST "sha256:0e0ac7a2bd7d1e4d1bb4e5b3a1a6f0c2f5d4c4e1e3b1b7a2f8a9c6d5e4f3a2b1"

/* ---- helpers ---- */

static void
read_review(signet_buf *out, const char *file)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/reviews/%s", WEBHOOK_DATA, file);
    harness_read(out, path);
}

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (got_ == NULL || strcmp(got_, want_) != 0)                                              \
            harness_fail(__FILE__, __LINE__, "%s is '%s', want '%s'", #got,                        \
                         got_ ? got_ : "(null)", want_);                                           \
    } while (0)

/* The review is refused with exactly @p message. */
static void
check_bad(int line, const char *body, size_t len, const char *message)
{
    wh_review r;
    char err[WH_MESSAGE_MAX];
    wh_review_status st = wh_review_parse(&r, err, body, len);

    if (st != WH_REVIEW_BAD)
        harness_fail(__FILE__, line, "parse returned %d, want WH_REVIEW_BAD (%s)", st, message);
    else if (strcmp(err, message) != 0)
        harness_fail(__FILE__, line, "message '%s', want '%s'", err, message);
    if (r.images != NULL || r.images_count != 0)
        harness_fail(__FILE__, line, "images left after a refusal");
    wh_review_free(&r);
}

#define CHECK_BAD(body, message) check_bad(__LINE__, (body), strlen(body), (message))

static wh_review_status
parse_text(wh_review *r, char err[WH_MESSAGE_MAX], const char *body)
{
    wh_review_status st = wh_review_parse(r, err, body, strlen(body));

    if (st != WH_REVIEW_OK)
        harness_fail(__FILE__, __LINE__, "parse: %s", err);
    return st;
}

/* A v1 review around @p request members (no braces). */
static char *
review_with(const char *request)
{
    static char body[64 * 1024];

    snprintf(body, sizeof(body),
             "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
             "\"request\":{%s}}",
             request);
    return body;
}

/* A CREATE of @p kind (group @p group) whose object is @p object. */
static char *
create_with(const char *group, const char *kind, const char *object)
{
    char request[60 * 1024];

    snprintf(request, sizeof(request),
             "\"uid\":\"u-1\",\"kind\":{\"group\":\"%s\",\"version\":\"v1\",\"kind\":\"%s\"},"
             "\"operation\":\"CREATE\",\"namespace\":\"ns\",\"object\":%s",
             group, kind, object);
    return review_with(request);
}

/* ---- fixtures ---- */

struct image_want {
    const char *path, *image;
};

struct fixture {
    const char *file, *uid, *kind, *group, *operation, *namespace_, *name, *sub_resource;
    int dry_run, skip, unsupported_kind, images_unchanged;
    const char *skip_reason;
    struct image_want images[5];
};

#define POD_IMAGES                                                                                 \
    {"/spec/containers/0/image", "REGISTRY/team/app:v1"},                                          \
        {"/spec/containers/1/image", "REGISTRY/team/sidecar:v2"},                                  \
    {                                                                                              \
        "/spec/initContainers/0/image", "REGISTRY/team/init@" DIGEST                               \
    }

static const struct fixture fixtures[] = {
    {"pod-create.json",
     "705ab4f5-6393-11e8-b7cc-42010a800002",
     "Pod",
     "",
     "CREATE",
     "default",
     "demo",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {POD_IMAGES}},
    {"pod-create-dryrun.json",
     "5c6d7e8f-90a1-4b2c-9d3e-4f5a6b7c8d9e",
     "Pod",
     "",
     "CREATE",
     "default",
     "try",
     "",
     1,
     0,
     0,
     0,
     NULL,
     {{"/spec/containers/0/image", "REGISTRY/team/app:v2"}}},
    {"deployment-create.json",
     "a3b1c2d4-0f5e-4e8a-9c1b-2d3e4f5a6b7c",
     "Deployment",
     "apps",
     "CREATE",
     "team-a",
     "web",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/app:v1"}}},
    {"replicaset-create.json",
     "2c3d4e5f-6071-4829-8a1b-2c3d4e5f6071",
     "ReplicaSet",
     "apps",
     "CREATE",
     "team-a",
     "web-7d4b9c8f6d",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/app:v1"}}},
    {"statefulset-create.json",
     "5e4d3c2b-1a09-4f8e-8d7c-6b5a4f3e2d1c",
     "StatefulSet",
     "apps",
     "CREATE",
     "team-a",
     "db",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/db:15.4"}}},
    {"daemonset-create.json",
     "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
     "DaemonSet",
     "apps",
     "CREATE",
     "kube-system",
     "node-agent",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/infra/node-agent:1.8.2"}}},
    {"job-create.json",
     "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6",
     "Job",
     "batch",
     "CREATE",
     "team-a",
     "nightly-28650420",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/report:2024.06"},
      {"/spec/template/spec/initContainers/0/image", "REGISTRY/team/fetch:v3"}}},
    {"replicationcontroller-create.json",
     "3d4e5f60-7182-493a-8b2c-3d4e5f607182",
     "ReplicationController",
     "",
     "CREATE",
     "default",
     "legacy",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/legacy:latest"}}},
    {"cronjob-create.json",
     "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
     "CronJob",
     "batch",
     "CREATE",
     "team-a",
     "nightly",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/jobTemplate/spec/template/spec/containers/0/image", "REGISTRY/team/report:2024.06"},
      {"/spec/jobTemplate/spec/template/spec/initContainers/0/image", "REGISTRY/team/fetch:v3"}}},
    {"pod-ephemeralcontainers-update.json",
     "4b5c6d7e-8f90-4a1b-8c2d-3e4f5a6b7c8d",
     "Pod",
     "",
     "UPDATE",
     "default",
     "demo",
     "ephemeralcontainers",
     0,
     0,
     0,
     0,
     NULL,
     {POD_IMAGES, {"/spec/ephemeralContainers/0/image", "REGISTRY/tools/busybox:1.36"}}},
    {"deployment-update-unchanged.json",
     "6d7e8f90-a1b2-4c3d-8e4f-5a6b7c8d9e0f",
     "Deployment",
     "apps",
     "UPDATE",
     "team-a",
     "web",
     "",
     0,
     0,
     0,
     1,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/app:v1"}}},
    {"deployment-update-image.json",
     "7e8f90a1-b2c3-4d4e-9f50-6a7b8c9d0e1f",
     "Deployment",
     "apps",
     "UPDATE",
     "team-a",
     "web",
     "",
     0,
     0,
     0,
     0,
     NULL,
     {{"/spec/template/spec/containers/0/image", "REGISTRY/team/app:v2"}}},
    {"pod-update-deleting.json",
     "8f90a1b2-c3d4-4e5f-a061-7b8c9d0e1f2a",
     "Pod",
     "",
     "UPDATE",
     "default",
     "demo",
     "",
     0,
     1,
     0,
     0,
     "the object is being deleted (metadata.deletionTimestamp is set)",
     {{NULL, NULL}}},
    {"pod-delete.json",
     "90a1b2c3-d4e5-4f60-b172-8c9d0e1f2a3b",
     "Pod",
     "",
     "DELETE",
     "default",
     "demo",
     "",
     0,
     1,
     0,
     0,
     "deletions are always allowed",
     {{NULL, NULL}}},
    {"configmap-create.json",
     "a1b2c3d4-e5f6-4071-8283-9d0e1f2a3b4c",
     "ConfigMap",
     "",
     "CREATE",
     "team-a",
     "settings",
     "",
     0,
     0,
     1,
     0,
     NULL,
     {{NULL, NULL}}},
};

static void
test_webhook_admission__fixtures(void)
{
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        const struct fixture *f = &fixtures[i];
        signet_buf body = SIGNET_BUF_INIT;
        wh_review r;
        char err[WH_MESSAGE_MAX];
        size_t n = 0;

        read_review(&body, f->file);
        if (wh_review_parse(&r, err, body.ptr, body.size) != WH_REVIEW_OK) {
            harness_fail(__FILE__, __LINE__, "%s: %s", f->file, err);
            signet_buf_dispose(&body);
            continue;
        }
        while (n < 5 && f->images[n].path != NULL)
            n++;
        CHECK_STR(err, "");
        CHECK_STR(r.uid, f->uid);
        CHECK_STR(r.kind, f->kind);
        CHECK_STR(r.group, f->group);
        CHECK_STR(r.operation, f->operation);
        CHECK_STR(r.namespace_, f->namespace_);
        CHECK_STR(r.name, f->name);
        CHECK_STR(r.sub_resource, f->sub_resource);
        if (r.dry_run != f->dry_run || r.skip != f->skip ||
            r.unsupported_kind != f->unsupported_kind ||
            r.images_unchanged != f->images_unchanged || r.images_count != n)
            harness_fail(__FILE__, __LINE__,
                         "%s: dry_run %d skip %d unsupported %d unchanged %d images %zu, want "
                         "%d %d %d %d %zu",
                         f->file, r.dry_run, r.skip, r.unsupported_kind, r.images_unchanged,
                         r.images_count, f->dry_run, f->skip, f->unsupported_kind,
                         f->images_unchanged, n);
        if (f->skip_reason != NULL)
            CHECK_STR(r.skip_reason, f->skip_reason);
        else
            CHECK(r.skip_reason == NULL);
        CHECK((n == 0) == (r.images == NULL));
        for (size_t k = 0; k < n && k < r.images_count; k++) {
            CHECK_STR(r.images[k].path, f->images[k].path);
            CHECK_STR(r.images[k].image, f->images[k].image);
        }
        wh_review_free(&r);
        CHECK(r.images == NULL && r.images_count == 0);
        signet_buf_dispose(&body);
    }
}

static void
test_webhook_admission__bad_fixtures(void)
{
    signet_buf body = SIGNET_BUF_INIT;

    read_review(&body, "bad-v1beta1.json");
    check_bad(__LINE__, body.ptr, body.size,
              "apiVersion \"admission.k8s.io/v1beta1\" is not supported; use admission.k8s.io/v1");
    signet_buf_dispose(&body);
    read_review(&body, "bad-malformed.json");
    check_bad(__LINE__, body.ptr, body.size,
              "body is not JSON: premature end of input near '\"name' at line 1 column 1957");
    signet_buf_dispose(&body);
}

/* ---- refusals, one per message ---- */

#define KIND_POD "\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"}"

static void
test_webhook_admission__bad_envelope(void)
{
    char uid[200];

    CHECK_BAD("", "body is not JSON: '[' or '{' expected near end of file at line 1 column 0");
    CHECK_BAD("{\"a\":1} x", "body is not JSON: end of file expected near 'x' at line 1 column 9");
    CHECK_BAD("{\"a\":1,\"a\":2}",
              "body is not JSON: duplicate object key near '\"a\"' at line 1 column 10");
    CHECK_BAD("{\"a\":\"\n\"}",
              "body is not JSON: unexpected newline near '\"' at line 1 column 6");
    CHECK_BAD("[]", "body is not a JSON object");
    CHECK_BAD("{}", "apiVersion is missing");
    CHECK_BAD("{\"apiVersion\":1}", "apiVersion is not a string");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
              "apiVersion \"admission.k8s.io/v1beta1\" is not supported; use "
              "admission.k8s.io/v1");
    CHECK_BAD("{\"apiVersion\":\"v\\u00e9\\n\"}",
              "apiVersion \"v??\?\" is not supported; use admission.k8s.io/v1");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1\"}", "kind is missing");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}",
              "kind \"Pod\" is not AdmissionReview");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
              "request is missing");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
              "\"request\":null,\"response\":{\"uid\":\"x\",\"allowed\":true}}",
              "request is missing");
    CHECK_BAD("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
              "\"request\":[]}",
              "request is not an object");
    CHECK_BAD(review_with(KIND_POD), "request.uid is missing");
    CHECK_BAD(review_with("\"uid\":7"), "request.uid is not a string");
    CHECK_BAD(review_with("\"uid\":\"\""), "request.uid is empty");
    memset(uid, 'a', 128);
    uid[128] = '\0';
    {
        char req[512];

        snprintf(req, sizeof(req), "\"uid\":\"%s\"", uid);
        CHECK_BAD(review_with(req), "request.uid is longer than 127 bytes");
    }
    CHECK_BAD(review_with("\"uid\":\"u\""), "request.kind is missing");
    CHECK_BAD(review_with("\"uid\":\"u\",\"kind\":\"Pod\""), "request.kind is not an object");
    CHECK_BAD(review_with("\"uid\":\"u\",\"kind\":{\"group\":\"\"}"),
              "request.kind.kind is missing");
    CHECK_BAD(review_with("\"uid\":\"u\",\"kind\":{\"kind\":[]}"),
              "request.kind.kind is not a string");
    CHECK_BAD(review_with("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\",\"group\":false}"),
              "request.kind.group is not a string");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD), "request.operation is missing");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"PATCH\""),
              "request.operation \"PATCH\" is not CREATE, UPDATE, DELETE or CONNECT");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"create\""),
              "request.operation \"create\" is not CREATE, UPDATE, DELETE or CONNECT");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"namespace\":1"),
              "request.namespace is not a string");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"name\":{}"),
              "request.name is not a string");
    CHECK_BAD(
        review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"subResource\":true"),
        "request.subResource is not a string");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"dryRun\":\"yes\""),
              "request.dryRun is not a boolean");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\""),
              "request.object is missing for CREATE");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"object\":null"),
              "request.object is missing for CREATE");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"object\":[]"),
              "request.object is not an object");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{}"),
              "request.oldObject is missing for UPDATE");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD
                          ",\"operation\":\"UPDATE\",\"object\":{},\"oldObject\":\"x\""),
              "request.oldObject is not an object");
}

static void
test_webhook_admission__bad_objects(void)
{
    CHECK_BAD(
        review_with("\"uid\":\"u\"," KIND_POD
                    ",\"operation\":\"UPDATE\",\"object\":{},\"oldObject\":{\"metadata\":[]}"),
        "request.oldObject.metadata is not an object");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{},"
                          "\"oldObject\":{\"metadata\":{\"deletionTimestamp\":1}}"),
              "request.oldObject.metadata.deletionTimestamp is not a string");
    CHECK_BAD(create_with("", "Pod", "{\"spec\":[]}"), "request.object.spec is not an object");
    CHECK_BAD(create_with("apps", "Deployment", "{\"spec\":{\"template\":\"x\"}}"),
              "request.object.spec.template is not an object");
    CHECK_BAD(create_with("batch", "CronJob",
                          "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":1}}}}}"),
              "request.object.spec.jobTemplate.spec.template.spec is not an object");
    CHECK_BAD(create_with("", "Pod", "{\"spec\":{\"containers\":{}}}"),
              "request.object.spec.containers is not an array");
    CHECK_BAD(create_with("", "Pod", "{\"spec\":{\"initContainers\":[{},\"x\"]}}"),
              "request.object.spec.initContainers[1] is not an object");
    CHECK_BAD(create_with("", "Pod", "{\"spec\":{\"ephemeralContainers\":[{\"image\":[]}]}}"),
              "request.object.spec.ephemeralContainers[0].image is not a string");
    CHECK_BAD(create_with("apps", "DaemonSet",
                          "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":1}]}}}}"),
              "request.object.spec.template.spec.containers[0].image is not a string");
    /* The old object is read as the new one. */
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{},"
                          "\"oldObject\":{\"spec\":{\"containers\":[{\"image\":true}]}}"),
              "request.oldObject.spec.containers[0].image is not a string");
    CHECK_BAD(review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{},"
                          "\"oldObject\":{\"metadata\":\"m\"}"),
              "request.oldObject.metadata is not an object");
}

/* ---- limits ---- */

static void
test_webhook_admission__limits(void)
{
    static char object[WH_IMAGES_MAX * 32 + 4096], image[WH_IMAGE_MAX + 1], req[WH_IMAGE_MAX + 512];
    wh_review r;
    char err[WH_MESSAGE_MAX];
    size_t n;

    /* uid of 127 bytes: the most there is room for. */
    memset(image, 'u', 127);
    image[127] = '\0';
    snprintf(req, sizeof(req), "\"uid\":\"%s\"," KIND_POD ",\"operation\":\"DELETE\"", image);
    if (parse_text(&r, err, review_with(req)) == WH_REVIEW_OK)
        CHECK(strlen(r.uid) == 127 && r.skip);
    wh_review_free(&r);

    /* An image of WH_IMAGE_MAX - 1 bytes is taken, one more is refused. */
    memset(image, 'i', WH_IMAGE_MAX - 1);
    image[WH_IMAGE_MAX - 1] = '\0';
    snprintf(object, sizeof(object), "{\"spec\":{\"containers\":[{\"image\":\"%s\"}]}}", image);
    if (parse_text(&r, err, create_with("", "Pod", object)) == WH_REVIEW_OK)
        CHECK(r.images_count == 1 && strcmp(r.images[0].image, image) == 0);
    wh_review_free(&r);
    image[WH_IMAGE_MAX - 1] = 'i';
    image[WH_IMAGE_MAX] = '\0';
    snprintf(object, sizeof(object), "{\"spec\":{\"containers\":[{\"image\":\"%s\"}]}}", image);
    CHECK_BAD(create_with("", "Pod", object),
              "request.object.spec.containers[0].image is longer than 1023 bytes");

    /* WH_IMAGES_MAX images over the three lists are taken; one more is refused. */
    for (int extra = 0; extra <= 1; extra++) {
        n = (size_t)snprintf(object, sizeof(object), "{\"spec\":{\"containers\":[");
        for (int i = 0; i < WH_IMAGES_MAX - 2 + extra; i++)
            n += (size_t)snprintf(object + n, sizeof(object) - n, "%s{\"image\":\"r/c%d\"}",
                                  i ? "," : "", i);
        n += (size_t)snprintf(
            object + n, sizeof(object) - n,
            "],\"initContainers\":[{\"image\":\"r/i\"}],"
            "\"ephemeralContainers\":[{\"name\":\"no-image\"},{\"image\":\"r/e\"}]}}");
        CHECK(n < sizeof(object));
        if (extra) {
            CHECK_BAD(create_with("", "Pod", object), "request.object has more than 512 images");
            continue;
        }
        if (parse_text(&r, err, create_with("", "Pod", object)) == WH_REVIEW_OK &&
            r.images_count == WH_IMAGES_MAX) {
            CHECK_STR(r.images[509].path, "/spec/containers/509/image");
            CHECK_STR(r.images[509].image, "r/c509");
            CHECK_STR(r.images[510].path, "/spec/initContainers/0/image");
            CHECK_STR(r.images[511].path, "/spec/ephemeralContainers/1/image");
            CHECK_STR(r.images[511].image, "r/e");
        } else {
            harness_fail(__FILE__, __LINE__, "%zu images", r.images_count);
        }
        wh_review_free(&r);
    }
}

/* ---- what is found, and what is skipped ---- */

static void
test_webhook_admission__images(void)
{
    wh_review r;
    char err[WH_MESSAGE_MAX];

    /* Containers without an image, or with "" or null, have nothing to check. */
    if (parse_text(
            &r, err,
            create_with("apps", "Deployment",
                        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"},"
                        "{\"image\":\"\"},{\"image\":null},{\"image\":\"x/y:1\"}]}}}}")) ==
        WH_REVIEW_OK) {
        CHECK(r.images_count == 1 && !r.skip && !r.unsupported_kind && !r.images_unchanged);
        CHECK_STR(r.images[0].path, "/spec/template/spec/containers/3/image");
        CHECK_STR(r.images[0].image, "x/y:1");
    }
    wh_review_free(&r);
    /* Nothing where the pod spec would be: no images, not an error. */
    if (parse_text(&r, err, create_with("batch", "CronJob", "{\"spec\":{\"jobTemplate\":null}}")) ==
        WH_REVIEW_OK)
        CHECK(r.images_count == 0 && r.images == NULL && !r.skip && !r.unsupported_kind);
    wh_review_free(&r);
    /* A known kind in another group, or an unknown kind: unsupported, nothing read. */
    if (parse_text(&r, err,
                   create_with("extensions", "Deployment",
                               "{\"spec\":{\"template\":{\"spec\":{\"containers\":7}}}}")) ==
        WH_REVIEW_OK) {
        CHECK(r.unsupported_kind && !r.skip && r.images_count == 0);
        CHECK_STR(r.group, "extensions");
    }
    wh_review_free(&r);
    if (parse_text(&r, err, create_with("example.com", "Widget", "{}")) == WH_REVIEW_OK)
        CHECK(r.unsupported_kind && !r.skip && r.images_count == 0);
    wh_review_free(&r);
    /* Without request.kind.group (not what an API server sends) the group is "". */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"},\"operation\":"
                               "\"CREATE\",\"object\":{\"spec\":{\"containers\":[{\"image\":"
                               "\"a\"}]}},\"dryRun\":null")) == WH_REVIEW_OK) {
        CHECK(!r.unsupported_kind && r.images_count == 1 && !r.dry_run);
        CHECK_STR(r.group, "");
        CHECK_STR(r.namespace_, "");
        CHECK_STR(r.name, "");
    }
    wh_review_free(&r);
}

static void
test_webhook_admission__skip(void)
{
    wh_review r;
    char err[WH_MESSAGE_MAX];

    /* CONNECT (pods/exec ...): nothing to check, even for a kind we do not know. */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\","
                               "\"kind\":\"PodExecOptions\"},\"subResource\":\"exec\","
                               "\"operation\":\"CONNECT\",\"object\":{}")) == WH_REVIEW_OK) {
        CHECK(r.skip && !r.unsupported_kind && r.images_count == 0);
        CHECK_STR(r.skip_reason, "connections carry no images");
        CHECK_STR(r.sub_resource, "exec");
    }
    wh_review_free(&r);
    /* DELETE of a kind we do not know: skip wins. */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\","
                               "\"kind\":\"ConfigMap\"},\"operation\":\"DELETE\",\"object\":"
                               "null,\"oldObject\":{}")) == WH_REVIEW_OK)
        CHECK(r.skip && !r.unsupported_kind);
    wh_review_free(&r);
    /* A CREATE whose object claims a deletionTimestamp is checked: the client wrote it, and the
     * API server clears it only after the mutating webhooks ran. */
    if (parse_text(&r, err,
                   create_with("", "Pod",
                               "{\"metadata\":{\"deletionTimestamp\":\"2024-06-20T10:02:41Z\"},"
                               "\"spec\":{\"containers\":[{\"image\":\"a\"}]}}")) == WH_REVIEW_OK)
        CHECK(!r.skip && r.images_count == 1);
    wh_review_free(&r);
    /* So is an UPDATE that sets one when the stored object has none. */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":"
                               "{\"metadata\":{\"deletionTimestamp\":\"t\"},\"spec\":{"
                               "\"containers\":[{\"image\":\"b\"}]}},\"oldObject\":{}")) ==
        WH_REVIEW_OK)
        CHECK(!r.skip && r.images_count == 1);
    wh_review_free(&r);
    /* An UPDATE whose stored object is being deleted is not. */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{},"
                               "\"oldObject\":{\"metadata\":{\"deletionTimestamp\":\"t\"}}")) ==
        WH_REVIEW_OK)
        CHECK(r.skip);
    wh_review_free(&r);
    /* A null or empty deletionTimestamp is not set. */
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":"
                               "{\"spec\":{\"containers\":[{\"image\":\"a\"}]}},\"oldObject\":"
                               "{\"metadata\":{\"deletionTimestamp\":null}}")) == WH_REVIEW_OK)
        CHECK(!r.skip && r.images_count == 1 && r.skip_reason == NULL);
    wh_review_free(&r);
    if (parse_text(&r, err,
                   review_with("\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":{},"
                               "\"oldObject\":{\"metadata\":{\"deletionTimestamp\":\"\"}}")) ==
        WH_REVIEW_OK)
        CHECK(!r.skip);
    wh_review_free(&r);
}

static void
test_webhook_admission__unchanged(void)
{
    static const struct {
        const char *object, *old;
        int unchanged;
    } cases[] = {
        {"{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}", 1},
        {"{}", "{\"spec\":null}", 1},
        /* The same images at other paths are a change: the patch paths differ. */
        {"{\"spec\":{\"containers\":[{\"image\":\"b\"},{\"image\":\"a\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}", 0},
        {"{\"spec\":{\"initContainers\":[{\"image\":\"a\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}", 0},
        {"{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}", 0},
        {"{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}", 0},
        {"{\"spec\":{\"containers\":[{\"image\":\"a:2\"}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a:1\"}]}}", 0},
        /* Other fields do not count. */
        {"{\"spec\":{\"containers\":[{\"image\":\"a\",\"args\":[\"2\"]}]}}",
         "{\"spec\":{\"containers\":[{\"image\":\"a\",\"args\":[\"1\"]}]}}", 1},
    };
    char req[2048];
    wh_review r;
    char err[WH_MESSAGE_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(req, sizeof(req),
                 "\"uid\":\"u\"," KIND_POD ",\"operation\":\"UPDATE\",\"object\":%s,"
                 "\"oldObject\":%s",
                 cases[i].object, cases[i].old);
        if (parse_text(&r, err, review_with(req)) == WH_REVIEW_OK &&
            r.images_unchanged != cases[i].unchanged)
            harness_fail(__FILE__, __LINE__, "case %zu: unchanged %d", i, r.images_unchanged);
        wh_review_free(&r);
    }
    /* CREATE is never "unchanged", even with an oldObject. */
    snprintf(req, sizeof(req),
             "\"uid\":\"u\"," KIND_POD ",\"operation\":\"CREATE\",\"object\":%s,"
             "\"oldObject\":%s",
             cases[0].object, cases[0].old);
    if (parse_text(&r, err, review_with(req)) == WH_REVIEW_OK)
        CHECK(!r.images_unchanged && r.images_count == 2);
    wh_review_free(&r);
    if (parse_text(&r, err, create_with("", "Pod", "{}")) == WH_REVIEW_OK)
        CHECK(!r.images_unchanged && r.images_count == 0);
    wh_review_free(&r);
}

/* ---- responses ---- */

/* Parse a built response; checks the envelope and that response has exactly @p keys. */
static json_t *
parse_response(int line, char *body, const char *uid, int allowed, const char *const *keys)
{
    json_error_t jerr;
    json_t *root, *response;
    size_t n = 0;

    if (body == NULL) {
        harness_fail(__FILE__, line, "no response");
        return NULL;
    }
    root = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    free(body);
    if (root == NULL) {
        harness_fail(__FILE__, line, "response is not JSON: %s", jerr.text);
        return NULL;
    }
    response = json_object_get(root, "response");
    if (json_object_size(root) != 3 || !json_is_string(json_object_get(root, "apiVersion")) ||
        strcmp(json_string_value(json_object_get(root, "apiVersion")), "admission.k8s.io/v1") !=
            0 ||
        !json_is_string(json_object_get(root, "kind")) ||
        strcmp(json_string_value(json_object_get(root, "kind")), "AdmissionReview") != 0 ||
        !json_is_object(response))
        harness_fail(__FILE__, line, "bad envelope");
    if (!json_is_string(json_object_get(response, "uid")) ||
        strcmp(json_string_value(json_object_get(response, "uid")), uid) != 0)
        harness_fail(__FILE__, line, "uid not echoed");
    if (!json_is_boolean(json_object_get(response, "allowed")) ||
        json_is_true(json_object_get(response, "allowed")) != allowed)
        harness_fail(__FILE__, line, "allowed is not %d", allowed);
    for (; keys[n] != NULL; n++)
        if (json_object_get(response, keys[n]) == NULL)
            harness_fail(__FILE__, line, "response.%s is missing", keys[n]);
    if (json_object_size(response) != n)
        harness_fail(__FILE__, line, "response has %zu members, want %zu",
                     json_object_size(response), n);
    return root;
}

static const char *
member_string(const json_t *root, const char *a, const char *b)
{
    const json_t *v = json_object_get(json_object_get(root, "response"), a);

    if (b != NULL)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static void
test_webhook_admission__response_plain(void)
{
    static const char *const allowed_keys[] = {"uid", "allowed", NULL};
    static const char *const denied_keys[] = {"uid", "allowed", "status", NULL};
    static const char *const warned_keys[] = {"uid", "allowed", "warnings", NULL};
    const char *warnings[] = {"detection mode active", "image 'REGISTRY/team/x:1' is not signed"};
    json_t *root, *status, *list;

    root = parse_response(__LINE__, wh_response_build("u-1", 1, "ignored", NULL, 0, NULL, 0), "u-1",
                          1, allowed_keys);
    json_decref(root);
    /* Nothing parsed: an empty uid is echoed. */
    root = parse_response(__LINE__, wh_response_build("", 1, NULL, NULL, 0, NULL, 0), "", 1,
                          allowed_keys);
    json_decref(root);
    root = parse_response(__LINE__, wh_response_build(NULL, 1, NULL, NULL, 0, NULL, 0), "", 1,
                          allowed_keys);
    json_decref(root);

    root = parse_response(__LINE__,
                          wh_response_build("u-2", 0, "image 'a' is not signed", NULL, 0, NULL, 0),
                          "u-2", 0, denied_keys);
    status = json_object_get(json_object_get(root, "response"), "status");
    CHECK(json_object_size(status) == 2);
    CHECK(json_is_integer(json_object_get(status, "code")) &&
          json_integer_value(json_object_get(status, "code")) == 403);
    CHECK_STR(member_string(root, "status", "message"), "image 'a' is not signed");
    json_decref(root);
    root = parse_response(__LINE__, wh_response_build("u-3", 0, NULL, NULL, 0, NULL, 0), "u-3", 0,
                          denied_keys);
    CHECK_STR(member_string(root, "status", "message"), "");
    json_decref(root);

    root = parse_response(__LINE__, wh_response_build("u-4", 1, NULL, warnings, 2, NULL, 0), "u-4",
                          1, warned_keys);
    list = json_object_get(json_object_get(root, "response"), "warnings");
    CHECK(json_array_size(list) == 2);
    CHECK_STR(json_string_value(json_array_get(list, 0)), warnings[0]);
    CHECK_STR(json_string_value(json_array_get(list, 1)), warnings[1]);
    json_decref(root);
    /* Denied with warnings (audit of another image, say). */
    root = parse_response(__LINE__, wh_response_build("u-5", 0, "no", warnings, 1, NULL, 0), "u-5",
                          0, (const char *const[]){"uid", "allowed", "status", "warnings", NULL});
    json_decref(root);
}

static void
test_webhook_admission__response_text(void)
{
    static const char *const denied_keys[] = {"uid", "allowed", "status", NULL};
    char long_message[WH_MESSAGE_MAX + 100];
    const char *got;
    json_t *root;

    /* Not UTF-8: the other bytes become '?'. Control characters are escaped by JSON. */
    root =
        parse_response(__LINE__, wh_response_build("u", 0, "bad \xff\xfe name\n", NULL, 0, NULL, 0),
                       "u", 0, denied_keys);
    CHECK_STR(member_string(root, "status", "message"), "bad ?? name\n");
    json_decref(root);
    root = parse_response(__LINE__, wh_response_build("u", 0, "caf\xc3\xa9", NULL, 0, NULL, 0), "u",
                          0, denied_keys);
    CHECK_STR(member_string(root, "status", "message"), "caf\xc3\xa9");
    json_decref(root);

    /* Cut to WH_MESSAGE_MAX - 1 bytes, never inside a character. */
    memset(long_message, 'm', sizeof(long_message) - 1);
    long_message[sizeof(long_message) - 1] = '\0';
    root = parse_response(__LINE__, wh_response_build("u", 0, long_message, NULL, 0, NULL, 0), "u",
                          0, denied_keys);
    got = member_string(root, "status", "message");
    CHECK(got != NULL && strlen(got) == WH_MESSAGE_MAX - 1);
    json_decref(root);
    memcpy(long_message + WH_MESSAGE_MAX - 2, "\xc3\xa9", 2); /* é across the limit */
    root = parse_response(__LINE__, wh_response_build("u", 0, long_message, NULL, 0, NULL, 0), "u",
                          0, denied_keys);
    got = member_string(root, "status", "message");
    CHECK(got != NULL && strlen(got) == WH_MESSAGE_MAX - 2);
    json_decref(root);
}

/* The response's patch decodes to exactly @p want. */
static void
check_patch(int line, json_t *root, const char *want)
{
    signet_buf json = SIGNET_BUF_INIT;
    const char *b64 = member_string(root, "patch", NULL);

    CHECK_STR(member_string(root, "patchType", NULL), "JSONPatch");
    if (b64 == NULL) {
        harness_fail(__FILE__, line, "no patch");
        return;
    }
    signet_buf_init(&json, 64 * 1024, 0);
    if (signet_base64__decode(&json, harness_ctx, b64, strlen(b64), "patch") != SIGNET_OK)
        harness_fail(__FILE__, line, "%s", signet_ctx_error(harness_ctx));
    else if (strcmp(json.ptr, want) != 0)
        harness_fail(__FILE__, line, "patch '%s', want '%s'", json.ptr, want);
    signet_buf_dispose(&json);
}

static void
test_webhook_admission__response_patch(void)
{
    static const char *const patched_keys[] = {"uid", "allowed", "patchType", "patch", NULL};
    const wh_patch_op one[] = {{"/spec/containers/0/image", "REGISTRY/team/app@" DIGEST}};
    signet_buf body = SIGNET_BUF_INIT;
    wh_patch_op ops[5];
    const char *warning = "pinned";
    char err[WH_MESSAGE_MAX];
    wh_review r;
    json_t *root;

    root = parse_response(__LINE__, wh_response_build("u-p", 1, NULL, NULL, 0, one, 1), "u-p", 1,
                          patched_keys);
    check_patch(__LINE__, root,
                "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":"
                "\"REGISTRY/team/app@" DIGEST "\"}]");
    /* The exact base64 (standard alphabet, padded) of that patch. */
    CHECK_STR(member_string(root, "patch", NULL),
              "W3sib3AiOiJyZXBsYWNlIiwicGF0aCI6Ii9zcGVjL2NvbnRhaW5lcnMvMC9pbWFnZSIsInZhbHVlIjoiUkVH"
              "SVNUUlkvdGVhbS9hcHBAc2hhMjU2OjBlMGFjN2EyYmQ3ZDFlNGQxYmI0ZTViM2ExYTZmMGMyZjVkNGM0ZTFl"
              "M2IxYjdhMmY4YTljNmQ1ZTRmM2EyYjEifV0=");
    json_decref(root);

    /* From a parsed CronJob: one op per image, in order, with warnings alongside. */
    read_review(&body, "cronjob-create.json");
    if (wh_review_parse(&r, err, body.ptr, body.size) != WH_REVIEW_OK || r.images_count != 2) {
        harness_fail(__FILE__, __LINE__, "cronjob: %s", err);
    } else {
        ops[0] = (wh_patch_op){r.images[0].path, "REGISTRY/team/report@" DIGEST};
        ops[1] = (wh_patch_op){r.images[1].path, "REGISTRY/team/fetch@" DIGEST};
        root = parse_response(
            __LINE__, wh_response_build(r.uid, 1, NULL, &warning, 1, ops, 2), r.uid, 1,
            (const char *const[]){"uid", "allowed", "warnings", "patchType", "patch", NULL});
        check_patch(__LINE__, root,
                    "[{\"op\":\"replace\",\"path\":\"/spec/jobTemplate/spec/template/spec/"
                    "containers/0/image\",\"value\":\"REGISTRY/team/report@" DIGEST "\"},"
                    "{\"op\":\"replace\",\"path\":\"/spec/jobTemplate/spec/template/spec/"
                    "initContainers/0/image\",\"value\":\"REGISTRY/team/fetch@" DIGEST "\"}]");
        json_decref(root);
    }
    wh_review_free(&r);
    signet_buf_dispose(&body);

    /* Values needing JSON escapes survive the round trip. */
    ops[0] = (wh_patch_op){"/spec/containers/0/image", "a\"b\\c"};
    root = parse_response(__LINE__, wh_response_build("u", 1, NULL, NULL, 0, ops, 1), "u", 1,
                          patched_keys);
    check_patch(__LINE__, root,
                "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"a\\\"b\\\\"
                "c\"}]");
    json_decref(root);
    /* Denied with a patch given: the caller's choice; both are sent. */
    root = parse_response(
        __LINE__, wh_response_build("u", 0, "no", NULL, 0, one, 1), "u", 0,
        (const char *const[]){"uid", "allowed", "status", "patchType", "patch", NULL});
    json_decref(root);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_webhook_admission__fixtures),
        TEST_CASE(test_webhook_admission__bad_fixtures),
        TEST_CASE(test_webhook_admission__bad_envelope),
        TEST_CASE(test_webhook_admission__bad_objects),
        TEST_CASE(test_webhook_admission__limits),
        TEST_CASE(test_webhook_admission__images),
        TEST_CASE(test_webhook_admission__skip),
        TEST_CASE(test_webhook_admission__unchanged),
        TEST_CASE(test_webhook_admission__response_plain),
        TEST_CASE(test_webhook_admission__response_text),
        TEST_CASE(test_webhook_admission__response_patch),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
