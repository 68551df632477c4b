/*
 * containers-policy.json inside libsignet: the parsed requirements, for the evaluator, and the
 * pieces the parser is made of (a JSON reader that behaves as Go's encoding/json, Go's base64
 * and quoting, the transports' scope rules).
 */
#ifndef SIGNET_POLICY_INTERNAL_H
#define SIGNET_POLICY_INTERNAL_H

#include "internal.h"

/* Everything a policy owns is allocated from its arena and released at once. */
struct policy_arena {
    struct policy_block *blocks;
    size_t total; /* bytes allocated, bounded by max */
    size_t max;
};
/* Zeroed memory, NULL when out of memory or over the arena's maximum. */
void *policy__alloc(struct policy_arena *a, size_t size);
/* A NUL-terminated copy of @p len bytes. */
char *policy__strndup(struct policy_arena *a, const char *s, size_t len);
void policy__arena_release(struct policy_arena *a);

/* Bytes decoded from base64 ([]byte in Go: present or not, maybe empty). */
struct policy_bytes {
    int present;
    unsigned char *data;
    size_t len;
};

/* []string and [][]byte of Go: present (even empty) or nil. */
struct policy_strings {
    int present;
    char **items;
    size_t count;
};
struct policy_datas {
    int present;
    struct policy_bytes *items;
    size_t count;
};

struct policy_identity {
    signet_policy_identity_type type;
    char *docker_reference;  /* exactReference: validated, has a tag or digest */
    char *docker_repository; /* exactRepository: validated (a tag is allowed, ignored) */
    char *prefix;            /* remapIdentity */
    char *signed_prefix;     /* remapIdentity */
};

enum policy_key_type {
    POLICY_KEY_GPG_KEYS = 1,       /* "GPGKeys" */
    POLICY_KEY_SIGNED_BY_GPG_KEYS, /* "signedByGPGKeys" */
    POLICY_KEY_X509_CERTIFICATES,  /* "X509Certificates" */
    POLICY_KEY_SIGNED_BY_X509_CAS, /* "signedByX509CAs" */
};

/* Which field gave the keys (exactly one per signedBy / sigstoreSigned). */
enum policy_key_source {
    POLICY_KEYS_NONE = 0,
    POLICY_KEYS_PATH,   /* key_path */
    POLICY_KEYS_PATHS,  /* key_paths (signedBy: may be empty) */
    POLICY_KEYS_DATA,   /* key_data (may be empty) */
    POLICY_KEYS_DATAS,  /* key_datas (sigstoreSigned only, non-empty) */
    POLICY_KEYS_FULCIO, /* fulcio (sigstoreSigned only, with a Rekor key) */
    POLICY_KEYS_PKI,    /* pki (sigstoreSigned only, no Rekor key) */
};

struct policy_fulcio {
    char *ca_path; /* exactly one of ca_path (non-empty) and ca_data */
    struct policy_bytes ca_data;
    char *oidc_issuer;   /* non-empty */
    char *subject_email; /* non-empty */
};

struct policy_pki {
    char *ca_roots_path; /* exactly one of ca_roots_path (non-empty) and ca_roots_data */
    struct policy_bytes ca_roots_data;
    char *ca_intermediates_path; /* at most one of these two; "" when absent */
    struct policy_bytes ca_intermediates_data;
    char *subject_email; /* at least one of these two is non-empty */
    char *subject_hostname;
};

struct policy_requirement {
    signet_policy_requirement_type type;
    enum policy_key_type key_type; /* signedBy */
    enum policy_key_source keys;   /* signedBy, sigstoreSigned */
    char *key_path;                /* "" when absent; strings are never NULL */
    struct policy_strings key_paths;
    struct policy_bytes key_data;
    struct policy_datas key_datas;
    struct policy_fulcio fulcio;
    struct policy_pki pki;
    /* sigstoreSigned: Rekor's keys, at most one source (POLICY_KEYS_NONE when none). */
    enum policy_key_source rekor;
    char *rekor_key_path;
    struct policy_strings rekor_key_paths;
    struct policy_bytes rekor_key_data;
    struct policy_datas rekor_key_datas;
    /* signedIdentity, or signedBaseLayer's baseLayerIdentity. */
    struct policy_identity identity;
};

