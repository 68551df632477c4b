/*
 * signet clean: remove an image's signatures, attestations or SBOMs from the registry.
 */
#include "cmd.h"
#include "error.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct options {
    const char *type;
    int force;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"type", 0, CLI_OPT_STRING, offsetof(struct options, type), "TYPE",
     "signature, attestation, sbom or all (default all)"},
    {"force", 'f', CLI_OPT_BOOL, offsetof(struct options, force), NULL,
     "do not ask for confirmation"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_clean_help = {
    "clean", "[options] IMAGE",
    "Delete an image's signatures, attestations and SBOMs from the registry.",
    "Asks for confirmation on a terminal unless --force is given; refuses without a terminal.",
    CLI_OPTS(opts)};

int
cmd_clean(int argc, char **argv)
{
    static const char *const what[][2] = {{"signature", "signatures"},
                                          {"attestation", "attestations"},
                                          {"sbom", "SBOMs"},
                                          {"all", "signatures, attestations and SBOMs"}};
    struct options o = {"all", 0, {0, 0, NULL, NULL, NULL}};
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_reference ref;
    const char *pos[1];
    char answer[16];
    size_t npos, t;
    signet_ctx *ctx = NULL;
    signet_registry *reg = NULL;
    int rc, lib_rc;

    CLI_PARSE_OR_RETURN(cmd_clean_help, &o, argc, argv, pos, &npos);
    if (npos != 1)
        return cli_usage_error(&cmd_clean_help, "exactly one image is required");
    for (t = 0; t < sizeof(what) / sizeof(what[0]); t++)
        if (strcmp(o.type, what[t][0]) == 0)
            break;
    if (t == sizeof(what) / sizeof(what[0]))
        return cli_usage_error(&cmd_clean_help,
                               "unknown --type '%s' (signature, attestation, sbom, all)", o.type);
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    if ((rc = cli_parse_image(&ref, ctx, pos[0])) != CLI_EXIT_OK ||
        (rc = cli_registry_open(&reg, ctx, &cmd_clean_help, &o.reg, &copts)) != CLI_EXIT_OK)
        goto out;
    /* Every argument is checked; now ask before deleting. */
    if (!o.force) {
        if (!isatty(STDIN_FILENO)) {
            rc =
                cli_error("refusing to delete %s without --force (no terminal to ask)", what[t][1]);
            goto out;
        }
        fprintf(stderr, "WARNING: this will remove all %s of the image. Are you sure? [y/N] ",
                what[t][1]);
        if (fgets(answer, sizeof(answer), stdin) == NULL ||
            (strcmp(answer, "y\n") != 0 && strcmp(answer, "Y\n") != 0)) {
            rc = cli_error("user declined the prompt");
            goto out;
        }
    }
    if ((lib_rc = signet_cosign_clean(ctx, reg, &ref, o.type, &copts)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fprintf(stderr, "Removed the %s of %s\n", what[t][1], pos[0]);
out:
    signet_registry_free(reg);
    signet_ctx_free(ctx);
    return rc;
}
