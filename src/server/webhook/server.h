/*
 * The HTTPS server: libmicrohttpd (GnuTLS underneath), a thread per connection, the routes
 * /validate, /mutate, /healthz, /readyz and /metrics; config and certificate reloads on change
 * or SIGHUP without dropping a request; a clean stop on SIGTERM/SIGINT.
 */
#ifndef SIGNET_WEBHOOK_SERVER_H
#define SIGNET_WEBHOOK_SERVER_H

typedef struct wh_server_options {
    const char *config_path;
    const char *listen;             /* "host:port", "[v6]:port"; port 0 picks a free one (logged) */
    const char *tls_cert;           /* PEM chain */
    const char *tls_key;            /* PEM private key */
    unsigned int watch_interval_ms; /* how often files are checked for changes */
} wh_server_options;

/* Runs until SIGTERM or SIGINT. Returns the process exit status: 0 after a clean stop, 2 when
 * it could not start (the reason is logged). */
int wh_server_run(const wh_server_options *opts);

#endif
