/* libFuzzer target: reading the offline cache's file back
 * (src/client/cache_file.c), from whatever bytes the file holds.
 *
 * Byte 0 picks the mode.  Even: the rest of the input is the file itself.
 * Odd: the rest says what to write (a generation, a file id, a count, then
 * each record's key, version, time of use and data), then how to spoil the
 * file on disk (byte 0 >> 1 bytes cut off its end, then 4-byte edits: an
 * operation, a 16-bit place and a byte).  The edits move whole records
 * (swap, drop, repeat, or take record i from a snapshot of the same cache
 * one generation later, or from another cache with the same generation)
 * and then change bytes (xor, insert, delete): the seal cannot be guessed
 * by a fuzzer, so this is how it reaches the files that almost
 * authenticate.  Every run checks what callers rely on, and abort()s when
 * a promise is broken:
 *   - whatever the file, each() is given keys NUL-terminated within
 *     CACHE_REC_KEY_MAX, data within CACHE_REC_MAX lying inside the buffer
 *     handed back, as many as info.records;
 *   - a file that is not accepted is set aside whole (the bytes are kept
 *     under info.aside_path, none is left at the path), nothing of it is
 *     given, no buffer is handed back, and the next read finds no file;
 *   - a file as written reads back exactly: the same keys, versions, times
 *     and data, in order, with its id and generation (records with an
 *     empty key are not written: that key is the trailer's);
 *   - a file changed in any way is refused (the whole file is
 *     authenticated), unless the change made it byte for byte another
 *     whole snapshot that was written;
 *   - a record whose key is over CACHE_REC_KEY_MAX makes the write fail
 *     and leaves the old file as it was, with no temporary file around;
 *   - an accepted file written again with what was read reads back the same.
 * The files go to $TMPDIR, else /dev/shm (syncs are free there), else /tmp. */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "client/cache_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 8             /* written by build mode */
#define REC_CAP 256              /* kept of what a file gives (a seed may hold more) */
#define MAX_LEN 200
#define BIG_LEN 70000            /* a record's data past any input's size */
#define INPUT_MAX 65536
#define HEADER_LEN 32            /* magic (8), file id (16), generation (8) */
#define CLEAR_LEN 22             /* key length (2), sealed length (4), version, used */
#define NONCE_LEN 24

static const unsigned char KEY[CACHE_FILE_KEY_BYTES] = "guichet fuzz key, not a secret!";
static char dir[256], path[300], path_b[300], path_c[300], path_again[300];

/* A broken promise is a crash libFuzzer records. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* --- files ------------------------------------------------------------------------- */

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[600];
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void remove_dir(void)
{
	clean_dir();
	rmdir(dir);
}

static void make_dir(void)
{
	struct stat st;
	const char *tmp = getenv("TMPDIR");
	if (dir[0])
		return;
	if (!tmp || !*tmp)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-cache.XXXXXX", tmp);
	check(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/c.db", dir);
	snprintf(path_b, sizeof(path_b), "%s/later.db", dir);
	snprintf(path_c, sizeof(path_c), "%s/other.db", dir);
	snprintf(path_again, sizeof(path_again), "%s/again.db", dir);
	atexit(remove_dir);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static void spill(const char *p, const void *buf, size_t n)
{
	FILE *f = fopen(p, "wb");
	check(f != NULL);
	check(n == 0 || fwrite(buf, 1, n, f) == n);
	check(fclose(f) == 0);
}

/* A whole file, malloc'd. */
static unsigned char *slurp(const char *p, size_t *n)
{
	struct stat st;
	check(stat(p, &st) == 0);
	unsigned char *buf = malloc((size_t)st.st_size + 1);
	FILE *f = fopen(p, "rb");
	check(buf != NULL && f != NULL);
	*n = fread(buf, 1, (size_t)st.st_size + 1, f);
	check(!ferror(f) && *n == (size_t)st.st_size);
	fclose(f);
	return buf;
}

/* --- records ----------------------------------------------------------------------- */

struct rec {
	char key[CACHE_REC_KEY_MAX + 2];
	uint64_t version, used;
	unsigned char *data;
	size_t len;
};

struct recs {
	size_t n;
	struct rec r[REC_CAP];
	size_t next;             /* cache_file_write's walk */
};

static void recs_free(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].data);
	rs->n = 0;
}

static int next_rec(void *arg, struct cache_rec *r)
{
	struct recs *rs = arg;
	if (rs->next == rs->n)
		return 0;
	const struct rec *x = &rs->r[rs->next++];
	*r = (struct cache_rec){ x->key, x->version, x->used, x->data, x->len };
	return 1;
}

