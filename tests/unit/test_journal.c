/* Unit tests of the journal (src/client/journal.c): what was appended comes
 * back, in order, after a close; a record cut by a crash is dropped and the
 * file mended; any flipped bit, a wrong key, a record moved, replayed or
 * taken from another journal is refused and the file set aside (kept, the
 * records before the bad one still there); the files are the agent's
 * alone; a second guichet on the same journal is turned away.  Real files
 * in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tmpdir.h"
#include <sodium.h>

#include "client/journal.h"

#define MAX_GOT 16

struct fx {
	char dir[64], path[128];
	unsigned char key[JOURNAL_KEY_BYTES];
};

/* What each() was given. */
struct got {
	size_t n;
	int stop_at;             /* 1-based; 0: never stop */
	uint64_t seq[MAX_GOT];
	size_t len[MAX_GOT];
	char data[MAX_GOT][64];
};

static int on_each(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct got *g = arg;
	assert_true(g->n < MAX_GOT);
	g->seq[g->n] = seq;
	g->len[g->n] = len;
	memcpy(g->data[g->n], data, len < 63 ? len : 63);
	g->data[g->n][len < 63 ? len : 63] = '\0';
	g->n++;
	return g->stop_at && (int)g->n == g->stop_at ? -1 : 0;
}

static struct journal *jopen(const char *path, const unsigned char *key, struct got *g,
			     struct journal_report *rep)
{
	char err[512] = "";
	memset(g, 0, sizeof(*g));
	struct journal *j = journal_open(path, key, on_each, g, rep, err, sizeof(err));
	if (!j)
		fail_msg("journal_open %s: %s", path, err);
	return j;
}

static void append(struct journal *j, const char *s)
{
	char err[512] = "";
	if (journal_append(j, s, strlen(s), err, sizeof(err)) != 0)
		fail_msg("journal_append: %s", err);
}

/* A journal of the records in texts (NULL-terminated); sizes[i]: the file's
 * size once record i+1 was on disk (sizes[-1], the header, is 24). */
static void make(const char *path, const unsigned char *key, const char *const *texts,
		 off_t *sizes)
{
	struct got g;
	struct stat st;
	struct journal *j = jopen(path, key, &g, NULL);
	for (size_t i = 0; texts[i]; i++) {
		append(j, texts[i]);
		assert_int_equal(stat(path, &st), 0);
		if (sizes)
			sizes[i] = st.st_size;
	}
	journal_close(j);
}

static off_t size_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static size_t slurp(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	assert_true(n < cap);
	return n;
}

