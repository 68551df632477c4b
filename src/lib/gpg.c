/*
 * GPG simple signing with gpgme (containers/image's signature/mechanism_gpgme.go and
 * signature/simple.go are the reference for behaviour; none of their code is used).
 */
#include "internal.h"

#include <errno.h>
#include <ftw.h>
#include <gpgme.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "signet/file.h"

extern char **environ;

#define SIMPLESIGN_TYPE "atomic container signature"
#define KEYS_MAX        256

/*
 * An ephemeral home holds only keys the caller trusts, so the trust database is not consulted
 * (revocation and expiry are still reported), and no gpg-agent is started for it until secret
 * keys are imported.
 */
#define EPHEMERAL_CONF         "trust-model always\n"
#define EPHEMERAL_CONF_NOAGENT EPHEMERAL_CONF "no-autostart\n"

struct signet_gpg {
    gpgme_ctx_t gpgme;
    char home[64]; /* the ephemeral home, "" when using a real one */
    int agent;     /* an agent may run for the ephemeral home */
    char keys[KEYS_MAX][SIGNET_GPG_FINGERPRINT_MAX];
    size_t nkeys;
};

static pthread_once_t gpgme_once = PTHREAD_ONCE_INIT;

/* Without gpgconf, gpgme finds gpg on PATH instead of running gpgconf twice, and does not
 * probe gpgsm and gpgconf for their versions. */
static void
gpgme_setup(void)
{
    gpgme_set_global_flag("disable-gpgconf", "1");
    gpgme_check_version(NULL);
}

static int
gpgme_failed(signet_ctx *ctx, int code, gpgme_error_t err, const char *what)
{
    return signet_error__set(ctx, code, "%s: %s", what, gpgme_strerror(err));
}

/* Append what gpgme wrote into @p data to @p out and release @p data (set to NULL). */
static int
take_data(signet_buf *out, gpgme_data_t *data)
{
    size_t n = 0;
    char *bytes = gpgme_data_release_and_get_mem(*data, &n);
    int rc =
        bytes != NULL && signet_buf_put(out, bytes, n) == SIGNET_OK ? SIGNET_OK : SIGNET_ETOOLARGE;

    *data = NULL;
    gpgme_free(bytes);
    return rc;
}

/* Signed content written by gpgme, bounded: a compressed message can expand a 4 MiB signature
 * into gigabytes, which must not be collected in memory first. */
struct bounded_out {
    signet_buf buf;
    int overflow;
};

static ssize_t
bounded_write(void *handle, const void *data, size_t size)
{
    struct bounded_out *b = handle;

    if (signet_buf_put(&b->buf, data, size) != SIGNET_OK) {
        b->overflow = 1;
        errno = EFBIG;
        return -1;
    }
    return (ssize_t)size;
}

/* Write the ephemeral home's gpg.conf; @p agent allows gpg to start a gpg-agent. */
static int
write_conf(signet_gpg *gpg, signet_ctx *ctx, int agent)
{
    char path[96];
    const char *conf = agent ? EPHEMERAL_CONF : EPHEMERAL_CONF_NOAGENT;

    snprintf(path, sizeof(path), "%s/gpg.conf", gpg->home);
    gpg->agent |= agent;
    return signet_file_write(ctx, path, conf, strlen(conf), 0600, SIGNET_FILE_WRITE_OVERWRITE);
}

