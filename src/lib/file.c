/*
 * Bounded reads and atomic, non-clobbering writes of small files (keys, signatures, policies).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
signet_file_read(signet_buf *out, signet_ctx *ctx, const char *path)
{
    return signet_file__read(out, ctx, path, SIGNET_FILE__STDIN);
}

int
signet_file__read(signet_buf *out, signet_ctx *ctx, const char *path, unsigned int flags)
{
    int fd = -1, rc = SIGNET_OK, is_stdin, follow = (flags & SIGNET_FILE__FOLLOW) != 0;
    char chunk[16384];
    struct stat st;
    ssize_t n;

    SIGNET_ASSERT_ARG(ctx, out != NULL && path != NULL);
    is_stdin = (flags & SIGNET_FILE__STDIN) && strcmp(path, "-") == 0;
    fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (fd < 0) {
        int code = errno == ENOENT ? SIGNET_ENOTFOUND : SIGNET_EIO;
        if (errno == ELOOP && !follow)
            return signet_error__set(ctx, SIGNET_EIO, "cannot open '%s': is a symbolic link", path);
        return signet_error__set(ctx, code, "cannot open '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot read '%s': is a directory", path);
        goto out;
    }
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = signet_error__set(ctx, SIGNET_EIO, "cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if ((rc = signet_buf_put(out, chunk, (size_t)n)) != SIGNET_OK) {
            rc = signet_error__set(ctx, rc, "cannot read '%s': %s (limit %zu bytes)", path,
                                   signet_strerror(rc), out->max);
            goto out;
        }
    }
    /* An empty file is an empty buffer, not a missing one. */
    if (out->ptr == NULL && (rc = signet_buf_put(out, "", 0)) != SIGNET_OK)
        rc = signet_error__set(ctx, rc, "cannot read '%s': %s", path, signet_strerror(rc));
out:
    /* The chunk may have held secret bytes. */
    explicit_bzero(chunk, sizeof(chunk));
    if (!is_stdin && fd >= 0)
        close(fd);
    return rc;
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
signet_file_write(signet_ctx *ctx, const char *path, const void *data, size_t len,
                  unsigned int mode, unsigned int flags)
{
    char tmp[4096];
    int fd = -1, rc = SIGNET_OK, tmp_exists = 0;

    SIGNET_ASSERT_ARG(ctx, path != NULL && (data != NULL || len == 0));
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
        return signet_error__set(ctx, SIGNET_EIO, "cannot write '%s': path too long", path);
    if (!(flags & SIGNET_FILE_WRITE_OVERWRITE) && access(path, F_OK) == 0)
        return signet_error__set(ctx, SIGNET_EEXISTS, "refusing to overwrite '%s'", path);
    /* mkstemp creates the file O_EXCL with mode 0600. */
    fd = mkstemp(tmp);
    if (fd < 0)
        return signet_error__set(ctx, SIGNET_EIO, "cannot create a file beside '%s': %s", path,
                                 strerror(errno));
    tmp_exists = 1;
    if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (flags & SIGNET_FILE_WRITE_OVERWRITE) {
        if (rename(tmp, path) != 0) {
            rc = signet_error__set(ctx, SIGNET_EIO, "cannot replace '%s': %s", path,
                                   strerror(errno));
            goto out;
        }
        tmp_exists = 0;
    } else if (link(tmp, path) != 0) {
        /* link() never replaces: a file that appeared since the check above is kept. */
        if (errno == EEXIST)
            rc = signet_error__set(ctx, SIGNET_EEXISTS, "refusing to overwrite '%s'", path);
        else
            rc =
                signet_error__set(ctx, SIGNET_EIO, "cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp_exists)
        unlink(tmp);
    return rc;
}
