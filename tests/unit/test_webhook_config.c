#include "config.h"
#include "harness.h"
#include "internal.h"
#include "verify.h"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GPG_PUB    "containers-image/interop/simple-signing/signer-pub.gpg"
#define GPG_SECRET "containers-image/interop/simple-signing/signer-sec-TEST-ONLY.asc"
#define POLICY     "{\"default\":[{\"type\":\"reject\"}]}"
#define DIGEST     "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"
#define HMAC_KEY   "0123456789abcdef0123456789abcdef" /* 32 bytes */

/* A directory for the files configurations name, made once and removed at the end. */
static char dir[64];
/* PEM public keys of two fresh P-256 keys. */
static signet_buf pem_release = SIGNET_BUF_INIT, pem_other = SIGNET_BUF_INIT;

static const char *
in_dir(const char *rel)
{
    static char path[2][512];
    static int which;

    which ^= 1;
    snprintf(path[which], sizeof(path[which]), "%s/%s", dir, rel);
    return path[which];
}

static void
put_file(const char *rel, const void *data, size_t len)
{
    CHECK_OK(
        signet_file_write(harness_ctx, in_dir(rel), data, len, 0600, SIGNET_FILE_WRITE_OVERWRITE));
}

static void
new_public_pem(signet_buf *out)
{
    signet_key *key = NULL;

    signet_buf_init(out, 4096, 0);
    CHECK_OK(signet_key_generate(&key, harness_ctx));
    CHECK_OK(signet_key_public_pem(out, harness_ctx, key));
    signet_key_free(key);
}

/* The offline-fs-kbc resource file: default/cosign-key/1 and default/security-policy/test. */
static void
put_resources(void)
{
    signet_buf json = SIGNET_BUF_INIT, b64 = SIGNET_BUF_INIT;

    signet_buf_init(&json, 64 * 1024, 0);
    signet_buf_init(&b64, 64 * 1024, 0);
    CHECK_OK(signet_buf_puts(&json, "{\"default/cosign-key/1\": \""));
    CHECK_OK(signet_base64__encode(&b64, harness_ctx, pem_other.ptr, pem_other.size));
    CHECK_OK(signet_buf_put(&json, b64.ptr, b64.size));
    signet_buf_dispose(&b64);
    signet_buf_init(&b64, 64 * 1024, 0);
    CHECK_OK(signet_buf_puts(&json, "\", \"default/security-policy/test\": \""));
    CHECK_OK(signet_base64__encode(&b64, harness_ctx, POLICY, strlen(POLICY)));
    CHECK_OK(signet_buf_put(&json, b64.ptr, b64.size));
    CHECK_OK(signet_buf_puts(&json, "\"}\n"));
    put_file("resources.json", json.ptr, json.size);
    signet_buf_dispose(&b64);
    signet_buf_dispose(&json);
}

/* @p text with @p indent before each line, appended to @p out (a YAML block scalar). */
static void
put_indented(signet_buf *out, const char *text, size_t len, const char *indent)
{
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || text[i - 1] == '\n')
            CHECK_OK(signet_buf_puts(out, indent));
        CHECK_OK(signet_buf_put(out, &text[i], 1));
    }
}

/* The issue's example, as written, with a real key in place of "...". */
static void
example_config(signet_buf *out, const signet_buf *pem)
{
    signet_buf_init(out, 64 * 1024, 0);
    CHECK_OK(signet_buf_puts(out, "trustRoots:\n"
                                  "  - name: release\n"
                                  "    key: |                      # or keyFile: path, or keyRef: "
                                  "kbs:///default/cosign-key/1\n"));
    put_indented(out, pem->ptr, pem->size, "      ");
    CHECK_OK(signet_buf_puts(
        out, "validators:\n"
             "  - name: cosign-release\n"
             "    type: cosign                # cosign | gpg | static | policy "
             "(containers-policy.json)\n"
             "    trustRoots: [release]       # threshold: N and required: [names] optional\n"
             "  - name: allow-all\n"
             "    type: static\n"
             "    approve: true\n"
             "rules:                          # most specific pattern wins; no match -> default\n"
             "  - pattern: \"127.0.0.1:5000/team/*\"\n"
             "    validator: cosign-release\n"
             "    mode: enforce               # enforce | warn | audit\n"
             "    mutate: true\n"
             "default: deny\n"
             "registries:\n"
             "  allowHttp: [\"127.0.0.1:5000\"] # plain-HTTP registries (tests, air-gapped "
             "mirrors)\n"
             "cache: {ttlSeconds: 300, negativeTtlSeconds: 10, maxEntries: 10000}\n"
             "redis: {url: \"redis://127.0.0.1:6379\", hmacKeyFile: redis-hmac.key}   # "
             "optional\n"));
}

static wh_config *
parse_ok(const char *yaml, const char *name)
{
    char err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;
    int rc = wh_config_parse(&cfg, err, yaml, strlen(yaml), name);

    if (rc != SIGNET_OK || cfg == NULL)
        harness_fail(__FILE__, __LINE__, "parse failed (%d): %s", rc, err);
    return cfg;
}

/* Parsing @p yaml as "webhook.yaml" fails with @p code and exactly @p message. */
static void
check_error(int line, const char *yaml, int code, const char *message)
{
    char err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;
    int rc = wh_config_parse(&cfg, err, yaml, strlen(yaml), "webhook.yaml");

    if (rc != code || cfg != NULL || strcmp(err, message) != 0)
        harness_fail(__FILE__, line, "%s: got %d '%s', want %d '%s'", yaml, rc, err, code, message);
    wh_config_free(cfg);
}

