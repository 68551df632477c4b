/*
 * JSON for policy.json as Go's encoding/json reads it: containers/image's parser sees every
 * member of an object in order, duplicates included, and its messages are Go's (syntax errors,
 * strconv.Quote, base64.StdEncoding). jansson keeps neither duplicates nor that order, so the
 * policy is read here, into a small tree in the policy's arena.
 */
#include "policy_internal.h"
#include "util_str.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy_block {
    struct policy_block *next;
    /* followed by the memory handed out, aligned as malloc aligns */
};

#define BLOCK_HEADER ((sizeof(struct policy_block) + 15) & ~(size_t)15)

void *
policy__alloc(struct policy_arena *a, size_t size)
{
    struct policy_block *b;

    if (size > a->max || a->total + size + BLOCK_HEADER > a->max)
        return NULL;
    b = calloc(1, BLOCK_HEADER + size);
    if (b == NULL)
        return NULL;
    b->next = a->blocks;
    a->blocks = b;
    a->total += BLOCK_HEADER + size;
    return (char *)b + BLOCK_HEADER;
}

char *
policy__strndup(struct policy_arena *a, const char *s, size_t len)
{
    char *p = policy__alloc(a, len + 1);

    if (p != NULL && len > 0)
        memcpy(p, s, len);
    return p;
}

void
policy__arena_release(struct policy_arena *a)
{
    while (a->blocks != NULL) {
        struct policy_block *next = a->blocks->next;
        free(a->blocks);
        a->blocks = next;
    }
    a->total = 0;
}

/* ---- Go's quoting ---- */

static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned int *rune)
{
    unsigned int c = s[0], r, min;
    size_t n, i;

    if (c < 0x80) {
        *rune = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, r = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, r = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, r = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        r = (r << 6) | (s[i] & 0x3f);
    }
    if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        return 0;
    *rune = r;
    return n;
}

/* Go's strconv.IsPrint, approximated outside Latin-1: spaces, format and private-use
 * characters are not printable. */
static int
go_is_print(unsigned int r)
{
    if (r < 0x20 || (r >= 0x7f && r <= 0xa0) || r == 0xad)
        return 0;
    if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
        (r >= 0x205f && r <= 0x206f) || r == 0x3000 || r == 0xfeff ||
        (r >= 0xe000 && r <= 0xf8ff) || (r >= 0xfff9 && r <= 0xfffb) || r >= 0xf0000)
        return 0;
    return 1;
}

struct out {
    char *p;
    size_t size, used;
};

static void
out_put(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len && o->used + 1 < o->size; i++)
        o->p[o->used++] = s[i];
    o->p[o->used] = '\0';
}

void
policy__go_quote(char *buf, size_t size, const char *s, size_t len)
{
    struct out o = {buf, size, 0};
    char esc[16];

    if (size == 0)
        return;
    buf[0] = '\0';
    out_put(&o, "\"", 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        unsigned int r;
        size_t n = utf8_decode((const unsigned char *)s + i, len - i, &r);
        const char *e = NULL;

        if (n == 0) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            out_put(&o, esc, strlen(esc));
            i++;
            continue;
        }
        switch (r) {
        case '"':
            e = "\\\"";
            break;
        case '\\':
            e = "\\\\";
            break;
        case '\a':
            e = "\\a";
            break;
        case '\b':
            e = "\\b";
            break;
        case '\f':
            e = "\\f";
            break;
        case '\n':
            e = "\\n";
            break;
        case '\r':
            e = "\\r";
            break;
        case '\t':
            e = "\\t";
            break;
        case '\v':
            e = "\\v";
            break;
        default:
            break;
        }
        if (e != NULL) {
            out_put(&o, e, strlen(e));
        } else if (go_is_print(r)) {
            out_put(&o, s + i, n);
        } else {
            if (r < 0x80)
                snprintf(esc, sizeof(esc), "\\x%02x", r);
            else if (r < 0x10000)
                snprintf(esc, sizeof(esc), "\\u%04x", r);
            else
                snprintf(esc, sizeof(esc), "\\U%08x", r);
            out_put(&o, esc, strlen(esc));
        }
        i += n;
    }
    out_put(&o, "\"", 1);
}

