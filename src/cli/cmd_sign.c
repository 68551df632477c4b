/*
 * signet sign: sign container images in a registry, as cosign sign --key does (.sig tag).
 */
#include "cmd.h"
#include "error.h"
#include "keyfiles.h"
#include "parallel.h"
#include "registry_flags.h"
#include "util_str.h"

#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IMAGES_MAX 4096

struct options {
    const char *key;
    const char *gpg_key;
    const char *lookaside_staging;
    const char *registries_d;
    struct cli_list annotations;
    const char *max_workers;
    int recursive;
    int tlog_upload;
    int yes;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"key", 'k', CLI_OPT_STRING, offsetof(struct options, key), "FILE",
     "encrypted private key (cosign format)"},
    {"gpg-key", 0, CLI_OPT_STRING, offsetof(struct options, gpg_key), "FINGERPRINT",
     "sign with this GPG secret key instead: a simple signature in lookaside storage"},
    {"lookaside-staging", 0, CLI_OPT_STRING, offsetof(struct options, lookaside_staging), "DIR",
     "with --gpg-key: write signatures under DIR (default: registries.d's lookaside-staging)"},
    {"registries.d", 0, CLI_OPT_STRING, offsetof(struct options, registries_d), "DIR",
     "with --gpg-key: the registries.d directory naming the lookaside"},
    {"annotations", 'a', CLI_OPT_LIST, offsetof(struct options, annotations), "KEY=VALUE",
     "extra key=value to sign into the payload (repeatable)"},
    {"max-workers", 0, CLI_OPT_STRING, offsetof(struct options, max_workers), "N",
     "images signed at once (default 4)"},
    {"recursive", 'r', CLI_OPT_BOOL, offsetof(struct options, recursive), NULL,
     "for an index, also sign every manifest it lists"},
    {"tlog-upload", 0, CLI_OPT_BOOL, offsetof(struct options, tlog_upload), NULL,
     "upload to a transparency log (signet has none: set it to false to say so)"},
    {"yes", 'y', CLI_OPT_BOOL, offsetof(struct options, yes), NULL,
     "skip confirmation prompts (accepted for cosign compatibility)"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_sign_help = {
    "sign", "--key FILE [options] IMAGE...",
    "Sign container images and store the signatures in the registry, as cosign does.",
    "A tag is resolved to its digest, and the digest is what is signed. The signature is added\n"
    "to the image's sha256-<hex>.sig manifest; signatures already there are kept. The tag is\n"
    "read back after writing, and merged again if a concurrent signer replaced it.\n"
    "Set COSIGN_DOCKER_MEDIA_TYPES=1 to write Docker media types instead of OCI ones.",
    CLI_OPTS(opts)};

struct jobs {
    struct cli_image_job *list;
    const signet_key *key;
    signet_cosign_options copts;
};

static void
sign_one(struct cli_worker *w, size_t index, void *arg)
{
    struct jobs *jobs = arg;
    struct cli_image_job *j = &jobs->list[index];

    cli_image_job_done(j, signet_cosign_sign(w->ctx, w->reg, jobs->key, &j->ref, &jobs->copts),
                       w->ctx);
}

/* --gpg-key: GPG simple signatures into lookaside storage, one image after the other. */
static int
sign_gpg(const struct options *o, signet_ctx *ctx, const struct cli_image_job *jobs, size_t n,
         const signet_registry_options *ropts)
{
    signet_registries_d *registries = NULL;
    signet_registry *reg = NULL;
    signet_gpg *gpg = NULL;
    char staging[4200], written[4200];
    int rc = CLI_EXIT_OK, lib_rc;

    if ((lib_rc = signet_registry_new(&reg, ctx, ropts)) != SIGNET_OK ||
        (lib_rc = signet_gpg_new(&gpg, ctx, 0, NULL)) != SIGNET_OK ||
        (o->lookaside_staging == NULL &&
         (lib_rc = signet_registries_d_load(&registries, ctx, o->registries_d)) != SIGNET_OK)) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (o->lookaside_staging != NULL) {
            char abs[4096];
            if (strstr(o->lookaside_staging, "://") != NULL)
                snprintf(staging, sizeof(staging), "%s", o->lookaside_staging);
            else if (realpath(o->lookaside_staging, abs) == NULL) {
                rc = cli_error("--lookaside-staging '%s': %s", o->lookaside_staging,
                               strerror(errno));
                goto out;
            } else
                snprintf(staging, sizeof(staging), "file://%s", abs);
        } else if ((lib_rc = signet_registries_d_lookaside(
                        staging, sizeof(staging), ctx, registries, &jobs[i].ref, 1)) != SIGNET_OK) {
            rc = cli_fail(ctx, lib_rc);
            goto out;
        }
        if ((lib_rc = signet_lookaside_sign(written, sizeof(written), ctx, reg, gpg, o->gpg_key,
                                            &jobs[i].ref, staging)) != SIGNET_OK) {
            rc = cli_fail(ctx, lib_rc);
            goto out;
        }
        fprintf(stderr, "Signature written to %s\n", written);
    }
out:
    signet_gpg_free(gpg);
    signet_registries_d_free(registries);
    signet_registry_free(reg);
    return rc;
}

