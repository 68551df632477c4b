/*
 * signet_manifest__parse() (internal): OCI and Docker v2 manifests and indexes as registries
 * serve them. The first input byte picks the Content-Type the registry sent (none, or one of
 * the four manifest and index types); the rest is the body. What parses has a known media
 * type and at most MANIFEST_MAX_ENTRIES validated descriptors; an index then goes through
 * signet_manifest__select_platform() for two fixed platforms, checked against a plain search.
 */
#include "fuzz_common.h"
#include "manifest.h"

static const char *const content_types[] = {"", MT_OCI_MANIFEST, MT_OCI_INDEX, MT_DOCKER_MANIFEST,
                                            MT_DOCKER_LIST};
#define CONTENT_TYPES (sizeof(content_types) / sizeof(content_types[0]))

static int
is_index_type(const char *t)
{
    return strcmp(t, MT_OCI_INDEX) == 0 || strcmp(t, MT_DOCKER_LIST) == 0;
}

static int
is_known_type(const char *t)
{
    return is_index_type(t) || strcmp(t, MT_OCI_MANIFEST) == 0 ||
           strcmp(t, MT_DOCKER_MANIFEST) == 0;
}

/* A validated descriptor: an object with a string mediaType, a digest, a size >= 0. */
static void
check_descriptor(const json_t *d)
{
    const json_t *size = json_object_get(d, "size");

    FUZZ_CHECK(json_is_object(d));
    FUZZ_CHECK(json_is_string(json_object_get(d, "mediaType")));
    FUZZ_CHECK(signet_digest_is_valid(json_string_value(json_object_get(d, "digest"))));
    FUZZ_CHECK(json_is_integer(size) && json_integer_value(size) >= 0);
}

static const char *
platform_field(const json_t *entry, const char *field)
{
    return json_string_value(json_object_get(json_object_get(entry, "platform"), field));
}

/* The index entry select_platform() should pick for os/arch[/variant], by a plain search. */
static const json_t *
find_platform(const struct manifest *m, const char *os, const char *arch, const char *variant)
{
    for (size_t i = 0; i < json_array_size(m->entries); i++) {
        const json_t *e = json_array_get(m->entries, i);
        const char *pos = platform_field(e, "os"), *parch = platform_field(e, "architecture");
        const char *pvar = platform_field(e, "variant");

        if (pos != NULL && parch != NULL && strcmp(pos, os) == 0 && strcmp(parch, arch) == 0 &&
            (variant == NULL || (pvar != NULL && strcmp(pvar, variant) == 0)))
            return e;
    }
    return NULL;
}

static void
check_select_platform(const struct manifest *m, const char *platform, const char *os,
                      const char *arch, const char *variant)
{
    char digest[SIGNET_DIGEST_MAX];
    const json_t *want = find_platform(m, os, arch, variant);
    signet_ctx *ctx = fuzz_begin();
    int rc;

    memset(digest, 'x', sizeof(digest));
    rc = signet_manifest__select_platform(digest, ctx, m, platform, "fuzz");
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_ENOTFOUND), rc == SIGNET_OK);
    FUZZ_CHECK((rc == SIGNET_OK) == (want != NULL));
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(memchr(digest, '\0', sizeof(digest)) != NULL);
        FUZZ_CHECK(signet_digest_is_valid(digest));
        FUZZ_CHECK(strcmp(digest, json_string_value(json_object_get(want, "digest"))) == 0);
    }
    signet_ctx_free(ctx);
}

static void
check_manifest(const struct manifest *m)
{
    size_t n;

    FUZZ_CHECK(json_is_object(m->root));
    FUZZ_CHECK(memchr(m->media_type, '\0', sizeof(m->media_type)) != NULL);
    FUZZ_CHECK(is_known_type(m->media_type));
    FUZZ_CHECK(!m->is_index == !is_index_type(m->media_type));
    FUZZ_CHECK(m->entries == json_object_get(m->root, m->is_index ? "manifests" : "layers"));
    FUZZ_CHECK(json_is_array(m->entries));
    n = json_array_size(m->entries);
    FUZZ_CHECK(n <= MANIFEST_MAX_ENTRIES);
    if (!m->is_index)
        check_descriptor(json_object_get(m->root, "config"));
    for (size_t i = 0; i < n; i++) {
        const json_t *ann = json_object_get(json_array_get(m->entries, i), "annotations");

        check_descriptor(json_array_get(m->entries, i));
        FUZZ_CHECK(ann == NULL || json_is_object(ann));
        FUZZ_CHECK(signet_manifest__entry_string(m, i, "mediaType") != NULL);
        FUZZ_CHECK(signet_digest_is_valid(signet_manifest__entry_string(m, i, "digest")));
    }
    FUZZ_CHECK(signet_manifest__entry_string(m, n, "digest") == NULL);
    if (m->is_index) {
        check_select_platform(m, "linux/amd64", "linux", "amd64", NULL);
        check_select_platform(m, "linux/arm/v7", "linux", "arm", "v7");
    }
}

/*
 * Strict: manifest.c says the Content-Type must agree with the body's mediaType when both are
 * known types. cosign (go-containerregistry) goes by the Content-Type and signet by the body,
 * so a manifest served as an index (or the reverse) means different things to the two: refuse.
 */
static void
check_types_agree(const char *content_type, const struct manifest *m)
{
    const char *body_type = json_string_value(json_object_get(m->root, "mediaType"));

    if (body_type != NULL && is_known_type(body_type) && is_known_type(content_type))
        FUZZ_CHECK(is_index_type(body_type) == is_index_type(content_type));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest m;
    signet_ctx *ctx = fuzz_begin();
    const char *content_type = size > 0 ? content_types[data[0] % CONTENT_TYPES] : "";
    const char *body = size > 0 ? (const char *)data + 1 : "";
    size_t len = size > 0 ? size - 1 : 0;
    int rc;

    rc = signet_manifest__parse(&m, ctx, body, len, content_type, "fuzz");
    fuzz_check_rc(ctx, rc,
                  FUZZ_RC(SIGNET_EPROTOCOL) | FUZZ_RC(SIGNET_EUNSUPPORTED) |
                      FUZZ_RC(SIGNET_ETOOLARGE),
                  m.root != NULL || m.entries != NULL);
    if (rc == SIGNET_OK) {
        check_manifest(&m);
        if (fuzz_strict())
            check_types_agree(content_type, &m);
    }
    signet_manifest__release(&m);
    FUZZ_CHECK(m.root == NULL && m.entries == NULL);
    signet_ctx_free(ctx);
    return 0;
}
