/*
 * cosign's legacy signature format: simple signing payloads stored as layers of the manifest
 * tagged sha256-<hex>.sig (shared/docs/cosign-format.md §2, §4).
 */
#include "cosign_internal.h"
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MERGE_STALE         1 /* write_merged(): the tag changed since it was read */
#define SIMPLESIGNING_MT    "application/vnd.dev.cosign.simplesigning.v1+json"
#define ANN_SIGNATURE       "dev.cosignproject.cosign/signature"
#define ANN_BUNDLE          "dev.sigstore.cosign/bundle"
#define PAYLOAD_TYPE        "cosign container image signature"
#define ZERO_TIME           "0001-01-01T00:00:00Z"
#define MERGE_ATTEMPTS      100
#define CONFIRMATIONS       2
#define SETTLE_MIN_MS       10
#define SETTLE_CONTENDED_MS 50
#define CONTENDED_CHECKS    3
#define WRITE_REFUSALS_MAX  5
#define SETTLE_MAX_MS       2000
#define REASONS_MAX         512

static const signet_cosign_options default_options = SIGNET_COSIGN_OPTIONS_INIT;

struct signet_cosign_verified {
    signet_reference image;
    size_t count;
    signet_buf *payloads;
    uint64_t signers; /* bit k: keys[k] made an accepted signature (k < 64) */
};

static void event(const signet_cosign_options *opts, const char *fmt, ...) SIGNET_PRINTF(2, 3);

static void
event(const signet_cosign_options *opts, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (opts->on_event == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    opts->on_event(msg, opts->event_payload);
}

static int
check_options(signet_ctx *ctx, const signet_cosign_options **opts)
{
    if (*opts == NULL)
        *opts = &default_options;
    if ((*opts)->version != SIGNET_COSIGN_OPTIONS_VERSION)
        return signet_error__set(ctx, SIGNET_EINVALID, "unknown cosign options version %u",
                                 (*opts)->version);
    return SIGNET_OK;
}

/*
 * JSON text as Go's encoding/json writes it: compact, and <, >, & and U+2028/U+2029 escaped
 * (they can only occur inside strings, so a plain substitution is exact).
 */
static int
go_json(signet_buf *out, signet_ctx *ctx, const json_t *v, size_t flags)
{
    char *text = json_dumps(v, JSON_COMPACT | flags);
    int rc = SIGNET_OK;

    if (text == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    for (const char *p = text; *p && rc == SIGNET_OK; p++) {
        const char *esc = NULL;
        if (*p == '<')
            esc = "\\u003c";
        else if (*p == '>')
            esc = "\\u003e";
        else if (*p == '&')
            esc = "\\u0026";
        else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
                 ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
            esc = (unsigned char)p[2] == 0xa8 ? "\\u2028" : "\\u2029";
            p += 2;
        }
        rc = esc ? signet_buf_puts(out, esc) : signet_buf_put(out, p, 1);
    }
    free(text);
    return rc == SIGNET_OK ? SIGNET_OK
                           : signet_error__set(ctx, rc, "encoding JSON: %s", signet_strerror(rc));
}

/* The -a key=value pairs as a JSON object; NULL when there are none. */
static int
annotations_object(json_t **out, signet_ctx *ctx, const signet_cosign_options *opts)
{
    json_t *obj;

    *out = NULL;
    if (opts->annotations_count == 0)
        return SIGNET_OK;
    obj = json_object();
    for (size_t i = 0; i < opts->annotations_count; i++) {
        const char *a = opts->annotations[i], *eq = strchr(a, '=');
        char key[256];
        if (eq == NULL || eq == a || (size_t)(eq - a) >= sizeof(key)) {
            json_decref(obj);
            return signet_error__set(ctx, SIGNET_EINVALID, "annotation '%.100s' is not key=value",
                                     a);
        }
        snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
        json_object_set_new(obj, key, json_string(eq + 1));
    }
    *out = obj;
    return SIGNET_OK;
}

int
signet_cosign_payload(signet_buf *out, signet_ctx *ctx, const signet_reference *resolved,
                      const signet_cosign_options *opts)
{
    char repo[SIGNET_REFERENCE_NAME_MAX + 2];
    json_t *optional = NULL, *root;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && resolved != NULL && resolved->digest[0] != '\0');
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK ||
        (rc = annotations_object(&optional, ctx, opts)) != SIGNET_OK)
        return rc;
    signet_reference_repository_name(repo, sizeof(repo), resolved);
    root = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:o}", "critical", "identity", "docker-reference",
                     repo, "image", "docker-manifest-digest", resolved->digest, "type",
                     PAYLOAD_TYPE, "optional", optional ? optional : json_null());
    if (root == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    /* Go marshals the payload's structs in field order, which is also sorted order. */
    rc = go_json(out, ctx, root, JSON_SORT_KEYS);
    json_decref(root);
    return rc;
}

