/* The offline cache: the client store kept on disk between runs, so that
 * the first screen does not wait for the network and the desk goes on
 * showing what the agent had when the network is gone.  Read whole at
 * start-up (cache_file.c checks every record) but decoded only when a
 * screen asks for a record or a list (the store's miss function): a cache
 * of a hundred thousand interactions opens in milliseconds.
 *
 * Saved as a new snapshot when the store changed (cache_due), and at
 * quit; bounded in size: past the limit, what was used longest ago goes,
 * except records with changes still waiting in the outbox.  What is kept:
 * citizens, cases, interactions, chats, templates, and the lists "mine",
 * "templates", timelines and case histories; not the live ones (offers,
 * marks, the outbox, searches).
 *
 * A cache is only ever a copy of the server's: a file that fails to
 * authenticate is set aside and rebuilt, never trusted, and never costs
 * the outbox, which is a journal of its own.
 *
 * Ownership: cache_open returns a cache the caller frees with cache_close
 * (after cache_detach of the store it was attached to). */
#ifndef GUICHET_CLIENT_CACHE_H
#define GUICHET_CLIENT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>

#include "client/cache_file.h"
#include "client/store.h"

struct cache;

/* Open the cache at path (its directory must exist), sealed with key (32
 * bytes, copied), holding at most max_bytes.  info says what was found
 * (absent, set aside and why).  NULL with err set on an I/O error or out
 * of memory. */
struct cache *cache_open(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
			 size_t max_bytes, struct cache_file_info *info, char *err, size_t errlen);
void cache_close(struct cache *c);

/* The store reads what it does not hold from the cache (store_set_miss). */
void cache_attach(struct cache *c, struct store *s);
void cache_detach(struct cache *c, struct store *s);

/* Is a snapshot due (the store changed since the last one, and at least
 * `every` seconds went by)? */
bool cache_due(const struct cache *c, const struct store *s, time_t now, int every);

/* Write a new snapshot of the store and of what the cache held besides,
 * evicting past the size limit.  0, or -1 with err set (the old file is
 * untouched). */
int cache_save(struct cache *c, struct store *s, time_t now, char *err, size_t errlen);

/* Another desk of the same agent holds the cache: this one only reads it
 * (cache_save does nothing). */
bool cache_read_only(const struct cache *c);

/* Forget a record or list the server says is gone or not mine (404, 403):
 * the cache no longer answers for it. */
void cache_forget(struct cache *c, const char *key);

/* Change the size limit (applied at the next save). */
void cache_set_max(struct cache *c, size_t max_bytes);

/* Records held (in the file or the store at the last save), and the
 * bytes of the last snapshot. */
size_t cache_records(const struct cache *c);
size_t cache_bytes(const struct cache *c);

/* Search the citizens the cache and the store know of, as guichetd would
 * (search.h): a name (accent- and case-insensitive, word starts), a phone
 * number in any French form, a mail address, a case reference.  A new
 * array of at most max citizens (the fields a search shows), or NULL when
 * out of memory.  The caller owns it. */
json_t *cache_search(struct cache *c, struct store *s, const char *query, size_t max);

/* The id of the case with this reference ("2026-000123") that the store
 * or the cache holds, or 0: an open by reference, offline. */
int64_t cache_case_by_ref(struct cache *c, struct store *s, const char *ref);

/* Decode what the search needs from the cache now (the first search
 * then does not pay for it): for an idle moment.  0, or -1 when out of
 * memory. */
int cache_search_prepare(struct cache *c);

#endif
