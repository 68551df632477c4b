/*
 * signet download signature: an image's signatures, one JSON object per line.
 */
#include "cmd.h"
#include "error.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct options {
    const char *platform;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"platform", 0, CLI_OPT_STRING, offsetof(struct options, platform), "OS/ARCH",
     "for an index, use the manifest of this platform"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_download_help = {
    "download", "signature [options] IMAGE",
    "Print an image's signatures, one JSON object per line, as cosign download signature does.",
    NULL, CLI_OPTS(opts)};

int
cmd_download(int argc, char **argv)
{
    struct options o = {NULL, {0, 0, NULL, NULL, NULL}};
    const char *pos[2];
    size_t npos;

    CLI_PARSE_OR_RETURN(cmd_download_help, &o, argc, argv, pos, &npos);
    if (npos != 2 || strcmp(pos[0], "signature") != 0)
        return cli_usage_error(&cmd_download_help,
                               "usage is 'download signature IMAGE' (only signatures can be "
                               "downloaded)");
    return cli_print_image_text(&cmd_download_help, pos[1], o.platform, &o.reg,
                                signet_cosign_download, 256u * 1024 * 1024);
}