int
signet_cosign_resolve(signet_reference *out, signet_ctx *ctx, signet_registry *reg,
                      const signet_reference *image, const signet_cosign_options *opts)
{
    signet_descriptor desc;
    signet_buf body = SIGNET_BUF_INIT;
    struct manifest m;
    char name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && image != NULL);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK)
        return rc;
    *out = *image;
    if (opts->platform == NULL) {
        if (image->digest[0] != '\0')
            return SIGNET_OK;
        if ((rc = signet_registry_head_manifest(&desc, ctx, reg, image)) != SIGNET_OK)
            return rc;
        snprintf(out->digest, sizeof(out->digest), "%s", desc.digest);
        return SIGNET_OK;
    }
    signet_reference_format(name, sizeof(name), image);
    signet_buf_init(&body, SIGNET_MANIFEST_MAX, 0);
    if ((rc = signet_registry_get_manifest(&body, &desc, ctx, reg, image)) != SIGNET_OK)
        goto out;
    if ((rc = signet_manifest__parse(&m, ctx, body.ptr, body.size, desc.media_type, name)) !=
        SIGNET_OK)
        goto out;
    if (m.is_index)
        rc = signet_manifest__select_platform(out->digest, ctx, &m, opts->platform, name);
    else
        snprintf(out->digest, sizeof(out->digest), "%s", desc.digest);
    signet_manifest__release(&m);
out:
    signet_buf_dispose(&body);
    return rc;
}

int
signet_cosign_attachment(signet_reference *out, signet_ctx *ctx, const signet_reference *resolved,
                         const char *suffix, const signet_cosign_options *opts)
{
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && resolved != NULL && suffix != NULL);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK)
        return rc;
    if (!signet_digest_is_valid(resolved->digest))
        return signet_error__set(ctx, SIGNET_EINVALID, "image has no digest");
    if (opts->signature_repository != NULL && opts->signature_repository[0] != '\0') {
        if ((rc = signet_reference_parse(out, ctx, opts->signature_repository)) != SIGNET_OK)
            return signet_error__set(ctx, rc, "invalid signature repository '%.100s'",
                                     opts->signature_repository);
        if (strchr(opts->signature_repository, '@') != NULL || strcmp(out->tag, "latest") != 0 ||
            strstr(opts->signature_repository, ":latest"))
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "signature repository '%.100s' must not have a tag or digest",
                                     opts->signature_repository);
    } else {
        *out = *resolved;
    }
    snprintf(out->tag, sizeof(out->tag), "sha256-%s.%s", resolved->digest + 7, suffix);
    out->digest[0] = '\0';
    return SIGNET_OK;
}

/* Fetch and parse an attachment manifest; SIGNET_ENOTFOUND when there is none. */
static int
fetch_attachment(struct manifest *m, char *digest_out, signet_ctx *ctx, signet_registry *reg,
                 const signet_reference *att)
{
    signet_descriptor desc;
    signet_buf body = SIGNET_BUF_INIT;
    char name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc;

    memset(m, 0, sizeof(*m));
    signet_reference_format(name, sizeof(name), att);
    signet_buf_init(&body, SIGNET_MANIFEST_MAX, 0);
    rc = signet_registry_get_manifest(&body, &desc, ctx, reg, att);
    if (rc == SIGNET_OK) {
        if (digest_out != NULL)
            snprintf(digest_out, SIGNET_DIGEST_MAX, "%s", desc.digest);
        rc = signet_manifest__parse(m, ctx, body.ptr, body.size, desc.media_type, name);
        if (rc == SIGNET_OK && m->is_index) {
            signet_manifest__release(m);
            rc = signet_error__set(ctx, SIGNET_EPROTOCOL, "'%s' is an index, not a manifest", name);
        }
    }
    signet_buf_dispose(&body);
    return rc;
}

static const char *
layer_annotation(const struct manifest *m, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_array_get(m->entries, i), "annotations"), key));
}

/* Is our signature (or, as cosign dedupes, one our key made over the same payload) there? */
static int
signature_present(const struct manifest *m, signet_ctx *ctx, const signet_key *key,
                  const char *payload_digest, const char *sig_b64, const signet_buf *payload)
{
    for (size_t i = 0; m->root != NULL && i < json_array_size(m->entries); i++) {
        const char *mt = signet_manifest__entry_string(m, i, "mediaType");
        const char *digest = signet_manifest__entry_string(m, i, "digest");
        const char *sig = layer_annotation(m, i, ANN_SIGNATURE);
        signet_buf raw = SIGNET_BUF_INIT;
        signet_ctx scratch = {SIGNET_OK, ""};
        int same;

        if (strcmp(mt, SIMPLESIGNING_MT) != 0 || strcmp(digest, payload_digest) != 0 || sig == NULL)
            continue;
        if (strcmp(sig, sig_b64) == 0)
            return 1;
        signet_buf_init(&raw, SIGNET_SIGNATURE_MAX, 0);
        same = signet_base64__decode(&raw, &scratch, sig, strlen(sig), "signature") == SIGNET_OK &&
               signet_verify_data(&scratch, key, raw.ptr, raw.size, payload->ptr, payload->size) ==
                   SIGNET_OK;
        signet_buf_dispose(&raw);
        if (same)
            return 1;
    }
    (void)ctx;
    return 0;
}

