/*
 * Careful file I/O for keys, signatures and policies: reads are bounded and refuse symbolic
 * links and directories; writes are atomic and never replace a file unless told to.
 */
#ifndef SIGNET_FILE_H
#define SIGNET_FILE_H

#include "buf.h"
#include "ctx.h"

enum signet_file_write_flags {
    SIGNET_FILE_WRITE_OVERWRITE = (1 << 0), /* replace an existing file (atomically) */
};

/**
 * Read a whole file into @p out, whose maximum must have been set with signet_buf_init().
 * "-" reads standard input. Symbolic links and directories are refused.
 *
 * @return SIGNET_OK, SIGNET_ENOTFOUND, SIGNET_EIO, SIGNET_ETOOLARGE, SIGNET_ENOMEM.
 */
SIGNET_EXTERN(int) signet_file_read(signet_buf *out, signet_ctx *ctx, const char *path);

/**
 * Write @p len bytes to @p path with permissions @p mode. The data goes to a temporary file in
 * the same directory first, which then takes the final name, so a crash never leaves a
 * half-written file. Without SIGNET_FILE_WRITE_OVERWRITE an existing @p path is never replaced
 * (even by a concurrent writer).
 *
 * @return SIGNET_OK, SIGNET_EEXISTS, SIGNET_EIO.
 */
SIGNET_EXTERN(int)
signet_file_write(signet_ctx *ctx, const char *path, const void *data, size_t len,
                  unsigned int mode, unsigned int flags);

#endif