int
signet_gpg_new(signet_gpg **out, signet_ctx *ctx, int ephemeral, const char *gnupg_home)
{
    signet_gpg *gpg;
    gpgme_error_t err;
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL);
    *out = NULL;
    pthread_once(&gpgme_once, gpgme_setup);
    if ((err = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)) != 0)
        return gpgme_failed(ctx, SIGNET_ECRYPTO, err, "GnuPG is not usable");
    gpg = calloc(1, sizeof(*gpg));
    if (gpg == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    if (ephemeral) {
        snprintf(gpg->home, sizeof(gpg->home), "/tmp/signet-gpg-XXXXXX");
        if (mkdtemp(gpg->home) == NULL) {
            gpg->home[0] = '\0';
            signet_gpg_free(gpg);
            return signet_error__set(ctx, SIGNET_EIO, "cannot create a GnuPG home: %s",
                                     strerror(errno));
        }
        if ((rc = write_conf(gpg, ctx, 0)) != SIGNET_OK) {
            signet_gpg_free(gpg);
            return rc;
        }
        gnupg_home = gpg->home;
    }
    /* Setting a home makes gpgme run gpg --version again: only when there is one to set. */
    if ((err = gpgme_new(&gpg->gpgme)) != 0 ||
        (gnupg_home != NULL && (err = gpgme_ctx_set_engine_info(gpg->gpgme, GPGME_PROTOCOL_OpenPGP,
                                                                NULL, gnupg_home)) != 0)) {
        signet_gpg_free(gpg);
        return gpgme_failed(ctx, SIGNET_ECRYPTO, err, "cannot start GnuPG");
    }
    gpgme_set_protocol(gpg->gpgme, GPGME_PROTOCOL_OpenPGP);
    gpgme_set_armor(gpg->gpgme, 0);
    gpgme_set_offline(gpg->gpgme, 1); /* never ask a keyserver or dirmngr */
    *out = gpg;
    return SIGNET_OK;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
signet_gpg_free(signet_gpg *gpg)
{
    if (gpg == NULL)
        return;
    if (gpg->gpgme != NULL)
        gpgme_release(gpg->gpgme);
    if (gpg->agent) {
        /* Stop the agent that secret keys needed before removing its home. */
        char *argv[] = {"gpgconf", "--homedir", gpg->home, "--kill", "all", NULL};
        pid_t pid;
        int status;
        if (posix_spawnp(&pid, "gpgconf", NULL, NULL, argv, environ) == 0)
            waitpid(pid, &status, 0);
    }
    if (gpg->home[0] != '\0')
        nftw(gpg->home, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(gpg);
}

/* Remember @p fpr as an accepted signer (once). */
static void
accept_key(signet_gpg *gpg, const char *fpr)
{
    size_t i;

    for (i = 0; i < gpg->nkeys; i++)
        if (strcasecmp(gpg->keys[i], fpr) == 0)
            return;
    if (gpg->nkeys < KEYS_MAX)
        snprintf(gpg->keys[gpg->nkeys++], SIGNET_GPG_FINGERPRINT_MAX, "%s", fpr);
}

int
signet_gpg_import(signet_gpg *gpg, signet_ctx *ctx, const void *keyring, size_t len,
                  const char *name)
{
    gpgme_data_t data = NULL;
    gpgme_import_result_t result;
    gpgme_import_status_t st;
    gpgme_error_t err;
    size_t before;
    int rc = SIGNET_OK;

    SIGNET_ASSERT_ARG(ctx, gpg != NULL && keyring != NULL && name != NULL);
    before = gpg->nkeys;
    if ((err = gpgme_data_new_from_mem(&data, keyring, len, 0)) != 0)
        return gpgme_failed(ctx, SIGNET_ENOMEM, err, "reading a keyring");
    err = gpgme_op_import(gpg->gpgme, data);
    result = gpgme_op_import_result(gpg->gpgme);
    if (gpg->home[0] != '\0' && !gpg->agent && result != NULL && result->secret_read > 0) {
        /* Secret keys live in an agent: allow one for this home and import again. */
        if ((rc = write_conf(gpg, ctx, 1)) != SIGNET_OK)
            goto out;
        err = gpgme_data_seek(data, 0, SEEK_SET) == 0 ? gpgme_op_import(gpg->gpgme, data)
                                                      : gpgme_error_from_syserror();
        result = gpgme_op_import_result(gpg->gpgme);
    }
    if (err != 0) {
        rc = gpgme_failed(ctx, SIGNET_EPARSE, err, "importing keys");
        goto out;
    }
    /* GnuPG reports the primary key's fingerprint for each key imported (doc/DETAILS,
     * IMPORT_OK). */
    for (st = result ? result->imports : NULL; st != NULL; st = st->next)
        if (st->result == 0 && st->fpr != NULL)
            accept_key(gpg, st->fpr);
    if (gpg->nkeys == before && (result == NULL || result->considered == 0))
        rc = signet_error__set(ctx, SIGNET_EPARSE, "'%s' holds no OpenPGP public key", name);
out:
    gpgme_data_release(data);
    return rc;
}

size_t
signet_gpg_key_count(const signet_gpg *gpg)
{
    return gpg == NULL ? 0 : gpg->nkeys;
}

const char *
signet_gpg_key_fingerprint(const signet_gpg *gpg, size_t i)
{
    return gpg == NULL || i >= gpg->nkeys ? NULL : gpg->keys[i];
}

/*
 * Into @p primary, the primary fingerprint of the key that is or owns @p fpr (a subkey).
 * Returns 0 when it is an accepted signer, 1 when it is not, -1 when no key has @p fpr.
 */
static int
accepted_primary(char *primary, signet_gpg *gpg, const char *fpr)
{
    gpgme_key_t key = NULL;
    gpgme_subkey_t sub;
    size_t i;
    int found = 0;

    for (i = 0; i < gpg->nkeys; i++)
        if (strcasecmp(gpg->keys[i], fpr) == 0) {
            snprintf(primary, SIGNET_GPG_FINGERPRINT_MAX, "%s", gpg->keys[i]);
            return 0;
        }
    /* Not an accepted primary: ask the keyring (one more gpg) for the key that owns it. */
    if (gpgme_op_keylist_start(gpg->gpgme, fpr, 0) != 0)
        return -1;
    while (!found && gpgme_op_keylist_next(gpg->gpgme, &key) == 0) {
        for (sub = key->subkeys ? key->subkeys->next : NULL; sub != NULL; sub = sub->next)
            if (sub->fpr != NULL && strcasecmp(sub->fpr, fpr) == 0)
                break;
        if (sub != NULL && key->subkeys->fpr != NULL) {
            snprintf(primary, SIGNET_GPG_FINGERPRINT_MAX, "%s", key->subkeys->fpr);
            found = 1;
        }
        gpgme_key_unref(key);
    }
    gpgme_op_keylist_end(gpg->gpgme);
    for (i = 0; found && i < gpg->nkeys; i++)
        if (strcasecmp(gpg->keys[i], primary) == 0)
            return 0;
    return found ? 1 : -1;
}

int
signet_gpg_verify(signet_buf *payload, char *primary, signet_ctx *ctx, signet_gpg *gpg,
                  const void *signature, size_t len)
{
    struct gpgme_data_cbs cbs = {NULL, bounded_write, NULL, NULL};
    struct bounded_out text = {SIGNET_BUF_INIT, 0};
    gpgme_data_t sig = NULL, plain = NULL;
    gpgme_verify_result_t result;
    gpgme_signature_t s;
    gpgme_error_t err;
    char fpr[SIGNET_GPG_FINGERPRINT_MAX];
    int known, rc = SIGNET_OK;

    SIGNET_ASSERT_ARG(ctx, payload != NULL && primary != NULL && gpg != NULL && signature != NULL);
    primary[0] = '\0';
    if (len > SIGNET_GPG_SIGNATURE_MAX)
        return signet_error__set(ctx, SIGNET_ETOOLARGE, "signature larger than %u bytes",
                                 SIGNET_GPG_SIGNATURE_MAX);
    /* The content goes to @p payload only once it verified, within what is left of its room. */
    signet_buf_init(&text.buf,
                    payload->max == 0              ? SIGNET_GPG_SIGNATURE_MAX
                    : payload->max > payload->size ? payload->max - payload->size
                                                   : 1,
                    0);
    if ((err = gpgme_data_new_from_mem(&sig, signature, len, 0)) != 0 ||
        (err = gpgme_data_new_from_cbs(&plain, &cbs, &text)) != 0) {
        rc = gpgme_failed(ctx, SIGNET_ENOMEM, err, "verifying");
        goto out;
    }
    /* Non-detached: the content comes out of the signed message itself. */
    err = gpgme_op_verify(gpg->gpgme, sig, NULL, plain);
    if (text.overflow) {
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "signed content larger than %zu bytes",
                               text.buf.max);
        goto out;
    }
    if (err != 0) {
        rc = gpgme_failed(ctx, SIGNET_EVERIFY, err, "not a valid signed message");
        goto out;
    }
    result = gpgme_op_verify_result(gpg->gpgme);
    s = result ? result->signatures : NULL;
    if (s == NULL || s->next != NULL) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "unexpected GPG signature count %d",
                               s == NULL ? 0 : 2);
        goto out;
    }
    if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR || s->validity == GPGME_VALIDITY_NEVER ||
        s->wrong_key_usage ||
        (s->summary & (GPGME_SIGSUM_KEY_REVOKED | GPGME_SIGSUM_KEY_EXPIRED |
                       GPGME_SIGSUM_SIG_EXPIRED | GPGME_SIGSUM_RED))) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "invalid GPG signature by %s: %s",
                               s->fpr ? s->fpr : "an unknown key", gpgme_strerror(s->status));
        goto out;
    }
    /* Copied: a key listing replaces the verification result. */
    snprintf(fpr, sizeof(fpr), "%s", s->fpr ? s->fpr : "?");
    if (s->fpr == NULL || strlen(s->fpr) >= sizeof(fpr) ||
        (known = accepted_primary(primary, gpg, fpr)) < 0) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "signature by unknown key %s", fpr);
        goto out;
    }
    if (known != 0) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "signature by key %s is not accepted", fpr);
        goto out;
    }
    if (signet_buf_put(payload, text.buf.ptr ? text.buf.ptr : "", text.buf.size) != SIGNET_OK)
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "signed content too large");
out:
    gpgme_data_release(plain);
    gpgme_data_release(sig);
    signet_buf_dispose(&text.buf);
    if (rc != SIGNET_OK)
        primary[0] = '\0';
    return rc;
}

