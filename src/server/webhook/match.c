/*
 * Which rule applies to an image, and which namespaces are checked (config.h says how).
 */
#include "config.h"

#include <string.h>

/* @p pattern matches the first @p len bytes of @p s; '*' matches any run, '/' included. */
static int
glob(const char *pattern, const char *s, size_t len)
{
    const char *star = NULL;
    size_t i = 0, mark = 0;

    /* On a mismatch, let the last '*' take one more byte: linear backtracking suffices when
     * '*' is the only wildcard. */
    while (i < len) {
        if (*pattern == '*') {
            star = pattern++;
            mark = i;
        } else if (*pattern != '\0' && *pattern == s[i]) {
            pattern++;
            i++;
        } else if (star != NULL) {
            pattern = star + 1;
            i = ++mark;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

/* The length of @p image without its ":tag" and "@digest". */
static size_t
name_length(const char *image)
{
    size_t end = strcspn(image, "@");
    const char *last = image;

    for (const char *c = image; c < image + end; c++)
        if (*c == '/')
            last = c + 1;
    for (const char *c = last; c < image + end; c++)
        if (*c == ':')
            return (size_t)(c - image);
    return end;
}

static int
rule_matches(const char *pattern, const char *image)
{
    const char *last = strrchr(pattern, '/');
    size_t name;

    if (glob(pattern, image, strlen(image)))
        return 1;
    /* "host/repo" also accepts any tag or digest of host/repo. */
    if (strpbrk(last != NULL ? last : pattern, ":@") != NULL)
        return 0;
    name = name_length(image);
    return name < strlen(image) && glob(pattern, image, name);
}

static size_t
count_components(const char *s)
{
    size_t n = 1;

    for (; *s != '\0'; s++)
        n += *s == '/';
    return n;
}

static size_t
common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = 0;

    while (n < alen && n < blen && a[n] == b[n])
        n++;
    return n;
}

/*
 * Connaisseur's order: more components; then, component by component, the longer common
 * prefix with the image; then, component by component, the longer component. >0 when @p a is
 * more specific than @p b, <0 when less, 0 when equally.
 */
static int
compare(const char *a, const char *b, const char *image)
{
    size_t ca = count_components(a), cb = count_components(b);

    if (ca != cb)
        return ca > cb ? 1 : -1;
    for (int pass = 0; pass < 2; pass++) {
        const char *pa = a, *pb = b, *pi = image;
        for (size_t k = 0; k < ca; k++) {
            size_t la = strcspn(pa, "/"), lb = strcspn(pb, "/"), li = strcspn(pi, "/");
            size_t va = pass == 0 ? common_prefix(pa, la, pi, li) : la;
            size_t vb = pass == 0 ? common_prefix(pb, lb, pi, li) : lb;
            if (va != vb)
                return va > vb ? 1 : -1;
            pa += la + (pa[la] == '/');
            pb += lb + (pb[lb] == '/');
            pi += li + (pi[li] == '/');
        }
    }
    return 0;
}

const wh_rule *
wh_config_match(const wh_config *config, const char *image)
{
    const wh_rule *best = NULL;

    if (config == NULL || image == NULL)
        return NULL;
    for (size_t i = 0; i < config->rules_count; i++) {
        const wh_rule *rule = &config->rules[i];
        if (rule_matches(rule->pattern, image) &&
            (best == NULL || compare(rule->pattern, best->pattern, image) > 0))
            best = rule;
    }
    return best;
}

static int
listed(char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

int
wh_config_namespace_checked(const wh_config *config, const char *ns)
{
    if (ns == NULL)
        ns = "";
    if (listed(config->namespaces_exclude, config->namespaces_exclude_count, ns))
        return 0;
    return config->namespaces_include_count == 0 ||
           listed(config->namespaces_include, config->namespaces_include_count, ns);
}
