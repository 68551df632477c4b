/*
 * signet policy: containers-policy.json. Sub-verbs: lint (more to come, e.g. verify).
 */
#include "cmd.h"
#include "error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct options {
    int quiet;
};

static const struct cli_opt opts[] = {
    {"quiet", 'q', CLI_OPT_BOOL, offsetof(struct options, quiet), NULL,
     "print nothing when the policy is valid"},
};

const struct cli_command cmd_policy_help = {
    "policy", "lint [options] FILE",
    "Check a containers-policy.json file as containers/image (skopeo, podman) reads it.",
    "lint FILE: exit 0 when FILE is a valid policy (\"FILE: valid\" on standard error), 1 with\n"
    "containers/image's message when it is not, 2 when it cannot be read.",
    CLI_OPTS(opts)};

static int
policy_lint(const struct options *o, const char *path)
{
    signet_ctx *ctx = NULL;
    signet_policy *policy = NULL;
    int rc;

    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    rc = signet_policy_load(&policy, ctx, path);
    if (rc == SIGNET_EPARSE) {
        /* Read, checked and refused: a rejection, not a failure to check. */
        cli_report(rc, signet_ctx_error(ctx));
        rc = CLI_EXIT_REJECTED;
    } else if (rc != SIGNET_OK) {
        rc = cli_fail(ctx, rc);
    } else {
        if (!o->quiet)
            fprintf(stderr, "%s: valid\n", path);
        rc = CLI_EXIT_OK;
    }
    signet_policy_free(policy);
    signet_ctx_free(ctx);
    return rc;
}

int
cmd_policy(int argc, char **argv)
{
    struct options o = {0};
    const char *pos[2];
    size_t npos;

    CLI_PARSE_OR_RETURN(cmd_policy_help, &o, argc, argv, pos, &npos);
    if (npos == 0)
        return cli_usage_error(&cmd_policy_help, "a sub-command is required (lint)");
    if (strcmp(pos[0], "lint") == 0) {
        if (npos != 2)
            return cli_usage_error(&cmd_policy_help, "lint takes exactly one FILE");
        return policy_lint(&o, pos[1]);
    }
    return cli_usage_error(&cmd_policy_help, "unknown sub-command '%s' (lint)", pos[0]);
}
