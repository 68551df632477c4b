/*
 * signet tree: what is attached to an image (signatures, attestations, SBOMs).
 */
#include "cmd.h"
#include "error.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>

struct options {
    const char *platform;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"platform", 0, CLI_OPT_STRING, offsetof(struct options, platform), "OS/ARCH",
     "for an index, show the manifest of this platform"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_tree_help = {
    "tree", "[options] IMAGE",
    "Show the signatures, attestations and SBOMs attached to an image, as cosign tree does.", NULL,
    CLI_OPTS(opts)};

int
cmd_tree(int argc, char **argv)
{
    struct options o = {NULL, {0, 0, NULL, NULL, NULL}};
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_buf text = SIGNET_BUF_INIT;
    signet_reference ref;
    const char *pos[1];
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_registry *reg = NULL;
    int rc, lib_rc;

    CLI_PARSE_OR_RETURN(cmd_tree_help, &o, argc, argv, pos, &npos);
    if (npos != 1)
        return cli_usage_error(&cmd_tree_help, "exactly one image is required");
    if ((rc = cli_check_platform(&cmd_tree_help, o.platform)) != CLI_EXIT_OK)
        return rc;
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    copts.platform = o.platform;
    signet_buf_init(&text, 16u * 1024 * 1024, 0);
    if ((rc = cli_parse_image(&ref, ctx, pos[0])) != CLI_EXIT_OK ||
        (rc = cli_registry_open(&reg, ctx, &cmd_tree_help, &o.reg, &copts)) != CLI_EXIT_OK)
        goto out;
    if ((lib_rc = signet_cosign_tree(&text, ctx, reg, &ref, &copts)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fwrite(text.ptr, 1, text.size, stdout);
out:
    signet_buf_dispose(&text);
    signet_registry_free(reg);
    signet_ctx_free(ctx);
    return rc;
}