static int write_recs(const char *p, const unsigned char id[CACHE_FILE_ID_BYTES], uint64_t gen,
		      struct recs *rs, size_t *written)
{
	char err[512];
	rs->next = 0;
	return cache_file_write(p, KEY, id, gen, next_rec, rs, written, err, sizeof(err));
}

/* What each() was given: copies (the key is only lent for the call: see
 * cache_file.c's give_all), and where the data was, to check against the
 * buffer handed back once reading is over. */
struct got {
	struct recs rs;
	size_t given;
	const unsigned char *where[REC_CAP];
	bool overflow;           /* more than REC_CAP: counted, not kept */
};

static int on_each(void *arg, const struct cache_rec *r)
{
	struct got *g = arg;
	check(r != NULL && r->key != NULL);
	size_t klen = strnlen(r->key, CACHE_REC_KEY_MAX + 1);
	check(klen <= CACHE_REC_KEY_MAX);
	check(r->len <= CACHE_REC_MAX && (r->data != NULL || r->len == 0));
	if (g->rs.n < REC_CAP) {
		struct rec *x = &g->rs.r[g->rs.n];
		memcpy(x->key, r->key, klen + 1);
		x->version = r->version;
		x->used = r->used;
		x->len = r->len;
		x->data = malloc(r->len + 1);
		check(x->data != NULL);
		if (r->len)
			memcpy(x->data, r->data, r->len);
		g->where[g->rs.n++] = r->data;
	} else {
		g->overflow = true;
	}
	g->given++;
	return 0;
}

/* Read p: check what holds for any file; 1 accepted, 0 refused. */
static int read_file(const char *p, struct got *g, struct cache_file_info *info)
{
	char err[512];
	unsigned char *buf = (unsigned char *)"not set", *before = NULL;
	size_t buflen = 12345, beforelen = 0;
	memset(g, 0, sizeof(*g));
	if (exists(p))
		before = slurp(p, &beforelen);
	int rc = cache_file_read(p, KEY, &buf, &buflen, on_each, g, info, err, sizeof(err));
	check(rc == 0);
	if (info->absent) {
		check(!before && buf == NULL && buflen == 0 && g->given == 0 && !info->set_aside);
		return 0;
	}
	check(before != NULL);
	if (info->set_aside) {
		size_t asidelen;
		check(buf == NULL && buflen == 0 && g->given == 0 && info->records == 0);
		check(info->why[0] != '\0' && !exists(p));
		unsigned char *aside = slurp(info->aside_path, &asidelen);
		check(asidelen == beforelen && memcmp(aside, before, beforelen) == 0);
		free(aside);
		free(before);
		static struct got none;
		struct cache_file_info next;
		check(read_file(p, &none, &next) == 0 && next.absent);
		return 0;
	}
	check(buf != NULL && info->records == g->given);
	check(buflen <= beforelen);
	for (size_t i = 0; i < g->rs.n; i++)
		check(g->where[i] >= buf && g->where[i] + g->rs.r[i].len <= buf + buflen);
	cache_file_buf_free(buf, buflen);
	free(before);
	return 1;
}

static bool same_recs(const struct recs *a, const struct recs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct rec *x = &a->r[i], *y = &b->r[i];
		if (strcmp(x->key, y->key) != 0 || x->version != y->version || x->used != y->used ||
		    x->len != y->len || (x->len && memcmp(x->data, y->data, x->len) != 0))
			return false;
	}
	return true;
}

/* An accepted file, written again from what was read, reads back the same. */
static void again(const struct got *g, const struct cache_file_info *info)
{
	static struct recs copy;
	static struct got back;
	struct cache_file_info binfo;
	size_t written;
	if (g->overflow)
		return;
	copy = g->rs;
	check(write_recs(path_again, info->id, info->gen, &copy, &written) == 0);
	check(read_file(path_again, &back, &binfo) == 1);
	check(binfo.gen == info->gen && memcmp(binfo.id, info->id, CACHE_FILE_ID_BYTES) == 0);
	check(same_recs(&back.rs, &g->rs));
	recs_free(&back.rs);
	unlink(path_again);
}

/* --- build mode ---------------------------------------------------------------------- */

struct input {
	const uint8_t *p;
	size_t n, at;
};

static unsigned in_byte(struct input *in)
{
	return in->at < in->n ? in->p[in->at++] : 0;
}

/* A byte spread over 64 bits (versions and times reach the high bytes). */
static uint64_t spread(unsigned b)
{
	return b == 0xff ? UINT64_MAX : (uint64_t)b * 0x0102040810204081u;
}

