/*
 * containers-policy.json (containers-policy.json(5)), parsed exactly as strictly as
 * containers/image parses it: the same documents are accepted, and a refused one gets the same
 * message as skopeo or podman print after "invalid policy in "FILE": ".
 *
 * This part parses and looks scopes up; evaluating the requirements is done elsewhere.
 */
#ifndef SIGNET_POLICY_H
#define SIGNET_POLICY_H

#include "ctx.h"
#include "kbs.h"
#include "reference.h"
#include "registries_d.h"
#include "registry.h"

#define SIGNET_POLICY_MAX       (1024 * 1024) /* bytes of a policy document */
#define SIGNET_POLICY_DEPTH_MAX 64            /* nesting of JSON arrays and objects */
#define SIGNET_POLICY_SCOPE_MAX 768           /* a docker scope: name, ":tag" and "@digest" */

/* A parsed policy. Immutable once parsed; may be shared by threads. */
typedef struct signet_policy signet_policy;

/* One list of requirements (the global default, or the list of one scope). Owned by its
 * policy. */
typedef struct signet_policy_requirements signet_policy_requirements;

typedef enum signet_policy_requirement_type {
    SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING = 1, /* "insecureAcceptAnything" */
    SIGNET_POLICY_REJECT = 2,                   /* "reject" */
    SIGNET_POLICY_SIGNED_BY = 3,                /* "signedBy" (simple signing, GPG) */
    SIGNET_POLICY_SIGSTORE_SIGNED = 4,          /* "sigstoreSigned" */
    SIGNET_POLICY_SIGNED_BASE_LAYER = 5,        /* "signedBaseLayer" (parsed; always denies) */
} signet_policy_requirement_type;

/* signedIdentity of signedBy and sigstoreSigned, baseLayerIdentity of signedBaseLayer. */
typedef enum signet_policy_identity_type {
    SIGNET_POLICY_IDENTITY_NONE = 0, /* insecureAcceptAnything, reject */
    SIGNET_POLICY_MATCH_EXACT = 1,
    SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT = 2, /* the default when signedIdentity is absent */
    SIGNET_POLICY_MATCH_REPOSITORY = 3,
    SIGNET_POLICY_EXACT_REFERENCE = 4,
    SIGNET_POLICY_EXACT_REPOSITORY = 5,
    SIGNET_POLICY_REMAP_IDENTITY = 6,
} signet_policy_identity_type;

/* Which scope of the policy applied to an image (containers/image's order of lookup). */
typedef enum signet_policy_scope_kind {
    SIGNET_POLICY_SCOPE_IDENTITY = 1,          /* the image itself, "name:tag" or "name@digest" */
    SIGNET_POLICY_SCOPE_NAMESPACE = 2,         /* repository, namespace, host[:port], "*.dom" */
    SIGNET_POLICY_SCOPE_TRANSPORT_DEFAULT = 3, /* the transport's "" scope */
    SIGNET_POLICY_SCOPE_DEFAULT = 4,           /* the policy's "default" */
} signet_policy_scope_kind;

typedef struct signet_policy_match {
    signet_policy_scope_kind kind;
    char scope[SIGNET_POLICY_SCOPE_MAX]; /* the scope key that matched; "" for the defaults */
    const signet_policy_requirements *requirements; /* never NULL, never empty */
} signet_policy_match;

/**
 * Parse a policy document of @p len bytes. @p name (the file name) is used in messages.
 *
 * @return SIGNET_OK; SIGNET_EPARSE with the message `invalid policy in "NAME": MESSAGE`, where
 * MESSAGE is containers/image's; SIGNET_ETOOLARGE over SIGNET_POLICY_MAX; SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int)
signet_policy_parse(signet_policy **out, signet_ctx *ctx, const void *json, size_t len,
                    const char *name);

/**
 * Read (bounded, no symbolic links) and parse the policy file @p path.
 *
 * @return as signet_policy_parse(), plus those of signet_file_read().
 */
SIGNET_EXTERN(int)
signet_policy_load(signet_policy **out, signet_ctx *ctx, const char *path);

/** Release a policy. NULL is allowed. */
SIGNET_EXTERN(void) signet_policy_free(signet_policy *policy);

/** The policy's "default" list (never NULL, never empty). */
SIGNET_EXTERN(const signet_policy_requirements *)
signet_policy_default(const signet_policy *policy);

/**
 * The requirements that apply to the image @p ref under @p transport ("docker", or another
 * transport whose images have Docker identities: "atomic", "docker-daemon"), looked up as
 * containers/image does: the image's identity ("docker.io/library/busybox:latest", or
 * "name@digest"), then its repository, each parent namespace, the host[:port], the "*.domain"
 * wildcards of the host without its port, then the transport's "" scope, then "default". Only
 * the first hit applies. A reference with both a tag and a digest is looked up by its digest.
 *
 * @return SIGNET_OK, or SIGNET_EINVALID on a NULL argument.
 */
SIGNET_EXTERN(int)
signet_policy_lookup_docker(signet_policy_match *out, signet_ctx *ctx, const signet_policy *policy,
                            const char *transport, const signet_reference *ref);

/** The number of requirements in the list. */
SIGNET_EXTERN(size_t) signet_policy_requirements_count(const signet_policy_requirements *reqs);

