/*
 * signet verify: check images' signatures with a public key, as cosign verify --key does.
 * Many images are verified in parallel, each worker with its own registry connections.
 */
#include "cmd.h"
#include "error.h"
#include "parallel.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMAGES_MAX 4096

struct options {
    const char *key;
    const char *gpg_key;
    const char *gpg_keyring;
    const char *registries_d;
    struct cli_list annotations;
    const char *output;
    const char *platform;
    const char *max_workers;
    int check_claims;
    int insecure_ignore_tlog;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"key", 'k', CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "public key (PEM PUBLIC KEY or RSA PUBLIC KEY)"},
    {"gpg-key", 0, CLI_OPT_STRING, offsetof(struct options, gpg_key), "FINGERPRINT",
     "verify GPG simple signatures (lookaside) with this key of the user's GnuPG home"},
    {"gpg-keyring", 0, CLI_OPT_STRING, offsetof(struct options, gpg_keyring), "FILE",
     "verify GPG simple signatures (lookaside) with the keys in this keyring"},
    {"registries.d", 0, CLI_OPT_STRING, offsetof(struct options, registries_d), "DIR",
     "with --gpg-key/--gpg-keyring: the registries.d directory naming the lookaside"},
    {"annotations", 'a', CLI_OPT_LIST, offsetof(struct options, annotations), "KEY=VALUE",
     "require this key=value in the signed payload (repeatable)"},
    {"output", 'o', CLI_OPT_STRING, offsetof(struct options, output), "FORMAT",
     "json (default): one JSON array of payloads per image; text: one payload per line"},
    {"platform", 0, CLI_OPT_STRING, offsetof(struct options, platform), "OS/ARCH",
     "for an index, verify the manifest of this platform (e.g. linux/amd64)"},
    {"max-workers", 0, CLI_OPT_STRING, offsetof(struct options, max_workers), "N",
     "images verified at once (default 10)"},
    {"check-claims", 0, CLI_OPT_BOOL, offsetof(struct options, check_claims), NULL,
     "check the signed claims (always on: --check-claims=false is refused)"},
    {"insecure-ignore-tlog", 0, CLI_OPT_BOOL, offsetof(struct options, insecure_ignore_tlog), NULL,
     "do not look for signatures in a transparency log (signet never does)"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_verify_help = {
    "verify", "--key FILE [options] IMAGE...",
    "Verify the signatures of container images with a public key, as cosign verify does.",
    "Every signature in the image's sha256-<hex>.sig manifest is checked: the signature over\n"
    "the payload, the payload's digest (must be the image's), its docker-reference (must be the\n"
    "image's repository) and the -a annotations. The checks go to standard error; the verified\n"
    "payloads go to standard output only when every image verified.",
    CLI_OPTS(opts)};

struct jobs {
    struct cli_image_job *list;
    signet_cosign_verified **verified;
    const signet_key *key;
    signet_cosign_options copts;
};

static void
verify_one(struct cli_worker *w, size_t index, void *arg)
{
    struct jobs *jobs = arg;
    struct cli_image_job *j = &jobs->list[index];

    cli_image_job_done(j,
                       signet_cosign_verify(&jobs->verified[index], w->ctx, w->reg, jobs->key,
                                            &j->ref, &jobs->copts),
                       w->ctx);
}

static void
print_checks(const struct cli_image_job *j, int annotations)
{
    char name[600];

    signet_reference_format(name, sizeof(name), &j->ref);
    fprintf(stderr,
            "\nVerification for %s --\n"
            "The following checks were performed on each of these signatures:\n",
            name);
    if (annotations)
        fprintf(stderr, "  - The specified annotations were verified.\n");
    fprintf(stderr, "  - The cosign claims were validated\n"
                    "  - The signatures were verified against the specified public key\n");
}

/*
 * --gpg-key / --gpg-keyring: containers/image's simple signing check, through the policy engine
 * with a one-requirement policy (signedBy, GPGKeys, matchRepoDigestOrExact).
 */
static int
verify_gpg(const struct options *o, signet_ctx *ctx, const struct cli_image_job *jobs, size_t n,
           const signet_registry_options *ropts)
{
    signet_policy_eval_options eopts = SIGNET_POLICY_EVAL_OPTIONS_INIT;
    signet_buf keyring = SIGNET_BUF_INIT, b64 = SIGNET_BUF_INIT, json = SIGNET_BUF_INIT;
    signet_registries_d *registries = NULL;
    signet_registry *reg = NULL;
    signet_policy *policy = NULL;
    signet_gpg *gpg = NULL;
    char(*digests)[SIGNET_DIGEST_MAX] = calloc(n, SIGNET_DIGEST_MAX);
    int rc = CLI_EXIT_OK, lib_rc, status = CLI_EXIT_OK;

    if (digests == NULL)
        return cli_error("out of memory");
    signet_buf_init(&keyring, SIGNET_GPG_SIGNATURE_MAX, 0);
    signet_buf_init(&b64, SIGNET_GPG_SIGNATURE_MAX * 2, 0);
    signet_buf_init(&json, SIGNET_GPG_SIGNATURE_MAX * 2 + 256, 0);
    if (o->gpg_keyring != NULL)
        lib_rc = signet_file_read(&keyring, ctx, o->gpg_keyring);
    else if ((lib_rc = signet_gpg_new(&gpg, ctx, 0, NULL)) == SIGNET_OK)
        lib_rc = signet_gpg_export(&keyring, ctx, gpg, o->gpg_key);
    if (lib_rc == SIGNET_OK && keyring.size == 0)
        lib_rc = SIGNET_EPARSE;
    if (lib_rc != SIGNET_OK ||
        (lib_rc = signet_signature_encode(&b64, ctx, keyring.ptr, keyring.size)) != SIGNET_OK ||
        (lib_rc = signet_buf_puts(&json, "{\"default\":[{\"type\":\"signedBy\",\"keyType\":"
                                         "\"GPGKeys\",\"keyData\":\"")) != SIGNET_OK ||
        (lib_rc = signet_buf_put(&json, b64.ptr, b64.size)) != SIGNET_OK ||
        (lib_rc = signet_buf_puts(&json, "\"}]}")) != SIGNET_OK ||
        (lib_rc = signet_policy_parse(&policy, ctx, json.ptr, json.size, "--gpg-key")) !=
            SIGNET_OK ||
        (lib_rc = signet_registries_d_load(&registries, ctx, o->registries_d)) != SIGNET_OK ||
        (lib_rc = signet_registry_new(&reg, ctx, ropts)) != SIGNET_OK) {
        rc = signet_ctx_error(ctx)[0]
                 ? cli_fail(ctx, lib_rc)
                 : cli_error("'%s' holds no GPG key", o->gpg_keyring ? o->gpg_keyring : o->gpg_key);
        goto out;
    }
    eopts.registries = registries;
    eopts.network = ropts;
    for (size_t i = 0; i < n; i++) {
        signet_policy_verdict verdict;
        signet_ctx_clear_error(ctx);
        lib_rc = signet_policy_evaluate(&verdict, ctx, policy, reg, &jobs[i].ref, &eopts);
        if (lib_rc != SIGNET_OK) {
            int s = cli_fail(ctx, lib_rc);
            if (status == CLI_EXIT_OK || s == CLI_EXIT_FAILED)
                status = s;
            continue;
        }
        memcpy(digests[i], verdict.digest, SIGNET_DIGEST_MAX);
        {
            char name[600];
            signet_reference_format(name, sizeof(name), &jobs[i].ref);
            fprintf(stderr, "Verified OK: %s (GPG simple signature)\n", name);
        }
    }
    /* Verify, then release: digests only once every image verified. */
    for (size_t i = 0; status == CLI_EXIT_OK && i < n; i++)
        printf("%s\n", digests[i]);
    rc = status;
out:
    free(digests);
    signet_policy_free(policy);
    signet_registries_d_free(registries);
    signet_registry_free(reg);
    signet_gpg_free(gpg);
    signet_buf_dispose(&json);
    signet_buf_dispose(&b64);
    signet_buf_dispose(&keyring);
    return rc;
}

int
cmd_verify(int argc, char **argv)
{
    struct options o = {
        NULL, NULL, NULL, NULL, {{0}, 0}, "json", NULL, NULL, 1, 0, {0, 0, NULL, NULL, NULL}};
    static const char *pos[IMAGES_MAX];
    signet_registry_options ropts;
    struct jobs jobs = {NULL, NULL, NULL, SIGNET_COSIGN_OPTIONS_INIT};
    size_t npos, nworkers;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    signet_buf json = SIGNET_BUF_INIT;
    struct cli_annotations annotations;
    int rc = CLI_EXIT_OK, lib_rc, failed;

    CLI_PARSE_OR_RETURN(cmd_verify_help, &o, argc, argv, pos, &npos);
    if ((o.key != NULL) + (o.gpg_key != NULL) + (o.gpg_keyring != NULL) != 1)
        return cli_usage_error(&cmd_verify_help,
                               "exactly one of --key, --gpg-key and --gpg-keyring is required");
    if (npos == 0)
        return cli_usage_error(&cmd_verify_help, "at least one image is required");
    if (strcmp(o.output, "json") != 0 && strcmp(o.output, "text") != 0)
        return cli_usage_error(&cmd_verify_help, "unknown output format '%s' (json, text)",
                               o.output);
    if (!o.check_claims)
        return cli_usage_error(&cmd_verify_help,
                               "--check-claims=false is refused: unchecked claims verify nothing");
    if (cli_parse_workers(&nworkers, o.max_workers, 10) != 0)
        return cli_usage_error(&cmd_verify_help, "--max-workers must be 1 to %d", CLI_WORKERS_MAX);
    if (o.insecure_ignore_tlog)
        fprintf(stderr, "WARNING: Skipping tlog verification is an insecure practice that lacks "
                        "transparency and auditability verification for the signature.\n");
    if ((rc = cli_check_platform(&cmd_verify_help, o.platform)) != CLI_EXIT_OK ||
        (rc = cli_annotations_split(&annotations, &cmd_verify_help, &o.annotations)) != CLI_EXIT_OK)
        return rc;
    if (signet_ctx_new(&ctx) != SIGNET_OK) {
        cli_annotations_release(&annotations);
        return cli_error("out of memory");
    }
    jobs.copts.annotations = (const char *const *)annotations.items;
    jobs.copts.annotations_count = annotations.count;
    jobs.copts.platform = o.platform;
    if ((rc = cli_registry_options(&ropts, &cmd_verify_help, &o.reg, &jobs.copts)) != CLI_EXIT_OK)
        goto out;
    if (o.key == NULL) {
        if ((rc = cli_image_jobs_new(&jobs.list, ctx, pos, npos, "verified")) == CLI_EXIT_OK)
            rc = verify_gpg(&o, ctx, jobs.list, npos, &ropts);
        goto out;
    }
    if ((lib_rc = signet_key_load(&key, ctx, o.key, NULL, 0)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    jobs.key = key;
    jobs.verified = calloc(npos, sizeof(*jobs.verified));
    if (jobs.verified == NULL) {
        rc = cli_error("out of memory");
        goto out;
    }
    if ((rc = cli_image_jobs_new(&jobs.list, ctx, pos, npos, "verified")) != CLI_EXIT_OK)
        goto out;
    failed = cli_run_parallel(npos, nworkers, &ropts, verify_one, &jobs) != 0;
    rc = cli_image_jobs_report(jobs.list, npos);
    if (failed && rc != CLI_EXIT_FAILED)
        rc = CLI_EXIT_FAILED;
    if (rc != CLI_EXIT_OK)
        goto out;
    /* Verify, then release: everything verified, so now print. */
    signet_buf_init(&json, 64u * 1024 * 1024, 0);
    for (size_t i = 0; i < npos; i++) {
        struct cli_image_job *j = &jobs.list[i];
        print_checks(j, annotations.count > 0);
        if (strcmp(o.output, "text") == 0) {
            for (size_t k = 0; k < signet_cosign_verified_count(jobs.verified[i]); k++) {
                size_t len;
                const char *p = signet_cosign_verified_payload(jobs.verified[i], k, &len);
                fwrite(p, 1, len, stdout);
                fputc('\n', stdout);
            }
            continue;
        }
        json.size = 0;
        if ((lib_rc = signet_cosign_verified_json(&json, ctx, jobs.verified[i])) != SIGNET_OK) {
            rc = cli_fail(ctx, lib_rc);
            goto out;
        }
        printf("\n%s\n", json.ptr);
    }
    if (fflush(stdout) != 0)
        rc = cli_error("cannot write to standard output");
out:
    for (size_t i = 0; jobs.verified != NULL && i < npos; i++)
        signet_cosign_verified_free(jobs.verified[i]);
    free(jobs.verified);
    free(jobs.list);
    cli_annotations_release(&annotations);
    signet_buf_dispose(&json);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
