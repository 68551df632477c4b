/*
 * The webhook's configuration: a YAML file (libyaml) read once at start and again on change.
 * Immutable once loaded, so threads share it; a reload builds a new one and swaps the pointer.
 */
#ifndef SIGNET_WEBHOOK_CONFIG_H
#define SIGNET_WEBHOOK_CONFIG_H

#include <stddef.h>

#include "signet.h"

#define WH_CONFIG_MAX       (1024 * 1024) /* bytes of a config file */
#define WH_CONFIG_ERROR_MAX 512
#define WH_NAME_MAX         128 /* trust root, validator and namespace names */

typedef enum wh_mode {
    WH_MODE_ENFORCE = 0, /* deny what fails */
    WH_MODE_WARN = 1,    /* admit what fails, with a warning in the response */
    WH_MODE_AUDIT = 2,   /* admit what fails, log it and count it */
} wh_mode;

typedef enum wh_validator_type {
    WH_VALIDATOR_COSIGN = 0, /* cosign signatures (.sig tags) made with trust-root keys */
    WH_VALIDATOR_GPG = 1,    /* simple signatures (lookaside) made with trust-root OpenPGP keys */
    WH_VALIDATOR_STATIC = 2, /* approve: true|false */
    WH_VALIDATOR_POLICY = 3, /* a containers-policy.json */
} wh_validator_type;

typedef struct wh_trust_root {
    char name[WH_NAME_MAX];
    unsigned char *key; /* the key's bytes: PEM public key (cosign) or OpenPGP key(s) (gpg) */
    size_t key_len;
    char source[512];       /* "inline", the keyFile path or the keyRef URI; for messages */
    signet_key *public_key; /* parsed when a cosign validator uses this root, else NULL */
    int line;
} wh_trust_root;

typedef struct wh_validator {
    char name[WH_NAME_MAX];
    wh_validator_type type;
    size_t *trust_roots; /* indexes into wh_config.trust_roots; cosign and gpg only */
    size_t trust_roots_count;
    size_t threshold; /* cosign/gpg: at least this many roots must have signed; 0: all of them */
    size_t *required; /* cosign/gpg: these roots (indexes) must be among those that signed */
    size_t required_count;
    int approve;                /* static */
    char *signature_repository; /* cosign: where .sig tags live; NULL: the image's repository */
    char **annotations;         /* cosign: "key=value" the payload must carry */
    size_t annotations_count;
    char *policy_path;     /* policy: the containers-policy.json file or kbs:/// URI */
    signet_policy *policy; /* policy: parsed */
    char *registries_d;    /* gpg, policy: the registries.d directory; NULL: its default */
    signet_registries_d *registries; /* loaded from registries_d, or NULL for the defaults */
    unsigned char digest[32];        /* SHA-256 over everything that decides a verdict (type, keys,
                                        threshold, required, annotations, policy bytes ...): the cache
                                        key includes it, so a reload that changes a validator misses */
    int line;
} wh_validator;

typedef struct wh_rule {
    char pattern[512]; /* as written */
    size_t validator;  /* index into wh_config.validators */
    wh_mode mode;
    int mutate; /* replace tags by digests in /mutate (default 1) */
    int line;
} wh_rule;

typedef enum wh_default {
    WH_DEFAULT_DENY = 0,
    WH_DEFAULT_ALLOW = 1,
} wh_default;

typedef struct wh_config {
    wh_trust_root *trust_roots;
    size_t trust_roots_count;
    wh_validator *validators;
    size_t validators_count;
    wh_rule *rules;
    size_t rules_count;
    wh_default no_match; /* `default:` when no rule matches an image */

    char **namespaces_include; /* when non-empty: only these namespaces are checked */
    size_t namespaces_include_count;
    char **namespaces_exclude; /* never checked (e.g. kube-system, the webhook's own) */
    size_t namespaces_exclude_count;
    int skip_unchanged_updates; /* UPDATE whose images equal oldObject's: allowed unchecked */

    unsigned int deadline_ms; /* a whole review; default 9000, below the API server's 10 s */
    size_t max_body_bytes;    /* AdmissionReview size limit; default 3 MiB */

    char **allow_http; /* registries.allowHttp: plain-HTTP "host[:port]" */
    size_t allow_http_count;
    char *registry_ca_file;        /* registries.caFile: PEM bundle instead of the system CAs */
    char *registry_auth_file;      /* registries.authFile: docker config.json / pull secret */
    double rate_limit_per_second;  /* registries.rateLimit.requestsPerSecond; 0: unlimited */
    unsigned int rate_limit_burst; /* registries.rateLimit.burst; default = per second rounded up */

    unsigned int cache_ttl_s;          /* cache.ttlSeconds, default 300 */
    unsigned int cache_negative_ttl_s; /* cache.negativeTtlSeconds, default 10 */
    size_t cache_max_entries;          /* cache.maxEntries, default 10000 */

    char *redis_url;           /* redis.url: redis://[:password@]host:port[/db] or rediss:// */
    char *redis_password_file; /* redis.passwordFile (or REDIS_PASSWORD in the environment) */
    char *redis_ca_file;       /* redis.caFile for rediss:// */
    char *redis_key_prefix;    /* redis.keyPrefix, default "signet-webhook:" */
    char *redis_hmac_key_file; /* redis.hmacKeyFile, required with redis.url */
    signet_buf redis_hmac_key; /* its secret, trailing whitespace trimmed (guarded memory) */

    char *resources;           /* resources: offline-fs-kbc file resolving kbs:/// keyRefs */
    signet_kbs_resources *kbs; /* loaded from resources, or NULL */
} wh_config;

/*
 * Read and check @p path. On error returns a SIGNET_E* code and writes one line to @p err:
 * "FILE:LINE:COLUMN: reason" (e.g. "webhook.yaml:12:5: unknown key \"treshold\" in validator").
 * Everything the config names is loaded and checked here (key files, kbs:// resources, keys
 * parse, policies parse, validator/trust root names resolve), so a config that loads works.
 * Files, @p path included, may be symbolic links (mounted ConfigMaps and Secrets are); only
 * when @p path itself cannot be read is @p err libsignet's message, without a position.
 */
int wh_config_load(wh_config **out, char err[WH_CONFIG_ERROR_MAX], const char *path);

/* The same from bytes; @p name is used in messages in place of the file name, and relative
 * paths in the config are relative to its directory (the working directory when it has none). */
int wh_config_parse(wh_config **out, char err[WH_CONFIG_ERROR_MAX], const void *yaml, size_t len,
                    const char *name);

void wh_config_free(wh_config *config);

/*
 * The rule for @p image (a normalised reference, wh_image_normalise(): "host[:port]/path:tag" or
 * "host[:port]/path@digest", Docker Hub as "docker.io", official images under "library/"). A
 * pattern is a glob over the whole string where `*` also crosses `/`; a pattern whose last
 * component has no ':' or '@' also matches any tag or digest of that name. Unlike Connaisseur,
 * patterns are NOT implicitly prefixed with a star: a rule for docker.io/library must not match
 * "evil.example/docker.io/library/x".
 * Among matching rules the most specific wins, as in Connaisseur: more `/`-separated components;
 * then, component by component left to right, the longer common prefix with the image; then the
 * longer component; then the first written. NULL: no rule matched.
 */
const wh_rule *wh_config_match(const wh_config *config, const char *image);

/* Whether reviews in @p ns are checked (include/exclude lists). */
int wh_config_namespace_checked(const wh_config *config, const char *ns);

#endif