static void
test_webhook_config__issue_example(void)
{
    signet_buf yaml = SIGNET_BUF_INIT;
    wh_config *cfg;

    example_config(&yaml, &pem_release);
    put_file("redis-hmac.key", HMAC_KEY "\n", 33);
    cfg = parse_ok(yaml.ptr, in_dir("webhook.yaml"));
    if (cfg != NULL) {
        const wh_validator *v = &cfg->validators[0];
        CHECK(cfg->trust_roots_count == 1 && strcmp(cfg->trust_roots[0].name, "release") == 0);
        CHECK(cfg->trust_roots[0].key_len == pem_release.size &&
              memcmp(cfg->trust_roots[0].key, pem_release.ptr, pem_release.size) == 0);
        CHECK(cfg->trust_roots[0].public_key != NULL);
        CHECK(strcmp(cfg->trust_roots[0].source, "inline") == 0);
        CHECK(cfg->trust_roots[0].line == 2);
        CHECK(cfg->validators_count == 2);
        CHECK(v->type == WH_VALIDATOR_COSIGN && v->trust_roots_count == 1 &&
              v->trust_roots[0] == 0 && v->threshold == 0 && v->required_count == 0);
        CHECK(v->signature_repository == NULL && v->annotations_count == 0);
        CHECK(cfg->validators[1].type == WH_VALIDATOR_STATIC && cfg->validators[1].approve == 1);
        CHECK(memcmp(v->digest, cfg->validators[1].digest, 32) != 0);
        CHECK(cfg->rules_count == 1 && strcmp(cfg->rules[0].pattern, "127.0.0.1:5000/team/*") == 0);
        CHECK(cfg->rules[0].validator == 0 && cfg->rules[0].mode == WH_MODE_ENFORCE &&
              cfg->rules[0].mutate == 1);
        CHECK(cfg->no_match == WH_DEFAULT_DENY);
        CHECK(cfg->allow_http_count == 1 && strcmp(cfg->allow_http[0], "127.0.0.1:5000") == 0);
        CHECK(cfg->cache_ttl_s == 300 && cfg->cache_negative_ttl_s == 10 &&
              cfg->cache_max_entries == 10000);
        CHECK(strcmp(cfg->redis_url, "redis://127.0.0.1:6379") == 0);
        CHECK(strcmp(cfg->redis_key_prefix, "signet-webhook:") == 0);
        CHECK(cfg->redis_password_file == NULL && cfg->redis_ca_file == NULL);
        CHECK(strcmp(cfg->redis_hmac_key_file, in_dir("redis-hmac.key")) == 0);
        CHECK(cfg->redis_hmac_key.size == 32 && cfg->redis_hmac_key.secret == 1 &&
              memcmp(cfg->redis_hmac_key.ptr, HMAC_KEY, 32) == 0);
        CHECK(cfg->deadline_ms == 9000 && cfg->max_body_bytes == 3 * 1024 * 1024);
        CHECK(cfg->namespaces_include_count == 0 && cfg->namespaces_exclude_count == 0);
        CHECK(cfg->rate_limit_per_second == 0 && cfg->rate_limit_burst == 0);
        CHECK(cfg->skip_unchanged_updates == 0 && cfg->kbs == NULL);
    }
    wh_config_free(cfg);
    signet_buf_dispose(&yaml);
}

/* Every key, with files relative to the configuration's directory, loaded from a file. */
static void
test_webhook_config__every_key(void)
{
    static const char yaml[] =
        "resources: resources.json\n"
        "trustRoots:\n"
        "  - {name: release, keyFile: keys/release.pub}\n"
        "  - {name: other, keyRef: \"kbs:///default/cosign-key/1\"}\n"
        "  - name: gpg-signer\n"
        "    keyFile: signer-pub.gpg\n"
        "validators:\n"
        "  - name: both\n"
        "    type: cosign\n"
        "    trustRoots: [release, other]\n"
        "    threshold: 1\n"
        "    required: [other]\n"
        "    signatureRepository: 127.0.0.1:5000/signatures\n"
        "    annotations: {env: prod, team: \"7\"}\n"
        "  - name: simple\n"
        "    type: gpg\n"
        "    trustRoots: [gpg-signer]\n"
        "    registriesD: registries.d\n"
        "  - {name: file-policy, type: policy, policy: policy.json}\n"
        "  - name: kbs-policy\n"
        "    type: policy\n"
        "    policy: kbs:///default/security-policy/test\n"
        "    registriesD: ./registries.d\n"
        "  - {name: deny-all, type: static, approve: false}\n"
        "rules:\n"
        "  - {pattern: \"docker.io/library/*\", validator: deny-all, mode: warn, mutate: false}\n"
        "  - {pattern: \"*\", validator: kbs-policy, mode: audit}\n"
        "default: allow\n"
        "namespaces: {include: [apps, web], exclude: [kube-system]}\n"
        "skipUnchangedUpdates: true\n"
        "deadlineSeconds: 5\n"
        "maxBodyBytes: 1048576\n"
        "registries:\n"
        "  allowHttp: [\"127.0.0.1:5000\", localhost:5001]\n"
        "  caFile: ca.pem\n"
        "  authFile: secret/auth.json\n"
        "  rateLimit: {requestsPerSecond: 2.5, burst: 7}\n"
        "cache: {ttlSeconds: 0, negativeTtlSeconds: 1, maxEntries: 1}\n"
        "redis:\n"
        "  url: rediss://redis.example:6380/2\n"
        "  passwordFile: secret/redis-password\n"
        "  caFile: ca.pem\n"
        "  keyPrefix: \"replica:\"\n"
        "  hmacKeyFile: secret/redis-hmac.key\n";
    signet_buf gpg = SIGNET_BUF_INIT;
    char err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;
    int rc;

    CHECK(mkdir(in_dir("keys"), 0700) == 0);
    CHECK(mkdir(in_dir("secret"), 0700) == 0);
    CHECK(mkdir(in_dir("registries.d"), 0700) == 0);
    put_file("keys/release.pub", pem_release.ptr, pem_release.size);
    put_file("secret/redis-password", "hunter2", 7);
    /* Bytes of any value; only whitespace at the end is dropped. */
    put_file("secret/redis-hmac.key", "\0 x" HMAC_KEY " \t\r\n\v\f\n", 42);
    put_file("secret/auth.json", "{\"auths\": {}}", 13);
    put_file("ca.pem", pem_other.ptr, pem_other.size); /* only read, not parsed */
    put_file("policy.json", POLICY, strlen(POLICY));
    put_file("registries.d/default.yaml", "default-docker:\n  lookaside: file:///tmp/sigs\n", 45);
    harness_read(&gpg, harness_vector(GPG_PUB));
    put_file("signer-pub.gpg", gpg.ptr, gpg.size);
    put_resources();
    put_file("webhook.yaml", yaml, sizeof(yaml) - 1);
    /* The configuration, like anything mounted from a ConfigMap, may be a symbolic link. */
    CHECK(symlink("webhook.yaml", in_dir("link.yaml")) == 0);
    rc = wh_config_load(&cfg, err, in_dir("link.yaml"));
    if (rc != SIGNET_OK)
        harness_fail(__FILE__, __LINE__, "load failed (%d): %s", rc, err);
    if (cfg != NULL) {
        const wh_validator *v = cfg->validators;
        CHECK(cfg->trust_roots_count == 3 && cfg->validators_count == 5 && cfg->rules_count == 2);
        CHECK(strcmp(cfg->trust_roots[0].source, in_dir("keys/release.pub")) == 0);
        CHECK(cfg->trust_roots[0].public_key != NULL && cfg->trust_roots[1].public_key != NULL);
        CHECK(cfg->trust_roots[1].key_len == pem_other.size &&
              memcmp(cfg->trust_roots[1].key, pem_other.ptr, pem_other.size) == 0);
        CHECK(strcmp(cfg->trust_roots[1].source, "kbs:///default/cosign-key/1") == 0);
        CHECK(cfg->trust_roots[2].public_key == NULL && cfg->trust_roots[2].key_len == gpg.size);
        CHECK(v[0].threshold == 1 && v[0].required_count == 1 && v[0].required[0] == 1);
        CHECK(strcmp(v[0].signature_repository, "127.0.0.1:5000/signatures") == 0);
        CHECK(v[0].annotations_count == 2 && strcmp(v[0].annotations[0], "env=prod") == 0 &&
              strcmp(v[0].annotations[1], "team=7") == 0);
        CHECK(v[1].type == WH_VALIDATOR_GPG && v[1].registries != NULL &&
              strcmp(v[1].registries_d, in_dir("registries.d")) == 0);
        CHECK(v[2].policy != NULL && strcmp(v[2].policy_path, in_dir("policy.json")) == 0);
        CHECK(v[2].registries_d == NULL && v[2].registries == NULL);
        CHECK(v[3].policy != NULL &&
              strcmp(v[3].policy_path, "kbs:///default/security-policy/test") == 0);
        CHECK(strcmp(v[3].registries_d, in_dir("./registries.d")) == 0 && v[3].registries);
        CHECK(v[4].type == WH_VALIDATOR_STATIC && v[4].approve == 0);
        CHECK(cfg->rules[0].mode == WH_MODE_WARN && cfg->rules[0].mutate == 0);
        CHECK(cfg->rules[1].mode == WH_MODE_AUDIT && cfg->rules[1].mutate == 1);
        CHECK(cfg->no_match == WH_DEFAULT_ALLOW && cfg->skip_unchanged_updates == 1);
        CHECK(cfg->namespaces_include_count == 2 && cfg->namespaces_exclude_count == 1);
        CHECK(cfg->deadline_ms == 5000 && cfg->max_body_bytes == 1048576);
        CHECK(cfg->allow_http_count == 2 && strcmp(cfg->allow_http[1], "localhost:5001") == 0);
        CHECK(strcmp(cfg->registry_ca_file, in_dir("ca.pem")) == 0);
        CHECK(strcmp(cfg->registry_auth_file, in_dir("secret/auth.json")) == 0);
        CHECK(cfg->rate_limit_per_second == 2.5 && cfg->rate_limit_burst == 7);
        CHECK(cfg->cache_ttl_s == 0 && cfg->cache_negative_ttl_s == 1 &&
              cfg->cache_max_entries == 1);
        CHECK(strcmp(cfg->redis_url, "rediss://redis.example:6380/2") == 0);
        CHECK(strcmp(cfg->redis_password_file, in_dir("secret/redis-password")) == 0);
        CHECK(strcmp(cfg->redis_ca_file, in_dir("ca.pem")) == 0);
        CHECK(strcmp(cfg->redis_key_prefix, "replica:") == 0);
        CHECK(strcmp(cfg->redis_hmac_key_file, in_dir("secret/redis-hmac.key")) == 0);
        CHECK(cfg->redis_hmac_key.size == 35 &&
              memcmp(cfg->redis_hmac_key.ptr, "\0 x" HMAC_KEY, 35) == 0);
        CHECK(strcmp(cfg->resources, in_dir("resources.json")) == 0 && cfg->kbs != NULL);
    }
    wh_config_free(cfg);
    signet_buf_dispose(&gpg);
}

