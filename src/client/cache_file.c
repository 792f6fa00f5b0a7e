/* The offline cache's file (see cache_file.h).
 *
 * Layout, little-endian:
 *   header   "GUICHC1\n" | file id (16) | generation (8)
 *   record   key length (2) | sealed length (4) | version (8) | used (8) |
 *            key | nonce (24) | sealed data (data + 16-byte tag)
 *   trailer  a record with an empty key whose data is the count (8)
 * The associated data of record n is the header, n (8) and the record's
 * clear part (lengths, version, used, key).  Reading decrypts every record
 * in place before giving any, so a bad byte anywhere refuses the whole
 * file: a cache is either trusted whole or rebuilt from the server. */
#include "client/cache_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

#include "client/durable.h"
#include "client/errbuf.h"
#include "client/i18n.h"

#define MAGIC "GUICHC1\n"
#define MAGIC_LEN 8
#define HEADER_LEN (MAGIC_LEN + CACHE_FILE_ID_BYTES + 8)
#define CLEAR_LEN (2 + 4 + 8 + 8)
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define AD_MAX (HEADER_LEN + 8 + CLEAR_LEN + CACHE_REC_KEY_MAX)

_Static_assert(CACHE_FILE_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* The associated data of record n whose clear part (CLEAR_LEN + key) is at
 * clear: its length. */
static size_t make_ad(unsigned char *ad, const unsigned char *header, uint64_t n,
		      const unsigned char *clear, size_t klen)
{
	memcpy(ad, header, HEADER_LEN);
	put_le(ad + HEADER_LEN, n, 8);
	memcpy(ad + HEADER_LEN + 8, clear, CLEAR_LEN + klen);
	return HEADER_LEN + 8 + CLEAR_LEN + klen;
}

/* --- reading ------------------------------------------------------------------------ */

struct scan {
	unsigned char *buf;
	size_t len, off;
	uint64_t n;               /* records read, trailer excepted */
	const unsigned char *key;
};

/* A record at s->off: its clear fields, and its data decrypted in place.
 * NULL with why set when it does not authenticate. */
static int scan_record(struct scan *s, struct cache_rec *r, const char **why)
{
	unsigned char ad[AD_MAX];
	unsigned long long plain;
	size_t rem = s->len - s->off;
	unsigned char *p = s->buf + s->off;
	if (rem < CLEAR_LEN) {
		*why = N_("fichier coupé");
		return -1;
	}
	size_t klen = (size_t)get_le(p, 2), ct = (size_t)get_le(p + 2, 4);
	if (klen > CACHE_REC_KEY_MAX || ct < TAG_LEN || ct > CACHE_REC_MAX + TAG_LEN ||
	    rem - CLEAR_LEN < klen + NONCE_LEN + ct) {
		*why = N_("enregistrement hors limites");
		return -1;
	}
	unsigned char *sealed = p + CLEAR_LEN + klen + NONCE_LEN;
	size_t adlen = make_ad(ad, s->buf, s->n, p, klen);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, &plain, NULL, sealed, ct, ad, adlen,
						       p + CLEAR_LEN + klen, s->key) != 0) {
		*why = N_("enregistrement qui ne s'authentifie pas (clé différente ou fichier modifié)");
		return -1;
	}
	r->key = (const char *)p + CLEAR_LEN;
	r->version = get_le(p + 6, 8);
	r->used = get_le(p + 14, 8);
	r->data = sealed;
	r->len = (size_t)plain;
	s->off += CLEAR_LEN + klen + NONCE_LEN + ct;
	return (int)klen;
}

/* Check and decrypt every record; 0, or -1 with why. */
static int scan_all(struct scan *s, const char **why)
{
	struct cache_rec r;
	if (s->len < HEADER_LEN || memcmp(s->buf, MAGIC, MAGIC_LEN) != 0) {
		*why = N_("ce n'est pas un cache de guichet");
		return -1;
	}
	s->off = HEADER_LEN;
	for (;;) {
		int klen = scan_record(s, &r, why);
		if (klen < 0)
			return -1;
		if (klen == 0) { /* the trailer: the count, and nothing after */
			if (r.len != 8 || get_le(r.data, 8) != s->n || s->off != s->len) {
				*why = N_("fin du fichier incohérente");
				return -1;
			}
			return 0;
		}
		s->n++;
	}
}