/* Go's quoteChar in encoding/json's scanner: the byte as a rune, single-quoted. */
static void
go_quote_char(char *buf, size_t size, unsigned char c)
{
    char q[16], rune[3];

    if (c == '\'') {
        snprintf(buf, size, "'\\''");
        return;
    }
    if (c == '"') {
        snprintf(buf, size, "'\"'");
        return;
    }
    if (c < 0x80) {
        rune[0] = (char)c;
        policy__go_quote(q, sizeof(q), rune, 1);
    } else { /* the byte as the rune U+0080..U+00FF */
        rune[0] = (char)(0xc0 | (c >> 6));
        rune[1] = (char)(0x80 | (c & 0x3f));
        policy__go_quote(q, sizeof(q), rune, 2);
    }
    /* q is "…" (Go's %q of the rune): swap the double quotes for single ones. */
    q[strlen(q) - 1] = '\0';
    if (size > 0)
        snprintf(buf, size, "'%.*s'", (int)(size > 3 ? size - 3 : 0), q + 1);
}

/* Go's %v of a float64 (strconv 'g', shortest): the fewest digits that read back, in exponent
 * form below 1e-4 and from 1e6 up ("1e+06"). */
static void
go_float(char *buf, size_t size, const char *text)
{
    double v = strtod(text, NULL);
    char digits[64], *e;
    int prec, exp, nd;
    char mant[32];
    size_t k = 0;

    for (prec = 0; prec < DBL_DECIMAL_DIG; prec++) {
        snprintf(digits, sizeof(digits), "%.*e", prec, v);
        if (strtod(digits, NULL) == v)
            break;
    }
    e = strchr(digits, 'e');
    if (e == NULL) { /* inf cannot come from JSON; be safe */
        snprintf(buf, size, "%s", digits);
        return;
    }
    exp = (int)strtol(e + 1, NULL, 10);
    for (const char *p = digits; p < e; p++)
        if (*p >= '0' && *p <= '9' && k + 1 < sizeof(mant))
            mant[k++] = *p;
    mant[k] = '\0';
    nd = (int)k;
    while (nd > 1 && mant[nd - 1] == '0')
        mant[--nd] = '\0';
    if (exp < -4 || exp >= 6) {
        snprintf(buf, size, "%s%c%s%s%se%c%02d", v < 0 ? "-" : "", mant[0], nd > 1 ? "." : "",
                 mant + 1, "", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        snprintf(buf, size, "%s0.%0*d%s", v < 0 ? "-" : "", -exp - 1, 0, mant);
        if (-exp - 1 == 0) /* "%0*d" with width 0 still prints one 0 */
            snprintf(buf, size, "%s0.%s", v < 0 ? "-" : "", mant);
    } else if (nd <= exp + 1) {
        snprintf(buf, size, "%s%s%0*d", v < 0 ? "-" : "", mant, exp + 1 - nd, 0);
        if (exp + 1 - nd == 0)
            snprintf(buf, size, "%s%s", v < 0 ? "-" : "", mant);
    } else {
        snprintf(buf, size, "%s%.*s.%s", v < 0 ? "-" : "", exp + 1, mant, mant + exp + 1);
    }
}

void
policy__go_token(char *buf, size_t size, const struct pj_value *v)
{
    switch (v->kind) {
    case PJ_NULL:
        snprintf(buf, size, "<nil>");
        break;
    case PJ_BOOL:
        snprintf(buf, size, "%s", v->boolean ? "true" : "false");
        break;
    case PJ_NUMBER:
        go_float(buf, size, v->str);
        break;
    case PJ_STRING:
        policy__go_quote(buf, size, v->str, v->len);
        break;
    case PJ_ARRAY:
        snprintf(buf, size, "\"[\"");
        break;
    case PJ_OBJECT:
        snprintf(buf, size, "\"{\"");
        break;
    }
}

const char *
policy__go_kind(const struct pj_value *v)
{
    switch (v->kind) {
    case PJ_BOOL:
        return "bool";
    case PJ_NUMBER:
        return "number";
    case PJ_STRING:
        return "string";
    case PJ_ARRAY:
        return "array";
    case PJ_OBJECT:
        return "object";
    default:
        return "null";
    }
}

/* ---- the reader ---- */

struct reader {
    const unsigned char *s;
    size_t len, pos;
    struct policy_arena *arena;
    char *msg;
    size_t msg_size;
    int nomem;
};

static int
syntax_error(struct reader *r, const char *context)
{
    char q[16];

    if (r->pos >= r->len) {
        snprintf(r->msg, r->msg_size, "unexpected end of JSON input");
    } else {
        go_quote_char(q, sizeof(q), r->s[r->pos]);
        snprintf(r->msg, r->msg_size, "invalid character %s %s", q, context);
    }
    return -1;
}

static void
skip_space(struct reader *r)
{
    while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                               r->s[r->pos] == '\r' || r->s[r->pos] == '\n'))
        r->pos++;
}

