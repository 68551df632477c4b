/*
 * Table-driven option parsing for the subcommands. Accepts what cosign's flag library accepts:
 * --name value, --name=value, -name value (single-dash long names), -n value, boolean flags
 * with an optional =true/=false, options before and after positional arguments, and "--".
 */
#ifndef SIGNET_CLI_OPT_H
#define SIGNET_CLI_OPT_H

#include <stddef.h>

enum cli_opt_type {
    CLI_OPT_STRING, /* const char *; giving it twice is a usage error */
    CLI_OPT_BOOL,   /* int; --name, --name=true|false */
    CLI_OPT_LIST,   /* struct cli_list; may repeat */
};

struct cli_opt {
    const char *name; /* long name, without dashes */
    char short_name;  /* 0 when none */
    enum cli_opt_type type;
    size_t offset;     /* of the target inside the command's options struct */
    const char *value; /* value placeholder shown in help, e.g. "FILE" */
    const char *help;  /* one line */
};

#define CLI_LIST_MAX 64

struct cli_list {
    const char *items[CLI_LIST_MAX];
    size_t count;
};

struct cli_command {
    const char *name;     /* "sign-blob" */
    const char *synopsis; /* "[options] FILE" */
    const char *summary;  /* one line, shown in the command list */
    const char *details;  /* paragraphs shown by --help, may be NULL */
    const struct cli_opt *opts;
    size_t nopts;
};

#define CLI_OPTS(table) (table), (sizeof(table) / sizeof((table)[0]))

/* What cli_opt_parse() decided. */
enum cli_parse_result {
    CLI_PARSE_OK = 0,
    CLI_PARSE_HELP = 1,  /* --help was printed: exit 0 */
    CLI_PARSE_USAGE = 2, /* a usage error was printed: exit 129 */
};

/*
 * Parse argv[1..] (argv[0] is the command name) into @p target using the command's table.
 * Positional arguments are gathered, in order, into @p pos (at most @p pos_max; more is a
 * usage error) and counted in *npos.
 */
enum cli_parse_result cli_opt_parse(const struct cli_command *cmd, void *target, int argc,
                                    char **argv, const char **pos, size_t pos_max, size_t *npos);

/* Print "usage: signet NAME SYNOPSIS", the details and the option table to stdout. */
void cli_opt_print_help(const struct cli_command *cmd);

/* Print "signet NAME: MESSAGE" and a hint to run --help; returns the usage exit status. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
