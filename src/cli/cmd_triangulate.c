/*
 * signet triangulate: where an image's signatures (or attestations, SBOMs) are stored.
 */
#include "cmd.h"
#include "error.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct options {
    const char *type;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"type", 0, CLI_OPT_STRING, offsetof(struct options, type), "TYPE",
     "signature (default), attestation, sbom or digest"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_triangulate_help = {
    "triangulate", "[options] IMAGE",
    "Print the reference where an image's signatures are stored (REPO:sha256-<hex>.sig).", NULL,
    CLI_OPTS(opts)};

int
cmd_triangulate(int argc, char **argv)
{
    static const char *const types[][2] = {
        {"signature", "sig"}, {"attestation", "att"}, {"sbom", "sbom"}, {"digest", NULL}};
    struct options o = {"signature", {0, 0, NULL, NULL, NULL}};
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_reference ref, resolved, att;
    const char *pos[1], *suffix = NULL;
    char text[1024];
    size_t npos, t;
    signet_ctx *ctx = NULL;
    signet_registry *reg = NULL;
    int rc, lib_rc;

    CLI_PARSE_OR_RETURN(cmd_triangulate_help, &o, argc, argv, pos, &npos);
    if (npos != 1)
        return cli_usage_error(&cmd_triangulate_help, "exactly one image is required");
    for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
        if (strcmp(o.type, types[t][0]) == 0)
            break;
    if (t == sizeof(types) / sizeof(types[0]))
        return cli_usage_error(&cmd_triangulate_help, "unknown --type '%s'", o.type);
    suffix = types[t][1];
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    if ((rc = cli_parse_image(&ref, ctx, pos[0])) != CLI_EXIT_OK ||
        (rc = cli_registry_open(&reg, ctx, &cmd_triangulate_help, &o.reg, &copts)) != CLI_EXIT_OK)
        goto out;
    if ((lib_rc = signet_cosign_resolve(&resolved, ctx, reg, &ref, &copts)) != SIGNET_OK ||
        (suffix != NULL &&
         (lib_rc = signet_cosign_attachment(&att, ctx, &resolved, suffix, &copts)) != SIGNET_OK)) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    if (suffix == NULL) {
        resolved.tag[0] = '\0';
        signet_reference_format(text, sizeof(text), &resolved);
    } else {
        signet_reference_format(text, sizeof(text), &att);
    }
    printf("%s\n", text);
out:
    signet_registry_free(reg);
    signet_ctx_free(ctx);
    return rc;
}
