/*
 * signet version.
 */
#include "cmd.h"
#include "error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct options {
    const char *output;
};

static const struct cli_opt opts[] = {
    {"output", 'o', CLI_OPT_STRING, offsetof(struct options, output), "FORMAT",
     "text (default) or json"},
};

const struct cli_command cmd_version_help = {
    "version", "[options]", "Print the version of signet and of the libraries it uses.", NULL,
    CLI_OPTS(opts)};

int
cmd_version(int argc, char **argv)
{
    struct options o = {"text"};
    const char *pos[1];
    size_t npos;

    CLI_PARSE_OR_RETURN(cmd_version_help, &o, argc, argv, pos, &npos);
    if (npos != 0)
        return cli_usage_error(&cmd_version_help, "unexpected argument '%s'", pos[0]);
    if (strcmp(o.output, "json") == 0)
        printf("{\"version\":\"%s\",\"libraries\":\"%s\"}\n", signet_version(),
               signet_version_libraries());
    else if (strcmp(o.output, "text") == 0)
        printf("signet %s\n%s\n", signet_version(), signet_version_libraries());
    else
        return cli_usage_error(&cmd_version_help, "unknown output format '%s'", o.output);
    return CLI_EXIT_OK;
}