/* The keys are not NUL-terminated in the file: now that everything is
 * checked, each key is copied out for the caller in a second walk. */
static int give_all(struct scan *s, cache_file_each_fn each, void *arg)
{
	char key[CACHE_REC_KEY_MAX + 1];
	size_t off = HEADER_LEN;
	for (uint64_t i = 0; i < s->n; i++) {
		const unsigned char *p = s->buf + off;
		size_t klen = (size_t)get_le(p, 2), ct = (size_t)get_le(p + 2, 4);
		memcpy(key, p + CLEAR_LEN, klen);
		key[klen] = '\0';
		struct cache_rec r = { key, get_le(p + 6, 8), get_le(p + 14, 8),
				       p + CLEAR_LEN + klen + NONCE_LEN, ct - TAG_LEN };
		if (each && each(arg, &r) < 0)
			return -1;
		off += CLEAR_LEN + klen + NONCE_LEN + ct;
	}
	return 0;
}

/* Keep a file that failed under PATH.corrupt-TIME[-N]. */
static int set_aside(const char *path, struct cache_file_info *info, char *err, size_t errlen)
{
	for (int i = 0; i < 100; i++) {
		if (i)
			snprintf(info->aside_path, sizeof(info->aside_path), "%s.corrupt-%lld-%d",
				 path, (long long)time(NULL), i);
		else
			snprintf(info->aside_path, sizeof(info->aside_path), "%s.corrupt-%lld", path,
				 (long long)time(NULL));
		if (link(path, info->aside_path) == 0) {
			unlink(path);
			info->set_aside = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	if (rename(path, info->aside_path) == 0) {
		info->set_aside = true;
		return 0;
	}
	return errbuf_set(err, errlen, _("cache : impossible de mettre %s de côté : %s"), path,
		    strerror(errno));
}

static int read_whole(int fd, unsigned char *buf, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* The file into a new buffer: 1, 0 when absent, -1 on error. */
static int load(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto io;
	if ((size_t)st.st_size > CACHE_FILE_MAX) {
		close(fd);
		return errbuf_set(err, errlen, _("cache : %s dépasse %zu Mo"), path, CACHE_FILE_MAX >> 20);
	}
	*len = (size_t)st.st_size;
	if (!(*buf = malloc(*len ? *len : 1))) {
		close(fd);
		return errbuf_set(err, errlen, _("cache : mémoire épuisée"));
	}
	if (read_whole(fd, *buf, *len) < 0) {
		free(*buf);
		*buf = NULL;
		goto io;
	}
	close(fd);
	return 1;
io:
	if (fd >= 0)
		close(fd);
	return errbuf_set(err, errlen, _("cache : lecture de %s : %s"), path, strerror(errno ? errno : EIO));
}

int cache_file_read(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
		    unsigned char **buf, size_t *buflen, cache_file_each_fn each, void *arg,
		    struct cache_file_info *info, char *err, size_t errlen)
{
	const char *why = NULL;
	struct scan s = { NULL, 0, 0, 0, key };
	memset(info, 0, sizeof(*info));
	*buf = NULL;
	*buflen = 0;
	int rc = load(path, &s.buf, &s.len, err, errlen);
	if (rc <= 0) {
		info->absent = rc == 0;
		return rc;
	}
	if (scan_all(&s, &why) < 0) {
		snprintf(info->why, sizeof(info->why), "%s", _(why));
		cache_file_buf_free(s.buf, s.len);
		return set_aside(path, info, err, errlen);
	}
	memcpy(info->id, s.buf + MAGIC_LEN, CACHE_FILE_ID_BYTES);
	info->gen = get_le(s.buf + MAGIC_LEN + CACHE_FILE_ID_BYTES, 8);
	info->records = (size_t)s.n;
	if (give_all(&s, each, arg) < 0) {
		cache_file_buf_free(s.buf, s.len);
		return errbuf_set(err, errlen, _("cache : lecture interrompue"));
	}
	*buf = s.buf;
	*buflen = s.len;
	return 0;
}

void cache_file_buf_free(unsigned char *buf, size_t len)
{
	if (buf)
		sodium_memzero(buf, len);
	free(buf);
}

/* --- writing ------------------------------------------------------------------------ */

struct out {
	int fd;
	unsigned char header[HEADER_LEN];
	const unsigned char *key;
	uint64_t n;
	size_t size;
};

static int write_all(struct out *o, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = write(o->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
		o->size += (size_t)w;
	}
	return 0;
}

/* Seal and write one record (the trailer when key is ""). */
static int put_record(struct out *o, const struct cache_rec *r)
{
	unsigned char ad[AD_MAX];
	size_t klen = strlen(r->key), ct = r->len + TAG_LEN;
	if (klen > CACHE_REC_KEY_MAX || r->len > CACHE_REC_MAX) {
		errno = EFBIG;
		return -1;
	}
	size_t total = CLEAR_LEN + klen + NONCE_LEN + ct;
	unsigned char *p = malloc(total);
	if (!p)
		return -1;
	put_le(p, klen, 2);
	put_le(p + 2, ct, 4);
	put_le(p + 6, r->version, 8);
	put_le(p + 14, r->used, 8);
	memcpy(p + CLEAR_LEN, r->key, klen);
	randombytes_buf(p + CLEAR_LEN + klen, NONCE_LEN);
	size_t adlen = make_ad(ad, o->header, o->n, p, klen);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + CLEAR_LEN + klen + NONCE_LEN, NULL,
						   r->len ? r->data : (const unsigned char *)"",
						   r->len, ad, adlen, NULL, p + CLEAR_LEN + klen,
						   o->key);
	int rc = write_all(o, p, total);
	free(p);
	return rc;
}

static int put_all(struct out *o, cache_file_next_fn next, void *arg)
{
	struct cache_rec r;
	unsigned char count[8];
	if (write_all(o, o->header, HEADER_LEN) < 0)
		return -1;
	int more;
	while ((more = next(arg, &r)) == 1) {
		if (!r.key[0]) /* an empty key is the trailer's */
			continue;
		if (put_record(o, &r) < 0)
			return -1;
		o->n++;
		if (o->size > CACHE_FILE_MAX) {
			errno = EFBIG;
			return -1;
		}
	}
	if (more < 0)
		return -1;
	put_le(count, o->n, 8);
	struct cache_rec end = { "", 0, 0, count, sizeof(count) };
	return put_record(o, &end);
}

int cache_file_write(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
		     const unsigned char id[CACHE_FILE_ID_BYTES], uint64_t gen,
		     cache_file_next_fn next, void *arg, size_t *written, char *err,
		     size_t errlen)
{
	char tmp[1100];
	struct out o = { -1, { 0 }, key, 0, 0 };
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return errbuf_set(err, errlen, _("cache : chemin trop long"));
	memcpy(o.header, MAGIC, MAGIC_LEN);
	memcpy(o.header + MAGIC_LEN, id, CACHE_FILE_ID_BYTES);
	put_le(o.header + MAGIC_LEN + CACHE_FILE_ID_BYTES, gen, 8);
	o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (o.fd < 0)
		goto fail;
	if (put_all(&o, next, arg) < 0 || fsync(o.fd) < 0)
		goto fail;
	if (close(o.fd) < 0) {
		o.fd = -1;
		goto fail;
	}
	o.fd = -1;
	if (rename(tmp, path) < 0 || durable_sync_parent(path) < 0)
		goto fail;
	if (written)
		*written = o.size;
	return 0;
fail:;
	int e = errno ? errno : EIO;
	if (o.fd >= 0)
		close(o.fd);
	unlink(tmp);
	return errbuf_set(err, errlen, _("cache : écriture de %s : %s"), path, strerror(e));
}
