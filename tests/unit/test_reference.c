#include "harness.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_reference__normalises_as_docker_does(void)
{
    static const struct {
        const char *in, *registry, *repository, *tag, *digest;
    } cases[] = {
        {"ubuntu", "index.docker.io", "library/ubuntu", "latest", ""},
        {"ubuntu:22.04", "index.docker.io", "library/ubuntu", "22.04", ""},
        {"docker.io/x/y", "index.docker.io", "x/y", "latest", ""},
        {"docker.io/ubuntu", "index.docker.io", "library/ubuntu", "latest", ""},
        {"index.docker.io/library/ubuntu:1", "index.docker.io", "library/ubuntu", "1", ""},
        {"a/b/c", "index.docker.io", "a/b/c", "latest", ""},
        {"x:5000", "index.docker.io", "library/x", "5000", ""},
        {"localhost/foo", "localhost", "foo", "latest", ""},
        {"localhost:5000/foo/bar:1", "localhost:5000", "foo/bar", "1", ""},
        {"gcr.io/project/image", "gcr.io", "project/image", "latest", ""},
        {"127.0.0.1:5000/team/app@sha256:" D64, "127.0.0.1:5000", "team/app", "", "sha256:" D64},
        {"127.0.0.1:5000/team/app:v1@sha256:" D64, "127.0.0.1:5000", "team/app", "v1",
         "sha256:" D64},
        {"[::1]:5000/x:1", "[::1]:5000", "x", "1", ""},
        {"Foo/bar", "Foo", "bar", "latest", ""},
        {"reg.example/a.b/c__d/e--f:T_a-g.1", "reg.example", "a.b/c__d/e--f", "T_a-g.1", ""},
    };
    signet_reference ref;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_OK(signet_reference_parse(&ref, harness_ctx, cases[i].in));
        if (strcmp(ref.registry, cases[i].registry) != 0 ||
            strcmp(ref.repository, cases[i].repository) != 0 ||
            strcmp(ref.tag, cases[i].tag) != 0 || strcmp(ref.digest, cases[i].digest) != 0)
            harness_fail(__FILE__, __LINE__, "%s -> %s | %s | %s | %s", cases[i].in, ref.registry,
                         ref.repository, ref.tag, ref.digest);
    }
}

static void
test_reference__formats(void)
{
    signet_reference ref;
    char out[600];

    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "ubuntu"));
    signet_reference_repository_name(out, sizeof(out), &ref);
    CHECK(strcmp(out, "index.docker.io/library/ubuntu") == 0);
    signet_reference_format(out, sizeof(out), &ref);
    CHECK(strcmp(out, "index.docker.io/library/ubuntu:latest") == 0);
    CHECK_OK(signet_reference_parse(&ref, harness_ctx, "[::1]:5000/x@sha256:" D64));
    signet_reference_format(out, sizeof(out), &ref);
    CHECK(strcmp(out, "[::1]:5000/x@sha256:" D64) == 0);
}

static void
test_reference__refuses_bad_references(void)
{
    static const struct {
        const char *in, *message;
    } cases[] = {
        {"", "empty"},
        {"UPPER", "lowercase"},
        {"ubuntu:", "bad tag"},
        {"ubuntu:bad tag", "bad tag"},
        {"ubuntu:-x", "bad tag"},
        {"ubuntu@sha256:abc", "digest must be"},
        {"ubuntu@sha256:" D64 "0", "digest must be"},
        {"ubuntu@sha512:" D64, "digest must be"},
        {"http://reg/x", "no URL scheme"},
        {"a//b", "lowercase"},
        {"reg.io/-b", "lowercase"},
        {"reg.io/b-", "lowercase"},
        {"reg.io/a..b", "lowercase"},
        {"reg.io/a___b", "lowercase"},
        {"reg.io:99999x/a", "bad registry"},
        {"[::1/x", "bad registry"},
        {"-reg.io/x", "bad registry"},
        {"reg.io/", "lowercase"},
    };
    signet_reference ref;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_FAIL_WITH(SIGNET_EPARSE, cases[i].message,
                        signet_reference_parse(&ref, harness_ctx, cases[i].in));
}

static void
test_reference__refuses_long_names(void)
{
    char name[400];
    signet_reference ref;

    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    memcpy(name, "reg.io/", 7);
    CHECK_FAIL_WITH(SIGNET_EPARSE, "too long", signet_reference_parse(&ref, harness_ctx, name));
}

static void
test_reference__digest_validation(void)
{
    CHECK(signet_digest_is_valid("sha256:" D64));
    CHECK(!signet_digest_is_valid("sha256:" D64 "0"));
    CHECK(!signet_digest_is_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef"));
    CHECK(!signet_digest_is_valid("md5:" D64));
    CHECK(!signet_digest_is_valid(NULL));
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_reference__normalises_as_docker_does),
        TEST_CASE(test_reference__formats),
        TEST_CASE(test_reference__refuses_bad_references),
        TEST_CASE(test_reference__refuses_long_names),
        TEST_CASE(test_reference__digest_validation),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
