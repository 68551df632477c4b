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

/* Parse --max-workers (1..CLI_WORKERS_MAX, default @p fallback). Returns 0 or -1. */
int cli_parse_workers(size_t *out, const char *text, size_t fallback);

#endif