int
signet_gpg_sign(signet_buf *out, signet_ctx *ctx, signet_gpg *gpg, const char *fingerprint,
                const void *data, size_t len)
{
    gpgme_data_t in = NULL, sig = NULL;
    gpgme_key_t key = NULL;
    gpgme_error_t err;
    int rc = SIGNET_OK;

    SIGNET_ASSERT_ARG(ctx, out != NULL && gpg != NULL && fingerprint != NULL && data != NULL);
    if ((err = gpgme_get_key(gpg->gpgme, fingerprint, &key, 1)) != 0 || key == NULL) {
        rc = signet_error__set(ctx, SIGNET_ENOTFOUND, "no GPG secret key %.80s: %s", fingerprint,
                               gpgme_strerror(err));
        goto out;
    }
    gpgme_signers_clear(gpg->gpgme);
    if ((err = gpgme_signers_add(gpg->gpgme, key)) != 0 ||
        (err = gpgme_data_new_from_mem(&in, data, len, 0)) != 0 ||
        (err = gpgme_data_new(&sig)) != 0 ||
        (err = gpgme_op_sign(gpg->gpgme, in, sig, GPGME_SIG_MODE_NORMAL)) != 0) {
        rc = gpgme_failed(ctx, SIGNET_ECRYPTO, err, "GPG signing failed");
        goto out;
    }
    if (take_data(out, &sig) != SIGNET_OK)
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "signature too large");
out:
    gpgme_data_release(sig);
    gpgme_data_release(in);
    if (key != NULL)
        gpgme_key_unref(key);
    gpgme_signers_clear(gpg->gpgme);
    return rc;
}

