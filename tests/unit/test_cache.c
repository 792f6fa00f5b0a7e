/* Unit tests of the offline cache (src/client/cache*.c): what the store held
 * comes back from disk in a new store, asked for by key; a flipped byte at
 * any position, a wrong key, a file cut short, a record swapped in from
 * another cache file or put back from an older snapshot are refused and
 * the file set aside, nothing of it trusted; past the size limit what was
 * used longest ago goes but never a record with changes waiting; no name
 * is on disk in clear; the offline search finds citizens by name without
 * accents, by phone in any French form, by mail, by case reference.  Real
 * files in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sodium.h>

#include "tmpdir.h"

#include "client/cache.h"
#include "client/store.h"
#include "core/json_get.h"

#define CANARY "Zéphyrine"

struct fx {
	char dir[64], path[128];
	unsigned char key[CACHE_FILE_KEY_BYTES];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || sodium_init() < 0 || tmpdir_make(f->dir, sizeof(f->dir), "test_cache") < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/cache.db", f->dir);
	randombytes_buf(f->key, sizeof(f->key));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static struct cache *copen(const char *path, const unsigned char *key, size_t max,
			   struct cache_file_info *info)
{
	char err[512] = "";
	struct cache *c = cache_open(path, key, max, info, err, sizeof(err));
	if (!c)
		print_error("cache_open: %s\n", err);
	assert_non_null(c);
	return c;
}

static void put_citizen(struct store *s, int id, const char *given, const char *family,
			const char *phone, const char *mail)
{
	json_t *r = json_pack("{sisisssssss[s]s[s]s[{sssi}]}", "id", id, "version", 3,
			      "given_name", given, "family_name", family, "birth_date", "1980-01-02",
			      "phones", phone, "emails", mail, "cases", "ref",
			      id == 1 ? "2026-000042" : "2026-000043", "id", 100 + id);
	assert_int_equal(store_put(s, STORE_CITIZEN, r), 1);
}

/* A store with two citizens, a case, the work list and a timeline, saved. */
static void save_sample(const struct fx *f, size_t max)
{
	char err[512] = "";
	struct cache_file_info info;
	struct store *s = store_new();
	put_citizen(s, 1, CANARY, "Dupré", "+33612345678", "zephyrine@example.fr");
	put_citizen(s, 2, "Marc", "Lefèvre", "+33145678901", "marc@example.fr");
	store_put(s, STORE_CASE, json_pack("{sisisssi}", "id", 101, "version", 7, "ref",
					   "2026-000042", "citizen_id", 1));
	store_list_set(s, "mine", json_pack("[{si}]", "id", 101), "");
	store_list_set(s, "timeline:1", json_pack("[{ssss}]", "kind", "note", "text", CANARY),
		       "c2");
	store_list_set(s, "search:Dup", json_pack("[{si}]", "id", 1), "");
	struct cache *c = copen(f->path, f->key, max, &info);
	assert_true(info.absent);
	assert_int_equal(cache_save(c, s, 1000, err, sizeof(err)), 0);
	cache_close(c);
	store_free(s);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct cache_file_info info;
	save_sample(f, 1 << 20);
	struct store *s = store_new();
	struct cache *c = copen(f->path, f->key, 1 << 20, &info);
	assert_false(info.absent);
	assert_false(info.set_aside);
	cache_attach(c, s);
	json_t *cit = store_get(s, STORE_CITIZEN, 1);
	assert_non_null(cit);
	assert_string_equal(jtext(cit, "given_name"), CANARY);
	assert_int_equal(store_version(s, STORE_CASE, 101), 7);
	struct store_list *l = store_list(s, "timeline:1");
	assert_non_null(l);
	assert_int_equal(l->state, LIST_LOADED);
	assert_string_equal(l->next, "c2");
	assert_string_equal(jtext(json_array_get(l->items, 0), "text"), CANARY);
	assert_non_null(store_list(s, "mine"));
	assert_null(store_list(s, "search:Dup")); /* searches are not kept */
	assert_null(store_get(s, STORE_CITIZEN, 3));
	/* saved again from this store (half of it read), nothing is lost */
	char err[512];
	assert_int_equal(cache_save(c, s, 2000, err, sizeof(err)), 0);
	cache_detach(c, s);
	cache_close(c);
	store_free(s);
	s = store_new();
	c = copen(f->path, f->key, 1 << 20, &info);
	cache_attach(c, s);
	assert_non_null(store_get(s, STORE_CITIZEN, 2));
	assert_non_null(store_list(s, "timeline:1"));
	cache_close(c);
	store_free(s);
}