/* The config ggcr writes for a signature image: one history entry and diff_id per layer. */
static json_t *
signature_config(json_t *layers)
{
    json_t *history = json_array(), *diff_ids = json_array();
    size_t i;
    json_t *l;

    json_array_foreach(layers, i, l)
    {
        json_array_append_new(history, json_pack("{s:s}", "created", ZERO_TIME));
        json_array_append(diff_ids, json_object_get(l, "digest"));
    }
    return json_pack("{s:s,s:s,s:o,s:s,s:{s:s,s:o},s:{}}", "architecture", "", "created", ZERO_TIME,
                     "history", history, "os", "", "rootfs", "type", "layers", "diff_ids", diff_ids,
                     "config");
}

/* Existing layers + ours, config uploaded, manifest stored under the .sig tag. */
static int
write_merged(char *written, const char *based_on, signet_ctx *ctx, signet_registry *reg,
             const signet_reference *att, const struct manifest *existing,
             const char *payload_digest, size_t payload_len, const char *sig_b64,
             const signet_cosign_options *opts)
{
    signet_buf cfg_text = SIGNET_BUF_INIT, text = SIGNET_BUF_INIT;
    char cfg_digest[SIGNET_DIGEST_MAX];
    json_t *root = NULL, *layers, *cfg = NULL;
    const char *manifest_mt, *config_mt;
    int rc;

    if (existing->root != NULL) {
        root = json_deep_copy(existing->root);
        manifest_mt = existing->media_type;
        layers = json_object_get(root, "layers");
    } else {
        manifest_mt = opts->docker_media_types ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST;
        root = json_pack("{s:i,s:s,s:n,s:[]}", "schemaVersion", 2, "mediaType", manifest_mt,
                         "config", "layers");
        layers = json_object_get(root, "layers");
    }
    if (root == NULL || layers == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    if (json_array_size(layers) >= MANIFEST_MAX_ENTRIES) {
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "'%s/%s:%s' already holds %d signatures",
                               att->registry, att->repository, att->tag, MANIFEST_MAX_ENTRIES);
        goto out;
    }
    json_array_append_new(layers, json_pack("{s:s,s:I,s:s,s:{s:s}}", "mediaType", SIMPLESIGNING_MT,
                                            "size", (json_int_t)payload_len, "digest",
                                            payload_digest, "annotations", ANN_SIGNATURE, sig_b64));
    config_mt = strcmp(manifest_mt, MT_DOCKER_MANIFEST) == 0 ? MT_DOCKER_CONFIG : MT_OCI_CONFIG;
    cfg = signature_config(layers);
    signet_buf_init(&cfg_text, SIGNET_BLOB_MAX, 0);
    signet_buf_init(&text, SIGNET_MANIFEST_MAX, 0);
    if (cfg == NULL || (rc = go_json(&cfg_text, ctx, cfg, 0)) != SIGNET_OK) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    signet_digest_sha256(cfg_digest, cfg_text.ptr, cfg_text.size);
    if ((rc = signet_registry_put_blob(ctx, reg, att, cfg_text.ptr, cfg_text.size, cfg_digest)) !=
        SIGNET_OK)
        goto out;
    json_object_set_new(root, "config",
                        json_pack("{s:s,s:I,s:s}", "mediaType", config_mt, "size",
                                  (json_int_t)cfg_text.size, "digest", cfg_digest));
    if ((rc = go_json(&text, ctx, root, 0)) != SIGNET_OK)
        goto out;
    /* The tag must still be what this merge read: another signer that wrote meanwhile would
     * otherwise be overwritten. This narrows the race to one HEAD and one PUT. */
    {
        signet_descriptor now;
        signet_ctx scratch = {SIGNET_OK, ""};
        int hrc = signet_registry_head_manifest(&now, &scratch, reg, att);
        if ((hrc == SIGNET_ENOTFOUND && based_on[0] != '\0') ||
            (hrc == SIGNET_OK && strcmp(now.digest, based_on) != 0)) {
            rc = MERGE_STALE;
            goto out;
        }
        if (hrc != SIGNET_OK && hrc != SIGNET_ENOTFOUND) {
            rc = signet_error__set(ctx, hrc, "%s", signet_ctx_error(&scratch));
            goto out;
        }
    }
    signet_digest_sha256(written, text.ptr, text.size);
    rc = signet_registry_put_manifest(ctx, reg, att, manifest_mt, text.ptr, text.size);
out:
    json_decref(cfg);
    json_decref(root);
    signet_buf_dispose(&text);
    signet_buf_dispose(&cfg_text);
    return rc;
}

