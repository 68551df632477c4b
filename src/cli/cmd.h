/*
 * The subcommands: one file each, src/cli/cmd_<name>.c. Each returns the exit status.
 */
#ifndef SIGNET_CLI_CMD_H
#define SIGNET_CLI_CMD_H

#include "opt.h"

struct cli_cmd {
    const struct cli_command *help;
    int (*fn)(int argc, char **argv);
};

#define CLI_DECLARE(id)                                                                            \
    extern const struct cli_command cmd_##id##_help;                                               \
    int cmd_##id(int argc, char **argv)

CLI_DECLARE(generate_key_pair);
CLI_DECLARE(import_key_pair);
CLI_DECLARE(public_key);
CLI_DECLARE(sign_blob);
CLI_DECLARE(verify_blob);
CLI_DECLARE(version);
CLI_DECLARE(sign);
CLI_DECLARE(verify);
CLI_DECLARE(triangulate);
CLI_DECLARE(tree);
CLI_DECLARE(download);
CLI_DECLARE(clean);
CLI_DECLARE(policy);

/* Parse options for a command; on help or usage error returns from the command. */
#define CLI_PARSE_OR_RETURN(help, target, argc, argv, pos, npos)                                   \
    do {                                                                                           \
        enum cli_parse_result r_ = cli_opt_parse(&(help), (target), (argc), (argv), (pos),         \
                                                 sizeof(pos) / sizeof((pos)[0]), (npos));          \
        if (r_ == CLI_PARSE_HELP)                                                                  \
            return CLI_EXIT_OK;                                                                    \
        if (r_ == CLI_PARSE_USAGE)                                                                 \
            return CLI_EXIT_USAGE;                                                                 \
    } while (0)

#endif
