#include "harness.h"
#include "internal.h"

#include <stdlib.h>
#include <unistd.h>

#define COSIGN_PUB "cosign/keys/cosign-pemsigstorekey.DERIVED.pub"
#define POLICY     "{\"default\":[{\"type\":\"reject\"}]}"

/* "{\"<name>\": \"<base64 of data>\"}" appended to @p json (no braces: members only). */
static void
add_member(signet_buf *json, const char *name, const void *data, size_t len)
{
    signet_buf b64 = SIGNET_BUF_INIT;

    signet_buf_init(&b64, 1024 * 1024, 0);
    CHECK_OK(signet_base64__encode(&b64, harness_ctx, data, len));
    if (json->size > 1)
        CHECK_OK(signet_buf_puts(json, ","));
    CHECK_OK(signet_buf_puts(json, "\""));
    CHECK_OK(signet_buf_puts(json, name));
    CHECK_OK(signet_buf_puts(json, "\": \""));
    CHECK_OK(signet_buf_put(json, b64.ptr, b64.size));
    CHECK_OK(signet_buf_puts(json, "\""));
    signet_buf_dispose(&b64);
}

/* A resource file with the cosign public key (default/cosign-key/1) and a policy. */
static void
make_resources(signet_buf *json, signet_buf *pem)
{
    harness_read(pem, harness_vector(COSIGN_PUB));
    signet_buf_init(json, 1024 * 1024, 0);
    CHECK_OK(signet_buf_puts(json, "{"));
    add_member(json, "default/cosign-key/1", pem->ptr, pem->size);
    add_member(json, "default/security-policy/test", POLICY, strlen(POLICY));
    CHECK_OK(signet_buf_puts(json, "}\n"));
}

static void
test_kbs__uri_parse_accepts(void)
{
    static const struct {
        const char *in, *host, *repository, *type, *tag;
    } cases[] = {
        {"kbs:///default/cosign-key/1", "", "default", "cosign-key", "1"},
        {"kbs:///default/security-policy/test", "", "default", "security-policy", "test"},
        {"kbs://example.cckbs.org:8081/alice/decryption-key/1", "example.cckbs.org:8081", "alice",
         "decryption-key", "1"},
        {"kbs://kbs/a/b/c", "kbs", "a", "b", "c"},
        {"kbs://127.0.0.1:8080/a/b/c", "127.0.0.1:8080", "a", "b", "c"},
        {"kbs://[::1]:65535/a/b/c", "[::1]:65535", "a", "b", "c"},
        {"kbs://[fe80::1]/a/b/c", "[fe80::1]", "a", "b", "c"},
        /* Trustee's own ResourceDesc cases. */
        {"kbs:///123--_default/1Abff-_/___-afds44BC", "", "123--_default", "1Abff-_",
         "___-afds44BC"},
        {"kbs:///1.ok/2ok./3...", "", "1.ok", "2ok.", "3..."},
    };
    signet_kbs_uri uri;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_OK(signet_kbs_uri_parse(&uri, harness_ctx, cases[i].in));
        if (strcmp(uri.host, cases[i].host) != 0 ||
            strcmp(uri.repository, cases[i].repository) != 0 ||
            strcmp(uri.type, cases[i].type) != 0 || strcmp(uri.tag, cases[i].tag) != 0)
            harness_fail(__FILE__, __LINE__, "%s -> %s | %s | %s | %s", cases[i].in, uri.host,
                         uri.repository, uri.type, uri.tag);
    }
}

