#include "harness.h"
#include "manifest.h"

static void
test_cosign__payload_is_byte_identical_to_cosigns(void)
{
    signet_reference ref;
    signet_buf payload = SIGNET_BUF_INIT, want = SIGNET_BUF_INIT;

    /* The real cosign v1.13.1 payload for this image. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx,
                                    "chihjenhuang/cosign1@sha256:4c1c50d0ffc614f90b93b07d778028dc"
                                    "765548e823f676fb027f61d281ac380d"));
    signet_buf_init(&payload, 4096, 0);
    CHECK_OK(signet_cosign_payload(&payload, harness_ctx, &ref, NULL));
    harness_read(&want, harness_vector("cosign/simplesigning/real-v1.13.1-payload.json"));
    CHECK(payload.size == want.size && memcmp(payload.ptr, want.ptr, want.size) == 0);
    signet_buf_dispose(&payload);
    signet_buf_dispose(&want);
}

static void
test_cosign__annotations_are_sorted_and_escaped_as_go_does(void)
{
    static const char *const annotations[] = {"z=last", "a=x<y>&z", "m=line\xe2\x80\xa8sep",
                                              "eq=a=b"};
    signet_cosign_options opts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_reference ref;
    signet_buf payload = SIGNET_BUF_INIT;

    opts.annotations = annotations;
    opts.annotations_count = 4;
    CHECK_OK(signet_reference_parse(
        &ref, harness_ctx,
        "127.0.0.1:5000/t/"
        "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    signet_buf_init(&payload, 4096, 0);
    CHECK_OK(signet_cosign_payload(&payload, harness_ctx, &ref, &opts));
    CHECK(strcmp(payload.ptr,
                 "{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/t/app\"},"
                 "\"image\":{\"docker-manifest-digest\":\"sha256:0123456789abcdef0123456789abcdef"
                 "0123456789abcdef0123456789abcdef\"},\"type\":\"cosign container image "
                 "signature\"},\"optional\":{\"a\":\"x\\u003cy\\u003e\\u0026z\",\"eq\":\"a=b\","
                 "\"m\":\"line\\u2028sep\",\"z\":\"last\"}}") == 0);
    signet_buf_dispose(&payload);
}

static void
test_cosign__bad_annotations_are_refused(void)
{
    static const char *const bad[] = {"novalue"};
    signet_cosign_options opts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_reference ref;
    signet_buf payload = SIGNET_BUF_INIT;

    opts.annotations = bad;
    opts.annotations_count = 1;
    CHECK_OK(signet_reference_parse(
        &ref, harness_ctx,
        "r.io/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    signet_buf_init(&payload, 4096, 0);
    CHECK_FAIL_WITH(SIGNET_EINVALID, "'novalue' is not key=value",
                    signet_cosign_payload(&payload, harness_ctx, &ref, &opts));
    signet_buf_dispose(&payload);
}

static void
test_cosign__attachment_tags(void)
{
    signet_cosign_options opts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_reference ref, att;
    char text[600];

    CHECK_OK(signet_reference_parse(
        &ref, harness_ctx,
        "ubuntu@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    CHECK_OK(signet_cosign_attachment(&att, harness_ctx, &ref, "sig", &opts));
    signet_reference_format(text, sizeof(text), &att);
    CHECK(strcmp(text, "index.docker.io/library/ubuntu:sha256-0123456789abcdef0123456789abcdef"
                       "0123456789abcdef0123456789abcdef.sig") == 0);
    opts.signature_repository = "127.0.0.1:5000/sigs/store";
    CHECK_OK(signet_cosign_attachment(&att, harness_ctx, &ref, "att", &opts));
    signet_reference_format(text, sizeof(text), &att);
    CHECK(strcmp(text, "127.0.0.1:5000/sigs/store:sha256-0123456789abcdef0123456789abcdef"
                       "0123456789abcdef0123456789abcdef.att") == 0);
    opts.signature_repository = "127.0.0.1:5000/sigs:v1";
    CHECK_FAIL_WITH(SIGNET_EPARSE, "must not have a tag",
                    signet_cosign_attachment(&att, harness_ctx, &ref, "sig", &opts));
    opts.signature_repository = "Bad Repo";
    CHECK_FAIL_WITH(SIGNET_EPARSE, "invalid",
                    signet_cosign_attachment(&att, harness_ctx, &ref, "sig", &opts));
}

static int
parse(struct manifest *m, const char *json)
{
    return signet_manifest__parse(m, harness_ctx, json, strlen(json), "", "m");
}

static void
test_cosign__cosigns_signature_manifest_parses(void)
{
    signet_buf text = SIGNET_BUF_INIT;
    struct manifest m;

    harness_read(&text, harness_vector("cosign/simplesigning/real-v1.13.1-manifest.json"));
    CHECK_OK(signet_manifest__parse(&m, harness_ctx, text.ptr, text.size, MT_OCI_MANIFEST, "m"));
    CHECK(!m.is_index && json_array_size(m.entries) == 1);
    CHECK(strcmp(signet_manifest__entry_string(&m, 0, "digest"),
                 "sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc") == 0);
    signet_manifest__release(&m);
    signet_buf_dispose(&text);
}

static void
test_cosign__malformed_manifests_are_refused(void)
{
    static const struct {
        const char *json;
        int code;
        const char *message;
    } cases[] = {
        {"[]", SIGNET_EPROTOCOL, "not a JSON object"},
        {"{", SIGNET_EPROTOCOL, "malformed manifest"},
        {"{\"schemaVersion\":1}", SIGNET_EUNSUPPORTED, "schema 1"},
        {"{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", SIGNET_EUNSUPPORTED,
         "unsupported type"},
        {"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\"}", SIGNET_EPROTOCOL,
         "no layers"},
        {"{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST "\",\"layers\":[]}",
         SIGNET_EPROTOCOL, "config needs"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:00\"}"
         ","
         "\"layers\":[]}",
         SIGNET_EPROTOCOL, "config needs"},
        {"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"size\":-1,\"digest\":"
         "\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}]}",
         SIGNET_EPROTOCOL, "an index entry needs"},
        {"{\"schemaVersion\":2,\"schemaVersion\":2}", SIGNET_EPROTOCOL, "duplicate"},
    };
    struct manifest m;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_FAIL_WITH(cases[i].code, cases[i].message, parse(&m, cases[i].json));
}

static void
test_cosign__platform_selection(void)
{
    const char *index =
        "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":["
        "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"sha256:"
        "1111111111111111111111111111111111111111111111111111111111111111\",\"platform\":"
        "{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
        "{\"mediaType\":\"" MT_OCI_MANIFEST "\",\"size\":1,\"digest\":\"sha256:"
        "2222222222222222222222222222222222222222222222222222222222222222\",\"platform\":"
        "{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}}]}";
    char digest[SIGNET_DIGEST_MAX];
    struct manifest m;

    CHECK_OK(parse(&m, index));
    CHECK(m.is_index);
    CHECK_OK(signet_manifest__select_platform(digest, harness_ctx, &m, "linux/arm64", "i"));
    CHECK(strncmp(digest, "sha256:2222", 11) == 0);
    CHECK_OK(signet_manifest__select_platform(digest, harness_ctx, &m, "linux/arm64/v8", "i"));
    CHECK_OK(signet_manifest__select_platform(digest, harness_ctx, &m, "linux/amd64", "i"));
    CHECK(strncmp(digest, "sha256:1111", 11) == 0);
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "no manifest for platform linux/s390x",
                    signet_manifest__select_platform(digest, harness_ctx, &m, "linux/s390x", "i"));
    CHECK_FAIL_WITH(SIGNET_EINVALID, "not os/arch",
                    signet_manifest__select_platform(digest, harness_ctx, &m, "linux", "i"));
    signet_manifest__release(&m);
}

static void
test_cosign__too_many_layers_are_refused(void)
{
    signet_buf json = SIGNET_BUF_INIT;
    struct manifest m;

    signet_buf_init(&json, 1024 * 1024, 0);
    signet_buf_puts(&json, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,"
                           "\"digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef"
                           "0123456789abcdef\"},\"layers\":[");
    for (int i = 0; i < 1001; i++)
        signet_buf_puts(&json, i ? ",{}" : "{}");
    signet_buf_puts(&json, "]}");
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "1001 entries (limit 1000)", parse(&m, json.ptr));
    signet_buf_dispose(&json);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_cosign__payload_is_byte_identical_to_cosigns),
        TEST_CASE(test_cosign__annotations_are_sorted_and_escaped_as_go_does),
        TEST_CASE(test_cosign__bad_annotations_are_refused),
        TEST_CASE(test_cosign__attachment_tags),
        TEST_CASE(test_cosign__cosigns_signature_manifest_parses),
        TEST_CASE(test_cosign__malformed_manifests_are_refused),
        TEST_CASE(test_cosign__platform_selection),
        TEST_CASE(test_cosign__too_many_layers_are_refused),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
