/*
 * signet_kbs_resources_parse(): the offline-fs-kbc resource file, a JSON object of
 * "<repository>/<type>/<tag>": "<base64>". An accepted file holds as many resources as the
 * object has members, and every member resolves through kbs:///<its name> to the bytes its
 * value decodes to (checked with libsodium directly); a name that is no member resolves to
 * nothing. A refused file is SIGNET_EPARSE or SIGNET_ETOOLARGE, with a message.
 *
 * Strict mode compares with offline-fs-kbc itself (serde_json into a HashMap<String, String>,
 * base64 STANDARD): a file it reads whose names are all Trustee resource paths (checked here
 * with a separate implementation of the rule) and whose values are non-empty is accepted
 * within the limits.
 */
#include "fuzz_common.h"

#include <jansson.h>
#include <sodium.h>

/* Trustee's ResourceDesc: three segments of [A-Za-z0-9_-][A-Za-z0-9_.-]*, no more, no less. */
static int
trustee_path(const char *s)
{
    int segments = 0;
    size_t len = 0;

    for (;; s++) {
        if (*s == '/' || *s == '\0') {
            if (len == 0 || len > SIGNET_KBS_SEGMENT_MAX)
                return 0;
            segments++;
            len = 0;
            if (*s == '\0')
                return segments == 3;
            continue;
        }
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || (*s == '.' && len > 0)))
            return 0;
        len++;
    }
}

/* Base64 STANDARD as Rust's base64 crate reads it: padded, canonical, nothing else. */
static int
standard_base64(const char *text, size_t len, unsigned char **bin, size_t *bin_len)
{
    const char *end = NULL;

    *bin = malloc(len / 4 * 3 + 1);
    FUZZ_CHECK(*bin != NULL);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] > 0x7f)
            return 0;
    return len % 4 == 0 &&
           sodium_base642bin(*bin, len / 4 * 3 + 1, text, len, NULL, bin_len, &end,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           end == text + len;
}

/* Every member resolves to its decoded value. */
static void
check_members(const signet_kbs_resources *res, json_t *root)
{
    signet_ctx *ctx = fuzz_begin();
    const char *key;
    json_t *v;

    json_object_foreach(root, key, v)
    {
        char uri[SIGNET_KBS_URI_MAX + 8];
        signet_buf got = SIGNET_BUF_INIT;
        unsigned char *bin = NULL;
        size_t bin_len = 0;

        FUZZ_CHECK(trustee_path(key));
        FUZZ_CHECK(json_is_string(v));
        FUZZ_CHECK(standard_base64(json_string_value(v), json_string_length(v), &bin, &bin_len));
        FUZZ_CHECK(bin_len > 0);
        snprintf(uri, sizeof(uri), "kbs:///%s", key);
        signet_buf_init(&got, SIGNET_KBS_RESOURCES_FILE_MAX, 0);
        FUZZ_CHECK(signet_kbs_resource_get(&got, ctx, res, uri) == SIGNET_OK);
        FUZZ_CHECK(signet_ctx_error_code(ctx) == SIGNET_OK);
        FUZZ_CHECK(got.secret);
        FUZZ_CHECK(got.size == bin_len && memcmp(got.ptr, bin, bin_len) == 0);
        signet_buf_dispose(&got);
        free(bin);
    }
    signet_ctx_free(ctx);
}

/* A name the file lacks is not found, and a host is refused for any name. */
static void
check_misses(const signet_kbs_resources *res, json_t *root)
{
    static const char *const uris[] = {"kbs:///signet-fuzz/absent/0",
                                       "kbs://kbs.example:8080/default/cosign-key/1", NULL};
    signet_buf got = SIGNET_BUF_INIT;

    for (int i = 0; uris[i] != NULL; i++) {
        signet_ctx *ctx = fuzz_begin();
        int rc;

        signet_buf_init(&got, 16, 0);
        rc = signet_kbs_resource_get(&got, ctx, res, uris[i]);
        if (i == 0 && json_object_get(root, "signet-fuzz/absent/0") == NULL)
            fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_ENOTFOUND), 0);
        if (i == 1)
            fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EUNSUPPORTED), 0);
        if (rc != SIGNET_OK)
            FUZZ_CHECK(got.size == 0);
        signet_buf_dispose(&got);
        signet_ctx_free(ctx);
    }
}

/* Strict: would offline-fs-kbc read it, with names Trustee accepts? Then signet must too. */
static int
kbc_reads(json_t *loose, size_t size)
{
    const char *key;
    json_t *v;

    if (!json_is_object(loose) || json_object_size(loose) == 0 ||
        json_object_size(loose) > SIGNET_KBS_RESOURCES_COUNT_MAX ||
        size > SIGNET_KBS_RESOURCES_FILE_MAX)
        return 0;
    json_object_foreach(loose, key, v)
    {
        unsigned char *bin = NULL;
        size_t bin_len = 0;
        int ok;

        if (!trustee_path(key) || !json_is_string(v) || json_string_length(v) == 0)
            return 0;
        ok = standard_base64(json_string_value(v), json_string_length(v), &bin, &bin_len);
        free(bin);
        if (!ok)
            return 0;
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_kbs_resources *res = NULL;
    signet_ctx *ctx = fuzz_begin();
    json_t *root = NULL;
    int rc;

    rc = signet_kbs_resources_parse(&res, ctx, fuzz_bytes(data), size, "fuzz.json");
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE), res != NULL);
    if (size <= SIGNET_KBS_RESOURCES_FILE_MAX)
        root = json_loadb(fuzz_bytes(data), size, JSON_REJECT_DUPLICATES, NULL);
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(json_is_object(root));
        FUZZ_CHECK(signet_kbs_resources_count(res) == json_object_size(root));
        check_members(res, root);
        check_misses(res, root);
    } else if (fuzz_strict() && rc != SIGNET_ENOMEM) {
        /* serde_json keeps the last of duplicate names; signet refuses them, on purpose. */
        FUZZ_CHECK(root == NULL || !kbc_reads(root, size));
    }
    json_decref(root);
    signet_kbs_resources_free(res);
    signet_ctx_free(ctx);
    return 0;
}
