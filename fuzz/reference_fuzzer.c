/*
 * signet_reference_parse(): image references from the command line, policy files and
 * attachment names. What it accepts is normalised: every field fits its array, registry and
 * repository are set, so is the tag or the digest (a valid one), and the text
 * signet_reference_format() gives parses back to the same fields.
 *
 * Strict mode compares the length limit on Docker Hub names with Docker's and cosign's.
 */
#include "fuzz_common.h"

/* The buffers signet's callers format references into (cosign.c). */
#define FORMAT_MAX (SIGNET_REFERENCE_NAME_MAX * 2)

static int
terminated(const char *field, size_t size)
{
    return memchr(field, '\0', size) != NULL;
}

static void
check_fields(const signet_reference *ref)
{
    char name[FORMAT_MAX];

    FUZZ_CHECK(terminated(ref->registry, sizeof(ref->registry)));
    FUZZ_CHECK(terminated(ref->repository, sizeof(ref->repository)));
    FUZZ_CHECK(terminated(ref->tag, sizeof(ref->tag)));
    FUZZ_CHECK(terminated(ref->digest, sizeof(ref->digest)));
    FUZZ_CHECK(ref->registry[0] != '\0');
    FUZZ_CHECK(ref->repository[0] != '\0');
    FUZZ_CHECK(ref->tag[0] != '\0' || ref->digest[0] != '\0');
    if (ref->digest[0] != '\0')
        FUZZ_CHECK(signet_digest_is_valid(ref->digest));
    /* Docker's limit: registry + "/" + repository, Docker Hub counted as "docker.io". */
    signet_reference_repository_name(name, sizeof(name), ref);
    FUZZ_CHECK(strlen(name) == strlen(ref->registry) + 1 + strlen(ref->repository));
    FUZZ_CHECK(strlen(name) <=
               SIGNET_REFERENCE_NAME_MAX + (strcmp(ref->registry, "index.docker.io") == 0 ? 6 : 0));
    FUZZ_CHECK(strncmp(name, ref->registry, strlen(ref->registry)) == 0);
    FUZZ_CHECK(strcmp(name + strlen(ref->registry) + 1, ref->repository) == 0);
}

/* Normalisation is idempotent: the formatted reference parses to the same fields. */
static void
check_format_round_trip(const signet_reference *ref)
{
    char text[4 * FORMAT_MAX], again_text[4 * FORMAT_MAX];
    signet_reference again;
    signet_ctx *ctx = fuzz_begin();

    signet_reference_format(text, sizeof(text), ref);
    FUZZ_CHECK(strlen(text) < FORMAT_MAX); /* fits the callers' buffers untruncated */
    FUZZ_CHECK(signet_reference_parse(&again, ctx, text) == SIGNET_OK);
    FUZZ_CHECK(signet_ctx_error_code(ctx) == SIGNET_OK);
    FUZZ_CHECK(strcmp(again.registry, ref->registry) == 0);
    FUZZ_CHECK(strcmp(again.repository, ref->repository) == 0);
    FUZZ_CHECK(strcmp(again.tag, ref->tag) == 0);
    FUZZ_CHECK(strcmp(again.digest, ref->digest) == 0);
    signet_reference_format(again_text, sizeof(again_text), &again);
    FUZZ_CHECK(strcmp(again_text, text) == 0);
    signet_ctx_free(ctx);
}

static int
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Strict: Docker (distribution/reference) limits a name to 255 characters as it spells it,
 * "docker.io/library/x", and cosign (go-containerregistry) limits only the repository, to 255.
 * So a Docker Hub name within Docker's limit is one both accept. Checked on the simplest
 * inputs, where the grammar is not in doubt: components of [a-z0-9] separated by single '/',
 * the first not "localhost", and an optional tag of [a-z0-9].
 */
static void
check_docker_hub_length(const char *text, int rc)
{
    const char *colon = strchr(text, ':');
    size_t name_len = colon != NULL ? (size_t)(colon - text) : strlen(text);
    size_t slashes = 0, docker_len;

    if (name_len == 0 || (colon != NULL && (colon[1] == '\0' || strlen(colon + 1) > 128)))
        return;
    for (size_t i = 0; i < name_len; i++) {
        if (text[i] == '/') {
            if (i == 0 || text[i - 1] == '/' || i + 1 == name_len)
                return;
            slashes++;
        } else if (!is_lower_alnum(text[i])) {
            return;
        }
    }
    for (const char *p = colon != NULL ? colon + 1 : ""; *p; p++)
        if (!is_lower_alnum(*p))
            return;
    if (slashes > 0 && strncmp(text, "localhost/", 10) == 0)
        return;
    docker_len = strlen("docker.io/") + (slashes == 0 ? strlen("library/") : 0) + name_len;
    if (docker_len <= SIGNET_REFERENCE_NAME_MAX)
        FUZZ_CHECK(rc == SIGNET_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signet_reference ref;
    signet_ctx *ctx = fuzz_begin();
    char *text = fuzz_cstring(data, size);
    int rc;

    rc = signet_reference_parse(&ref, ctx, text);
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE), rc == SIGNET_OK);
    if (rc == SIGNET_OK) {
        check_fields(&ref);
        check_format_round_trip(&ref);
    }
    if (fuzz_strict())
        check_docker_hub_length(text, rc);
    free(text);
    signet_ctx_free(ctx);
    return 0;
}