/* Each error class, with its exact "name:line:column: reason". */
static void
test_webhook_config__errors(void)
{
    static const struct {
        int code;
        const char *yaml, *message;
    } cases[] = {
        /* YAML itself */
        {SIGNET_EPARSE, "", "webhook.yaml:1:1: the configuration is empty"},
        {SIGNET_EPARSE, "a: [1\n",
         "webhook.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow "
         "sequence"},
        {SIGNET_EPARSE, "default: deny\n---\ndefault: allow\n",
         "webhook.yaml:2:1: more than one YAML document"},
        {SIGNET_EPARSE, "rules:\n  - &r {pattern: \"a.io/*\", validator: v}\n  - *r\n",
         "webhook.yaml:2:5: YAML anchors are not supported (&\"r\")"},
        {SIGNET_EPARSE, "default: *d\n",
         "webhook.yaml:1:10: YAML aliases are not supported (*\"d\")"},
        {SIGNET_EPARSE, "default: !!str deny\n",
         "webhook.yaml:1:10: YAML tags are not supported (\"tag:yaml.org,2002:str\")"},
        {SIGNET_EPARSE, "a: [[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]\n",
         "webhook.yaml:1:19: nested deeper than 16 levels"},
        {SIGNET_EPARSE, "default: \"\xff\"\n",
         "webhook.yaml:1:11: invalid YAML: invalid leading UTF-8 octet"},
        /* shape */
        {SIGNET_EPARSE, "- a\n",
         "webhook.yaml:1:1: the configuration must be a mapping, got a list"},
        {SIGNET_EPARSE, "default: deny\ntreshold: 1\n",
         "webhook.yaml:2:1: unknown key \"treshold\" in the configuration"},
        {SIGNET_EPARSE, "default: deny\ndefault: allow\n",
         "webhook.yaml:2:1: duplicate key \"default\" in the configuration (first at line 1)"},
        {SIGNET_EPARSE,
         "validators:\n  - name: v\n    type: static\n    approve: true\n    "
         "treshold: 1\n",
         "webhook.yaml:5:5: unknown key \"treshold\" in validator"},
        {SIGNET_EPARSE, "validators:\n  - name: v\n    approve: true\n",
         "webhook.yaml:2:5: missing key \"type\" in validator"},
        {SIGNET_EPARSE, "validators:\n  - type: static\n",
         "webhook.yaml:2:5: missing key \"name\" in validator"},
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: static}\n",
         "webhook.yaml:2:5: missing key \"approve\" in static validator"},
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: cosign}\n",
         "webhook.yaml:2:5: missing key \"trustRoots\" in cosign validator"},
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: policy}\n",
         "webhook.yaml:2:5: missing key \"policy\" in policy validator"},
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: static, approve: true, threshold: 1}\n",
         "webhook.yaml:2:44: key \"threshold\" does not apply to a static validator"},
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: cosgin}\n",
         "webhook.yaml:2:21: unknown validator type \"cosgin\" (cosign, gpg, static, policy)"},
        {SIGNET_EPARSE, "validators: {name: v}\n",
         "webhook.yaml:1:13: \"validators\" must be a list, got a mapping"},
        {SIGNET_EPARSE, "validators: [v]\n",
         "webhook.yaml:1:14: an entry of \"validators\" must be a mapping, got the string \"v\""},
        {SIGNET_EPARSE,
         "validators:\n  - {name: a, type: static, approve: true}\n  - {name: a, type: static, "
         "approve: false}\n",
         "webhook.yaml:3:12: duplicate validator \"a\" (first at line 2)"},
        {SIGNET_EPARSE, "validators:\n  - {name: \"a b\", type: static, approve: true}\n",
         "webhook.yaml:2:12: name \"a b\" may hold only letters, digits, '.', '_' and '-'"},
        {SIGNET_EPARSE, "rules:\n  - {pattern: \"a.io/*\", validator: \"a\n\n  b\"}\n",
         "webhook.yaml:2:36: \"validator\" contains a control character"},
        {SIGNET_EPARSE, "registries: {allowHttp: [\"a b\"]}\n",
         "webhook.yaml:1:26: invalid registry \"a b\" in \"allowHttp\" (want host[:port])"},
        /* types */
        {SIGNET_EPARSE, "validators:\n  - {name: v, type: static, approve: yes}\n",
         "webhook.yaml:2:38: \"approve\" must be a boolean (true or false), got the string "
         "\"yes\""},
        {SIGNET_EPARSE, "validators:\n  - {name: true, type: static, approve: true}\n",
         "webhook.yaml:2:12: \"name\" must be a string, got the boolean true"},
        {SIGNET_EPARSE, "deadlineSeconds: \"9\"\n",
         "webhook.yaml:1:18: \"deadlineSeconds\" must be an integer, got the string \"9\""},
        {SIGNET_EPARSE, "deadlineSeconds: 30\n",
         "webhook.yaml:1:18: \"deadlineSeconds\" must be between 1 and 29, got 30"},
        {SIGNET_EPARSE, "deadlineSeconds: 0x10\n",
         "webhook.yaml:1:18: \"deadlineSeconds\" must be a decimal integer, got 0x10"},
        {SIGNET_EPARSE, "maxBodyBytes: 99999999999999999999999\n",
         "webhook.yaml:1:15: \"maxBodyBytes\" must be between 1024 and 67108864, got "
         "99999999999999999999999"},
        {SIGNET_EPARSE, "cache: {ttlSeconds: -1}\n",
         "webhook.yaml:1:21: \"ttlSeconds\" must be between 0 and 86400, got -1"},
        {SIGNET_EPARSE, "cache: {maxEntries: 1.5}\n",
         "webhook.yaml:1:21: \"maxEntries\" must be an integer, got the number 1.5"},
        {SIGNET_EPARSE, "cache:\n", "webhook.yaml:1:7: \"cache\" must be a mapping, got null"},
        {SIGNET_EPARSE, "registries: {rateLimit: {requestsPerSecond: .inf}}\n",
         "webhook.yaml:1:45: \"requestsPerSecond\" must be between 0 and 1e+06, got .inf"},
        {SIGNET_EPARSE, "registries: {rateLimit: {burst: 3}}\n",
         "webhook.yaml:1:25: missing key \"requestsPerSecond\" in \"rateLimit\""},
        {SIGNET_EPARSE, "registries: {rateLimit: {requestsPerSecond: 0, burst: 3}}\n",
         "webhook.yaml:1:48: \"burst\" needs a limit: \"requestsPerSecond\" is 0"},
        {SIGNET_EPARSE, "registries: {allowHttp: [\"a.io/x\"]}\n",
         "webhook.yaml:1:26: invalid registry \"a.io/x\" in \"allowHttp\" (want host[:port])"},
        {SIGNET_EPARSE, "registries: {allowHttp: [a.io, a.io]}\n",
         "webhook.yaml:1:32: \"allowHttp\" lists \"a.io\" twice"},
        {SIGNET_EPARSE, "default: reject\n",
         "webhook.yaml:1:10: unknown default \"reject\" (deny, allow)"},
        {SIGNET_EPARSE, "skipUnchangedUpdates: 1\n",
         "webhook.yaml:1:23: \"skipUnchangedUpdates\" must be a boolean (true or false), got the "
         "integer 1"},
        /* rules */
        {SIGNET_EPARSE, "rules:\n  - {pattern: \"a.io/*\", validator: v}\n",
         "webhook.yaml:2:36: unknown validator \"v\""},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: \"a.io/*\", "
         "validator: v, mode: enforced}\n",
         "webhook.yaml:3:45: unknown mode \"enforced\" (enforce, warn, audit)"},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: \"\", "
         "validator: v}\n",
         "webhook.yaml:3:15: \"pattern\" must not be empty"},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: nginx, "
         "validator: v}\n",
         "webhook.yaml:3:15: pattern \"nginx\" does not begin with a registry host (images are "
         "matched as \"docker.io/library/nginx:1.25\")"},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: "
         "docker.io/nginx, validator: v}\n",
         "webhook.yaml:3:15: pattern \"docker.io/nginx\" never matches: official Docker Hub "
         "images are matched as \"docker.io/library/NAME\""},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: \"a.io/x "
         "y\", validator: v}\n",
         "webhook.yaml:3:15: pattern \"a.io/x y\" holds a character no image reference has"},
        {SIGNET_EPARSE,
         "validators: [{name: v, type: static, approve: true}]\nrules:\n  - {pattern: a.io/*, "
         "validator: v}\n  - {pattern: a.io/*, validator: v}\n",
         "webhook.yaml:4:15: duplicate pattern \"a.io/*\" (first at line 3)"},
        {SIGNET_EPARSE, "rules:\n  - {validator: v}\n",
         "webhook.yaml:2:5: missing key \"pattern\" in rule"},
        /* trust roots and their use */
        {SIGNET_EPARSE, "trustRoots:\n  - {name: r}\n",
         "webhook.yaml:2:5: trust root \"r\" needs one of \"key\", \"keyFile\" or \"keyRef\""},
        {SIGNET_EPARSE, "trustRoots:\n  - {name: r, key: x, keyFile: y}\n",
         "webhook.yaml:2:23: trust root \"r\" has both \"key\" and \"keyFile\""},
        {SIGNET_EPARSE, "trustRoots:\n  - {name: r, keyRef: \"kbs:///default/cosign-key/1\"}\n",
         "webhook.yaml:2:23: \"kbs:///default/cosign-key/1\" is a KBS resource: \"resources\" (an "
         "offline-fs-kbc resource file) is needed"},
        {SIGNET_EPARSE, "trustRoots:\n  - {name: r, key: x}\n  - {name: r, key: y}\n",
         "webhook.yaml:3:12: duplicate trust root \"r\" (first at line 2)"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[s]}\n",
         "webhook.yaml:3:42: unknown trust root \"s\""},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[]}\n",
         "webhook.yaml:3:41: \"trustRoots\" must not be empty"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[r, r]}\n",
         "webhook.yaml:3:45: \"trustRoots\" lists \"r\" twice"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[r], threshold: 2}\n",
         "webhook.yaml:3:57: \"threshold\" must be between 1 and 1, got 2"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}, {name: s, key: y}]\nvalidators:\n  - {name: v, type: "
         "gpg, trustRoots: [r], required: [s]}\n",
         "webhook.yaml:3:54: required trust root \"s\" is not in \"trustRoots\""},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[r], annotations: {a=b: c}}\n",
         "webhook.yaml:3:60: annotation key \"a=b\" contains '='"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[r], annotations: {n: 1}}\n",
         "webhook.yaml:3:63: an annotation value must be a string, got the integer 1"},
        {SIGNET_EPARSE,
         "trustRoots: [{name: r, key: x}]\nvalidators:\n  - {name: v, type: cosign, trustRoots: "
         "[r], signatureRepository: \"a.io/sigs:v1\"}\n",
         "webhook.yaml:3:67: invalid \"signatureRepository\" \"a.io/sigs:v1\": want a repository "
         "without tag or digest"},
        /* files */
        {SIGNET_ENOTFOUND, "trustRoots: [{name: r, keyFile: /nonexistent/k.pub}]\n",
         "webhook.yaml:1:33: cannot open '/nonexistent/k.pub': No such file or directory"},
        {SIGNET_ENOTFOUND,
         "validators: [{name: v, type: policy, policy: /nonexistent/p.json, registriesD: x}]\n",
         "webhook.yaml:1:46: cannot open '/nonexistent/p.json': No such file or directory"},
        {SIGNET_EPARSE, "registries: {authFile: /dev/null}\n",
         "webhook.yaml:1:24: cannot read '/dev/null': not a regular file"},
        {SIGNET_EPARSE, "redis: {url: \"http://:secret@r:1\"}\n",
         "webhook.yaml:1:14: the redis \"url\" must begin with redis:// or rediss://"},
        {SIGNET_EPARSE, "redis: {url: \"redis://r:1\", caFile: ca.pem}\n",
         "webhook.yaml:1:29: \"caFile\" needs a rediss:// \"url\""},
        {SIGNET_EPARSE, "redis: {url: \"redis://r:1\", keyPrefix: \"p:\"}\n",
         "webhook.yaml:1:8: redis.hmacKeyFile is required with redis.url: replicas sign the "
         "verdicts they share so that a write to Redis cannot admit an image"},
        {SIGNET_EPARSE, "redis:\n  url: \"redis://r:1\"\n  hmacKeyFile: 5\n",
         "webhook.yaml:3:16: \"hmacKeyFile\" must be a string, got the integer 5"},
        {SIGNET_ENOTFOUND, "redis: {url: \"redis://r:1\", hmacKeyFile: /nonexistent/key}\n",
         "webhook.yaml:1:42: cannot open '/nonexistent/key': No such file or directory"},
        {SIGNET_EPARSE, "redis: {url: \"redis://r:1\", hmacKeyFile: /dev/null}\n",
         "webhook.yaml:1:42: cannot read '/dev/null': not a regular file"},
        /* namespaces */
        {SIGNET_EPARSE, "namespaces: {include: [Apps]}\n",
         "webhook.yaml:1:24: invalid namespace \"Apps\" (a DNS label: a-z, 0-9 and '-')"},
        {SIGNET_EPARSE, "namespaces: {include: [a], exclude: [a]}\n",
         "webhook.yaml:1:38: namespace \"a\" is both included and excluded"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_error(__LINE__, cases[i].yaml, cases[i].code, cases[i].message);
}

