/* The audit chain's hash, the same for every store back end: each
 * record's keyed BLAKE2b covers the previous record's hash and every
 * field, so that an edit, a deletion or a chain recomputed without the
 * key is detected by `guichetd audit verify`. */
#ifndef GUICHET_SERVER_STORE_AUDIT_H
#define GUICHET_SERVER_STORE_AUDIT_H

#include <stdint.h>

#include "server/store.h"

void store_audit_hash(const unsigned char key[32], const unsigned char prev[32], int64_t id,
		      int64_t at, const struct audit_entry *e, unsigned char out[32]);

#endif
