#include "harness.h"
#include "registries_d_internal.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIGEST "sha256:fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3"

/* A fresh temporary directory (static buffer). */
static const char *
temp_dir(void)
{
    static char dir[64];

    snprintf(dir, sizeof(dir), "/tmp/signet-rd-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    return dir;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs(text, f);
    fclose(f);
}

/* Copy a vector file into @p dir under @p name. */
static void
copy_vector(const char *dir, const char *vector, const char *name)
{
    signet_buf b = SIGNET_BUF_INIT;

    signet_buf_init(&b, 1024 * 1024, 0);
    harness_read(&b, harness_vector(vector));
    write_file(dir, name, b.ptr != NULL ? b.ptr : "");
    signet_buf_dispose(&b);
}

static void
remove_dir(const char *dir)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static signet_registries_d *
load_vectors(void)
{
    signet_registries_d *cfg = NULL;

    CHECK_OK(signet_registries_d_load(&cfg, harness_ctx,
                                      harness_vector("containers-image/registries.d")));
    CHECK(cfg != NULL);
    return cfg;
}

static void
check_lookaside(const signet_registries_d *cfg, const char *image, int for_write, const char *want,
                int line)
{
    signet_reference ref;
    char url[SIGNET_REGISTRIES_D_URL_MAX];

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, image));
    CHECK_OK(signet_registries_d_lookaside(url, sizeof(url), harness_ctx, cfg, &ref, for_write));
    if (strcmp(url, want) != 0)
        harness_fail(__FILE__, line, "%s (%s): %s, want %s", image, for_write ? "write" : "read",
                     url, want);
}

#define CHECK_LOOKASIDE(cfg, image, w, want) check_lookaside(cfg, image, w, want, __LINE__)

/* internal-example.com.yaml + internet-user.yaml (emptyConfig.yaml merges to nothing, and
 * invalid-but.notyaml is not read). */