static long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pause_ms(long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Sign one resolved digest and make the signature stay in its .sig manifest. */
static int
sign_digest(signet_ctx *ctx, signet_registry *reg, const signet_key *key,
            const signet_reference *resolved, const signet_cosign_options *opts)
{
    signet_buf payload = SIGNET_BUF_INIT, sig = SIGNET_BUF_INIT, sig_b64 = SIGNET_BUF_INIT;
    char payload_digest[SIGNET_DIGEST_MAX], att_name[SIGNET_REFERENCE_NAME_MAX * 2];
    signet_reference att;
    char written[SIGNET_DIGEST_MAX] = ""; /* digest of the manifest we last stored */
    long settle = SETTLE_MIN_MS;
    int rc, confirmations = 0, contended = 0, refused = 0;

    signet_buf_init(&payload, SIGNET_BLOB_MAX, 0);
    signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
    signet_buf_init(&sig_b64, SIGNET_SIGNATURE_MAX * 2, 0);
    if ((rc = signet_cosign_payload(&payload, ctx, resolved, opts)) != SIGNET_OK ||
        (rc = signet_sign_data(&sig, ctx, key, payload.ptr, payload.size)) != SIGNET_OK ||
        (rc = signet_base64__encode(&sig_b64, ctx, sig.ptr, sig.size)) != SIGNET_OK ||
        (rc = signet_cosign_attachment(&att, ctx, resolved, "sig", opts)) != SIGNET_OK)
        goto out;
    signet_reference_repository_name(att_name, sizeof(att_name), &att);
    event(opts, "Pushing signature to: %s", att_name);
    signet_digest_sha256(payload_digest, payload.ptr, payload.size);
    if ((rc = signet_registry_put_blob(ctx, reg, &att, payload.ptr, payload.size,
                                       payload_digest)) != SIGNET_OK)
        goto out;
    /*
     * Registries have no compare-and-swap on tags: two signers that read the same manifest
     * would each write back only their own signature. So after writing, wait about twice our
     * read-modify-write time (a signer that read before our write has written by then), read
     * back, and merge again if our signature is gone. When the tag changed under us (other
     * signers are at work), keep checking over a longer, doubling window.
     */
    for (int attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
        struct manifest existing;
        char fetched[SIGNET_DIGEST_MAX] = "";
        long started = now_ms();
        int present;

        rc = fetch_attachment(&existing, fetched, ctx, reg, &att);
        if (rc == SIGNET_ENOTFOUND) {
            signet_ctx_clear_error(ctx);
            memset(&existing, 0, sizeof(existing));
        } else if (rc != SIGNET_OK) {
            goto out;
        }
        present = signature_present(&existing, ctx, key, payload_digest, sig_b64.ptr, &payload);
        if (written[0] != '\0' && strcmp(fetched, written) != 0)
            contended = 1;
        if (present) {
            signet_manifest__release(&existing);
            /* Already there before we wrote anything: nothing of ours can be lost. */
            if (written[0] == '\0' || ++confirmations >= (contended ? CONTENDED_CHECKS : 1)) {
                rc = SIGNET_OK;
                goto out;
            }
            pause_ms((settle << confirmations) + (long)randombytes_uniform((uint32_t)settle + 1));
            continue;
        }
        confirmations = 0;
        rc = write_merged(written, fetched, ctx, reg, &att, &existing, payload_digest, payload.size,
                          sig_b64.ptr, opts);
        signet_manifest__release(&existing);
        if (rc == MERGE_STALE) {
            /* Someone wrote the tag since we read it: read and merge again, soon. */
            contended = 1;
            written[0] = '\0';
            pause_ms(5 + (long)randombytes_uniform(25));
            continue;
        }
        /*
         * A registry may refuse a manifest whose config blob another signer is storing at the
         * same moment (distribution answers 400 MANIFEST_BLOB_UNKNOWN): read and merge again.
         */
        if (rc == SIGNET_EPROTOCOL && refused++ < WRITE_REFUSALS_MAX) {
            signet_ctx_clear_error(ctx);
            written[0] = '\0';
            contended = 1;
            pause_ms(SETTLE_CONTENDED_MS + (long)randombytes_uniform(SETTLE_CONTENDED_MS));
            continue;
        }
        if (rc != SIGNET_OK)
            goto out;
        settle = 2 * (now_ms() - started);
        if (settle < (contended ? SETTLE_CONTENDED_MS : SETTLE_MIN_MS))
            settle = contended ? SETTLE_CONTENDED_MS : SETTLE_MIN_MS;
        if (settle > SETTLE_MAX_MS)
            settle = SETTLE_MAX_MS;
        pause_ms(settle + (long)randombytes_uniform((uint32_t)settle / 2 + 1));
    }
    rc = signet_error__set(ctx, SIGNET_ERROR,
                           "signature for %s did not stay in '%s:%s' after %d attempts (other "
                           "writers keep replacing the tag)",
                           resolved->digest, att_name, att.tag, MERGE_ATTEMPTS);
out:
    signet_buf_dispose(&sig_b64);
    signet_buf_dispose(&sig);
    signet_buf_dispose(&payload);
    return rc;
}

int
signet_cosign_sign(signet_ctx *ctx, signet_registry *reg, const signet_key *key,
                   const signet_reference *image, const signet_cosign_options *opts)
{
    signet_reference resolved, child;
    signet_descriptor desc;
    signet_buf body = SIGNET_BUF_INIT;
    struct manifest m;
    char name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc;

    SIGNET_ASSERT_ARG(ctx, reg != NULL && key != NULL && image != NULL);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK)
        return rc;
    if (!signet_key_has_private(key))
        return signet_error__set(ctx, SIGNET_EINVALID, "cannot sign with a public key");
    memset(&m, 0, sizeof(m));
    resolved = *image;
    if (!opts->recursive) {
        if ((rc = signet_cosign_resolve(&resolved, ctx, reg, image, opts)) != SIGNET_OK)
            return rc;
        return sign_digest(ctx, reg, key, &resolved, opts);
    }
    signet_reference_format(name, sizeof(name), image);
    signet_buf_init(&body, SIGNET_MANIFEST_MAX, 0);
    if ((rc = signet_registry_get_manifest(&body, &desc, ctx, reg, image)) != SIGNET_OK ||
        (rc = signet_manifest__parse(&m, ctx, body.ptr, body.size, desc.media_type, name)) !=
            SIGNET_OK)
        goto out;
    snprintf(resolved.digest, sizeof(resolved.digest), "%s", desc.digest);
    if ((rc = sign_digest(ctx, reg, key, &resolved, opts)) != SIGNET_OK)
        goto out;
    for (size_t i = 0; m.is_index && i < json_array_size(m.entries); i++) {
        child = resolved;
        snprintf(child.digest, sizeof(child.digest), "%s",
                 signet_manifest__entry_string(&m, i, "digest"));
        if ((rc = sign_digest(ctx, reg, key, &child, opts)) != SIGNET_OK)
            goto out;
    }
out:
    signet_manifest__release(&m);
    signet_buf_dispose(&body);
    return rc;
}

