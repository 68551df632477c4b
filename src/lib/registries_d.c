/*
 * registries.d, read as containers/image reads it (docker/registries_d.go): sigs.k8s.io/yaml,
 * i.e. YAML 1.1 converted to JSON, then encoding/json into
 *
 *     { "default-docker": *registryNamespace, "docker": map[string]registryNamespace }
 *
 * What that means here: unknown keys are ignored; field names match case-insensitively
 * (ASCII); of keys repeated in one mapping the last wins; the keys of a mapping are applied in
 * byte order (JSON objects made from Go maps are sorted), so of two spellings of one field the
 * later in that order wins; a null string is left unset, a null section is absent;
 * "use-sigstore-attachments" takes YAML 1.1 booleans (true, yes, on, y, ...) and nothing else.
 * Not done: YAML merge keys ("<<"), and numbers given as URLs keep their YAML spelling.
 */
#include "registries_d_internal.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define RD_ERR "Error parsing signature storage configuration: "

struct rd_ns {
    char *lookaside, *lookaside_staging, *sigstore, *sigstore_staging;
    int attachments; /* -1 unset, else 0 or 1 */
};

struct rd_scope {
    char *name;
    char *file; /* where it was defined */
    struct rd_ns ns;
};

struct signet_registries_d {
    int has_default;
    struct rd_ns def;
    char *default_file;
    struct rd_scope *scopes;
    size_t nscopes, cap;
    unsigned char content_digest[32]; /* chains the name and bytes of every file added */
};

/* ---- memory ---- */

static void
ns_clear(struct rd_ns *ns)
{
    free(ns->lookaside);
    free(ns->lookaside_staging);
    free(ns->sigstore);
    free(ns->sigstore_staging);
    memset(ns, 0, sizeof(*ns));
    ns->attachments = -1;
}

static void
cfg_clear(struct signet_registries_d *cfg)
{
    ns_clear(&cfg->def);
    free(cfg->default_file);
    cfg->default_file = NULL;
    cfg->has_default = 0;
    for (size_t i = 0; i < cfg->nscopes; i++) {
        free(cfg->scopes[i].name);
        free(cfg->scopes[i].file);
        ns_clear(&cfg->scopes[i].ns);
    }
    free(cfg->scopes);
    cfg->scopes = NULL;
    cfg->nscopes = cfg->cap = 0;
}

void
signet_registries_d_free(signet_registries_d *cfg)
{
    if (cfg == NULL)
        return;
    cfg_clear(cfg);
    free(cfg);
}

int
signet_registries_d__new(signet_registries_d **out, signet_ctx *ctx)
{
    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    (*out)->def.attachments = -1;
    return SIGNET_OK;
}

static struct rd_scope *
find_scope(const struct signet_registries_d *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nscopes; i++)
        if (strcmp(cfg->scopes[i].name, name) == 0)
            return &cfg->scopes[i];
    return NULL;
}

/* ---- one file ---- */

struct rd_parse {
    signet_ctx *ctx;
    yaml_document_t *doc;
    const char *path;
};

struct rd_pair {
    const char *key;
    yaml_node_t *value;
    size_t order;
};

static int
parse_error(struct rd_parse *p, const yaml_node_t *node, const char *what)
{
    return signet_error__set(p->ctx, SIGNET_EPARSE, "parsing %s: line %lu: %s", p->path,
                             (unsigned long)node->start_mark.line + 1, what);
}

static int
is_null(const yaml_node_t *node)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

    if (node == NULL)
        return 1;
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (node->data.scalar.length == strlen(nulls[i]) &&
            memcmp(node->data.scalar.value, nulls[i], node->data.scalar.length) == 0)
            return 1;
    return 0;
}

/* A plain YAML 1.1 boolean (yaml.v2's table): 1 or 0, else -1. */
static int
yaml_bool(const yaml_node_t *node)
{
    static const char *const yes[] = {"y",  "Y",  "yes",  "Yes",  "YES", "on",
                                      "On", "ON", "true", "True", "TRUE"};
    static const char *const no[] = {"n",   "N",   "no",    "No",    "NO",   "off",
                                     "Off", "OFF", "false", "False", "FALSE"};
    const char *s = (const char *)node->data.scalar.value;

    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        strlen(s) != node->data.scalar.length)
        return -1;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcmp(s, yes[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcmp(s, no[i]) == 0)
            return 0;
    return -1;
}

