/* The audit chain's hash and its key (see store_audit.h). */
#include "server/store_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

int store_audit_key_load(const char *dir, unsigned char key[32], char *err, size_t errlen)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/audit.key", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, key, 32);
		close(fd);
		if (n == 32)
			return 0;
		snprintf(err, errlen, "%s: not a 32-byte key", path);
		return -1;
	}
	randombytes_buf(key, 32);
	char tmp[1200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, key, 32) != 32 || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}
