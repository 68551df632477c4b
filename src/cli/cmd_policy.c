/*
 * signet policy: containers-policy.json. Sub-verbs: lint, verify.
 */
#include "cmd.h"
#include "error.h"
#include "registry_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_POLICY "/etc/containers/policy.json"
/* image-rs's offline-fs-kbc reads this file when nothing else is said. */
#define DEFAULT_RESOURCES "/etc/aa-offline_fs_kbc-resources.json"
#define RESOURCES_ENV     "SIGNET_RESOURCES"

struct options {
    int quiet;
    const char *policy;
    const char *resources;
    const char *registries_d;
    const char *output;
    struct cli_registry_flags reg;
};

static const struct cli_opt opts[] = {
    {"quiet", 'q', CLI_OPT_BOOL, offsetof(struct options, quiet), NULL,
     "lint: print nothing when the policy is valid"},
    {"policy", 0, CLI_OPT_STRING, offsetof(struct options, policy), "FILE",
     "verify: the policy file, or a kbs:/// resource (default: " DEFAULT_POLICY ")"},
    {"resources", 0, CLI_OPT_STRING, offsetof(struct options, resources), "FILE",
     "verify: offline KBS resources (offline-fs-kbc JSON) for kbs:/// keys and policies "
     "(default: $" RESOURCES_ENV ", else " DEFAULT_RESOURCES " if it exists)"},
    {"registries.d", 0, CLI_OPT_STRING, offsetof(struct options, registries_d), "DIR",
     "verify: registries.d directory (use-sigstore-attachments); default as containers/image"},
    {"output", 'o', CLI_OPT_STRING, offsetof(struct options, output), "FORMAT",
     "text (default) or json: one JSON object on standard output, also when invalid or denied"},
    CLI_REGISTRY_OPTS(struct options, reg),
};

const struct cli_command cmd_policy_help = {
    "policy", "lint [options] FILE | verify [options] docker://IMAGE",
    "Check a containers-policy.json file, or an image against it, as containers/image does.",
    "lint FILE: exit 0 when FILE is a valid policy (\"FILE: valid\" on standard error), 1 with\n"
    "containers/image's message when it is not, 2 when it cannot be read. With -o json:\n"
    "{\"valid\":BOOL,\"error\":MESSAGE,\"default\":[TYPES],\"transports\":{T:{SCOPE:[TYPES]}}}.\n"
    "verify docker://IMAGE: exit 0 when the policy allows the image (its digest is printed), 1\n"
    "when it denies it (the requirement and the reason on standard error), 2 when it could not\n"
    "be decided. With -o json: the image, allowed, digest, scope and each requirement's\n"
    "verdict and reason.",
    CLI_OPTS(opts)};

/* Print a JSON report (signet_policy_*_json) on standard output; returns @p rc, or a failure. */
static int
print_json(signet_ctx *ctx, signet_buf *json, int lib_rc, int rc)
{
    if (lib_rc != SIGNET_OK)
        return cli_fail(ctx, lib_rc);
    if (fwrite(json->ptr, 1, json->size, stdout) != json->size || fflush(stdout) != 0)
        return cli_error("cannot write to standard output");
    return rc;
}

static int
policy_lint(const struct options *o, const char *path)
{
    signet_buf json = SIGNET_BUF_INIT;
    signet_ctx *ctx = NULL, *report = NULL;
    signet_policy *policy = NULL;
    int rc, lib_rc;

    if (signet_ctx_new(&ctx) != SIGNET_OK || signet_ctx_new(&report) != SIGNET_OK) {
        rc = cli_error("out of memory");
        goto out;
    }
    signet_buf_init(&json, SIGNET_POLICY_MAX * 8, 0);
    lib_rc = signet_policy_load(&policy, ctx, path);
    if (lib_rc == SIGNET_EPARSE) {
        /* Read, checked and refused: a rejection, not a failure to check. */
        cli_report(lib_rc, signet_ctx_error(ctx));
        rc = CLI_EXIT_REJECTED;
    } else if (lib_rc != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    } else {
        if (!o->quiet)
            fprintf(stderr, "%s: valid\n", path);
        rc = CLI_EXIT_OK;
    }
    if (strcmp(o->output, "json") == 0)
        rc = print_json(report, &json,
                        signet_policy_lint_json(&json, report, policy, signet_ctx_error(ctx)), rc);
out:
    signet_buf_dispose(&json);
    signet_policy_free(policy);
    signet_ctx_free(report);
    signet_ctx_free(ctx);
    return rc;
}

/* --resources, else $SIGNET_RESOURCES, else image-rs's default file when it exists. */
static const char *
resources_path(const struct options *o)
{
    const char *env = getenv(RESOURCES_ENV);

    if (o->resources != NULL)
        return o->resources;
    if (env != NULL && env[0] != '\0')
        return env;
    return access(DEFAULT_RESOURCES, F_OK) == 0 ? DEFAULT_RESOURCES : NULL;
}

/* The policy named by --policy: a file, or a kbs:/// resource of --resources. */
static int
load_policy(signet_policy **out, signet_ctx *ctx, const char *path,
            const signet_kbs_resources *resources)
{
    signet_buf bytes = SIGNET_BUF_INIT;
    int rc;

    if (strncmp(path, "kbs://", 6) != 0)
        return signet_policy_load(out, ctx, path);
    signet_buf_init(&bytes, SIGNET_POLICY_MAX, 0);
    if ((rc = signet_kbs_resource_get(&bytes, ctx, resources, path)) == SIGNET_OK)
        rc = signet_policy_parse(out, ctx, bytes.ptr ? bytes.ptr : "", bytes.size, path);
    signet_buf_dispose(&bytes);
    return rc;
}

