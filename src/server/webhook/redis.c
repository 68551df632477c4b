/*
 * The Redis client. Sockets are non-blocking and every wait is a poll() bounded by the call's
 * deadline; TLS runs over the same socket through a BIO that sends with MSG_NOSIGNAL, so a
 * closed connection is an error, never a SIGPIPE. hiredis only formats commands and parses
 * replies. A pool keeps up to POOL_MAX connections; the first failure to reach Redis starts a
 * backoff during which calls fail at once with that failure's message.
 */
#include "redis.h"
#include "util_str.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX           8
#define DEFAULT_TIMEOUT_MS 200
#define DEFAULT_BACKOFF_MS 1000
/* A reply is at most a value and its framing ("$16384\r\n" ... "\r\n"). */
#define REPLY_MAX (WH_REDIS_VALUE_MAX + 32)
#define ERR_MAX   512

struct conn {
    struct conn *next; /* in the idle list */
    int fd;
    SSL *ssl; /* rediss:// */
    redisReader *reader;
};

struct wh_redis {
    char host[256];  /* without brackets */
    char port[8];    /* decimal */
    char where[300]; /* "host:port" or "[v6]:port", for messages */
    char user[256];  /* "" for AUTH with the password alone */
    char *password;  /* sodium_malloc'ed; NULL: no AUTH */
    long db;
    int tls, verify;
    unsigned int timeout_ms, backoff_ms;
    SSL_CTX *ssl_ctx;
    BIO_METHOD *bio_method;

    pthread_mutex_t lock;
    pthread_cond_t released; /* a connection went back to the pool, or was closed */
    struct conn *idle;
    unsigned int n_open; /* idle and in use */
    int backing_off;
    struct timespec backoff_until;
    char backoff_error[ERR_MAX];
};

__attribute__((format(printf, 3, 4))) static void
set_err(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

static void
deadline_in(struct timespec *out, unsigned int ms)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    out->tv_sec += (time_t)(ms / 1000);
    out->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}

/* Milliseconds until @p deadline, rounded up; 0 once it has passed. */
static int
ms_left(const struct timespec *deadline)
{
    struct timespec now;
    long long ns;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (long long)(deadline->tv_sec - now.tv_sec) * 1000000000LL +
         (deadline->tv_nsec - now.tv_nsec);
    if (ns <= 0)
        return 0;
    return ns / 1000000LL >= INT_MAX ? INT_MAX : (int)((ns + 999999LL) / 1000000LL);
}

/* 1 when @p fd is ready (or has an error the next call reports), 0 at the deadline, -1 errno. */
static int
wait_fd(int fd, short events, const struct timespec *deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n;

    for (;;) {
        n = poll(&p, 1, ms_left(deadline));
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* --- the socket BIO: send(MSG_NOSIGNAL) and recv on a non-blocking fd ----------------------- */

static int
bio_sock_write(BIO *bio, const char *buf, int len)
{
    ssize_t n = send((int)(intptr_t)BIO_get_data(bio), buf, (size_t)len, MSG_NOSIGNAL);

    BIO_clear_retry_flags(bio);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(bio);
    return (int)n;
}

static int
bio_sock_read(BIO *bio, char *buf, int len)
{
    ssize_t n = recv((int)(intptr_t)BIO_get_data(bio), buf, (size_t)len, 0);

    BIO_clear_retry_flags(bio);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(bio);
    return (int)n;
}

static long
bio_sock_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    (void)bio;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *
bio_sock_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wh_redis socket");

    if (m == NULL)
        return NULL;
    if (!BIO_meth_set_write(m, bio_sock_write) || !BIO_meth_set_read(m, bio_sock_read) ||
        !BIO_meth_set_ctrl(m, bio_sock_ctrl)) {
        BIO_meth_free(m);
        return NULL;
    }
    return m;
}

/* --- connections ------------------------------------------------------------------------------ */

enum io_op { IO_READ, IO_WRITE, IO_HANDSHAKE };
/* IO_TOO_LARGE: the connection is out of step, though Redis is fine. */
enum io_result { IO_OK, IO_CLOSED, IO_TIMEOUT, IO_FAILED, IO_TOO_LARGE };

/* The OpenSSL error queue's first reason, or the socket's errno. */
static void
describe_tls_failure(char *why, size_t why_size, int ssl_error, int saved_errno)
{
    unsigned long e = ERR_peek_error();
    char buf[256];

    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        set_err(why, why_size, "%s", ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf);
    } else if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) {
        set_err(why, why_size, "%s", strerror(saved_errno));
    } else {
        set_err(why, why_size, "connection closed");
    }
    ERR_clear_error();
}

