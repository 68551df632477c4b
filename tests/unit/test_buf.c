#include "harness.h"
#include "internal.h"

static void
test_buf__max_is_enforced(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    signet_buf_init(&b, 10, 0);
    CHECK(signet_buf_put(&b, "0123456789", 10) == SIGNET_OK);
    CHECK(b.size == 10 && b.ptr[10] == '\0');
    CHECK(signet_buf_put(&b, "x", 1) == SIGNET_ETOOLARGE);
    CHECK(b.size == 10 && memcmp(b.ptr, "0123456789", 10) == 0);
    signet_buf_dispose(&b);
    CHECK(b.ptr == NULL && b.size == 0);
}

static void
test_buf__max_plus_one_in_one_put(void)
{
    signet_buf b = SIGNET_BUF_INIT;
    char data[101] = {0};

    signet_buf_init(&b, 100, 0);
    CHECK(signet_buf_put(&b, data, sizeof(data)) == SIGNET_ETOOLARGE);
    CHECK(b.size == 0);
    signet_buf_dispose(&b);
}

static void
test_buf__uninitialised_max_refuses(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    CHECK(signet_buf_puts(&b, "a") == SIGNET_ETOOLARGE);
    signet_buf_dispose(&b);
}

static void
test_buf__grows_and_keeps_contents(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    signet_buf_init(&b, 1 << 20, 0);
    for (int i = 0; i < 10000; i++)
        CHECK(signet_buf_puts(&b, "abc") == SIGNET_OK);
    CHECK(b.size == 30000);
    CHECK(memcmp(b.ptr + 29997, "abc", 3) == 0);
    signet_buf_dispose(&b);
}

static void
test_buf__secret_buffers_work(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    signet_buf_init(&b, 4096, 1);
    for (int i = 0; i < 100; i++)
        CHECK(signet_buf_puts(&b, "secret") == SIGNET_OK);
    CHECK(b.size == 600 && memcmp(b.ptr + 594, "secret", 6) == 0);
    signet_buf_dispose(&b);
    CHECK(b.ptr == NULL);
}

static void
test_buf__reserve_respects_max(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    signet_buf_init(&b, 8, 0);
    CHECK(signet_buf__reserve(&b, 8) == SIGNET_OK);
    CHECK(b.asize >= 9);
    CHECK(signet_buf__reserve(&b, 9) == SIGNET_ETOOLARGE);
    CHECK(signet_buf__reserve(&b, SIZE_MAX) == SIGNET_ETOOLARGE);
    signet_buf_dispose(&b);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_buf__max_is_enforced),
        TEST_CASE(test_buf__max_plus_one_in_one_put),
        TEST_CASE(test_buf__uninitialised_max_refuses),
        TEST_CASE(test_buf__grows_and_keeps_contents),
        TEST_CASE(test_buf__secret_buffers_work),
        TEST_CASE(test_buf__reserve_respects_max),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
