/*
 * AdmissionReview admission.k8s.io/v1: reading the request the API server sends and writing the
 * response it expects (shared/docs/enforcement.md §3.0). jansson; no network, no verification.
 */
#ifndef SIGNET_WEBHOOK_ADMISSION_H
#define SIGNET_WEBHOOK_ADMISSION_H

#include <stddef.h>

#define WH_UID_MAX        128
#define WH_IMAGE_MAX      1024 /* bytes of one image string */
#define WH_IMAGE_PATH_MAX 128  /* a JSON Pointer such as /spec/template/spec/containers/12/image */
#define WH_IMAGES_MAX     512  /* images in one object */
#define WH_MESSAGE_MAX    2048 /* status.message and each warning */

typedef enum wh_review_status {
    WH_REVIEW_OK = 0,    /* parsed; see the fields */
    WH_REVIEW_BAD = 400, /* not an AdmissionReview v1 request: answer 400 with the message */
} wh_review_status;

typedef struct wh_image {
    char image[WH_IMAGE_MAX];     /* as written in the object */
    char path[WH_IMAGE_PATH_MAX]; /* JSON Pointer to it, for the patch */
} wh_image;

typedef struct wh_review {
    char uid[WH_UID_MAX];
    char kind[64];      /* request.kind.kind: Pod, Deployment, ... */
    char group[64];     /* request.kind.group: "", "apps", "batch", ...; a known kind in
                           another group (a look-alike CRD) is unsupported_kind */
    char operation[16]; /* CREATE, UPDATE, DELETE, CONNECT */
    char namespace_[256];
    char name[256];
    char sub_resource[64]; /* "" or "ephemeralcontainers" ... */
    int dry_run;
    int skip;                /* nothing to check: DELETE, CONNECT, or an UPDATE of an object
                                being deleted (oldObject.metadata.deletionTimestamp set) */
    const char *skip_reason; /* static text for the log when skip is set */
    int unsupported_kind;    /* kind not one we know: the caller denies naming it (never set
                                together with skip: skip wins) */
    wh_image *images;        /* every containers/initContainers/ephemeralContainers image */
    size_t images_count;
    int images_unchanged; /* UPDATE whose images (as a multiset, by path) equal oldObject's */
} wh_review;

/*
 * Parse @p body. Returns WH_REVIEW_OK, or WH_REVIEW_BAD with a one-line reason in @p err
 * (malformed JSON, wrong apiVersion/kind, no request or uid, an image that is not a string or
 * too long, too many images). Kinds: Pod (and the pods/ephemeralcontainers subresource),
 * Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController
 * (/spec/template/spec), CronJob (/spec/jobTemplate/spec/template/spec).
 */
wh_review_status wh_review_parse(wh_review *out, char err[WH_MESSAGE_MAX], const void *body,
                                 size_t len);

void wh_review_free(wh_review *review);

/* One replacement of an image by its pinned form, for /mutate. */
typedef struct wh_patch_op {
    const char *path;  /* wh_image.path */
    const char *value; /* "repo@sha256:..." */
} wh_patch_op;

/*
 * The AdmissionReview response body (malloc'ed, NUL-terminated; free()): apiVersion and kind
 * set, response.uid echoed, allowed, status {code 403, message} when denied, warnings when any,
 * and patchType "JSONPatch" + patch (base64 of the JSON Patch array) exactly when @p ops_count > 0.
 * @p uid may be "" for a review that could not be parsed far enough to have one.
 * Returns NULL only when out of memory.
 */
char *wh_response_build(const char *uid, int allowed, const char *message,
                        const char *const *warnings, size_t warnings_count, const wh_patch_op *ops,
                        size_t ops_count);

#endif
