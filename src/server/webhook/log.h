/*
 * The webhook's log: one line per event on stderr, "signet-webhook: LEVEL: message", so a
 * cluster's log collector keeps each event whole. Thread-safe (stdio locks each call).
 */
#ifndef SIGNET_WEBHOOK_LOG_H
#define SIGNET_WEBHOOK_LOG_H

typedef enum wh_log_level {
    WH_LOG_ERROR = 0,
    WH_LOG_WARN = 1,
    WH_LOG_INFO = 2,
    WH_LOG_DEBUG = 3,
} wh_log_level;

/* Events above @p level are dropped (the default is WH_LOG_INFO). */
void wh_log_set_level(wh_log_level level);

void wh_log(wh_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
