/*
 * signet_registries_d__add(): one registries.d YAML file, parsed from memory into an empty
 * configuration as signet_registries_d_load() parses each file. A refused file is
 * SIGNET_EPARSE (`parsing fuzz.yaml: …`) or SIGNET_ETOOLARGE, with a message. An accepted file
 * answers every lookup for a fixed set of references: the lookaside URL for reading and for
 * writing is either a valid base (a signature URL can be built from it) or refused as an
 * invalid URL (SIGNET_EPARSE `invalid signature storage URL …`, as containers/image refuses it
 * when it creates its client); use-sigstore-attachments is 0 or 1. Parsing the same bytes again
 * gives the same answers.
 */
#include "fuzz_common.h"

#include "registries_d_internal.h"

#define DIGEST "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"

static const char *const images[] = {
    "busybox",
    "docker.io/centos/mybetaproduct:latest",
    "example.com/my/project@" DIGEST,
    "registry.test.example.com:8888/a/b:v1",
    "127.0.0.1:5055/test/gpgimg:v1",
    "localhost/invalid/url/test",
    "a.b.example.com/ns/repo:v1@" DIGEST,
};

#define NIMAGES (sizeof(images) / sizeof(images[0]))

struct answers {
    int rc[NIMAGES][2];
    char url[NIMAGES][2][SIGNET_REGISTRIES_D_URL_MAX];
    int attachments[NIMAGES];
};

static void
lookups(const signet_registries_d *cfg, struct answers *a)
{
    for (size_t i = 0; i < NIMAGES; i++) {
        signet_ctx *ctx = fuzz_begin();
        signet_reference ref;

        FUZZ_CHECK(signet_reference_parse(&ref, ctx, images[i]) == SIGNET_OK);
        for (int w = 0; w < 2; w++) {
            char sig[SIGNET_REGISTRIES_D_URL_MAX + 200];
            int rc = signet_registries_d_lookaside(a->url[i][w], sizeof(a->url[i][w]), ctx, cfg,
                                                   &ref, w);

            fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE),
                          a->url[i][w][0] != '\0');
            a->rc[i][w] = rc;
            if (rc == SIGNET_EPARSE)
                FUZZ_CHECK(strstr(signet_ctx_error(ctx), "invalid signature storage URL") ==
                           signet_ctx_error(ctx));
            signet_ctx_clear_error(ctx);
            if (rc != SIGNET_OK)
                continue;
            FUZZ_CHECK(signet_lookaside_signature_url(sig, sizeof(sig), ctx, a->url[i][w], &ref,
                                                      DIGEST, 0) == SIGNET_OK);
            FUZZ_CHECK(strncmp(sig, a->url[i][w], strcspn(a->url[i][w], "?#")) == 0);
        }
        a->attachments[i] = -1;
        FUZZ_CHECK(signet_registries_d_use_sigstore_attachments(&a->attachments[i], ctx, cfg,
                                                                &ref) == SIGNET_OK);
        FUZZ_CHECK(a->attachments[i] == 0 || a->attachments[i] == 1);
        FUZZ_CHECK(signet_ctx_error_code(ctx) == SIGNET_OK);
        signet_ctx_free(ctx);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct answers first, again;
    static int home_set;
    signet_registries_d *cfg = NULL;
    signet_ctx *ctx = fuzz_begin();
    int rc;

    if (!home_set) { /* the default lookaside needs a home directory */
        FUZZ_CHECK(setenv("HOME", "/nonexistent/fuzz-home", 1) == 0);
        home_set = 1;
    }
    FUZZ_CHECK(signet_registries_d__new(&cfg, ctx) == SIGNET_OK);
    rc = signet_registries_d__add(cfg, ctx, fuzz_bytes(data), size, "fuzz.yaml");
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPARSE) | FUZZ_RC(SIGNET_ETOOLARGE), rc == SIGNET_OK);
    if (rc == SIGNET_EPARSE)
        FUZZ_CHECK(strncmp(signet_ctx_error(ctx), "parsing fuzz.yaml: ", 19) == 0);
    if (rc == SIGNET_OK) {
        lookups(cfg, &first);
        signet_registries_d_free(cfg);
        cfg = NULL;
        FUZZ_CHECK(signet_registries_d__new(&cfg, ctx) == SIGNET_OK);
        FUZZ_CHECK(signet_registries_d__add(cfg, ctx, fuzz_bytes(data), size, "fuzz.yaml") ==
                   SIGNET_OK);
        lookups(cfg, &again);
        FUZZ_CHECK(memcmp(first.rc, again.rc, sizeof(first.rc)) == 0);
        FUZZ_CHECK(memcmp(first.attachments, again.attachments, sizeof(first.attachments)) == 0);
        for (size_t i = 0; i < NIMAGES; i++)
            for (int w = 0; w < 2; w++)
                FUZZ_CHECK(strcmp(first.url[i][w], again.url[i][w]) == 0);
    }
    signet_registries_d_free(cfg);
    signet_ctx_free(ctx);
    return 0;
}