static size_t
utf8_encode(char *out, unsigned int r)
{
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xc0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3f));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xe0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3f));
        out[2] = (char)(0x80 | (r & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3f));
    out[3] = (char)(0x80 | (r & 0x3f));
    return 4;
}

/* \uXXXX at s (already checked to be 4 hex digits). */
static unsigned int
u4(const unsigned char *s)
{
    return (unsigned int)(util_hex_value((unsigned char)s[0]) << 12 |
                          util_hex_value((unsigned char)s[1]) << 8 |
                          util_hex_value((unsigned char)s[2]) << 4 |
                          util_hex_value((unsigned char)s[3]));
}

/* A string at r->pos (the opening quote): checked as Go's scanner does, then decoded as Go's
 * unquote does. */
static int
read_string(struct reader *r, char **out, size_t *out_len)
{
    size_t start = ++r->pos, end, n = 0;
    char *buf;

    for (;;) {
        unsigned char c;
        if (r->pos >= r->len)
            return syntax_error(r, "");
        c = r->s[r->pos];
        if (c == '"')
            break;
        if (c < 0x20)
            return syntax_error(r, "in string literal");
        if (c == '\\') {
            r->pos++;
            if (r->pos >= r->len)
                return syntax_error(r, "");
            c = r->s[r->pos];
            if (c == 'u') {
                for (int i = 0; i < 4; i++) {
                    r->pos++;
                    if (r->pos >= r->len)
                        return syntax_error(r, "");
                    if (util_hex_value((unsigned char)r->s[r->pos]) < 0)
                        return syntax_error(r, "in \\u hexadecimal character escape");
                }
            } else if (strchr("bfnrt\\/\"", c) == NULL || c == '\0') {
                return syntax_error(r, "in string escape code");
            }
        }
        r->pos++;
    }
    end = r->pos++;
    /* Decoded, the string is at most 3/2 as long (a 2-byte invalid sequence becomes 3 bytes of
     * U+FFFD per byte: at most 3 times). */
    buf = policy__alloc(r->arena, 3 * (end - start) + 1);
    if (buf == NULL) {
        r->nomem = 1;
        return -1;
    }
    for (size_t i = start; i < end;) {
        unsigned char c = r->s[i];
        unsigned int rune;
        size_t k;
        if (c == '\\') {
            c = r->s[i + 1];
            if (c != 'u') {
                static const char from[] = "bfnrt\\/\"", to[] = "\b\f\n\r\t\\/\"";
                buf[n++] = to[strchr(from, c) - from];
                i += 2;
                continue;
            }
            rune = u4(r->s + i + 2);
            i += 6;
            if (rune >= 0xd800 && rune <= 0xdfff) {
                unsigned int low;
                if (rune < 0xdc00 && i + 6 <= end && r->s[i] == '\\' && r->s[i + 1] == 'u' &&
                    (low = u4(r->s + i + 2)) >= 0xdc00 && low <= 0xdfff) {
                    rune = 0x10000 + ((rune - 0xd800) << 10) + (low - 0xdc00);
                    i += 6;
                } else {
                    rune = 0xfffd;
                }
            }
            n += utf8_encode(buf + n, rune);
            continue;
        }
        k = utf8_decode(r->s + i, end - i, &rune);
        if (k == 0) {
            n += utf8_encode(buf + n, 0xfffd);
            i++;
        } else {
            memcpy(buf + n, r->s + i, k);
            n += k;
            i += k;
        }
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

static int
is_digit(const struct reader *r)
{
    return r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9';
}

static int
read_number(struct reader *r, struct pj_value *v)
{
    size_t start = r->pos;

    if (r->s[r->pos] == '-') {
        r->pos++;
        if (!is_digit(r))
            return syntax_error(r, "in numeric literal");
    }
    if (r->s[r->pos] == '0') {
        r->pos++;
    } else {
        while (is_digit(r))
            r->pos++;
    }
    if (r->pos < r->len && r->s[r->pos] == '.') {
        r->pos++;
        if (!is_digit(r))
            return syntax_error(r, "after decimal point in numeric literal");
        while (is_digit(r))
            r->pos++;
    }
    if (r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
        r->pos++;
        if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
            r->pos++;
        if (!is_digit(r))
            return syntax_error(r, "in exponent of numeric literal");
        while (is_digit(r))
            r->pos++;
    }
    v->kind = PJ_NUMBER;
    v->str = policy__strndup(r->arena, (const char *)r->s + start, r->pos - start);
    v->len = r->pos - start;
    if (v->str == NULL) {
        r->nomem = 1;
        return -1;
    }
    return 0;
}

static int
read_literal(struct reader *r, const char *word)
{
    char context[48];

    for (size_t i = 1; word[i]; i++) {
        r->pos++;
        if (r->pos >= r->len || r->s[r->pos] != (unsigned char)word[i]) {
            snprintf(context, sizeof(context), "in literal %s (expecting '%c')", word, word[i]);
            return syntax_error(r, context);
        }
    }
    r->pos++;
    return 0;
}

static int read_value(struct reader *r, struct pj_value **out, int depth);

static void
append_child(struct pj_value *parent, struct pj_value **last, struct pj_value *child)
{
    if (*last == NULL)
        parent->first = child;
    else
        (*last)->next = child;
    *last = child;
    parent->count++;
}

static int
read_container(struct reader *r, struct pj_value *v, int depth)
{
    int object = r->s[r->pos] == '{';
    struct pj_value *last = NULL, *child;
    char *key = NULL;
    size_t key_len = 0;

    if (depth >= SIGNET_POLICY_DEPTH_MAX) {
        snprintf(r->msg, r->msg_size, "exceeded max depth");
        return -1;
    }
    v->kind = object ? PJ_OBJECT : PJ_ARRAY;
    r->pos++;
    skip_space(r);
    if (r->pos < r->len && r->s[r->pos] == (object ? '}' : ']')) {
        r->pos++;
        return 0;
    }
    for (;;) {
        if (object) {
            if (r->pos >= r->len || r->s[r->pos] != '"')
                return syntax_error(r, "looking for beginning of object key string");
            if (read_string(r, &key, &key_len) != 0)
                return -1;
            skip_space(r);
            if (r->pos >= r->len || r->s[r->pos] != ':')
                return syntax_error(r, "after object key");
            r->pos++;
        }
        if (read_value(r, &child, depth + 1) != 0)
            return -1;
        child->key = key;
        child->key_len = key_len;
        append_child(v, &last, child);
        skip_space(r);
        if (r->pos < r->len && r->s[r->pos] == ',') {
            r->pos++;
            skip_space(r);
            continue;
        }
        if (r->pos < r->len && r->s[r->pos] == (object ? '}' : ']')) {
            r->pos++;
            return 0;
        }
        return syntax_error(r, object ? "after object key:value pair" : "after array element");
    }
}

static int
read_value(struct reader *r, struct pj_value **out, int depth)
{
    struct pj_value *v = policy__alloc(r->arena, sizeof(*v));
    unsigned char c;

    if (v == NULL) {
        r->nomem = 1;
        return -1;
    }
    *out = v;
    skip_space(r);
    if (r->pos >= r->len)
        return syntax_error(r, "");
    c = r->s[r->pos];
    switch (c) {
    case '{':
    case '[':
        return read_container(r, v, depth);
    case '"':
        v->kind = PJ_STRING;
        return read_string(r, &v->str, &v->len);
    case 't':
        v->kind = PJ_BOOL;
        v->boolean = 1;
        return read_literal(r, "true");
    case 'f':
        v->kind = PJ_BOOL;
        return read_literal(r, "false");
    case 'n':
        v->kind = PJ_NULL;
        return read_literal(r, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return read_number(r, v);
        return syntax_error(r, "looking for beginning of value");
    }
}

int
policy__json_parse(struct pj_value **out, struct policy_arena *a, const char *data, size_t len,
                   char *msg, size_t msg_size)
{
    struct reader r = {(const unsigned char *)data, len, 0, a, msg, msg_size, 0};

    *out = NULL;
    if (read_value(&r, out, 0) != 0)
        return r.nomem ? SIGNET_ENOMEM : SIGNET_EPARSE;
    skip_space(&r);
    if (r.pos < r.len) {
        syntax_error(&r, "after top-level value");
        return SIGNET_EPARSE;
    }
    return SIGNET_OK;
}

/* ---- base64 as Go's base64.StdEncoding.Decode ---- */

static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static int
b64_fail(char *msg, size_t msg_size, size_t at)
{
    snprintf(msg, msg_size, "illegal base64 data at input byte %zu", at);
    return -1;
}

int
policy__base64_go(struct policy_bytes *out, struct policy_arena *a, const char *str, size_t len,
                  char *msg, size_t msg_size)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t si = 0, n = 0;

    memset(out, 0, sizeof(*out));
    out->data = policy__alloc(a, len / 4 * 3 + 3);
    if (out->data == NULL)
        return SIGNET_ENOMEM;
    out->present = 1;
    while (si < len) { /* decodeQuantum */
        unsigned int dbuf[4] = {0, 0, 0, 0}, val;
        size_t dlen = 4;
        int j, trailing = 0;
        for (j = 0; j < 4; j++) {
            int d;
            if (si == len) {
                if (j == 0)
                    goto done;
                return b64_fail(msg, msg_size, si - (size_t)j);
            }
            d = b64_value(s[si]);
            si++;
            if (d >= 0) {
                dbuf[j] = (unsigned int)d;
                continue;
            }
            if (s[si - 1] == '\n' || s[si - 1] == '\r') {
                j--;
                continue;
            }
            if (s[si - 1] != '=')
                return b64_fail(msg, msg_size, si - 1);
            if (j == 0 || j == 1)
                return b64_fail(msg, msg_size, si - 1);
            if (j == 2) {
                while (si < len && (s[si] == '\n' || s[si] == '\r'))
                    si++;
                if (si == len)
                    return b64_fail(msg, msg_size, len);
                if (s[si] != '=')
                    return b64_fail(msg, msg_size, si - 1);
                si++;
            }
            while (si < len && (s[si] == '\n' || s[si] == '\r'))
                si++;
            if (si < len)
                trailing = 1;
            dlen = (size_t)j;
            break;
        }
        val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        if (dlen >= 2)
            out->data[n++] = (unsigned char)(val >> 16);
        if (dlen >= 3)
            out->data[n++] = (unsigned char)(val >> 8);
        if (dlen == 4)
            out->data[n++] = (unsigned char)val;
        if (trailing)
            return b64_fail(msg, msg_size, si);
    }
done:
    out->len = n;
    return 0;
}