static void
test_registries_d__vectors_merge(void)
{
    signet_registries_d *cfg = load_vectors();
    signet_reference ref;
    char url[SIGNET_REGISTRIES_D_URL_MAX];

    CHECK_LOOKASIDE(cfg, "example.com/my/project", 0, "https://lookaside.example.com");
    CHECK_LOOKASIDE(cfg, "example.com/my/project", 1, "https://lookaside.example.com");
    CHECK_LOOKASIDE(cfg, "registry.test.example.com/x", 0,
                    "http://registry.test.example.com/lookaside");
    CHECK_LOOKASIDE(cfg, "registry.test.example.com:8888/x", 0,
                    "http://registry.test.example.com:8889/lookaside");
    CHECK_LOOKASIDE(cfg, "registry.test.example.com:8888/x", 1,
                    "https://registry.test.example.com:8889/lookaside/"
                    "specialAPIserverWhichDoesNotExist");
    CHECK_LOOKASIDE(cfg, "localhost/a/b", 0, "file:///home/mitr/mydevelopment1");
    CHECK_LOOKASIDE(cfg, "localhost:8080/a/b", 0, "file:///home/mitr/mydevelopment2");
    /* internet-user.yaml: most specific scope wins; default-docker for the rest. */
    CHECK_LOOKASIDE(cfg, "docker.io/contoso/x", 0, "https://lookaside.contoso.com/fordocker");
    CHECK_LOOKASIDE(cfg, "contoso/x:1", 0, "https://lookaside.contoso.com/fordocker");
    CHECK_LOOKASIDE(cfg, "docker.io/centos/other", 0, "https://lookaside.centos.org/");
    CHECK_LOOKASIDE(cfg, "docker.io/centos/mybetaproduct:v2", 0,
                    "http://localhost:9999/mybetaWIP/lookaside");
    CHECK_LOOKASIDE(cfg, "docker.io/centos/mybetaproduct:v2", 1, "file:///srv/mybetaWIP/lookaside");
    CHECK_LOOKASIDE(cfg, "docker.io/centos/mybetaproduct:latest", 0,
                    "https://lookaside.centos.org/");
    /* The identity scope has no lookaside-staging, but its lookaside is also for writing. */
    CHECK_LOOKASIDE(cfg, "docker.io/centos/mybetaproduct:latest", 1,
                    "https://lookaside.centos.org/");
    CHECK_LOOKASIDE(cfg, "busybox", 0, "file:///mnt/companywide/signatures/for/other/repositories");
    CHECK_LOOKASIDE(cfg, "quay.io/a/b", 1,
                    "file:///mnt/companywide/signatures/for/other/repositories");
    /* Invalid URLs: refused with the URL named. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "localhost/invalid/url/test"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "invalid signature storage URL \":emptyscheme\"",
                    signet_registries_d_lookaside(url, sizeof(url), harness_ctx, cfg, &ref, 0));
    CHECK(url[0] == '\0');
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "localhost/file/path/test"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "\"/no/scheme/just/a/path\": missing protocol scheme",
                    signet_registries_d_lookaside(url, sizeof(url), harness_ctx, cfg, &ref, 0));
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "localhost/relative/path/test:1"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "no/scheme/relative/path",
                    signet_registries_d_lookaside(url, sizeof(url), harness_ctx, cfg, &ref, 1));
    /* Too small a buffer. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "example.com/my/project"));
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "too long",
                    signet_registries_d_lookaside(url, 10, harness_ctx, cfg, &ref, 0));
    signet_registries_d_free(cfg);
}

static void
test_registries_d__merge_errors(void)
{
    const char *dir = temp_dir();
    signet_registries_d *cfg = NULL;
    char want[1024];

    /* The same file twice: its default-docker first ("a" < "b"). */
    copy_vector(dir, "containers-image/registries.d/internet-user.yaml", "a.yaml");
    copy_vector(dir, "containers-image/registries.d/internet-user.yaml", "b.yaml");
    snprintf(want, sizeof(want),
             "Error parsing signature storage configuration: \"default-docker\" defined both in "
             "\"%s/a.yaml\" and \"%s/b.yaml\"",
             dir, dir);
    CHECK_FAIL_WITH(SIGNET_EPARSE, want, signet_registries_d_load(&cfg, harness_ctx, dir));
    CHECK(cfg == NULL);
    remove_dir(dir);

    dir = temp_dir();
    copy_vector(dir, "containers-image/registries.d/internal-example.com.yaml", "a.yaml");
    write_file(dir, "b.yaml",
               "docker:\n  other.example:\n    lookaside: file:///x\n"
               "  localhost:8080:\n    lookaside: file:///y\n");
    snprintf(want, sizeof(want),
             "Error parsing signature storage configuration: \"docker\" namespace "
             "\"localhost:8080\" defined both in \"%s/a.yaml\" and \"%s/b.yaml\"",
             dir, dir);
    CHECK_FAIL_WITH(SIGNET_EPARSE, want, signet_registries_d_load(&cfg, harness_ctx, dir));
    CHECK(cfg == NULL);
    remove_dir(dir);

    /* A YAML error names the file. */
    dir = temp_dir();
    write_file(dir, "bad.yaml", "docker: [\n");
    write_file(dir, "ignored.yml", "}\n");
    snprintf(want, sizeof(want), "parsing %s/bad.yaml: ", dir);
    CHECK_FAIL_WITH(SIGNET_EPARSE, want, signet_registries_d_load(&cfg, harness_ctx, dir));
    remove_dir(dir);
}

static void
test_registries_d__parse_shapes(void)
{
    static const struct {
        const char *yaml, *message; /* NULL: accepted */
    } cases[] = {
        {"", NULL},
        {"{}", NULL},
        {"null\n", NULL},
        {"# only a comment\n", NULL},
        {"unknown: [1, 2]\ndocker: null\ndefault-docker: ~\n", NULL},
        {"docker:\n  a.example:\n    unknown: {x: 1}\n    lookaside: null\n", NULL},
        {"docker:\n  a.example:\n", NULL},
        {"[]\n", "cannot unmarshal array into the configuration"},
        {"hello\n", "cannot unmarshal string into the configuration"},
        {"docker: [a]\n", "cannot unmarshal array into \"docker\""},
        {"default-docker: x\n", "cannot unmarshal string into \"default-docker\""},
        {"docker:\n  a: 1\n", "cannot unmarshal string into a namespace"},
        {"default-docker:\n  lookaside: {a: b}\n", "cannot unmarshal object into \"lookaside\""},
        {"default-docker:\n  use-sigstore-attachments: \"true\"\n",
         "cannot unmarshal string into \"use-sigstore-attachments\" of type bool"},
        {"default-docker:\n  use-sigstore-attachments: 1\n", "of type bool"},
        {"docker:\n  {a: b}: {}\n", "unsupported mapping key"},
        {"docker: {\n", "parsing t.yaml: line "},
        {"a: *nope\n", "parsing t.yaml: line 1: "},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        signet_registries_d *cfg = NULL;
        int rc;

        CHECK_OK(signet_registries_d__new(&cfg, harness_ctx));
        signet_ctx_clear_error(harness_ctx);
        rc = signet_registries_d__add(cfg, harness_ctx, cases[i].yaml, strlen(cases[i].yaml),
                                      "t.yaml");
        if (cases[i].message == NULL && rc != SIGNET_OK)
            harness_fail(__FILE__, __LINE__, "case %zu: %s", i, signet_ctx_error(harness_ctx));
        if (cases[i].message != NULL &&
            (rc != SIGNET_EPARSE ||
             strstr(signet_ctx_error(harness_ctx), cases[i].message) == NULL))
            harness_fail(__FILE__, __LINE__, "case %zu: %d '%s', want '%s'", i, rc,
                         signet_ctx_error(harness_ctx), cases[i].message);
        signet_ctx_clear_error(harness_ctx);
        signet_registries_d_free(cfg);
    }
}