/* redis.hmacKeyFile: at least 32 bytes once trailing whitespace is dropped, at most 1 KiB. */
static void
test_webhook_config__redis_hmac_key(void)
{
    static const struct {
        const char *content;
        size_t len, counted;
    } too_short[] = {
        {"0123456789abcdef0123456789abcde\n", 32, 31},
        {"0123456789abcdef0123456789abcde                  \n", 50, 31},
        {"                                \n", 33, 0},
        {"", 0, 0},
    };
    char yaml[1024], want[WH_CONFIG_ERROR_MAX], big[1025];
    wh_config *cfg = NULL;

    snprintf(yaml, sizeof(yaml), "redis:\n  url: \"redis://r:1\"\n  hmacKeyFile: %s\n",
             in_dir("short.key"));
    for (size_t i = 0; i < sizeof(too_short) / sizeof(too_short[0]); i++) {
        put_file("short.key", too_short[i].content, too_short[i].len);
        snprintf(want, sizeof(want),
                 "webhook.yaml:3:16: redis.hmacKeyFile \"%s\" holds %zu bytes of secret "
                 "(trailing whitespace not counted); at least 32 are needed",
                 in_dir("short.key"), too_short[i].counted);
        check_error(__LINE__, yaml, SIGNET_EPARSE, want);
    }
    memset(big, 'k', sizeof(big));
    put_file("short.key", big, sizeof(big));
    snprintf(want, sizeof(want),
             "webhook.yaml:3:16: cannot read '%s': input too large (limit 1024 bytes)",
             in_dir("short.key"));
    check_error(__LINE__, yaml, SIGNET_ETOOLARGE, want);
    put_file("short.key", big, sizeof(big) - 1);
    cfg = parse_ok(yaml, "webhook.yaml");
    CHECK(cfg != NULL && cfg->redis_hmac_key.size == 1024);
    wh_config_free(cfg);
}

