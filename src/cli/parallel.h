/*
 * Running one registry job per image on a few threads, each with its own context and registry
 * client (a client is used by one thread at a time and keeps its connections open).
 */
#ifndef SIGNET_CLI_PARALLEL_H
#define SIGNET_CLI_PARALLEL_H

#include "signet.h"

#define CLI_WORKERS_MAX 64

struct cli_worker {
    signet_ctx *ctx;
    signet_registry *reg;
};

/* One job: fills its own result slot; must clear w->ctx's error before using it. */
typedef void (*cli_job_fn)(struct cli_worker *w, size_t index, void *arg);

/*
 * Run @p fn for every index below @p njobs on up to @p nworkers threads. Returns 0, or -1 when
 * a worker could not get a context or registry client (the message is printed).
 */
int cli_run_parallel(size_t njobs, size_t nworkers, const signet_registry_options *ropts,
                     cli_job_fn fn, void *arg);

/* One image to work on, and how it went. */
struct cli_image_job {
    signet_reference ref;
    int lib_rc; /* SIGNET_ERROR until the job ran */
    char message[512];
};

/*
 * Parse @p texts into jobs that each count as failed ("'TEXT' was not VERB") until they run.
 * Returns an exit status; on success *out is freed by the caller with free().
 */
int cli_image_jobs_new(struct cli_image_job **out, signet_ctx *ctx, const char *const *texts,
                       size_t n, const char *verb);

/* Record a job's result (the message comes from @p ctx when it failed). */
void cli_image_job_done(struct cli_image_job *job, int lib_rc, const signet_ctx *ctx);

/* Print each failed job; returns 0 when all succeeded, 1 when the failures are all rejections,
 * 2 otherwise. */
int cli_image_jobs_report(const struct cli_image_job *jobs, size_t n);

/* Parse --max-workers (1..CLI_WORKERS_MAX, default @p fallback). Returns 0 or -1. */
int cli_parse_workers(size_t *out, const char *text, size_t fallback);

#endif