static const char *
node_kind(const yaml_node_t *node)
{
    if (node->type == YAML_MAPPING_NODE)
        return "object";
    if (node->type == YAML_SEQUENCE_NODE)
        return "array";
    return yaml_bool(node) >= 0 ? "bool" : "string";
}

static int
pair_cmp(const void *a, const void *b)
{
    const struct rd_pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The pairs of a mapping node, sorted by key, a repeated key keeping only its last value.
 * Keys must be scalars without NUL bytes.
 */
static int
mapping_pairs(struct rd_parse *p, yaml_node_t *map, struct rd_pair **out, size_t *count)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    size_t n = (size_t)(top - start), kept = 0;
    struct rd_pair *pairs;

    *out = NULL;
    *count = 0;
    if (n == 0)
        return SIGNET_OK;
    pairs = calloc(n, sizeof(*pairs));
    if (pairs == NULL)
        return signet_error__set(p->ctx, SIGNET_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *key = yaml_document_get_node(p->doc, start[i].key);
        if (key == NULL || key->type != YAML_SCALAR_NODE ||
            strlen((const char *)key->data.scalar.value) != key->data.scalar.length) {
            free(pairs);
            return parse_error(p, key != NULL ? key : map, "unsupported mapping key");
        }
        pairs[i].key = (const char *)key->data.scalar.value;
        pairs[i].value = yaml_document_get_node(p->doc, start[i].value);
        pairs[i].order = i;
    }
    qsort(pairs, n, sizeof(*pairs), pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && strcmp(pairs[i].key, pairs[i + 1].key) == 0)
            continue;
        pairs[kept++] = pairs[i];
    }
    *out = pairs;
    *count = kept;
    return SIGNET_OK;
}

/* The pairs of a mapping; null is an empty mapping (as Go's yaml reads it); anything else is an
 * error naming @p what. */
static int
mapping_or_null(struct rd_parse *p, yaml_node_t *node, const char *what, struct rd_pair **pairs,
                size_t *n)
{
    char msg[96];

    *pairs = NULL;
    *n = 0;
    if (is_null(node))
        return SIGNET_OK;
    if (node->type != YAML_MAPPING_NODE) {
        snprintf(msg, sizeof(msg), "cannot unmarshal %s into %s", node_kind(node), what);
        return parse_error(p, node, msg);
    }
    return mapping_pairs(p, node, pairs, n);
}

static int
set_string(struct rd_parse *p, char **field, const char *key, yaml_node_t *value)
{
    char *copy;

    if (is_null(value))
        return SIGNET_OK; /* encoding/json leaves a string alone on null */
    if (value->type != YAML_SCALAR_NODE ||
        strlen((const char *)value->data.scalar.value) != value->data.scalar.length) {
        char msg[96];
        snprintf(msg, sizeof(msg), "cannot unmarshal %s into \"%s\" of type string",
                 node_kind(value), key);
        return parse_error(p, value, msg);
    }
    copy = strdup((const char *)value->data.scalar.value);
    if (copy == NULL)
        return signet_error__set(p->ctx, SIGNET_ENOMEM, "out of memory");
    free(*field);
    *field = copy;
    return SIGNET_OK;
}

/* One registryNamespace (a mapping, or null for an empty one) into @p ns. */
static int
parse_ns(struct rd_parse *p, struct rd_ns *ns, yaml_node_t *node)
{
    struct rd_pair *pairs = NULL;
    size_t n = 0;
    int rc;

    if ((rc = mapping_or_null(p, node, "a namespace", &pairs, &n)) != SIGNET_OK)
        return rc;
    for (size_t i = 0; i < n && rc == SIGNET_OK; i++) {
        const char *k = pairs[i].key;
        yaml_node_t *v = pairs[i].value;

        if (strcasecmp(k, "lookaside") == 0) {
            rc = set_string(p, &ns->lookaside, "lookaside", v);
        } else if (strcasecmp(k, "lookaside-staging") == 0) {
            rc = set_string(p, &ns->lookaside_staging, "lookaside-staging", v);
        } else if (strcasecmp(k, "sigstore") == 0) {
            rc = set_string(p, &ns->sigstore, "sigstore", v);
        } else if (strcasecmp(k, "sigstore-staging") == 0) {
            rc = set_string(p, &ns->sigstore_staging, "sigstore-staging", v);
        } else if (strcasecmp(k, "use-sigstore-attachments") == 0) {
            int b = is_null(v) ? -1 : yaml_bool(v);
            if (!is_null(v) && b < 0) {
                char msg[96];
                snprintf(msg, sizeof(msg),
                         "cannot unmarshal %s into \"use-sigstore-attachments\" of type bool",
                         node_kind(v));
                rc = parse_error(p, v, msg);
            }
            ns->attachments = b; /* null makes the *bool nil again */
        }
    }
    free(pairs);
    return rc;
}