static void test_no_clear_text(void **state)
{
	struct fx *f = *state;
	save_sample(f, 1 << 20);
	FILE *fp = fopen(f->path, "rb");
	assert_non_null(fp);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_true(n > 0);
	assert_null(memmem(buf, n, CANARY, strlen(CANARY)));
	assert_null(memmem(buf, n, "Dupr", 4));
	assert_null(memmem(buf, n, "612345678", 9));
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	unsigned char *b = malloc((size_t)st.st_size);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(b, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	*n = (size_t)st.st_size;
	return b;
}

static void spit(const char *path, const unsigned char *b, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	fclose(fp);
}

static int count_each;
static int counting(void *arg, const struct cache_rec *r)
{
	(void)arg;
	(void)r;
	count_each++;
	return 0;
}

/* Read path directly: was it refused (set aside, nothing given)? */
static bool refused(const char *path, const unsigned char *key)
{
	unsigned char *buf;
	size_t len;
	char err[512];
	struct cache_file_info info;
	count_each = 0;
	assert_int_equal(cache_file_read(path, key, &buf, &len, counting, NULL, &info, err,
					 sizeof(err)),
			 0);
	cache_file_buf_free(buf, len);
	if (info.set_aside) {
		assert_int_equal(count_each, 0);
		assert_true(info.why[0]);
		assert_int_equal(access(path, F_OK), -1); /* moved away, kept */
		assert_int_equal(access(info.aside_path, F_OK), 0);
		unlink(info.aside_path);
	}
	return info.set_aside;
}

static void test_every_flipped_byte(void **state)
{
	struct fx *f = *state;
	save_sample(f, 1 << 20);
	size_t n;
	unsigned char *good = slurp(f->path, &n);
	assert_false(refused(f->path, f->key));
	for (size_t i = 0; i < n; i++) {
		good[i] ^= 0x01;
		spit(f->path, good, n);
		if (!refused(f->path, f->key))
			fail_msg("a flipped bit at byte %zu of %zu was not detected", i, n);
		good[i] ^= 0x01;
	}
	/* cut short anywhere, or with a byte more */
	for (size_t cut = 0; cut < n; cut += 7) {
		spit(f->path, good, cut);
		if (!refused(f->path, f->key))
			fail_msg("a file cut at %zu of %zu was taken", cut, n);
	}
	unsigned char *more = malloc(n + 1);
	memcpy(more, good, n);
	more[n] = 0;
	spit(f->path, more, n + 1);
	assert_true(refused(f->path, f->key));
	free(more);
	free(good);
}

static void test_wrong_key(void **state)
{
	struct fx *f = *state;
	struct cache_file_info info;
	unsigned char other[CACHE_FILE_KEY_BYTES];
	save_sample(f, 1 << 20);
	memcpy(other, f->key, sizeof(other));
	other[0] ^= 1;
	struct cache *c = copen(f->path, other, 1 << 20, &info);
	assert_true(info.set_aside);
	assert_non_null(strstr(info.why, "authentifie"));
	assert_int_equal(cache_records(c), 0);
	cache_close(c);
}

/* Where the record of key k is in a cache file's bytes: its offset and
 * length (0 when not found). */
static size_t find_record(const unsigned char *b, size_t n, const char *k, size_t *len)
{
	size_t off = 32;
	while (off + 22 <= n) {
		size_t klen = b[off] | (size_t)b[off + 1] << 8;
		size_t ct = b[off + 2] | (size_t)b[off + 3] << 8 | (size_t)b[off + 4] << 16;
		*len = 22 + klen + 24 + ct;
		if (klen == strlen(k) && memcmp(b + off + 22, k, klen) == 0)
			return off;
		off += *len;
	}
	*len = 0;
	return 0;
}

/* The record of key k in file `from` put in place of the one in `into`
 * (same size): a record of another file, or of an older snapshot. */
static void splice_record(const char *from, const char *into, const char *k)
{
	size_t na, nb, la, lb;
	unsigned char *a = slurp(from, &na), *b = slurp(into, &nb);
	size_t oa = find_record(a, na, k, &la), ob = find_record(b, nb, k, &lb);
	assert_true(oa && ob);
	assert_int_equal(la, lb);
	memcpy(b + ob, a + oa, la);
	spit(into, b, nb);
	free(a);
	free(b);
}

static void test_swapped_and_rolled_back(void **state)
{
	struct fx *f = *state;
	char other[160], old[160], err[512];
	struct cache_file_info info;
	save_sample(f, 1 << 20);
	snprintf(other, sizeof(other), "%s/other.db", f->dir);
	snprintf(old, sizeof(old), "%s/old.db", f->dir);
	/* another cache file, same key, same content: its records do not fit here */
	size_t n;
	unsigned char *b = slurp(f->path, &n);
	spit(old, b, n);
	free(b);
	{
		struct store *s = store_new();
		struct cache *c = copen(other, f->key, 1 << 20, &info);
		struct cache *src = copen(f->path, f->key, 1 << 20, &info);
		cache_attach(src, s);
		store_get(s, STORE_CITIZEN, 1);
		store_get(s, STORE_CITIZEN, 2);
		store_get(s, STORE_CASE, 101);
		store_list(s, "mine");
		store_list(s, "timeline:1");
		cache_detach(src, s);
		assert_int_equal(cache_save(c, s, 1000, err, sizeof(err)), 0);
		cache_close(c);
		cache_close(src);
		store_free(s);
	}
	splice_record(other, f->path, "case:101");
	assert_true(refused(f->path, f->key));
	/* an older snapshot of the same file: its records are of another generation */
	b = slurp(old, &n);
	spit(f->path, b, n);
	free(b);
	{
		struct store *s = store_new();
		struct cache *c = copen(f->path, f->key, 1 << 20, &info);
		cache_attach(c, s);
		store_get(s, STORE_CITIZEN, 1);
		assert_int_equal(cache_save(c, s, 3000, err, sizeof(err)), 0);
		cache_close(c);
		store_free(s);
	}
	splice_record(old, f->path, "case:101");
	assert_true(refused(f->path, f->key));
}

static void test_evicts_oldest_not_pinned(void **state)
{
	struct fx *f = *state;
	char err[512];
	struct cache_file_info info;
	struct cache *c = copen(f->path, f->key, 1 << 20, &info);
	/* forty timelines of about 2 kB, one read per second */
	char q[32], big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 1; i <= 40; i++) {
		struct store *s = store_new();
		cache_attach(c, s);
		snprintf(q, sizeof(q), "timeline:%d", i);
		store_list_set(s, q, json_pack("[{ss}]", "text", big), "");
		if (i == 1) /* the oldest */
			store_put(s, STORE_CITIZEN, json_pack("{sisiss}", "id", 1, "version", 1,
							      "bio", big));
		/* but a change to it waits in the outbox, run after run */
		store_pending_add(s, STORE_CITIZEN, 1, 1);
		if (i == 40)
			cache_set_max(c, 20000);
		assert_int_equal(cache_save(c, s, 1000 + i, err, sizeof(err)), 0);
		cache_detach(c, s);
		store_free(s);
	}
	assert_true(cache_bytes(c) <= 20000 + 4000);
	cache_close(c);
	struct store *s = store_new();
	c = copen(f->path, f->key, 20000, &info);
	cache_attach(c, s);
	assert_non_null(store_list(s, "timeline:40"));
	assert_non_null(store_list(s, "timeline:39"));
	assert_null(store_list(s, "timeline:2"));
	assert_null(store_list(s, "timeline:1"));
	assert_non_null(store_get(s, STORE_CITIZEN, 1));
	cache_close(c);
	store_free(s);
}