/* Why one signature layer was not accepted, appended to @p reasons. */
static void add_reason(char *reasons, size_t i, const char *fmt, ...) SIGNET_PRINTF(3, 4);

static void
add_reason(char *reasons, size_t i, const char *fmt, ...)
{
    size_t used = strlen(reasons);
    va_list ap;

    if (used + 8 >= REASONS_MAX)
        return;
    used +=
        (size_t)snprintf(reasons + used, REASONS_MAX - used, "%slayer %zu: ", used ? "; " : "", i);
    if (used >= REASONS_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(reasons + used, REASONS_MAX - used, fmt, ap);
    va_end(ap);
}

/* The claims of a payload that verified: digest, identity, type and annotations. */
int
signet_cosign__claims_hold(const signet_buf *payload, const signet_reference *resolved, void *arg,
                           char *reason, size_t reason_size)
{
    const signet_cosign_options *opts = arg;
    char repo[SIGNET_REFERENCE_NAME_MAX + 2];
    json_t *root = json_loadb(payload->ptr, payload->size, JSON_REJECT_DUPLICATES, NULL);
    json_t *critical = json_object_get(root, "critical"), *optional;
    const char *digest, *identity, *type;
    int ok = 0;

    digest = json_string_value(
        json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"));
    identity = json_string_value(
        json_object_get(json_object_get(critical, "identity"), "docker-reference"));
    type = json_string_value(json_object_get(critical, "type"));
    optional = json_object_get(root, "optional");
    signet_reference_repository_name(repo, sizeof(repo), resolved);
    if (!json_is_object(critical))
        snprintf(reason, reason_size, "payload is not a simple signing payload");
    else if (digest == NULL || strcmp(digest, resolved->digest) != 0)
        snprintf(reason, reason_size, "signed digest %.80s is not the image's %s",
                 digest ? digest : "(none)", resolved->digest);
    else if (identity == NULL || strcmp(identity, repo) != 0)
        snprintf(reason, reason_size, "signed for repository '%.120s', not '%s'",
                 identity ? identity : "(none)", repo);
    else if (type == NULL || strcmp(type, PAYLOAD_TYPE) != 0)
        snprintf(reason, reason_size, "payload type '%.60s' is not '" PAYLOAD_TYPE "'",
                 type ? type : "(none)");
    else {
        ok = 1;
        for (size_t a = 0; a < opts->annotations_count && ok; a++) {
            const char *kv = opts->annotations[a], *eq = strchr(kv, '=');
            char key[256];
            const char *have;
            if (eq == NULL)
                continue; /* refused earlier */
            snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
            have = json_string_value(json_object_get(optional, key));
            if (have == NULL || strcmp(have, eq + 1) != 0) {
                snprintf(reason, reason_size, "missing or incorrect annotation %.100s", kv);
                ok = 0;
            }
        }
    }
    json_decref(root);
    return ok;
}

int
signet_cosign_verify(signet_cosign_verified **out, signet_ctx *ctx, signet_registry *reg,
                     const signet_key *key, const signet_reference *image,
                     const signet_cosign_options *opts)
{
    json_t *unused = NULL;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && key != NULL && image != NULL);
    *out = NULL;
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK ||
        (rc = annotations_object(&unused, ctx, opts)) != SIGNET_OK)
        return rc;
    json_decref(unused);
    return signet_cosign__verify_with(out, ctx, reg, &key, 1, image, opts,
                                      signet_cosign__claims_hold, (void *)opts);
}