static signet_registries_d *
from_text(const char *yaml)
{
    signet_registries_d *cfg = NULL;

    CHECK_OK(signet_registries_d__new(&cfg, harness_ctx));
    CHECK_OK(signet_registries_d__add(cfg, harness_ctx, yaml, strlen(yaml), "t.yaml"));
    return cfg;
}

static void
check_attachments(const signet_registries_d *cfg, const char *image, int want, int line)
{
    signet_reference ref;
    int got = -1;

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, image));
    CHECK_OK(signet_registries_d_use_sigstore_attachments(&got, harness_ctx, cfg, &ref));
    if (got != want)
        harness_fail(__FILE__, line, "%s: attachments %d, want %d", image, got, want);
}

static void
test_registries_d__scope_order_and_skipping(void)
{
    signet_registries_d *cfg = from_text("default-docker:\n"
                                         "  sigstore: https://default.example/sigs\n"
                                         "  use-sigstore-attachments: yes\n"
                                         "docker:\n"
                                         "  reg.example.com/ns/repo@" DIGEST ":\n"
                                         "    use-sigstore-attachments: false\n"
                                         "  reg.example.com/ns/repo:v1:\n"
                                         "    sigstore-staging: file:///staging/identity\n"
                                         "  reg.example.com/ns:\n"
                                         "    sigstore: https://ns.example/sigs\n"
                                         "    use-sigstore-attachments: off\n"
                                         "  reg.example.com:\n"
                                         "    lookaside: https://host.example/sigs\n"
                                         "    sigstore: https://ignored.example/sigs\n"
                                         "  '*.example.com':\n"
                                         "    lookaside: https://wild.example/sigs\n"
                                         "    use-sigstore-attachments: true\n"
                                         "  '*.com':\n"
                                         "    lookaside: https://com.example/sigs\n"
                                         "  other.example.com:5000:\n"
                                         "    use-sigstore-attachments: on\n"
                                         "  Docker.io:\n"
                                         "    lookaside: https://never.example/\n");

    /* Deprecated keys: sigstore-staging for writing; identity lacks a read URL. */
    CHECK_LOOKASIDE(cfg, "reg.example.com/ns/repo:v1", 1, "file:///staging/identity");
    CHECK_LOOKASIDE(cfg, "reg.example.com/ns/repo:v1", 0, "https://ns.example/sigs");
    CHECK_LOOKASIDE(cfg, "reg.example.com/ns/repo:v2", 1, "https://ns.example/sigs");
    CHECK_LOOKASIDE(cfg, "reg.example.com/other", 0, "https://host.example/sigs");
    CHECK_LOOKASIDE(cfg, "reg.example.com/other", 1, "https://host.example/sigs");
    /* Port stripped for wildcards; host[:port] scope only with the port. */
    CHECK_LOOKASIDE(cfg, "other.example.com:5000/x", 0, "https://wild.example/sigs");
    CHECK_LOOKASIDE(cfg, "a.b.com/x", 0, "https://com.example/sigs");
    CHECK_LOOKASIDE(cfg, "busybox", 0, "https://default.example/sigs");
    CHECK_LOOKASIDE(cfg, "docker.io/library/busybox", 1, "https://default.example/sigs");

    check_attachments(cfg, "reg.example.com/ns/repo@" DIGEST, 0, __LINE__);
    /* With a tag and a digest, the digest is the identity (as for policy scopes). */
    check_attachments(cfg, "reg.example.com/ns/repo:v1@" DIGEST, 0, __LINE__);
    check_attachments(cfg, "reg.example.com/ns/repo:v1", 0, __LINE__);
    check_attachments(cfg, "reg.example.com/x", 1, __LINE__); /* the host lacks it: wildcard */
    check_attachments(cfg, "other.example.com:5000/x", 1, __LINE__);
    check_attachments(cfg, "a.b.com/x", 1, __LINE__); /* "*.com" lacks it: default */
    check_attachments(cfg, "busybox", 1, __LINE__);
    signet_registries_d_free(cfg);

    /* Nothing found: false. */
    cfg = from_text("docker:\n  x.example:\n    lookaside: https://x.example/\n");
    check_attachments(cfg, "x.example/a", 0, __LINE__);
    check_attachments(NULL, "x.example/a", 0, __LINE__);
    signet_registries_d_free(cfg);
}

