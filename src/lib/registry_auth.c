/*
 * Registry authentication: WWW-Authenticate challenges, and credentials from the files and
 * helpers that docker, podman and skopeo use.
 */
#include "registry_internal.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#define AUTH_FILE_MAX     (1024 * 1024)
#define HELPER_OUTPUT_MAX (64 * 1024)
#define SECRET_MAX        4096
/* RFC 7230 tchar: what a scheme or parameter name may be made of. */
#define TCHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"

extern char **environ;

/* Zero every string inside @p v: parsed credential files hold secrets in jansson's memory. */
static void
wipe_json(json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_string(v))
        sodium_memzero((void *)json_string_value(v), json_string_length(v));
    else if (json_is_object(v)) {
        json_object_foreach(v, key, item)
        {
            wipe_json(item);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            wipe_json(item);
        }
    }
}

/* Copy a token or quoted string starting at *p into out; advance *p. */
static int
challenge_value(char *out, size_t size, const char **p)
{
    size_t n = 0;
    const char *s = *p;

    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1] != '\0')
                s++;
            if (n + 1 >= size)
                return -1;
            out[n++] = *s;
        }
        if (*s != '"')
            return -1;
        s++;
    } else {
        for (; *s && *s != ',' && *s != ' ' && *s != '\t'; s++) {
            if (n + 1 >= size)
                return -1;
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    *p = s;
    return 0;
}

int
signet_auth__parse_challenge(struct signet_challenge *out, signet_ctx *ctx, const char *header)
{
    const char *p = header;
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p && *p != ' ' && *p != '\t') {
        if (n + 1 >= sizeof(out->scheme))
            goto bad;
        out->scheme[n++] = *p++;
    }
    if (n == 0)
        goto bad;
    /* auth-params: name=value, separated by commas */
    for (;;) {
        char name[32], value[SIGNET_CHALLENGE_FIELD_MAX];
        size_t k = 0;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        while (*p && *p != '=' && *p != ' ' && *p != ',') {
            if (k + 1 >= sizeof(name))
                goto bad;
            name[k++] = *p++;
        }
        name[k] = '\0';
        if (strspn(name, TCHARS) != k)
            goto bad;
        /* A token that is not followed by '=' starts the next challenge: only the first one
         * is used. */
        if (k > 0 && (*p == ' ' || *p == '\0') && out->realm[0] != '\0')
            break;
        if (*p != '=' || k == 0)
            goto bad;
        p++;
        if (challenge_value(value, sizeof(value), &p) != 0)
            goto bad;
        if (strcasecmp(name, "realm") == 0)
            memcpy(out->realm, value, sizeof(value));
        else if (strcasecmp(name, "service") == 0)
            memcpy(out->service, value, sizeof(value));
        else if (strcasecmp(name, "scope") == 0)
            memcpy(out->scope, value, sizeof(value));
    }
    return SIGNET_OK;
bad:
    return signet_error__set(ctx, SIGNET_EPROTOCOL,
                             "malformed WWW-Authenticate header from the registry");
}

void
signet_auth__credentials_release(struct signet_credentials *creds)
{
    sodium_free(creds->username);
    sodium_free(creds->secret);
    creds->username = NULL;
    creds->secret = NULL;
}

static int
credentials_set(struct signet_credentials *out, const char *user, size_t user_len,
                const char *secret, size_t secret_len)
{
    if (user_len >= SECRET_MAX || secret_len >= SECRET_MAX)
        return -1;
    out->username = sodium_malloc(user_len + 1);
    out->secret = sodium_malloc(secret_len + 1);
    if (out->username == NULL || out->secret == NULL) {
        signet_auth__credentials_release(out);
        return -1;
    }
    memcpy(out->username, user, user_len);
    out->username[user_len] = '\0';
    memcpy(out->secret, secret, secret_len);
    out->secret[secret_len] = '\0';
    return 0;
}

/* Docker Hub is spelled several ways in credential files. */
static int
is_docker_hub(const char *host)
{
    return strcmp(host, "index.docker.io") == 0 || strcmp(host, "docker.io") == 0 ||
           strcmp(host, "registry-1.docker.io") == 0;
}

