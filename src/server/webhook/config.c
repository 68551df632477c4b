/*
 * The webhook's configuration file, read with libyaml: first a pass over the events, which
 * refuses what the document API would hide or what we never need (aliases, anchors, tags, more
 * than one document, deep nesting), then the document. Every key is known and typed, every name
 * resolves, and every file and key the configuration names is loaded here, so that a
 * configuration that loads works. Values are typed as YAML 1.2's core schema types them (and
 * Kubernetes' JSON would): "true" is a boolean and "1" an integer, never a string.
 */
#include "config.h"

#include "cache.h" /* WH_CACHE_HMAC_KEY_MIN */

/* signet_file__read() with SIGNET_FILE__FOLLOW: files mounted from ConfigMaps and Secrets are
 * symbolic links. */
#include "internal.h"
#include "registries_d_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include <openssl/evp.h>

#define DEPTH_MAX       16           /* nesting of mappings and lists; the schema needs 4 */
#define ROOTS_MAX       256          /* trust roots */
#define VALIDATORS_MAX  256          /* validators */
#define RULES_MAX       4096         /* rules */
#define LIST_MAX        256          /* entries of any other list or mapping */
#define SIGNERS_MAX     64           /* trust roots of one validator: a bit each in a uint64_t */
#define PATH_LEN_MAX    4096         /* a path or URL, NUL included */
#define KEY_BYTES_MAX   (256 * 1024) /* a trust root's key or OpenPGP keyring */
#define CA_FILE_MAX     (4 * 1024 * 1024)
#define SECRET_FILE_MAX (1024 * 1024) /* auth and password files */
#define HMAC_KEY_MAX    1024          /* redis.hmacKeyFile: far more than HMAC-SHA256 uses */
#define NAMESPACE_MAX   64            /* a Kubernetes namespace: a DNS label, NUL included */
#define HOST_MAX        256           /* "host[:port]" of registries.allowHttp, NUL included */
#define QUOTE_MAX       64            /* bytes of a value quoted in a message */

#define Q(key) "\"" key "\""
#define F(name)                                                                                    \
    {                                                                                              \
        .key = (name)                                                                              \
    }

/* What a YAML node holds, as YAML 1.2's core schema resolves plain scalars. */
enum kind { K_NULL, K_BOOL, K_INT, K_FLOAT, K_STRING, K_LIST, K_MAP };

enum root_use { USE_COSIGN = 1, USE_GPG = 2 };

struct parse {
    yaml_document_t doc;
    const char *name;
    char *err;
    char dir[PATH_LEN_MAX]; /* relative paths are relative to this ("" for the working dir) */
    signet_ctx *ctx;
    wh_config *cfg;
    const yaml_node_t **root_key; /* per trust root: the node of its key, keyFile or keyRef */
    unsigned char *root_use;      /* per trust root: enum root_use bits */
    signet_buf *policy_bytes;     /* per validator: the policy document (policy validators) */
    unsigned char resources_sha[32];
};

/* One key of a mapping the schema knows, and what the document gave for it. */
struct field {
    const char *key;
    const yaml_node_t *key_node, *value;
};

/* ---- messages ---- */

/* @p s quoted for a message: escapes for '"', '\\' and bytes outside printable ASCII, and at
 * most QUOTE_MAX bytes of it. */
