#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static const char *
path_in_dir(const char *name)
{
    static char p[4][128];
    static int next;

    next = (next + 1) % 4;
    snprintf(p[next], sizeof(p[next]), "%s/%s", dir, name);
    return p[next];
}

static void
make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/signet-unit-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static void
remove_dir(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void
test_file__write_creates_with_mode_and_refuses_overwrite(void)
{
    signet_buf b = SIGNET_BUF_INIT;
    struct stat st;
    const char *p;

    make_dir();
    p = path_in_dir("k.key");
    CHECK_OK(signet_file_write(harness_ctx, p, "first", 5, 0600, 0));
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_FAIL_WITH(SIGNET_EEXISTS, "refusing to overwrite",
                    signet_file_write(harness_ctx, p, "second", 6, 0600, 0));
    harness_read(&b, p);
    CHECK(b.size == 5 && memcmp(b.ptr, "first", 5) == 0);
    signet_buf_dispose(&b);
    CHECK_OK(signet_file_write(harness_ctx, p, "second", 6, 0644, SIGNET_FILE_WRITE_OVERWRITE));
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
    harness_read(&b, p);
    CHECK(b.size == 6 && memcmp(b.ptr, "second", 6) == 0);
    signet_buf_dispose(&b);
    remove_dir();
}

static void
test_file__write_leaves_no_temporary_files(void)
{
    char cmd[256];

    make_dir();
    CHECK_OK(signet_file_write(harness_ctx, path_in_dir("a"), "x", 1, 0600, 0));
    signet_file_write(harness_ctx, path_in_dir("a"), "y", 1, 0600, 0);
    snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", dir);
    CHECK(system(cmd) == 0);
    remove_dir();
}

static void
test_file__write_into_missing_directory_fails(void)
{
    CHECK_FAIL_WITH(SIGNET_EIO, "cannot create",
                    signet_file_write(harness_ctx, "/nonexistent-dir/k.key", "x", 1, 0600, 0));
}

static void
test_file__read_refuses_links_dirs_and_large_files(void)
{
    signet_buf b = SIGNET_BUF_INIT;

    make_dir();
    CHECK_OK(signet_file_write(harness_ctx, path_in_dir("f"), "0123456789", 10, 0600, 0));
    CHECK(symlink(path_in_dir("f"), path_in_dir("link")) == 0);
    signet_buf_init(&b, 100, 0);
    CHECK_FAIL_WITH(SIGNET_EIO, "symbolic link",
                    signet_file_read(&b, harness_ctx, path_in_dir("link")));
    CHECK_FAIL_WITH(SIGNET_EIO, "is a directory", signet_file_read(&b, harness_ctx, dir));
    CHECK_FAIL_WITH(SIGNET_ENOTFOUND, "No such file",
                    signet_file_read(&b, harness_ctx, path_in_dir("missing")));
    signet_buf_dispose(&b);
    signet_buf_init(&b, 9, 0);
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "limit 9 bytes",
                    signet_file_read(&b, harness_ctx, path_in_dir("f")));
    signet_buf_dispose(&b);
    signet_buf_init(&b, 10, 0);
    CHECK_OK(signet_file_read(&b, harness_ctx, path_in_dir("f")));
    CHECK(b.size == 10);
    signet_buf_dispose(&b);
    remove_dir();
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_file__write_creates_with_mode_and_refuses_overwrite),
        TEST_CASE(test_file__write_leaves_no_temporary_files),
        TEST_CASE(test_file__write_into_missing_directory_fails),
        TEST_CASE(test_file__read_refuses_links_dirs_and_large_files),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