int
signet_cosign__verify_with(signet_cosign_verified **out, signet_ctx *ctx, signet_registry *reg,
                           const signet_key *const *keys, size_t nkeys,
                           const signet_reference *image, const signet_cosign_options *opts,
                           signet_cosign__claims_fn claims, void *arg)
{
    signet_cosign_verified *v = NULL;
    signet_buf expected = SIGNET_BUF_INIT; /* the payload signet would sign for this image */
    char expected_digest[SIGNET_DIGEST_MAX] = "";
    signet_reference att;
    struct manifest m;
    char reasons[REASONS_MAX] = "", name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc, hard_rc = SIGNET_OK;
    signet_ctx hard = {SIGNET_OK, ""};

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && keys != NULL && nkeys > 0 &&
                               image != NULL && claims != NULL);
    *out = NULL;
    memset(&m, 0, sizeof(m));
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK)
        return rc;
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    signet_reference_format(name, sizeof(name), image);
    if ((rc = signet_cosign_resolve(&v->image, ctx, reg, image, opts)) != SIGNET_OK ||
        (rc = signet_cosign_attachment(&att, ctx, &v->image, "sig", opts)) != SIGNET_OK)
        goto out;
    rc = fetch_attachment(&m, NULL, ctx, reg, &att);
    if (rc == SIGNET_ENOTFOUND) {
        signet_ctx_clear_error(ctx);
        rc = signet_error__set(ctx, SIGNET_ENOSIG,
                               "no matching signatures for '%s' (%s): no signatures found", name,
                               v->image.digest);
        goto out;
    }
    if (rc != SIGNET_OK)
        goto out;
    signet_buf_init(&expected, SIGNET_BLOB_MAX, 0);
    if ((rc = signet_cosign_payload(&expected, ctx, &v->image, opts)) != SIGNET_OK)
        goto out;
    signet_digest_sha256(expected_digest, expected.ptr, expected.size);
    v->payloads = calloc(json_array_size(m.entries) + 1, sizeof(signet_buf));
    if (v->payloads == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(m.entries); i++) {
        const char *mt = signet_manifest__entry_string(&m, i, "mediaType");
        const char *digest = signet_manifest__entry_string(&m, i, "digest");
        const char *sig_text = layer_annotation(&m, i, ANN_SIGNATURE);
        signet_buf sig = SIGNET_BUF_INIT, *payload = &v->payloads[v->count];
        signet_ctx scratch = {SIGNET_OK, ""};
        size_t signer = 0;
        json_int_t size = json_integer_value(json_object_get(json_array_get(m.entries, i), "size"));
        int lrc;

        if (strcmp(mt, SIMPLESIGNING_MT) != 0) {
            add_reason(reasons, i, "media type %.80s is not a simple signing payload", mt);
            continue;
        }
        if (sig_text == NULL || sig_text[0] == '\0') {
            add_reason(reasons, i, "no signature annotation");
            continue;
        }
        if (size > (json_int_t)SIGNET_BLOB_MAX) {
            /* Could not check this one: remembered in case nothing else verifies. */
            add_reason(reasons, i, "payload of %lld bytes is over the %u-byte limit",
                       (long long)size, SIGNET_BLOB_MAX);
            if (hard_rc == SIGNET_OK) {
                hard_rc = signet_error__set(&hard, SIGNET_ETOOLARGE,
                                            "signature payload of %lld bytes is over the %u-byte "
                                            "limit",
                                            (long long)size, SIGNET_BLOB_MAX);
            }
            continue;
        }
        signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
        if (signet_base64__decode(&sig, &scratch, sig_text, strlen(sig_text), "signature") !=
            SIGNET_OK) {
            add_reason(reasons, i, "signature is not valid base64");
            signet_buf_dispose(&sig);
            continue;
        }
        signet_buf_init(payload, SIGNET_BLOB_MAX, 0);
        /*
         * The layer's digest names its bytes: when it is the digest of the payload signet would
         * sign for this image, those are the bytes, and the registry need not be asked.
         */
        if (strcmp(digest, expected_digest) == 0)
            lrc = signet_buf_put(payload, expected.ptr, expected.size);
        else
            lrc = signet_registry_get_blob(payload, &scratch, reg, &att, digest);
        if (lrc == SIGNET_OK) {
            /* Any of the trusted keys may have made it. */
            for (signer = 0; signer < nkeys; signer++) {
                signet_ctx_clear_error(&scratch);
                lrc = signet_verify_data(&scratch, keys[signer], sig.ptr, sig.size, payload->ptr,
                                         payload->size);
                if (lrc != SIGNET_EVERIFY)
                    break;
            }
        }
        signet_buf_dispose(&sig);
        if (lrc == SIGNET_EVERIFY)
            add_reason(reasons, i,
                       nkeys == 1 ? "signature does not verify with the key"
                                  : "signature does not verify with any of the keys");
        else if (lrc != SIGNET_OK) {
            /* Could not check this one: remembered in case nothing else verifies. */
            if (hard_rc == SIGNET_OK) {
                hard_rc = lrc;
                hard = scratch;
            }
            add_reason(reasons, i, "%s", signet_ctx_error(&scratch));
        } else {
            char reason[300] = "";
            if (claims(payload, &v->image, arg, reason, sizeof(reason))) {
                if (signer < 64)
                    v->signers |= UINT64_C(1) << signer;
                v->count++;
                continue;
            }
            add_reason(reasons, i, "%s", reason);
        }
        signet_buf_dispose(payload);
    }
    if (v->count > 0) {
        *out = v;
        v = NULL;
        rc = SIGNET_OK;
    } else if (hard_rc != SIGNET_OK) {
        rc = signet_error__set(ctx, hard_rc, "%s", signet_ctx_error(&hard));
    } else {
        rc = signet_error__set(ctx, SIGNET_ENOSIG, "no matching signatures for '%s' (%s): %s", name,
                               v->image.digest, reasons[0] ? reasons : "no signature layers");
    }