/* A cosign root whose key does not parse: the message names the root, at the key's line. */
static void
test_webhook_config__bad_keys(void)
{
    static const char *const not_pem =
        "trustRoots:\n  - name: broken\n    key: not a key\nvalidators:\n"
        "  - {name: v, type: cosign, trustRoots: [broken]}\n";
    char err[WH_CONFIG_ERROR_MAX], want[WH_CONFIG_ERROR_MAX];
    signet_buf yaml = SIGNET_BUF_INIT;
    wh_config *cfg = NULL;
    int rc;

    rc = wh_config_parse(&cfg, err, not_pem, strlen(not_pem), "webhook.yaml");
    CHECK(rc == SIGNET_EPARSE && cfg == NULL);
    CHECK(strncmp(err, "webhook.yaml:3:10: trust root \"broken\": ", 40) == 0);
    /* Unused roots are not parsed; cosign and gpg roots are. */
    wh_config_free(parse_ok("trustRoots: [{name: r, key: x}]\n", "webhook.yaml"));
    /* An OpenPGP key for a cosign validator, and a PEM key for a gpg validator. */
    signet_buf_init(&yaml, 64 * 1024, 0);
    snprintf(want, sizeof(want),
             "trustRoots: [{name: r, keyFile: %s}]\nvalidators: [{name: v, type: cosign, "
             "trustRoots: [r]}]\n",
             harness_vector(GPG_PUB));
    rc = wh_config_parse(&cfg, err, want, strlen(want), "webhook.yaml");
    CHECK(rc != SIGNET_OK && strncmp(err, "webhook.yaml:1:33: trust root \"r\": ", 35) == 0);
    CHECK(strstr(err, GPG_PUB) != NULL);
    CHECK_OK(signet_buf_puts(&yaml, "trustRoots:\n  - name: pem\n    key: |\n"));
    put_indented(&yaml, pem_release.ptr, pem_release.size, "      ");
    CHECK_OK(signet_buf_puts(&yaml, "validators: [{name: v, type: gpg, trustRoots: [pem]}]\n"));
    rc = wh_config_parse(&cfg, err, yaml.ptr, yaml.size, "webhook.yaml");
    CHECK(rc == SIGNET_EPARSE &&
          strcmp(err, "webhook.yaml:3:10: trust root \"pem\": 'inline' holds no OpenPGP public "
                      "key") == 0);
    if (rc != SIGNET_EPARSE)
        harness_fail(__FILE__, __LINE__, "%d %s", rc, err);
    /* A secret key is never a trust root. */
    snprintf(want, sizeof(want),
             "trustRoots: [{name: s, keyFile: %s}]\nvalidators: [{name: v, type: gpg, "
             "trustRoots: [s]}]\n",
             harness_vector(GPG_SECRET));
    rc = wh_config_parse(&cfg, err, want, strlen(want), "webhook.yaml");
    CHECK(rc == SIGNET_EPARSE &&
          strcmp(err, "webhook.yaml:1:33: trust root \"s\": holds an OpenPGP secret key: give "
                      "the public key") == 0);
    signet_buf_dispose(&yaml);
}