static void test_pinned_survives(void **state)
{
	struct fx *f = *state;
	char err[512], big[3000];
	struct cache_file_info info;
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct cache *c = copen(f->path, f->key, 1 << 20, &info);
	struct store *s = store_new();
	store_put(s, STORE_CASE, json_pack("{sisiss}", "id", 5, "version", 2, "note", big));
	assert_int_equal(cache_save(c, s, 1000, err, sizeof(err)), 0);
	store_free(s);
	/* later, far over a tiny limit; case 5 has a change waiting */
	s = store_new();
	cache_attach(c, s);
	store_pending_add(s, STORE_CASE, 5, 1);
	store_list_set(s, "timeline:9", json_pack("[{ss}]", "text", big), "");
	cache_set_max(c, 100);
	assert_int_equal(cache_save(c, s, 2000, err, sizeof(err)), 0);
	cache_detach(c, s);
	store_free(s);
	cache_close(c);
	s = store_new();
	c = copen(f->path, f->key, 100, &info);
	cache_attach(c, s);
	assert_int_equal(store_version(s, STORE_CASE, 5), 2);
	assert_null(store_list(s, "timeline:9"));
	cache_close(c);
	store_free(s);
}

static void expect_one(struct cache *c, struct store *s, const char *q, int id)
{
	json_t *r = cache_search(c, s, q, 50);
	assert_non_null(r);
	if (json_array_size(r) != 1 || jint(json_array_get(r, 0), "id") != id)
		fail_msg("search \"%s\": %zu result(s), first %lld, want %d", q, json_array_size(r),
			 (long long)jint(json_array_get(r, 0), "id"), id);
	assert_null(json_object_get(json_array_get(r, 0), "_fold"));
	json_decref(r);
}