/* The "docker" mapping of one file into @p file_cfg. @p replace: an earlier spelling of
 * "docker" was seen, so names may repeat (the later value replaces the earlier). */
static int
parse_docker(struct rd_parse *p, struct signet_registries_d *file_cfg, yaml_node_t *node,
             int replace)
{
    struct rd_pair *pairs = NULL;
    size_t n = 0;
    int rc;

    if ((rc = mapping_or_null(p, node, "\"docker\"", &pairs, &n)) != SIGNET_OK)
        return rc;
    for (size_t i = 0; i < n && rc == SIGNET_OK; i++) {
        struct rd_scope *s = replace ? find_scope(file_cfg, pairs[i].key) : NULL;

        if (s != NULL) {
            ns_clear(&s->ns);
        } else {
            if (file_cfg->nscopes >= SIGNET_REGISTRIES_D_SCOPES_MAX) {
                rc = signet_error__set(p->ctx, SIGNET_ETOOLARGE,
                                       "parsing %s: more than %d \"docker\" namespaces", p->path,
                                       SIGNET_REGISTRIES_D_SCOPES_MAX);
                break;
            }
            if (file_cfg->nscopes == file_cfg->cap) {
                size_t cap = file_cfg->cap ? file_cfg->cap * 2 : 16;
                struct rd_scope *grown = realloc(file_cfg->scopes, cap * sizeof(*grown));
                if (grown == NULL) {
                    rc = signet_error__set(p->ctx, SIGNET_ENOMEM, "out of memory");
                    break;
                }
                file_cfg->scopes = grown;
                file_cfg->cap = cap;
            }
            s = &file_cfg->scopes[file_cfg->nscopes];
            memset(s, 0, sizeof(*s));
            s->ns.attachments = -1;
            if ((s->name = strdup(pairs[i].key)) == NULL) {
                rc = signet_error__set(p->ctx, SIGNET_ENOMEM, "out of memory");
                break;
            }
            file_cfg->nscopes++;
        }
        rc = parse_ns(p, &s->ns, pairs[i].value);
    }
    free(pairs);
    return rc;
}

static int
parse_document(struct rd_parse *p, struct signet_registries_d *file_cfg)
{
    yaml_node_t *root = yaml_document_get_root_node(p->doc);
    struct rd_pair *pairs = NULL;
    size_t n = 0;
    int rc, docker_seen = 0;

    if (root == NULL || is_null(root))
        return SIGNET_OK; /* an empty file, or "null" */
    if (root->type != YAML_MAPPING_NODE) {
        char msg[64];
        snprintf(msg, sizeof(msg), "cannot unmarshal %s into the configuration", node_kind(root));
        return parse_error(p, root, msg);
    }
    if ((rc = mapping_pairs(p, root, &pairs, &n)) != SIGNET_OK)
        return rc;
    for (size_t i = 0; i < n && rc == SIGNET_OK; i++) {
        yaml_node_t *v = pairs[i].value;

        if (strcasecmp(pairs[i].key, "default-docker") == 0) {
            if (is_null(v)) { /* a nil pointer again */
                ns_clear(&file_cfg->def);
                file_cfg->has_default = 0;
                continue;
            }
            if (v->type != YAML_MAPPING_NODE) {
                char msg[64];
                snprintf(msg, sizeof(msg), "cannot unmarshal %s into \"default-docker\"",
                         node_kind(v));
                rc = parse_error(p, v, msg);
                break;
            }
            file_cfg->has_default = 1;
            rc = parse_ns(p, &file_cfg->def, v);
        } else if (strcasecmp(pairs[i].key, "docker") == 0) {
            rc = parse_docker(p, file_cfg, v, docker_seen);
            docker_seen = 1;
        }
    }
    free(pairs);
    return rc;
}