static int
policy_verify(const struct options *o, const char *image)
{
    signet_policy_eval_options eopts = SIGNET_POLICY_EVAL_OPTIONS_INIT;
    signet_cosign_options copts = SIGNET_COSIGN_OPTIONS_INIT;
    signet_registry_options ropts;
    signet_kbs_resources *resources = NULL;
    signet_registries_d *registries = NULL;
    signet_policy *policy = NULL;
    signet_registry *reg = NULL;
    signet_policy_verdict verdict;
    signet_reference ref;
    signet_buf json = SIGNET_BUF_INIT;
    signet_ctx *ctx = NULL, *report = NULL;
    const char *path = o->policy ? o->policy : DEFAULT_POLICY, *res = resources_path(o);
    int rc, lib_rc;

    if (strncmp(image, "docker://", 9) != 0)
        return cli_usage_error(&cmd_policy_help,
                               "verify takes a docker://IMAGE reference (other transports are "
                               "not supported)");
    if (strncmp(path, "kbs://", 6) == 0 && res == NULL)
        return cli_usage_error(
            &cmd_policy_help,
            "--policy %s is a KBS resource: --resources is needed (or $" RESOURCES_ENV
            ", or " DEFAULT_RESOURCES ")",
            path);
    if (signet_ctx_new(&ctx) != SIGNET_OK || signet_ctx_new(&report) != SIGNET_OK) {
        signet_ctx_free(ctx);
        return cli_error("out of memory");
    }
    signet_buf_init(&json, SIGNET_POLICY_MAX * 8, 0);
    if ((rc = cli_parse_image(&ref, ctx, image + 9)) != CLI_EXIT_OK ||
        (rc = cli_registry_options(&ropts, &cmd_policy_help, &o->reg, &copts)) != CLI_EXIT_OK)
        goto out;
    if ((lib_rc = signet_registry_new(&reg, ctx, &ropts)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    if (res != NULL && (lib_rc = signet_kbs_resources_load(&resources, ctx, res)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    if ((lib_rc = load_policy(&policy, ctx, path, resources)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    /* Cosign signatures are read only where registries.d says use-sigstore-attachments. */
    if ((lib_rc = signet_registries_d_load(&registries, ctx, o->registries_d)) != SIGNET_OK ||
        (lib_rc = signet_registries_d_use_sigstore_attachments(&eopts.use_sigstore_attachments, ctx,
                                                               registries, &ref)) != SIGNET_OK) {
        rc = cli_fail(ctx, lib_rc);
        goto out;
    }
    eopts.resources = resources;
    eopts.registries = registries;
    eopts.network = &ropts; /* an http(s) lookaside is reached with the registries' TLS */
    lib_rc = signet_policy_evaluate(&verdict, ctx, policy, reg, &ref, &eopts);
    if (lib_rc != SIGNET_OK)
        rc = cli_fail(ctx, lib_rc);
    else {
        fprintf(stderr, "%s: allowed by %s%s%s (%zu requirement%s)\n", image,
                verdict.match.scope[0] ? "scope '" : "the default", verdict.match.scope,
                verdict.match.scope[0] ? "'" : "", verdict.evaluated,
                verdict.evaluated == 1 ? "" : "s");
        rc = CLI_EXIT_OK;
    }
    /* JSON is for tools: it reports a denial too ("allowed":false), with the exit status. */
    if (strcmp(o->output, "json") == 0)
        rc = print_json(report, &json,
                        signet_policy_verdict_json(&json, report, image + 9, &verdict, lib_rc,
                                                   signet_ctx_error(ctx)),
                        rc);
    else if (lib_rc == SIGNET_OK && verdict.digest[0] != '\0')
        rc = printf("%s\n", verdict.digest) > 0 && fflush(stdout) == 0
                 ? CLI_EXIT_OK
                 : cli_error("cannot write to standard output");
out:
    signet_buf_dispose(&json);
    signet_ctx_free(report);
    signet_policy_free(policy);
    signet_registries_d_free(registries);
    signet_kbs_resources_free(resources);
    signet_registry_free(reg);
    signet_ctx_free(ctx);
    return rc;
}

int
cmd_policy(int argc, char **argv)
{
    struct options o = {0, NULL, NULL, NULL, "text", {0, 0, NULL, NULL, NULL}};
    const char *pos[2];
    size_t npos;

    CLI_PARSE_OR_RETURN(cmd_policy_help, &o, argc, argv, pos, &npos);
    if (strcmp(o.output, "text") != 0 && strcmp(o.output, "json") != 0)
        return cli_usage_error(&cmd_policy_help, "unknown output format '%s' (text, json)",
                               o.output);
    if (npos == 0)
        return cli_usage_error(&cmd_policy_help, "a sub-command is required (lint, verify)");
    if (strcmp(pos[0], "verify") == 0) {
        if (npos != 2)
            return cli_usage_error(&cmd_policy_help, "verify takes exactly one docker://IMAGE");
        return policy_verify(&o, pos[1]);
    }
    if (strcmp(pos[0], "lint") == 0) {
        if (npos != 2)
            return cli_usage_error(&cmd_policy_help, "lint takes exactly one FILE");
        return policy_lint(&o, pos[1]);
    }
    return cli_usage_error(&cmd_policy_help, "unknown sub-command '%s' (lint, verify)", pos[0]);
}
