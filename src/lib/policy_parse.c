/*
 * containers-policy.json, parsed as containers/image's signature/policy_config*.go parse it:
 * each object's members in order (a duplicate, an unknown key or a value of the wrong type
 * stops at once, with Go's message), then each object's own rules, in containers/image's order.
 */
#include "policy_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    struct policy_arena *arena;
    char msg[SIGNET_ERROR_MESSAGE_MAX];
    int nomem;
};

/* A decoded Go string: may contain NUL bytes. */
struct pstr {
    char *s;
    size_t len;
};

static int fail(struct parser *p, const char *fmt, ...) SIGNET_PRINTF(2, 3);

static int
fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static int
nomem(struct parser *p)
{
    p->nomem = 1;
    return fail(p, "out of memory");
}

static int
fail_quoted(struct parser *p, const char *before, const char *s, size_t len, const char *after)
{
    char q[SIGNET_ERROR_MESSAGE_MAX];

    policy__go_quote(q, sizeof(q), s, len);
    return fail(p, "%s%s%s", before, q, after);
}

static int
fail_type(struct parser *p, const struct pj_value *v, const char *go_type)
{
    return fail(p, "json: cannot unmarshal %s into Go value of type %s", policy__go_kind(v),
                go_type);
}

static int
fail_not_object(struct parser *p, const struct pj_value *v)
{
    char t[SIGNET_ERROR_MESSAGE_MAX];

    policy__go_token(t, sizeof(t), v);
    return fail(p, "JSON object expected, got %s", t);
}

static int
key_is(const struct pj_value *m, const char *name)
{
    return m->key_len == strlen(name) && memcmp(m->key, name, m->key_len) == 0;
}

/* ---- members of an object, in order, duplicates refused where Go finds them ---- */

struct member_ref {
    const struct pj_value *m;
    size_t index;
};

