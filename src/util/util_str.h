/*
 * String helpers shared by the library, the tool, the servers and the tests. No state.
 */
#ifndef SIGNET_UTIL_STR_H
#define SIGNET_UTIL_STR_H

#include <stddef.h>

/* Non-zero when @p s begins with @p prefix. */
int util_has_prefix(const char *s, const char *prefix);

/*
 * Parse a boolean as Go's strconv.ParseBool does (cosign's flags use it): 1 t T TRUE true True
 * and 0 f F FALSE false False. Returns 0 and sets *out, or -1 when @p s is none of those.
 */
int util_parse_bool(int *out, const char *s);

/* The value of the hexadecimal digit @p c (either case), or -1. */
int util_hex_value(int c);

#endif