struct signet_policy_requirements {
    struct policy_requirement *items;
    size_t count; /* >= 1 */
};

struct policy_scope {
    char *name; /* may contain NUL bytes (name_len counts them) */
    size_t name_len;
    struct signet_policy_requirements reqs;
};

struct policy_transport {
    char *name;
    size_t name_len;
    struct policy_scope *scopes;
    size_t nscopes;
};

struct signet_policy {
    struct policy_arena arena;
    struct signet_policy_requirements default_reqs;
    struct policy_transport *transports;
    size_t ntransports;
};

/* ---- evaluation (policy_eval.c) ---- */

/*
 * containers/image's signedIdentity check (§1.7): whether a signature claiming
 * @p signed_identity (its "docker-reference", as written) is accepted for the docker image
 * @p image (its name with its tag or digest; Docker Hub as docker.io) under @p rule. 0 also
 * when @p signed_identity is not a reference. Type NONE is matchRepoDigestOrExact.
 */
int policy__identity_accepted(const struct policy_identity *rule, const signet_reference *image,
                              const char *signed_identity);

/* ---- JSON as Go's encoding/json reads it (policy_json.c) ---- */

enum pj_kind { PJ_NULL, PJ_BOOL, PJ_NUMBER, PJ_STRING, PJ_ARRAY, PJ_OBJECT };

struct pj_value {
    enum pj_kind kind;
    char *str;  /* string: decoded (invalid UTF-8 replaced by U+FFFD); number: its text */
    size_t len; /* of str */
    int boolean;
    size_t count;           /* array elements, object members (duplicates kept, in order) */
    struct pj_value *first; /* first element / member */
    struct pj_value *next;  /* next sibling */
    char *key;              /* when a member of an object: its decoded key */
    size_t key_len;
};

/*
 * Parse @p len bytes as one JSON value (Go's json.Unmarshal syntax check: the first syntax
 * error, with Go's message, wins). Returns SIGNET_OK, SIGNET_EPARSE with the message in @p msg,
 * or SIGNET_ENOMEM.
 */
int policy__json_parse(struct pj_value **out, struct policy_arena *a, const char *data, size_t len,
                       char *msg, size_t msg_size);

/* Go's strconv.Quote of @p len bytes (valid UTF-8), truncated to fit @p size. */
void policy__go_quote(char *out, size_t size, const char *s, size_t len);

/* Go's %#v of a json.Token that starts @p v: "\"[\"", "\"{\"", a quoted string, a number, a
 * bool or "<nil>". */
void policy__go_token(char *out, size_t size, const struct pj_value *v);

/* The name encoding/json uses for a JSON value's kind in type errors: "object", "array",
 * "string", "number", "bool". */
const char *policy__go_kind(const struct pj_value *v);

/*
 * Go's base64.StdEncoding.Decode (padding required, CR and LF skipped). Returns 0, or -1 with
 * "illegal base64 data at input byte N" in @p msg; ENOMEM as SIGNET_ENOMEM.
 */
int policy__base64_go(struct policy_bytes *out, struct policy_arena *a, const char *s, size_t len,
                      char *msg, size_t msg_size);

/* ---- transports (policy_scope.c) ---- */

/* Whether containers/image's transport @p name accepts the scope (ValidatePolicyConfiguration-
 * Scope); transports it does not know accept anything. @p scope is not "". */
int policy__scope_is_valid(const char *transport, size_t transport_len, const char *scope,
                           size_t scope_len);

/* go-digest's Parse: 0 when valid, else -1 with its message. */
int policy__go_digest_check(const char *s, size_t len, const char **msg);

#endif