int
cmd_sign(int argc, char **argv)
{
    struct options o = {NULL, NULL, NULL, NULL, {{0}, 0}, NULL, 0, 1, 0, {0, 0, NULL, NULL, NULL}};
    struct jobs jobs = {NULL, NULL, SIGNET_COSIGN_OPTIONS_INIT};
    signet_registry_options ropts;
    static const char *pos[IMAGES_MAX];
    const char *docker_types = getenv("COSIGN_DOCKER_MEDIA_TYPES");
    size_t npos, nworkers;
    signet_ctx *ctx = NULL;
    signet_key *key = NULL;
    struct cli_annotations annotations;
    int rc, failed = 0;

    CLI_PARSE_OR_RETURN(cmd_sign_help, &o, argc, argv, pos, &npos);
    if ((o.key == NULL) == (o.gpg_key == NULL))
        return cli_usage_error(&cmd_sign_help, "exactly one of --key and --gpg-key is required");
    if (o.gpg_key != NULL && o.annotations.count > 0)
        return cli_usage_error(&cmd_sign_help, "-a does not go with --gpg-key");
    if (o.gpg_key == NULL && (o.lookaside_staging != NULL || o.registries_d != NULL))
        return cli_usage_error(&cmd_sign_help,
                               "--lookaside-staging and --registries.d go with --gpg-key");
    if (npos == 0)
        return cli_usage_error(&cmd_sign_help, "at least one image is required");
    if (cli_parse_workers(&nworkers, o.max_workers, 4) != 0)
        return cli_usage_error(&cmd_sign_help, "--max-workers must be 1 to %d", CLI_WORKERS_MAX);
    if (o.tlog_upload && o.gpg_key == NULL)
        cli_warn("signet has no transparency log: signing without one "
                 "(pass --tlog-upload=false to silence this)");
    if (docker_types != NULL && docker_types[0] != '\0' &&
        util_parse_bool(&jobs.copts.docker_media_types, docker_types) != 0)
        return cli_usage_error(&cmd_sign_help, "COSIGN_DOCKER_MEDIA_TYPES='%s' is not a boolean",
                               docker_types);
    if ((rc = cli_annotations_split(&annotations, &cmd_sign_help, &o.annotations)) != CLI_EXIT_OK)
        return rc;
    if (signet_ctx_new(&ctx) != SIGNET_OK) {
        cli_annotations_release(&annotations);
        return cli_error("out of memory");
    }
    jobs.copts.annotations = (const char *const *)annotations.items;
    jobs.copts.annotations_count = annotations.count;
    jobs.copts.recursive = o.recursive;
    jobs.copts.on_event = cli_print_event;
    if ((rc = cli_image_jobs_new(&jobs.list, ctx, pos, npos, "signed")) != CLI_EXIT_OK)
        goto out;
    for (size_t i = 0; i < npos; i++)
        if (jobs.list[i].ref.digest[0] == '\0')
            fprintf(stderr,
                    "WARNING: Image reference %s uses a tag, not a digest, to identify the image "
                    "to sign.\n    This can lead you to sign a different image than the intended "
                    "one. Please use a\n    digest (example.com/ubuntu@sha256:abc123...) rather "
                    "than tag\n    (example.com/ubuntu:latest) for the input to cosign.\n",
                    pos[i]);
    if ((rc = cli_registry_options(&ropts, &cmd_sign_help, &o.reg, &jobs.copts)) != CLI_EXIT_OK)
        goto out;
    if (o.gpg_key != NULL) {
        rc = sign_gpg(&o, ctx, jobs.list, npos, &ropts);
        goto out;
    }
    if ((rc = cli_load_private_key(&key, ctx, o.key)) != CLI_EXIT_OK)
        goto out;
    jobs.key = key;
    failed = cli_run_parallel(npos, nworkers, &ropts, sign_one, &jobs) != 0;
    rc = cli_image_jobs_report(jobs.list, npos);
    if (failed && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_FAILED;
out:
    free(jobs.list);
    cli_annotations_release(&annotations);
    signet_key_free(key);
    signet_ctx_free(ctx);
    return rc;
}