/* Lenient parsing as sigs.k8s.io/yaml + encoding/json do it. */
static void
test_registries_d__lenient_keys(void)
{
    signet_registries_d *cfg = from_text("Default-Docker:\n"
                                         "  LOOKASIDE: https://upper.example/\n"
                                         "docker:\n"
                                         "  a.example:\n"
                                         "    lookaside: https://first.example/\n"
                                         "  a.example:\n"
                                         "    lookaside: https://last.example/\n"
                                         "    Lookaside-Staging: file:///staged\n");

    CHECK_LOOKASIDE(cfg, "a.example/x", 0, "https://last.example/");
    CHECK_LOOKASIDE(cfg, "a.example/x", 1, "file:///staged");
    CHECK_LOOKASIDE(cfg, "b.example/x", 0, "https://upper.example/");
    signet_registries_d_free(cfg);
}

static void
test_registries_d__defaults(void)
{
    const char *dir = temp_dir(), *old = getenv("HOME");
    char saved[1024] = "", want[1200], sub[512];
    signet_registries_d *cfg = NULL;

    if (old != NULL)
        snprintf(saved, sizeof(saved), "%s", old);
    CHECK(setenv("HOME", dir, 1) == 0);
    /* No $HOME/.config/containers/registries.d: /etc/containers/registries.d, or nothing. */
    if (access("/etc/containers/registries.d", F_OK) != 0) {
        CHECK_OK(signet_registries_d_load(&cfg, harness_ctx, NULL));
        CHECK(cfg != NULL);
        if (geteuid() != 0) {
            snprintf(want, sizeof(want), "file://%s/.local/share/containers/sigstore", dir);
            CHECK_LOOKASIDE(cfg, "busybox", 0, want);
            CHECK_LOOKASIDE(cfg, "busybox", 1, want);
        } else {
            CHECK_LOOKASIDE(cfg, "busybox", 0, "file:///var/lib/containers/sigstore");
        }
        signet_registries_d_free(cfg);
        cfg = NULL;
    }
    /* $HOME/.config/containers/registries.d when it exists. */
    snprintf(sub, sizeof(sub), "%s/.config", dir);
    CHECK(mkdir(sub, 0700) == 0);
    snprintf(sub, sizeof(sub), "%s/.config/containers", dir);
    CHECK(mkdir(sub, 0700) == 0);
    snprintf(sub, sizeof(sub), "%s/.config/containers/registries.d", dir);
    CHECK(mkdir(sub, 0700) == 0);
    write_file(sub, "x.yaml", "default-docker:\n  lookaside: https://home.example/\n");
    CHECK_OK(signet_registries_d_load(&cfg, harness_ctx, NULL));
    CHECK_LOOKASIDE(cfg, "busybox", 0, "https://home.example/");
    signet_registries_d_free(cfg);
    cfg = NULL;
    /* A missing directory is an empty configuration; NULL is one too. */
    snprintf(sub, sizeof(sub), "%s/absent", dir);
    CHECK_OK(signet_registries_d_load(&cfg, harness_ctx, sub));
    CHECK(cfg != NULL);
    if (geteuid() != 0) {
        CHECK(setenv("HOME", "/home/someone/", 1) == 0);
        CHECK_LOOKASIDE(cfg, "busybox", 0, "file:///home/someone/.local/share/containers/sigstore");
        CHECK_LOOKASIDE(NULL, "busybox", 0,
                        "file:///home/someone/.local/share/containers/sigstore");
    }
    signet_registries_d_free(cfg);
    if (old != NULL)
        setenv("HOME", saved, 1);
    else
        unsetenv("HOME");
    remove_dir(dir);
}