/*
 * One step of @p op: a read or a write of up to @p len bytes (*done set), or the whole TLS
 * handshake, waiting on the socket until @p deadline. IO_FAILED leaves the reason in @p why.
 */
static enum io_result
conn_io(struct conn *c, enum io_op op, char *buf, size_t len, size_t *done,
        const struct timespec *deadline, char *why, size_t why_size)
{
    short wait_for;
    ssize_t n;
    int w;

    for (;;) {
        if (c->ssl != NULL) {
            size_t got = 0;
            int ok, e;

            ERR_clear_error();
            errno = 0;
            if (op == IO_HANDSHAKE)
                ok = SSL_connect(c->ssl) == 1;
            else if (op == IO_WRITE)
                ok = SSL_write_ex(c->ssl, buf, len, &got);
            else
                ok = SSL_read_ex(c->ssl, buf, len, &got);
            if (ok) {
                *done = got;
                return IO_OK;
            }
            e = SSL_get_error(c->ssl, 0);
            if (e == SSL_ERROR_WANT_READ) {
                wait_for = POLLIN;
            } else if (e == SSL_ERROR_WANT_WRITE) {
                wait_for = POLLOUT;
            } else if (e == SSL_ERROR_ZERO_RETURN ||
                       (e == SSL_ERROR_SYSCALL && errno == 0 && ERR_peek_error() == 0)) {
                ERR_clear_error();
                return IO_CLOSED;
            } else {
                describe_tls_failure(why, why_size, e, errno);
                return IO_FAILED;
            }
        } else {
            if (op == IO_WRITE)
                n = send(c->fd, buf, len, MSG_NOSIGNAL);
            else
                n = recv(c->fd, buf, len, 0);
            if (n > 0) {
                *done = (size_t)n;
                return IO_OK;
            }
            if (n == 0)
                return IO_CLOSED;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                set_err(why, why_size, "%s", strerror(errno));
                return IO_FAILED;
            }
            wait_for = op == IO_WRITE ? POLLOUT : POLLIN;
        }
        w = wait_fd(c->fd, wait_for, deadline);
        if (w == 0)
            return IO_TIMEOUT;
        if (w < 0) {
            set_err(why, why_size, "%s", strerror(errno));
            return IO_FAILED;
        }
    }
}

static void
conn_close(struct conn *c)
{
    if (c == NULL)
        return;
    SSL_free(c->ssl); /* no close_notify: nothing waits for it */
    if (c->fd >= 0)
        close(c->fd);
    if (c->reader != NULL)
        redisReaderFree(c->reader);
    free(c);
}

/*
 * Send @p cmd (@p what is its name, for messages) and read one reply within the timeout.
 * IO_OK with *reply set (an error reply included); otherwise the message is in @p err and the
 * connection is unusable.
 */
