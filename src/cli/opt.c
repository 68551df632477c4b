#include "opt.h"

#include "error.h"
#include "util_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s %s: ", cli_program_name, cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun '%s %s --help' for usage.\n", cli_program_name, cmd->name);
    return CLI_EXIT_USAGE;
}

void
cli_opt_print_help(const struct cli_command *cmd)
{
    printf("usage: %s %s %s\n\n%s\n", cli_program_name, cmd->name, cmd->synopsis, cmd->summary);
    if (cmd->details != NULL)
        printf("\n%s\n", cmd->details);
    printf("\nOptions:\n");
    for (size_t i = 0; i < cmd->nopts; i++) {
        const struct cli_opt *o = &cmd->opts[i];
        char left[64];

        snprintf(left, sizeof(left), "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                 o->value ? " " : "", o->value ? o->value : "");
        printf("  %-34s %s\n", left, o->help);
    }
    printf("  %-34s %s\n", "-h, --help", "show this help");
}

static const struct cli_opt *
find_long(const struct cli_command *cmd, const char *name, size_t len)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return &cmd->opts[i];
    return NULL;
}

static const struct cli_opt *
find_short(const struct cli_command *cmd, char c)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (cmd->opts[i].short_name == c)
            return &cmd->opts[i];
    return NULL;
}

static enum cli_parse_result
store(const struct cli_command *cmd, const struct cli_opt *o, void *target, const char *value,
      const char *spelled, unsigned char *seen)
{
    char *field = (char *)target + o->offset;
    size_t index = (size_t)(o - cmd->opts);

    switch (o->type) {
    case CLI_OPT_STRING:
        if (seen[index]) {
            cli_usage_error(cmd, "option '%s' given more than once", spelled);
            return CLI_PARSE_USAGE;
        }
        *(const char **)(void *)field = value;
        break;
    case CLI_OPT_BOOL:
        if (seen[index]) {
            cli_usage_error(cmd, "option '%s' given more than once", spelled);
            return CLI_PARSE_USAGE;
        }
        if (value == NULL)
            *(int *)(void *)field = 1;
        else if (util_parse_bool((int *)(void *)field, value) != 0) {
            cli_usage_error(cmd, "option '%s' wants true or false, not '%s'", spelled, value);
            return CLI_PARSE_USAGE;
        }
        break;
    case CLI_OPT_LIST: {
        struct cli_list *list = (struct cli_list *)(void *)field;
        if (list->count == CLI_LIST_MAX) {
            cli_usage_error(cmd, "option '%s' given more than %d times", spelled, CLI_LIST_MAX);
            return CLI_PARSE_USAGE;
        }
        list->items[list->count++] = value;
        break;
    }
    }
    seen[index] = 1;
    return CLI_PARSE_OK;
}

enum cli_parse_result
cli_opt_parse(const struct cli_command *cmd, void *target, int argc, char **argv, const char **pos,
              size_t pos_max, size_t *npos)
{
    unsigned char seen[64] = {0};
    int only_positional = 0;

    *npos = 0;
    if (cmd->nopts > sizeof(seen))
        return CLI_PARSE_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *name, *eq, *value = NULL;
        const struct cli_opt *o;
        enum cli_parse_result r;

        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (*npos == pos_max) {
                cli_usage_error(cmd, "unexpected argument '%s'", arg);
                return CLI_PARSE_USAGE;
            }
            pos[(*npos)++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "-help") == 0) {
            cli_opt_print_help(cmd);
            return CLI_PARSE_HELP;
        }
        name = arg + (arg[1] == '-' ? 2 : 1);
        eq = strchr(name, '=');
        o = find_long(cmd, name, eq ? (size_t)(eq - name) : strlen(name));
        if (o == NULL && arg[1] != '-' && name[1] == '\0')
            o = find_short(cmd, name[0]);
        if (o == NULL) {
            cli_usage_error(cmd, "unknown option '%s'", arg);
            return CLI_PARSE_USAGE;
        }
        if (eq != NULL)
            value = eq + 1;
        else if (o->type != CLI_OPT_BOOL) {
            if (i + 1 == argc) {
                cli_usage_error(cmd, "option '%s' needs a value", arg);
                return CLI_PARSE_USAGE;
            }
            value = argv[++i];
        }
        if ((r = store(cmd, o, target, value, arg, seen)) != CLI_PARSE_OK)
            return r;
    }
    return CLI_PARSE_OK;
}
