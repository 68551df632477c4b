/*
 * A small unit test harness: cases named test_<module>__<case>, checks that report the
 * library's error message, and a closing "N passed, N failed" line.
 */
#ifndef SIGNET_TEST_HARNESS_H
#define SIGNET_TEST_HARNESS_H

#include "signet.h"

#include <stdio.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

#define TEST_CASE(fn)                                                                              \
    {                                                                                              \
#fn, fn                                                                                    \
    }

extern int harness_failures_in_case;

void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs every case (each with a fresh ctx in harness_ctx); returns the exit status. */
int harness_run(const struct test_case *cases, size_t n);

/* Fresh for every case. */
extern signet_ctx *harness_ctx;

/* $VECTORS/<rel>, or a failed check when VECTORS is unset. Static buffer. */
const char *harness_vector(const char *rel);

/* Read a whole file into @p out (max 1 MiB); failure is a failed check. */
int harness_read(signet_buf *out, const char *path);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            harness_fail(__FILE__, __LINE__, "check failed: %s", #cond);                           \
    } while (0)

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != SIGNET_OK)                                                                      \
            harness_fail(__FILE__, __LINE__, "%s returned %d: %s", #expr, rc_,                     \
                         signet_ctx_error(harness_ctx));                                           \
    } while (0)

/* The call fails with @p code and leaves a non-empty message containing @p text. */
#define CHECK_FAIL_WITH(code, text, expr)                                                          \
    do {                                                                                           \
        int rc_;                                                                                   \
        signet_ctx_clear_error(harness_ctx);                                                       \
        rc_ = (expr);                                                                              \
        if (rc_ != (code))                                                                         \
            harness_fail(__FILE__, __LINE__, "%s returned %d, want %d (%s)", #expr, rc_, (code),   \
                         signet_ctx_error(harness_ctx));                                           \
        else if (signet_ctx_error(harness_ctx)[0] == '\0' ||                                       \
                 strstr(signet_ctx_error(harness_ctx), (text)) == NULL)                            \
            harness_fail(__FILE__, __LINE__, "%s: message '%s' lacks '%s'", #expr,                 \
                         signet_ctx_error(harness_ctx), (text));                                   \
        signet_ctx_clear_error(harness_ctx);                                                       \
    } while (0)

#endif
