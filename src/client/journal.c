/* The journal (see journal.h): sealed records appended to a file, each on
 * disk before the caller is told so, read back at the next start.
 *
 * The file (all integers little-endian):
 *   header  "GUICHJ1\n" (8 bytes), file id (16 random bytes)
 *   record  L (4 bytes: ciphertext length, 16..JOURNAL_RECORD_MAX + 16)
 *           check (8 bytes: SipHash-2-4 of seq (8) || L (4), keyed by the file id)
 *           nonce (24 random bytes)
 *           ciphertext (L bytes: XChaCha20-Poly1305, AD = file id || seq (8))
 * seq is the record's place in the file, from 1.  The check is no secret:
 * it only tells a length flipped on disk (refused) from a record cut by a
 * crash (dropped), which a bare length cannot do: a flipped length that
 * ran past the end of the file would pass for a torn write and a record
 * the agent was told is saved would go silently.  So a record is torn, and
 * cut off, only when the file ends within its 12-byte frame, when its frame
 * checks but its body runs past the end, or when all that is left is zero
 * bytes (a file system that grew the file before writing it); anything
 * else that fails sets the file aside.
 *
 * Setting aside keeps the file under PATH.corrupt-UNIXTIME[-N] (a hard
 * link, or a rename where links are not supported) and puts in its place a
 * new file holding the records that were read before the bad one, sealed
 * again under a new id: they were given to the caller, so they stay
 * saved.  Every new file (creation, set-aside, journal_rewrite) is written
 * to PATH.tmp, synced, renamed over PATH and the directory synced, so PATH
 * is always a whole file.  PATH.lock (flock, held while the journal is
 * open) keeps a second guichet off the same file: two writers would each
 * number their records from their own count and spoil the file. */
#include "client/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sodium.h>

#include "client/durable.h"
#include "client/errbuf.h"
#include "client/i18n.h"

#define MAGIC "GUICHJ1\n"
#define MAGIC_LEN 8
#define ID_LEN 16
#define HEADER_LEN (MAGIC_LEN + ID_LEN)
#define LEN_LEN 4
#define CHECK_LEN crypto_shorthash_BYTES
#define FRAME_LEN (LEN_LEN + CHECK_LEN)
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define HEAD_LEN (FRAME_LEN + NONCE_LEN)
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define CT_MAX (JOURNAL_RECORD_MAX + TAG_LEN)
#define AD_LEN (ID_LEN + 8)
#define PATH_LEN 1024       /* the journal's path; its siblings add at most 40 */
#define SIBLING_LEN 1100    /* = sizeof(journal_report.aside_path) */
#define ASIDE_TRIES 100

_Static_assert(crypto_shorthash_KEYBYTES == ID_LEN, "the check is keyed by the file id");
_Static_assert(CHECK_LEN == 8, "the frame is 12 bytes");

struct journal {
	int fd;                  /* the file at path, read-write */
	int lock_fd;             /* PATH.lock, flock'd while open */
	unsigned char *key;      /* sodium_malloc'd */
	unsigned char id[ID_LEN];
	uint64_t records;
	off_t size;              /* end of the last whole record */
	bool dirty;              /* a failed append could not be cut back yet */
	char path[PATH_LEN], dir[PATH_LEN];
};

static int fail_io(const struct journal *j, char *err, size_t errlen)
{
	return errbuf_set(err, errlen, _("journal %s : %s"), j->path, strerror(errno));
}

