#include "keyfiles.h"

#include "error.h"
#include "password.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PATH_MAX_LEN 4096

int
cli_load_private_key(signet_key **out, signet_ctx *ctx, const char *path)
{
    struct cli_password pw;
    signet_key *pub = NULL;
    int rc;

    /* A public key given where the private one belongs: say so before asking a password. */
    if (signet_key_load(&pub, ctx, path, NULL, 0) == SIGNET_OK) {
        signet_key_free(pub);
        return cli_error("'%s' is a public key: this needs the encrypted private key", path);
    }
    signet_ctx_clear_error(ctx);
    if ((rc = cli_password_get(&pw, CLI_PASSWORD_ONCE)) != CLI_EXIT_OK)
        return rc;
    rc = signet_key_load(out, ctx, path, pw.ptr, pw.len);
    cli_password_release(&pw);
    return rc == SIGNET_OK ? CLI_EXIT_OK : cli_fail(ctx, rc);
}

int
cli_may_write(const char *path, int force, int *overwrite)
{
    char answer[16];

    *overwrite = 0;
    if (access(path, F_OK) != 0)
        return CLI_EXIT_OK;
    if (force) {
        *overwrite = 1;
        return CLI_EXIT_OK;
    }
    if (!isatty(STDIN_FILENO))
        return cli_error("refusing to overwrite '%s' (use --force)", path);
    fprintf(stderr,
            "WARNING: File %s already exists. Overwrite?\n"
            "Are you sure you would like to continue? [y/N] ",
            path);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return cli_error("user declined the prompt");
    answer[strcspn(answer, "\r\n")] = '\0';
    if (strcmp(answer, "y") == 0 || strcmp(answer, "Y") == 0) {
        *overwrite = 1;
        return CLI_EXIT_OK;
    }
    if (answer[0] == '\0' || strcmp(answer, "n") == 0 || strcmp(answer, "N") == 0)
        return cli_error("user declined the prompt");
    return cli_error("invalid input \"%s\" (allowed values y, n)", answer);
}

int
cli_write_key_pair(signet_ctx *ctx, const signet_key *key, const char *prefix, int force)
{
    char key_path[PATH_MAX_LEN], pub_path[PATH_MAX_LEN];
    signet_buf enc = SIGNET_BUF_INIT, pub = SIGNET_BUF_INIT;
    struct cli_password pw = {NULL, 0};
    int rc, sig_rc, key_over = 0, pub_over = 0;

    if (snprintf(key_path, sizeof(key_path), "%s.key", prefix) >= (int)sizeof(key_path) ||
        snprintf(pub_path, sizeof(pub_path), "%s.pub", prefix) >= (int)sizeof(pub_path))
        return cli_error("output key prefix is too long");
    /* Decide about existing files before asking for a password. */
    if ((rc = cli_may_write(key_path, force, &key_over)) != CLI_EXIT_OK ||
        (rc = cli_may_write(pub_path, force || key_over, &pub_over)) != CLI_EXIT_OK)
        return rc;
    if ((rc = cli_password_get(&pw, CLI_PASSWORD_CONFIRM)) != CLI_EXIT_OK)
        return rc;
    signet_buf_init(&enc, SIGNET_KEY_FILE_MAX, 0);
    signet_buf_init(&pub, SIGNET_KEY_FILE_MAX, 0);
    if ((sig_rc = signet_key_encrypt_cosign(&enc, ctx, key, pw.ptr, pw.len)) != SIGNET_OK ||
        (sig_rc = signet_key_public_pem(&pub, ctx, key)) != SIGNET_OK ||
        (sig_rc = signet_file_write(ctx, key_path, enc.ptr, enc.size, 0600,
                                    key_over ? SIGNET_FILE_WRITE_OVERWRITE : 0)) != SIGNET_OK) {
        rc = cli_fail(ctx, sig_rc);
        goto out;
    }
    fprintf(stderr, "Private key written to %s\n", key_path);
    if ((sig_rc = signet_file_write(ctx, pub_path, pub.ptr, pub.size, 0644,
                                    pub_over ? SIGNET_FILE_WRITE_OVERWRITE : 0)) != SIGNET_OK) {
        rc = cli_fail(ctx, sig_rc);
        goto out;
    }
    fprintf(stderr, "Public key written to %s\n", pub_path);
out:
    cli_password_release(&pw);
    signet_buf_dispose(&pub);
    signet_buf_dispose(&enc);
    return rc;
}