/* keyRef through the resource file; an unknown resource names it. */
static void
test_webhook_config__key_ref(void)
{
    char yaml[1024], err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;
    int rc;

    put_resources();
    snprintf(yaml, sizeof(yaml),
             "resources: %s\ntrustRoots:\n  - {name: r, keyRef: \"kbs:///default/cosign-key/2\"}\n",
             in_dir("resources.json"));
    rc = wh_config_parse(&cfg, err, yaml, strlen(yaml), "webhook.yaml");
    CHECK(rc == SIGNET_ENOTFOUND && cfg == NULL);
    if (strncmp(err, "webhook.yaml:3:23: ", 19) != 0 || !strstr(err, "default/cosign-key/2"))
        harness_fail(__FILE__, __LINE__, "message: %s", err);
    snprintf(yaml, sizeof(yaml),
             "resources: %s\ntrustRoots:\n  - {name: r, keyRef: \"kbs:///default/cosign-key/1\"}\n"
             "validators: [{name: v, type: cosign, trustRoots: [r]}]\n",
             in_dir("resources.json"));
    cfg = parse_ok(yaml, "webhook.yaml");
    CHECK(cfg != NULL && cfg->trust_roots[0].public_key != NULL);
    wh_config_free(cfg);
    /* Relative to the configuration's directory, here given by the name. */
    cfg = parse_ok("resources: resources.json\n", in_dir("webhook.yaml"));
    CHECK(cfg != NULL && signet_kbs_resources_count(cfg->kbs) == 2);
    wh_config_free(cfg);
}

static void
test_webhook_config__gpg_roots(void)
{
    char yaml[1024];
    wh_config *cfg;

    snprintf(yaml, sizeof(yaml),
             "trustRoots: [{name: g, keyFile: %s}]\nvalidators:\n  - {name: v, type: gpg, "
             "trustRoots: [g], threshold: 1}\n",
             harness_vector(GPG_PUB));
    cfg = parse_ok(yaml, "webhook.yaml");
    CHECK(cfg != NULL && cfg->validators[0].type == WH_VALIDATOR_GPG &&
          cfg->validators[0].threshold == 1 && cfg->trust_roots[0].public_key == NULL);
    wh_config_free(cfg);
}

/* Rules as config.h describes them. */
static void
test_webhook_config__match(void)
{
    static const char yaml[] = "validators:\n"
                               "  - {name: v, type: static, approve: true}\n"
                               "rules:\n"
                               "  - {pattern: \"*\", validator: v}\n"                       /* 0 */
                               "  - {pattern: \"docker.io/library/*\", validator: v}\n"     /* 1 */
                               "  - {pattern: \"docker.io/library/nginx\", validator: v}\n" /* 2 */
                               "  - {pattern: \"docker.io/library/nginx:1.25\", validator: v}\n"
                               "  - {pattern: \"127.0.0.1:5000/team/*\", validator: v}\n" /* 4 */
                               "  - {pattern: \"127.0.0.1:5000/team/app*\", validator: v}\n"
                               "  - {pattern: \"127.0.0.1:5000/*/app\", validator: v}\n"   /* 6 */
                               "  - {pattern: \"127.0.0.1:5000/te*/app\", validator: v}\n" /* 7 */
                               "  - {pattern: \"*.example/*/*\", validator: v}\n"          /* 8 */
                               "  - {pattern: \"*.example/a*/*\", validator: v}\n"         /* 9 */
                               "  - {pattern: \"*.example/b*/*\", validator: v}\n"         /* 10 */
                               "  - {pattern: \"q.example/x\", validator: v}\n"            /* 11 */
                               "  - {pattern: \"q.example/*\", validator: v}\n"            /* 12 */
                               "  - {pattern: \"q.example/y*\", validator: v}\n"           /* 13 */
                               "  - {pattern: \"q.example/y**\", validator: v}\n"          /* 14 */
                               "  - {pattern: \"r.example/k*:1\", validator: v}\n"         /* 15 */
                               "  - {pattern: \"r.example/k*1*\", validator: v}\n";        /* 16 */
    static const struct {
        const char *image;
        int rule; /* -1: none */
    } cases[] = {
        /* docker.io: the longer literal prefix wins among equal component counts */
        {"docker.io/library/busybox:latest", 1},
        {"docker.io/library/nginx:latest", 2},
        {"docker.io/library/nginx:1.25", 3},
        {"docker.io/library/nginx@sha256:" /* implicit digest acceptance */
         "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3",
         2},
        {"docker.io/library/nginx:1.25@sha256:"
         "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3",
         2},
        {"docker.io/library/nginx-extra:1", 1},
        {"docker.io/someone/nginx:1", 0},
        /* no implicit leading '*': only the catch-all matches */
        {"evil.example/docker.io/library/nginx:1", 8},
        /* '*' crosses '/' */
        {"127.0.0.1:5000/team/sub/dir/x:1", 4},
        {"127.0.0.1:5000/team/app:1", 5}, /* "team" shares 4 bytes with 5's, 0 with 6's */
        {"127.0.0.1:5000/tex/app:1", 7},
        {"127.0.0.1:5000/team/application:1", 5},
        {"127.0.0.1:5000/other/app:1", 6},
        /* equal prefixes: the longer component wins; equal lengths too: the first written */
        {"q.example/yz:1", 14},
        {"r.example/k1:1", 15},
        /* more components win over longer prefixes */
        {"q.example/x/y:1", 8},
        {"r.example/a1/b:1", 9},
        {"r.example/b1/b:1", 10},
        {"r.example/c1/b:1", 8},
        {"q.example/x:v", 11},
        {"q.example/xx:v", 12},
        {"localhost:5000/x:1", 0},
    };
    wh_config *cfg = parse_ok(yaml, "webhook.yaml");

    if (cfg == NULL)
        return;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const wh_rule *r = wh_config_match(cfg, cases[i].image);
        int got = r == NULL ? -1 : (int)(r - cfg->rules);
        if (got != cases[i].rule)
            harness_fail(__FILE__, __LINE__, "%s: rule %d (%s), want %d", cases[i].image, got,
                         r ? r->pattern : "none", cases[i].rule);
    }
    wh_config_free(cfg);

    /* Without a catch-all, some images match nothing. */
    cfg = parse_ok("validators: [{name: v, type: static, approve: true}]\nrules:\n"
                   "  - {pattern: \"docker.io/library/*\", validator: v}\n"
                   "  - {pattern: \"a.io/x:1\", validator: v}\n",
                   "webhook.yaml");
    if (cfg == NULL)
        return;
    CHECK(wh_config_match(cfg, "docker.io/library/x:1") == &cfg->rules[0]);
    CHECK(wh_config_match(cfg, "evil.example/docker.io/library/x:1") == NULL);
    CHECK(wh_config_match(cfg, "docker.io/libraryx/x:1") == NULL);
    CHECK(wh_config_match(cfg, "a.io/x:1") == &cfg->rules[1]);
    /* A tag in the pattern: that tag only. */
    CHECK(wh_config_match(cfg, "a.io/x:12") == NULL);
    CHECK(wh_config_match(cfg, "a.io/x:2") == NULL);
    CHECK(wh_config_match(cfg, "") == NULL);
    wh_config_free(cfg);
}