static void spill(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void expect_records(const struct got *g, const char *const *texts, size_t n)
{
	assert_int_equal(g->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(g->seq[i], i + 1);
		assert_int_equal(g->len[i], strlen(texts[i]));
		assert_string_equal(g->data[i], texts[i]);
	}
}

/* Opened clean: exactly these records, no flag. */
static void expect_clean(const char *path, const unsigned char *key, const char *const *texts,
			 size_t n)
{
	struct got g;
	struct journal_report rep;
	struct journal *j = jopen(path, key, &g, &rep);
	expect_records(&g, texts, n);
	assert_int_equal(rep.records, n);
	assert_false(rep.torn_tail);
	assert_false(rep.set_aside);
	assert_int_equal(journal_records(j), n);
	journal_close(j);
}

static void remove_journal(const char *path, const struct journal_report *rep)
{
	char lock[300];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(path);
	unlink(lock);
	if (rep && rep->set_aside)
		assert_int_equal(unlink(rep->aside_path), 0);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	if (!fx || tmpdir_make(fx->dir, sizeof(fx->dir), "journal-test") < 0)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/outbox.journal", fx->dir);
	for (size_t i = 0; i < sizeof(fx->key); i++)
		fx->key[i] = (unsigned char)(i * 7 + 1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(tmpdir_remove(fx->dir), 0);
	free(fx);
	return 0;
}

/* --- round trip ------------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "première note", "", "troisième", "quatrième", NULL };
	struct got g;
	struct journal *j = jopen(fx->path, fx->key, &g, NULL);
	assert_int_equal(g.n, 0);
	assert_int_equal(journal_records(j), 0);
	for (int i = 0; i < 3; i++)
		append(j, texts[i]);
	assert_int_equal(journal_records(j), 3);
	journal_close(j);
	expect_clean(fx->path, fx->key, texts, 3);

	j = jopen(fx->path, fx->key, &g, NULL);
	append(j, texts[3]);
	assert_int_equal(journal_records(j), 4);
	journal_close(j);
	expect_clean(fx->path, fx->key, texts, 4);

	/* Sealed: the text is nowhere in the file. */
	unsigned char buf[4096];
	size_t n = slurp(fx->path, buf, sizeof(buf));
	assert_null(memmem(buf, n, "troisi", 6));
}

static void test_big_record(void **state)
{
	struct fx *fx = *state;
	char err[512] = "";
	struct got g;
	struct journal_report rep;
	unsigned char *big = malloc(JOURNAL_RECORD_MAX + 1);
	assert_non_null(big);
	memset(big, 'z', JOURNAL_RECORD_MAX + 1);
	struct journal *j = jopen(fx->path, fx->key, &g, NULL);
	append(j, "avant");
	off_t before = size_of(fx->path);
	/* One byte over: refused, said, nothing written. */
	assert_int_equal(journal_append(j, big, JOURNAL_RECORD_MAX + 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trop long"));
	assert_int_equal(size_of(fx->path), before);
	assert_int_equal(journal_records(j), 1);
	/* The largest allowed goes and comes back. */
	assert_int_equal(journal_append(j, big, JOURNAL_RECORD_MAX, err, sizeof(err)), 0);
	journal_close(j);
	j = jopen(fx->path, fx->key, &g, &rep);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[1], JOURNAL_RECORD_MAX);
	assert_true(g.data[1][0] == 'z' && strspn(g.data[1], "z") == 63); /* what on_each keeps */
	assert_false(rep.torn_tail || rep.set_aside);
	journal_close(j);
	free(big);
}

/* --- the files are the agent's alone -------------------------------------------------- */

static void test_modes_and_key_file(void **state)
{
	struct fx *fx = *state;
	char keypath[200], link_path[200], err[512];
	unsigned char k1[JOURNAL_KEY_BYTES], k2[JOURNAL_KEY_BYTES];
	struct stat st;
	struct got g;
	mode_t old = umask(022);
	journal_close(jopen(fx->path, fx->key, &g, NULL));
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A journal made readable by hand is made the agent's again. */
	assert_int_equal(chmod(fx->path, 0644), 0);
	journal_close(jopen(fx->path, fx->key, &g, NULL));
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	snprintf(keypath, sizeof(keypath), "%s/key", fx->dir);
	assert_int_equal(journal_key_load(keypath, k1, err, sizeof(err)), 0);
	assert_int_equal(stat(keypath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, JOURNAL_KEY_BYTES);
	assert_int_equal(journal_key_load(keypath, k2, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, JOURNAL_KEY_BYTES);
	umask(old);

	assert_int_equal(chmod(keypath, 0644), 0);
	err[0] = '\0';
	assert_int_equal(journal_key_load(keypath, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, keypath));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(keypath, 0600), 0);

	assert_int_equal(truncate(keypath, 31), 0);
	err[0] = '\0';
	assert_int_equal(journal_key_load(keypath, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, keypath));
	assert_non_null(strstr(err, "31"));
	/* Refused, not replaced: the key is still there to be put right. */
	assert_int_equal(size_of(keypath), 31);

	snprintf(link_path, sizeof(link_path), "%s/key-link", fx->dir);
	assert_int_equal(symlink(keypath, link_path), 0);
	err[0] = '\0';
	assert_int_equal(journal_key_load(link_path, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, link_path));
}

/* Two guichets on one journal would spoil it: the second is turned away. */
static void test_second_opener_refused(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", NULL };
	char err[512] = "";
	struct got g, g2;
	struct journal *j = jopen(fx->path, fx->key, &g, NULL);
	append(j, texts[0]);
	assert_null(journal_open(fx->path, fx->key, on_each, &g2, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, fx->path));
	append(j, texts[1]);
	journal_close(j);
	expect_clean(fx->path, fx->key, texts, 2);
}

/* --- torn tails --------------------------------------------------------------------------- */

static void test_torn_tail_every_cut(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", "trois", NULL };
	static const char *const again[] = { "un", "deux", "trois bis", NULL };
	char copy[200];
	unsigned char orig[1024];
	off_t sizes[3];
	make(fx->path, fx->key, texts, sizes);
	size_t n = slurp(fx->path, orig, sizeof(orig));
	assert_int_equal(n, sizes[2]);
	snprintf(copy, sizeof(copy), "%s/cut.journal", fx->dir);
	for (off_t cut = 1; cut < sizes[2] - sizes[1]; cut++) {
		struct got g;
		struct journal_report rep;
		spill(copy, orig, n - (size_t)cut);
		struct journal *j = jopen(copy, fx->key, &g, &rep);
		expect_records(&g, texts, 2);
		assert_true(rep.torn_tail);
		assert_false(rep.set_aside);
		assert_int_equal(journal_records(j), 2);
		assert_int_equal(size_of(copy), sizes[1]); /* mended on disk */
		append(j, again[2]);
		journal_close(j);
		expect_clean(copy, fx->key, again, 3);
		remove_journal(copy, NULL);
	}
	/* Cut at a record's end, a file is whole: nothing tells it was longer
	 * (only something outside the file could). */
	spill(copy, orig, (size_t)sizes[1]);
	expect_clean(copy, fx->key, texts, 2);
}

/* A file system that grew the file before writing it leaves zeros: torn
 * too.  Anything else after the last record is not a crash: set aside. */
static void test_zero_and_garbage_tails(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", NULL };
	static const size_t extra[] = { 3, 11, 12, 40, 5000 };
	unsigned char orig[8192];
	make(fx->path, fx->key, texts, NULL);
	size_t n = slurp(fx->path, orig, sizeof(orig) - 6000);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		for (int garbage = 0; garbage < 2; garbage++) {
			struct got g;
			struct journal_report rep;
			memset(orig + n, 0, extra[i]);
			if (garbage)
				orig[n + extra[i] - 1] = 0x5a;
			spill(fx->path, orig, n + extra[i]);
			struct journal *j = jopen(fx->path, fx->key, &g, &rep);
			expect_records(&g, texts, 2);
			/* fewer than a frame (12 bytes) left: cut by a crash, whatever they are */
			bool torn = !garbage || extra[i] < 12;
			assert_int_equal(rep.torn_tail, torn);
			assert_int_equal(rep.set_aside, !torn);
			assert_int_equal(journal_records(j), 2);
			assert_int_equal((size_t)size_of(fx->path), n);
			journal_close(j);
			expect_clean(fx->path, fx->key, texts, 2);
			if (rep.set_aside)
				assert_int_equal(unlink(rep.aside_path), 0);
		}
	}
}

/* --- every bit of the file ------------------------------------------------------------- */

static void check_flip(const struct fx *fx, const char *copy, const unsigned char *orig,
		       size_t n, size_t at, unsigned char bit, const off_t *sizes)
{
	static const char *const texts[] = { "un", "deux", NULL };
	static const char *const after[] = { "un", "deux", "trois", NULL };
	unsigned char flipped[512];
	struct got g;
	struct journal_report rep;
	struct stat st;
	memcpy(flipped, orig, n);
	flipped[at] ^= bit;
	spill(copy, flipped, n);
	struct journal *j = jopen(copy, fx->key, &g, &rep);
	/* The records before the one hit, as written; never the one hit. */
	size_t before = at < (size_t)sizes[0] ? 0 : 1;
	if (rep.records == 2 && !rep.torn_tail && !rep.set_aside)
		fail_msg("flip of 0x%02x at %zu not seen", bit, at);
	expect_records(&g, texts, g.n);
	assert_true(rep.set_aside);   /* never taken for a crash: nothing saved goes quietly */
	assert_false(rep.torn_tail);
	assert_int_equal(rep.records, before);
	assert_int_equal(journal_records(j), before);
	assert_int_equal(stat(rep.aside_path, &st), 0);
	assert_int_equal((size_t)st.st_size, n);
	/* The fresh file holds what was read, and takes more. */
	append(j, "trois");
	journal_close(j);
	static const char *const after1[] = { "un", "trois", NULL };
	expect_clean(copy, fx->key, before ? after1 : after + 2, before + 1);
	remove_journal(copy, &rep);
}

static void test_every_bit_flip_detected(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", NULL };
	char copy[200];
	unsigned char orig[512];
	off_t sizes[2];
	make(fx->path, fx->key, texts, sizes);
	size_t n = slurp(fx->path, orig, sizeof(orig));
	assert_int_equal(n, sizes[1]);
	snprintf(copy, sizeof(copy), "%s/flip.journal", fx->dir);
	for (size_t at = 0; at < n; at++)
		for (int b = 0; b < 8; b++)
			check_flip(fx, copy, orig, n, at, (unsigned char)(1u << b), sizes);
}

/* --- refused: another key, records moved --------------------------------------------------- */

static void test_wrong_key(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "secret un", "secret deux", NULL };
	unsigned char other[JOURNAL_KEY_BYTES];
	struct got g;
	struct journal_report rep;
	make(fx->path, fx->key, texts, NULL);
	memcpy(other, fx->key, sizeof(other));
	other[5] ^= 0x40;
	struct journal *j = jopen(fx->path, other, &g, &rep);
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	assert_int_equal(rep.records, 0);
	assert_int_equal(journal_records(j), 0);
	journal_close(j);
	/* Set aside, not lost: the right key still reads it there. */
	expect_clean(rep.aside_path, fx->key, texts, 2);
	/* ...and the fresh file is the other key's now. */
	expect_clean(fx->path, other, texts, 0);
}

static void test_records_moved(void **state)
{
	struct fx *fx = *state;
	static const char *const a_texts[] = { "AAAA", "BBBB", NULL };
	static const char *const b_texts[] = { "CCCC", "DDDD", NULL };
	char b_path[200];
	unsigned char a[512], b[512], t[512];
	off_t sa[2], sb[2];
	struct got g;
	struct journal_report rep;
	snprintf(b_path, sizeof(b_path), "%s/other.journal", fx->dir);
	make(fx->path, fx->key, a_texts, sa);
	make(b_path, fx->key, b_texts, sb);
	size_t na = slurp(fx->path, a, sizeof(a)), nb = slurp(b_path, b, sizeof(b));
	assert_int_equal(na, nb);
	size_t r1 = (size_t)sa[0] - 24, r2 = (size_t)(sa[1] - sa[0]);
	assert_int_equal(r1, r2);

	/* record 1 of A in place of record 1 of B (same key, same length) */
	memcpy(t, b, nb);
	memcpy(t + 24, a + 24, r1);
	spill(b_path, t, nb);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	remove_journal(b_path, &rep);

	/* A's two records swapped */
	memcpy(t, a, na);
	memcpy(t + 24, a + 24 + r1, r2);
	memcpy(t + 24 + r1, a + 24, r1);
	spill(b_path, t, na);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	remove_journal(b_path, &rep);

	/* A's record 1 replayed as its record 2 */
	memcpy(t, a, na);
	memcpy(t + 24 + r1, a + 24, r1);
	spill(b_path, t, na);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	expect_records(&g, a_texts, 1);
	remove_journal(b_path, &rep);

	/* B's record 2 added after A's two: not a third record of A */
	memcpy(t, a, na);
	memcpy(t + na, b + 24 + r1, r2);
	spill(b_path, t, na + r2);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	expect_records(&g, a_texts, 2);
	remove_journal(b_path, &rep);
}

/* The frame check of the record at rec in buf (a journal's bytes) made
 * right for place seq, as someone who knows the format could: the check
 * is no secret, the seal must be what refuses the record. */
static void reframe(unsigned char *buf, size_t rec, uint64_t seq)
{
	unsigned char in[12];
	for (int i = 0; i < 8; i++)
		in[i] = (unsigned char)(seq >> (8 * i));
	memcpy(in + 8, buf + rec, 4);
	crypto_shorthash(buf + rec + 4, in, sizeof(in), buf + 8);
}

static void test_records_moved_frames_forged(void **state)
{
	struct fx *fx = *state;
	static const char *const a_texts[] = { "AAAA", "BBBB", NULL };
	static const char *const b_texts[] = { "CCCC", "DDDD", NULL };
	char b_path[200];
	unsigned char a[512], b[512], t[512];
	off_t sa[2];
	struct got g;
	struct journal_report rep;
	snprintf(b_path, sizeof(b_path), "%s/other.journal", fx->dir);
	make(fx->path, fx->key, a_texts, sa);
	make(b_path, fx->key, b_texts, NULL);
	size_t na = slurp(fx->path, a, sizeof(a));
	slurp(b_path, b, sizeof(b));
	size_t r1 = (size_t)sa[0] - 24;

	/* The test's reframe is the journal's: A unchanged but reframed reads back. */
	memcpy(t, a, na);
	reframe(t, 24, 1);
	reframe(t, 24 + r1, 2);
	assert_memory_equal(t, a, na);

	/* A's two records swapped, each frame made right for its new place */
	memcpy(t + 24, a + 24 + r1, r1);
	memcpy(t + 24 + r1, a + 24, r1);
	reframe(t, 24, 1);
	reframe(t, 24 + r1, 2);
	spill(b_path, t, na);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	remove_journal(b_path, &rep);

	/* A's record 1 in B's file, its frame made right for B's id */
	memcpy(t, b, na);
	memcpy(t + 24, a + 24, r1);
	reframe(t, 24, 1);
	spill(b_path, t, na);
	journal_close(jopen(b_path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	remove_journal(b_path, &rep);
}

/* A file that is not a journal, or lost its header. */
static void test_bad_headers(void **state)
{
	struct fx *fx = *state;
	static const char *const none[] = { NULL };
	static const char *const one[] = { "après", NULL };
	struct got g;
	struct journal_report rep;

	spill(fx->path, "", 0); /* empty: as if absent */
	struct journal *j = jopen(fx->path, fx->key, &g, &rep);
	assert_false(rep.set_aside || rep.torn_tail);
	append(j, one[0]);
	journal_close(j);
	expect_clean(fx->path, fx->key, one, 1);

	spill(fx->path, "GUICHJ1\nabc", 11); /* a header cut short */
	journal_close(jopen(fx->path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(g.n, 0);
	expect_clean(fx->path, fx->key, none, 0);

	spill(fx->path, "#!/bin/sh\necho not a journal at all\n", 36);
	journal_close(jopen(fx->path, fx->key, &g, &rep));
	assert_true(rep.set_aside);
	assert_int_equal(size_of(rep.aside_path), 36);
	expect_clean(fx->path, fx->key, none, 0);
}

/* --- each() stops the opening ---------------------------------------------------------------- */

static void test_each_stops(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", "trois", NULL };
	char err[512] = "";
	struct got g = { .stop_at = 2 };
	make(fx->path, fx->key, texts, NULL);
	off_t size = size_of(fx->path);
	assert_null(journal_open(fx->path, fx->key, on_each, &g, NULL, err, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_int_equal(g.n, 2);
	assert_int_equal(size_of(fx->path), size); /* untouched */
	expect_clean(fx->path, fx->key, texts, 3);
}

/* --- rewrite --------------------------------------------------------------------------------- */

struct list {
	const char *const *texts;
	size_t i;
	size_t big;              /* > 0: give a record this long at the end */
	unsigned char *big_buf;
};

static int list_next(void *arg, const void **data, size_t *len)
{
	struct list *l = arg;
	if (l->texts[l->i]) {
		*data = l->texts[l->i];
		*len = strlen(l->texts[l->i++]);
		return 1;
	}
	if (l->big && l->big_buf) {
		*data = l->big_buf;
		*len = l->big;
		l->big_buf = NULL;
		return 1;
	}
	return 0;
}

static void test_rewrite(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "1", "2", "3", "4", "5", NULL };
	static const char *const kept[] = { "quatre", "cinq", NULL };
	static const char *const then[] = { "quatre", "cinq", "six", NULL };
	char err[512] = "", tmp[200];
	struct got g;
	struct journal_report rep;
	make(fx->path, fx->key, texts, NULL);
	struct journal *j = jopen(fx->path, fx->key, &g, &rep);
	assert_int_equal(journal_records(j), 5);
	struct list l = { kept, 0, 0, NULL };
	assert_int_equal(journal_rewrite(j, list_next, &l, err, sizeof(err)), 0);
	assert_int_equal(journal_records(j), 2);
	append(j, then[2]);
	assert_int_equal(journal_records(j), 3);
	journal_close(j);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(access(tmp, F_OK), -1);
	expect_clean(fx->path, fx->key, then, 3);

	/* Compacted to nothing, then going on. */
	j = jopen(fx->path, fx->key, &g, &rep);
	struct list empty = { texts + 5, 0, 0, NULL };
	assert_int_equal(journal_rewrite(j, list_next, &empty, err, sizeof(err)), 0);
	assert_int_equal(journal_records(j), 0);
	append(j, kept[0]);
	journal_close(j);
	expect_clean(fx->path, fx->key, kept, 1);
}

/* A rewrite that fails leaves the old file as it was, and the journal
 * going on with it. */
static void test_rewrite_fails_cleanly(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", NULL };
	static const char *const more[] = { "un", "deux", "trois", NULL };
	char err[512] = "", tmp[200];
	unsigned char before[1024], now[1024];
	struct got g;
	make(fx->path, fx->key, texts, NULL);
	size_t n = slurp(fx->path, before, sizeof(before));
	struct journal *j = jopen(fx->path, fx->key, &g, NULL);
	unsigned char *big = calloc(1, JOURNAL_RECORD_MAX + 1);
	assert_non_null(big);
	struct list l = { texts, 0, JOURNAL_RECORD_MAX + 1, big };
	assert_int_equal(journal_rewrite(j, list_next, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trop long"));
	free(big);
	assert_int_equal(slurp(fx->path, now, sizeof(now)), n);
	assert_memory_equal(before, now, n);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(journal_records(j), 2);
	append(j, more[2]);
	journal_close(j);
	expect_clean(fx->path, fx->key, more, 3);
}

/* --- an append that fails is cut back -------------------------------------------------------- */

static void test_failed_append_cut_back(void **state)
{
	struct fx *fx = *state;
	static const char *const texts[] = { "un", "deux", NULL };
	char err[512] = "", long_text[300];
	struct rlimit old, small;
	struct got g;
	struct journal *j = jopen(fx->path, fx->key, &g, NULL);
	append(j, texts[0]);
	off_t size = size_of(fx->path);
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';

	/* The file may grow by 20 bytes only: the write stops part way. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = (rlim_t)size + 20;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int rc = journal_append(j, long_text, strlen(long_text), err, sizeof(err));
	int restored = setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_int_equal(restored, 0);

	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, fx->path));
	assert_int_equal(size_of(fx->path), size); /* as it was */
	assert_int_equal(journal_records(j), 1);
	append(j, texts[1]);
	journal_close(j);
	expect_clean(fx->path, fx->key, texts, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_and_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_opener_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_every_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_and_garbage_tails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_bit_flip_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_moved_frames_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_append_cut_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
