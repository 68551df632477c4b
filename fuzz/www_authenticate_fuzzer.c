/*
 * signet_auth__parse_challenge() (internal): the WWW-Authenticate value of a registry's 401.
 * What parses has a scheme and fields that fit their arrays, and a challenge rebuilt from them
 * (every value quoted) parses back to the same fields. Strict mode compares it with a reader
 * of RFC 7235 challenge lists.
 */
#include "fuzz_common.h"
#include "registry_internal.h"

#include <strings.h>

static int
terminated(const char *field, size_t size)
{
    return memchr(field, '\0', size) != NULL;
}

/* Append @p value as a quoted-string. */
static size_t
put_quoted(char *out, size_t size, size_t n, const char *sep, const char *name, const char *value)
{
    n += (size_t)snprintf(out + n, size - n, "%s%s=\"", sep, name);
    for (; *value; value++) {
        if (*value == '"' || *value == '\\')
            out[n++] = '\\';
        out[n++] = *value;
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

static void
check_rebuilt(const struct signet_challenge *ch)
{
    /* scheme, then three names, quotes, and values that escaping at most doubles */
    char header[sizeof(ch->scheme) + 3 * (16 + 2 * SIGNET_CHALLENGE_FIELD_MAX)];
    struct signet_challenge again;
    signet_ctx *ctx = fuzz_begin();
    size_t n;

    n = (size_t)snprintf(header, sizeof(header), "%s", ch->scheme);
    n = put_quoted(header, sizeof(header), n, " ", "realm", ch->realm);
    n = put_quoted(header, sizeof(header), n, ",", "service", ch->service);
    n = put_quoted(header, sizeof(header), n, ",", "scope", ch->scope);
    FUZZ_CHECK(n < sizeof(header));
    FUZZ_CHECK(signet_auth__parse_challenge(&again, ctx, header) == SIGNET_OK);
    FUZZ_CHECK(strcmp(again.scheme, ch->scheme) == 0);
    FUZZ_CHECK(strcmp(again.realm, ch->realm) == 0);
    FUZZ_CHECK(strcmp(again.service, ch->service) == 0);
    FUZZ_CHECK(strcmp(again.scope, ch->scope) == 0);
    signet_ctx_free(ctx);
}

/*
 * A reference reader of RFC 7235 challenge lists, for the strict check:
 *
 *   header    = OWS challenge *( OWS "," OWS challenge ) OWS
 *   challenge = auth-scheme [ 1*SP auth-param *( OWS "," OWS auth-param ) ]
 *   auth-param = token "=" ( token / quoted-string )
 *
 * Deliberately narrow (no token68, no empty list elements, no space around "="): it only
 * accepts what every reader should. It records the first challenge's scheme and parameters.
 */
struct rfc_challenge {
    int valid;
    int duplicate; /* the first challenge repeats realm, service or scope */
    int too_long;  /* the first challenge has something signet has no room for */
    char scheme[sizeof(((struct signet_challenge *)0)->scheme)];
    char realm[SIGNET_CHALLENGE_FIELD_MAX], service[SIGNET_CHALLENGE_FIELD_MAX],
        scope[SIGNET_CHALLENGE_FIELD_MAX];
    int have_realm, have_service, have_scope;
};

static int
is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t
token_len(const char *p)
{
    size_t n = 0;

    while (is_tchar((unsigned char)p[n]))
        n++;
    return n;
}

static const char *
skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/*
 * Read the token or quoted-string value at p, into out unless NULL. Values of the first
 * challenge (too_long not NULL) are held to signet's limit, known parameters or not. Returns
 * the end of the value, or NULL if it is malformed.
 */
static const char *
rfc_value(const char *p, char *out, int *too_long)
{
    size_t n = 0;
    unsigned char c;

    if (*p != '"') {
        n = token_len(p);
        if (n == 0)
            return NULL;
        if (n >= SIGNET_CHALLENGE_FIELD_MAX && too_long != NULL)
            *too_long = 1;
        else if (out != NULL)
            snprintf(out, SIGNET_CHALLENGE_FIELD_MAX, "%.*s", (int)n, p);
        return p + n;
    }
    for (p++; (c = (unsigned char)*p) != '"'; p++) {
        if (c == '\\') {
            c = (unsigned char)*++p;
            if (c != '\t' && (c < ' ' || c == 0x7f))
                return NULL;
        } else if (c != '\t' && (c < ' ' || c == 0x7f)) {
            return NULL; /* includes the end of the string: no closing quote */
        }
        if (n + 1 >= SIGNET_CHALLENGE_FIELD_MAX) {
            if (too_long != NULL)
                *too_long = 1;
        } else if (out != NULL) {
            out[n] = (char)c;
        }
        n++;
    }
    if (out != NULL && n < SIGNET_CHALLENGE_FIELD_MAX)
        out[n] = '\0';
    return p + 1;
}

static void
rfc_parse(struct rfc_challenge *want, const char *header)
{
    const char *p = skip_ows(header);
    int first = 1;

    memset(want, 0, sizeof(*want));
    for (;;) {
        size_t len = token_len(p);

        /* auth-scheme */
        if (len == 0)
            return;
        if (first) {
            if (len >= sizeof(want->scheme))
                want->too_long = 1;
            else
                memcpy(want->scheme, p, len);
        }
        p += len;
        if (*p == ' ') {
            const char *q = p;
            while (*q == ' ')
                q++;
            len = token_len(q);
            if (len > 0 && q[len] == '=') {
                /* auth-params, until the end or a token that is not followed by "=" */
                p = q;
                for (;;) {
                    char *out = NULL;
                    int *have = NULL;

                    len = token_len(p);
                    if (first && len == 5 && strncasecmp(p, "realm", 5) == 0)
                        out = want->realm, have = &want->have_realm;
                    else if (first && len == 7 && strncasecmp(p, "service", 7) == 0)
                        out = want->service, have = &want->have_service;
                    else if (first && len == 5 && strncasecmp(p, "scope", 5) == 0)
                        out = want->scope, have = &want->have_scope;
                    if (first && len >= 32)
                        want->too_long = 1; /* signet's name limit */
                    if (have != NULL && (*have)++)
                        want->duplicate = 1;
                    p = rfc_value(p + len + 1, out, first ? &want->too_long : NULL);
                    if (p == NULL)
                        return;
                    q = skip_ows(p);
                    if (*q != ',')
                        break;
                    q = skip_ows(q + 1);
                    len = token_len(q);
                    if (len == 0 || q[len] != '=')
                        break; /* the next challenge, or garbage */
                    p = q;
                }
            }
        }
        p = skip_ows(p);
        if (*p == '\0') {
            want->valid = 1;
            return;
        }
        if (*p != ',')
            return;
        p = skip_ows(p + 1);
        first = 0;
    }
}

/*
 * Strict: registry_internal.h promises the first challenge of a WWW-Authenticate value, and
 * cosign (go-containerregistry, with distribution's challenge parser) reads the first
 * challenge of a list and stops at the second. A well-formed list must parse, to its first
 * challenge's scheme and parameters.
 */
static void
check_as_rfc7235(const char *header, int rc, const struct signet_challenge *ch)
{
    struct rfc_challenge want;

    rfc_parse(&want, header);
    if (!want.valid || want.duplicate || want.too_long)
        return;
    FUZZ_CHECK(rc == SIGNET_OK);
    FUZZ_CHECK(strcmp(ch->scheme, want.scheme) == 0);
    FUZZ_CHECK(strcmp(ch->realm, want.realm) == 0);
    FUZZ_CHECK(strcmp(ch->service, want.service) == 0);
    FUZZ_CHECK(strcmp(ch->scope, want.scope) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct signet_challenge ch;
    signet_ctx *ctx = fuzz_begin();
    char *header = fuzz_cstring(data, size);
    int rc;

    rc = signet_auth__parse_challenge(&ch, ctx, header);
    fuzz_check_rc(ctx, rc, FUZZ_RC(SIGNET_EPROTOCOL), rc == SIGNET_OK);
    if (rc == SIGNET_OK) {
        FUZZ_CHECK(terminated(ch.scheme, sizeof(ch.scheme)));
        FUZZ_CHECK(terminated(ch.realm, sizeof(ch.realm)));
        FUZZ_CHECK(terminated(ch.service, sizeof(ch.service)));
        FUZZ_CHECK(terminated(ch.scope, sizeof(ch.scope)));
        FUZZ_CHECK(ch.scheme[0] != '\0');
        FUZZ_CHECK(strpbrk(ch.scheme, " \t") == NULL);
        check_rebuilt(&ch);
    }
    if (fuzz_strict())
        check_as_rfc7235(header, rc, &ch);
    free(header);
    signet_ctx_free(ctx);
    return 0;
}