/* Move what one file defines into @p cfg, refusing what another file defined already. */
static int
merge(struct signet_registries_d *cfg, signet_ctx *ctx, struct signet_registries_d *file_cfg,
      const char *path)
{
    if (file_cfg->has_default) {
        if (cfg->has_default)
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     RD_ERR "\"default-docker\" defined both in \"%s\" and \"%s\"",
                                     cfg->default_file, path);
        if ((cfg->default_file = strdup(path)) == NULL)
            return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        cfg->def = file_cfg->def;
        cfg->has_default = 1;
        memset(&file_cfg->def, 0, sizeof(file_cfg->def));
        file_cfg->def.attachments = -1;
        file_cfg->has_default = 0;
    }
    for (size_t i = 0; i < file_cfg->nscopes; i++) {
        const struct rd_scope *had = find_scope(cfg, file_cfg->scopes[i].name);
        if (had != NULL)
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     RD_ERR "\"docker\" namespace \"%s\" defined both in \"%s\" "
                                            "and \"%s\"",
                                     had->name, had->file, path);
    }
    if (cfg->nscopes + file_cfg->nscopes > SIGNET_REGISTRIES_D_SCOPES_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "more than %d \"docker\" namespaces",
                                 SIGNET_REGISTRIES_D_SCOPES_MAX);
    if (cfg->cap < cfg->nscopes + file_cfg->nscopes) {
        size_t cap = cfg->nscopes + file_cfg->nscopes;
        struct rd_scope *grown = realloc(cfg->scopes, cap * sizeof(*grown));
        if (grown == NULL)
            return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        cfg->scopes = grown;
        cfg->cap = cap;
    }
    while (file_cfg->nscopes > 0) {
        struct rd_scope *s = &file_cfg->scopes[file_cfg->nscopes - 1];
        if ((s->file = strdup(path)) == NULL)
            return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        cfg->scopes[cfg->nscopes++] = *s;
        file_cfg->nscopes--;
    }
    return SIGNET_OK;
}

/* content_digest = SHA-256(content_digest, len(path), path, len(yaml), yaml). */
static int
chain_digest(signet_registries_d *cfg, signet_ctx *ctx, const void *yaml, size_t len,
             const char *path)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint64_t lens[2] = {strlen(path), len};
    unsigned int out_len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, cfg->content_digest, sizeof(cfg->content_digest)) == 1 &&
             EVP_DigestUpdate(md, &lens[0], sizeof(lens[0])) == 1 &&
             EVP_DigestUpdate(md, path, lens[0]) == 1 &&
             EVP_DigestUpdate(md, &lens[1], sizeof(lens[1])) == 1 &&
             (len == 0 || EVP_DigestUpdate(md, yaml, len) == 1) &&
             EVP_DigestFinal_ex(md, cfg->content_digest, &out_len) == 1;

    EVP_MD_CTX_free(md);
    return ok ? SIGNET_OK : signet_error__set(ctx, SIGNET_ECRYPTO, "cannot hash '%s'", path);
}

const unsigned char *
signet_registries_d__content_digest(const signet_registries_d *cfg)
{
    return cfg->content_digest;
}

int
signet_registries_d__add(signet_registries_d *cfg, signet_ctx *ctx, const void *yaml, size_t len,
                         const char *path)
{
    struct signet_registries_d file_cfg;
    yaml_parser_t parser;
    yaml_document_t doc;
    struct rd_parse p;
    int rc = SIGNET_OK, have_doc = 0;

    SIGNET_ASSERT_ARG(ctx, cfg != NULL && (yaml != NULL || len == 0) && path != NULL);
    if ((rc = chain_digest(cfg, ctx, yaml, len, path)) != SIGNET_OK)
        return rc;
    memset(&file_cfg, 0, sizeof(file_cfg));
    file_cfg.def.attachments = -1;
    if (len > SIGNET_REGISTRIES_D_FILE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "parsing %s: over %d bytes", path,
                                 SIGNET_REGISTRIES_D_FILE_MAX);
    if (!yaml_parser_initialize(&parser))
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)(yaml != NULL ? yaml : ""), len);
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.error == YAML_MEMORY_ERROR)
            rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
        else
            rc = signet_error__set(ctx, SIGNET_EPARSE, "parsing %s: line %lu: %s%s%s", path,
                                   (unsigned long)parser.problem_mark.line + 1,
                                   parser.problem != NULL ? parser.problem : "invalid YAML",
                                   parser.context != NULL ? " " : "",
                                   parser.context != NULL ? parser.context : "");
        goto out;
    }
    have_doc = 1;
    p.ctx = ctx;
    p.doc = &doc;
    p.path = path;
    if ((rc = parse_document(&p, &file_cfg)) != SIGNET_OK)
        goto out;
    rc = merge(cfg, ctx, &file_cfg, path);
