/*
 * The registry options shared by every verb that talks to a registry.
 */
#ifndef SIGNET_CLI_REGISTRY_FLAGS_H
#define SIGNET_CLI_REGISTRY_FLAGS_H

#include "opt.h"
#include "signet.h"

struct cli_registry_flags {
    int allow_insecure;
    int allow_http;
    const char *cacert;
    const char *timeout;
    const char *signature_repository;
};

/* Option table entries for a command whose options struct has `struct cli_registry_flags
 * field`. */
#define CLI_REGISTRY_OPTS(type, field)                                                              \
    {"allow-insecure-registry",                                                                     \
     0,                                                                                             \
     CLI_OPT_BOOL,                                                                                  \
     offsetof(type, field) + offsetof(struct cli_registry_flags, allow_insecure),                   \
     NULL,                                                                                          \
     "do not verify registries' TLS certificates (warns; testing only)"},                           \
        {"allow-http-registry",                                                                     \
         0,                                                                                         \
         CLI_OPT_BOOL,                                                                              \
         offsetof(type, field) + offsetof(struct cli_registry_flags, allow_http),                   \
         NULL,                                                                                      \
         "talk plain HTTP to registries (warns; testing only)"},                                    \
        {"registry-cacert",                                                                         \
         0,                                                                                         \
         CLI_OPT_STRING,                                                                            \
         offsetof(type, field) + offsetof(struct cli_registry_flags, cacert),                       \
         "FILE",                                                                                    \
         "trust the CAs in this PEM file for registries"},                                          \
        {"timeout",      0,                                                                         \
         CLI_OPT_STRING, offsetof(type, field) + offsetof(struct cli_registry_flags, timeout),      \
         "DURATION",     "time limit of each registry request, e.g. 30s, 500ms, 2m (default 30s)"}, \
    {                                                                                               \
        "signature-repository", 0, CLI_OPT_STRING,                                                  \
            offsetof(type, field) + offsetof(struct cli_registry_flags, signature_repository),      \
            "REPO", "keep signatures in REPO instead of beside the image ($COSIGN_REPOSITORY)"      \
    }

/*
 * Registry client options for the flags (printing the warnings they call for); also fills the
 * cosign options' signature repository. Returns an exit status.
 */
int cli_registry_options(signet_registry_options *out, const struct cli_command *cmd,
                         const struct cli_registry_flags *flags, signet_cosign_options *cosign);

/*
 * Open a registry client for the flags (printing the warnings they call for) and fill the
 * cosign options' signature repository. Returns an exit status.
 */
int cli_registry_open(signet_registry **out, signet_ctx *ctx, const struct cli_command *cmd,
                      const struct cli_registry_flags *flags, signet_cosign_options *cosign);

/* A usage error unless @p platform (may be NULL) is "os/arch[/variant]". */
int cli_check_platform(const struct cli_command *cmd, const char *platform);

#define CLI_ANNOTATIONS_MAX 256

/* -a values split at commas, as cosign reads them; each is key=value. */
struct cli_annotations {
    char *items[CLI_ANNOTATIONS_MAX];
    size_t count;
};

/* Returns an exit status (a usage error for a value that is not key=value). */
int cli_annotations_split(struct cli_annotations *out, const struct cli_command *cmd,
                          const struct cli_list *given);

void cli_annotations_release(struct cli_annotations *a);

/* Parse an image reference, printing why not. Returns an exit status. */
int cli_parse_image(signet_reference *out, signet_ctx *ctx, const char *text);

/* A library function that describes an image as text (signet_cosign_tree, _download). */
typedef int (*cli_image_text_fn)(signet_buf *out, signet_ctx *ctx, signet_registry *reg,
                                 const signet_reference *image, const signet_cosign_options *opts);

/*
 * Print what @p fn says about @p image (at most @p max bytes) on standard output, after
 * checking the platform and registry flags. Returns an exit status.
 */
int cli_print_image_text(const struct cli_command *cmd, const char *image, const char *platform,
                         const struct cli_registry_flags *flags, cli_image_text_fn fn, size_t max);

/* Print a library event on stderr (signet_cosign_event_cb). */
void cli_print_event(const char *message, void *payload);

#endif