static void
check_sig_url(const char *base, const char *image, const char *digest, unsigned index,
              const char *want, int line)
{
    signet_reference ref;
    char url[SIGNET_REGISTRIES_D_URL_MAX];

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, image));
    CHECK_OK(
        signet_lookaside_signature_url(url, sizeof(url), harness_ctx, base, &ref, digest, index));
    if (strcmp(url, want) != 0)
        harness_fail(__FILE__, line, "%s + %s: %s, want %s", base, image, url, want);
}

static void
test_registries_d__signature_url(void)
{
    signet_reference ref;
    char url[SIGNET_REGISTRIES_D_URL_MAX];

    /* §2.4's example (skopeo 1.9.3 wrote it). */
    check_sig_url("file:///srv/lookaside", "127.0.0.1:5055/test/gpgimg:v1", DIGEST, 0,
                  "file:///srv/lookaside/test/gpgimg@sha256="
                  "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3/signature-1",
                  __LINE__);
    check_sig_url("https://lookaside.example.com", "example.com/my/project@" DIGEST, DIGEST, 2,
                  "https://lookaside.example.com/my/project@sha256="
                  "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3/signature-3",
                  __LINE__);
    check_sig_url("https://lookaside.centos.org/", "busybox", DIGEST, 0,
                  "https://lookaside.centos.org//library/busybox@sha256="
                  "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3/signature-1",
                  __LINE__);
    check_sig_url("https://x.example/base?token=1#f", "x.example/a/b", DIGEST, 9,
                  "https://x.example/base/a/b@sha256="
                  "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3/signature-10"
                  "?token=1#f",
                  __LINE__);

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "x.example/a"));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "invalid manifest digest",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "file:///tmp",
                                                   &ref, "sha256:../hello", 0));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "invalid manifest digest",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "file:///tmp",
                                                   &ref, "sha512:00", 0));
    CHECK_FAIL_WITH(
        SIGNET_EPARSE, "only file, http and https",
        signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "ftp://x/", &ref, DIGEST, 0));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "file:///absolute/path",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "file://host/x",
                                                   &ref, DIGEST, 0));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "must name a host",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "https:///x",
                                                   &ref, DIGEST, 0));
    CHECK_FAIL_WITH(SIGNET_EPARSE, "printable ASCII",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx, "file:///a b",
                                                   &ref, DIGEST, 0));
    /* Credentials in the URL: refused, and the password never quoted. */
    CHECK_FAIL_WITH(SIGNET_EPARSE, "credentials in an http or https URL are not supported",
                    signet_lookaside_signature_url(url, sizeof(url), harness_ctx,
                                                   "https://user:hunter2@sigs.example/x", &ref,
                                                   DIGEST, 0));
    CHECK(signet_lookaside_signature_url(url, sizeof(url), harness_ctx,
                                         "https://user:hunter2@sigs.example/x", &ref, DIGEST,
                                         0) == SIGNET_EPARSE &&
          strstr(signet_ctx_error(harness_ctx), "hunter2") == NULL);
    signet_ctx_clear_error(harness_ctx);
    CHECK_FAIL_WITH(
        SIGNET_ETOOLARGE, "too long",
        signet_lookaside_signature_url(url, 40, harness_ctx, "file:///tmp", &ref, DIGEST, 0));
    CHECK(url[0] == '\0');
    CHECK_FAIL_WITH(
        SIGNET_EINVALID, "invalid argument",
        signet_lookaside_signature_url(url, sizeof(url), harness_ctx, NULL, &ref, DIGEST, 0));
}

