/* The audit chain's hash (see store_audit.h). */
#include "server/store_audit.h"

#include <string.h>
#include <sodium.h>

static void hash_int(crypto_generichash_state *h, int64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (8 * i));
	crypto_generichash_update(h, b, 8);
}

static void hash_str(crypto_generichash_state *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	hash_int(h, (int64_t)n); /* length-prefixed: no two records hash alike by shifting */
	crypto_generichash_update(h, (const unsigned char *)(s ? s : ""), n);
}

void store_audit_hash(const unsigned char key[32], const unsigned char prev[32], int64_t id,
		      int64_t at, const struct audit_entry *e, unsigned char out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, key, 32, 32);
	crypto_generichash_update(&h, prev, 32);
	hash_int(&h, id);
	hash_int(&h, at);
	hash_int(&h, e->actor_id);
	hash_str(&h, e->actor);
	hash_str(&h, e->action);
	hash_str(&h, e->target_type);
	hash_int(&h, e->target_id);
	hash_int(&h, e->citizen_id);
	hash_str(&h, e->client_addr);
	hash_int(&h, e->result);
	crypto_generichash_final(&h, out, 32);
}
