#include "parallel.h"

#include "error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct pool {
    size_t njobs, next;
    pthread_mutex_t lock;
    const signet_registry_options *ropts;
    cli_job_fn fn;
    void *arg;
    int failed;
};

static void *
worker(void *arg)
{
    struct pool *p = arg;
    struct cli_worker w = {NULL, NULL};
    int rc;

    if (signet_ctx_new(&w.ctx) != SIGNET_OK) {
        cli_error("out of memory");
        goto fail;
    }
    if ((rc = signet_registry_new(&w.reg, w.ctx, p->ropts)) != SIGNET_OK) {
        cli_fail(w.ctx, rc);
        goto fail;
    }
    for (;;) {
        size_t index;
        pthread_mutex_lock(&p->lock);
        index = p->next < p->njobs ? p->next++ : p->njobs;
        pthread_mutex_unlock(&p->lock);
        if (index == p->njobs)
            break;
        signet_ctx_clear_error(w.ctx);
        p->fn(&w, index, p->arg);
    }
    signet_registry_free(w.reg);
    signet_ctx_free(w.ctx);
    return NULL;
fail:
    pthread_mutex_lock(&p->lock);
    p->failed = 1;
    pthread_mutex_unlock(&p->lock);
    signet_ctx_free(w.ctx);
    return NULL;
}

int
cli_run_parallel(size_t njobs, size_t nworkers, const signet_registry_options *ropts, cli_job_fn fn,
                 void *arg)
{
    pthread_t threads[CLI_WORKERS_MAX];
    struct pool pool = {njobs, 0, PTHREAD_MUTEX_INITIALIZER, ropts, fn, arg, 0};
    size_t started = 0;

    if (nworkers > njobs)
        nworkers = njobs;
    if (nworkers > CLI_WORKERS_MAX)
        nworkers = CLI_WORKERS_MAX;
    /* One worker runs on this thread: no thread at all for a single image. */
    for (; started + 1 < nworkers; started++)
        if (pthread_create(&threads[started], NULL, worker, &pool) != 0)
            break;
    worker(&pool);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&pool.lock);
    return pool.failed ? -1 : 0;
}

int
cli_parse_workers(size_t *out, const char *text, size_t fallback)
{
    char *end;
    long n;

    if (text == NULL) {
        *out = fallback;
        return 0;
    }
    n = strtol(text, &end, 10);
    if (*end != '\0' || end == text || n < 1 || n > CLI_WORKERS_MAX)
        return -1;
    *out = (size_t)n;
    return 0;
}

int
cli_image_jobs_new(struct cli_image_job **out, signet_ctx *ctx, const char *const *texts, size_t n,
                   const char *verb)
{
    struct cli_image_job *jobs = calloc(n, sizeof(*jobs));
    int rc;

    *out = NULL;
    if (jobs == NULL)
        return cli_error("out of memory");
    for (size_t i = 0; i < n; i++) {
        jobs[i].lib_rc = SIGNET_ERROR;
        snprintf(jobs[i].message, sizeof(jobs[i].message), "'%s' was not %s", texts[i], verb);
        if ((rc = signet_reference_parse(&jobs[i].ref, ctx, texts[i])) != SIGNET_OK) {
            free(jobs);
            return cli_fail(ctx, rc);
        }
    }
    *out = jobs;
    return CLI_EXIT_OK;
}

void
cli_image_job_done(struct cli_image_job *job, int lib_rc, const signet_ctx *ctx)
{
    job->lib_rc = lib_rc;
    if (lib_rc != SIGNET_OK)
        snprintf(job->message, sizeof(job->message), "%s", signet_ctx_error(ctx));
}

int
cli_image_jobs_report(const struct cli_image_job *jobs, size_t n)
{
    int status = CLI_EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        int s;
        if (jobs[i].lib_rc == SIGNET_OK)
            continue;
        s = cli_report(jobs[i].lib_rc, jobs[i].message);
        if (status == CLI_EXIT_OK || s == CLI_EXIT_FAILED)
            status = s;
    }
    return status;
}