out:
    cfg_clear(&file_cfg);
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- the directory ---- */

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has_yaml_suffix(const char *name)
{
    size_t len = strlen(name);
    return len >= 5 && strcmp(name + len - 5, ".yaml") == 0;
}

/* $HOME, else the password database's home directory; NULL when there is none. */
static const char *
home_dir(char *buf, size_t size)
{
    const char *home = getenv("HOME");
    struct passwd pw, *res = NULL;
    char pwbuf[4096];

    if (home != NULL && home[0] != '\0')
        return home;
    if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || res == NULL ||
        pw.pw_dir == NULL || pw.pw_dir[0] == '\0')
        return NULL;
    if ((size_t)snprintf(buf, size, "%s", pw.pw_dir) >= size)
        return NULL;
    return buf;
}

int
signet_registries_d_load(signet_registries_d **out, signet_ctx *ctx, const char *dir)
{
    char path[4096], dflt[4096], homebuf[1024];
    signet_registries_d *cfg = NULL;
    char **names = NULL;
    size_t nnames = 0, dirlen;
    struct dirent *e;
    DIR *d = NULL;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = NULL;
    if (dir == NULL) {
        const char *home = home_dir(homebuf, sizeof(homebuf));
        struct stat st;

        dir = "/etc/containers/registries.d";
        if (home != NULL &&
            (size_t)snprintf(dflt, sizeof(dflt), "%s/.config/containers/registries.d", home) <
                sizeof(dflt) &&
            stat(dflt, &st) == 0)
            dir = dflt;
    }
    if ((rc = signet_registries_d__new(&cfg, ctx)) != SIGNET_OK)
        return rc;
    dirlen = strlen(dir);
    while (dirlen > 1 && dir[dirlen - 1] == '/') /* filepath.Join cleans "dir/" */
        dirlen--;
    if ((d = opendir(dir)) == NULL) {
        if (errno == ENOENT)
            goto done;
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot open '%s': %s", dir, strerror(errno));
        goto out;
    }
    for (;;) {
        errno = 0;
        if ((e = readdir(d)) == NULL)
            break;
        if (!has_yaml_suffix(e->d_name))
            continue;
        if (nnames >= SIGNET_REGISTRIES_D_FILES_MAX) {
            rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "'%s': more than %d *.yaml files", dir,
                                   SIGNET_REGISTRIES_D_FILES_MAX);
            goto out;
        }
        if (nnames % 64 == 0) {
            char **grown = realloc(names, (nnames + 64) * sizeof(*names));
            if (grown == NULL) {
                rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
                goto out;
            }
            names = grown;
        }
        if ((names[nnames] = strdup(e->d_name)) == NULL) {
            rc = signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
            goto out;
        }
        nnames++;
    }
    if (errno != 0) {
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot read '%s': %s", dir, strerror(errno));
        goto out;
    }
    if (nnames > 0)
        qsort(names, nnames, sizeof(*names), name_cmp);
    for (size_t i = 0; i < nnames; i++) {
        signet_buf data = SIGNET_BUF_INIT;

        if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)dirlen, dir, names[i]) >=
            sizeof(path)) {
            rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "'%s': path too long", names[i]);
            goto out;
        }
        signet_buf_init(&data, SIGNET_REGISTRIES_D_FILE_MAX, 0);
        rc = signet_file__read(&data, ctx, path, SIGNET_FILE__FOLLOW);
        if (rc == SIGNET_OK)
            rc = signet_registries_d__add(cfg, ctx, data.ptr, data.size, path);
        signet_buf_dispose(&data);
        if (rc != SIGNET_OK)
            goto out;
    }