out:
    signet_buf_dispose(&expected);
    signet_manifest__release(&m);
    signet_cosign_verified_free(v);
    return rc;
}

const signet_reference *
signet_cosign_verified_image(const signet_cosign_verified *v)
{
    return &v->image;
}

uint64_t
signet_cosign__verified_signers(const signet_cosign_verified *v)
{
    return v == NULL ? 0 : v->signers;
}

size_t
signet_cosign_verified_count(const signet_cosign_verified *v)
{
    return v == NULL ? 0 : v->count;
}

const char *
signet_cosign_verified_payload(const signet_cosign_verified *v, size_t i, size_t *len)
{
    if (v == NULL || i >= v->count)
        return NULL;
    if (len != NULL)
        *len = v->payloads[i].size;
    return v->payloads[i].ptr;
}

int
signet_cosign_verified_json(signet_buf *out, signet_ctx *ctx, const signet_cosign_verified *v)
{
    json_t *array = json_array();
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && v != NULL);
    for (size_t i = 0; i < v->count; i++) {
        json_t *p = json_loadb(v->payloads[i].ptr, v->payloads[i].size, 0, NULL);
        json_t *critical = json_object_get(p, "critical"),
               *optional = json_object_get(p, "optional");
        /* cosign re-marshals its own struct: critical's three fields, then optional. */
        json_array_append_new(
            array,
            json_pack("{s:{s:{s:O},s:{s:O},s:O},s:O}", "critical", "identity", "docker-reference",
                      json_object_get(json_object_get(critical, "identity"), "docker-reference"),
                      "image", "docker-manifest-digest",
                      json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"),
                      "type", json_object_get(critical, "type"), "optional",
                      optional ? optional : json_null()));
        json_decref(p);
    }
    rc = go_json(out, ctx, array, 0);
    json_decref(array);
    return rc;
}

void
signet_cosign_verified_free(signet_cosign_verified *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; v->payloads != NULL && i < v->count; i++)
        signet_buf_dispose(&v->payloads[i]);
    free(v->payloads);
    free(v);
}

struct attachment_kind {
    const char *suffix, *type, *title;
};

static const struct attachment_kind kinds[] = {
    {"sig", "signature", "\xf0\x9f\x94\x90 Signatures for an image tag: "},
    {"att", "attestation", "\xf0\x9f\x92\xbe Attestations for an image tag: "},
    {"sbom", "sbom", "\xf0\x9f\x93\xa6 SBOMs for an image tag: "},
};

int
signet_cosign_tree(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                   const signet_reference *image, const signet_cosign_options *opts)
{
    signet_reference resolved, att;
    char name[SIGNET_REFERENCE_NAME_MAX * 2], att_name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc, found = 0;

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && image != NULL);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK ||
        (rc = signet_cosign_resolve(&resolved, ctx, reg, image, opts)) != SIGNET_OK)
        return rc;
    signet_reference_format(name, sizeof(name), image);
    signet_buf_puts(out, "\xf0\x9f\x93\xa6 Supply Chain Security Related artifacts for an image: ");
    signet_buf_puts(out, name);
    signet_buf_puts(out, "\n");
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct manifest m;
        if ((rc = signet_cosign_attachment(&att, ctx, &resolved, kinds[k].suffix, opts)) !=
            SIGNET_OK)
            return rc;
        rc = fetch_attachment(&m, NULL, ctx, reg, &att);
        if (rc == SIGNET_ENOTFOUND) {
            signet_ctx_clear_error(ctx);
            continue;
        }
        if (rc != SIGNET_OK)
            return rc;
        found = 1;
        signet_reference_format(att_name, sizeof(att_name), &att);
        signet_buf_puts(out, "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 ");
        signet_buf_puts(out, kinds[k].title);
        signet_buf_puts(out, att_name);
        signet_buf_puts(out, "\n");
        for (size_t i = 0; i < json_array_size(m.entries); i++) {
            int last = i + 1 == json_array_size(m.entries);
            signet_buf_puts(out, last
                                     ? "   \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 \xf0\x9f\x8d\x92 "
                                     : "   \xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 \xf0\x9f\x8d\x92 ");
            signet_buf_puts(out, signet_manifest__entry_string(&m, i, "digest"));
            signet_buf_puts(out, "\n");
        }
        signet_manifest__release(&m);
    }
    if (!found) {
        out->size = 0;
        signet_buf_puts(out, "No Supply Chain Security Related Artifacts found for image ");
        signet_buf_puts(out, name);
        signet_buf_puts(out, ",\n start creating one with simply running$ cosign sign <img>\n");
    }
    return out->ptr == NULL ? signet_error__set(ctx, SIGNET_ETOOLARGE, "tree output too large")
                            : SIGNET_OK;
}

