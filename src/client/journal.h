/* A journal: an append-only file of sealed records, the durable outbox's
 * (and later the cache's) way to keep what the agent did across a crash,
 * a kill or a power cut.  Each record is sealed with XChaCha20-Poly1305
 * (libsodium) under the caller's 32-byte key, with the file's random id
 * and the record's sequence number as associated data: a record flipped,
 * cut, moved to another place or another file, or replayed is refused.
 * An append returns only once the record is on disk (fdatasync; the
 * directory is synced when the file is made), so "saved" on screen means
 * saved.
 *
 * Reading back: a torn last record (the crash came during an append,
 * before the agent was told anything) is cut off silently and counted.
 * Anything else that does not authenticate (a flipped byte, a foreign or
 * truncated header, a wrong key) sets the file aside (renamed
 * PATH.corrupt-UNIXTIME, never deleted) and starts a fresh one; the
 * records read before the bad one are still given to the caller.
 *
 * No curl, no curses.  Not thread-safe. */
#ifndef GUICHET_CLIENT_JOURNAL_H
#define GUICHET_CLIENT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_KEY_BYTES 32
#define JOURNAL_RECORD_MAX ((size_t)1 << 20)  /* bytes of one record's data */

struct journal;

/* What reading the file found (journal_open). */
struct journal_report {
	size_t records;          /* records given to each() */
	bool torn_tail;          /* a last record cut by a crash was dropped */
	bool set_aside;          /* the file failed to authenticate: renamed */
	char aside_path[1100];   /* then: where it went */
};

/* One record read back, in order: data (len bytes) is only valid during
 * the call.  Return 0 to go on, -1 to stop (journal_open then fails). */
typedef int (*journal_each_fn)(void *arg, uint64_t seq, const void *data, size_t len);

/* Open the journal at path (its directory must exist), creating it (mode
 * 0600, a fresh header, the directory synced) when absent, and give each
 * record already in it to each (may be NULL).  key is copied (into
 * sodium_malloc'd memory, wiped at close).  Returns the journal, owned by
 * the caller (journal_close), or NULL with err set (I/O error, an each()
 * that stopped, out of memory).  rep may be NULL. */
struct journal *journal_open(const char *path, const unsigned char key[JOURNAL_KEY_BYTES],
			     journal_each_fn each, void *arg, struct journal_report *rep,
			     char *err, size_t errlen);

/* Seal data (len <= JOURNAL_RECORD_MAX) as the next record, write it and
 * fdatasync.  0 once it is on disk; -1 with err set, and then the file is
 * as it was before the call (a partial write is cut back). */
int journal_append(struct journal *j, const void *data, size_t len, char *err, size_t errlen);
/* The same for n records at once (data[i], len[i]), in that order, with
 * one write and one fdatasync.  0 once all are on disk; on an error, none
 * is (the file is cut back).  A crash during the call may leave the first
 * ones only, whole: fit for records that may be lost (the outbox's "del"). */
int journal_append_n(struct journal *j, const void *const *data, const size_t *len, size_t n,
		     char *err, size_t errlen);

/* Replace the whole file, atomically, by the records next() gives (it
 * fills *data and *len and returns 1, or returns 0 when there is no more;
 * data stays the caller's): written to a temporary file, synced, renamed
 * over, the directory synced.  Used to compact the journal when most of
 * it is done with.  0, or -1 with err set (the old file is untouched). */
typedef int (*journal_next_fn)(void *arg, const void **data, size_t *len);
int journal_rewrite(struct journal *j, journal_next_fn next, void *arg, char *err, size_t errlen);

/* How many records the file holds now (read back plus appended). */
size_t journal_records(const struct journal *j);

/* Close the file and wipe the key.  NULL is fine. */
void journal_close(struct journal *j);

/* The key file: read the 32-byte key at path, or create it (random,
 * mode 0600, O_EXCL, the directory synced) when absent.  A key file
 * readable by others or of the wrong size is refused with a clear error.
 * 0, or -1 with err set.  The caller wipes key (sodium_memzero). */
int journal_key_load(const char *path, unsigned char key[JOURNAL_KEY_BYTES], char *err,
		     size_t errlen);

#endif