/* The rule for @p image as a review picks it: normalised first. */
static const wh_rule *
rule_for(const wh_config *cfg, const char *image)
{
    char norm[1024], err[256];

    if (wh_image_normalise(norm, sizeof(norm), image, err, sizeof(err)) != 0) {
        harness_fail(__FILE__, __LINE__, "%s: %s", image, err);
        return NULL;
    }
    return wh_config_match(cfg, norm);
}

/* A spelling of an image must not reach a more permissive rule than the image itself. */
static void
test_webhook_config__normalise_match(void)
{
    wh_config *cfg = parse_ok("validators:\n"
                              "  - {name: strict, type: static, approve: false}\n"
                              "  - {name: lax, type: static, approve: true}\n"
                              "rules:\n"
                              "  - {pattern: \"registry.corp/prod/*\", validator: strict}\n"
                              "  - {pattern: \"registry.corp/app\", validator: strict}\n"
                              "  - {pattern: \"registry.corp/app:dev-*\", validator: lax}\n"
                              "  - {pattern: \"*\", validator: lax, mode: warn}\n",
                              "webhook.yaml");

    if (cfg == NULL)
        return;
    /* Host names are case-insensitive: the same registry, the same rule. */
    CHECK(rule_for(cfg, "REGISTRY.CORP/prod/app:v1") == &cfg->rules[0]);
    CHECK(rule_for(cfg, "Registry.Corp/prod/app@" DIGEST) == &cfg->rules[0]);
    /* The tag is decoration when a digest is given: the dev-* rule is for tags only. */
    CHECK(rule_for(cfg, "registry.corp/app:dev-1") == &cfg->rules[2]);
    CHECK(rule_for(cfg, "registry.corp/app:dev-1@" DIGEST) == &cfg->rules[1]);
    CHECK(rule_for(cfg, "registry.corp/app@" DIGEST) == &cfg->rules[1]);
    wh_config_free(cfg);
}

/* Signers are bits of a uint64_t: a validator with more roots would alias them. */
static void
test_webhook_config__too_many_roots(void)
{
    signet_buf yaml = SIGNET_BUF_INIT;
    char err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;
    int rc;

    signet_buf_init(&yaml, 64 * 1024, 0);
    CHECK_OK(signet_buf_puts(&yaml, "validators:\n  - name: v\n    type: cosign\n"
                                    "    trustRoots: [r0"));
    for (int i = 1; i < 65; i++) {
        char name[16];
        snprintf(name, sizeof(name), ", r%d", i);
        CHECK_OK(signet_buf_puts(&yaml, name));
    }
    CHECK_OK(signet_buf_puts(&yaml, "]\n"));
    rc = wh_config_parse(&cfg, err, yaml.ptr, yaml.size, "webhook.yaml");
    CHECK(rc == SIGNET_EPARSE && cfg == NULL);
    if (strcmp(err, "webhook.yaml:4:17: \"trustRoots\" has more than 64 entries") != 0)
        harness_fail(__FILE__, __LINE__, "message '%s'", err);
    wh_config_free(cfg);
    signet_buf_dispose(&yaml);
}

static void
test_webhook_config__namespaces(void)
{
    wh_config *cfg = parse_ok("namespaces: {exclude: [kube-system, signet]}\n", "webhook.yaml");

    if (cfg != NULL) {
        CHECK(wh_config_namespace_checked(cfg, "default"));
        CHECK(!wh_config_namespace_checked(cfg, "kube-system"));
        CHECK(!wh_config_namespace_checked(cfg, "signet"));
    }
    wh_config_free(cfg);
    cfg = parse_ok("namespaces: {include: [apps, web], exclude: [kube-system]}\n", "webhook.yaml");
    if (cfg != NULL) {
        CHECK(wh_config_namespace_checked(cfg, "apps"));
        CHECK(wh_config_namespace_checked(cfg, "web"));
        CHECK(!wh_config_namespace_checked(cfg, "default"));
        CHECK(!wh_config_namespace_checked(cfg, "kube-system"));
        CHECK(!wh_config_namespace_checked(cfg, ""));
    }
    wh_config_free(cfg);
    cfg = parse_ok("default: deny\n", "webhook.yaml");
    CHECK(cfg != NULL && wh_config_namespace_checked(cfg, "kube-system"));
    wh_config_free(cfg);
}

/* The digests of the validators of @p yaml (at most 4). */
static void
digests(unsigned char out[4][32], const char *yaml)
{
    wh_config *cfg = parse_ok(yaml, "webhook.yaml");

    memset(out, 0, 4 * 32);
    for (size_t i = 0; cfg != NULL && i < cfg->validators_count && i < 4; i++)
        memcpy(out[i], cfg->validators[i].digest, 32);
    wh_config_free(cfg);
}

/* A configuration with roots a and b (keys @p ka, @p kb) and validators using them. */
static void
digest_config(signet_buf *out, const signet_buf *ka, const signet_buf *kb, const char *rest)
{
    signet_buf_init(out, 64 * 1024, 0);
    CHECK_OK(signet_buf_puts(out, "trustRoots:\n  - name: a\n    key: |\n"));
    put_indented(out, ka->ptr, ka->size, "      ");
    CHECK_OK(signet_buf_puts(out, "  - name: b\n    key: |\n"));
    put_indented(out, kb->ptr, kb->size, "      ");
    CHECK_OK(signet_buf_puts(out, rest));
}

