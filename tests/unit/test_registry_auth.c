#include "harness.h"
#include "registry_internal.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_registry_auth__challenges_parse(void)
{
    struct signet_challenge ch;

    CHECK_OK(signet_auth__parse_challenge(
        &ch, harness_ctx,
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
        "scope=\"repository:library/ubuntu:pull\""));
    CHECK(strcmp(ch.scheme, "Bearer") == 0);
    CHECK(strcmp(ch.realm, "https://auth.docker.io/token") == 0);
    CHECK(strcmp(ch.service, "registry.docker.io") == 0);
    CHECK(strcmp(ch.scope, "repository:library/ubuntu:pull") == 0);
    CHECK_OK(signet_auth__parse_challenge(&ch, harness_ctx, "Basic realm=\"Registry Realm\""));
    CHECK(strcmp(ch.scheme, "Basic") == 0 && strcmp(ch.realm, "Registry Realm") == 0);
    CHECK_OK(signet_auth__parse_challenge(&ch, harness_ctx,
                                          "Bearer realm=unquoted, service=\"a\\\"b\""));
    CHECK(strcmp(ch.realm, "unquoted") == 0 && strcmp(ch.service, "a\"b") == 0);
}

static void
test_registry_auth__malformed_challenges_are_refused(void)
{
    static const char *const bad[] = {"", "Bearer realm", "Bearer realm=\"open", "Bearer =x",
                                      "VeryLongSchemeNameThatDoesNotFit realm=x"};
    struct signet_challenge ch;
    char huge[2000];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_FAIL_WITH(SIGNET_EPROTOCOL, "malformed WWW-Authenticate",
                        signet_auth__parse_challenge(&ch, harness_ctx, bad[i]));
    memcpy(huge, "Bearer realm=\"", 14);
    memset(huge + 14, 'a', sizeof(huge) - 16);
    huge[sizeof(huge) - 2] = '"';
    huge[sizeof(huge) - 1] = '\0';
    CHECK_FAIL_WITH(SIGNET_EPROTOCOL, "malformed",
                    signet_auth__parse_challenge(&ch, harness_ctx, huge));
}

static char dir[64];

static void
write_file(const char *name, const char *text, unsigned int mode)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK_OK(signet_file_write(harness_ctx, path, text, strlen(text), mode,
                               SIGNET_FILE_WRITE_OVERWRITE));
}