/* Does an auths key ("https://host/v1/", "host:port", "host") name @p registry? */
static int
auth_key_matches(const char *key, const char *registry)
{
    char host[512];
    size_t n;

    if (strncmp(key, "https://", 8) == 0)
        key += 8;
    else if (strncmp(key, "http://", 7) == 0)
        key += 7;
    n = strcspn(key, "/");
    if (n >= sizeof(host))
        return 0;
    memcpy(host, key, n);
    host[n] = '\0';
    if (strcmp(host, registry) == 0)
        return 1;
    return is_docker_hub(host) && is_docker_hub(registry);
}

/* Run docker-credential-<helper> get; SIGNET_ENOTFOUND when it has nothing for us. */
static int
run_helper(struct signet_credentials *out, signet_ctx *ctx, const char *helper,
           const char *registry)
{
    signet_buf output = SIGNET_BUF_INIT;
    int in[2] = {-1, -1}, outp[2] = {-1, -1}, status = 0, rc = SIGNET_OK;
    posix_spawn_file_actions_t fa;
    char prog[256], chunk[4096];
    char *argv[3];
    json_t *root = NULL;
    pid_t pid = -1;
    ssize_t n;

    if (snprintf(prog, sizeof(prog), "docker-credential-%s", helper) >= (int)sizeof(prog) ||
        strchr(helper, '/') != NULL)
        return signet_error__set(ctx, SIGNET_EAUTH, "invalid credential helper name '%.64s'",
                                 helper);
    signet_buf_init(&output, HELPER_OUTPUT_MAX, 1);
    if (pipe(in) != 0 || pipe(outp) != 0) {
        rc = signet_error__set(ctx, SIGNET_EIO, "cannot run %s: %s", prog, strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, outp[0]);
    argv[0] = prog;
    argv[1] = "get";
    argv[2] = NULL;
    errno = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(outp[1]);
    in[0] = outp[1] = -1;
    if (errno != 0) {
        pid = -1;
        rc = signet_error__set(ctx, SIGNET_EAUTH, "cannot run credential helper %s: %s", prog,
                               strerror(errno));
        goto out;
    }
    {
        /* A helper that exits early must not kill us with SIGPIPE. */
        void (*old)(int) = signal(SIGPIPE, SIG_IGN);
        /* Docker keeps Docker Hub logins under its v1 URL. */
        const char *server = is_docker_hub(registry) ? "https://index.docker.io/v1/" : registry;
        ssize_t w = write(in[1], server, strlen(server));
        signal(SIGPIPE, old);
        (void)w;
    }
    close(in[1]);
    in[1] = -1;
    while ((n = read(outp[0], chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || signet_buf_put(&output, chunk, (size_t)n) != SIGNET_OK) {
            rc = signet_error__set(ctx, SIGNET_EAUTH, "reading from %s failed", prog);
            goto out;
        }
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        rc = SIGNET_ENOTFOUND; /* "credentials not found" is how helpers say no */
        goto out;
    }
    root = json_loadb(output.ptr ? output.ptr : "", output.size, 0, NULL);
    {
        const char *user = json_string_value(json_object_get(root, "Username"));
        const char *secret = json_string_value(json_object_get(root, "Secret"));
        if (user == NULL || secret == NULL) {
            rc = signet_error__set(ctx, SIGNET_EAUTH, "%s printed no Username and Secret", prog);
            goto out;
        }
        if (credentials_set(out, user, strlen(user), secret, strlen(secret)) != 0)
            rc = signet_error__set(ctx, SIGNET_EAUTH, "credentials from %s are too long", prog);
    }
out:
    wipe_json(root);
    json_decref(root);
    if (pid > 0)
        waitpid(pid, &status, 0);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (outp[i] >= 0)
            close(outp[i]);
    }
    sodium_memzero(chunk, sizeof(chunk));
    signet_buf_dispose(&output);
    return rc;
}

/* {"auth": base64(user:password)} or {"username": …, "password": …} */
static int
auths_entry(struct signet_credentials *out, signet_ctx *ctx, json_t *entry, const char *file)
{
    const char *auth = json_string_value(json_object_get(entry, "auth"));
    signet_buf decoded = SIGNET_BUF_INIT;
    const char *colon;
    int rc = SIGNET_OK;

    if (auth == NULL) {
        const char *u = json_string_value(json_object_get(entry, "username"));
        const char *p = json_string_value(json_object_get(entry, "password"));
        if (u == NULL || p == NULL)
            return SIGNET_ENOTFOUND;
        if (credentials_set(out, u, strlen(u), p, strlen(p)) != 0)
            return signet_error__set(ctx, SIGNET_EAUTH, "credentials in '%s' are too long", file);
        return SIGNET_OK;
    }
    signet_buf_init(&decoded, SECRET_MAX * 2, 1);
    if (signet_base64__decode(&decoded, ctx, auth, strlen(auth), "an auth entry") != SIGNET_OK ||
        (colon = memchr(decoded.ptr, ':', decoded.size)) == NULL) {
        signet_ctx_clear_error(ctx);
        rc = signet_error__set(ctx, SIGNET_EAUTH, "malformed \"auth\" entry in '%s'", file);
        goto out;
    }
    if (credentials_set(out, decoded.ptr, (size_t)(colon - decoded.ptr), colon + 1,
                        decoded.size - (size_t)(colon - decoded.ptr) - 1) != 0)
        rc = signet_error__set(ctx, SIGNET_EAUTH, "credentials in '%s' are too long", file);
out:
    signet_buf_dispose(&decoded);
    return rc;
}

static int
lookup_in_file(struct signet_credentials *out, signet_ctx *ctx, const char *path,
               const char *registry)
{
    signet_buf text = SIGNET_BUF_INIT;
    json_t *root = NULL, *helpers, *auths, *v;
    const char *key, *helper;
    int rc;

    signet_buf_init(&text, AUTH_FILE_MAX, 1);
    if ((rc = signet_file__read(&text, ctx, path, SIGNET_FILE__FOLLOW)) != SIGNET_OK) {
        if (rc == SIGNET_ENOTFOUND)
            signet_ctx_clear_error(ctx);
        goto out;
    }
    root = json_loadb(text.ptr, text.size, 0, NULL);
    if (!json_is_object(root)) {
        rc = signet_error__set(ctx, SIGNET_EAUTH, "credentials file '%s' is not a JSON object",
                               path);
        goto out;
    }
    helpers = json_object_get(root, "credHelpers");
    json_object_foreach(helpers, key, v)
    {
        if (json_is_string(v) && auth_key_matches(key, registry)) {
            rc = run_helper(out, ctx, json_string_value(v), registry);
            goto out;
        }
    }
    auths = json_object_get(root, "auths");
    rc = SIGNET_ENOTFOUND;
    json_object_foreach(auths, key, v)
    {
        if (auth_key_matches(key, registry) &&
            (rc = auths_entry(out, ctx, v, path)) != SIGNET_ENOTFOUND)
            goto out;
    }
    helper = json_string_value(json_object_get(root, "credsStore"));
    if (helper != NULL)
        rc = run_helper(out, ctx, helper, registry);
out:
    wipe_json(root);
    json_decref(root);
    signet_buf_dispose(&text);
    return rc;
}

int
signet_auth__lookup(struct signet_credentials *out, signet_ctx *ctx, const char *registry,
                    const char *auth_file)
{
    char paths[4][4096];
    size_t n = 0;
    const char *env;
    int rc = SIGNET_ENOTFOUND;

    memset(out, 0, sizeof(*out));
    if (auth_file != NULL)
        snprintf(paths[n++], sizeof(paths[0]), "%s", auth_file);
    if ((env = getenv("REGISTRY_AUTH_FILE")) != NULL && env[0] != '\0')
        snprintf(paths[n++], sizeof(paths[0]), "%s", env);
    if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && env[0] != '\0')
        snprintf(paths[n++], sizeof(paths[0]), "%s/containers/auth.json", env);
    if ((env = getenv("DOCKER_CONFIG")) != NULL && env[0] != '\0')
        snprintf(paths[n++], sizeof(paths[0]), "%s/config.json", env);
    else if ((env = getenv("HOME")) != NULL && env[0] != '\0')
        snprintf(paths[n++], sizeof(paths[0]), "%s/.docker/config.json", env);
    for (size_t i = 0; i < n && rc == SIGNET_ENOTFOUND; i++)
        rc = lookup_in_file(out, ctx, paths[i], registry);
    return rc;
}
