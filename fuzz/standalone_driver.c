/*
 * Replays fuzz inputs without libFuzzer: runs LLVMFuzzerTestOneInput() once on every regular
 * file of each directory (or on each file) named on the command line, in name order.
 * Silent on success; on failure prints the input's name (also when the input crashes the
 * target) and exits non-zero. Running no input at all is a failure: an empty or misnamed corpus
 * must not pass unnoticed.
 */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Present when linked with a sanitizer runtime; called before it exits on an error. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const char *volatile current_input;

/* Async-signal-safe: only write(2). */
static void
report_current_input(void)
{
    const char *name = current_input;
    ssize_t ignored;

    if (name == NULL)
        return;
    ignored = write(STDERR_FILENO, "while running input: ", 21);
    ignored = write(STDERR_FILENO, name, strlen(name));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
}

static void
on_fatal_signal(int sig)
{
    report_current_input();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
install_crash_reporting(void)
{
    static const int plain_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    size_t i;

    /* Failed checks abort(); sanitizers leave SIGABRT alone by default. */
    signal(SIGABRT, on_fatal_signal);
    if (__sanitizer_set_death_callback != NULL) {
        /* Keep the sanitizers' own handlers (and reports) for the other signals. */
        __sanitizer_set_death_callback(report_current_input);
        return;
    }
    for (i = 0; i < sizeof(plain_signals) / sizeof(plain_signals[0]); i++)
        signal(plain_signals[i], on_fatal_signal);
}

/* Read the whole file into an allocation of exactly its size, so overreads are caught. */
static int
run_file(const char *path)
{
    FILE *f;
    uint8_t *data = NULL;
    long len;
    int ok = 0;

    f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    data = malloc(len > 0 ? (size_t)len : 1);
    if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len)
        goto out;
    current_input = path;
    LLVMFuzzerTestOneInput(data, (size_t)len);
    current_input = NULL;
    ok = 1;
out:
    free(data);
    fclose(f);
    return ok;
}

static int
is_regular(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Returns the number of inputs run, or -1 after printing the name of one that failed. */
static long
run_path(const char *path)
{
    struct dirent **entries = NULL;
    struct stat st;
    long count = 0;
    int n, i;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!run_file(path)) {
            fprintf(stderr, "%s: cannot read\n", path);
            return -1;
        }
        return 1;
    }
    n = scandir(path, &entries, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(path) + strlen(entries[i]->d_name) + 2;
        char *file = malloc(len);

        if (file == NULL) {
            count = -1;
            fprintf(stderr, "%s: out of memory\n", path);
        } else {
            snprintf(file, len, "%s/%s", path, entries[i]->d_name);
            if (count >= 0 && is_regular(file)) {
                if (run_file(file)) {
                    count++;
                } else {
                    fprintf(stderr, "%s: cannot read\n", file);
                    count = -1;
                }
            }
        }
        free(file);
        free(entries[i]);
    }
    free(entries);
    return count;
}

int
main(int argc, char **argv)
{
    long total = 0, n;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DIRECTORY_OR_FILE...\n", argv[0]);
        return 2;
    }
    install_crash_reporting();
    for (i = 1; i < argc; i++) {
        if ((n = run_path(argv[i])) < 0)
            return 1;
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "%s: no inputs found\n", argv[0]);
        return 1;
    }
    return 0;
}
