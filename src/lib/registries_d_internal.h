/*
 * registries.d internals, for the tests and the fuzzer: parse one file from memory and merge it
 * into a configuration, as signet_registries_d_load() does for each file.
 */
#ifndef SIGNET_REGISTRIES_D_INTERNAL_H
#define SIGNET_REGISTRIES_D_INTERNAL_H

#include "internal.h"

/* An empty configuration. */
int signet_registries_d__new(signet_registries_d **out, signet_ctx *ctx);

/*
 * Parse @p len bytes of YAML named @p path (used in messages) and merge them into @p cfg.
 * Returns as signet_registries_d_load(); on failure @p cfg may hold part of the file and should
 * be freed.
 */
int signet_registries_d__add(signet_registries_d *cfg, signet_ctx *ctx, const void *yaml,
                             size_t len, const char *path);

/* 32 bytes that change when any file's name or bytes added to @p cfg change (the webhook keys its
 * verdict cache on it). */
const unsigned char *signet_registries_d__content_digest(const signet_registries_d *cfg);

#endif
