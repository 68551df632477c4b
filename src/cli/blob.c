#include "blob.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cli_blob_open(const char *path)
{
    struct stat st;
    int fd;

    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("cannot read '%s': is a directory", path);
        close(fd);
        return -1;
    }
    return fd;
}

void
cli_blob_close(int fd)
{
    if (fd > STDIN_FILENO)
        close(fd);
}
