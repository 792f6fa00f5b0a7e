/* What cache.c and cache_search.c share: the cache's insides.  Nothing
 * else includes this. */
#ifndef GUICHET_CLIENT_CACHE_IMPL_H
#define GUICHET_CLIENT_CACHE_IMPL_H

#include "client/cache.h"

#define OVERHEAD 64          /* bytes a record costs in the file besides its data */

struct entry {
	char *key;               /* malloc'd */
	uint64_t version, used;
	const unsigned char *data;
	size_t len;
	unsigned char *own;      /* data, when it is the entry's (malloc'd) */
};

struct vec {
	struct entry *e;
	size_t n, cap;
};

struct cache {
	char path[1100];
	unsigned char *key;      /* sodium_malloc'd */
	unsigned char id[CACHE_FILE_ID_BYTES];
	uint64_t gen;
	unsigned char *buf;      /* the file as read, decrypted; entries point into it */
	size_t buflen;
	struct vec v;
	json_t *index;           /* key -> position in v */
	json_t *left;            /* key -> [used, hash] of what eviction left out (the
	                          * store may still hold it: it keeps its age) */
	int lock_fd;             /* PATH.lock, flock'd while open; -1: read only */
	size_t max_bytes, bytes;
	unsigned saved_gen;
	bool saved;
	time_t saved_at;
	json_t *found;           /* search: summaries of the citizens in v, built once (at an
	                          * idle moment), forgotten when one of them is evicted */
	json_t *refs;            /* search: case reference -> citizen id, in v */
	json_t *case_ids;        /* open by reference: case reference -> case id, in v */
};

#endif
