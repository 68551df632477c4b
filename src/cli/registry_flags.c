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

/* REGISTRY/REPO without a tag or digest. */
static int
is_repository(const char *text)
{
    const char *last = strrchr(text, '/');
    signet_reference ref;
    signet_ctx *ctx = NULL;
    int ok;

    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return 0;
    /* A tag follows the last '/' (a ':' before it is a port); a bare name is on Docker Hub. */
    ok = signet_reference_parse(&ref, ctx, text) == SIGNET_OK && strchr(text, '@') == NULL &&
         strchr(last != NULL ? last : text, ':') == NULL;
    signet_ctx_free(ctx);
    return ok;
}

int
cli_registry_options(signet_registry_options *out, const struct cli_command *cmd,
                     const struct cli_registry_flags *flags, signet_cosign_options *cosign)
{
    signet_registry_options opts = SIGNET_REGISTRY_OPTIONS_INIT;
    const char *env_repo = getenv("COSIGN_REPOSITORY");
    const char *repo;

    if (flags->timeout != NULL && parse_duration_ms(&opts.timeout_ms, flags->timeout) != 0)
        return cli_usage_error(cmd, "invalid --timeout '%s' (e.g. 30s, 500ms, 2m)", flags->timeout);
    repo = flags->signature_repository ? flags->signature_repository
                                       : (env_repo && env_repo[0] ? env_repo : NULL);
    if (repo != NULL && !is_repository(repo))
        return cli_usage_error(
            cmd,
            "invalid signature repository '%s' (from %s): want a repository without tag or digest",
            repo, flags->signature_repository ? "--signature-repository" : "$COSIGN_REPOSITORY");
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
cli_registry_open(signet_registry **out, signet_ctx *ctx, const struct cli_command *cmd,
                  const struct cli_registry_flags *flags, signet_cosign_options *cosign)
{
    signet_registry_options opts;
    int rc;

    if ((rc = cli_registry_options(&opts, cmd, flags, cosign)) != CLI_EXIT_OK)
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

int
cli_check_platform(const struct cli_command *cmd, const char *platform)
{
    const char *slash = platform ? strchr(platform, '/') : NULL;

    if (platform == NULL)
        return CLI_EXIT_OK;
    if (slash == NULL || slash == platform || slash[1] == '\0' || slash[1] == '/')
        return cli_usage_error(cmd, "--platform '%s' is not os/arch[/variant]", platform);
    return CLI_EXIT_OK;
}

int
cli_annotations_split(struct cli_annotations *out, const struct cli_command *cmd,
                      const struct cli_list *given)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < given->count; i++) {
        const char *p = given->items[i];
        /* cosign's -a is a string slice: "a=1,b=2" is two annotations. */
        while (1) {
            size_t len = strcspn(p, ",");
            const char *eq = memchr(p, '=', len);
            if (out->count == CLI_ANNOTATIONS_MAX) {
                cli_annotations_release(out);
                return cli_usage_error(cmd, "more than %d annotations", CLI_ANNOTATIONS_MAX);
            }
            if (eq == NULL || eq == p) {
                cli_annotations_release(out);
                return cli_usage_error(cmd, "annotation '%.*s' is not key=value", (int)len, p);
            }
            out->items[out->count] = strndup(p, len);
            if (out->items[out->count] == NULL) {
                cli_annotations_release(out);
                return cli_error("out of memory");
            }
            out->count++;
            if (p[len] == '\0')
                break;
            p += len + 1;
        }
    }
    return CLI_EXIT_OK;
}

void
cli_annotations_release(struct cli_annotations *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->items[i]);
    a->count = 0;
}

int
cli_print_image_text(const struct cli_command *cmd, const char *image, const char *platform,
                     const struct cli_registry_flags *flags, cli_image_text_fn fn, size_t max)
{
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_buf text = SIGNET_BUF_INIT;
    signet_reference ref;
    signet_ctx *ctx = NULL;
    signet_registry *reg = NULL;
    int rc, lib_rc;

    if ((rc = cli_check_platform(cmd, platform)) != CLI_EXIT_OK)
        return rc;
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    copts.platform = platform;
    signet_buf_init(&text, max, 0);
    if ((rc = cli_parse_image(&ref, ctx, image)) != CLI_EXIT_OK ||
        (rc = cli_registry_open(&reg, ctx, cmd, flags, &copts)) != CLI_EXIT_OK)
        goto out;
    if ((lib_rc = fn(&text, ctx, reg, &ref, &copts)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fwrite(text.ptr, 1, text.size, stdout);
    if (fflush(stdout) != 0)
        rc = cli_error("cannot write to standard output");
out:
    signet_buf_dispose(&text);
    signet_registry_free(reg);
    signet_ctx_free(ctx);
    return rc;
}