/* A private environment: no credentials but those the test writes. */
static void
setup(void)
{
    char path[300];

    snprintf(dir, sizeof(dir), "/tmp/signet-auth-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    setenv("HOME", dir, 1);
    unsetenv("REGISTRY_AUTH_FILE");
    unsetenv("XDG_RUNTIME_DIR");
    snprintf(path, sizeof(path), "%s/docker", dir);
    setenv("DOCKER_CONFIG", path, 1);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s:/usr/bin:/bin", dir);
    setenv("PATH", path, 1);
}

static void
teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void
expect_creds(const char *registry, const char *user, const char *secret)
{
    struct signet_credentials c;

    CHECK_OK(signet_auth__lookup(&c, harness_ctx, registry, NULL));
    CHECK(c.username != NULL && strcmp(c.username, user) == 0);
    CHECK(c.secret != NULL && strcmp(c.secret, secret) == 0);
    signet_auth__credentials_release(&c);
}

static void
test_registry_auth__docker_config_auths(void)
{
    struct signet_credentials c;

    setup();
    /* alice:s3cret, bob:pw:with:colons */
    write_file("docker/config.json",
               "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YWxpY2U6czNjcmV0\"},"
               "\"127.0.0.1:5000\":{\"auth\":\"Ym9iOnB3OndpdGg6Y29sb25z\"},"
               "\"http://plain.example\":{\"username\":\"u\",\"password\":\"p\"}}}",
               0600);
    expect_creds("index.docker.io", "alice", "s3cret");
    expect_creds("127.0.0.1:5000", "bob", "pw:with:colons");
    expect_creds("plain.example", "u", "p");
    CHECK(signet_auth__lookup(&c, harness_ctx, "127.0.0.1:5001", NULL) == SIGNET_ENOTFOUND);
    CHECK(c.username == NULL && c.secret == NULL);
    teardown();
}

static void
test_registry_auth__order_of_sources(void)
{
    char path[300];

    setup();
    write_file("docker/config.json", "{\"auths\":{\"r.io\":{\"auth\":\"ZG9ja2VyOmQ=\"}}}", 0600);
    expect_creds("r.io", "docker", "d");
    snprintf(path, sizeof(path), "%s/auth.json", dir);
    write_file("auth.json", "{\"auths\":{\"r.io\":{\"auth\":\"ZW52OmU=\"}}}", 0600);
    setenv("REGISTRY_AUTH_FILE", path, 1);
    expect_creds("r.io", "env", "e");
    {
        /* An explicit file comes first. */
        struct signet_credentials c;
        write_file("explicit.json", "{\"auths\":{\"r.io\":{\"auth\":\"ZXhwOng=\"}}}", 0600);
        snprintf(path, sizeof(path), "%s/explicit.json", dir);
        CHECK_OK(signet_auth__lookup(&c, harness_ctx, "r.io", path));
        CHECK(c.username && strcmp(c.username, "exp") == 0);
        signet_auth__credentials_release(&c);
    }
    teardown();
}

static void
test_registry_auth__credential_helpers(void)
{
    struct signet_credentials c;

    setup();
    write_file("docker-credential-fake",
               "#!/bin/sh\nread host\n[ \"$1\" = get ] || exit 3\n"
               "if [ \"$host\" = helped.io ]; then\n"
               "  echo '{\"ServerURL\":\"helped.io\",\"Username\":\"hu\",\"Secret\":\"hs\"}'\n"
               "elif [ \"$host\" = https://index.docker.io/v1/ ]; then\n"
               "  echo '{\"Username\":\"hub\",\"Secret\":\"hubs\"}'\n"
               "else echo 'credentials not found in native keychain'; exit 1; fi\n",
               0755);
    write_file("docker/config.json",
               "{\"credHelpers\":{\"helped.io\":\"fake\"},\"credsStore\":\"fake\","
               "\"auths\":{\"other.io\":{\"auth\":\"bm9jb2xvbg==\"}}}",
               0600);
    expect_creds("helped.io", "hu", "hs");
    /* Docker Hub logins live under Docker's v1 URL in credential stores. */
    expect_creds("index.docker.io", "hub", "hubs");
    /* No entry anywhere: the store says "not found", which is no credentials. */
    CHECK(signet_auth__lookup(&c, harness_ctx, "nobody.io", NULL) == SIGNET_ENOTFOUND);
    signet_ctx_clear_error(harness_ctx);
    /* A malformed auth entry is an error, not silence. */
    CHECK_FAIL_WITH(SIGNET_EAUTH, "malformed \"auth\" entry",
                    signet_auth__lookup(&c, harness_ctx, "other.io", NULL));
    write_file("docker/config.json", "{\"credHelpers\":{\"x.io\":\"missing\"}}", 0600);
    CHECK_FAIL_WITH(SIGNET_EAUTH, "docker-credential-missing",
                    signet_auth__lookup(&c, harness_ctx, "x.io", NULL));
    write_file("docker/config.json", "{\"credHelpers\":{\"x.io\":\"../evil\"}}", 0600);
    CHECK_FAIL_WITH(SIGNET_EAUTH, "invalid credential helper name",
                    signet_auth__lookup(&c, harness_ctx, "x.io", NULL));
    teardown();
}

/* Mounted Kubernetes secrets are symbolic links: credential files may be links. */
static void
test_registry_auth__credential_files_may_be_links(void)
{
    char target[300], link[300];

    setup();
    write_file("real-config.json", "{\"auths\":{\"r.io\":{\"auth\":\"ZG9ja2VyOmQ=\"}}}", 0600);
    snprintf(target, sizeof(target), "%s/real-config.json", dir);
    snprintf(link, sizeof(link), "%s/docker/config.json", dir);
    CHECK(symlink(target, link) == 0);
    expect_creds("r.io", "docker", "d");
    teardown();
}

static void
test_registry_auth__malformed_files_are_errors(void)
{
    struct signet_credentials c;

    setup();
    write_file("docker/config.json", "not json", 0600);
    CHECK_FAIL_WITH(SIGNET_EAUTH, "is not a JSON object",
                    signet_auth__lookup(&c, harness_ctx, "r.io", NULL));
    teardown();
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_registry_auth__challenges_parse),
        TEST_CASE(test_registry_auth__malformed_challenges_are_refused),
        TEST_CASE(test_registry_auth__docker_config_auths),
        TEST_CASE(test_registry_auth__order_of_sources),
        TEST_CASE(test_registry_auth__credential_helpers),
        TEST_CASE(test_registry_auth__credential_files_may_be_links),
        TEST_CASE(test_registry_auth__malformed_files_are_errors),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
