/* What makes a file's name durable: after a file is made or renamed into
 * place, its directory is synced too, or a power cut can take the new
 * name away (the outbox's journal, the cache, the key files). */
#ifndef GUICHET_CLIENT_DURABLE_H
#define GUICHET_CLIENT_DURABLE_H

#include <stddef.h>

/* The directory part of path into dir (n bytes): "." without a slash,
 * "/" for a file at the root. */
void durable_dir_of(const char *path, char *dir, size_t n);

/* fsync the directory dir; 0, or -1 with errno kept. */
int durable_sync_dir(const char *dir);

/* fsync the directory that holds path; 0, or -1 with errno kept. */
int durable_sync_parent(const char *path);

#endif