static enum io_result
conn_roundtrip(wh_redis *r, struct conn *c, const char *what, const char *cmd, size_t len,
               redisReply **reply, char *err, size_t err_size)
{
    char buf[4096], why[256] = "";
    struct timespec deadline;
    size_t off = 0, done = 0, fed = 0;
    enum io_result io;
    void *obj = NULL;

    deadline_in(&deadline, r->timeout_ms);
    while (off < len) {
        io = conn_io(c, IO_WRITE, (char *)cmd + off, len - off, &done, &deadline, why, sizeof(why));
        if (io == IO_TIMEOUT)
            set_err(err, err_size, "cannot send %s to redis '%s': timed out after %u ms", what,
                    r->where, r->timeout_ms);
        else if (io != IO_OK)
            set_err(err, err_size, "cannot send %s to redis '%s': %s", what, r->where,
                    io == IO_CLOSED ? "connection closed" : why);
        if (io != IO_OK)
            return io;
        off += done;
    }
    for (;;) {
        if (redisReaderGetReply(c->reader, &obj) != REDIS_OK) {
            set_err(err, err_size, "bad reply to %s from redis '%s': %s", what, r->where,
                    c->reader->errstr);
            return IO_FAILED;
        }
        if (obj != NULL)
            break;
        /* One byte past the limit is enough to know. */
        io = conn_io(c, IO_READ, buf,
                     REPLY_MAX + 1 - fed < sizeof(buf) ? REPLY_MAX + 1 - fed : sizeof(buf), &done,
                     &deadline, why, sizeof(why));
        if (io == IO_TIMEOUT)
            set_err(err, err_size, "no reply to %s from redis '%s' within %u ms", what, r->where,
                    r->timeout_ms);
        else if (io != IO_OK)
            set_err(err, err_size, "no reply to %s from redis '%s': %s", what, r->where,
                    io == IO_CLOSED ? "connection closed" : why);
        if (io != IO_OK)
            return io;
        if (redisReaderFeed(c->reader, buf, done) != REDIS_OK) {
            set_err(err, err_size, "out of memory reading a reply from redis '%s'", r->where);
            return IO_FAILED;
        }
        fed += done;
        if (fed > REPLY_MAX) {
            set_err(err, err_size, "reply to %s from redis '%s' over %d bytes", what, r->where,
                    REPLY_MAX);
            return IO_TOO_LARGE;
        }
    }
    *reply = obj;
    return IO_OK;
}

/* A command on a new connection (AUTH, SELECT): 0 when Redis answered OK. */
static int
conn_setup_command(wh_redis *r, struct conn *c, const char *what, int argc, const char **argv,
                   const size_t *lens, char *err, size_t err_size)
{
    redisReply *reply = NULL;
    char *cmd = NULL;
    long long len;
    int rc = -1;

    len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0) {
        set_err(err, err_size, "out of memory");
        return -1;
    }
    if (conn_roundtrip(r, c, what, cmd, (size_t)len, &reply, err, err_size) != IO_OK)
        goto out;
    if (reply->type == REDIS_REPLY_ERROR)
        set_err(err, err_size, "redis '%s' refused %s: '%s'", r->where, what, reply->str);
    else if (reply->type != REDIS_REPLY_STATUS || strcmp(reply->str, "OK") != 0)
        set_err(err, err_size, "unexpected reply to %s from redis '%s'", what, r->where);
    else
        rc = 0;
out:
    if (reply != NULL)
        freeReplyObject(reply);
    /* AUTH carries the password. */
    sodium_memzero(cmd, (size_t)len);
    redisFreeCommand(cmd);
    return rc;
}