/* The records the input describes; *bad when a key is over the limit. */
static void describe(struct input *in, struct recs *rs, bool *bad)
{
	size_t count = in_byte(in) % (MAX_RECORDS + 1);
	while (rs->n < count) {
		struct rec *x = &rs->r[rs->n];
		unsigned k = in_byte(in);
		size_t klen = k == 0xff ? CACHE_REC_KEY_MAX : k == 0xfe ? CACHE_REC_KEY_MAX + 1 : k % 48;
		for (size_t i = 0; i < klen; i++) {
			unsigned c = k >= 0xfe ? 'k' : in_byte(in);
			x->key[i] = (char)(c ? c : 'x');
		}
		x->key[klen] = '\0';
		*bad = *bad || klen > CACHE_REC_KEY_MAX;
		x->version = spread(in_byte(in));
		x->used = spread(in_byte(in));
		unsigned l = in_byte(in);
		x->len = l == 0xff ? BIG_LEN : l % MAX_LEN;
		check((x->data = malloc(x->len + 1)) != NULL);
		for (size_t i = 0; i < x->len; i++)
			x->data[i] = l == 0xff ? (unsigned char)(i * 7) : (unsigned char)in_byte(in);
		rs->n++;
	}
}

/* What the file must read back: the records with a key. */
static void expected(const struct recs *rs, struct recs *want)
{
	want->n = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].key[0])
			want->r[want->n++] = rs->r[i]; /* (data shared with rs) */
}

/* A file cut into its header and records, by the lengths in clear. */
struct layout {
	size_t n;                /* records, trailer included */
	size_t off[MAX_RECORDS + 2], len[MAX_RECORDS + 2];
};

static bool parse(const unsigned char *f, size_t n, struct layout *l)
{
	size_t at = HEADER_LEN;
	l->n = 0;
	while (at < n && l->n < MAX_RECORDS + 2 && n - at >= CLEAR_LEN) {
		size_t klen = (size_t)f[at] | (size_t)f[at + 1] << 8;
		size_t ct = (size_t)f[at + 2] | (size_t)f[at + 3] << 8 | (size_t)f[at + 4] << 16 |
			    (size_t)f[at + 5] << 24;
		size_t len = CLEAR_LEN + klen + NONCE_LEN + ct;
		if (len > n - at)
			return false;
		l->off[l->n] = at;
		l->len[l->n++] = len;
		at += len;
	}
	return at == n && n >= HEADER_LEN;
}

struct file {
	unsigned char *p;
	size_t n;
};

static void put(struct file *out, const unsigned char *p, size_t n)
{
	memcpy(out->p + out->n, p, n);
	out->n += n;
}

/* Record-level edits (op & 7 >= 3), then byte-level ones, then the cut. */
static void spoil(struct file *f, const struct file *later, const struct file *other,
		  size_t cut, const uint8_t *edits, size_t n)
{
	struct layout la, lb, lc;
	size_t ops = n / 4;
	if (parse(f->p, f->n, &la) && parse(later->p, later->n, &lb) &&
	    parse(other->p, other->n, &lc) && la.n == lb.n && la.n == lc.n) {
		/* each slot: 0 this file's record, 1 the later one's, 2 the other's; and which */
		int from[MAX_RECORDS + 2];
		size_t which[MAX_RECORDS + 2], slots = la.n;
		for (size_t i = 0; i < slots; i++)
			from[i] = 0, which[i] = i;
		for (size_t e = 0; e < ops; e++) {
			const uint8_t *x = edits + 4 * e;
			size_t i = ((size_t)x[1] << 8 | x[2]) % (slots ? slots : 1), j = x[3];
			if (!slots)
				break;
			switch (x[0] & 7) {
			case 3: from[i] = 1; break;
			case 4: from[i] = 2; break;
			case 5: {
				j %= slots;
				int tf = from[i];
				size_t tw = which[i];
				from[i] = from[j], which[i] = which[j];
				from[j] = tf, which[j] = tw;
				break;
			}
			case 6:
				memmove(from + i, from + i + 1, (slots - i - 1) * sizeof(*from));
				memmove(which + i, which + i + 1, (slots - i - 1) * sizeof(*which));
				slots--;
				break;
			case 7:
				if (slots < MAX_RECORDS + 2) {
					memmove(from + i + 1, from + i, (slots - i) * sizeof(*from));
					memmove(which + i + 1, which + i, (slots - i) * sizeof(*which));
					slots++;
				}
				break;
			}
		}
		size_t most = 0;
		for (size_t i = 0; i < la.n; i++) {
			most = la.len[i] > most ? la.len[i] : most;
			most = lb.len[i] > most ? lb.len[i] : most;
			most = lc.len[i] > most ? lc.len[i] : most;
		}
		struct file out = { malloc(HEADER_LEN + (MAX_RECORDS + 2) * most + 1), 0 };
		check(out.p != NULL);
		put(&out, f->p, HEADER_LEN);
		for (size_t i = 0; i < slots; i++) {
			const struct file *src = from[i] == 0 ? f : from[i] == 1 ? later : other;
			const struct layout *l = from[i] == 0 ? &la : from[i] == 1 ? &lb : &lc;
			put(&out, src->p + l->off[which[i]], l->len[which[i]]);
		}
		free(f->p);
		*f = out;
	}
	unsigned char *grown = realloc(f->p, f->n + ops + 1);
	check(grown != NULL);
	f->p = grown;
	for (size_t e = 0; e < ops; e++) {
		const uint8_t *x = edits + 4 * e;
		size_t at = (size_t)x[1] << 8 | x[2];
		switch (x[0] & 7) {
		case 0:
			if (f->n)
				f->p[at % f->n] ^= x[3];
			break;
		case 1:
			at %= f->n + 1;
			memmove(f->p + at + 1, f->p + at, f->n - at);
			f->p[at] = x[3];
			f->n++;
			break;
		case 2:
			if (f->n) {
				at %= f->n;
				memmove(f->p + at, f->p + at + 1, f->n - at - 1);
				f->n--;
			}
			break;
		}
	}
	f->n -= cut < f->n ? cut : f->n;
}

