/*
 * signet import-key-pair: re-encrypt an existing PEM private key into cosign's format.
 */
#include "cmd.h"
#include "error.h"
#include "keyfiles.h"

#include <stddef.h>

struct options {
    const char *key;
    const char *prefix;
    int yes;
    int force;
};

static const struct cli_opt opts[] = {
    {"key", 'k', CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "PEM private key to import: RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY (PKCS#8)"},
    {"output-key-prefix", 'o', CLI_OPT_STRING, offsetof(struct options, prefix), "PREFIX",
     "write PREFIX.key and PREFIX.pub (default: import-cosign)"},
    {"yes", 'y', CLI_OPT_BOOL, offsetof(struct options, yes), NULL,
     "replace existing key files without asking (as --force)"},
    {"force", 'f', CLI_OPT_BOOL, offsetof(struct options, force), NULL,
     "replace existing key files"},
};

const struct cli_command cmd_import_key_pair_help = {
    "import-key-pair", "--key FILE [options]",
    "Import a PEM private key (ECDSA P-256/384/521, RSA 2048-4096, Ed25519) as a cosign key pair.",
    "The key is re-encoded as PKCS#8 and encrypted like generate-key-pair's keys, with the\n"
    "password from $COSIGN_PASSWORD or the terminal.",
    CLI_OPTS(opts)};

int
cmd_import_key_pair(int argc, char **argv)
{
    struct options o = {NULL, "import-cosign", 0, 0};
    signet_buf pem = SIGNET_BUF_INIT;
    const char *pos[1];
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    int rc, lib_rc;

    CLI_PARSE_OR_RETURN(cmd_import_key_pair_help, &o, argc, argv, pos, &npos);
    if (npos != 0)
        return cli_usage_error(&cmd_import_key_pair_help, "unexpected argument '%s'", pos[0]);
    if (o.key == NULL)
        return cli_usage_error(&cmd_import_key_pair_help, "--key is required");
    if (o.prefix[0] == '\0')
        return cli_usage_error(&cmd_import_key_pair_help, "--output-key-prefix is empty");
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    /* The plaintext key is secret: read it into guarded memory. */
    signet_buf_init(&pem, SIGNET_KEY_FILE_MAX, 1);
    if ((lib_rc = signet_file_read(&pem, ctx, o.key)) != SIGNET_OK ||
        (lib_rc = signet_key_parse_private_pem(&key, ctx, pem.ptr, pem.size, o.key)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    rc = cli_write_key_pair(ctx, key, o.prefix, o.force || o.yes);
out:
    signet_key_free(key);
    signet_buf_dispose(&pem);
    signet_ctx_free(ctx);
    return rc;
}