static void test_offline_search(void **state)
{
	struct fx *f = *state;
	struct cache_file_info info;
	save_sample(f, 1 << 20);
	struct store *s = store_new();
	struct cache *c = copen(f->path, f->key, 1 << 20, &info);
	cache_attach(c, s);
	expect_one(c, s, "dupre", 1);
	expect_one(c, s, "ZEPHYRINE dup", 1);
	expect_one(c, s, "lefevre", 2);
	expect_one(c, s, "Lefèvre Marc", 2);
	expect_one(c, s, "06 12 34 56 78", 1);
	expect_one(c, s, "06.12.34.56.78", 1);
	expect_one(c, s, "+33 6 12 34 56 78", 1);
	expect_one(c, s, "0033612345678", 1);
	expect_one(c, s, "01 45 67 89 01", 2);
	expect_one(c, s, "Marc@Example.FR", 2);
	expect_one(c, s, "2026-000042", 1);
	expect_one(c, s, "2026-000043", 2); /* through the 360° view's cases */
	json_t *none = cache_search(c, s, "arc", 50); /* word starts only */
	assert_int_equal(json_array_size(none), 0);
	json_decref(none);
	/* the store's newer copy wins over the cache's */
	store_put(s, STORE_CITIZEN, json_pack("{sisisssss[]s[]}", "id", 2, "version", 9,
					      "given_name", "Marc", "family_name", "Martin",
					      "phones", "emails"));
	expect_one(c, s, "martin", 2);
	none = cache_search(c, s, "lefevre", 50);
	assert_int_equal(json_array_size(none), 0);
	json_decref(none);
	cache_close(c);
	store_free(s);
}