done:
    *out = cfg;
    cfg = NULL;
    rc = SIGNET_OK;
out:
    if (d != NULL)
        closedir(d);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    signet_registries_d_free(cfg);
    return rc;
}

/* ---- lookups ---- */

/* The sections for @p ref, most specific first (NULL for default-docker), as
 * docker/policyconfiguration/naming.go orders scopes. Calls @p want until it returns non-zero. */
static const struct rd_ns *
search(const struct signet_registries_d *cfg, const signet_reference *ref,
       int (*want)(const struct rd_ns *, const void *), const void *arg)
{
    char name[2 * SIGNET_REFERENCE_NAME_MAX + 2], scope[2 * SIGNET_REFERENCE_NAME_MAX + 220];
    const struct rd_scope *s;
    const char *registry;
    char *p;

    if (cfg == NULL)
        return NULL;
    registry = strcmp(ref->registry, "index.docker.io") == 0 ? "docker.io" : ref->registry;
    snprintf(name, sizeof(name), "%s/%s", registry, ref->repository);
    if (ref->digest[0] != '\0')
        snprintf(scope, sizeof(scope), "%s@%s", name, ref->digest);
    else
        snprintf(scope, sizeof(scope), "%s:%s", name, ref->tag);
    if ((s = find_scope(cfg, scope)) != NULL && want(&s->ns, arg))
        return &s->ns;
    for (;;) {
        if ((s = find_scope(cfg, name)) != NULL && want(&s->ns, arg))
            return &s->ns;
        if ((p = strrchr(name, '/')) == NULL)
            break;
        *p = '\0';
    }
    if ((p = strchr(name, ':')) != NULL)
        *p = '\0';
    for (p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
        snprintf(scope, sizeof(scope), "*.%s", p + 1);
        if ((s = find_scope(cfg, scope)) != NULL && want(&s->ns, arg))
            return &s->ns;
    }
    if (cfg->has_default && want(&cfg->def, arg))
        return &cfg->def;
    return NULL;
}

/* registryNamespace.signatureTopLevel() */
static const char *
top_level(const struct rd_ns *ns, int for_write)
{
    if (for_write && ns->lookaside_staging != NULL && ns->lookaside_staging[0] != '\0')
        return ns->lookaside_staging;
    if (for_write && ns->sigstore_staging != NULL && ns->sigstore_staging[0] != '\0')
        return ns->sigstore_staging;
    if (ns->lookaside != NULL && ns->lookaside[0] != '\0')
        return ns->lookaside;
    if (ns->sigstore != NULL && ns->sigstore[0] != '\0')
        return ns->sigstore;
    return NULL;
}

static int
want_url(const struct rd_ns *ns, const void *arg)
{
    return top_level(ns, *(const int *)arg) != NULL;
}

static int
want_attachments(const struct rd_ns *ns, const void *arg)
{
    (void)arg;
    return ns->attachments >= 0;
}

