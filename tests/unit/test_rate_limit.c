#include "harness.h"
#include "registry_internal.h"

static void
test_rate_limit__burst_then_refuses_past_the_deadline(void)
{
    signet_rate_limiter *limiter = NULL;
    uint64_t deadline = signet_monotonic_ms() + 5000;

    /* One request a minute, bursts of two: the third would wait a minute, past the deadline. */
    CHECK_OK(signet_rate_limiter_new(&limiter, harness_ctx, 1.0 / 60, 2));
    CHECK_OK(signet_rate__acquire(limiter, harness_ctx, "reg.example:5000", deadline));
    CHECK_OK(signet_rate__acquire(limiter, harness_ctx, "reg.example:5000", deadline));
    CHECK_FAIL_WITH(SIGNET_ETIMEOUT,
                    "deadline exceeded: the request rate limit for 'reg.example:5000' allows no "
                    "request before it",
                    signet_rate__acquire(limiter, harness_ctx, "reg.example:5000", deadline));
    /* Another host has its own bucket; the refused request gave its token back. */
    CHECK_OK(signet_rate__acquire(limiter, harness_ctx, "other.example", deadline));
    signet_rate_limiter_free(limiter);
}

static void
test_rate_limit__many_hosts_reuse_buckets(void)
{
    signet_rate_limiter *limiter = NULL;
    char host[32];

    CHECK_OK(signet_rate_limiter_new(&limiter, harness_ctx, 1.0 / 60, 1));
    for (int i = 0; i < 200; i++) {
        snprintf(host, sizeof(host), "h%d.example", i);
        CHECK_OK(signet_rate__acquire(limiter, harness_ctx, host, 0));
    }
    signet_rate_limiter_free(limiter);
}

static void
test_rate_limit__refuses_bad_limits(void)
{
    signet_rate_limiter *limiter = NULL;

    CHECK_FAIL_WITH(SIGNET_EINVALID, "requests per second",
                    signet_rate_limiter_new(&limiter, harness_ctx, 0, 1));
    CHECK_FAIL_WITH(SIGNET_EINVALID, "burst of at least 1",
                    signet_rate_limiter_new(&limiter, harness_ctx, 10, 0));
    CHECK(limiter == NULL);
    signet_rate_limiter_free(NULL);
}

static void
test_rate_limit__deadline_in_the_past_stops_requests(void)
{
    signet_registry *reg = NULL;
    signet_reference ref;
    signet_descriptor desc;

    CHECK_OK(signet_registry_new(&reg, harness_ctx, NULL));
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "127.0.0.1:9/repo:tag"));
    signet_registry_set_deadline(reg, signet_monotonic_ms() - 1);
    CHECK_FAIL_WITH(SIGNET_ETIMEOUT, "deadline exceeded before asking https://127.0.0.1:9/v2/repo",
                    signet_registry_head_manifest(&desc, harness_ctx, reg, &ref));
    signet_registry_free(reg);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_rate_limit__burst_then_refuses_past_the_deadline),
        TEST_CASE(test_rate_limit__many_hosts_reuse_buckets),
        TEST_CASE(test_rate_limit__refuses_bad_limits),
        TEST_CASE(test_rate_limit__deadline_in_the_past_stops_requests),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