/* A record evicted while the store still holds it keeps its age: it does
 * not come back at the next save and push out what was read after it. */
static void test_evicted_stays_out(void **state)
{
	struct fx *f = *state;
	char err[512], big[3000];
	struct cache_file_info info;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct cache *c = copen(f->path, f->key, 4000, &info);
	struct store *s = store_new();
	cache_attach(c, s);
	store_put(s, STORE_CITIZEN, json_pack("{sisiss}", "id", 1, "version", 1, "bio", big));
	assert_int_equal(cache_save(c, s, 1000, err, sizeof(err)), 0);
	store_put(s, STORE_CITIZEN, json_pack("{sisiss}", "id", 2, "version", 1, "bio", big));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cache_save(c, s, 2000 + 20 * i, err, sizeof(err)), 0);
		assert_int_equal(cache_records(c), 1);
		cache_detach(c, s);
		struct store *fresh = store_new();
		cache_attach(c, fresh);
		if (!store_get(fresh, STORE_CITIZEN, 2) || store_get(fresh, STORE_CITIZEN, 1))
			fail_msg("save %d: the record read last was not the one kept", i);
		cache_detach(c, fresh);
		store_free(fresh);
		cache_attach(c, s);
	}
	cache_close(c);
	store_free(s);
}

/* What the server says is gone is no longer answered offline. */
static void test_forget(void **state)
{
	struct fx *f = *state;
	struct cache_file_info info;
	save_sample(f, 1 << 20);
	struct cache *c = copen(f->path, f->key, 1 << 20, &info);
	struct store *s = store_new();
	cache_attach(c, s);
	cache_forget(c, "citizen:2");
	cache_forget(c, "list:timeline:1");
	assert_null(store_get(s, STORE_CITIZEN, 2));
	assert_null(store_list(s, "timeline:1"));
	json_t *r = cache_search(c, s, "lefevre", 50);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	char err[512];
	assert_int_equal(cache_save(c, s, 5000, err, sizeof(err)), 0);
	cache_close(c);
	store_free(s);
	s = store_new();
	c = copen(f->path, f->key, 1 << 20, &info);
	cache_attach(c, s);
	assert_null(store_get(s, STORE_CITIZEN, 2));
	assert_non_null(store_get(s, STORE_CITIZEN, 1));
	cache_close(c);
	store_free(s);
}

/* Two desks of one agent: the second only reads. */
static void test_second_reads_only(void **state)
{
	struct fx *f = *state;
	struct cache_file_info info;
	char err[512];
	save_sample(f, 1 << 20);
	size_t n;
	unsigned char *before = slurp(f->path, &n);
	struct cache *one = copen(f->path, f->key, 1 << 20, &info);
	struct cache *two = copen(f->path, f->key, 1 << 20, &info);
	assert_false(cache_read_only(one));
	assert_true(cache_read_only(two));
	struct store *s = store_new();
	cache_attach(two, s);
	assert_non_null(store_get(s, STORE_CITIZEN, 1)); /* it reads */
	store_put(s, STORE_CASE, json_pack("{sisi}", "id", 77, "version", 1));
	assert_int_equal(cache_save(two, s, 9000, err, sizeof(err)), 0);
	size_t m;
	unsigned char *after = slurp(f->path, &m);
	assert_true(n == m && memcmp(before, after, n) == 0); /* but does not write */
	free(before);
	free(after);
	cache_close(two);
	cache_close(one);
	store_free(s);
	struct cache *three = copen(f->path, f->key, 1 << 20, &info);
	assert_false(cache_read_only(three)); /* the lock went with the first */
	cache_close(three);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_clear_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_flipped_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_and_rolled_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evicts_oldest_not_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_survives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evicted_stays_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_reads_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