static void
test_kbs__uri_parse_refuses(void)
{
    static const struct {
        int code;
        const char *in, *message;
    } cases[] = {
        {SIGNET_EPARSE, "", "not a KBS resource URI"},
        {SIGNET_EPARSE, "default/cosign-key/1", "not a KBS resource URI"},
        {SIGNET_EPARSE, "http:///a/b/c", "not a KBS resource URI"},
        {SIGNET_EPARSE, "KBS:///a/b/c", "not a KBS resource URI"},
        {SIGNET_EPARSE, "kbs:/a/b/c", "not a KBS resource URI"},
        {SIGNET_EPARSE, "kbs://", "no resource path"},
        {SIGNET_EPARSE, "kbs://host", "no resource path"},
        {SIGNET_EPARSE, "kbs:///", "found 1 segment"},
        {SIGNET_EPARSE, "kbs:///a", "found 1 segment"},
        {SIGNET_EPARSE, "kbs:///a/b", "found 2 segments"},
        {SIGNET_EPARSE, "kbs:///a/b/c/", "more segments"},
        {SIGNET_EPARSE, "kbs:///a/b/c/d", "more segments"},
        {SIGNET_EPARSE, "kbs:////a/b/c", "repository is empty"},
        {SIGNET_EPARSE, "kbs:///a//c", "type is empty"},
        {SIGNET_EPARSE, "kbs:///a/b/", "tag is empty"},
        {SIGNET_EPARSE, "kbs:///../b/c", "'.' or '..'"},
        {SIGNET_EPARSE, "kbs:///a/./c", "'.' or '..'"},
        {SIGNET_EPARSE, "kbs:///a/b/..", "'.' or '..'"},
        {SIGNET_EPARSE, "kbs:///.a/b/c", "starts with '.'"},
        {SIGNET_EPARSE, "kbs:///a b/c/d", "character outside"},
        {SIGNET_EPARSE, "kbs:///a/b/c%2Fd", "character outside"},
        {SIGNET_EPARSE, "kbs:///a/b\\c/d", "character outside"},
        {SIGNET_EPARSE, "kbs:///a/b/c#frag", "fragment"},
        {SIGNET_EPARSE, "kbs://:8080/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://h:/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://h:0/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://h:65536/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://h:8x/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://user@h/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://-h/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://h../a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://[zz]/a/b/c", "bad KBS host"},
        {SIGNET_EPARSE, "kbs://[::1/a/b/c", "bad KBS host"},
        {SIGNET_EUNSUPPORTED, "kbs+pkcs11:///a/b/c", "plugin"},
        {SIGNET_EUNSUPPORTED, "kbs+:///a/b/c", "plugin"},
        {SIGNET_EUNSUPPORTED, "kbs:///a/b/c?version=1", "queries"},
    };
    signet_kbs_uri uri;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_FAIL_WITH(cases[i].code, cases[i].message,
                        signet_kbs_uri_parse(&uri, harness_ctx, cases[i].in));
}

static void
test_kbs__uri_parse_limits(void)
{
    char text[SIGNET_KBS_URI_MAX + 2];
    signet_kbs_uri uri;

    /* A segment of exactly SIGNET_KBS_SEGMENT_MAX characters, then one more. */
    memcpy(text, "kbs:///a/b/", 11);
    memset(text + 11, 'x', SIGNET_KBS_SEGMENT_MAX);
    text[11 + SIGNET_KBS_SEGMENT_MAX] = '\0';
    CHECK_OK(signet_kbs_uri_parse(&uri, harness_ctx, text));
    CHECK(strlen(uri.tag) == SIGNET_KBS_SEGMENT_MAX);
    text[11 + SIGNET_KBS_SEGMENT_MAX] = 'x';
    text[12 + SIGNET_KBS_SEGMENT_MAX] = '\0';
    CHECK_FAIL_WITH(SIGNET_EPARSE, "too long", signet_kbs_uri_parse(&uri, harness_ctx, text));
    memset(text + 11, 'x', SIGNET_KBS_URI_MAX - 10);
    text[SIGNET_KBS_URI_MAX + 1] = '\0';
    CHECK_FAIL_WITH(SIGNET_EPARSE, "too long", signet_kbs_uri_parse(&uri, harness_ctx, text));
}

