#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int harness_failures_in_case;
signet_ctx *harness_ctx;

void
harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_failures_in_case++;
}

const char *
harness_vector(const char *rel)
{
    static char path[4096];
    const char *base = getenv("VECTORS");

    if (base == NULL) {
        harness_fail(__FILE__, __LINE__, "VECTORS is not set (the shared test vectors)");
        return "/nonexistent";
    }
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    return path;
}

int
harness_read(signet_buf *out, const char *path)
{
    signet_buf_init(out, 1024 * 1024, 0);
    int rc = signet_file_read(out, harness_ctx, path);
    if (rc != SIGNET_OK)
        harness_fail(__FILE__, __LINE__, "cannot read %s: %s", path, signet_ctx_error(harness_ctx));
    return rc;
}

int
harness_run(const struct test_case *cases, size_t n)
{
    size_t passed = 0, failed = 0;

    if (signet_global_init() != SIGNET_OK) {
        fprintf(stderr, "signet_global_init failed\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        harness_failures_in_case = 0;
        if (signet_ctx_new(&harness_ctx) != SIGNET_OK) {
            fprintf(stderr, "out of memory\n");
            return 2;
        }
        cases[i].fn();
        signet_ctx_free(harness_ctx);
        harness_ctx = NULL;
        if (harness_failures_in_case == 0) {
            passed++;
            printf("ok   %s\n", cases[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", cases[i].name);
        }
    }
    signet_global_shutdown();
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
