#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static volatile wh_log_level log_level = WH_LOG_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void
wh_log_set_level(wh_log_level level)
{
    log_level = level;
}

void
wh_log(wh_log_level level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    if (level > log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per event: stdio's lock keeps lines from different threads whole. */
    fprintf(stderr, "signet-webhook: %s: %s\n", level_names[level], line);
}