/* A connected socket, or -1 with the message in @p err. */
static int
tcp_connect(wh_redis *r, const struct timespec *deadline, char *err, size_t err_size)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, saved = ECONNREFUSED, timed_out = 0, soerr, rc, one = 1;
    socklen_t sl;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(r->host, r->port, &hints, &res);
    if (rc != 0) {
        set_err(err, err_size, "cannot connect to redis '%s': %s", r->where, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL && !timed_out; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            rc = wait_fd(fd, POLLOUT, deadline);
            sl = sizeof(soerr);
            if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            if (rc == 0)
                timed_out = 1;
            else
                saved = rc == 1 ? soerr : errno;
        } else {
            saved = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (timed_out)
            set_err(err, err_size, "cannot connect to redis '%s': timed out after %u ms", r->where,
                    r->timeout_ms);
        else
            set_err(err, err_size, "cannot connect to redis '%s': %s", r->where, strerror(saved));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int
tls_handshake(wh_redis *r, struct conn *c, const struct timespec *deadline, char *err,
              size_t err_size)
{
    unsigned char probe[16];
    char why[256] = "";
    enum io_result io;
    size_t done = 0;
    BIO *bio = NULL;
    long vr;

    c->ssl = SSL_new(r->ssl_ctx);
    bio = BIO_new(r->bio_method);
    if (c->ssl == NULL || bio == NULL) {
        BIO_free(bio);
        set_err(err, err_size, "cannot connect to redis '%s': out of memory", r->where);
        return -1;
    }
    BIO_set_data(bio, (void *)(intptr_t)c->fd);
    BIO_set_init(bio, 1);
    SSL_set_bio(c->ssl, bio, bio); /* bio now owned by c->ssl */
    if (r->verify) {
        if (inet_pton(AF_INET, r->host, probe) == 1 || inet_pton(AF_INET6, r->host, probe) == 1) {
            if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), r->host))
                goto failed;
        } else if (!SSL_set_tlsext_host_name(c->ssl, r->host) || !SSL_set1_host(c->ssl, r->host)) {
            goto failed;
        }
    }
    io = conn_io(c, IO_HANDSHAKE, NULL, 0, &done, deadline, why, sizeof(why));
    if (io == IO_OK)
        return 0;
    vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK)
        set_err(err, err_size,
                "cannot connect to redis '%s': TLS certificate verification failed: %s", r->where,
                X509_verify_cert_error_string(vr));
    else if (io == IO_TIMEOUT)
        set_err(err, err_size, "cannot connect to redis '%s': TLS handshake timed out after %u ms",
                r->where, r->timeout_ms);
    else
        set_err(err, err_size, "cannot connect to redis '%s': TLS handshake failed: %s", r->where,
                io == IO_CLOSED ? "connection closed" : why);
    ERR_clear_error();
    return -1;
failed:
    ERR_clear_error();
    set_err(err, err_size, "cannot connect to redis '%s': cannot set the TLS peer name", r->where);
    return -1;
}

/* A connection that is ready for commands (authenticated, database selected), or NULL. */
static struct conn *
conn_open(wh_redis *r, char *err, size_t err_size)
{
    struct timespec deadline;
    struct conn *c = NULL;
    char db[24];
    const char *argv[3];
    size_t lens[3];

    deadline_in(&deadline, r->timeout_ms);
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        set_err(err, err_size, "cannot connect to redis '%s': out of memory", r->where);
        return NULL;
    }
    c->fd = tcp_connect(r, &deadline, err, err_size);
    if (c->fd < 0)
        goto fail;
    c->reader = redisReaderCreate();
    if (c->reader == NULL) {
        set_err(err, err_size, "cannot connect to redis '%s': out of memory", r->where);
        goto fail;
    }
    if (r->tls && tls_handshake(r, c, &deadline, err, err_size) != 0)
        goto fail;
    if (r->password != NULL) {
        int n = 0;

        argv[n] = "AUTH";
        lens[n++] = 4;
        if (r->user[0] != '\0') {
            argv[n] = r->user;
            lens[n++] = strlen(r->user);
        }
        argv[n] = r->password;
        lens[n++] = strlen(r->password);
        if (conn_setup_command(r, c, "AUTH", n, argv, lens, err, err_size) != 0)
            goto fail;
    }
    if (r->db != 0) {
        snprintf(db, sizeof(db), "%ld", r->db);
        argv[0] = "SELECT";
        lens[0] = 6;
        argv[1] = db;
        lens[1] = strlen(db);
        if (conn_setup_command(r, c, "SELECT", 2, argv, lens, err, err_size) != 0)
            goto fail;
    }
    return c;
fail:
    conn_close(c);
    return NULL;
}

/* --- the pool (r->lock held where said) --------------------------------------------------------
 */

/* Close every idle connection (lock held). */
static void
pool_drain_locked(wh_redis *r)
{
    struct conn *c;

    while ((c = r->idle) != NULL) {
        r->idle = c->next;
        conn_close(c);
        r->n_open--;
    }
    pthread_cond_broadcast(&r->released);
}

