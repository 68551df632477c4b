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
    const char *pos[1];
    size_t npos;

    CLI_PARSE_OR_RETURN(cmd_tree_help, &o, argc, argv, pos, &npos);
    if (npos != 1)
        return cli_usage_error(&cmd_tree_help, "exactly one image is required");
    return cli_print_image_text(&cmd_tree_help, pos[0], o.platform, &o.reg, signet_cosign_tree,
                                16u * 1024 * 1024);
}