/* interop/config/local-registry.yaml with its placeholders replaced, as skopeo used it. */
static void
test_registries_d__local_registry(void)
{
    const char *dir = temp_dir();
    signet_buf in = SIGNET_BUF_INIT, out = SIGNET_BUF_INIT;
    signet_registries_d *cfg = NULL;
    signet_reference ref;
    char base[SIGNET_REGISTRIES_D_URL_MAX], url[SIGNET_REGISTRIES_D_URL_MAX];
    int attach = -1;

    signet_buf_init(&in, 1024 * 1024, 0);
    signet_buf_init(&out, 1024 * 1024, 0);
    harness_read(&in, harness_vector("containers-image/interop/config/local-registry.yaml"));
    for (const char *p = in.ptr; p != NULL && *p;) {
        if (strncmp(p, "__PORT__", 8) == 0) {
            CHECK_OK(signet_buf_puts(&out, "5055"));
            p += 8;
        } else if (strncmp(p, "__LOOKASIDE__", 13) == 0) {
            CHECK_OK(signet_buf_puts(&out, "/srv/lookaside"));
            p += 13;
        } else {
            CHECK_OK(signet_buf_put(&out, p, 1));
            p++;
        }
    }
    write_file(dir, "local.yaml", out.ptr != NULL ? out.ptr : "");
    CHECK_OK(signet_registries_d_load(&cfg, harness_ctx, dir));

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "127.0.0.1:5055/test/gpgimg:v1"));
    CHECK_OK(signet_registries_d_lookaside(base, sizeof(base), harness_ctx, cfg, &ref, 0));
    CHECK(strcmp(base, "file:///srv/lookaside") == 0);
    CHECK_OK(signet_registries_d_lookaside(base, sizeof(base), harness_ctx, cfg, &ref, 1));
    CHECK(strcmp(base, "file:///srv/lookaside") == 0);
    CHECK_OK(signet_lookaside_signature_url(url, sizeof(url), harness_ctx, base, &ref, DIGEST, 0));
    CHECK(strcmp(url, "file:///srv/lookaside/test/gpgimg@sha256="
                      "fd4b31efa44649c942180b6e5bcba0aa22cb8302f379e79c4e75dabfd6adaea3/"
                      "signature-1") == 0);
    CHECK_OK(signet_registries_d_use_sigstore_attachments(&attach, harness_ctx, cfg, &ref));
    CHECK(attach == 1);
    /* A port-less scope would not match, and neither does another port. */
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "127.0.0.1/test/gpgimg:v1"));
    CHECK_OK(signet_registries_d_use_sigstore_attachments(&attach, harness_ctx, cfg, &ref));
    CHECK(attach == 0);
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "127.0.0.1:5000/test/gpgimg:v1"));
    CHECK_OK(signet_registries_d_use_sigstore_attachments(&attach, harness_ctx, cfg, &ref));
    CHECK(attach == 0);

    signet_registries_d_free(cfg);
    signet_buf_dispose(&in);
    signet_buf_dispose(&out);
    remove_dir(dir);
}

static void
test_registries_d__limits(void)
{
    signet_registries_d *cfg = NULL;
    signet_buf big = SIGNET_BUF_INIT;

    CHECK_OK(signet_registries_d__new(&cfg, harness_ctx));
    signet_buf_init(&big, 2 * SIGNET_REGISTRIES_D_FILE_MAX, 0);
    while (big.size <= SIGNET_REGISTRIES_D_FILE_MAX)
        CHECK_OK(signet_buf_puts(&big, "# padding padding padding padding padding padding\n"));
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "t.yaml",
                    signet_registries_d__add(cfg, harness_ctx, big.ptr, big.size, "t.yaml"));
    signet_buf_dispose(&big);
    signet_registries_d_free(cfg);

    /* More scopes than allowed. */
    signet_buf_init(&big, SIGNET_REGISTRIES_D_FILE_MAX, 0);
    CHECK_OK(signet_buf_puts(&big, "docker:\n"));
    for (int i = 0; i <= SIGNET_REGISTRIES_D_SCOPES_MAX; i++) {
        char line[64];
        snprintf(line, sizeof(line), "  h%d: {}\n", i);
        CHECK_OK(signet_buf_puts(&big, line));
    }
    CHECK_OK(signet_registries_d__new(&cfg, harness_ctx));
    CHECK_FAIL_WITH(SIGNET_ETOOLARGE, "namespaces",
                    signet_registries_d__add(cfg, harness_ctx, big.ptr, big.size, "t.yaml"));
    signet_registries_d_free(cfg);
    signet_buf_dispose(&big);

    CHECK_FAIL_WITH(SIGNET_EINVALID, "invalid argument",
                    signet_registries_d_load(NULL, harness_ctx, "/tmp"));
    signet_registries_d_free(NULL);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_registries_d__vectors_merge),
        TEST_CASE(test_registries_d__merge_errors),
        TEST_CASE(test_registries_d__parse_shapes),
        TEST_CASE(test_registries_d__scope_order_and_skipping),
        TEST_CASE(test_registries_d__lenient_keys),
        TEST_CASE(test_registries_d__defaults),
        TEST_CASE(test_registries_d__signature_url),
        TEST_CASE(test_registries_d__local_registry),
        TEST_CASE(test_registries_d__limits),
    };

    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
