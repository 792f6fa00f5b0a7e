/* The audit chain's hash, the same for every store back end: each
 * record's keyed BLAKE2b covers the previous record's hash and every
 * field, so that an edit, a deletion or a chain recomputed without the
 * key is detected by `guichetd audit verify`. */
#ifndef GUICHET_SERVER_STORE_AUDIT_H
#define GUICHET_SERVER_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "server/store.h"

void store_audit_hash(const unsigned char key[32], const unsigned char prev[32], int64_t id,
		      int64_t at, const struct audit_entry *e, unsigned char out[32]);

/* The audit key in dir/audit.key, a new random one (0600) made on first
 * use: the HMAC key of the audit chain, kept out of the database it
 * protects.  0, or -1 with a message in err. */
int store_audit_key_load(const char *dir, unsigned char key[32], char *err, size_t errlen);

#endif
