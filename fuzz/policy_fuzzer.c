/*
 * signet_policy_parse(): containers-policy.json. An accepted policy has a non-empty default
 * list whose requirements have known types, and every docker lookup answers with a non-empty
 * list; a refused one is SIGNET_EPARSE with `invalid policy in "NAME": ...` (or ENOMEM).
 * Parsing is deterministic: the same input gives the same answer twice.
 *
 * Strict mode adds nothing yet: there is no containers/image to compare with here; the policy
 * vectors pin its messages (tests/unit/test_policy.c).
 */
#include "fuzz_common.h"

static void
check_requirements(const signet_policy_requirements *reqs)
{
    size_t n = signet_policy_requirements_count(reqs);

    FUZZ_CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        signet_policy_requirement_type t = signet_policy_requirement_type_at(reqs, i);
        signet_policy_identity_type id = signet_policy_requirement_identity_at(reqs, i);
        FUZZ_CHECK(signet_policy_requirement_type_name(t)[0] != '\0');
        if (t == SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING || t == SIGNET_POLICY_REJECT)
            FUZZ_CHECK(id == SIGNET_POLICY_IDENTITY_NONE);
        else
            FUZZ_CHECK(signet_policy_identity_type_name(id)[0] != '\0');
    }
}

static void
check_lookups(const signet_policy *policy)
{
    static const char *const images[] = {"busybox", "deep.com/n1/n2/repo:tag",
                                         "example.com:5000/ns/r@sha256:"
                                         "0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef"};
    static const char *const transports[] = {"docker", "atomic", "docker-daemon"};
    signet_ctx *ctx = fuzz_begin();
    signet_policy_match match;
    signet_reference ref;

    for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
        FUZZ_CHECK(signet_reference_parse(&ref, ctx, images[i]) == SIGNET_OK);
        for (size_t t = 0; t < sizeof(transports) / sizeof(transports[0]); t++) {
            FUZZ_CHECK(signet_policy_lookup_docker(&match, ctx, policy, transports[t], &ref) ==
                       SIGNET_OK);
            FUZZ_CHECK(match.kind >= SIGNET_POLICY_SCOPE_IDENTITY &&
                       match.kind <= SIGNET_POLICY_SCOPE_DEFAULT);
            FUZZ_CHECK(memchr(match.scope, '\0', sizeof(match.scope)) != NULL);
            check_requirements(match.requirements);
        }
    }
    signet_ctx_free(ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_ctx *ctx = fuzz_begin(), *again_ctx = fuzz_begin();
    signet_policy *policy = NULL, *again = NULL;
    int rc, again_rc;

    rc = signet_policy_parse(&policy, ctx, fuzz_bytes(data), size, "fuzz.json");
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE), policy != NULL);
    if (rc == SIGNET_EPARSE)
        FUZZ_CHECK(strncmp(signet_ctx_error(ctx), "invalid policy in \"fuzz.json\": ", 31) == 0);
    if (rc == SIGNET_OK) {
        check_requirements(signet_policy_default(policy));
        check_lookups(policy);
    }
    again_rc = signet_policy_parse(&again, again_ctx, fuzz_bytes(data), size, "fuzz.json");
    FUZZ_CHECK(again_rc == rc);
    FUZZ_CHECK(strcmp(signet_ctx_error(ctx), signet_ctx_error(again_ctx)) == 0);
    signet_policy_free(again);
    signet_policy_free(policy);
    signet_ctx_free(again_ctx);
    signet_ctx_free(ctx);
    return 0;
}