static void
test_webhook_config__digest(void)
{
    static const char validators[] =
        "validators:\n"
        "  - {name: c, type: cosign, trustRoots: [a, b], annotations: {x: \"1\", y: \"2\"}}\n"
        "  - {name: s, type: static, approve: true}\n";
    static const char rules[] = "rules:\n"
                                "  - {pattern: \"a.io/*\", validator: c}\n"
                                "  - {pattern: \"b.io/*\", validator: s, mode: warn}\n";
    static const char rules_swapped[] = "rules:\n"
                                        "  - {pattern: \"b.io/*\", validator: s, mode: warn}\n"
                                        "  - {pattern: \"a.io/*\", validator: c}\n";
    unsigned char base[4][32], other[4][32];
    signet_buf y = SIGNET_BUF_INIT, rest = SIGNET_BUF_INIT, fresh = SIGNET_BUF_INIT;

    signet_buf_init(&rest, 4096, 0);
    CHECK_OK(signet_buf_puts(&rest, validators));
    CHECK_OK(signet_buf_puts(&rest, rules));
    digest_config(&y, &pem_release, &pem_other, rest.ptr);
    digests(base, y.ptr);
    CHECK(memcmp(base[0], base[1], 32) != 0);
    /* The same again, and only the rules reordered: the same digests. */
    digests(other, y.ptr);
    CHECK(memcmp(base, other, sizeof(base)) == 0);
    signet_buf_dispose(&y);
    signet_buf_dispose(&rest);
    signet_buf_init(&rest, 4096, 0);
    CHECK_OK(signet_buf_puts(&rest, validators));
    CHECK_OK(signet_buf_puts(&rest, rules_swapped));
    digest_config(&y, &pem_release, &pem_other, rest.ptr);
    digests(other, y.ptr);
    CHECK(memcmp(base, other, sizeof(base)) == 0);
    signet_buf_dispose(&y);
    /* Another key for root b: the cosign validator's digest changes, the static one's not. */
    new_public_pem(&fresh);
    digest_config(&y, &pem_release, &fresh, rest.ptr);
    digests(other, y.ptr);
    CHECK(memcmp(base[0], other[0], 32) != 0);
    CHECK(memcmp(base[1], other[1], 32) == 0);
    signet_buf_dispose(&y);
    signet_buf_dispose(&rest);
    /* Annotations in another order and roots listed the other way round: the same. */
    digest_config(&y, &pem_release, &pem_other,
                  "validators:\n"
                  "  - {name: c, type: cosign, trustRoots: [b, a], annotations: {y: \"2\", x: "
                  "\"1\"}}\n"
                  "  - {name: s, type: static, approve: true}\n");
    digests(other, y.ptr);
    CHECK(memcmp(base, other, sizeof(base)) == 0);
    signet_buf_dispose(&y);
    /* What decides a verdict changes it: a threshold, an annotation, approve. */
    digest_config(&y, &pem_release, &pem_other,
                  "validators:\n"
                  "  - {name: c, type: cosign, trustRoots: [a, b], threshold: 1, annotations: {x: "
                  "\"1\", y: \"2\"}}\n"
                  "  - {name: s, type: static, approve: false}\n");
    digests(other, y.ptr);
    CHECK(memcmp(base[0], other[0], 32) != 0 && memcmp(base[1], other[1], 32) != 0);
    signet_buf_dispose(&y);
    digest_config(&y, &pem_release, &pem_other,
                  "validators:\n"
                  "  - {name: c, type: cosign, trustRoots: [a, b], annotations: {x: \"1\", y: "
                  "\"3\"}}\n");
    digests(other, y.ptr);
    CHECK(memcmp(base[0], other[0], 32) != 0);
    signet_buf_dispose(&y);
    signet_buf_dispose(&fresh);
}

static void
test_webhook_config__digest_covers_registries_d(void)
{
    char yaml[1024];
    unsigned char before[4][32], after[4][32];

    CHECK(mkdir(in_dir("rd-digest"), 0700) == 0);
    put_file("rd-digest/a.yaml", "default-docker:\n  lookaside: file:///tmp/one\n", 44);
    snprintf(yaml, sizeof(yaml),
             "validators:\n"
             "  - {name: p, type: policy, policy: %s, registriesD: %s}\n",
             in_dir("digest-policy.json"), in_dir("rd-digest"));
    put_file("digest-policy.json", POLICY, strlen(POLICY));
    digests(before, yaml);
    digests(after, yaml);
    CHECK(memcmp(before[0], after[0], 32) == 0);
    /* Signatures now looked up elsewhere: another verdict, another digest. */
    put_file("rd-digest/a.yaml", "default-docker:\n  lookaside: file:///tmp/two\n", 44);
    digests(after, yaml);
    CHECK(memcmp(before[0], after[0], 32) != 0);
}

static void
test_webhook_config__load_errors(void)
{
    char err[WH_CONFIG_ERROR_MAX];
    wh_config *cfg = NULL;

    CHECK(wh_config_load(&cfg, err, "/nonexistent/webhook.yaml") == SIGNET_ENOTFOUND);
    CHECK(cfg == NULL &&
          strcmp(err, "cannot open '/nonexistent/webhook.yaml': No such file or directory") == 0);
    put_file("bad.yaml", "default: deny\nfoo: 1\n", 21);
    CHECK(wh_config_load(&cfg, err, in_dir("bad.yaml")) == SIGNET_EPARSE);
    CHECK(cfg == NULL && strncmp(err, in_dir("bad.yaml"), strlen(in_dir("bad.yaml"))) == 0 &&
          strcmp(err + strlen(in_dir("bad.yaml")),
                 ":2:1: unknown key \"foo\" in the configuration") == 0);
    CHECK(wh_config_parse(&cfg, err, "", WH_CONFIG_MAX + 1, "big.yaml") == SIGNET_ETOOLARGE);
    CHECK(strcmp(err, "big.yaml:1:1: the configuration is larger than 1048576 bytes") == 0);
    wh_config_free(NULL);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_webhook_config__issue_example),
        TEST_CASE(test_webhook_config__every_key),
        TEST_CASE(test_webhook_config__errors),
        TEST_CASE(test_webhook_config__redis_hmac_key),
        TEST_CASE(test_webhook_config__bad_keys),
        TEST_CASE(test_webhook_config__key_ref),
        TEST_CASE(test_webhook_config__gpg_roots),
        TEST_CASE(test_webhook_config__match),
        TEST_CASE(test_webhook_config__namespaces),
        TEST_CASE(test_webhook_config__digest),
        TEST_CASE(test_webhook_config__digest_covers_registries_d),
        TEST_CASE(test_webhook_config__load_errors),
        TEST_CASE(test_webhook_config__normalise_match),
        TEST_CASE(test_webhook_config__too_many_roots),
    };
    int status;

    snprintf(dir, sizeof(dir), "/tmp/signet-whcfg-XXXXXX");
    if (mkdtemp(dir) == NULL || signet_global_init() != SIGNET_OK ||
        signet_ctx_new(&harness_ctx) != SIGNET_OK) {
        perror("set-up");
        return 2;
    }
    new_public_pem(&pem_release);
    new_public_pem(&pem_other);
    signet_ctx_free(harness_ctx);
    harness_ctx = NULL;
    status = harness_run(cases, sizeof(cases) / sizeof(cases[0]));
    signet_buf_dispose(&pem_release);
    signet_buf_dispose(&pem_other);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return status;
}