/* The cosign public key, base64-encoded into a resource file, comes back as a usable key. */
static void
test_kbs__resources_hold_a_cosign_key(void)
{
    signet_buf json = SIGNET_BUF_INIT, pem = SIGNET_BUF_INIT, got = SIGNET_BUF_INIT;
    signet_kbs_resources *res = NULL;
    signet_key *key = NULL;

    make_resources(&json, &pem);
    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, json.ptr, json.size, "resources"));
    CHECK(signet_kbs_resources_count(res) == 2);
    signet_buf_init(&got, 64 * 1024, 0);
    CHECK_OK(signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///default/cosign-key/1"));
    CHECK(got.secret == 1); /* the copy is in guarded memory too */
    CHECK(got.size == pem.size && memcmp(got.ptr, pem.ptr, pem.size) == 0);
    CHECK_OK(signet_key_parse_public(&key, harness_ctx, got.ptr, got.size, "kbs key"));
    CHECK(signet_key_get_type(key) == SIGNET_KEY_ECDSA_P256);
    signet_key_free(key);
    signet_buf_dispose(&got);

    signet_buf_init(&got, 64 * 1024, 0);
    CHECK_OK(
        signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///default/security-policy/test"));
    CHECK(got.size == strlen(POLICY) && strcmp(got.ptr, POLICY) == 0);
    signet_buf_dispose(&got);

    signet_kbs_resources_free(res);
    signet_buf_dispose(&pem);
    signet_buf_dispose(&json);
}

static void
test_kbs__load_reads_a_file(void)
{
    signet_buf json = SIGNET_BUF_INIT, pem = SIGNET_BUF_INIT, got = SIGNET_BUF_INIT;
    signet_kbs_resources *res = NULL;
    char dir[64], path[128], cmd[128];

    snprintf(dir, sizeof(dir), "/tmp/signet-unit-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/aa-offline_fs_kbc-resources.json", dir);
    make_resources(&json, &pem);
    CHECK_OK(signet_file_write(harness_ctx, path, json.ptr, json.size, 0600, 0));
    CHECK_OK(signet_kbs_resources_load(&res, harness_ctx, path));
    signet_buf_init(&got, 64 * 1024, 1);
    CHECK_OK(signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///default/cosign-key/1"));
    CHECK(got.size == pem.size && memcmp(got.ptr, pem.ptr, pem.size) == 0);
    signet_buf_dispose(&got);
    signet_kbs_resources_free(res);
    res = NULL;

    snprintf(path, sizeof(path), "%s/missing.json", dir);
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "missing.json",
                    signet_kbs_resources_load(&res, harness_ctx, path));
    CHECK(res == NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    signet_buf_dispose(&pem);
    signet_buf_dispose(&json);
}

static void
test_kbs__lookup(void)
{
    static const char json[] = "{\"default/cosign-key/1\": \"a2V5\", \"a/b/c\": \"QUJD\"}";
    signet_buf got = SIGNET_BUF_INIT;
    signet_kbs_resources *res = NULL;

    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, json, strlen(json), "r.json"));
    signet_buf_init(&got, 16, 1);
    CHECK_OK(signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///a/b/c"));
    CHECK(got.size == 3 && memcmp(got.ptr, "ABC", 3) == 0);
    signet_buf_dispose(&got);

    signet_buf_init(&got, 16, 1);
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "'default/cosign-key/2' not found in the offline",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///default/cosign-key/2"));
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "r.json",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///A/b/c"));
    CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "network KBS",
                    signet_kbs_resource_get(&got, harness_ctx, res,
                                            "kbs://kbs.example:8080/default/cosign-key/1"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "'.' or '..'",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///default/../1"));
    CHECK_FAIL_WITH(SIGNET_EUNSUPPORTED, "plugin",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs+pkcs11:///a/b/c"));
    CHECK(got.size == 0);
    signet_buf_dispose(&got);

    signet_buf_init(&got, 2, 1);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "a/b/c",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///a/b/c"));
    signet_buf_dispose(&got);
    signet_kbs_resources_free(res);
}

static void
test_kbs__resources_refused(void)
{
    static const struct {
        int code;
        const char *json, *message;
    } cases[] = {
        {SIGNET_EPARSE, "", "not valid JSON"},
        {SIGNET_EPARSE, "   \n", "not valid JSON"},
        {SIGNET_EPARSE, "{", "not valid JSON"},
        {SIGNET_EPARSE, "\"a/b/c\"", "not valid JSON"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"QUJD\"} x", "not valid JSON"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"QUJD\",}", "not valid JSON"},
        {SIGNET_EPARSE, "[]", "not a JSON object"},
        {SIGNET_EPARSE, "[{\"a/b/c\": \"QUJD\"}]", "not a JSON object"},
        {SIGNET_EPARSE, "{}", "holds no resources"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"QUJD\", \"a/b/c\": \"QUJE\"}", "duplicate resource name"},
        /* names */
        {SIGNET_EPARSE, "{\"a/b\": \"QUJD\"}", "found 2 segments"},
        {SIGNET_EPARSE, "{\"a/b/c/d\": \"QUJD\"}", "more segments"},
        {SIGNET_EPARSE, "{\"/a/b/c\": \"QUJD\"}", "repository is empty"},
        {SIGNET_EPARSE, "{\"kbs:///a/b/c\": \"QUJD\"}", "character outside"},
        {SIGNET_EPARSE, "{\"../b/c\": \"QUJD\"}", "'.' or '..'"},
        {SIGNET_EPARSE, "{\"a/b/c d\": \"QUJD\"}", "character outside"},
        {SIGNET_EPARSE, "{\"\": \"QUJD\"}", "found 1 segment"},
        {SIGNET_EPARSE, "{\"Cosign Key\": \"QUJD\"}", "legacy resource name"},
        {SIGNET_EPARSE, "{\"Policy\": \"QUJD\"}", "legacy resource name"},
        /* values */
        {SIGNET_EPARSE, "{\"a/b/c\": 1}", "'a/b/c' is not a string"},
        {SIGNET_EPARSE, "{\"a/b/c\": null}", "is not a string"},
        {SIGNET_EPARSE, "{\"a/b/c\": [\"QUJD\"]}", "is not a string"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"\"}", "'a/b/c' is empty"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"QQ\"}", "'a/b/c' is not valid base64"},  /* unpadded */
        {SIGNET_EPARSE, "{\"a/b/c\": \"QR==\"}", "is not valid base64"},        /* bits left */
        {SIGNET_EPARSE, "{\"a/b/c\": \"-_8=\"}", "is not valid base64"},        /* URL-safe */
        {SIGNET_EPARSE, "{\"a/b/c\": \"QUJD\\nQUJD\"}", "is not valid base64"}, /* wrapped */
        {SIGNET_EPARSE, "{\"a/b/c\": \" QUJD\"}", "is not valid base64"},       /* space */
        {SIGNET_EPARSE, "{\"a/b/c\": \"QQ==QUJD\"}", "is not valid base64"},    /* mid pad */
        {SIGNET_EPARSE, "{\"x/y/z\": \"QUJD\", \"a/b/c\": \"QUJ\"}", "'a/b/c' is not valid"},
        {SIGNET_EPARSE, "{\"a/b/c\": \"QUJD\\u0000\"}", "not valid JSON"},
    };
    signet_kbs_resources *res = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_FAIL_WITH(cases[i].code, cases[i].message,
                        signet_kbs_resources_parse(&res, harness_ctx, cases[i].json,
                                                   strlen(cases[i].json), "r.json"));
        CHECK(res == NULL);
    }
}

/* jansson quotes the text near a syntax error: base64 of a secret must not reach a message. */
static void
test_kbs__messages_never_quote_values(void)
{
    static const char json[] = "{\"a/b/c\": \"U0VDUkVUU0VDUkVU";
    signet_kbs_resources *res = NULL;

    CHECK_FAIL_WITH(SIGNET_EPARSE, "line 1",
                    signet_kbs_resources_parse(&res, harness_ctx, json, strlen(json), "r.json"));
    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, "{\"a/b/c\": \"QUJD\"}", 17, "r"));
    signet_kbs_resources_free(res);
    signet_ctx_clear_error(harness_ctx);
    CHECK(signet_kbs_resources_parse(&res, harness_ctx, json, strlen(json), "r.json") ==
          SIGNET_EPARSE);
    CHECK(strstr(signet_ctx_error(harness_ctx), "U0VD") == NULL);
}