int
signet_cosign_download(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                       const signet_reference *image, const signet_cosign_options *opts)
{
    signet_reference resolved, att;
    struct manifest m;
    char name[SIGNET_REFERENCE_NAME_MAX * 2];
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && reg != NULL && image != NULL);
    memset(&m, 0, sizeof(m));
    signet_reference_format(name, sizeof(name), image);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK ||
        (rc = signet_cosign_resolve(&resolved, ctx, reg, image, opts)) != SIGNET_OK ||
        (rc = signet_cosign_attachment(&att, ctx, &resolved, "sig", opts)) != SIGNET_OK)
        return rc;
    rc = fetch_attachment(&m, NULL, ctx, reg, &att);
    if (rc == SIGNET_ENOTFOUND) {
        signet_ctx_clear_error(ctx);
        return signet_error__set(ctx, SIGNET_ENOSIG, "no signatures associated with '%s'", name);
    }
    if (rc != SIGNET_OK)
        return rc;
    for (size_t i = 0; i < json_array_size(m.entries) && rc == SIGNET_OK; i++) {
        signet_buf payload = SIGNET_BUF_INIT, b64 = SIGNET_BUF_INIT;
        const char *sig = layer_annotation(&m, i, ANN_SIGNATURE);
        const char *bundle = layer_annotation(&m, i, ANN_BUNDLE);
        json_t *line, *bundle_json = bundle ? json_loads(bundle, 0, NULL) : NULL;

        signet_buf_init(&payload, SIGNET_BLOB_MAX, 0);
        signet_buf_init(&b64, SIGNET_BLOB_MAX * 2, 0);
        if ((rc = signet_registry_get_blob(&payload, ctx, reg, &att,
                                           signet_manifest__entry_string(&m, i, "digest"))) ==
                SIGNET_OK &&
            (rc = signet_base64__encode(&b64, ctx, payload.ptr ? payload.ptr : "", payload.size)) ==
                SIGNET_OK) {
            line = json_pack("{s:s,s:s,s:n,s:n,s:o,s:n}", "Base64Signature", sig ? sig : "",
                             "Payload", b64.ptr ? b64.ptr : "", "Cert", "Chain", "Bundle",
                             bundle_json ? bundle_json : json_null(), "RFC3161Timestamp");
            bundle_json = NULL; /* now owned by line */
            if ((rc = go_json(out, ctx, line, 0)) == SIGNET_OK)
                rc = signet_buf_puts(out, "\n") == SIGNET_OK
                         ? SIGNET_OK
                         : signet_error__set(ctx, SIGNET_ETOOLARGE, "output too large");
            json_decref(line);
        }
        json_decref(bundle_json);
        signet_buf_dispose(&b64);
        signet_buf_dispose(&payload);
    }
    signet_manifest__release(&m);
    return rc;
}

int
signet_cosign_clean(signet_ctx *ctx, signet_registry *reg, const signet_reference *image,
                    const char *type, const signet_cosign_options *opts)
{
    signet_reference resolved, att;
    signet_descriptor desc;
    int rc, known = strcmp(type, "all") == 0;

    SIGNET_ASSERT_ARG(ctx, reg != NULL && image != NULL && type != NULL);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        known |= strcmp(type, kinds[k].type) == 0;
    if (!known)
        return signet_error__set(ctx, SIGNET_EINVALID,
                                 "unknown attachment type '%.40s' (signature, attestation, sbom, "
                                 "all)",
                                 type);
    if ((rc = check_options(ctx, &opts)) != SIGNET_OK ||
        (rc = signet_cosign_resolve(&resolved, ctx, reg, image, opts)) != SIGNET_OK)
        return rc;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (strcmp(type, "all") != 0 && strcmp(type, kinds[k].type) != 0)
            continue;
        if ((rc = signet_cosign_attachment(&att, ctx, &resolved, kinds[k].suffix, opts)) !=
            SIGNET_OK)
            return rc;
        rc = signet_registry_head_manifest(&desc, ctx, reg, &att);
        if (rc == SIGNET_ENOTFOUND) {
            signet_ctx_clear_error(ctx);
            continue;
        }
        if (rc != SIGNET_OK ||
            (rc = signet_registry_delete_manifest(ctx, reg, &att, desc.digest)) != SIGNET_OK)
            return rc;
    }
    return SIGNET_OK;
}
