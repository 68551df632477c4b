/*
 * signet public-key: the public key of an encrypted private key, as cosign writes it.
 */
#include "cmd.h"
#include "error.h"
#include "keyfiles.h"

#include <stddef.h>
#include <stdio.h>

struct options {
    const char *key;
    const char *outfile;
    int force;
};

static const struct cli_opt opts[] = {
    {"key", 0, CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "encrypted private key (cosign format)"},
    {"outfile", 0, CLI_OPT_STRING, offsetof(struct options, outfile), "FILE",
     "write the public key to FILE instead of standard output"},
    {"force", 'f', CLI_OPT_BOOL, offsetof(struct options, force), NULL,
     "replace an existing --outfile"},
};

const struct cli_command cmd_public_key_help = {
    "public-key", "--key FILE [options]",
    "Print the public key (PEM, SubjectPublicKeyInfo) of an encrypted private key.", NULL,
    CLI_OPTS(opts)};

int
cmd_public_key(int argc, char **argv)
{
    struct options o = {NULL, NULL, 0};
    signet_buf pub = SIGNET_BUF_INIT;
    const char *pos[1];
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    int rc, lib_rc, overwrite = 0;

    CLI_PARSE_OR_RETURN(cmd_public_key_help, &o, argc, argv, pos, &npos);
    if (npos != 0)
        return cli_usage_error(&cmd_public_key_help, "unexpected argument '%s'", pos[0]);
    if (o.key == NULL)
        return cli_usage_error(&cmd_public_key_help, "--key is required");
    if (o.outfile != NULL && (rc = cli_may_write(o.outfile, o.force, &overwrite)) != CLI_EXIT_OK)
        return rc;
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    if ((rc = cli_load_private_key(&key, ctx, o.key)) != CLI_EXIT_OK)
        goto out;
    signet_buf_init(&pub, SIGNET_KEY_FILE_MAX, 0);
    if ((lib_rc = signet_key_public_pem(&pub, ctx, key)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    if (o.outfile == NULL) {
        fwrite(pub.ptr, 1, pub.size, stdout);
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : cli_error("cannot write to standard output");
        goto out;
    }
    if ((lib_rc = signet_file_write(ctx, o.outfile, pub.ptr, pub.size, 0644,
                                    overwrite ? SIGNET_FILE_WRITE_OVERWRITE : 0)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fprintf(stderr, "Public key written to %s\n", o.outfile);
out:
    signet_buf_dispose(&pub);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
