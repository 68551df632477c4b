/* The tool's option parser (src/cli/opt.c), linked in directly. */
#include "harness.h"
#include "opt.h"

#include <stddef.h>

struct options {
    const char *key;
    int force;
    struct cli_list annotations;
};

static const struct cli_opt opts[] = {
    {"key", 'k', CLI_OPT_STRING, offsetof(struct options, key), "FILE", "key"},
    {"force", 'f', CLI_OPT_BOOL, offsetof(struct options, force), NULL, "force"},
    {"annotations", 'a', CLI_OPT_LIST, offsetof(struct options, annotations), "K=V", "a"},
};

static const struct cli_command cmd = {"test", "[options]", "A test command.", NULL,
                                       CLI_OPTS(opts)};

static enum cli_parse_result
parse(struct options *o, const char **pos, size_t *npos, int argc, const char **argv)
{
    memset(o, 0, sizeof(*o));
    return cli_opt_parse(&cmd, o, argc, (char **)argv, pos, 2, npos);
}

static void
test_cli_opt__cosign_spellings(void)
{
    const char *forms[][3] = {{"test", "--key", "k.pub"},
                              {"test", "--key=k.pub", NULL},
                              {"test", "-key", "k.pub"},
                              {"test", "-key=k.pub", NULL},
                              {"test", "-k", "k.pub"}};
    struct options o;
    const char *pos[2];
    size_t npos;

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        int argc = forms[i][2] ? 3 : 2;
        CHECK(parse(&o, pos, &npos, argc, forms[i]) == CLI_PARSE_OK);
        CHECK(o.key != NULL && strcmp(o.key, "k.pub") == 0);
        CHECK(npos == 0);
    }
}

static void
test_cli_opt__booleans_lists_and_positionals(void)
{
    const char *argv[] = {"test", "file", "-a", "x=1", "--force=false", "--annotations=y=2",
                          "--",   "-"};
    struct options o;
    const char *pos[2];
    size_t npos;

    CHECK(parse(&o, pos, &npos, 8, argv) == CLI_PARSE_OK);
    CHECK(o.force == 0);
    CHECK(o.annotations.count == 2);
    CHECK(strcmp(o.annotations.items[1], "y=2") == 0);
    CHECK(npos == 2 && strcmp(pos[0], "file") == 0 && strcmp(pos[1], "-") == 0);
    {
        const char *argv2[] = {"test", "-f"};
        CHECK(parse(&o, pos, &npos, 2, argv2) == CLI_PARSE_OK && o.force == 1);
    }
}

static void
test_cli_opt__usage_errors(void)
{
    const char *cases[][4] = {
        {"test", "--bogus", NULL, NULL},   {"test", "--key", NULL, NULL},
        {"test", "--key", "a", "--key=b"}, {"test", "--force=maybe", NULL, NULL},
        {"test", "a", "b", "c"},           {"test", "-x", NULL, NULL},
    };
    struct options o;
    const char *pos[2];
    size_t npos;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int argc = 1;
        while (argc < 4 && cases[i][argc] != NULL)
            argc++;
        CHECK(parse(&o, pos, &npos, argc, cases[i]) == CLI_PARSE_USAGE);
    }
}

static void
test_cli_opt__help(void)
{
    const char *argv[] = {"test", "--help"};
    struct options o;
    const char *pos[2];
    size_t npos;

    CHECK(parse(&o, pos, &npos, 2, argv) == CLI_PARSE_HELP);
}

int
main(void)
{
    static const struct test_case cases[] = {
        TEST_CASE(test_cli_opt__cosign_spellings),
        TEST_CASE(test_cli_opt__booleans_lists_and_positionals),
        TEST_CASE(test_cli_opt__usage_errors),
        TEST_CASE(test_cli_opt__help),
    };
    return harness_run(cases, sizeof(cases) / sizeof(cases[0]));
}