static void
test_kbs__resources_limits(void)
{
    signet_buf json = SIGNET_BUF_INIT;
    signet_kbs_resources *res = NULL;
    char member[64];

    /* Count: SIGNET_KBS_RESOURCES_COUNT_MAX is fine, one more is not. */
    signet_buf_init(&json, 1024 * 1024, 0);
    CHECK_OK(signet_buf_puts(&json, "{"));
    for (int i = 0; i < SIGNET_KBS_RESOURCES_COUNT_MAX; i++) {
        snprintf(member, sizeof(member), "%s\"r/t/%d\": \"QUJD\"", i > 0 ? "," : "", i);
        CHECK_OK(signet_buf_puts(&json, member));
    }
    CHECK_OK(signet_buf_puts(&json, "}"));
    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, json.ptr, json.size, "r.json"));
    CHECK(signet_kbs_resources_count(res) == SIGNET_KBS_RESOURCES_COUNT_MAX);
    signet_kbs_resources_free(res);
    res = NULL;
    json.size--; /* drop the '}' */
    CHECK_OK(signet_buf_puts(&json, ",\"r/t/x\": \"QUJD\"}"));
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "more than",
                    signet_kbs_resources_parse(&res, harness_ctx, json.ptr, json.size, "r.json"));
    CHECK(res == NULL);
    signet_buf_dispose(&json);

    /* Size: one byte over the file maximum (a valid file once the padding is gone). */
    signet_buf_init(&json, SIGNET_KBS_RESOURCES_FILE_MAX + 1, 0);
    CHECK_OK(signet_buf_puts(&json, "{\"a/b/c\": \"QUJD\"}"));
    while (json.size < SIGNET_KBS_RESOURCES_FILE_MAX + 1)
        CHECK_OK(signet_buf_put(&json, " ", 1));
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "larger than",
                    signet_kbs_resources_parse(&res, harness_ctx, json.ptr, json.size, "r.json"));
    CHECK(res == NULL);
    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, json.ptr, json.size - 1, "r.json"));
    signet_kbs_resources_free(res);
    signet_buf_dispose(&json);
}