/* An absolute file:///path, or http(s)://host[...]; ASCII without spaces or controls. */
static int
check_url(signet_ctx *ctx, const char *url)
{
    const char *why = NULL;
    size_t scheme = 0;

    for (const char *c = url; *c && why == NULL; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
            why = "only printable ASCII without spaces is allowed";
    while (why == NULL &&
           ((url[scheme] >= 'a' && url[scheme] <= 'z') ||
            (url[scheme] >= 'A' && url[scheme] <= 'Z') ||
            (scheme > 0 && ((url[scheme] >= '0' && url[scheme] <= '9') || url[scheme] == '+' ||
                            url[scheme] == '-' || url[scheme] == '.'))))
        scheme++;
    if (why != NULL) {
        /* reported below */
    } else if (scheme == 0 || url[scheme] != ':') {
        why = "missing protocol scheme";
    } else if (scheme == 4 && strncasecmp(url, "file", 4) == 0) {
        if (strncmp(url + 5, "///", 3) != 0)
            why = "a file URL must be file:///absolute/path";
    } else if ((scheme == 4 && strncasecmp(url, "http", 4) == 0) ||
               (scheme == 5 && strncasecmp(url, "https", 5) == 0)) {
        const char *host = url + scheme + 1;
        if (strncmp(host, "//", 2) != 0 || host[2] == '\0' || strchr("/?#", host[2]) != NULL)
            why = "an http or https URL must name a host";
        else if (strchr(host, '@') != NULL)
            /* Not quoted: the URL may hold a password, which must not reach messages or logs. */
            return signet_error__set(ctx, SIGNET_EPARSE,
                                     "invalid signature storage URL: credentials in an http or "
                                     "https URL are not supported ('@' found)");
    } else {
        why = "only file, http and https URLs are supported";
    }
    if (why == NULL)
        return SIGNET_OK;
    return signet_error__set(ctx, SIGNET_EPARSE, "invalid signature storage URL \"%s\": %s", url,
                             why);
}

int
signet_registries_d_lookaside(char *url_out, size_t size, signet_ctx *ctx,
                              const signet_registries_d *cfg, const signet_reference *ref,
                              int for_write)
{
    const struct rd_ns *ns;
    const char *url, *home;
    char homebuf[1024];
    int rc;

    SIGNET_ASSERT_ARG(ctx, url_out != NULL && size > 0 && ref != NULL);
    url_out[0] = '\0';
    for_write = for_write != 0;
    ns = search(cfg, ref, want_url, &for_write);
    if (ns != NULL) {
        url = top_level(ns, for_write);
        if ((rc = check_url(ctx, url)) != SIGNET_OK)
            return rc;
        if (strlen(url) >= size)
            return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature storage URL too long");
        memcpy(url_out, url, strlen(url) + 1);
        return SIGNET_OK;
    }
    if (geteuid() == 0) {
        if ((size_t)snprintf(url_out, size, "file:///var/lib/containers/sigstore") >= size)
            goto too_long;
        return SIGNET_OK;
    }
    if ((home = home_dir(homebuf, sizeof(homebuf))) == NULL)
        return signet_error__set(ctx, SIGNET_ENOTFOUND,
                                 "no home directory for the default signature storage");
    if (home[0] != '/')
        return signet_error__set(ctx, SIGNET_ENOTFOUND,
                                 "the home directory \"%s\" is not an absolute path", home);
    {
        size_t hl = strlen(home); /* filepath.Join drops trailing slashes */
        while (hl > 0 && home[hl - 1] == '/')
            hl--;
        if ((size_t)snprintf(url_out, size, "file://%.*s/.local/share/containers/sigstore", (int)hl,
                             home) >= size)
            goto too_long;
    }
    return SIGNET_OK;
too_long:
    url_out[0] = '\0';
    return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature storage URL too long");
}

int
signet_registries_d_use_sigstore_attachments(int *out, signet_ctx *ctx,
                                             const signet_registries_d *cfg,
                                             const signet_reference *ref)
{
    const struct rd_ns *ns;

    SIGNET_ASSERT_ARG(ctx, out != NULL && ref != NULL);
    ns = search(cfg, ref, want_attachments, NULL);
    *out = ns != NULL && ns->attachments == 1;
    return SIGNET_OK;
}

int
signet_lookaside_signature_url(char *out, size_t size, signet_ctx *ctx, const char *base_url,
                               const signet_reference *ref, const char *digest, unsigned index)
{
    size_t base_len;
    int rc, n;

    SIGNET_ASSERT_ARG(ctx,
                      out != NULL && size > 0 && base_url != NULL && ref != NULL && digest != NULL);
    out[0] = '\0';
    if ((rc = check_url(ctx, base_url)) != SIGNET_OK)
        return rc;
    if (!signet_digest_is_valid(digest))
        return signet_error__set(
            ctx, SIGNET_EPARSE, "invalid manifest digest for signature storage: \"%.80s\"", digest);
    if (ref->repository[0] == '\0' || ref->repository[0] == '/' ||
        strstr(ref->repository, "//") != NULL)
        return signet_error__set(ctx, SIGNET_EPARSE,
                                 "unexpected path elements in Docker reference \"%s\"",
                                 ref->repository);
    /* Go sets url.Path: the path goes before any query or fragment. */
    base_len = strcspn(base_url, "?#");
    n = snprintf(out, size, "%.*s/%s@sha256=%s/signature-%lu%s", (int)base_len, base_url,
                 ref->repository, digest + 7, (unsigned long)index + 1, base_url + base_len);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature URL too long");
    }
    return SIGNET_OK;
}