static bool same_file(const struct file *a, const struct file *b)
{
	return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static void build_mode(const uint8_t *data, size_t size)
{
	struct input in = { data + 1, size - 1, 0 };
	struct recs rs = { 0 }, want;
	struct got g;
	struct cache_file_info info;
	unsigned char id[CACHE_FILE_ID_BYTES], other_id[CACHE_FILE_ID_BYTES];
	size_t written;
	bool bad = false;
	uint64_t gen = spread(in_byte(&in));
	memset(id, (int)in_byte(&in), sizeof(id));
	memcpy(other_id, id, sizeof(id));
	other_id[CACHE_FILE_ID_BYTES - 1] ^= 1;
	describe(&in, &rs, &bad);
	expected(&rs, &want);

	if (bad) { /* the write fails; the snapshot before stays */
		struct recs none = { 0 };
		check(write_recs(path, id, gen, &none, &written) == 0);
		check(write_recs(path, id, gen + 1, &rs, &written) == -1);
		check(read_file(path, &g, &info) == 1);
		check(info.gen == gen && g.given == 0);
		char tmp[400];
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		check(!exists(tmp));
		recs_free(&rs);
		return;
	}

	/* this snapshot; the next one of the same cache and one of another
	 * cache, when the edits take records from them (writes cost syncs) */
	const uint8_t *edits = data + 1 + in.at;
	size_t nedits = in.n - in.at;
	bool others = false;
	for (size_t e = 0; e + 4 <= nedits; e += 4)
		others = others || (edits[e] & 7) == 3 || (edits[e] & 7) == 4;
	struct file a, b = { NULL, 0 }, c = { NULL, 0 };
	if (others) {
		check(write_recs(path_b, id, gen + 1, &rs, &written) == 0);
		b.p = slurp(path_b, &b.n);
		check(written == b.n);
		check(write_recs(path_c, other_id, gen, &rs, &written) == 0);
		c.p = slurp(path_c, &c.n);
		check(written == c.n);
	}
	check(write_recs(path, id, gen, &rs, &written) == 0);
	a.p = slurp(path, &a.n);
	check(written == a.n && (!others || (a.n == b.n && a.n == c.n)));

	struct file f = { malloc(a.n + 1), a.n };
	check(f.p != NULL);
	memcpy(f.p, a.p, a.n);
	spoil(&f, others ? &b : &a, others ? &c : &a, data[0] >> 1, edits, nedits);
	spill(path, f.p, f.n);

	int accepted = read_file(path, &g, &info);
	const unsigned char *want_id = NULL;
	uint64_t want_gen = 0;
	if (same_file(&f, &a))
		want_id = id, want_gen = gen;
	else if (others && same_file(&f, &b))
		want_id = id, want_gen = gen + 1;
	else if (others && same_file(&f, &c))
		want_id = other_id, want_gen = gen;
	if (want_id) {
		check(accepted);
		check(info.gen == want_gen && memcmp(info.id, want_id, CACHE_FILE_ID_BYTES) == 0);
		check(info.records == want.n && same_recs(&g.rs, &want));
		again(&g, &info);
	} else {
		check(!accepted && info.set_aside);
	}
	recs_free(&g.rs);
	free(f.p);
	free(a.p);
	free(b.p);
	free(c.p);
	recs_free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct got g;
	struct cache_file_info info;
	if (size < 1 || size > INPUT_MAX)
		return 0;
	make_dir();
	clean_dir();
	if (data[0] & 1) {
		build_mode(data, size);
		return 0;
	}
	spill(path, data + 1, size - 1);
	if (read_file(path, &g, &info))
		again(&g, &info);
	recs_free(&g.rs);
	return 0;
}
