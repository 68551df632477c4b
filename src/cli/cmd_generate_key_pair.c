/*
 * signet generate-key-pair: a new ECDSA P-256 key pair in cosign's files.
 */
#include "cmd.h"
#include "error.h"
#include "keyfiles.h"

#include <stddef.h>

struct options {
    const char *prefix;
    const char *kms;
    int force;
};

static const struct cli_opt opts[] = {
    {"output-key-prefix", 0, CLI_OPT_STRING, offsetof(struct options, prefix), "PREFIX",
     "write PREFIX.key and PREFIX.pub (default: cosign)"},
    {"force", 'f', CLI_OPT_BOOL, offsetof(struct options, force), NULL,
     "replace existing key files"},
    {"kms", 0, CLI_OPT_STRING, offsetof(struct options, kms), "URI",
     "key management services are not supported: giving it is an error"},
};

const struct cli_command cmd_generate_key_pair_help = {
    "generate-key-pair", "[options]",
    "Generate an ECDSA P-256 key pair: an encrypted private key and a public key.",
    "The private key is encrypted with the password in $COSIGN_PASSWORD (which may be empty) or,\n"
    "when that is unset, one asked twice on the terminal. PREFIX.key is created with mode 0600,\n"
    "PREFIX.pub with 0644; existing files are kept unless --force is given or you agree.",
    CLI_OPTS(opts)};

int
cmd_generate_key_pair(int argc, char **argv)
{
    struct options o = {"cosign", NULL, 0};
    const char *pos[1];
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    int rc, lib_rc;

    CLI_PARSE_OR_RETURN(cmd_generate_key_pair_help, &o, argc, argv, pos, &npos);
    if (npos != 0)
        return cli_usage_error(&cmd_generate_key_pair_help, "unexpected argument '%s'", pos[0]);
    if (o.kms != NULL)
        return cli_error("key management services are not supported (--kms '%s')", o.kms);
    if (o.prefix[0] == '\0')
        return cli_usage_error(&cmd_generate_key_pair_help, "--output-key-prefix is empty");
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    if ((lib_rc = signet_key_generate(&key, ctx)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    rc = cli_write_key_pair(ctx, key, o.prefix, o.force);
out:
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
