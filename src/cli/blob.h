/*
 * Opening the file a blob verb signs or verifies ("-" is standard input).
 */
#ifndef SIGNET_CLI_BLOB_H
#define SIGNET_CLI_BLOB_H

/* Returns a readable descriptor, or -1 after printing why. */
int cli_blob_open(const char *path);

/* Close what cli_blob_open() returned (standard input stays open). */
void cli_blob_close(int fd);

#endif