static void
test_kbs__invalid_arguments(void)
{
    signet_kbs_resources *res = NULL;
    signet_buf got = SIGNET_BUF_INIT;

    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument",
                    signet_kbs_resources_parse(&res, harness_ctx, NULL, 3, "r"));
    CHECK_OK(signet_kbs_resources_parse(&res, harness_ctx, "{\"a/b/c\": \"QUJD\"}", 17, "r"));
    /* An output buffer without a maximum is a programmer error. */
    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument",
                    signet_kbs_resource_get(&got, harness_ctx, res, "kbs:///a/b/c"));
    signet_kbs_resources_free(res);
    signet_kbs_resources_free(NULL);
    CHECK(signet_kbs_resources_count(NULL) == 0);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_kbs__uri_parse_accepts), TEST_CASE(test_kbs__uri_parse_refuses),
        TEST_CASE(test_kbs__uri_parse_limits),  TEST_CASE(test_kbs__resources_hold_a_cosign_key),
        TEST_CASE(test_kbs__load_reads_a_file), TEST_CASE(test_kbs__lookup),
        TEST_CASE(test_kbs__resources_refused), TEST_CASE(test_kbs__messages_never_quote_values),
        TEST_CASE(test_kbs__resources_limits),  TEST_CASE(test_kbs__invalid_arguments),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