static int
is_fingerprint(const char *text)
{
    size_t n = strlen(text);

    return (n == 40 || n == 64) && strspn(text, "0123456789abcdefABCDEF") == n;
}

int
signet_gpg_export(signet_buf *out, signet_ctx *ctx, signet_gpg *gpg, const char *fingerprint)
{
    gpgme_data_t data = NULL;
    gpgme_error_t err;
    size_t before;
    int rc = SIGNET_OK;

    SIGNET_ASSERT_ARG(ctx, out != NULL && gpg != NULL && fingerprint != NULL);
    /* GnuPG takes a pattern: "" or a name would export every key that matches. */
    if (!is_fingerprint(fingerprint))
        return signet_error__set(
            ctx, SIGNET_ENOTFOUND,
            "no GPG public key '%.80s': not a fingerprint (40 or 64 hex digits)", fingerprint);
    if ((err = gpgme_data_new(&data)) != 0 ||
        (err = gpgme_op_export(gpg->gpgme, fingerprint, 0, data)) != 0) {
        rc = gpgme_failed(ctx, SIGNET_ECRYPTO, err, "exporting a GPG key");
        goto out;
    }
    before = out->size;
    if (take_data(out, &data) != SIGNET_OK)
        rc = signet_error__set(ctx, SIGNET_ETOOLARGE, "GPG key too large");
    else if (out->size == before)
        rc = signet_error__set(ctx, SIGNET_ENOTFOUND, "no GPG public key %.80s", fingerprint);
out:
    gpgme_data_release(data);
    return rc;
}

