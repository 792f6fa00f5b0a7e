/* The offline cache's file: a snapshot of what the desk had, written
 * whole (PATH.tmp, synced, renamed over PATH, the directory synced) and
 * read whole at start-up.  Each record is sealed on its own with
 * XChaCha20-Poly1305 (libsodium) under the caller's 32-byte key; its
 * associated data is its identity (its key, "case:12", and its version)
 * together with the file's random id, the snapshot's generation and the
 * record's place in it.  So a record flipped, moved, swapped with one of
 * another cache file or put back from an older snapshot is refused, and a
 * file cut short (it ends with a sealed count) too.  A whole older
 * snapshot put back in place is not told from the last one: nothing
 * outside the file remembers its generation (the cache is a copy of the
 * server's, read again as soon as the server answers).
 *
 * The identity and the time a record was last used are in clear (ids and
 * dates, never a name); what the record says is not.
 *
 * No curl, no curses.  Not thread-safe. */
#ifndef GUICHET_CLIENT_CACHE_FILE_H
#define GUICHET_CLIENT_CACHE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_FILE_KEY_BYTES 32
#define CACHE_FILE_ID_BYTES 16
#define CACHE_REC_KEY_MAX 300                 /* bytes of a record's key */
#define CACHE_REC_MAX ((size_t)16 << 20)      /* bytes of one record's data */
#define CACHE_FILE_MAX ((size_t)1 << 30)      /* bytes of a whole file */

/* One record: key (NUL-terminated, at most CACHE_REC_KEY_MAX bytes), its
 * version, when it was last used (unix seconds), and its data. */
struct cache_rec {
	const char *key;
	uint64_t version, used;
	const unsigned char *data;
	size_t len;
};

/* What reading found. */
struct cache_file_info {
	unsigned char id[CACHE_FILE_ID_BYTES]; /* the file's id, to keep when writing it again */
	uint64_t gen;                          /* the snapshot's generation */
	size_t records;
	bool absent;                           /* there was no file (not an error) */
	bool set_aside;                        /* it did not authenticate: renamed */
	char aside_path[1100];                 /* then: where it went */
	char why[200];                         /* then: what was wrong */
};

/* Read the file at path: each record, in order, goes to each (its data
 * points into *buf and stays valid until the caller frees *buf with
 * cache_file_buf_free; its key is a copy, valid only during the call).  A file that is not a whole cache sealed
 * under key is set aside (PATH.corrupt-UNIXTIME[-N]), *buf is NULL, and
 * info says why: nothing of it is given to each.  0 (also when absent or
 * set aside), or -1 with err set (an I/O error, out of memory, or each
 * returned -1). */
typedef int (*cache_file_each_fn)(void *arg, const struct cache_rec *r);
int cache_file_read(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
		    unsigned char **buf, size_t *buflen, cache_file_each_fn each, void *arg,
		    struct cache_file_info *info, char *err, size_t errlen);
/* Wipe and free what cache_file_read kept (NULL is fine). */
void cache_file_buf_free(unsigned char *buf, size_t len);

/* Write a new snapshot at path with the records next() gives (it fills
 * *r and returns 1, or returns 0 at the end; r's pointers stay the
 * caller's), under the file id and generation given.  0 once it is on
 * disk in place of the old one, or -1 with err set (the old file is then
 * untouched).  *written gets the file's size. */
typedef int (*cache_file_next_fn)(void *arg, struct cache_rec *r);
int cache_file_write(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
		     const unsigned char id[CACHE_FILE_ID_BYTES], uint64_t gen,
		     cache_file_next_fn next, void *arg, size_t *written, char *err,
		     size_t errlen);

#endif
