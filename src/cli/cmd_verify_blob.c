/*
 * signet verify-blob: check a file's signature with a public key.
 */
#include "blob.h"
#include "cmd.h"
#include "error.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct options {
    const char *key;
    const char *signature;
    int insecure_ignore_tlog;
};

static const struct cli_opt opts[] = {
    {"key", 0, CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "public key (PEM PUBLIC KEY or RSA PUBLIC KEY)"},
    {"signature", 0, CLI_OPT_STRING, offsetof(struct options, signature), "SIG",
     "signature file, or the base64 signature itself"},
    {"insecure-ignore-tlog", 0, CLI_OPT_BOOL, offsetof(struct options, insecure_ignore_tlog), NULL,
     "do not look for the signature in a transparency log (signet never does)"},
};

const struct cli_command cmd_verify_blob_help = {
    "verify-blob", "--key FILE --signature SIG [options] BLOB",
    "Verify a file's signature (base64 or raw bytes) with a public key.",
    "Prints \"Verified OK\" on standard error and exits 0 when the signature verifies; exits 1\n"
    "when it does not.",
    CLI_OPTS(opts)};

/* cosign takes --signature as a path when such a file exists, else as the signature. */
static int
read_signature(signet_buf *out, signet_ctx *ctx, const char *arg)
{
    signet_buf raw = SIGNET_BUF_INIT;
    struct stat st;
    int rc;

    if (stat(arg, &st) != 0)
        return signet_signature_decode(out, ctx, arg, strlen(arg));
    signet_buf_init(&raw, SIGNET_SIGNATURE_MAX * 2, 0);
    if ((rc = signet_file_read(&raw, ctx, arg)) == SIGNET_OK)
        rc = signet_signature_decode(out, ctx, raw.ptr, raw.size);
    signet_buf_dispose(&raw);
    return rc;
}

int
cmd_verify_blob(int argc, char **argv)
{
    struct options o = {NULL, NULL, 0};
    signet_buf sig = SIGNET_BUF_INIT;
    const char *pos[1];
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    int rc = CLI_EXIT_OK, lib_rc, fd = -1;

    CLI_PARSE_OR_RETURN(cmd_verify_blob_help, &o, argc, argv, pos, &npos);
    if (o.key == NULL)
        return cli_usage_error(&cmd_verify_blob_help, "--key is required");
    if (o.signature == NULL)
        return cli_usage_error(&cmd_verify_blob_help, "--signature is required");
    if (npos != 1)
        return cli_usage_error(&cmd_verify_blob_help, "exactly one file to verify is required");
    if (o.insecure_ignore_tlog)
        fprintf(stderr, "WARNING: Skipping tlog verification is an insecure practice that lacks "
                        "transparency and auditability verification for the signature.\n");
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
    if ((lib_rc = signet_key_load(&key, ctx, o.key, NULL, 0)) != SIGNET_OK ||
        (lib_rc = read_signature(&sig, ctx, o.signature)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    if ((fd = cli_blob_open(pos[0])) < 0) {
        rc = CLI_EXIT_FAILED;
        goto out;
    }
    if ((lib_rc = signet_verify_fd(ctx, key, sig.ptr, sig.size, fd, pos[0])) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fprintf(stderr, "Verified OK\n");
out:
    cli_blob_close(fd);
    signet_buf_dispose(&sig);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