static int
member_cmp(const void *a, const void *b)
{
    const struct member_ref *x = a, *y = b;
    size_t n = x->m->key_len < y->m->key_len ? x->m->key_len : y->m->key_len;
    int c = memcmp(x->m->key, y->m->key, n);

    if (c != 0)
        return c;
    if (x->m->key_len != y->m->key_len)
        return x->m->key_len < y->m->key_len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The index of the first member whose key an earlier member has, SIZE_MAX when none. */
static int
first_duplicate(struct parser *p, const struct pj_value *obj, size_t *out)
{
    struct member_ref *refs;
    const struct pj_value *m;
    size_t i = 0;

    *out = SIZE_MAX;
    if (obj->count < 2)
        return 0;
    refs = malloc(obj->count * sizeof(*refs));
    if (refs == NULL)
        return nomem(p);
    for (m = obj->first; m != NULL; m = m->next, i++) {
        refs[i].m = m;
        refs[i].index = i;
    }
    qsort(refs, obj->count, sizeof(*refs), member_cmp);
    for (i = 1; i < obj->count; i++)
        if (member_cmp(&(struct member_ref){refs[i].m, 0},
                       &(struct member_ref){refs[i - 1].m, 0}) == 0 &&
            refs[i].index < *out)
            *out = refs[i].index;
    free(refs);
    return 0;
}

/* Go's ParanoidUnmarshalJSONObject: @p cb returns 1 for a member it took, 0 for an unknown
 * key, -1 on error. */
typedef int (*member_cb)(struct parser *p, void *arg, const struct pj_value *m);

static int
walk_object(struct parser *p, const struct pj_value *obj, member_cb cb, void *arg)
{
    const struct pj_value *m;
    size_t dup, i = 0;
    int r;

    if (obj->kind != PJ_OBJECT)
        return fail_not_object(p, obj);
    if (first_duplicate(p, obj, &dup) != 0)
        return -1;
    for (m = obj->first; m != NULL; m = m->next, i++) {
        if (i == dup)
            return fail_quoted(p, "Duplicate key ", m->key, m->key_len, "");
        if ((r = cb(p, arg, m)) < 0)
            return -1;
        if (r == 0)
            return fail_quoted(p, "Unknown key ", m->key, m->key_len, "");
    }
    return 0;
}

/* ---- Go value decoders ---- */

static int
decode_string(struct parser *p, const struct pj_value *v, struct pstr *out, const char *go_type)
{
    if (v->kind == PJ_NULL)
        return 0; /* json: null leaves a string as it was */
    if (v->kind != PJ_STRING)
        return fail_type(p, v, go_type);
    out->s = v->str;
    out->len = v->len;
    return 0;
}

static int
decode_strings(struct parser *p, const struct pj_value *v, struct policy_strings *out)
{
    const struct pj_value *e;
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (v->kind == PJ_NULL)
        return 0;
    if (v->kind != PJ_ARRAY)
        return fail_type(p, v, "[]string");
    out->present = 1;
    out->items = policy__alloc(p->arena, (v->count + 1) * sizeof(char *));
    if (out->items == NULL)
        return nomem(p);
    for (e = v->first; e != NULL; e = e->next) {
        struct pstr s = {"", 0};
        if (decode_string(p, e, &s, "string") != 0)
            return -1;
        out->items[i++] = s.s;
    }
    out->count = i;
    return 0;
}

static int
decode_bytes(struct parser *p, const struct pj_value *v, struct policy_bytes *out)
{
    memset(out, 0, sizeof(*out));
    if (v->kind == PJ_NULL)
        return 0;
    if (v->kind != PJ_STRING)
        return fail_type(p, v, "[]uint8");
    switch (policy__base64_go(out, p->arena, v->str, v->len, p->msg, sizeof(p->msg))) {
    case 0:
        return 0;
    case SIGNET_ENOMEM:
        return nomem(p);
    default:
        return -1;
    }
}

static int
decode_datas(struct parser *p, const struct pj_value *v, struct policy_datas *out)
{
    const struct pj_value *e;
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (v->kind == PJ_NULL)
        return 0;
    if (v->kind != PJ_ARRAY)
        return fail_type(p, v, "[][]uint8");
    out->present = 1;
    out->items = policy__alloc(p->arena, (v->count + 1) * sizeof(*out->items));
    if (out->items == NULL)
        return nomem(p);
    for (e = v->first; e != NULL; e = e->next)
        if (decode_bytes(p, e, &out->items[i++]) != 0)
            return -1;
    out->count = i;
    return 0;
}

/* ---- objects described by a table of fields ---- */

static int
type_is(const struct pstr *t, const char *name)
{
    return t->len == strlen(name) && memcmp(t->s, name, t->len) == 0;
}

enum field_kind {
    FK_STRING,  /* struct pstr; go_type names the Go type for type errors */
    FK_KEYTYPE, /* struct pstr; Go's sbKeyType */
    FK_STRINGS, /* struct policy_strings */
    FK_BYTES,   /* struct policy_bytes */
    FK_DATAS,   /* struct policy_datas */
    FK_RAW,     /* const struct pj_value * */
    FK_FULCIO,  /* struct policy_fulcio */
    FK_PKI,     /* struct policy_pki */
};

struct field {
    const char *name;
    enum field_kind kind;
    void *dst;
    const char *go_type;
    int got;
};

struct fields {
    struct field *f;
    size_t n;
};

static int parse_fulcio(struct parser *p, const struct pj_value *v, struct policy_fulcio *out);
static int parse_pki(struct parser *p, const struct pj_value *v, struct policy_pki *out);

static int
field_cb(struct parser *p, void *arg, const struct pj_value *m)
{
    struct fields *fs = arg;
    struct field *f = NULL;
    struct pstr *s;

    for (size_t i = 0; i < fs->n && f == NULL; i++)
        if (key_is(m, fs->f[i].name))
            f = &fs->f[i];
    if (f == NULL)
        return 0;
    f->got = 1;
    switch (f->kind) {
    case FK_STRING:
        return decode_string(p, m, f->dst, f->go_type) == 0 ? 1 : -1;
    case FK_KEYTYPE:
        s = f->dst;
        s->s = "";
        s->len = 0;
        if (decode_string(p, m, s, "string") != 0)
            return -1;
        if (!type_is(s, "GPGKeys") && !type_is(s, "signedByGPGKeys") &&
            !type_is(s, "X509Certificates") && !type_is(s, "signedByX509CAs"))
            return fail_quoted(p, "Unrecognized keyType value ", s->s, s->len, "");
        return 1;
    case FK_STRINGS:
        return decode_strings(p, m, f->dst) == 0 ? 1 : -1;
    case FK_BYTES:
        return decode_bytes(p, m, f->dst) == 0 ? 1 : -1;
    case FK_DATAS:
        return decode_datas(p, m, f->dst) == 0 ? 1 : -1;
    case FK_RAW:
        *(const struct pj_value **)f->dst = m;
        return 1;
    case FK_FULCIO:
        return parse_fulcio(p, m, f->dst) == 0 ? 1 : -1;
    case FK_PKI:
        return parse_pki(p, m, f->dst) == 0 ? 1 : -1;
    }
    return 0;
}

/* ParanoidUnmarshalJSONObject over @p fs; with @p exact, every field must be present
 * (ParanoidUnmarshalJSONObjectExactFields). */
static int
walk_fields(struct parser *p, const struct pj_value *obj, struct field *f, size_t n, int exact)
{
    struct fields fs = {f, n};

    if (walk_object(p, obj, field_cb, &fs) != 0)
        return -1;
    for (size_t i = 0; exact && i < n; i++)
        if (!f[i].got)
            return fail(p, "Key \"%s\" missing in a JSON object", f[i].name);
    return 0;
}

static char *
dup_pstr(struct parser *p, const struct pstr *s)
{
    char *d = policy__strndup(p->arena, s->s, s->len);

    if (d == NULL)
        nomem(p);
    return d;
}

/* json.Unmarshal(data, &prCommon{}) (or prmCommon): the "type" member, matched without regard
 * to case as encoding/json matches struct fields, the last one winning; other members are
 * ignored. */
static int
sniff_type(struct parser *p, const struct pj_value *v, const char *common, struct pstr *type)
{
    const struct pj_value *m;
    int seen_error = 0;

    type->s = "";
    type->len = 0;
    if (v->kind == PJ_NULL)
        return 0;
    if (v->kind != PJ_OBJECT)
        return fail(p, "json: cannot unmarshal %s into Go value of type signature.%s",
                    policy__go_kind(v), common);
    for (m = v->first; m != NULL; m = m->next) {
        int is_type = m->key_len == 4;
        for (size_t i = 0; is_type && i < 4; i++)
            is_type = (m->key[i] | 0x20) == "type"[i];
        if (!is_type || m->kind == PJ_NULL)
            continue;
        if (m->kind != PJ_STRING) {
            /* encoding/json keeps going and reports the first such error at the end */
            if (!seen_error)
                fail(p,
                     "json: cannot unmarshal %s into Go struct field %s.type of type "
                     "signature.%sTypeIdentifier",
                     policy__go_kind(m), common, strcmp(common, "prCommon") == 0 ? "pr" : "prm");
            seen_error = 1;
            continue;
        }
        type->s = m->str;
        type->len = m->len;
    }
    return seen_error ? -1 : 0;
}

/* ---- Docker references as containers/image's docker/reference parses them ---- */

static int
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* */
static int
path_component_ok(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || !is_lower_alnum(s[0]))
        return 0;
    while (i < len) {
        size_t start;
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        start = i;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
        else
            while (i < len && s[i] == '-')
                i++;
        if (i == start || i >= len || !is_lower_alnum(s[i]))
            return 0;
    }
    return 1;
}