int
signet_simplesign_payload(signet_buf *out, signet_ctx *ctx, const char *docker_reference,
                          const char *digest, int64_t timestamp)
{
    json_t *root;
    char *text;
    char creator[64];
    int rc;

    SIGNET_ASSERT_ARG(ctx, out != NULL && docker_reference != NULL && digest != NULL);
    snprintf(creator, sizeof(creator), "signet %s", SIGNET_VERSION);
    root = json_pack("{s:{s:{s:s},s:{s:s},s:s},s:{s:s,s:I}}", "critical", "identity",
                     "docker-reference", docker_reference, "image", "docker-manifest-digest",
                     digest, "type", SIMPLESIGN_TYPE, "optional", "creator", creator, "timestamp",
                     (json_int_t)timestamp);
    text = root ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (text == NULL)
        return signet_error__set(ctx, SIGNET_ENOMEM, "out of memory");
    rc = signet_buf_puts(out, text);
    free(text);
    return rc == SIGNET_OK ? SIGNET_OK : signet_error__set(ctx, rc, "payload too large");
}

/* @p obj is an object with exactly the keys named (NULL-terminated). */
static int
exact_keys(json_t *obj, const char *const *keys)
{
    size_t n = 0;

    if (!json_is_object(obj))
        return 0;
    for (; keys[n] != NULL; n++)
        if (json_object_get(obj, keys[n]) == NULL)
            return 0;
    return json_object_size(obj) == n;
}

int
signet_simplesign_parse(signet_simplesign_claims *out, signet_ctx *ctx, const void *payload,
                        size_t len)
{
    static const char *const top[] = {"critical", "optional", NULL};
    static const char *const critical_keys[] = {"type", "image", "identity", NULL};
    static const char *const image_keys[] = {"docker-manifest-digest", NULL};
    static const char *const identity_keys[] = {"docker-reference", NULL};
    json_t *root, *critical, *optional, *creator, *ts;
    const char *type, *digest, *ref, *colon;
    json_error_t jerr;
    int rc = SIGNET_OK;

    SIGNET_ASSERT_ARG(ctx, out != NULL && payload != NULL);
    memset(out, 0, sizeof(*out));
    out->timestamp = -1;
    root = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!exact_keys(root, top)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY,
                               "invalid signature payload: not a simple signing JSON object");
        goto out;
    }
    critical = json_object_get(root, "critical");
    optional = json_object_get(root, "optional");
    if (!exact_keys(critical, critical_keys) ||
        !exact_keys(json_object_get(critical, "image"), image_keys) ||
        !exact_keys(json_object_get(critical, "identity"), identity_keys)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY,
                               "invalid signature payload: critical must hold exactly type, image "
                               "and identity");
        goto out;
    }
    type = json_string_value(json_object_get(critical, "type"));
    if (type == NULL || strcmp(type, SIMPLESIGN_TYPE) != 0) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "unrecognized signature type %.80s",
                               type ? type : "(not a string)");
        goto out;
    }
    digest = json_string_value(
        json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"));
    colon = digest ? strchr(digest, ':') : NULL;
    if (colon == NULL || colon == digest || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789abcdef") != strlen(colon + 1) || strlen(digest) >= 80) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY,
                               "invalid docker-manifest-digest value %.100s in the signature",
                               digest ? digest : "(not a string)");
        goto out;
    }
    ref = json_string_value(
        json_object_get(json_object_get(critical, "identity"), "docker-reference"));
    if (ref == NULL || strlen(ref) >= sizeof(out->docker_reference)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "invalid docker-reference in the signature");
        goto out;
    }
    if (!json_is_object(optional)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY,
                               "invalid signature payload: optional must be an object");
        goto out;
    }
    creator = json_object_get(optional, "creator");
    ts = json_object_get(optional, "timestamp");
    if (creator != NULL && !json_is_string(creator)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "field optional.creator is not a string");
        goto out;
    }
    if (ts != NULL && !json_is_integer(ts)) {
        rc = signet_error__set(ctx, SIGNET_EVERIFY, "field optional.timestamp is not an integer");
        goto out;
    }
    snprintf(out->docker_reference, sizeof(out->docker_reference), "%s", ref);
    snprintf(out->digest, sizeof(out->digest), "%s", digest);
    if (ts != NULL)
        out->timestamp = (int64_t)json_integer_value(ts);
out:
    json_decref(root);
    return rc;
}
