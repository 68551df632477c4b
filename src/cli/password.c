#include "password.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Read one line from the terminal with echo off into @p buf (guarded memory). */
static int
read_tty_line(char *buf, size_t size, size_t *len, const char *prompt)
{
    struct termios old, quiet;
    int fd, have_old, rc = -1;
    size_t n = 0;
    char c;

    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    have_old = tcgetattr(fd, &old) == 0;
    if (have_old) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(prompt, stderr);
    fflush(stderr);
    for (;;) {
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n' || c == '\r')
            break;
        if (n + 1 >= size)
            goto out; /* too long: refuse rather than truncate */
        buf[n++] = c;
    }
    buf[n] = '\0';
    *len = n;
    rc = 0;
out:
    c = 0;
    if (have_old)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', stderr);
    close(fd);
    return rc;
}

int
cli_password_get(struct cli_password *out, enum cli_password_mode mode)
{
    const char *env = getenv("COSIGN_PASSWORD");
    char *again = NULL;
    size_t again_len = 0;
    int rc = CLI_EXIT_OK;

    memset(out, 0, sizeof(*out));
    out->ptr = sodium_malloc(CLI_PASSWORD_MAX + 1);
    if (out->ptr == NULL)
        return cli_error("out of memory");
    if (env != NULL) {
        out->len = strlen(env);
        if (out->len > CLI_PASSWORD_MAX) {
            rc = cli_error("COSIGN_PASSWORD is longer than %d bytes", CLI_PASSWORD_MAX);
            goto out;
        }
        memcpy(out->ptr, env, out->len + 1);
        goto out;
    }
    if (!isatty(STDIN_FILENO)) {
        rc = cli_error("no password: set COSIGN_PASSWORD (it may be empty) or run on a terminal");
        goto out;
    }
    if (read_tty_line(out->ptr, CLI_PASSWORD_MAX + 1, &out->len,
                      "Enter password for private key: ") != 0) {
        rc = cli_error("cannot read the password from the terminal (longer than %d bytes?)",
                       CLI_PASSWORD_MAX);
        goto out;
    }
    if (mode == CLI_PASSWORD_CONFIRM) {
        again = sodium_malloc(CLI_PASSWORD_MAX + 1);
        if (again == NULL) {
            rc = cli_error("out of memory");
            goto out;
        }
        if (read_tty_line(again, CLI_PASSWORD_MAX + 1, &again_len,
                          "Enter password for private key again: ") != 0) {
            rc = cli_error("cannot read the password from the terminal");
            goto out;
        }
        /* Constant time: the two strings are secret. */
        if (again_len != out->len || sodium_memcmp(again, out->ptr, out->len) != 0) {
            rc = cli_error("passwords do not match");
            goto out;
        }
    }
out:
    sodium_free(again);
    if (rc != CLI_EXIT_OK)
        cli_password_release(out);
    return rc;
}

void
cli_password_release(struct cli_password *pw)
{
    sodium_free(pw->ptr); /* wipes; NULL is a no-op */
    pw->ptr = NULL;
    pw->len = 0;
}
