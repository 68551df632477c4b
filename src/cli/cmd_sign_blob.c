/*
 * signet sign-blob: sign a file with a cosign private key; the signature is base64 ASN.1.
 */
#include "blob.h"
#include "cmd.h"
#include "error.h"
#include "keyfiles.h"

#include <stddef.h>
#include <stdio.h>

struct options {
    const char *key;
    const char *output_signature;
    const char *output_file;
    int b64;
    int tlog_upload;
    int yes;
};

static const struct cli_opt opts[] = {
    {"key", 0, CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "encrypted private key (cosign format)"},
    {"output-signature", 0, CLI_OPT_STRING, offsetof(struct options, output_signature), "FILE",
     "write the signature to FILE instead of standard output"},
    {"output-file", 0, CLI_OPT_STRING, offsetof(struct options, output_file), "FILE",
     "the same as --output-signature (older cosign spelling)"},
    {"b64", 0, CLI_OPT_BOOL, offsetof(struct options, b64), NULL,
     "base64-encode the signature (default true; --b64=false writes the raw bytes)"},
    {"tlog-upload", 0, CLI_OPT_BOOL, offsetof(struct options, tlog_upload), NULL,
     "upload to a transparency log (signet has none: set it to false to say so)"},
    {"yes", 'y', CLI_OPT_BOOL, offsetof(struct options, yes), NULL,
     "skip confirmation prompts (accepted for cosign compatibility)"},
};

const struct cli_command cmd_sign_blob_help = {
    "sign-blob", "--key FILE [options] BLOB",
    "Sign a file (or standard input, given as -) and print its signature.",
    "The file is hashed as it is read, so any size signs in constant memory (Ed25519 keys need\n"
    "the whole message: files are mapped, other streams are limited to 256 MiB).",
    CLI_OPTS(opts)};

int
cmd_sign_blob(int argc, char **argv)
{
    struct options o = {NULL, NULL, NULL, 1, 1, 0};
    signet_buf sig = SIGNET_BUF_INIT, text = SIGNET_BUF_INIT;
    const signet_buf *out_bytes;
    const char *pos[1], *out_path;
    size_t npos;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    int rc, lib_rc, fd = -1;

    CLI_PARSE_OR_RETURN(cmd_sign_blob_help, &o, argc, argv, pos, &npos);
    if (o.key == NULL)
        return cli_usage_error(&cmd_sign_blob_help, "--key is required");
    if (npos != 1)
        return cli_usage_error(&cmd_sign_blob_help, "exactly one file to sign is required");
    if (o.output_signature != NULL && o.output_file != NULL)
        return cli_usage_error(&cmd_sign_blob_help,
                               "--output-signature and --output-file are the same option");
    out_path = o.output_signature != NULL ? o.output_signature : o.output_file;
    if (o.tlog_upload)
        cli_warn("signet has no transparency log: signing without one "
                 "(pass --tlog-upload=false to silence this)");
    if (signet_ctx_new(&ctx) != SIGNET_OK)
        return cli_error("out of memory");
    if ((rc = cli_load_private_key(&key, ctx, o.key)) != CLI_EXIT_OK)
        goto out;
    if ((fd = cli_blob_open(pos[0])) < 0) {
        rc = CLI_EXIT_FAILED;
        goto out;
    }
    fprintf(stderr, "Using payload from: %s\n", pos[0]);
    signet_buf_init(&sig, SIGNET_SIGNATURE_MAX, 0);
    signet_buf_init(&text, SIGNET_SIGNATURE_MAX * 2, 0);
    if ((lib_rc = signet_sign_fd(&sig, ctx, key, fd, pos[0])) != SIGNET_OK ||
        (o.b64 && (lib_rc = signet_signature_encode(&text, ctx, sig.ptr, sig.size)) != SIGNET_OK)) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    out_bytes = o.b64 ? &text : &sig;
    if (out_path == NULL) {
        fwrite(out_bytes->ptr, 1, out_bytes->size, stdout);
        if (o.b64)
            fputc('\n', stdout);
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : cli_error("cannot write to standard output");
        goto out;
    }
    /* A signature file is not a key: replacing it is what cosign does. */
    if ((lib_rc = signet_file_write(ctx, out_path, out_bytes->ptr, out_bytes->size, 0644,
                                    SIGNET_FILE_WRITE_OVERWRITE)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    fprintf(stderr, "Signature written to %s\n", out_path);
out:
    cli_blob_close(fd);
    signet_buf_dispose(&text);
    signet_buf_dispose(&sig);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