/* After a failure to reach Redis: calls fail at once for backoff_ms (lock held). */
static void
backoff_locked(wh_redis *r, const char *err)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pool_drain_locked(r);
    /* The first failure names the outage; concurrent ones are the same news. */
    if (r->backing_off &&
        (now.tv_sec < r->backoff_until.tv_sec ||
         (now.tv_sec == r->backoff_until.tv_sec && now.tv_nsec < r->backoff_until.tv_nsec)))
        return;
    r->backing_off = 1;
    deadline_in(&r->backoff_until, r->backoff_ms);
    snprintf(r->backoff_error, sizeof(r->backoff_error), "%s", err);
    wh_log(WH_LOG_WARN, "redis unavailable, not tried again for %u ms: %s", r->backoff_ms, err);
}

/* A connection from the pool (*reused set) or a new one; NULL with the message in @p err. */
static struct conn *
pool_get(wh_redis *r, int *reused, char *err, size_t err_size)
{
    struct timespec deadline, now;
    struct conn *c = NULL;

    deadline_in(&deadline, r->timeout_ms);
    pthread_mutex_lock(&r->lock);
    for (;;) {
        if (r->backing_off) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec < r->backoff_until.tv_sec ||
                (now.tv_sec == r->backoff_until.tv_sec && now.tv_nsec < r->backoff_until.tv_nsec)) {
                set_err(err, err_size, "redis unavailable (backing off after: %s)",
                        r->backoff_error);
                break;
            }
            r->backing_off = 0;
        }
        if (r->idle != NULL) {
            c = r->idle;
            r->idle = c->next;
            c->next = NULL;
            *reused = 1;
            break;
        }
        if (r->n_open < POOL_MAX) {
            r->n_open++;
            pthread_mutex_unlock(&r->lock);
            c = conn_open(r, err, err_size);
            pthread_mutex_lock(&r->lock);
            if (c == NULL) {
                r->n_open--;
                backoff_locked(r, err);
            }
            *reused = 0;
            break;
        }
        if (pthread_cond_timedwait(&r->released, &r->lock, &deadline) == ETIMEDOUT) {
            set_err(err, err_size, "redis '%s' busy: all %d connections in use for %u ms", r->where,
                    POOL_MAX, r->timeout_ms);
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return c;
}

static void
pool_put(wh_redis *r, struct conn *c)
{
    pthread_mutex_lock(&r->lock);
    c->next = r->idle;
    r->idle = c;
    pthread_cond_signal(&r->released);
    pthread_mutex_unlock(&r->lock);
}

enum drop_how { DROP_ONE, DROP_IDLE_TOO, DROP_BACK_OFF };

/* Close @p c; and the idle connections (DROP_IDLE_TOO), or start a backoff with @p err. */
static void
pool_drop(wh_redis *r, struct conn *c, enum drop_how how, const char *err)
{
    conn_close(c);
    pthread_mutex_lock(&r->lock);
    r->n_open--;
    if (how == DROP_BACK_OFF)
        backoff_locked(r, err);
    else if (how == DROP_IDLE_TOO)
        pool_drain_locked(r);
    pthread_cond_signal(&r->released);
    pthread_mutex_unlock(&r->lock);
}

/* Run one command; 0 with *reply set (perhaps an error reply), -1 with the message in @p err. */
static int
redis_call(wh_redis *r, const char *what, int argc, const char **argv, const size_t *lens,
           redisReply **reply, char *err, size_t err_size)
{
    struct conn *c = NULL;
    enum io_result io;
    char *cmd = NULL;
    long long len;
    int reused = 0, attempt, rc = -1;

    len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    if (len < 0) {
        set_err(err, err_size, "out of memory");
        return -1;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        c = pool_get(r, &reused, err, err_size);
        if (c == NULL)
            goto out;
        io = conn_roundtrip(r, c, what, cmd, (size_t)len, reply, err, err_size);
        if (io == IO_OK) {
            pool_put(r, c);
            rc = 0;
            goto out;
        }
        if (io == IO_TOO_LARGE) {
            pool_drop(r, c, DROP_ONE, NULL);
            goto out;
        }
        if (reused && attempt == 0 && (io == IO_CLOSED || io == IO_FAILED)) {
            /* Idle connections may have been closed by the server since (a restart, say):
             * drop them all and try once on a new one. */
            pool_drop(r, c, DROP_IDLE_TOO, NULL);
            continue;
        }
        pool_drop(r, c, DROP_BACK_OFF, err);
        goto out;
    }
out:
    redisFreeCommand(cmd);
    return rc;
}

