/*
 * signet: the command-line tool. Installed also as "cosign", it behaves the same way.
 */
#include "cmd.h"
#include "error.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

static const struct cli_cmd cmds[] = {
    {&cmd_generate_key_pair_help, cmd_generate_key_pair},
    {&cmd_import_key_pair_help, cmd_import_key_pair},
    {&cmd_public_key_help, cmd_public_key},
    {&cmd_sign_blob_help, cmd_sign_blob},
    {&cmd_verify_blob_help, cmd_verify_blob},
    {&cmd_sign_help, cmd_sign},
    {&cmd_verify_help, cmd_verify},
    {&cmd_triangulate_help, cmd_triangulate},
    {&cmd_tree_help, cmd_tree},
    {&cmd_download_help, cmd_download},
    {&cmd_clean_help, cmd_clean},
    {&cmd_policy_help, cmd_policy},
    {&cmd_version_help, cmd_version},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
print_usage(FILE *f)
{
    fprintf(f,
            "usage: %s COMMAND [options] [args]\n\n"
            "Sign container images and blobs, and verify them, in cosign's formats.\n\n"
            "Commands:\n",
            cli_program_name);
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-20s %s\n", cmds[i].help->name, cmds[i].help->summary);
    fprintf(f,
            "\nRun '%s COMMAND --help' for a command's options.\n"
            "Exit status: 0 ok, 1 checked and rejected, 2 could not complete, 129 usage.\n",
            cli_program_name);
}

static const struct cli_cmd *
find_cmd(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (strcmp(cmds[i].help->name, name) == 0)
            return &cmds[i];
    return NULL;
}

int
main(int argc, char **argv)
{
    const struct cli_cmd *cmd;
    int rc;

    if (argc > 0 && strcmp(basename(argv[0]), "cosign") == 0)
        cli_program_name = "cosign";
    if (signet_global_init() != SIGNET_OK)
        return cli_error("cannot initialise the crypto libraries");
    if (argc < 2) {
        print_usage(stderr);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && (cmd = find_cmd(argv[2])) != NULL) {
            cli_opt_print_help(cmd->help);
        } else if (argc > 2) {
            fprintf(stderr, "%s: unknown command '%s'\n", cli_program_name, argv[2]);
            rc = CLI_EXIT_USAGE;
            goto out;
        } else {
            print_usage(stdout);
        }
        rc = CLI_EXIT_OK;
        goto out;
    }
    if (strcmp(argv[1], "--version") == 0)
        argv[1] = "version";
    cmd = find_cmd(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "%s: unknown command '%s'\nRun '%s --help' for the list of commands.\n",
                cli_program_name, argv[1], cli_program_name);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    rc = cmd->fn(argc - 1, argv + 1);
out:
    signet_global_shutdown();
    return rc;
}
