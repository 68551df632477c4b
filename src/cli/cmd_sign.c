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
#include <stdlib.h>

#define IMAGES_MAX 4096

struct options {
    const char *key;
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

int
cmd_sign(int argc, char **argv)
{
    struct options o = {NULL, {{0}, 0}, NULL, 0, 1, 0, {0, 0, NULL, NULL, NULL}};
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
    if (o.key == NULL)
        return cli_usage_error(&cmd_sign_help, "--key is required");
    if (npos == 0)
        return cli_usage_error(&cmd_sign_help, "at least one image is required");
    if (cli_parse_workers(&nworkers, o.max_workers, 4) != 0)
        return cli_usage_error(&cmd_sign_help, "--max-workers must be 1 to %d", CLI_WORKERS_MAX);
    if (o.tlog_upload)
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
    if ((rc = cli_registry_options(&ropts, &cmd_sign_help, &o.reg, &jobs.copts)) != CLI_EXIT_OK ||
        (rc = cli_load_private_key(&key, ctx, o.key)) != CLI_EXIT_OK)
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
