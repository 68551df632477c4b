#include "harness.h"
#include "internal.h"

static void
test_errors__every_code_has_a_description(void)
{
    for (int code = SIGNET_ETIMEOUT; code <= SIGNET_OK; code++) {
        const char *s = signet_strerror(code);
        CHECK(s != NULL && s[0] != '\0');
        CHECK(strcmp(s, "unknown error code") != 0);
    }
    CHECK(strcmp(signet_strerror(-1000), "unknown error code") == 0);
}

static void
test_errors__rejections_are_not_failures(void)
{
    for (int code = SIGNET_ETIMEOUT; code <= SIGNET_OK; code++) {
        int want = code == SIGNET_EVERIFY || code == SIGNET_ENOSIG || code == SIGNET_EPOLICY;
        CHECK(signet_error_is_rejection(code) == want);
    }
}

static void
test_errors__first_message_wins(void)
{
    CHECK(signet_error__set(harness_ctx, SIGNET_EPARSE, "first %d", 1) == SIGNET_EPARSE);
    CHECK(signet_error__set(harness_ctx, SIGNET_EIO, "second") == SIGNET_EIO);
    CHECK(signet_ctx_error_code(harness_ctx) == SIGNET_EPARSE);
    CHECK(strcmp(signet_ctx_error(harness_ctx), "first 1") == 0);
    signet_ctx_clear_error(harness_ctx);
    CHECK(signet_ctx_error_code(harness_ctx) == SIGNET_OK);
    CHECK(signet_ctx_error(harness_ctx)[0] == '\0');
}

static void
test_errors__long_messages_are_truncated(void)
{
    char big[2 * SIGNET_ERROR_MESSAGE_MAX];

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    signet_error__set(harness_ctx, SIGNET_EPARSE, "%s", big);
    CHECK(strlen(signet_ctx_error(harness_ctx)) == SIGNET_ERROR_MESSAGE_MAX - 1);
}

static void
test_errors__frees_accept_null(void)
{
    signet_ctx_free(NULL);
    signet_key_free(NULL);
    signet_buf_dispose(NULL);
    CHECK(signet_ctx_error(NULL)[0] == '\0');
    CHECK(signet_ctx_error_code(NULL) == SIGNET_OK);
}

static void
test_errors__null_arguments_are_reported(void)
{
    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument", signet_key_generate(NULL, harness_ctx));
    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument", signet_file_read(NULL, harness_ctx, "x"));
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_errors__every_code_has_a_description),
        TEST_CASE(test_errors__rejections_are_not_failures),
        TEST_CASE(test_errors__first_message_wins),
        TEST_CASE(test_errors__long_messages_are_truncated),
        TEST_CASE(test_errors__frees_accept_null),
        TEST_CASE(test_errors__null_arguments_are_reported),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