/** The type of the @p i-th requirement (0 when @p i is out of range). */
SIGNET_EXTERN(signet_policy_requirement_type)
signet_policy_requirement_type_at(const signet_policy_requirements *reqs, size_t i);

/** The signedIdentity (or baseLayerIdentity) type of the @p i-th requirement. */
SIGNET_EXTERN(signet_policy_identity_type)
signet_policy_requirement_identity_at(const signet_policy_requirements *reqs, size_t i);

/** "signedBy", "reject", ... as spelled in policy.json; "" for an unknown value. */
SIGNET_EXTERN(const char *)
signet_policy_requirement_type_name(signet_policy_requirement_type type);

/** "matchRepoDigestOrExact", ... as spelled in policy.json; "" for none. */
SIGNET_EXTERN(const char *) signet_policy_identity_type_name(signet_policy_identity_type type);

#define SIGNET_POLICY_EVAL_OPTIONS_VERSION 1

typedef struct signet_policy_eval_options {
    unsigned int version;
    const signet_kbs_resources *resources;  /* resolves kbs:/// key paths; NULL: they fail */
    int use_sigstore_attachments;           /* read cosign .sig attachments (registries.d's
                                               use-sigstore-attachments) */
    const signet_registries_d *registries;  /* where signedBy's lookaside signatures are;
                                               NULL: the defaults of registries.d */
    const signet_registry_options *network; /* CA file, TLS checks and time limit of http(s)
                                               lookaside reads; NULL: system CAs, 30 s */
} signet_policy_eval_options;

#define SIGNET_POLICY_EVAL_OPTIONS_INIT                                                            \
    {                                                                                              \
        SIGNET_POLICY_EVAL_OPTIONS_VERSION, NULL, 1, NULL, NULL                                    \
    }

#define SIGNET_POLICY_REASON_MAX 768

/* What an evaluation decided. Plain data. */
typedef struct signet_policy_verdict {
    signet_policy_match match;             /* the scope that applied */
    char digest[SIGNET_DIGEST_MAX];        /* the image's manifest digest, once resolved */
    size_t evaluated;                      /* requirements evaluated (all of them when allowed) */
    char reason[SIGNET_POLICY_REASON_MAX]; /* why the last one evaluated refused; "" if none */
} signet_policy_verdict;

/**
 * Decide whether the docker image @p image may run under @p policy: every requirement of the
 * applicable scope must accept it (insecureAcceptAnything; sigstoreSigned with public keys,
 * from files, base64 or kbs:/// resources, and its signedIdentity). Identities are always
 * checked; a signature that cannot be fetched or checked never allows.
 *
 * signedBy (GPGKeys) reads simple signatures from the lookaside storage registries.d names
 * (file://, http:// or https://; signature-1, -2, ... until one is missing; any other failure
 * to read one is an error, never a shorter list). Not yet supported, and so never allowing,
 * with a message saying so: sigstoreSigned with fulcio, pki or Rekor keys, signedBaseLayer.
 *
 * @return SIGNET_OK allowed; SIGNET_EPOLICY denied (the message names the scope, the
 *         requirement and why); SIGNET_EUNSUPPORTED for a requirement signet cannot check yet;
 *         registry and key errors when the evaluation could not complete.
 */
SIGNET_EXTERN(int)
signet_policy_evaluate(signet_policy_verdict *out, signet_ctx *ctx, const signet_policy *policy,
                       signet_registry *reg, const signet_reference *image,
                       const signet_policy_eval_options *opts);

/**
 * The result of linting as one line of JSON (and a newline) appended to @p out, keys in this
 * order, lists and objects in the policy's document order:
 * {"valid":true,"error":"","default":["reject"],"transports":{"docker":{"SCOPE":["signedBy"]}}}
 * With @p policy NULL (it did not parse): "valid":false, "error" @p error, "default" [] and
 * "transports" {}.
 *
 * Messages that are not valid UTF-8 (cut inside a character, or quoting bytes a server sent)
 * have their non-ASCII bytes replaced by '?'.
 *
 * @return SIGNET_OK, SIGNET_ENOMEM, SIGNET_ETOOLARGE.
 */
SIGNET_EXTERN(int)
signet_policy_lint_json(signet_buf *out, signet_ctx *ctx, const signet_policy *policy,
                        const char *error);

/**
 * What signet_policy_evaluate() returned (@p result, @p error its message) and filled in
 * @p verdict, for @p image, as one line of JSON (and a newline) appended to @p out:
 * {"image":IMAGE,"allowed":BOOL,"digest":"sha256:…"|"","scope":SCOPE,"scopeKind":"identity"|
 * "namespace"|"transport default"|"default","error":""|MESSAGE,"requirements":[{"type":TYPE,
 * "verdict":"accepted"|"denied"|"error"|"not evaluated","reason":TEXT},…]}
 * with one entry per requirement of the scope, in order ("denied" for a checked refusal,
 * "error" when the requirement could not be checked).
 *
 * @return as signet_policy_lint_json().
 */
SIGNET_EXTERN(int)
signet_policy_verdict_json(signet_buf *out, signet_ctx *ctx, const char *image,
                           const signet_policy_verdict *verdict, int result, const char *error);

#endif
