/* Rate limits of the public chat API: token buckets keyed by a string
 * (an address, a chat), in a fixed table so that a flood of new keys
 * cannot grow memory.  When the table is full the stalest bucket is
 * reused: under such a flood a limit loosens, it never wrongly refuses. */
#ifndef GUICHET_SERVER_RATE_H
#define GUICHET_SERVER_RATE_H

#include <stdint.h>

struct rate_table;

/* A limit: burst tokens at most, one more every per_ms milliseconds. */
struct rate_limit {
	unsigned burst;
	unsigned per_ms;
};

/* A table of at most slots buckets (rounded up to a power of two).
 * Returns NULL when out of memory; free with rate_table_free. */
struct rate_table *rate_table_new(unsigned slots);
void rate_table_free(struct rate_table *t);

/* Take one token from key's bucket at now_ms.  Returns 0 when taken, or
 * the seconds to wait (at least 1) before one is there. */
unsigned rate_take(struct rate_table *t, const char *key, const struct rate_limit *l,
		   uint64_t now_ms);

#endif
