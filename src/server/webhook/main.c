/*
 * signet-webhook: the Kubernetes admission webhook (man signet-webhook).
 */
#include "config.h"
#include "log.h"
#include "server.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 129

static const char usage[] =
    "usage: signet-webhook --config FILE --tls-cert FILE --tls-key FILE [options]\n"
    "       signet-webhook --check-config --config FILE\n"
    "\n"
    "Kubernetes admission webhook: admits only images whose signatures verify.\n"
    "Serves POST /validate and /mutate (AdmissionReview admission.k8s.io/v1), GET /healthz,\n"
    "/readyz and /metrics over HTTPS. Re-reads the config and the certificate when they\n"
    "change or on SIGHUP; stops cleanly on SIGTERM.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE         the webhook config (YAML)\n"
    "  -l, --listen ADDR:PORT    where to listen (default 0.0.0.0:8443; [::]:8443 for IPv6)\n"
    "      --tls-cert FILE       PEM certificate chain for the server\n"
    "      --tls-key FILE        PEM private key of the certificate\n"
    "      --check-config        load and check the config, print \"ok\", and exit\n"
    "      --log-level LEVEL     error, warning, info (default) or debug\n"
    "      --watch-interval MS   how often files are checked for changes (default 2000)\n"
    "  -h, --help                this help\n"
    "      --version             the version\n";

enum {
    OPT_TLS_CERT = 256,
    OPT_TLS_KEY,
    OPT_CHECK_CONFIG,
    OPT_LOG_LEVEL,
    OPT_WATCH_INTERVAL,
    OPT_VERSION,
};

static const struct option options[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"watch-interval", required_argument, NULL, OPT_WATCH_INTERVAL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("signet-webhook: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nsignet-webhook: run 'signet-webhook --help' for usage\n", stderr);
    return EXIT_USAGE;
}

static int
check_config(const char *path)
{
    wh_config *config = NULL;
    char err[WH_CONFIG_ERROR_MAX];

    if (wh_config_load(&config, err, path) != SIGNET_OK) {
        fprintf(stderr, "signet-webhook: %s\n", err);
        return 1;
    }
    wh_config_free(config);
    printf("ok\n");
    return 0;
}

int
main(int argc, char **argv)
{
    wh_server_options opts = {NULL, "0.0.0.0:8443", NULL, NULL, 2000};
    int check = 0, c, status;

    if (signet_global_init() != SIGNET_OK) {
        fputs("signet-webhook: cannot initialise the crypto libraries\n", stderr);
        return 2;
    }
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:l:h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            opts.config_path = optarg;
            break;
        case 'l':
            opts.listen = optarg;
            break;
        case OPT_TLS_CERT:
            opts.tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            opts.tls_key = optarg;
            break;
        case OPT_CHECK_CONFIG:
            check = 1;
            break;
        case OPT_LOG_LEVEL:
            if (strcmp(optarg, "error") == 0)
                wh_log_set_level(WH_LOG_ERROR);
            else if (strcmp(optarg, "warning") == 0)
                wh_log_set_level(WH_LOG_WARN);
            else if (strcmp(optarg, "info") == 0)
                wh_log_set_level(WH_LOG_INFO);
            else if (strcmp(optarg, "debug") == 0)
                wh_log_set_level(WH_LOG_DEBUG);
            else
                return usage_error("--log-level: '%s' is not error, warning, info or debug",
                                   optarg);
            break;
        case OPT_WATCH_INTERVAL: {
            char *end = NULL;
            unsigned long ms = strtoul(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || ms < 100 || ms > 600000)
                return usage_error("--watch-interval: '%s' is not 100..600000 milliseconds",
                                   optarg);
            opts.watch_interval_ms = (unsigned int)ms;
            break;
        }
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            printf("signet-webhook %s\n", SIGNET_VERSION);
            return 0;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (opts.config_path == NULL)
        return usage_error("%s", "--config FILE is required");
    if (check) {
        status = check_config(opts.config_path);
    } else if (opts.tls_cert == NULL || opts.tls_key == NULL) {
        return usage_error("%s", "--tls-cert FILE and --tls-key FILE are required");
    } else {
        status = wh_server_run(&opts);
    }
    signet_global_shutdown();
    return status;
}