/* --- the URL ---------------------------------------------------------------------------------- */

/* @p url for messages: what comes before the last '@' (user and password) becomes "***". */
static void
redact_url(char *out, size_t size, const char *url)
{
    const char *at = strrchr(url, '@');
    const char *scheme_end = strstr(url, "://");

    if (at == NULL)
        snprintf(out, size, "%s", url);
    else if (scheme_end != NULL && scheme_end < at)
        snprintf(out, size, "%.*s***%s", (int)(scheme_end + 3 - url), url, at);
    else
        snprintf(out, size, "***%s", at);
}

/* Percent-decode [s, s+n) into @p out (at least n+1 bytes); -1 on a bad escape or a NUL. */
static int
percent_decode(char *out, const char *s, size_t n)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (i + 2 >= n)
            return -1;
        hi = util_hex_value((unsigned char)s[i + 1]);
        lo = util_hex_value((unsigned char)s[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return -1;
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return 0;
}

/* 0, or -1 with the reason (which never quotes the user information) in @p why. */
static int
parse_url(wh_redis *r, const char *url, char *why, size_t why_size)
{
    const char *p, *auth_end, *at, *colon, *host_end, *port_s = NULL;
    size_t host_len, n;
    long port = 6379;
    char *end = NULL;

    if (strncmp(url, "redis://", 8) == 0) {
        p = url + 8;
    } else if (strncmp(url, "rediss://", 9) == 0) {
        p = url + 9;
        r->tls = 1;
    } else {
        set_err(why, why_size, "the scheme must be redis:// or rediss://");
        return -1;
    }
    /* The last '@' ends the user information, even with a raw '/' in the password: what a
     * message quotes below must come from after it. */
    at = strrchr(p, '@');
    if (at != NULL) {
        colon = memchr(p, ':', (size_t)(at - p));
        if (colon == NULL || colon + 1 == at) {
            set_err(why, why_size, "a user name needs a password");
            return -1;
        }
        n = (size_t)(colon - p);
        if (n >= sizeof(r->user) || percent_decode(r->user, p, n) != 0) {
            set_err(why, why_size, "bad user name");
            return -1;
        }
        n = (size_t)(at - colon - 1);
        r->password = sodium_malloc(n + 1);
        if (r->password == NULL) {
            set_err(why, why_size, "out of memory");
            return -1;
        }
        if (percent_decode(r->password, colon + 1, n) != 0) {
            set_err(why, why_size, "bad percent-encoding in the password");
            return -1;
        }
        p = at + 1;
    }
    auth_end = p + strcspn(p, "/?#");
    if (*p == '[') {
        host_end = memchr(p, ']', (size_t)(auth_end - p));
        if (host_end == NULL) {
            set_err(why, why_size, "no ']' after the IPv6 address");
            return -1;
        }
        host_len = (size_t)(host_end - p - 1);
        if (host_end + 1 < auth_end && host_end[1] != ':') {
            set_err(why, why_size, "unexpected text after the IPv6 address");
            return -1;
        }
        if (host_end[1] == ':')
            port_s = host_end + 2;
        p++;
    } else {
        host_end = memchr(p, ':', (size_t)(auth_end - p));
        if (host_end == NULL)
            host_end = auth_end;
        else
            port_s = host_end + 1;
        host_len = (size_t)(host_end - p);
        if (port_s != NULL && memchr(port_s, ':', (size_t)(auth_end - port_s)) != NULL) {
            set_err(why, why_size, "an IPv6 address must be in brackets");
            return -1;
        }
    }
    if (host_len == 0 || host_len >= sizeof(r->host)) {
        set_err(why, why_size, host_len == 0 ? "no host" : "host name too long");
        return -1;
    }
    memcpy(r->host, p, host_len);
    r->host[host_len] = '\0';
    if (port_s != NULL) {
        errno = 0;
        port =
            port_s < auth_end && *port_s >= '0' && *port_s <= '9' ? strtol(port_s, &end, 10) : -1;
        if (port < 1 || port > 65535 || end != auth_end || errno != 0) {
            set_err(why, why_size, "bad port '%.*s'", (int)(auth_end - port_s), port_s);
            return -1;
        }
    }
    snprintf(r->port, sizeof(r->port), "%ld", port);
    snprintf(r->where, sizeof(r->where), strchr(r->host, ':') ? "[%s]:%s" : "%s:%s", r->host,
             r->port);
    if (*auth_end == '?' || *auth_end == '#') {
        set_err(why, why_size, "unexpected '%s'", auth_end);
        return -1;
    }
    if (auth_end[0] == '/' && auth_end[1] != '\0') {
        errno = 0;
        r->db = auth_end[1] >= '0' && auth_end[1] <= '9' ? strtol(auth_end + 1, &end, 10) : -1;
        if (r->db < 0 || r->db > INT_MAX || *end != '\0' || errno != 0) {
            set_err(why, why_size, "bad database number '%s'", auth_end + 1);
            return -1;
        }
    }
    return 0;
}

static int
tls_setup(wh_redis *r, const wh_redis_options *opts, char *why, size_t why_size)
{
    unsigned long e;

    r->ssl_ctx = SSL_CTX_new(TLS_client_method());
    r->bio_method = bio_sock_method();
    if (r->ssl_ctx == NULL || r->bio_method == NULL ||
        !SSL_CTX_set_min_proto_version(r->ssl_ctx, TLS1_2_VERSION)) {
        set_err(why, why_size, "cannot set up TLS");
        return -1;
    }
    /* Replies are framed: a connection closed without close_notify cannot truncate one. */
    SSL_CTX_set_options(r->ssl_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (opts->ca_file != NULL) {
        /* OpenSSL would only say "no certificate" for a file it cannot open. */
        FILE *f = fopen(opts->ca_file, "r");

        if (f == NULL) {
            set_err(why, why_size, "cannot load the CA file '%s': %s", opts->ca_file,
                    strerror(errno));
            return -1;
        }
        fclose(f);
    }
    r->verify = !opts->insecure_skip_verify;
    SSL_CTX_set_verify(r->ssl_ctx, r->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (opts->ca_file != NULL ? SSL_CTX_load_verify_locations(r->ssl_ctx, opts->ca_file, NULL)
                              : SSL_CTX_set_default_verify_paths(r->ssl_ctx))
        return 0;
    e = ERR_get_error();
    ERR_clear_error();
    if (opts->ca_file != NULL)
        set_err(why, why_size, "cannot load the CA file '%s': %s", opts->ca_file,
                e != 0 && ERR_reason_error_string(e) ? ERR_reason_error_string(e)
                                                     : "no certificate");
    else
        set_err(why, why_size, "cannot load the system CA certificates");
    return -1;
}

/* --- the API ------------------------------------------------------------------------------------
 */

wh_redis *
wh_redis_new(const wh_redis_options *opts, char *err, size_t err_size)
{
    char why[ERR_MAX] = "", shown[512];
    pthread_condattr_t attr;
    wh_redis *r = NULL;

    r = calloc(1, sizeof(*r));
    if (r == NULL || sodium_init() < 0) {
        free(r);
        set_err(err, err_size, "cannot set up the redis client: out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->released, &attr);
    pthread_condattr_destroy(&attr);
    r->timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    r->backoff_ms = opts->backoff_ms != 0 ? opts->backoff_ms : DEFAULT_BACKOFF_MS;

    redact_url(shown, sizeof(shown), opts->url != NULL ? opts->url : "");
    if (opts->url == NULL || parse_url(r, opts->url, why, sizeof(why)) != 0) {
        set_err(err, err_size, "invalid redis URL '%s': %s", shown,
                why[0] != '\0' ? why : "none given");
        goto fail;
    }
    if (opts->password != NULL) {
        size_t n = strlen(opts->password);

        sodium_free(r->password);
        r->password = sodium_malloc(n + 1);
        if (r->password == NULL) {
            set_err(err, err_size, "cannot set up the redis client: out of memory");
            goto fail;
        }
        memcpy(r->password, opts->password, n + 1);
    }
    if (!r->tls && (opts->ca_file != NULL || opts->insecure_skip_verify)) {
        set_err(err, err_size,
                "redis URL '%s': a CA file and insecure_skip_verify apply to rediss:// only",
                shown);
        goto fail;
    }
    if (r->tls && tls_setup(r, opts, why, sizeof(why)) != 0) {
        set_err(err, err_size, "redis '%s': %s", r->where, why);
        goto fail;
    }
    if (r->tls && !r->verify)
        wh_log(WH_LOG_WARN, "redis '%s': TLS certificate not verified (insecure_skip_verify)",
               r->where);
    return r;
fail:
    wh_redis_free(r);
    return NULL;
}

void
wh_redis_free(wh_redis *redis)
{
    if (redis == NULL)
        return;
    pool_drain_locked(redis); /* no other thread uses it any more */
    SSL_CTX_free(redis->ssl_ctx);
    BIO_meth_free(redis->bio_method);
    sodium_free(redis->password);
    pthread_cond_destroy(&redis->released);
    pthread_mutex_destroy(&redis->lock);
    free(redis);
}

int
wh_redis_get(wh_redis *redis, const char *key, char *value, size_t size, char *err, size_t err_size)
{
    const char *argv[2] = {"GET", key};
    size_t lens[2] = {3, strlen(key)};
    redisReply *reply = NULL;
    int rc = -1;

    if (redis_call(redis, "GET", 2, argv, lens, &reply, err, err_size) != 0)
        return -1;
    if (reply->type == REDIS_REPLY_NIL) {
        rc = 0;
    } else if (reply->type == REDIS_REPLY_STRING) {
        if (reply->len >= size)
            set_err(err, err_size, "value from redis '%s' over %zu bytes", redis->where, size - 1);
        else if (memchr(reply->str, '\0', reply->len) != NULL)
            set_err(err, err_size, "value from redis '%s' holds a NUL byte", redis->where);
        else {
            memcpy(value, reply->str, reply->len + 1);
            rc = 1;
        }
    } else if (reply->type == REDIS_REPLY_ERROR) {
        set_err(err, err_size, "redis '%s' refused GET: '%s'", redis->where, reply->str);
    } else {
        set_err(err, err_size, "unexpected reply to GET from redis '%s'", redis->where);
    }
    freeReplyObject(reply);
    return rc;
}

int
wh_redis_set(wh_redis *redis, const char *key, const char *value, unsigned int ttl_s, char *err,
             size_t err_size)
{
    char ttl[16];
    const char *argv[5] = {"SET", key, value, "EX", ttl};
    size_t lens[5] = {3, strlen(key), strlen(value), 2, 0};
    redisReply *reply = NULL;
    int rc = -1;

    if (ttl_s == 0) {
        set_err(err, err_size, "redis SET needs an expiry");
        return -1;
    }
    if (lens[2] > WH_REDIS_VALUE_MAX) {
        set_err(err, err_size, "value for redis over %d bytes", WH_REDIS_VALUE_MAX);
        return -1;
    }
    snprintf(ttl, sizeof(ttl), "%u", ttl_s);
    lens[4] = strlen(ttl);
    if (redis_call(redis, "SET", 5, argv, lens, &reply, err, err_size) != 0)
        return -1;
    if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0)
        rc = 0;
    else if (reply->type == REDIS_REPLY_ERROR)
        set_err(err, err_size, "redis '%s' refused SET: '%s'", redis->where, reply->str);
    else
        set_err(err, err_size, "unexpected reply to SET from redis '%s'", redis->where);
    freeReplyObject(reply);
    return rc;
}
