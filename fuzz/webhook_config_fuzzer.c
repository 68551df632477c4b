/*
 * wh_config_parse(): a signet-webhook configuration from memory, named "fuzz.yaml". A refused
 * one returns a documented code, no configuration, and one line "fuzz.yaml:LINE:COLUMN: reason"
 * (or a libsignet file message); an accepted one has its defaults in range, every index in range,
 * and answers rule and namespace lookups for fixed images with one of its rules; parsing it
 * again gives the same digests and the same answers.
 */
#include "fuzz_common.h"

#include "config.h"

#define DIGEST "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"

static const char *const images[] = {
    "docker.io/library/nginx:1.25", "docker.io/library/nginx@" DIGEST,
    "127.0.0.1:5000/team/app:v1",   "evil.example/docker.io/library/nginx:latest",
    "a.example/x/y/z:1@" DIGEST,    "",
};

#define NIMAGES (sizeof(images) / sizeof(images[0]))

static const char *const namespaces[] = {"default", "kube-system", "apps", ""};

/* The message of a refusal: one line, naming the input with a position. */
static void
check_message(const char *err)
{
    const char *s;

    FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    FUZZ_CHECK(strlen(err) < WH_CONFIG_ERROR_MAX);
    FUZZ_CHECK(strncmp(err, "fuzz.yaml:", 10) == 0);
    s = err + 10;
    FUZZ_CHECK(*s >= '1' && *s <= '9');
    s += strspn(s, "0123456789");
    FUZZ_CHECK(*s++ == ':' && *s >= '1' && *s <= '9');
    s += strspn(s, "0123456789");
    FUZZ_CHECK(strncmp(s, ": ", 2) == 0 && s[2] != '\0');
}

static void
check_config(const wh_config *cfg)
{
    FUZZ_CHECK(cfg->deadline_ms >= 1000 && cfg->deadline_ms <= 29000);
    FUZZ_CHECK(cfg->max_body_bytes >= 1024 && cfg->max_body_bytes <= 64 * 1024 * 1024);
    FUZZ_CHECK(cfg->cache_max_entries >= 1 && cfg->redis_key_prefix != NULL);
    FUZZ_CHECK(cfg->no_match == WH_DEFAULT_DENY || cfg->no_match == WH_DEFAULT_ALLOW);
    for (size_t i = 0; i < cfg->trust_roots_count; i++)
        FUZZ_CHECK(cfg->trust_roots[i].name[0] != '\0' && cfg->trust_roots[i].key_len > 0);
    for (size_t i = 0; i < cfg->validators_count; i++) {
        const wh_validator *v = &cfg->validators[i];
        FUZZ_CHECK(v->type <= WH_VALIDATOR_POLICY);
        FUZZ_CHECK(v->threshold <= v->trust_roots_count);
        FUZZ_CHECK((v->type == WH_VALIDATOR_COSIGN || v->type == WH_VALIDATOR_GPG) ==
                   (v->trust_roots_count > 0));
        FUZZ_CHECK((v->type == WH_VALIDATOR_POLICY) == (v->policy != NULL));
        for (size_t j = 0; j < v->trust_roots_count; j++) {
            FUZZ_CHECK(v->trust_roots[j] < cfg->trust_roots_count);
            if (v->type == WH_VALIDATOR_COSIGN)
                FUZZ_CHECK(cfg->trust_roots[v->trust_roots[j]].public_key != NULL);
        }
        for (size_t j = 0; j < v->required_count; j++)
            FUZZ_CHECK(v->required[j] < cfg->trust_roots_count);
    }
    for (size_t i = 0; i < cfg->rules_count; i++) {
        FUZZ_CHECK(cfg->rules[i].validator < cfg->validators_count);
        FUZZ_CHECK(cfg->rules[i].pattern[0] != '\0' && cfg->rules[i].line >= 1);
        FUZZ_CHECK(cfg->rules[i].mode <= WH_MODE_AUDIT);
    }
}

/* The rule index for each image (-1: none) and the namespace answers. */
static void
lookups(const wh_config *cfg, long *rules, int *checked)
{
    for (size_t i = 0; i < NIMAGES; i++) {
        const wh_rule *r = wh_config_match(cfg, images[i]);
        FUZZ_CHECK(r == NULL || (r >= cfg->rules && r < cfg->rules + cfg->rules_count));
        rules[i] = r == NULL ? -1 : (long)(r - cfg->rules);
    }
    for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
        checked[i] = wh_config_namespace_checked(cfg, namespaces[i]);
        FUZZ_CHECK(checked[i] == 0 || checked[i] == 1);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int allowed = FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE) |
                                        FUZZ_RC(SIGNET_ENOTFOUND) | FUZZ_RC(SIGNET_EIO) |
                                        FUZZ_RC(SIGNET_EUNSUPPORTED) | FUZZ_RC(SIGNET_ECRYPTO);
    char err[WH_CONFIG_ERROR_MAX];
    long rules[2][NIMAGES];
    int checked[2][4];
    wh_config *cfg = NULL, *again = NULL;
    signet_ctx *ctx = fuzz_begin(); /* initialises the library */
    int rc;

    rc = wh_config_parse(&cfg, err, fuzz_bytes(data), size, "fuzz.yaml");
    if (rc != SIGNET_OK) {
        FUZZ_CHECK(rc < 0 && rc > -32 && ((allowed | FUZZ_RC(SIGNET_ENOMEM)) & FUZZ_RC(rc)));
        FUZZ_CHECK(cfg == NULL);
        check_message(err);
        signet_ctx_free(ctx);
        return 0;
    }
    FUZZ_CHECK(cfg != NULL && err[0] == '\0');
    check_config(cfg);
    lookups(cfg, rules[0], checked[0]);
    FUZZ_CHECK(wh_config_parse(&again, err, fuzz_bytes(data), size, "fuzz.yaml") == SIGNET_OK);
    lookups(again, rules[1], checked[1]);
    FUZZ_CHECK(memcmp(rules[0], rules[1], sizeof(rules[0])) == 0);
    FUZZ_CHECK(memcmp(checked[0], checked[1], sizeof(checked[0])) == 0);
    FUZZ_CHECK(again->validators_count == cfg->validators_count);
    for (size_t i = 0; i < cfg->validators_count; i++)
        FUZZ_CHECK(memcmp(cfg->validators[i].digest, again->validators[i].digest, 32) == 0);
    wh_config_free(again);
    wh_config_free(cfg);
    signet_ctx_free(ctx);
    return 0;
}