/* DomainRegexp: components [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? joined by ".", then an
 * optional ":[0-9]+". */
static int
domain_ok(const char *s, size_t len)
{
    size_t i = 0, host_end = len;
    const char *colon = memchr(s, ':', len);

    if (colon != NULL) {
        host_end = (size_t)(colon - s);
        if (host_end + 1 == len)
            return 0;
        for (i = host_end + 1; i < len; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
    }
    if (host_end == 0)
        return 0;
    for (i = 0; i < host_end;) {
        size_t start = i;
        while (i < host_end && s[i] != '.')
            i++;
        if (i == start || !is_alnum(s[start]) || !is_alnum(s[i - 1]))
            return 0;
        for (size_t k = start; k < i; k++)
            if (!is_alnum(s[k]) && s[k] != '-')
                return 0;
        if (i < host_end && ++i == host_end)
            return 0; /* a trailing '.' */
    }
    return 1;
}

/* NameRegexp: (domain/)?path(/path)*; with @p need_domain, the first component must be a
 * domain followed by at least one path component (the remapIdentity rule). */
static int
name_ok(const char *s, size_t len, int need_domain)
{
    const char *slash = memchr(s, '/', len);
    int all_path = 1;

    for (size_t i = 0; i < len;) {
        const char *end = memchr(s + i, '/', len - i);
        size_t n = end ? (size_t)(end - (s + i)) : len - i;
        if (i > 0 && !path_component_ok(s + i, n))
            return 0;
        if (i == 0)
            all_path = path_component_ok(s, n);
        i += n + 1;
        if (end != NULL && i == len)
            return 0; /* a trailing '/' */
    }
    if (slash == NULL)
        return !need_domain && all_path;
    if (domain_ok(s, (size_t)(slash - s)))
        return 1;
    return !need_domain && all_path;
}

/* [\w][\w.-]{0,127} */
static int
tag_ok(const char *s, size_t len)
{
    if (len == 0 || len > 128 || !(is_alnum(s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

static int
is_xdigit_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,} */
static int
digest_grammar_ok(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    size_t alg_len, i;

    if (colon == NULL)
        return 0;
    alg_len = (size_t)(colon - s);
    for (i = 0; i < alg_len;) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
        while (i < alg_len && is_alnum(s[i]))
            i++;
        if (i < alg_len && strchr("-_+.", s[i]) != NULL && s[i] != '\0')
            i++;
        else if (i < alg_len)
            return 0;
        if (i == alg_len && strchr("-_+.", s[i - 1]) != NULL)
            return 0;
    }
    if (alg_len == 0 || len - alg_len - 1 < 32)
        return 0;
    for (i = alg_len + 1; i < len; i++)
        if (!is_xdigit_char(s[i]))
            return 0;
    return 1;
}

/* ReferenceRegexp, anchored, over name[:tag][@digest]. */
static int
reference_grammar_ok(const char *s, size_t len, size_t *name_len, int *tagged, int *digested)
{
    const char *at = memchr(s, '@', len);
    size_t head = at ? (size_t)(at - s) : len, last_slash = 0, nlen;
    const char *colon = NULL;

    for (size_t i = 0; i < head; i++)
        if (s[i] == '/')
            last_slash = i;
    colon = memchr(s + last_slash, ':', head - last_slash);
    nlen = colon ? (size_t)(colon - s) : head;
    if (colon != NULL && !tag_ok(colon + 1, head - nlen - 1))
        return 0;
    if (at != NULL && !digest_grammar_ok(at + 1, len - head - 1))
        return 0;
    if (!name_ok(s, nlen, 0))
        return 0;
    *name_len = nlen;
    *tagged = colon != NULL;
    *digested = at != NULL;
    return 1;
}

static int
is_alg(const char *s, size_t len, const char *alg)
{
    return len == strlen(alg) && memcmp(s, alg, len) == 0;
}

int
policy__go_digest_check(const char *s, size_t len, const char **msg)
{
    const char *colon = memchr(s, ':', len);
    size_t i, alg_len, want;

    *msg = "invalid checksum digest format";
    if (colon == NULL || colon == s || (size_t)(colon - s) + 1 == len)
        return -1;
    alg_len = (size_t)(colon - s);
    if (is_alg(s, alg_len, "sha256"))
        want = 64;
    else if (is_alg(s, alg_len, "sha384"))
        want = 96;
    else if (is_alg(s, alg_len, "sha512"))
        want = 128;
    else {
        /* DigestRegexpAnchored: [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+ */
        int ok = is_lower_alnum(s[0]) && is_lower_alnum(s[alg_len - 1]);
        for (i = 1; ok && i < alg_len; i++)
            ok = is_lower_alnum(s[i]) ||
                 (strchr(".+_-", s[i]) != NULL && s[i] != '\0' && is_lower_alnum(s[i + 1]));
        for (i = alg_len + 1; ok && i < len; i++)
            ok = is_alnum(s[i]) || s[i] == '=' || s[i] == '_' || s[i] == '-';
        if (ok)
            *msg = "unsupported digest algorithm";
        return -1;
    }
    if (len - alg_len - 1 != want) {
        *msg = "invalid checksum digest length";
        return -1;
    }
    for (i = alg_len + 1; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return -1;
    return 0;
}

/*
 * reference.ParseNormalizedNamed. On success *name_only tells whether there is neither tag nor
 * digest. On failure, @p err gets docker/reference's message.
 */
static int
parse_normalized_named(struct parser *p, const struct pstr *text, int *name_only, const char **err)
{
    const char *s = text->s, *slash, *domain = "docker.io", *rem = s, *lib = "";
    size_t len = text->len, dlen = 9, rlen = len, i, full_len, name_len;
    int tagged = 0, digested = 0, rc = -1;
    char *full, *lower;

    *err = "invalid reference format";
    if (len == 64) {
        for (i = 0; i < 64 && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));)
            i++;
        if (i == 64) {
            *err = "cannot specify 64-byte hexadecimal strings";
            return -1;
        }
    }
    slash = memchr(s, '/', len);
    if (slash != NULL) {
        size_t n = (size_t)(slash - s);
        if (memchr(s, '.', n) != NULL || memchr(s, ':', n) != NULL ||
            (n == 9 && memcmp(s, "localhost", 9) == 0)) {
            domain = s;
            dlen = n;
            rem = slash + 1;
            rlen = len - n - 1;
        }
    }
    if (dlen == 15 && memcmp(domain, "index.docker.io", 15) == 0)
        domain = "docker.io", dlen = 9;
    if (dlen == 9 && memcmp(domain, "docker.io", 9) == 0 && memchr(rem, '/', rlen) == NULL)
        lib = "library/";
    for (i = 0; i < rlen && rem[i] != ':'; i++)
        if (rem[i] >= 'A' && rem[i] <= 'Z') {
            *err = "invalid reference format: repository name must be lowercase";
            return -1;
        }
    full_len = dlen + 1 + strlen(lib) + rlen;
    full = malloc(2 * full_len + 2);
    if (full == NULL)
        return nomem(p);
    lower = full + full_len + 1;
    memcpy(full, domain, dlen);
    full[dlen] = '/';
    memcpy(full + dlen + 1, lib, strlen(lib));
    memcpy(full + dlen + 1 + strlen(lib), rem, rlen);
    full[full_len] = '\0';
    for (i = 0; i < full_len; i++)
        lower[i] = (full[i] >= 'A' && full[i] <= 'Z') ? (char)(full[i] | 0x20) : full[i];
    if (!reference_grammar_ok(full, full_len, &name_len, &tagged, &digested)) {
        size_t n2;
        int t2, d2;
        if (reference_grammar_ok(lower, full_len, &n2, &t2, &d2))
            *err = "invalid reference format: repository name must be lowercase";
        goto out;
    }
    if (name_len > 255) {
        *err = "repository name must not be more than 255 characters";
        goto out;
    }
    if (digested) {
        const char *at = memchr(full, '@', full_len);
        if (policy__go_digest_check(at + 1, full_len - (size_t)(at + 1 - full), err) != 0)
            goto out;
    }
    *name_only = !tagged && !digested;
    rc = 0;
out:
    free(full);
    return rc;
}

static int
check_reference(struct parser *p, const struct pstr *text, const char *field, int need_tag)
{
    char q[SIGNET_ERROR_MESSAGE_MAX];
    const char *err;
    int name_only = 0;

    if (parse_normalized_named(p, text, &name_only, &err) != 0) {
        if (p->nomem)
            return -1;
        policy__go_quote(q, sizeof(q), text->s, text->len);
        if (strcmp(err, "cannot specify 64-byte hexadecimal strings") == 0)
            return fail(p, "Invalid format of %s %s: invalid repository name (%.*s), %s", field, q,
                        (int)text->len, text->s, err);
        return fail(p, "Invalid format of %s %s: %s", field, q, err);
    }
    if (need_tag && name_only)
        return fail_quoted(p, "dockerReference ", text->s, text->len,
                           " contains neither a tag nor digest");
    return 0;
}

/* validateIdentityRemappingPrefix: ^domain$, or ^name$ starting with domain/. */
static int
check_remap_prefix(struct parser *p, const struct pstr *s)
{
    if ((strlen(s->s) == s->len && memchr(s->s, '/', s->len) == NULL && domain_ok(s->s, s->len)) ||
        (strlen(s->s) == s->len && name_ok(s->s, s->len, 1)))
        return 0;
    return fail_quoted(p, "prefix ", s->s, s->len, " is not valid");
}

/* ---- signedIdentity (PolicyReferenceMatch) ---- */

static const struct {
    const char *name;
    signet_policy_identity_type type;
    const char *field1, *field2;
} identity_types[] = {
    {"matchExact", SIGNET_POLICY_MATCH_EXACT, NULL, NULL},
    {"matchRepoDigestOrExact", SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT, NULL, NULL},
    {"matchRepository", SIGNET_POLICY_MATCH_REPOSITORY, NULL, NULL},
    {"exactReference", SIGNET_POLICY_EXACT_REFERENCE, "dockerReference", NULL},
    {"exactRepository", SIGNET_POLICY_EXACT_REPOSITORY, "dockerRepository", NULL},
    {"remapIdentity", SIGNET_POLICY_REMAP_IDENTITY, "prefix", "signedPrefix"},
};

static int
parse_identity(struct parser *p, const struct pj_value *v, struct policy_identity *out)
{
    struct pstr type, t2 = {"", 0}, a = {"", 0}, b = {"", 0};
    struct field f[3] = {{"type", FK_STRING, &t2, "signature.prmTypeIdentifier", 0},
                         {NULL, FK_STRING, &a, "string", 0},
                         {NULL, FK_STRING, &b, "string", 0}};
    size_t i, n = 1;

    if (sniff_type(p, v, "prmCommon", &type) != 0)
        return -1;
    for (i = 0; i < sizeof(identity_types) / sizeof(identity_types[0]); i++)
        if (type_is(&type, identity_types[i].name))
            break;
    if (i == sizeof(identity_types) / sizeof(identity_types[0]))
        return fail_quoted(p, "Unknown policy reference match type ", type.s, type.len, "");
    if (identity_types[i].field1 != NULL)
        f[n++].name = identity_types[i].field1;
    if (identity_types[i].field2 != NULL)
        f[n++].name = identity_types[i].field2;
    if (walk_fields(p, v, f, n, 1) != 0)
        return -1;
    if (!type_is(&t2, identity_types[i].name))
        return fail_quoted(p, "Unexpected policy requirement type ", t2.s, t2.len, "");
    out->type = identity_types[i].type;
    switch (out->type) {
    case SIGNET_POLICY_EXACT_REFERENCE:
        if (check_reference(p, &a, "dockerReference", 1) != 0 ||
            (out->docker_reference = dup_pstr(p, &a)) == NULL)
            return -1;
        break;
    case SIGNET_POLICY_EXACT_REPOSITORY:
        if (check_reference(p, &a, "dockerRepository", 0) != 0 ||
            (out->docker_repository = dup_pstr(p, &a)) == NULL)
            return -1;
        break;
    case SIGNET_POLICY_REMAP_IDENTITY:
        if (check_remap_prefix(p, &a) != 0 || check_remap_prefix(p, &b) != 0 ||
            (out->prefix = dup_pstr(p, &a)) == NULL ||
            (out->signed_prefix = dup_pstr(p, &b)) == NULL)
            return -1;
        break;
    default:
        break;
    }
    return 0;
}

static int
parse_signed_identity(struct parser *p, const struct pj_value *raw, struct policy_identity *out)
{
    if (raw == NULL) {
        out->type = SIGNET_POLICY_MATCH_REPO_DIGEST_OR_EXACT;
        return 0;
    }
    return parse_identity(p, raw, out);
}

/* ---- fulcio and pki ---- */

static int
parse_fulcio(struct parser *p, const struct pj_value *v, struct policy_fulcio *out)
{
    struct pstr ca_path = {"", 0}, issuer = {"", 0}, email = {"", 0};
    struct field f[] = {{"caPath", FK_STRING, &ca_path, "string", 0},
                        {"caData", FK_BYTES, &out->ca_data, NULL, 0},
                        {"oidcIssuer", FK_STRING, &issuer, "string", 0},
                        {"subjectEmail", FK_STRING, &email, "string", 0}};

    memset(out, 0, sizeof(*out));
    if (walk_fields(p, v, f, sizeof(f) / sizeof(f[0]), 0) != 0)
        return -1;
    if (ca_path.len > 0 && out->ca_data.present)
        return fail(p, "caPath and caData cannot be used simultaneously");
    if (ca_path.len == 0 && !out->ca_data.present)
        return fail(p, "At least one of caPath and caData must be specified");
    if (issuer.len == 0)
        return fail(p, "oidcIssuer not specified");
    if (email.len == 0)
        return fail(p, "subjectEmail not specified");
    if ((out->ca_path = dup_pstr(p, &ca_path)) == NULL ||
        (out->oidc_issuer = dup_pstr(p, &issuer)) == NULL ||
        (out->subject_email = dup_pstr(p, &email)) == NULL)
        return -1;
    return 0;
}

static int
parse_pki(struct parser *p, const struct pj_value *v, struct policy_pki *out)
{
    struct pstr roots = {"", 0}, inter = {"", 0}, email = {"", 0}, host = {"", 0};
    struct field f[] = {{"caRootsPath", FK_STRING, &roots, "string", 0},
                        {"caRootsData", FK_BYTES, &out->ca_roots_data, NULL, 0},
                        {"caIntermediatesPath", FK_STRING, &inter, "string", 0},
                        {"caIntermediatesData", FK_BYTES, &out->ca_intermediates_data, NULL, 0},
                        {"subjectEmail", FK_STRING, &email, "string", 0},
                        {"subjectHostname", FK_STRING, &host, "string", 0}};

    memset(out, 0, sizeof(*out));
    if (walk_fields(p, v, f, sizeof(f) / sizeof(f[0]), 0) != 0)
        return -1;
    if (roots.len > 0 && out->ca_roots_data.present)
        return fail(p, "caRootsPath and caRootsData cannot be used simultaneously");
    if (roots.len == 0 && !out->ca_roots_data.present)
        return fail(p, "At least one of caRootsPath and caRootsData must be specified");
    if (inter.len > 0 && out->ca_intermediates_data.present)
        return fail(p, "caIntermediatesPath and caIntermediatesData cannot be used simultaneously");
    if (email.len == 0 && host.len == 0)
        return fail(p, "At least one of subjectEmail, subjectHostname must be specified");
    if ((out->ca_roots_path = dup_pstr(p, &roots)) == NULL ||
        (out->ca_intermediates_path = dup_pstr(p, &inter)) == NULL ||
        (out->subject_email = dup_pstr(p, &email)) == NULL ||
        (out->subject_hostname = dup_pstr(p, &host)) == NULL)
        return -1;
    return 0;
}

/* ---- requirements ---- */

static int
parse_simple(struct parser *p, const struct pj_value *v, struct policy_requirement *r,
             const char *name)
{
    struct pstr t = {"", 0};
    struct field f[] = {{"type", FK_STRING, &t, "signature.prTypeIdentifier", 0}};

    if (walk_fields(p, v, f, 1, 1) != 0)
        return -1;
    if (!type_is(&t, name))
        return fail_quoted(p, "Unexpected policy requirement type ", t.s, t.len, "");
    (void)r;
    return 0;
}

static int
parse_base_layer(struct parser *p, const struct pj_value *v, struct policy_requirement *r)
{
    struct pstr t = {"", 0};
    const struct pj_value *raw = NULL;
    struct field f[] = {{"type", FK_STRING, &t, "signature.prTypeIdentifier", 0},
                        {"baseLayerIdentity", FK_RAW, &raw, NULL, 0}};

    if (walk_fields(p, v, f, 2, 1) != 0)
        return -1;
    if (!type_is(&t, "signedBaseLayer"))
        return fail_quoted(p, "Unexpected policy requirement type ", t.s, t.len, "");
    return parse_identity(p, raw, &r->identity);
}

static int
parse_signed_by(struct parser *p, const struct pj_value *v, struct policy_requirement *r)
{
    struct pstr t = {"", 0}, key_type = {"", 0}, key_path = {"", 0};
    const struct pj_value *identity = NULL;
    struct field f[] = {{"type", FK_STRING, &t, "signature.prTypeIdentifier", 0},
                        {"keyType", FK_KEYTYPE, &key_type, NULL, 0},
                        {"keyPath", FK_STRING, &key_path, "string", 0},
                        {"keyPaths", FK_STRINGS, &r->key_paths, NULL, 0},
                        {"keyData", FK_BYTES, &r->key_data, NULL, 0},
                        {"signedIdentity", FK_RAW, &identity, NULL, 0}};
    int sources;

    if (walk_fields(p, v, f, sizeof(f) / sizeof(f[0]), 0) != 0)
        return -1;
    if (!type_is(&t, "signedBy"))
        return fail_quoted(p, "Unexpected policy requirement type ", t.s, t.len, "");
    if (parse_signed_identity(p, identity, &r->identity) != 0)
        return -1;
    sources = f[2].got + f[3].got + f[4].got;
    if (sources == 0)
        return fail(p, "Exactly one of keyPath, keyPaths and keyData must be specified, none of "
                       "them present");
    if (sources > 1)
        return fail(p, "Exactly one of keyPath, keyPaths and keyData must be specified, more "
                       "than one present");
    if (type_is(&key_type, "GPGKeys"))
        r->key_type = POLICY_KEY_GPG_KEYS;
    else if (type_is(&key_type, "signedByGPGKeys"))
        r->key_type = POLICY_KEY_SIGNED_BY_GPG_KEYS;
    else if (type_is(&key_type, "X509Certificates"))
        r->key_type = POLICY_KEY_X509_CERTIFICATES;
    else if (type_is(&key_type, "signedByX509CAs"))
        r->key_type = POLICY_KEY_SIGNED_BY_X509_CAS;
    else
        return fail_quoted(p, "invalid keyType ", key_type.s, key_type.len, "");
    if ((key_path.len > 0) + r->key_paths.present + r->key_data.present != 1)
        return fail(p, "exactly one of keyPath, keyPaths and keyData must be specified");
    r->keys = key_path.len > 0       ? POLICY_KEYS_PATH
              : r->key_paths.present ? POLICY_KEYS_PATHS
                                     : POLICY_KEYS_DATA;
    if ((r->key_path = dup_pstr(p, &key_path)) == NULL)
        return -1;
    return 0;
}

static int
parse_sigstore(struct parser *p, const struct pj_value *v, struct policy_requirement *r)
{
    struct pstr t = {"", 0}, key_path = {"", 0}, rekor_path = {"", 0};
    const struct pj_value *identity = NULL;
    struct field f[] = {{"type", FK_STRING, &t, "signature.prTypeIdentifier", 0},
                        {"keyPath", FK_STRING, &key_path, "string", 0},
                        {"keyPaths", FK_STRINGS, &r->key_paths, NULL, 0},
                        {"keyData", FK_BYTES, &r->key_data, NULL, 0},
                        {"keyDatas", FK_DATAS, &r->key_datas, NULL, 0},
                        {"fulcio", FK_FULCIO, &r->fulcio, NULL, 0},
                        {"rekorPublicKeyPath", FK_STRING, &rekor_path, "string", 0},
                        {"rekorPublicKeyPaths", FK_STRINGS, &r->rekor_key_paths, NULL, 0},
                        {"rekorPublicKeyData", FK_BYTES, &r->rekor_key_data, NULL, 0},
                        {"rekorPublicKeyDatas", FK_DATAS, &r->rekor_key_datas, NULL, 0},
                        {"pki", FK_PKI, &r->pki, NULL, 0},
                        {"signedIdentity", FK_RAW, &identity, NULL, 0}};
    int got_fulcio, got_pki, sources, rekors;

    if (walk_fields(p, v, f, sizeof(f) / sizeof(f[0]), 0) != 0)
        return -1;
    if (!type_is(&t, "sigstoreSigned"))
        return fail_quoted(p, "Unexpected policy requirement type ", t.s, t.len, "");
    if (parse_signed_identity(p, identity, &r->identity) != 0)
        return -1;
    got_fulcio = f[5].got;
    got_pki = f[10].got;
    /* The options of newPRSigstoreSigned, in their order. */
    if (f[2].got && r->key_paths.count == 0)
        return fail(p, "\"keyPaths\" contains no entries");
    if (f[4].got && r->key_datas.count == 0)
        return fail(p, "\"keyDatas\" contains no entries");
    if (f[7].got && r->rekor_key_paths.count == 0)
        return fail(p, "\"rekorPublickeyPaths\" contains no entries");
    if (f[9].got && r->rekor_key_datas.count == 0)
        return fail(p, "\"rekorPublickeyDatas\" contains no entries");
    sources = (key_path.len > 0) + r->key_paths.present + r->key_data.present +
              r->key_datas.present + got_fulcio + got_pki;
    if (sources != 1)
        return fail(p, "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki "
                       "must be specified");
    rekors = (rekor_path.len > 0) + r->rekor_key_paths.present + r->rekor_key_data.present +
             r->rekor_key_datas.present;
    if (rekors > 1)
        return fail(p, "at most one of rekorPublickeyPath, rekorPublicKeyPaths, "
                       "rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously");
    if (got_fulcio && rekors == 0)
        return fail(p, "At least one of rekorPublickeyPath, rekorPublicKeyPaths, "
                       "rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio "
                       "is used");
    if (got_pki && rekors > 0)
        return fail(p, "rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and "
                       "rekorPublicKeyDatas are not supported for pki");
    r->keys = key_path.len > 0       ? POLICY_KEYS_PATH
              : r->key_paths.present ? POLICY_KEYS_PATHS
              : r->key_data.present  ? POLICY_KEYS_DATA
              : r->key_datas.present ? POLICY_KEYS_DATAS
              : got_fulcio           ? POLICY_KEYS_FULCIO
                                     : POLICY_KEYS_PKI;
    r->rekor = rekor_path.len > 0           ? POLICY_KEYS_PATH
               : r->rekor_key_paths.present ? POLICY_KEYS_PATHS
               : r->rekor_key_data.present  ? POLICY_KEYS_DATA
               : r->rekor_key_datas.present ? POLICY_KEYS_DATAS
                                            : POLICY_KEYS_NONE;
    if ((r->key_path = dup_pstr(p, &key_path)) == NULL ||
        (r->rekor_key_path = dup_pstr(p, &rekor_path)) == NULL)
        return -1;
    return 0;
}

static int
parse_requirement(struct parser *p, const struct pj_value *v, struct policy_requirement *r)
{
    struct pstr type;

    if (sniff_type(p, v, "prCommon", &type) != 0)
        return -1;
    r->key_path = r->rekor_key_path = "";
    if (type_is(&type, "insecureAcceptAnything")) {
        r->type = SIGNET_POLICY_INSECURE_ACCEPT_ANYTHING;
        return parse_simple(p, v, r, "insecureAcceptAnything");
    }
    if (type_is(&type, "reject")) {
        r->type = SIGNET_POLICY_REJECT;
        return parse_simple(p, v, r, "reject");
    }
    if (type_is(&type, "signedBy")) {
        r->type = SIGNET_POLICY_SIGNED_BY;
        return parse_signed_by(p, v, r);
    }
    if (type_is(&type, "signedBaseLayer")) {
        r->type = SIGNET_POLICY_SIGNED_BASE_LAYER;
        return parse_base_layer(p, v, r);
    }
    if (type_is(&type, "sigstoreSigned")) {
        r->type = SIGNET_POLICY_SIGSTORE_SIGNED;
        return parse_sigstore(p, v, r);
    }
    return fail_quoted(p, "Unknown policy requirement type ", type.s, type.len, "");
}

/* PolicyRequirements.UnmarshalJSON */
static int
parse_requirements(struct parser *p, const struct pj_value *v,
                   struct signet_policy_requirements *out)
{
    const struct pj_value *e;
    size_t i = 0;

    if (v->kind != PJ_NULL && v->kind != PJ_ARRAY)
        return fail_type(p, v, "[]json.RawMessage");
    if (v->kind == PJ_NULL || v->count == 0)
        return fail(p, "List of verification policy requirements must not be empty");
    out->items = policy__alloc(p->arena, v->count * sizeof(*out->items));
    if (out->items == NULL)
        return nomem(p);
    for (e = v->first; e != NULL; e = e->next)
        if (parse_requirement(p, e, &out->items[i++]) != 0)
            return -1;
    out->count = i;
    return 0;
}

/* ---- transports and the top level ---- */

static int
scope_cb(struct parser *p, void *arg, const struct pj_value *m)
{
    struct policy_transport *t = arg;
    struct policy_scope *s;

    if (m->key_len > 0 && !policy__scope_is_valid(t->name, t->name_len, m->key, m->key_len))
        return 0;
    s = &t->scopes[t->nscopes++];
    s->name = m->key;
    s->name_len = m->key_len;
    return parse_requirements(p, m, &s->reqs) == 0 ? 1 : -1;
}

static int
transport_cb(struct parser *p, void *arg, const struct pj_value *m)
{
    struct signet_policy *policy = arg;
    struct policy_transport *t = &policy->transports[policy->ntransports++];

    t->name = m->key;
    t->name_len = m->key_len;
    if (m->kind == PJ_OBJECT) {
        t->scopes = policy__alloc(p->arena, (m->count + 1) * sizeof(*t->scopes));
        if (t->scopes == NULL)
            return nomem(p);
    }
    return walk_object(p, m, scope_cb, t) == 0 ? 1 : -1;
}

struct top {
    struct signet_policy *policy;
    int got_default;
};

static int
top_cb(struct parser *p, void *arg, const struct pj_value *m)
{
    struct top *top = arg;
    struct signet_policy *policy = top->policy;

    if (key_is(m, "default")) {
        top->got_default = 1;
        return parse_requirements(p, m, &policy->default_reqs) == 0 ? 1 : -1;
    }
    if (key_is(m, "transports")) {
        /* A second "transports" is a duplicate, refused before this is called. */
        if (m->kind == PJ_OBJECT) {
            policy->transports =
                policy__alloc(p->arena, (m->count + 1) * sizeof(*policy->transports));
            if (policy->transports == NULL)
                return nomem(p);
        }
        return walk_object(p, m, transport_cb, policy) == 0 ? 1 : -1;
    }
    return 0;
}

int
signet_policy_parse(signet_policy **out, signet_ctx *ctx, const void *json, size_t len,
                    const char *name)
{
    struct signet_policy *policy = NULL;
    struct parser p;
    struct pj_value *root = NULL;
    struct top top;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && (json != NULL || len == 0) && name != NULL);
    *out = NULL;
    if (len > SIGNET_POLICY_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE,
                                 "invalid policy in \"%s\": larger than %d bytes", name,
                                 SIGNET_POLICY_MAX);
    policy = calloc(1, sizeof(*policy));
    if (policy == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    /* Bounded: the tree and the policy take a small multiple of the input. The policy keeps the
     * tree's strings (scope names, paths), so both live in the policy's arena. */
    policy->arena.max = 128 * (len + 64);
    memset(&p, 0, sizeof(p));
    p.arena = &policy->arena;
    top.policy = policy;
    top.got_default = 0;
    rc = policy__json_parse(&root, &policy->arena, json != NULL ? json : "", len, p.msg,
                            sizeof(p.msg));
    if (rc == SIGNET_ENOMEM)
        p.nomem = 1;
    if (rc == SIGNET_OK) {
        if (walk_object(&p, root, top_cb, &top) == 0 && !top.got_default)
            fail(&p, "Default policy is missing");
        rc = p.msg[0] != '\0' ? SIGNET_EPARSE : SIGNET_OK;
    }
    if (p.nomem)
        rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory parsing policy \"%s\"", name);
    else if (rc != SIGNET_OK)
        rc = signet_error__set(ctx, SIGNET_EPARSE, "invalid policy in \"%s\": %s", name, p.msg);
    if (rc != SIGNET_OK) {
        signet_policy_free(policy);
        return rc;
    }
    *out = policy;
    return SIGNET_OK;
}

int
signet_policy_load(signet_policy **out, signet_ctx *ctx, const char *path)
{
    signet_buf buf = SIGNET_BUF_INIT;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && path != NULL);
    *out = NULL;
    signet_buf_init(&buf, SIGNET_POLICY_MAX, 0);
    if ((rc = signet_file_read(&buf, ctx, path)) == SIGNET_OK)
        rc = signet_policy_parse(out, ctx, buf.ptr, buf.size, path);
    signet_buf_dispose(&buf);
    return rc;
}

void
signet_policy_free(signet_policy *policy)
{
    if (policy == NULL)
        return;
    policy__arena_release(&policy->arena);
    free(policy);
}