static const char *
quote(char *out, size_t size, const void *s, size_t len)
{
    const unsigned char *b = s;
    size_t o = 0;

    out[o++] = '"';
    for (size_t i = 0; i < len && o + 8 < size; i++) {
        if (i == QUOTE_MAX) {
            o += (size_t)snprintf(out + o, size - o, "...");
            break;
        }
        if (b[i] == '"' || b[i] == '\\')
            o += (size_t)snprintf(out + o, size - o, "\\%c", b[i]);
        else if (b[i] < 0x20 || b[i] > 0x7e)
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", b[i]);
        else
            out[o++] = (char)b[i];
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

/* Record "NAME:LINE:COLUMN: message" (the first error wins) and return @p code. */
static int fail_at(struct parse *p, int code, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail_at(struct parse *p, int code, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->err[0] != '\0')
        return code;
    n = snprintf(p->err, WH_CONFIG_ERROR_MAX, "%s:%zu:%zu: ", p->name, mark.line + 1,
                 mark.column + 1);
    if (n > 0 && n < WH_CONFIG_ERROR_MAX) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, WH_CONFIG_ERROR_MAX - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* One line, whatever a libsignet message passed through may hold. */
    for (char *c = p->err; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    return code;
}

#define fail(p, node, ...) fail_at((p), SIGNET_EPARSE, (node)->start_mark, __VA_ARGS__)

/* A libsignet failure at @p node: its code, and its message after @p what. */
static int
fail_signet(struct parse *p, int code, const yaml_node_t *node, const char *what)
{
    code = fail_at(p, code, node->start_mark, "%s%s", what, signet_ctx_error(p->ctx));
    signet_ctx_clear_error(p->ctx);
    return code;
}

static int
fail_yaml(struct parse *p, const yaml_parser_t *parser)
{
    yaml_mark_t mark = parser->problem_mark;

    if (parser->error == YAML_MEMORY_ERROR)
        return fail_at(p, SIGNET_ENOMEM, mark, "out of memory");
    if (parser->error == YAML_READER_ERROR) {
        /* The reader gives a byte offset: count lines and characters up to it. */
        const unsigned char *s = parser->input.string.start;
        memset(&mark, 0, sizeof(mark));
        for (size_t i = 0; s != NULL && i < parser->problem_offset; i++) {
            if (s[i] == '\n') {
                mark.line++;
                mark.column = 0;
            } else if ((s[i] & 0xc0) != 0x80) {
                mark.column++;
            }
        }
    }
    if (parser->context != NULL)
        return fail_at(p, SIGNET_EPARSE, mark, "invalid YAML: %s %s",
                       parser->problem ? parser->problem : "error", parser->context);
    return fail_at(p, SIGNET_EPARSE, mark, "invalid YAML: %s",
                   parser->problem ? parser->problem : "error");
}

/* ---- typed values ---- */

static int
scalar_is(const yaml_node_t *n, const char *const *words, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (n->data.scalar.length == strlen(words[i]) &&
            memcmp(n->data.scalar.value, words[i], n->data.scalar.length) == 0)
            return 1;
    return 0;
}

static int
scalar_eq(const yaml_node_t *n, const char *word)
{
    return scalar_is(n, &word, 1);
}

static size_t
digits(const char *s, const char *set)
{
    return strspn(s, set);
}

static int
is_int(const char *s)
{
    size_t n;

    if (s[0] == '0' && s[1] == 'x')
        return (n = digits(s + 2, "0123456789abcdefABCDEF")) > 0 && s[2 + n] == '\0';
    if (s[0] == '0' && s[1] == 'o')
        return (n = digits(s + 2, "01234567")) > 0 && s[2 + n] == '\0';
    if (*s == '-' || *s == '+')
        s++;
    return (n = digits(s, "0123456789")) > 0 && s[n] == '\0';
}

static int
is_float(const char *s)
{
    static const char *const special[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"};
    size_t whole, frac = 0;

    if (*s == '-' || *s == '+')
        s++;
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
        if (strcmp(s, special[i]) == 0)
            return 1;
    whole = digits(s, "0123456789");
    s += whole;
    if (*s == '.') {
        frac = digits(s + 1, "0123456789");
        s += 1 + frac;
    }
    if (whole + frac == 0)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (digits(s, "0123456789") == 0)
            return 0;
        s += digits(s, "0123456789");
    }
    return *s == '\0';
}

static enum kind
kind_of(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    const char *s = (const char *)n->data.scalar.value;

    if (n->type == YAML_MAPPING_NODE)
        return K_MAP;
    if (n->type == YAML_SEQUENCE_NODE)
        return K_LIST;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return K_STRING;
    if (scalar_is(n, nulls, sizeof(nulls) / sizeof(nulls[0])))
        return K_NULL;
    if (scalar_is(n, bools, sizeof(bools) / sizeof(bools[0])))
        return K_BOOL;
    if (strlen(s) == n->data.scalar.length && is_int(s))
        return K_INT;
    if (strlen(s) == n->data.scalar.length && is_float(s))
        return K_FLOAT;
    return K_STRING;
}

/* "the integer 5", "a list": what a node holds, for messages. */
static const char *
describe(char *out, size_t size, const yaml_node_t *n)
{
    static const char *const kinds[] = {[K_BOOL] = "the boolean ",
                                        [K_INT] = "the integer ",
                                        [K_FLOAT] = "the number ",
                                        [K_STRING] = "the string "};
    char q[QUOTE_MAX * 4 + 16];
    enum kind k = kind_of(n);

    if (k == K_MAP || k == K_LIST || k == K_NULL) {
        snprintf(out, size, "%s", k == K_MAP ? "a mapping" : k == K_LIST ? "a list" : "null");
        return out;
    }
    if (k == K_STRING)
        quote(q, sizeof(q), n->data.scalar.value, n->data.scalar.length);
    else
        snprintf(q, sizeof(q), "%.*s", QUOTE_MAX, (const char *)n->data.scalar.value);
    snprintf(out, size, "%s%s", kinds[k], q);
    return out;
}

static int
must_be(struct parse *p, const yaml_node_t *n, const char *label, const char *expected)
{
    char got[QUOTE_MAX * 4 + 32];

    return fail(p, n, "%s must be %s, got %s", label, expected, describe(got, sizeof(got), n));
}

/* A non-empty string of at most @p size - 1 bytes, without control characters (so that
 * messages quoting it stay one line), into @p out. */
static int
get_str(struct parse *p, const yaml_node_t *n, const char *label, char *out, size_t size)
{
    size_t len;

    if (kind_of(n) != K_STRING)
        return must_be(p, n, label, "a string");
    len = n->data.scalar.length;
    if (len == 0)
        return fail(p, n, "%s must not be empty", label);
    for (size_t i = 0; i < len; i++)
        if (n->data.scalar.value[i] < 0x20 || n->data.scalar.value[i] == 0x7f)
            return fail(p, n, "%s contains a control character", label);
    if (len >= size)
        return fail(p, n, "%s is longer than %zu bytes", label, size - 1);
    memcpy(out, n->data.scalar.value, len + 1);
    return SIGNET_OK;
}

/* The same, into a new string. */
static int
get_strdup(struct parse *p, const yaml_node_t *n, const char *label, size_t size, char **out)
{
    int rc;

    if (kind_of(n) == K_STRING && n->data.scalar.length >= size)
        return fail(p, n, "%s is longer than %zu bytes", label, size - 1);
    if ((*out = malloc(size < n->data.scalar.length + 1 ? size : n->data.scalar.length + 1)) ==
        NULL)
        return fail_at(p, SIGNET_ENOMEM, n->start_mark, "out of memory");
    if ((rc = get_str(p, n, label, *out, size)) != SIGNET_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static int
get_bool(struct parse *p, const yaml_node_t *n, const char *label, int *out)
{
    if (kind_of(n) != K_BOOL)
        return must_be(p, n, label, "a boolean (true or false)");
    *out = n->data.scalar.value[0] == 't' || n->data.scalar.value[0] == 'T';
    return SIGNET_OK;
}

/* A decimal integer in [@p min, @p max]. */
static int
get_uint(struct parse *p, const yaml_node_t *n, const char *label, unsigned long long min,
         unsigned long long max, unsigned long long *out)
{
    const char *s = (const char *)n->data.scalar.value;
    unsigned long long v = 0;
    int negative = 0, over = 0;

    if (kind_of(n) != K_INT)
        return must_be(p, n, label, "an integer");
    if (*s == '-' || *s == '+')
        negative = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o'))
        return fail(p, n, "%s must be a decimal integer, got %.*s", label, QUOTE_MAX,
                    (const char *)n->data.scalar.value);
    for (; *s != '\0'; s++) {
        if (v > (ULLONG_MAX - (unsigned long long)(*s - '0')) / 10)
            over = 1;
        else
            v = v * 10 + (unsigned long long)(*s - '0');
    }
    if (over || (negative && v != 0) || v < min || v > max)
        return fail(p, n, "%s must be between %llu and %llu, got %.*s", label, min, max, QUOTE_MAX,
                    (const char *)n->data.scalar.value);
    *out = v;
    return SIGNET_OK;
}

/* A number (integer or decimal) in [@p min, @p max]. */
static int
get_number(struct parse *p, const yaml_node_t *n, const char *label, double min, double max,
           double *out)
{
    const char *s = (const char *)n->data.scalar.value;
    enum kind k = kind_of(n);
    char *end;
    double v;

    if ((k != K_INT && k != K_FLOAT) || (k == K_INT && s[0] == '0' && s[1] != '\0'))
        return must_be(p, n, label, "a decimal number");
    errno = 0;
    v = strtod(s, &end);
    /* strtod() does not read YAML's .inf and .nan: they end it at once. */
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return fail(p, n, "%s must be between %g and %g, got %.*s", label, min, max, QUOTE_MAX, s);
    *out = v;
    return SIGNET_OK;
}

static const yaml_node_t *
node_at(struct parse *p, int index)
{
    return yaml_document_get_node(&p->doc, index);
}

/*
 * The pairs of mapping @p map into the fields @p f of the schema: unknown and repeated keys are
 * errors naming @p what ("validator"), and so is a node that is not a mapping (@p label).
 */
static int
get_fields(struct parse *p, const yaml_node_t *map, const char *label, const char *what,
           struct field *f, size_t n)
{
    char q[QUOTE_MAX * 4 + 16];

    if (map->type != YAML_MAPPING_NODE)
        return must_be(p, map, label, "a mapping");
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
         pair++) {
        const yaml_node_t *key = node_at(p, pair->key);
        size_t i;

        if (key->type != YAML_SCALAR_NODE)
            return fail(p, key, "a key in %s must be a string", what);
        for (i = 0; i < n; i++)
            if (strlen(f[i].key) == key->data.scalar.length &&
                memcmp(f[i].key, key->data.scalar.value, key->data.scalar.length) == 0)
                break;
        if (i == n)
            return fail(p, key, "unknown key %s in %s",
                        quote(q, sizeof(q), key->data.scalar.value, key->data.scalar.length), what);
        if (f[i].value != NULL)
            return fail(p, key, "duplicate key \"%s\" in %s (first at line %zu)", f[i].key, what,
                        f[i].key_node->start_mark.line + 1);
        f[i].key_node = key;
        f[i].value = node_at(p, pair->value);
    }
    return SIGNET_OK;
}

static int
need(struct parse *p, const yaml_node_t *map, const struct field *f, const char *what)
{
    if (f->value == NULL)
        return fail(p, map, "missing key \"%s\" in %s", f->key, what);
    return SIGNET_OK;
}

/* The number of entries of list @p n, which may have at most @p max. */
static int
get_list(struct parse *p, const yaml_node_t *n, const char *label, size_t max, size_t *count)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return must_be(p, n, label, "a list");
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (*count > max)
        return fail(p, n, "%s has more than %zu entries", label, max);
    return SIGNET_OK;
}

static const yaml_node_t *
list_item(struct parse *p, const yaml_node_t *list, size_t i)
{
    return node_at(p, list->data.sequence.items.start[i]);
}

/* Names of trust roots and validators: they appear in logs, metrics and messages. */
static int
get_name(struct parse *p, const yaml_node_t *n, char out[WH_NAME_MAX])
{
    char q[QUOTE_MAX * 4 + 16];
    int rc;

    if ((rc = get_str(p, n, Q("name"), out, WH_NAME_MAX)) != SIGNET_OK)
        return rc;
    if (out[strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")])
        return fail(p, n, "name %s may hold only letters, digits, '.', '_' and '-'",
                    quote(q, sizeof(q), out, strlen(out)));
    return SIGNET_OK;
}

/* A list of distinct strings, each checked by @p check when not NULL. */
static int
get_str_list(struct parse *p, const yaml_node_t *n, const char *key, size_t size,
             int (*check)(struct parse *, const yaml_node_t *, const char *), char ***out,
             size_t *count)
{
    char label[64], entry[80];
    size_t len;
    int rc;

    snprintf(label, sizeof(label), "\"%s\"", key);
    snprintf(entry, sizeof(entry), "an entry of \"%s\"", key);
    if ((rc = get_list(p, n, label, LIST_MAX, &len)) != SIGNET_OK || len == 0)
        return rc;
    if ((*out = calloc(len, sizeof(**out))) == NULL)
        return fail_at(p, SIGNET_ENOMEM, n->start_mark, "out of memory");
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *item = list_item(p, n, i);
        if ((rc = get_strdup(p, item, entry, size, &(*out)[i])) != SIGNET_OK)
            return rc;
        (*count)++;
        if (check != NULL && (rc = check(p, item, (*out)[i])) != SIGNET_OK)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j], (*out)[i]) == 0)
                return fail(p, item, "%s lists \"%s\" twice", label, (*out)[i]);
    }
    return SIGNET_OK;
}

/* ---- files ---- */

/* @p path as written, made relative to the configuration's directory. */
static int
resolve_path(struct parse *p, const yaml_node_t *n, const char *path, char **out)
{
    size_t size = strlen(p->dir) + strlen(path) + 2;

    if (path[0] == '/' || p->dir[0] == '\0')
        size = strlen(path) + 1;
    if (size > PATH_LEN_MAX)
        return fail(p, n, "path is longer than %d bytes", PATH_LEN_MAX - 1);
    if ((*out = malloc(size)) == NULL)
        return fail_at(p, SIGNET_ENOMEM, n->start_mark, "out of memory");
    if (path[0] == '/' || p->dir[0] == '\0') {
        memcpy(*out, path, size);
    } else {
        size_t dir_len = strlen(p->dir);
        memcpy(*out, p->dir, dir_len);
        (*out)[dir_len] = '/';
        memcpy(*out + dir_len + 1, path, size - dir_len - 1); /* its NUL included */
    }
    return SIGNET_OK;
}

/* A path value: a string, resolved. */
static int
get_path(struct parse *p, const yaml_node_t *n, const char *label, char **out)
{
    char path[PATH_LEN_MAX];
    int rc;

    if ((rc = get_str(p, n, label, path, sizeof(path))) != SIGNET_OK)
        return rc;
    return resolve_path(p, n, path, out);
}

/* Read @p path (following symbolic links) into @p buf, of at most @p max bytes. */
static int
read_file(struct parse *p, const yaml_node_t *n, const char *path, size_t max, int secret,
          signet_buf *buf, const char *what)
{
    struct stat st;
    int rc;

    /* A FIFO or a terminal would block the start for ever. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return fail(p, n, "%scannot read '%s': not a regular file", what, path);
    signet_buf_init(buf, max, secret);
    if ((rc = signet_file__read(buf, p->ctx, path, SIGNET_FILE__FOLLOW)) != SIGNET_OK)
        return fail_signet(p, rc, n, what);
    return SIGNET_OK;
}

/* A file the server reads later: it must be readable now. */
static int
check_file(struct parse *p, const yaml_node_t *n, const char *path, size_t max, int secret)
{
    signet_buf buf = SIGNET_BUF_INIT;
    int rc = read_file(p, n, path, max, secret, &buf, "");

    signet_buf_dispose(&buf);
    return rc;
}

/* The bytes of a kbs:/// resource (needs "resources:"). */
static int
get_resource(struct parse *p, const yaml_node_t *n, const char *uri, size_t max, signet_buf *buf)
{
    int rc;

    if (p->cfg->kbs == NULL)
        return fail(p, n,
                    "\"%s\" is a KBS resource: \"resources\" (an offline-fs-kbc resource "
                    "file) is needed",
                    uri);
    signet_buf_init(buf, max, 0);
    if ((rc = signet_kbs_resource_get(buf, p->ctx, p->cfg->kbs, uri)) != SIGNET_OK)
        return fail_signet(p, rc, n, "");
    return SIGNET_OK;
}

static int
is_kbs(const char *s)
{
    return strncmp(s, "kbs://", 6) == 0 || strncmp(s, "kbs+", 4) == 0;
}

/* ---- trust roots ---- */

static int
parse_trust_root(struct parse *p, const yaml_node_t *map, size_t index)
{
    struct field f[] = {F("name"), F("key"), F("keyFile"), F("keyRef")};
    wh_trust_root *root = &p->cfg->trust_roots[index];
    signet_buf bytes = SIGNET_BUF_INIT;
    const yaml_node_t *src = NULL;
    char *path = NULL;
    int rc;

    root->line = (int)map->start_mark.line + 1;
    if ((rc = get_fields(p, map, "an entry of \"trustRoots\"", "trust root", f, 4)) != SIGNET_OK ||
        (rc = need(p, map, &f[0], "trust root")) != SIGNET_OK ||
        (rc = get_name(p, f[0].value, root->name)) != SIGNET_OK)
        goto out;
    for (size_t i = 0; i < index; i++)
        if (strcmp(p->cfg->trust_roots[i].name, root->name) == 0) {
            rc = fail(p, f[0].value, "duplicate trust root \"%s\" (first at line %d)", root->name,
                      p->cfg->trust_roots[i].line);
            goto out;
        }
    for (size_t i = 1; i < 4; i++) {
        if (f[i].value == NULL)
            continue;
        if (src != NULL) {
            rc = fail(p, f[i].key_node, "trust root \"%s\" has both \"%s\" and \"%s\"", root->name,
                      f[src == f[1].value ? 1 : 2].key, f[i].key);
            goto out;
        }
        src = f[i].value;
    }
    if (src == NULL) {
        rc = fail(p, map, "trust root \"%s\" needs one of \"key\", \"keyFile\" or \"keyRef\"",
                  root->name);
        goto out;
    }
    p->root_key[index] = src;
    if (src == f[1].value) {
        if (kind_of(src) != K_STRING) {
            rc = must_be(p, src, Q("key"), "a string");
            goto out;
        }
        if (src->data.scalar.length > KEY_BYTES_MAX) {
            rc = fail(p, src, Q("key") " is longer than %d bytes", KEY_BYTES_MAX);
            goto out;
        }
        snprintf(root->source, sizeof(root->source), "inline");
        signet_buf_init(&bytes, KEY_BYTES_MAX, 0);
        if ((rc = signet_buf_put(&bytes, src->data.scalar.value, src->data.scalar.length)) !=
            SIGNET_OK) {
            rc = fail_at(p, rc, src->start_mark, "out of memory");
            goto out;
        }
    } else if (src == f[2].value) {
        if ((rc = get_path(p, src, Q("keyFile"), &path)) != SIGNET_OK ||
            (rc = read_file(p, src, path, KEY_BYTES_MAX, 0, &bytes, "")) != SIGNET_OK)
            goto out;
        snprintf(root->source, sizeof(root->source), "%s", path);
    } else {
        if ((rc = get_str(p, src, Q("keyRef"), root->source, sizeof(root->source))) != SIGNET_OK ||
            (rc = get_resource(p, src, root->source, KEY_BYTES_MAX, &bytes)) != SIGNET_OK)
            goto out;
    }
    if (bytes.size == 0) {
        rc = fail(p, src, "trust root \"%s\": the key is empty", root->name);
        goto out;
    }
    if ((root->key = malloc(bytes.size)) == NULL) {
        rc = fail_at(p, SIGNET_ENOMEM, src->start_mark, "out of memory");
        goto out;
    }
    memcpy(root->key, bytes.ptr, bytes.size);
    root->key_len = bytes.size;
out:
    free(path);
    signet_buf_dispose(&bytes);
    return rc;
}

static int
find_root(const wh_config *cfg, const char *name, size_t *index)
{
    for (size_t i = 0; i < cfg->trust_roots_count; i++)
        if (strcmp(cfg->trust_roots[i].name, name) == 0) {
            *index = i;
            return 1;
        }
    return 0;
}

/* A cosign root: a public key PEM. */
static int
check_cosign_root(struct parse *p, size_t i)
{
    wh_trust_root *root = &p->cfg->trust_roots[i];
    char what[WH_NAME_MAX + 32];
    int rc;

    rc = signet_key_parse_public(&root->public_key, p->ctx, root->key, root->key_len, root->source);
    if (rc != SIGNET_OK) {
        snprintf(what, sizeof(what), "trust root \"%s\": ", root->name);
        return fail_signet(p, rc, p->root_key[i], what);
    }
    return SIGNET_OK;
}

/* A GPG root: OpenPGP public keys that import into a keyring of their own. */
static int
check_gpg_root(struct parse *p, size_t i)
{
    static const char secret_armor[] = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
    wh_trust_root *root = &p->cfg->trust_roots[i];
    char what[WH_NAME_MAX + 32];
    signet_gpg *gpg = NULL;
    unsigned char tag = root->key[0];
    int rc, secret_packet;

    snprintf(what, sizeof(what), "trust root \"%s\": ", root->name);
    /* A secret key packet (tag 5, new or old format), armoured or not, must not be a root. */
    secret_packet = (tag & 0xc0) == 0xc0 ? (tag & 0x3f) == 5 : (tag & 0x80) && (tag >> 2) == 0x25;
    if (secret_packet ||
        memmem(root->key, root->key_len, secret_armor, sizeof(secret_armor) - 1) != NULL)
        return fail(p, p->root_key[i], "%sholds an OpenPGP secret key: give the public key", what);
    if ((rc = signet_gpg_new(&gpg, p->ctx, 1, NULL)) == SIGNET_OK)
        rc = signet_gpg_import(gpg, p->ctx, root->key, root->key_len, root->source);
    if (rc != SIGNET_OK)
        rc = fail_signet(p, rc, p->root_key[i], what);
    signet_gpg_free(gpg);
    return rc;
}

/* ---- validators ---- */

static const char *const type_names[] = {
    [WH_VALIDATOR_COSIGN] = "cosign",
    [WH_VALIDATOR_GPG] = "gpg",
    [WH_VALIDATOR_STATIC] = "static",
    [WH_VALIDATOR_POLICY] = "policy",
};

enum vfield {
    VF_NAME,
    VF_TYPE,
    VF_TRUST_ROOTS,
    VF_THRESHOLD,
    VF_REQUIRED,
    VF_SIGNATURE_REPOSITORY,
    VF_ANNOTATIONS,
    VF_REGISTRIES_D,
    VF_APPROVE,
    VF_POLICY,
    VF_COUNT
};

/* Which fields each type takes (bit per enum vfield), and which it needs. */
#define VF(x) (1u << (x))
static const unsigned int type_fields[] = {
    [WH_VALIDATOR_COSIGN] = VF(VF_TRUST_ROOTS) | VF(VF_THRESHOLD) | VF(VF_REQUIRED) |
                            VF(VF_SIGNATURE_REPOSITORY) | VF(VF_ANNOTATIONS),
    [WH_VALIDATOR_GPG] =
        VF(VF_TRUST_ROOTS) | VF(VF_THRESHOLD) | VF(VF_REQUIRED) | VF(VF_REGISTRIES_D),
    [WH_VALIDATOR_STATIC] = VF(VF_APPROVE),
    [WH_VALIDATOR_POLICY] = VF(VF_POLICY) | VF(VF_REGISTRIES_D),
};
static const unsigned int type_needs[] = {
    [WH_VALIDATOR_COSIGN] = VF(VF_TRUST_ROOTS),
    [WH_VALIDATOR_GPG] = VF(VF_TRUST_ROOTS),
    [WH_VALIDATOR_STATIC] = VF(VF_APPROVE),
    [WH_VALIDATOR_POLICY] = VF(VF_POLICY),
};

/* trustRoots, threshold and required of a cosign or gpg validator. */
static int
parse_roots(struct parse *p, wh_validator *v, const struct field *f)
{
    const yaml_node_t *list = f[VF_TRUST_ROOTS].value;
    char name[WH_NAME_MAX];
    unsigned long long threshold;
    size_t count, index;
    int rc;

    if ((rc = get_list(p, list, Q("trustRoots"), SIGNERS_MAX, &count)) != SIGNET_OK)
        return rc;
    if (count == 0)
        return fail(p, list, Q("trustRoots") " must not be empty");
    if ((v->trust_roots = calloc(count, sizeof(*v->trust_roots))) == NULL)
        return fail_at(p, SIGNET_ENOMEM, list->start_mark, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const yaml_node_t *item = list_item(p, list, i);
        if ((rc = get_str(p, item, "an entry of " Q("trustRoots"), name, sizeof(name))) !=
            SIGNET_OK)
            return rc;
        if (!find_root(p->cfg, name, &index))
            return fail(p, item, "unknown trust root \"%s\"", name);
        for (size_t j = 0; j < i; j++)
            if (v->trust_roots[j] == index)
                return fail(p, item, Q("trustRoots") " lists \"%s\" twice", name);
        v->trust_roots[v->trust_roots_count++] = index;
        p->root_use[index] |= v->type == WH_VALIDATOR_COSIGN ? USE_COSIGN : USE_GPG;
    }
    if (f[VF_THRESHOLD].value != NULL) {
        if ((rc = get_uint(p, f[VF_THRESHOLD].value, Q("threshold"), 1, count, &threshold)) !=
            SIGNET_OK)
            return rc;
        v->threshold = (size_t)threshold;
    }
    if (f[VF_REQUIRED].value == NULL)
        return SIGNET_OK;
    list = f[VF_REQUIRED].value;
    if ((rc = get_list(p, list, Q("required"), count, &count)) != SIGNET_OK)
        return rc;
    if (count > 0 && (v->required = calloc(count, sizeof(*v->required))) == NULL)
        return fail_at(p, SIGNET_ENOMEM, list->start_mark, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const yaml_node_t *item = list_item(p, list, i);
        size_t k;
        if ((rc = get_str(p, item, "an entry of " Q("required"), name, sizeof(name))) != SIGNET_OK)
            return rc;
        for (k = 0; k < v->trust_roots_count; k++)
            if (strcmp(p->cfg->trust_roots[v->trust_roots[k]].name, name) == 0)
                break;
        if (k == v->trust_roots_count)
            return fail(p, item, "required trust root \"%s\" is not in " Q("trustRoots"), name);
        for (size_t j = 0; j < i; j++)
            if (v->required[j] == v->trust_roots[k])
                return fail(p, item, Q("required") " lists \"%s\" twice", name);
        v->required[v->required_count++] = v->trust_roots[k];
    }
    return SIGNET_OK;
}

/* A repository without tag or digest ("host/repo"), as --signature-repository takes. */
static int
check_repository(struct parse *p, const yaml_node_t *n, const char *text)
{
    const char *last = strrchr(text, '/');
    signet_reference ref;

    if (signet_reference_parse(&ref, p->ctx, text) != SIGNET_OK || strchr(text, '@') != NULL ||
        strchr(last != NULL ? last : text, ':') != NULL) {
        signet_ctx_clear_error(p->ctx);
        return fail(p, n,
                    "invalid " Q("signatureRepository") " \"%s\": want a repository without "
                                                        "tag or digest",
                    text);
    }
    return SIGNET_OK;
}

static int
parse_annotations(struct parse *p, wh_validator *v, const yaml_node_t *map)
{
    size_t count, klen;
    char key[256], value[1024], q[QUOTE_MAX * 4 + 16];
    int rc;

    if (map->type != YAML_MAPPING_NODE)
        return must_be(p, map, Q("annotations"), "a mapping");
    count = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (count > LIST_MAX)
        return fail(p, map, Q("annotations") " has more than %d entries", LIST_MAX);
    if (count > 0 && (v->annotations = calloc(count, sizeof(*v->annotations))) == NULL)
        return fail_at(p, SIGNET_ENOMEM, map->start_mark, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const yaml_node_pair_t *pair = &map->data.mapping.pairs.start[i];
        const yaml_node_t *kn = node_at(p, pair->key), *vn = node_at(p, pair->value);
        if ((rc = get_str(p, kn, "an annotation key", key, sizeof(key))) != SIGNET_OK)
            return rc;
        if (strchr(key, '=') != NULL)
            return fail(p, kn, "annotation key %s contains '='",
                        quote(q, sizeof(q), key, strlen(key)));
        klen = strlen(key);
        for (size_t j = 0; j < v->annotations_count; j++)
            if (strncmp(v->annotations[j], key, klen) == 0 && v->annotations[j][klen] == '=')
                return fail(p, kn, "duplicate annotation %s",
                            quote(q, sizeof(q), key, strlen(key)));
        if ((rc = get_str(p, vn, "an annotation value", value, sizeof(value))) != SIGNET_OK)
            return rc;
        if ((v->annotations[i] = malloc(klen + strlen(value) + 2)) == NULL)
            return fail_at(p, SIGNET_ENOMEM, kn->start_mark, "out of memory");
        snprintf(v->annotations[i], klen + strlen(value) + 2, "%s=%s", key, value);
        v->annotations_count++;
    }
    return SIGNET_OK;
}

/* A containers-policy.json file or kbs:/// resource. */
static int
load_policy(struct parse *p, wh_validator *v, const yaml_node_t *n, signet_buf *bytes)
{
    char text[PATH_LEN_MAX];
    int rc;

    if ((rc = get_str(p, n, Q("policy"), text, sizeof(text))) != SIGNET_OK)
        return rc;
    if (is_kbs(text)) {
        if ((v->policy_path = strdup(text)) == NULL)
            return fail_at(p, SIGNET_ENOMEM, n->start_mark, "out of memory");
        rc = get_resource(p, n, text, SIGNET_POLICY_MAX, bytes);
    } else {
        if ((rc = resolve_path(p, n, text, &v->policy_path)) != SIGNET_OK)
            return rc;
        rc = read_file(p, n, v->policy_path, SIGNET_POLICY_MAX, 0, bytes, "");
    }
    if (rc == SIGNET_OK &&
        (rc = signet_policy_parse(&v->policy, p->ctx, bytes->ptr ? bytes->ptr : "", bytes->size,
                                  v->policy_path)) != SIGNET_OK)
        rc = fail_signet(p, rc, n, "");
    return rc;
}

static int
load_registries_d(struct parse *p, wh_validator *v, const yaml_node_t *n)
{
    struct stat st;
    int rc;

    if ((rc = get_path(p, n, Q("registriesD"), &v->registries_d)) != SIGNET_OK)
        return rc;
    /* signet_registries_d_load() takes a missing directory for an empty one: a typo here
     * would silently move signatures to the default lookaside. */
    if (stat(v->registries_d, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(p, n, "cannot open registries.d directory '%s': %s", v->registries_d,
                    stat(v->registries_d, &st) != 0 ? strerror(errno) : "not a directory");
    if ((rc = signet_registries_d_load(&v->registries, p->ctx, v->registries_d)) != SIGNET_OK)
        return fail_signet(p, rc, n, "");
    return SIGNET_OK;
}

static int
parse_validator(struct parse *p, const yaml_node_t *map, size_t index)
{
    struct field f[VF_COUNT] = {F("name"),        F("type"),        F("trustRoots"),
                                F("threshold"),   F("required"),    F("signatureRepository"),
                                F("annotations"), F("registriesD"), F("approve"),
                                F("policy")};
    wh_validator *v = &p->cfg->validators[index];
    char type[16], q[QUOTE_MAX * 4 + 16];
    size_t t;
    int rc;

    v->line = (int)map->start_mark.line + 1;
    if ((rc = get_fields(p, map, "an entry of " Q("validators"), "validator", f, VF_COUNT)) !=
            SIGNET_OK ||
        (rc = need(p, map, &f[VF_NAME], "validator")) != SIGNET_OK ||
        (rc = get_name(p, f[VF_NAME].value, v->name)) != SIGNET_OK)
        return rc;
    for (size_t i = 0; i < index; i++)
        if (strcmp(p->cfg->validators[i].name, v->name) == 0)
            return fail(p, f[VF_NAME].value, "duplicate validator \"%s\" (first at line %d)",
                        v->name, p->cfg->validators[i].line);
    if ((rc = need(p, map, &f[VF_TYPE], "validator")) != SIGNET_OK)
        return rc;
    if (kind_of(f[VF_TYPE].value) != K_STRING)
        return must_be(p, f[VF_TYPE].value, Q("type"), "a string");
    for (t = 0; t < sizeof(type_names) / sizeof(type_names[0]); t++)
        if (scalar_eq(f[VF_TYPE].value, type_names[t]))
            break;
    if (t == sizeof(type_names) / sizeof(type_names[0]))
        return fail(p, f[VF_TYPE].value, "unknown validator type %s (cosign, gpg, static, policy)",
                    quote(q, sizeof(q), f[VF_TYPE].value->data.scalar.value,
                          f[VF_TYPE].value->data.scalar.length));
    v->type = (wh_validator_type)t;
    snprintf(type, sizeof(type), "%s", type_names[t]);
    for (size_t i = VF_TRUST_ROOTS; i < VF_COUNT; i++) {
        if (f[i].value != NULL && !(type_fields[t] & VF(i)))
            return fail(p, f[i].key_node, "key \"%s\" does not apply to a %s validator", f[i].key,
                        type);
        if (f[i].value == NULL && (type_needs[t] & VF(i)))
            return fail(p, map, "missing key \"%s\" in %s validator", f[i].key, type);
    }
    if (f[VF_TRUST_ROOTS].value != NULL && (rc = parse_roots(p, v, f)) != SIGNET_OK)
        return rc;
    if (f[VF_SIGNATURE_REPOSITORY].value != NULL &&
        ((rc = get_strdup(p, f[VF_SIGNATURE_REPOSITORY].value, Q("signatureRepository"),
                          SIGNET_REFERENCE_NAME_MAX + 1, &v->signature_repository)) != SIGNET_OK ||
         (rc = check_repository(p, f[VF_SIGNATURE_REPOSITORY].value, v->signature_repository)) !=
             SIGNET_OK))
        return rc;
    if (f[VF_ANNOTATIONS].value != NULL &&
        (rc = parse_annotations(p, v, f[VF_ANNOTATIONS].value)) != SIGNET_OK)
        return rc;
    if (f[VF_APPROVE].value != NULL &&
        (rc = get_bool(p, f[VF_APPROVE].value, Q("approve"), &v->approve)) != SIGNET_OK)
        return rc;
    if (f[VF_POLICY].value != NULL &&
        (rc = load_policy(p, v, f[VF_POLICY].value, &p->policy_bytes[index])) != SIGNET_OK)
        return rc;
    if (f[VF_REGISTRIES_D].value != NULL &&
        (rc = load_registries_d(p, v, f[VF_REGISTRIES_D].value)) != SIGNET_OK)
        return rc;
    return SIGNET_OK;
}

/* ---- the digest of a validator ---- */

static int
digest_put(EVP_MD_CTX *md, unsigned char tag, const void *data, size_t len)
{
    unsigned char head[9];

    head[0] = tag;
    for (int i = 0; i < 8; i++)
        head[1 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return EVP_DigestUpdate(md, head, sizeof(head)) == 1 &&
           (len == 0 || EVP_DigestUpdate(md, data, len) == 1);
}

static int
digest_uint(EVP_MD_CTX *md, unsigned char tag, uint64_t value)
{
    unsigned char b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(value >> (56 - 8 * i));
    return digest_put(md, tag, b, sizeof(b));
}

static int
root_cmp(const void *a, const void *b)
{
    const wh_trust_root *x = *(const wh_trust_root *const *)a,
                        *y = *(const wh_trust_root *const *)b;
    int c = memcmp(x->key, y->key, x->key_len < y->key_len ? x->key_len : y->key_len);

    return c != 0 ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of @p indexes (trust roots), sorted: their order does not change a verdict. */
static int
digest_roots(EVP_MD_CTX *md, unsigned char tag, const wh_config *cfg, const size_t *indexes,
             size_t count)
{
    const wh_trust_root **roots = count ? calloc(count, sizeof(*roots)) : NULL;
    int ok = count == 0 || roots != NULL;

    for (size_t i = 0; ok && i < count; i++)
        roots[i] = &cfg->trust_roots[indexes[i]];
    if (ok && count > 0)
        qsort(roots, count, sizeof(*roots), root_cmp);
    ok = ok && digest_uint(md, tag, count);
    for (size_t i = 0; ok && i < count; i++)
        ok = digest_put(md, tag, roots[i]->key, roots[i]->key_len);
    free(roots);
    return ok;
}

/*
 * SHA-256 over what decides a validator's verdicts, each field tagged and length-prefixed:
 * type, root keys (sorted), effective threshold, required keys (sorted), signature repository,
 * annotations (sorted), approve, policy bytes, the registries.d directory and its files' bytes,
 * and the resources file a policy's kbs:/// keys come from. Names are not in it.
 */
static int
validator_digest(struct parse *p, wh_validator *v, const signet_buf *policy)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char **annotations = NULL;
    unsigned int len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

    if (ok && v->annotations_count > 0) {
        if ((annotations = calloc(v->annotations_count, sizeof(*annotations))) == NULL)
            ok = 0;
        else
            memcpy(annotations, v->annotations, v->annotations_count * sizeof(*annotations));
    }
    if (annotations != NULL)
        qsort(annotations, v->annotations_count, sizeof(*annotations), str_cmp);
    ok = ok && digest_put(md, 'v', "signet-webhook validator 1", 26) &&
         digest_uint(md, 't', v->type) &&
         digest_roots(md, 'k', p->cfg, v->trust_roots, v->trust_roots_count) &&
         digest_uint(md, 'n', v->threshold ? v->threshold : v->trust_roots_count) &&
         digest_roots(md, 'r', p->cfg, v->required, v->required_count) &&
         digest_uint(md, 's', v->signature_repository != NULL) &&
         (v->signature_repository == NULL ||
          digest_put(md, 's', v->signature_repository, strlen(v->signature_repository))) &&
         digest_uint(md, 'a', v->annotations_count);
    for (size_t i = 0; ok && i < v->annotations_count; i++)
        ok = digest_put(md, 'a', annotations[i], strlen(annotations[i]));
    ok = ok && digest_uint(md, 'y', (uint64_t)v->approve) &&
         digest_put(md, 'p', policy->ptr, policy->size) &&
         digest_uint(md, 'd', v->registries_d != NULL) &&
         (v->registries_d == NULL ||
          (digest_put(md, 'd', v->registries_d, strlen(v->registries_d)) &&
           digest_put(md, 'D', signet_registries_d__content_digest(v->registries), 32)));
    if (ok && v->type == WH_VALIDATOR_POLICY && p->cfg->kbs != NULL)
        ok = digest_put(md, 'R', p->resources_sha, sizeof(p->resources_sha));
    ok = ok && EVP_DigestFinal_ex(md, v->digest, &len) == 1 && len == sizeof(v->digest);
    free(annotations);
    EVP_MD_CTX_free(md);
    if (!ok)
        return fail_at(p, SIGNET_ECRYPTO, (yaml_mark_t){0, (size_t)v->line - 1, 0},
                       "cannot compute the digest of validator \"%s\"", v->name);
    return SIGNET_OK;
}

/* ---- rules ---- */

/*
 * A pattern must be able to match a normalised image: printable, no spaces, and beginning with
 * a registry host (images always do) unless it begins with a wildcard.
 */
static int
check_pattern(struct parse *p, const yaml_node_t *n, const char *pattern)
{
    size_t first = strcspn(pattern, "/");
    char q[QUOTE_MAX * 4 + 16];

    quote(q, sizeof(q), pattern, strlen(pattern));
    for (const char *c = pattern; *c != '\0'; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            return fail(p, n, "pattern %s holds a character no image reference has", q);
    if (memchr(pattern, '*', first) != NULL)
        return SIGNET_OK;
    if (memchr(pattern, '.', first) == NULL && memchr(pattern, ':', first) == NULL &&
        !(first == 9 && strncmp(pattern, "localhost", 9) == 0))
        return fail(p, n,
                    "pattern %s does not begin with a registry host (images are matched as "
                    "\"docker.io/library/nginx:1.25\")",
                    q);
    if ((first == 15 && strncmp(pattern, "index.docker.io", 15) == 0) ||
        (first == 20 && strncmp(pattern, "registry-1.docker.io", 20) == 0))
        return fail(p, n,
                    "pattern %s never matches: Docker Hub images are matched as docker.io/...", q);
    if (first == 9 && strncmp(pattern, "docker.io", 9) == 0 && pattern[9] == '/' &&
        strpbrk(pattern + 10, "/*") == NULL)
        return fail(p, n,
                    "pattern %s never matches: official Docker Hub images are matched as "
                    "\"docker.io/library/NAME\"",
                    q);
    return SIGNET_OK;
}

static int
parse_rule(struct parse *p, const yaml_node_t *map, size_t index)
{
    static const char *const modes[] = {
        [WH_MODE_ENFORCE] = "enforce", [WH_MODE_WARN] = "warn", [WH_MODE_AUDIT] = "audit"};
    struct field f[] = {F("pattern"), F("validator"), F("mode"), F("mutate")};
    wh_rule *rule = &p->cfg->rules[index];
    char name[WH_NAME_MAX];
    size_t i;
    int rc;

    rule->line = (int)map->start_mark.line + 1;
    rule->mutate = 1;
    if ((rc = get_fields(p, map, "an entry of " Q("rules"), "rule", f, 4)) != SIGNET_OK ||
        (rc = need(p, map, &f[0], "rule")) != SIGNET_OK ||
        (rc = need(p, map, &f[1], "rule")) != SIGNET_OK ||
        (rc = get_str(p, f[0].value, Q("pattern"), rule->pattern, sizeof(rule->pattern))) !=
            SIGNET_OK ||
        (rc = check_pattern(p, f[0].value, rule->pattern)) != SIGNET_OK)
        return rc;
    for (i = 0; i < index; i++)
        if (strcmp(p->cfg->rules[i].pattern, rule->pattern) == 0)
            return fail(p, f[0].value, "duplicate pattern \"%s\" (first at line %d)", rule->pattern,
                        p->cfg->rules[i].line);
    if ((rc = get_str(p, f[1].value, Q("validator"), name, sizeof(name))) != SIGNET_OK)
        return rc;
    for (i = 0; i < p->cfg->validators_count; i++)
        if (strcmp(p->cfg->validators[i].name, name) == 0)
            break;
    if (i == p->cfg->validators_count)
        return fail(p, f[1].value, "unknown validator \"%s\"", name);
    rule->validator = i;
    if (f[2].value != NULL) {
        char q[QUOTE_MAX * 4 + 16];
        if (kind_of(f[2].value) != K_STRING)
            return must_be(p, f[2].value, Q("mode"), "a string");
        for (i = 0; i < 3; i++)
            if (scalar_eq(f[2].value, modes[i]))
                break;
        if (i == 3)
            return fail(
                p, f[2].value, "unknown mode %s (enforce, warn, audit)",
                quote(q, sizeof(q), f[2].value->data.scalar.value, f[2].value->data.scalar.length));
        rule->mode = (wh_mode)i;
    }
    if (f[3].value != NULL && (rc = get_bool(p, f[3].value, Q("mutate"), &rule->mutate)) != 0)
        return rc;
    return SIGNET_OK;
}

/* ---- the other sections ---- */

/* A Kubernetes namespace name: an RFC 1123 DNS label. */
static int
check_namespace(struct parse *p, const yaml_node_t *n, const char *ns)
{
    size_t len = strlen(ns);

    if (len >= NAMESPACE_MAX || ns[strspn(ns, "abcdefghijklmnopqrstuvwxyz0123456789-")] != '\0' ||
        ns[0] == '-' || ns[len - 1] == '-')
        return fail(p, n, "invalid namespace \"%s\" (a DNS label: a-z, 0-9 and '-')", ns);
    return SIGNET_OK;
}

static int
check_host(struct parse *p, const yaml_node_t *n, const char *host)
{
    if (host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")])
        return fail(p, n, "invalid registry \"%s\" in " Q("allowHttp") " (want host[:port])", host);
    return SIGNET_OK;
}

static int
parse_namespaces(struct parse *p, const yaml_node_t *map)
{
    struct field f[] = {F("include"), F("exclude")};
    wh_config *cfg = p->cfg;
    int rc;

    if ((rc = get_fields(p, map, Q("namespaces"), Q("namespaces"), f, 2)) != SIGNET_OK ||
        (f[0].value != NULL && (rc = get_str_list(p, f[0].value, "include", NAMESPACE_MAX,
                                                  check_namespace, &cfg->namespaces_include,
                                                  &cfg->namespaces_include_count)) != SIGNET_OK) ||
        (f[1].value != NULL && (rc = get_str_list(p, f[1].value, "exclude", NAMESPACE_MAX,
                                                  check_namespace, &cfg->namespaces_exclude,
                                                  &cfg->namespaces_exclude_count)) != SIGNET_OK))
        return rc;
    for (size_t i = 0; i < cfg->namespaces_exclude_count; i++)
        for (size_t j = 0; j < cfg->namespaces_include_count; j++)
            if (strcmp(cfg->namespaces_exclude[i], cfg->namespaces_include[j]) == 0)
                return fail(p, list_item(p, f[1].value, i),
                            "namespace \"%s\" is both included and excluded",
                            cfg->namespaces_exclude[i]);
    return SIGNET_OK;
}

static int
parse_registries(struct parse *p, const yaml_node_t *map)
{
    struct field f[] = {F("allowHttp"), F("caFile"), F("authFile"), F("rateLimit")};
    struct field r[] = {F("requestsPerSecond"), F("burst")};
    wh_config *cfg = p->cfg;
    unsigned long long burst;
    int rc;

    if ((rc = get_fields(p, map, Q("registries"), Q("registries"), f, 4)) != SIGNET_OK ||
        (f[0].value != NULL &&
         (rc = get_str_list(p, f[0].value, "allowHttp", HOST_MAX, check_host, &cfg->allow_http,
                            &cfg->allow_http_count)) != SIGNET_OK) ||
        (f[1].value != NULL &&
         ((rc = get_path(p, f[1].value, Q("caFile"), &cfg->registry_ca_file)) != SIGNET_OK ||
          (rc = check_file(p, f[1].value, cfg->registry_ca_file, CA_FILE_MAX, 0)) != SIGNET_OK)) ||
        (f[2].value != NULL &&
         ((rc = get_path(p, f[2].value, Q("authFile"), &cfg->registry_auth_file)) != SIGNET_OK ||
          (rc = check_file(p, f[2].value, cfg->registry_auth_file, SECRET_FILE_MAX, 1)) !=
              SIGNET_OK)))
        return rc;
    if (f[3].value == NULL)
        return SIGNET_OK;
    if ((rc = get_fields(p, f[3].value, Q("rateLimit"), Q("rateLimit"), r, 2)) != SIGNET_OK ||
        (rc = need(p, f[3].value, &r[0], Q("rateLimit"))) != SIGNET_OK ||
        (rc = get_number(p, r[0].value, Q("requestsPerSecond"), 0, 1e6,
                         &cfg->rate_limit_per_second)) != SIGNET_OK)
        return rc;
    /* The default burst: one second's worth, rounded up. */
    cfg->rate_limit_burst = (unsigned int)cfg->rate_limit_per_second;
    if (cfg->rate_limit_burst < cfg->rate_limit_per_second)
        cfg->rate_limit_burst++;
    if (r[1].value == NULL)
        return SIGNET_OK;
    if (cfg->rate_limit_per_second == 0)
        return fail(p, r[1].key_node, Q("burst") " needs a limit: " Q("requestsPerSecond") " is 0");
    if ((rc = get_uint(p, r[1].value, Q("burst"), 1, 1000000, &burst)) != SIGNET_OK)
        return rc;
    cfg->rate_limit_burst = (unsigned int)burst;
    return SIGNET_OK;
}

static int
parse_cache(struct parse *p, const yaml_node_t *map)
{
    struct field f[] = {F("ttlSeconds"), F("negativeTtlSeconds"), F("maxEntries")};
    unsigned long long v;
    int rc;

    if ((rc = get_fields(p, map, Q("cache"), Q("cache"), f, 3)) != SIGNET_OK)
        return rc;
    if (f[0].value != NULL) {
        if ((rc = get_uint(p, f[0].value, Q("ttlSeconds"), 0, 86400, &v)) != SIGNET_OK)
            return rc;
        p->cfg->cache_ttl_s = (unsigned int)v;
    }
    if (f[1].value != NULL) {
        if ((rc = get_uint(p, f[1].value, Q("negativeTtlSeconds"), 0, 86400, &v)) != SIGNET_OK)
            return rc;
        p->cfg->cache_negative_ttl_s = (unsigned int)v;
    }
    if (f[2].value != NULL) {
        if ((rc = get_uint(p, f[2].value, Q("maxEntries"), 1, 10000000, &v)) != SIGNET_OK)
            return rc;
        p->cfg->cache_max_entries = (size_t)v;
    }
    return SIGNET_OK;
}

/* redis.hmacKeyFile: the secret that signs the verdicts replicas share, in guarded memory. */
static int
load_hmac_key(struct parse *p, const yaml_node_t *n)
{
    signet_buf *key = &p->cfg->redis_hmac_key;
    char q[QUOTE_MAX * 4 + 16];
    int rc;

    if ((rc = get_path(p, n, Q("hmacKeyFile"), &p->cfg->redis_hmac_key_file)) != SIGNET_OK ||
        (rc = read_file(p, n, p->cfg->redis_hmac_key_file, HMAC_KEY_MAX, 1, key, "")) != SIGNET_OK)
        return rc;
    /* A Secret made with --from-literal or an editor may end in a newline. */
    while (key->size > 0 && memchr(" \t\r\n\v\f", key->ptr[key->size - 1], 6) != NULL)
        key->ptr[--key->size] = '\0';
    if (key->size < WH_CACHE_HMAC_KEY_MIN)
        return fail(
            p, n,
            "redis.hmacKeyFile %s holds %zu bytes of secret (trailing whitespace not "
            "counted); at least %d are needed",
            quote(q, sizeof(q), p->cfg->redis_hmac_key_file, strlen(p->cfg->redis_hmac_key_file)),
            key->size, WH_CACHE_HMAC_KEY_MIN);
    return SIGNET_OK;
}

static int
parse_redis(struct parse *p, const yaml_node_t *map)
{
    struct field f[] = {F("url"), F("passwordFile"), F("caFile"), F("keyPrefix"), F("hmacKeyFile")};
    wh_config *cfg = p->cfg;
    char *prefix = NULL;
    int rc, tls;

    if ((rc = get_fields(p, map, Q("redis"), Q("redis"), f, 5)) != SIGNET_OK ||
        (rc = need(p, map, &f[0], Q("redis"))) != SIGNET_OK ||
        (rc = get_strdup(p, f[0].value, Q("url"), PATH_LEN_MAX, &cfg->redis_url)) != SIGNET_OK)
        return rc;
    /* The URL may hold a password: messages never quote it. */
    tls = strncmp(cfg->redis_url, "rediss://", 9) == 0;
    if (!tls && strncmp(cfg->redis_url, "redis://", 8) != 0)
        return fail(p, f[0].value, "the redis " Q("url") " must begin with redis:// or rediss://");
    if (cfg->redis_url[tls ? 9 : 8] == '\0' || cfg->redis_url[tls ? 9 : 8] == '/')
        return fail(p, f[0].value, "the redis " Q("url") " has no host");
    if ((f[1].value != NULL && ((rc = get_path(p, f[1].value, Q("passwordFile"),
                                               &cfg->redis_password_file)) != SIGNET_OK ||
                                (rc = check_file(p, f[1].value, cfg->redis_password_file,
                                                 SECRET_FILE_MAX, 1)) != SIGNET_OK)))
        return rc;
    if (f[2].value != NULL) {
        if (!tls)
            return fail(p, f[2].key_node, Q("caFile") " needs a rediss:// " Q("url"));
        if ((rc = get_path(p, f[2].value, Q("caFile"), &cfg->redis_ca_file)) != SIGNET_OK ||
            (rc = check_file(p, f[2].value, cfg->redis_ca_file, CA_FILE_MAX, 0)) != SIGNET_OK)
            return rc;
    }
    if (f[3].value != NULL) {
        if ((rc = get_strdup(p, f[3].value, Q("keyPrefix"), 256, &prefix)) != SIGNET_OK)
            return rc;
        free(cfg->redis_key_prefix); /* checksrc: a Redis key name prefix */
        cfg->redis_key_prefix = prefix;
    }
    if (f[4].value == NULL)
        return fail(p, map,
                    "redis.hmacKeyFile is required with redis.url: replicas sign the verdicts "
                    "they share so that a write to Redis cannot admit an image");
    return load_hmac_key(p, f[4].value);
}

static int
load_resources(struct parse *p, const yaml_node_t *n)
{
    signet_buf bytes = SIGNET_BUF_INIT;
    int rc;

    if ((rc = get_path(p, n, Q("resources"), &p->cfg->resources)) != SIGNET_OK ||
        (rc = read_file(p, n, p->cfg->resources, SIGNET_KBS_RESOURCES_FILE_MAX, 1, &bytes, "")) !=
            SIGNET_OK)
        goto out;
    if (EVP_Digest(bytes.ptr, bytes.size, p->resources_sha, NULL, EVP_sha256(), NULL) != 1) {
        rc = fail_at(p, SIGNET_ECRYPTO, n->start_mark, "cannot hash the resource file");
        goto out;
    }
    if ((rc = signet_kbs_resources_parse(&p->cfg->kbs, p->ctx, bytes.ptr, bytes.size,
                                         p->cfg->resources)) != SIGNET_OK)
        rc = fail_signet(p, rc, n, "");
out:
    signet_buf_dispose(&bytes);
    return rc;
}

/* ---- the document ---- */

enum top {
    T_TRUST_ROOTS,
    T_VALIDATORS,
    T_RULES,
    T_DEFAULT,
    T_NAMESPACES,
    T_SKIP_UNCHANGED,
    T_DEADLINE,
    T_MAX_BODY,
    T_REGISTRIES,
    T_CACHE,
    T_REDIS,
    T_RESOURCES,
    T_COUNT
};

/* A list of mappings, each parsed by @p one into a new array of @p size-byte elements. */
static int
parse_sections(struct parse *p, const yaml_node_t *list, const char *key, size_t max, size_t size,
               void **array, size_t *count, int (*one)(struct parse *, const yaml_node_t *, size_t))
{
    char label[32];
    size_t n;
    int rc;

    snprintf(label, sizeof(label), "\"%s\"", key);
    if ((rc = get_list(p, list, label, max, &n)) != SIGNET_OK)
        return rc;
    if (n > 0 && (*array = calloc(n, size)) == NULL)
        return fail_at(p, SIGNET_ENOMEM, list->start_mark, "out of memory");
    for (size_t i = 0; i < n; i++) {
        (*count)++;
        if ((rc = one(p, list_item(p, list, i), i)) != SIGNET_OK)
            return rc;
    }
    return SIGNET_OK;
}

static int
parse_document(struct parse *p)
{
    struct field f[T_COUNT] = {F("trustRoots"),      F("validators"),   F("rules"),
                               F("default"),         F("namespaces"),   F("skipUnchangedUpdates"),
                               F("deadlineSeconds"), F("maxBodyBytes"), F("registries"),
                               F("cache"),           F("redis"),        F("resources")};
    const yaml_node_t *root = yaml_document_get_root_node(&p->doc);
    wh_config *cfg = p->cfg;
    unsigned long long v;
    size_t n;
    int rc;

    if (root == NULL)
        return fail_at(p, SIGNET_EPARSE, (yaml_mark_t){0, 0, 0}, "the configuration is empty");
    if ((rc = get_fields(p, root, "the configuration", "the configuration", f, T_COUNT)) !=
        SIGNET_OK)
        return rc;
    /* Resources first: trust roots and policies resolve kbs:/// URIs through them. */
    if (f[T_RESOURCES].value != NULL && (rc = load_resources(p, f[T_RESOURCES].value)) != SIGNET_OK)
        return rc;
    if (f[T_TRUST_ROOTS].value != NULL) {
        if ((rc = get_list(p, f[T_TRUST_ROOTS].value, Q("trustRoots"), ROOTS_MAX, &n)) != SIGNET_OK)
            return rc;
        if (n > 0 && ((p->root_key = calloc(n, sizeof(*p->root_key))) == NULL ||
                      (p->root_use = calloc(n, 1)) == NULL))
            return fail_at(p, SIGNET_ENOMEM, root->start_mark, "out of memory");
        if ((rc = parse_sections(p, f[T_TRUST_ROOTS].value, "trustRoots", ROOTS_MAX,
                                 sizeof(wh_trust_root), (void **)&cfg->trust_roots,
                                 &cfg->trust_roots_count, parse_trust_root)) != SIGNET_OK)
            return rc;
    }
    if (f[T_VALIDATORS].value != NULL) {
        if ((rc = get_list(p, f[T_VALIDATORS].value, Q("validators"), VALIDATORS_MAX, &n)) !=
            SIGNET_OK)
            return rc;
        if (n > 0 && (p->policy_bytes = calloc(n, sizeof(*p->policy_bytes))) == NULL)
            return fail_at(p, SIGNET_ENOMEM, root->start_mark, "out of memory");
        if ((rc = parse_sections(p, f[T_VALIDATORS].value, "validators", VALIDATORS_MAX,
                                 sizeof(wh_validator), (void **)&cfg->validators,
                                 &cfg->validators_count, parse_validator)) != SIGNET_OK)
            return rc;
    }
    /* Keys are checked for the validators that use them, in the order of the trust roots. */
    for (size_t i = 0; i < cfg->trust_roots_count; i++)
        if (((p->root_use[i] & USE_COSIGN) && (rc = check_cosign_root(p, i)) != SIGNET_OK) ||
            ((p->root_use[i] & USE_GPG) && (rc = check_gpg_root(p, i)) != SIGNET_OK))
            return rc;
    for (size_t i = 0; i < cfg->validators_count; i++)
        if ((rc = validator_digest(p, &cfg->validators[i], &p->policy_bytes[i])) != SIGNET_OK)
            return rc;
    if (f[T_RULES].value != NULL &&
        (rc = parse_sections(p, f[T_RULES].value, "rules", RULES_MAX, sizeof(wh_rule),
                             (void **)&cfg->rules, &cfg->rules_count, parse_rule)) != SIGNET_OK)
        return rc;
    if (f[T_DEFAULT].value != NULL) {
        const yaml_node_t *d = f[T_DEFAULT].value;
        char q[QUOTE_MAX * 4 + 16];
        if (kind_of(d) != K_STRING)
            return must_be(p, d, Q("default"), "a string (deny or allow)");
        if (scalar_eq(d, "allow"))
            cfg->no_match = WH_DEFAULT_ALLOW;
        else if (!scalar_eq(d, "deny"))
            return fail(p, d, "unknown default %s (deny, allow)",
                        quote(q, sizeof(q), d->data.scalar.value, d->data.scalar.length));
    }
    if (f[T_NAMESPACES].value != NULL &&
        (rc = parse_namespaces(p, f[T_NAMESPACES].value)) != SIGNET_OK)
        return rc;
    if (f[T_SKIP_UNCHANGED].value != NULL &&
        (rc = get_bool(p, f[T_SKIP_UNCHANGED].value, Q("skipUnchangedUpdates"),
                       &cfg->skip_unchanged_updates)) != SIGNET_OK)
        return rc;
    if (f[T_DEADLINE].value != NULL) {
        if ((rc = get_uint(p, f[T_DEADLINE].value, Q("deadlineSeconds"), 1, 29, &v)) != SIGNET_OK)
            return rc;
        cfg->deadline_ms = (unsigned int)v * 1000;
    }
    if (f[T_MAX_BODY].value != NULL) {
        if ((rc = get_uint(p, f[T_MAX_BODY].value, Q("maxBodyBytes"), 1024, 64 * 1024 * 1024,
                           &v)) != SIGNET_OK)
            return rc;
        cfg->max_body_bytes = (size_t)v;
    }
    if ((f[T_REGISTRIES].value != NULL &&
         (rc = parse_registries(p, f[T_REGISTRIES].value)) != SIGNET_OK) ||
        (f[T_CACHE].value != NULL && (rc = parse_cache(p, f[T_CACHE].value)) != SIGNET_OK) ||
        (f[T_REDIS].value != NULL && (rc = parse_redis(p, f[T_REDIS].value)) != SIGNET_OK))
        return rc;
    return SIGNET_OK;
}

/*
 * The events, before the document is built: libyaml's loader resolves aliases silently (and
 * would let "billion laughs" through), so they are refused here, with anchors and tags, which
 * this schema never needs; nesting is bounded; one document only.
 */
static int
check_events(struct parse *p, const void *yaml, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    int rc = SIGNET_OK, depth = 0, docs = 0, done = 0;
    char q[QUOTE_MAX * 4 + 16];

    if (!yaml_parser_initialize(&parser))
        return fail_at(p, SIGNET_ENOMEM, (yaml_mark_t){0, 0, 0}, "out of memory");
    yaml_parser_set_input_string(&parser, yaml, len);
    while (!done && rc == SIGNET_OK) {
        const yaml_char_t *anchor = NULL, *tag = NULL;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_yaml(p, &parser);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = fail_at(p, SIGNET_EPARSE, ev.start_mark, "more than one YAML document");
            break;
        case YAML_ALIAS_EVENT:
            rc = fail_at(p, SIGNET_EPARSE, ev.start_mark, "YAML aliases are not supported (*%s)",
                         quote(q, sizeof(q), ev.data.alias.anchor,
                               strlen((const char *)ev.data.alias.anchor)));
            break;
        case YAML_SCALAR_EVENT:
            anchor = ev.data.scalar.anchor;
            tag = ev.data.scalar.tag;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                          : ev.data.mapping_start.anchor;
            tag = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag
                                                       : ev.data.mapping_start.tag;
            if (++depth > DEPTH_MAX)
                rc = fail_at(p, SIGNET_EPARSE, ev.start_mark, "nested deeper than %d levels",
                             DEPTH_MAX);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        if (rc == SIGNET_OK && anchor != NULL)
            rc = fail_at(p, SIGNET_EPARSE, ev.start_mark, "YAML anchors are not supported (&%s)",
                         quote(q, sizeof(q), anchor, strlen((const char *)anchor)));
        if (rc == SIGNET_OK && tag != NULL)
            rc = fail_at(p, SIGNET_EPARSE, ev.start_mark, "YAML tags are not supported (%s)",
                         quote(q, sizeof(q), tag, strlen((const char *)tag)));
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

void
wh_config_free(wh_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->trust_roots_count; i++) {
        free(cfg->trust_roots[i].key); /* checksrc: public keys */
        signet_key_free(cfg->trust_roots[i].public_key);
    }
    free(cfg->trust_roots);
    for (size_t i = 0; i < cfg->validators_count; i++) {
        wh_validator *v = &cfg->validators[i];
        free(v->trust_roots);
        free(v->required);
        free(v->signature_repository);
        for (size_t j = 0; j < v->annotations_count; j++)
            free(v->annotations[j]);
        free(v->annotations);
        free(v->policy_path);
        signet_policy_free(v->policy);
        free(v->registries_d);
        signet_registries_d_free(v->registries);
    }
    free(cfg->validators);
    free(cfg->rules);
    for (size_t i = 0; i < cfg->namespaces_include_count; i++)
        free(cfg->namespaces_include[i]);
    free(cfg->namespaces_include);
    for (size_t i = 0; i < cfg->namespaces_exclude_count; i++)
        free(cfg->namespaces_exclude[i]);
    free(cfg->namespaces_exclude);
    for (size_t i = 0; i < cfg->allow_http_count; i++)
        free(cfg->allow_http[i]);
    free(cfg->allow_http);
    free(cfg->registry_ca_file);
    free(cfg->registry_auth_file);
    free(cfg->redis_url);
    free(cfg->redis_password_file); /* checksrc: a path */
    free(cfg->redis_ca_file);
    free(cfg->redis_key_prefix);    /* checksrc: a Redis key name prefix */
    free(cfg->redis_hmac_key_file); /* checksrc: a path */
    signet_buf_dispose(&cfg->redis_hmac_key);
    free(cfg->resources);
    signet_kbs_resources_free(cfg->kbs);
    free(cfg);
}

int
wh_config_parse(wh_config **out, char err[WH_CONFIG_ERROR_MAX], const void *yaml, size_t len,
                const char *name)
{
    struct parse p;
    yaml_parser_t parser;
    const char *slash;
    int rc, loaded = 0;

    *out = NULL;
    err[0] = '\0';
    memset(&p, 0, sizeof(p));
    p.name = name;
    p.err = err;
    if (len > WH_CONFIG_MAX)
        return fail_at(&p, SIGNET_ETOOLARGE, (yaml_mark_t){0, 0, 0},
                       "the configuration is larger than %d bytes", WH_CONFIG_MAX);
    slash = strrchr(name, '/');
    if (slash != NULL)
        snprintf(p.dir, sizeof(p.dir), "%.*s", slash == name ? 1 : (int)(slash - name), name);
    if (signet_ctx_new(&p.ctx) != SIGNET_OK || (p.cfg = calloc(1, sizeof(*p.cfg))) == NULL ||
        (p.cfg->redis_key_prefix = strdup("signet-webhook:")) == NULL) {
        rc = fail_at(&p, SIGNET_ENOMEM, (yaml_mark_t){0, 0, 0}, "out of memory");
        goto out;
    }
    p.cfg->deadline_ms = 9000;
    p.cfg->max_body_bytes = 3 * 1024 * 1024;
    p.cfg->cache_ttl_s = 300;
    p.cfg->cache_negative_ttl_s = 10;
    p.cfg->cache_max_entries = 10000;
    if ((rc = check_events(&p, yaml, len)) != SIGNET_OK)
        goto out;
    if (!yaml_parser_initialize(&parser)) {
        rc = fail_at(&p, SIGNET_ENOMEM, (yaml_mark_t){0, 0, 0}, "out of memory");
        goto out;
    }
    yaml_parser_set_input_string(&parser, yaml, len);
    loaded = yaml_parser_load(&parser, &p.doc);
    if (!loaded)
        rc = fail_yaml(&p, &parser);
    yaml_parser_delete(&parser);
    if (loaded)
        rc = parse_document(&p);
out:
    if (loaded)
        yaml_document_delete(&p.doc);
    for (size_t i = 0; p.cfg != NULL && p.policy_bytes != NULL && i < p.cfg->validators_count; i++)
        signet_buf_dispose(&p.policy_bytes[i]);
    free(p.policy_bytes);
    free(p.root_key); /* checksrc: YAML nodes */
    free(p.root_use);
    signet_ctx_free(p.ctx);
    if (rc != SIGNET_OK) {
        wh_config_free(p.cfg);
        return rc;
    }
    *out = p.cfg;
    return SIGNET_OK;
}

int
wh_config_load(wh_config **out, char err[WH_CONFIG_ERROR_MAX], const char *path)
{
    signet_buf bytes = SIGNET_BUF_INIT;
    signet_ctx *ctx = NULL;
    int rc;

    *out = NULL;
    err[0] = '\0';
    if (signet_ctx_new(&ctx) != SIGNET_OK) {
        snprintf(err, WH_CONFIG_ERROR_MAX, "%s: out of memory", path);
        return SIGNET_ENOMEM;
    }
    signet_buf_init(&bytes, WH_CONFIG_MAX, 0);
    rc = signet_file__read(&bytes, ctx, path, SIGNET_FILE__FOLLOW);
    if (rc != SIGNET_OK)
        snprintf(err, WH_CONFIG_ERROR_MAX, "%s", signet_ctx_error(ctx));
    else
        rc = wh_config_parse(out, err, bytes.ptr, bytes.size, path);
    signet_buf_dispose(&bytes);
    signet_ctx_free(ctx);
    return rc;
}