static int too_long(const struct journal *j, size_t len, char *err, size_t errlen)
{
	return errbuf_set(err, errlen,
		    _("journal %s : enregistrement trop long (%zu octets, au plus %zu)"),
		    j->path, len, JOURNAL_RECORD_MAX);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* --- I/O: whole buffers, EINTR retried ---------------------------------------------- */

static int write_at(int fd, const void *buf, size_t n, off_t off)
{
	const unsigned char *p = buf;
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* The file's size was read first and nobody else writes it (the lock):
 * coming short of n is an I/O error. */
static int read_at(int fd, void *buf, size_t n, off_t off)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/* --- sealing ------------------------------------------------------------------------ */

static void frame_check(unsigned char out[CHECK_LEN], const unsigned char id[ID_LEN],
			uint64_t seq, uint32_t ct_len)
{
	unsigned char in[8 + LEN_LEN];
	put_le(in, seq, 8);
	put_le(in + 8, ct_len, LEN_LEN);
	crypto_shorthash(out, in, sizeof(in), id);
}

static void make_ad(unsigned char ad[AD_LEN], const unsigned char id[ID_LEN], uint64_t seq)
{
	memcpy(ad, id, ID_LEN);
	put_le(ad + ID_LEN, seq, 8);
}

/* Record seq of the file id, framed: malloc'd, *n bytes, or NULL. */
static unsigned char *seal(const unsigned char *key, const unsigned char id[ID_LEN], uint64_t seq,
			   const void *data, size_t len, size_t *n)
{
	unsigned char ad[AD_LEN];
	size_t ct = len + TAG_LEN;
	unsigned char *rec = malloc(HEAD_LEN + ct);
	if (!rec)
		return NULL;
	put_le(rec, ct, LEN_LEN);
	frame_check(rec + LEN_LEN, id, seq, (uint32_t)ct);
	randombytes_buf(rec + FRAME_LEN, NONCE_LEN);
	make_ad(ad, id, seq);
	const void *m = len ? data : (const void *)"";
	crypto_aead_xchacha20poly1305_ietf_encrypt(rec + HEAD_LEN, NULL, m, len, ad, sizeof(ad),
						   NULL, rec + FRAME_LEN, key);
	*n = HEAD_LEN + ct;
	return rec;
}

/* --- reading ------------------------------------------------------------------------ */

enum rd { RD_OK, RD_END, RD_TORN, RD_BAD, RD_ERR };

struct reader {
	int fd;
	const unsigned char *key, *id;
	off_t off, size;         /* where the next record starts; the file's size */
	uint64_t seq;            /* records read */
	unsigned char *buf;      /* the last record's data (len bytes), wiped when freed */
	size_t cap, len;
};

static void reader_free(struct reader *r)
{
	if (r->buf)
		sodium_memzero(r->buf, r->cap);
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

static int reader_grow(struct reader *r, size_t n)
{
	if (n <= r->cap)
		return 0;
	reader_free(r);
	if (!(r->buf = malloc(n)))
		return -1;
	r->cap = n;
	return 0;
}

/* Is all that is left from r->off zero bytes? */
static enum rd zero_tail(const struct reader *r)
{
	unsigned char chunk[4096];
	for (off_t off = r->off; off < r->size;) {
		size_t n = sizeof(chunk);
		if (r->size - off < (off_t)n)
			n = (size_t)(r->size - off);
		if (read_at(r->fd, chunk, n, off) < 0)
			return RD_ERR;
		for (size_t i = 0; i < n; i++)
			if (chunk[i])
				return RD_BAD;
		off += (off_t)n;
	}
	return RD_TORN;
}

static enum rd read_header(struct reader *r, unsigned char id[ID_LEN])
{
	unsigned char h[HEADER_LEN];
	if (r->size < HEADER_LEN)
		return RD_BAD;
	if (read_at(r->fd, h, sizeof(h), 0) < 0)
		return RD_ERR;
	if (memcmp(h, MAGIC, MAGIC_LEN) != 0)
		return RD_BAD;
	memcpy(id, h + MAGIC_LEN, ID_LEN);
	r->off = HEADER_LEN;
	return RD_OK;
}

/* The next record into r->buf (see the top of the file for what is torn). */
static enum rd read_record(struct reader *r)
{
	unsigned char head[HEAD_LEN], want[CHECK_LEN], ad[AD_LEN];
	unsigned long long len;
	off_t rem = r->size - r->off;
	if (rem == 0)
		return RD_END;
	if (rem < FRAME_LEN)
		return RD_TORN;
	if (read_at(r->fd, head, FRAME_LEN, r->off) < 0)
		return RD_ERR;
	uint32_t ct = get_le32(head);
	frame_check(want, r->id, r->seq + 1, ct);
	if (memcmp(want, head + LEN_LEN, CHECK_LEN) != 0) /* no secret: plain memcmp */
		return zero_tail(r);
	if (ct < TAG_LEN || ct > CT_MAX)
		return RD_BAD;
	if ((off_t)HEAD_LEN + ct > rem)
		return RD_TORN;
	if (reader_grow(r, ct) < 0) {
		errno = ENOMEM;
		return RD_ERR;
	}
	if (read_at(r->fd, head + FRAME_LEN, NONCE_LEN, r->off + FRAME_LEN) < 0 ||
	    read_at(r->fd, r->buf, ct, r->off + HEAD_LEN) < 0)
		return RD_ERR;
	make_ad(ad, r->id, r->seq + 1);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(r->buf, &len, NULL, r->buf, ct, ad,
						       sizeof(ad), head + FRAME_LEN, r->key) != 0)
		return RD_BAD;
	r->off += (off_t)HEAD_LEN + ct;
	r->seq++;
	r->len = (size_t)len;
	return RD_OK;
}

/* --- writing a whole new file ------------------------------------------------------- */

/* A file written to PATH.tmp, not yet in place. */
struct fresh {
	int fd;
	unsigned char id[ID_LEN];
	uint64_t records;
	off_t size;
	char tmp[SIBLING_LEN];
};

static int fresh_add(struct fresh *f, const unsigned char *key, const void *data, size_t len)
{
	size_t n;
	unsigned char *rec = seal(key, f->id, f->records + 1, data, len, &n);
	if (!rec) {
		errno = ENOMEM;
		return -1;
	}
	int rc = write_at(f->fd, rec, n, f->size);
	free(rec);
	if (rc < 0)
		return -1;
	f->records++;
	f->size += (off_t)n;
	return 0;
}

/* next < 0 (only the set-aside's own next does it) stops with errno. */
static int fresh_fill(struct fresh *f, const struct journal *j, journal_next_fn next, void *arg,
		      char *err, size_t errlen)
{
	const void *data;
	size_t len;
	int more;
	while (next && (more = next(arg, &data, &len)) != 0) {
		if (more < 0)
			return fail_io(j, err, errlen);
		if (len > JOURNAL_RECORD_MAX)
			return too_long(j, len, err, errlen);
		if (fresh_add(f, j->key, data, len) < 0)
			return fail_io(j, err, errlen);
	}
	return 0;
}

/* Header and records into PATH.tmp (made anew, 0600), synced. */
static int fresh_write(struct fresh *f, const struct journal *j, journal_next_fn next, void *arg,
		       char *err, size_t errlen)
{
	unsigned char h[HEADER_LEN];
	snprintf(f->tmp, sizeof(f->tmp), "%s.tmp", j->path);
	f->records = 0;
	f->size = HEADER_LEN;
	if (unlink(f->tmp) < 0 && errno != ENOENT)
		return fail_io(j, err, errlen);
	f->fd = open(f->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return fail_io(j, err, errlen);
	randombytes_buf(f->id, ID_LEN);
	memcpy(h, MAGIC, MAGIC_LEN);
	memcpy(h + MAGIC_LEN, f->id, ID_LEN);
	/* The umask may have narrowed the mode: set it before any byte. */
	if (fchmod(f->fd, 0600) < 0 || write_at(f->fd, h, sizeof(h), 0) < 0) {
		fail_io(j, err, errlen);
		goto fail;
	}
	if (fresh_fill(f, j, next, arg, err, errlen) < 0)
		goto fail;
	if (fdatasync(f->fd) < 0) {
		fail_io(j, err, errlen);
		goto fail;
	}
	return 0;
fail:
	close(f->fd);
	unlink(f->tmp);
	return -1;
}

/* Rename the new file over PATH; from then on it is the journal's, even if
 * syncing the directory fails (PATH is the new file either way). */
static int fresh_install(struct journal *j, struct fresh *f, char *err, size_t errlen)
{
	if (rename(f->tmp, j->path) < 0) {
		fail_io(j, err, errlen);
		close(f->fd);
		unlink(f->tmp);
		return -1;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = f->fd;
	memcpy(j->id, f->id, ID_LEN);
	j->records = f->records;
	j->size = f->size;
	j->dirty = false;
	return durable_sync_dir(j->dir) < 0 ? fail_io(j, err, errlen) : 0;
}

static int replace_file(struct journal *j, journal_next_fn next, void *arg, char *err,
			size_t errlen)
{
	struct fresh f;
	if (fresh_write(&f, j, next, arg, err, errlen) < 0)
		return -1;
	return fresh_install(j, &f, err, errlen);
}

/* --- setting a file aside ----------------------------------------------------------- */

/* The records read before the bad one, read again for the new file. */
struct carry {
	struct reader r;
	uint64_t left;
};

static int carry_next(void *arg, const void **data, size_t *len)
{
	struct carry *c = arg;
	if (c->left == 0)
		return 0;
	enum rd rc = read_record(&c->r);
	if (rc != RD_OK) {
		if (rc != RD_ERR)
			errno = EIO; /* it read well a moment ago */
		return -1;
	}
	c->left--;
	*data = c->r.buf;
	*len = c->r.len;
	return 1;
}

/* Keep PATH as PATH.corrupt-UNIXTIME[-N]: a second name where the file
 * system has hard links (PATH stays whole until the new file replaces it),
 * else a rename. */
static int keep_aside(const struct journal *j, char *aside, size_t n, char *err, size_t errlen)
{
	struct stat st;
	long long now = (long long)time(NULL);
	errno = EEXIST; /* when every name is taken */
	for (int i = 0; i < ASIDE_TRIES; i++) {
		if (i == 0)
			snprintf(aside, n, "%s.corrupt-%lld", j->path, now);
		else
			snprintf(aside, n, "%s.corrupt-%lld-%d", j->path, now, i);
		if (lstat(aside, &st) == 0)
			continue;
		if (errno != ENOENT)
			break;
		if (link(j->path, aside) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		if (rename(j->path, aside) == 0)
			return 0;
		break;
	}
	return fail_io(j, err, errlen);
}

/* The journal's file (still j->fd) had good records before its first bad
 * one: they go into the new file, the bad one is kept aside. */
static int set_aside(struct journal *j, const unsigned char id[ID_LEN], uint64_t good, off_t size,
		     struct journal_report *rep, char *err, size_t errlen)
{
	struct fresh f;
	struct carry c = { .r = { .fd = j->fd, .key = j->key, .id = id, .off = HEADER_LEN,
				  .size = size }, .left = good };
	int rc = fresh_write(&f, j, carry_next, &c, err, errlen);
	reader_free(&c.r);
	if (rc < 0)
		return -1;
	if (keep_aside(j, rep->aside_path, sizeof(rep->aside_path), err, errlen) < 0) {
		close(f.fd);
		unlink(f.tmp);
		return -1;
	}
	rep->set_aside = true;
	return fresh_install(j, &f, err, errlen);
}

/* --- opening ------------------------------------------------------------------------ */

static int cut_torn(struct journal *j, off_t end, char *err, size_t errlen)
{
	if (ftruncate(j->fd, end) < 0 || fdatasync(j->fd) < 0)
		return fail_io(j, err, errlen);
	return 0;
}

/* Give each record of j->fd (size bytes) to each, then act on how the
 * file ended. */
static int read_file(struct journal *j, off_t size, journal_each_fn each, void *arg,
		     struct journal_report *rep, char *err, size_t errlen)
{
	unsigned char id[ID_LEN] = { 0 };
	struct reader r = { .fd = j->fd, .key = j->key, .id = id, .size = size };
	enum rd rc = read_header(&r, id);
	while (rc == RD_OK && (rc = read_record(&r)) == RD_OK) {
		rep->records++;
		if (each && each(arg, r.seq, r.buf, r.len) < 0) {
			reader_free(&r);
			return errbuf_set(err, errlen,
				    _("journal %s : l'enregistrement %llu n'a pas pu être repris"),
				    j->path, (unsigned long long)r.seq);
		}
	}
	int e = errno;
	reader_free(&r);
	memcpy(j->id, id, ID_LEN);
	j->records = r.seq;
	j->size = r.off;
	switch (rc) {
	case RD_BAD:
		return set_aside(j, id, r.seq, size, rep, err, errlen);
	case RD_TORN:
		rep->torn_tail = true;
		return cut_torn(j, r.off, err, errlen);
	case RD_ERR:
		errno = e;
		return fail_io(j, err, errlen);
	default:
		return 0;
	}
}

static int load(struct journal *j, journal_each_fn each, void *arg, struct journal_report *rep,
		char *err, size_t errlen)
{
	struct stat st;
	j->fd = open(j->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0 && errno == ENOENT)
		return replace_file(j, NULL, NULL, err, errlen);
	if (j->fd < 0 || fstat(j->fd, &st) < 0)
		return fail_io(j, err, errlen);
	if (!S_ISREG(st.st_mode))
		return errbuf_set(err, errlen, _("journal %s : pas un fichier ordinaire"), j->path);
	if (st.st_size == 0) /* made by hand, or a file system that lost it all */
		return replace_file(j, NULL, NULL, err, errlen);
	if ((st.st_mode & 077) && fchmod(j->fd, 0600) < 0)
		return fail_io(j, err, errlen);
	return read_file(j, st.st_size, each, arg, rep, err, errlen);
}

/* PATH.lock, flock'd for as long as the journal is open. */
static int take_lock(struct journal *j, char *err, size_t errlen)
{
	char lock[SIBLING_LEN];
	snprintf(lock, sizeof(lock), "%s.lock", j->path);
	j->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->lock_fd < 0)
		return fail_io(j, err, errlen);
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return errbuf_set(err, errlen,
			    _("journal %s : déjà ouvert par un autre guichet ; fermez-le pour que "
			      "l'envoi soit gardé sur disque"), j->path);
	return fail_io(j, err, errlen);
}

static struct journal *journal_new(const char *path, const unsigned char *key, char *err,
				   size_t errlen)
{
	struct journal *j;
	if (strlen(path) >= PATH_LEN) {
		errbuf_set(err, errlen, _("journal %s : chemin trop long"), path);
		return NULL;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		errbuf_set(err, errlen, "%s", _("mémoire épuisée"));
		return NULL;
	}
	j->fd = j->lock_fd = -1;
	snprintf(j->path, sizeof(j->path), "%s", path);
	durable_dir_of(path, j->dir, sizeof(j->dir));
	if (!(j->key = sodium_malloc(JOURNAL_KEY_BYTES))) {
		errbuf_set(err, errlen, "%s", _("mémoire épuisée"));
		journal_close(j);
		return NULL;
	}
	memcpy(j->key, key, JOURNAL_KEY_BYTES);
	return j;
}

struct journal *journal_open(const char *path, const unsigned char key[JOURNAL_KEY_BYTES],
			     journal_each_fn each, void *arg, struct journal_report *rep,
			     char *err, size_t errlen)
{
	struct journal_report mine;
	struct journal *j;
	if (!rep)
		rep = &mine;
	memset(rep, 0, sizeof(*rep));
	if (sodium_init() < 0) {
		errbuf_set(err, errlen, "%s", _("libsodium ne s'initialise pas"));
		return NULL;
	}
	if (!(j = journal_new(path, key, err, errlen)))
		return NULL;
	if (take_lock(j, err, errlen) < 0 || load(j, each, arg, rep, err, errlen) < 0) {
		journal_close(j);
		return NULL;
	}
	return j;
}

/* --- appending, rewriting, closing -------------------------------------------------- */

/* Back to the last whole record. */
static int cut_back(struct journal *j)
{
	j->dirty = ftruncate(j->fd, j->size) < 0 || fdatasync(j->fd) < 0;
	return j->dirty ? -1 : 0;
}

int journal_append(struct journal *j, const void *data, size_t len, char *err, size_t errlen)
{
	return journal_append_n(j, &data, &len, 1, err, errlen);
}

/* The n records sealed one after the other into one buffer (malloc'd,
 * *total bytes), numbered from the journal's next. */
static unsigned char *seal_n(const struct journal *j, const void *const *data, const size_t *len,
			     size_t n, size_t *total)
{
	unsigned char *buf = NULL;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		unsigned char *rec = seal(j->key, j->id, j->records + 1 + i, data[i], len[i], &k);
		unsigned char *grown = rec ? realloc(buf, at + k) : NULL;
		if (!grown) {
			free(rec);
			free(buf);
			return NULL;
		}
		buf = grown;
		memcpy(buf + at, rec, k);
		at += k;
		free(rec);
	}
	*total = at;
	return buf;
}

int journal_append_n(struct journal *j, const void *const *data, const size_t *len, size_t n,
		     char *err, size_t errlen)
{
	size_t total;
	for (size_t i = 0; i < n; i++)
		if (len[i] > JOURNAL_RECORD_MAX)
			return too_long(j, len[i], err, errlen);
	if (n == 0)
		return 0;
	if (j->dirty && cut_back(j) < 0)
		return fail_io(j, err, errlen);
	unsigned char *buf = seal_n(j, data, len, n, &total);
	if (!buf)
		return errbuf_set(err, errlen, "%s", _("mémoire épuisée"));
	if (write_at(j->fd, buf, total, j->size) < 0 || fdatasync(j->fd) < 0) {
		int e = errno;
		free(buf);
		cut_back(j);
		errno = e;
		return fail_io(j, err, errlen);
	}
	free(buf);
	j->size += (off_t)total;
	j->records += n;
	return 0;
}

int journal_rewrite(struct journal *j, journal_next_fn next, void *arg, char *err, size_t errlen)
{
	return replace_file(j, next, arg, err, errlen);
}

size_t journal_records(const struct journal *j) { return (size_t)j->records; }

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	sodium_free(j->key);
	free(j);
}

/* --- the key file ------------------------------------------------------------------- */

/* 1 when the file appeared meanwhile (another guichet made it): read it. */
static int key_create(const char *path, unsigned char key[JOURNAL_KEY_BYTES], char *err,
		      size_t errlen)
{
	char dir[PATH_LEN];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0)
		return errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(errno));
	randombytes_buf(key, JOURNAL_KEY_BYTES);
	if (fchmod(fd, 0600) < 0 || write_at(fd, key, JOURNAL_KEY_BYTES, 0) < 0 || fsync(fd) < 0)
		goto fail;
	int rc = close(fd);
	fd = -1;
	durable_dir_of(path, dir, sizeof(dir));
	if (rc < 0 || durable_sync_dir(dir) < 0)
		goto fail;
	return 0;
fail:
	errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(path); /* no journal was sealed with it */
	sodium_memzero(key, JOURNAL_KEY_BYTES);
	return -1;
}

