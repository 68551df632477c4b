#include "registry_flags.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "30s", "500ms", "2m", "1h" or a bare number of seconds, as cosign's --timeout. */
static int
parse_duration_ms(long *out, const char *s)
{
    char *end;
    double v = strtod(s, &end);

    if (end == s || v < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        v *= 1000;
    else if (strcmp(end, "ms") == 0)
        ;
    else if (strcmp(end, "m") == 0)
        v *= 60000;
    else if (strcmp(end, "h") == 0)
        v *= 3600000;
    else
        return -1;
    if (v < 1 || v > 24.0 * 3600000)
        return -1;
    *out = (long)v;
    return 0;
}

int
cli_registry_options(signet_registry_options *out, const struct cli_registry_flags *flags,
                     signet_cosign_options *cosign)
{
    signet_registry_options opts = SIGNET_REGISTRY_OPTIONS_INIT;
    const char *env_repo = getenv("COSIGN_REPOSITORY");

    if (flags->timeout != NULL && parse_duration_ms(&opts.timeout_ms, flags->timeout) != 0)
        return cli_error("invalid --timeout '%s' (e.g. 30s, 500ms, 2m)", flags->timeout);
    if (flags->allow_insecure)
        cli_warn("--allow-insecure-registry: registry TLS certificates are not verified");
    if (flags->allow_http)
        cli_warn("--allow-http-registry: talking plain HTTP to registries");
    opts.allow_insecure = flags->allow_insecure;
    opts.allow_http = flags->allow_http;
    opts.ca_file = flags->cacert;
    cosign->signature_repository = flags->signature_repository
                                       ? flags->signature_repository
                                       : (env_repo && env_repo[0] ? env_repo : NULL);
    *out = opts;
    return CLI_EXIT_OK;
}

int
cli_registry_open(signet_registry **out, signet_ctx *ctx, const struct cli_registry_flags *flags,
                  signet_cosign_options *cosign)
{
    signet_registry_options opts;
    int rc;

    if ((rc = cli_registry_options(&opts, flags, cosign)) != CLI_EXIT_OK)
        return rc;
    if ((rc = signet_registry_new(out, ctx, &opts)) != SIGNET_OK)
        return cli_fail(ctx, rc);
    return CLI_EXIT_OK;
}

int
cli_parse_image(signet_reference *out, signet_ctx *ctx, const char *text)
{
    int rc = signet_reference_parse(out, ctx, text);

    return rc == SIGNET_OK ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

void
cli_print_event(const char *message, void *payload)
{
    (void)payload;
    fprintf(stderr, "%s\n", message);
}