/* The key at path, opened: refused unless it is the agent's alone and whole. */
static int key_read(int fd, const char *path, unsigned char key[JOURNAL_KEY_BYTES], char *err,
		    size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return errbuf_set(err, errlen, _("la clé %s n'est pas un fichier ordinaire : refusée"),
			    path);
	if (st.st_mode & 077)
		return errbuf_set(err, errlen,
			    _("la clé %s est lisible par d'autres : faites chmod 600 %s"),
			    path, path);
	if (st.st_size != JOURNAL_KEY_BYTES)
		return errbuf_set(err, errlen,
			    _("la clé %s fait %lld octets au lieu de %d : remettez la bonne, ou "
			      "supprimez-la pour en créer une autre (l'envoi gardé sur disque sera "
			      "alors mis de côté)"),
			    path, (long long)st.st_size, JOURNAL_KEY_BYTES);
	if (read_at(fd, key, JOURNAL_KEY_BYTES, 0) < 0) {
		sodium_memzero(key, JOURNAL_KEY_BYTES);
		return errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(errno));
	}
	return 0;
}

int journal_key_load(const char *path, unsigned char key[JOURNAL_KEY_BYTES], char *err,
		     size_t errlen)
{
	if (sodium_init() < 0)
		return errbuf_set(err, errlen, "%s", _("libsodium ne s'initialise pas"));
	if (strlen(path) >= PATH_LEN)
		return errbuf_set(err, errlen, _("clé %s : chemin trop long"), path);
	/* Twice at most: another guichet may make the file between our tries. */
	for (int tries = 0; tries < 2; tries++) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			int rc = key_read(fd, path, key, err, errlen);
			close(fd);
			return rc;
		}
		if (errno == ELOOP)
			return errbuf_set(err, errlen, _("la clé %s est un lien symbolique : refusée"),
				    path);
		if (errno != ENOENT)
			return errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(errno));
		int rc = key_create(path, key, err, errlen);
		if (rc <= 0)
			return rc;
	}
	return errbuf_set(err, errlen, _("clé %s : %s"), path, strerror(EEXIST));
}
