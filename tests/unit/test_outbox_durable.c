/* Unit tests of the durable outbox: an outbox persisted in a journal gives
 * the next run (a new outbox on the same file) every entry not delivered
 * nor dropped, in order, with the Idempotency-Key it was given when the
 * agent acted, and nothing that was delivered; a reapplied conflict comes
 * back as reapplied, in its place; entries queued before the disk was
 * there are written down; the file holds no plaintext.  The network is a
 * fake send() whose requests the test answers; the journal is a real file
 * in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "client/loop.h"
#include "client/outbox.h"
#include "client/store.h"

#define MAX_SENT 16

struct run {
	struct store *store;
	struct outbox *ob;
	int nsent;
	char key[MAX_SENT][40];
	char path[MAX_SENT][256];
	int64_t if_match[MAX_SENT];
	net_done_fn done[MAX_SENT];
	void *arg[MAX_SENT];
};

struct fx {
	char dir[64], file[128];
	unsigned char key[JOURNAL_KEY_BYTES];
};

static int fake_send(void *a, const struct outbox_entry *e, net_done_fn done, void *done_arg)
{
	struct run *r = a;
	assert_true(r->nsent < MAX_SENT);
	int i = r->nsent++;
	snprintf(r->key[i], sizeof(r->key[i]), "%s", e->key);
	snprintf(r->path[i], sizeof(r->path[i]), "%s", e->path);
	r->if_match[i] = e->base_version;
	r->done[i] = done;
	r->arg[i] = done_arg;
	return 0;
}

static const struct outbox_kind KINDS[] = { { "case.note", NULL, false, false },
					    { "case.patch", NULL, false, false } };

/* A run of the desk: a new outbox on the journal (restored: how many came back). */
static struct run *run_start(struct fx *fx, int *restored)
{
	char err[256];
	struct run *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->store = store_new();
	const struct outbox_io io = { fake_send, r, KINDS, 2, r, r->store, NULL, NULL, NULL };
	r->ob = outbox_new(&io);
	assert_non_null(r->ob);
	int n = outbox_persist(r->ob, fx->file, fx->key, NULL, err, sizeof(err));
	assert_true(n >= 0);
	assert_true(outbox_durable(r->ob));
	if (restored)
		*restored = n;
	return r;
}

static void answer(struct run *r, int i, int status, json_t *body)
{
	const struct net_result res = { status, body, NULL, NULL, status ? NULL : "no answer" };
	r->done[i](r->arg[i], &res);
	json_decref(body);
}

/* The end of a run: whatever is in flight never gets its answer. */
static void run_end(struct run *r)
{
	outbox_free(r->ob);
	store_free(r->store);
	free(r);
}

static void pump(struct run *r)
{
	outbox_retry_now(r->ob);
	outbox_pump(r->ob, loop_now_ms());
}

static uint64_t note(struct run *r, int64_t case_id, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/cases/%lld/notes", (long long)case_id);
	json_t *body = json_pack("{ss}", "text", text);
	uint64_t id = outbox_add(r->ob, "case.note", "POST", path, body, 0, STORE_CASE, case_id,
				 "note", NULL);
	json_decref(body);
	assert_true(id > 0);
	return id;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	if (!fx || tmpdir_make(fx->dir, sizeof(fx->dir), "outbox-test") < 0)
		return -1;
	snprintf(fx->file, sizeof(fx->file), "%s/outbox.journal", fx->dir);
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

static void test_next_run_sends_what_was_left(void **state)
{
	struct fx *fx = *state;
	int restored;
	struct run *a = run_start(fx, &restored);
	assert_int_equal(restored, 0);
	note(a, 7, "première");
	note(a, 7, "seconde");
	pump(a);
	assert_int_equal(a->nsent, 1);
	answer(a, 0, 0, NULL); /* no answer: kept */
	char key1[40];
	snprintf(key1, sizeof(key1), "%s", a->key[0]);
	run_end(a);

	struct run *b = run_start(fx, &restored);
	assert_int_equal(restored, 2);
	assert_int_equal(outbox_waiting(b->ob), 2);
	assert_true(store_pending(b->store, STORE_CASE, 7) == 2);
	pump(b);
	assert_int_equal(b->nsent, 1);
	assert_string_equal(b->key[0], key1); /* the same request: the server will not do it twice */
	assert_string_equal(b->path[0], "/api/v1/cases/7/notes");
	answer(b, 0, 201, json_pack("{sI}", "id", (json_int_t)1));
	assert_int_equal(b->nsent, 2);         /* then the second, at once */
	char key2[40];
	snprintf(key2, sizeof(key2), "%s", b->key[1]);
	run_end(b);                            /* killed while the second flies */

	struct run *c = run_start(fx, &restored);
	assert_int_equal(restored, 1);
	pump(c);
	assert_string_equal(c->key[0], key2);
	answer(c, 0, 201, json_pack("{sI}", "id", (json_int_t)2));
	assert_int_equal(outbox_waiting(c->ob), 0);
	run_end(c);

	struct run *d = run_start(fx, &restored);
	assert_int_equal(restored, 0);         /* delivered: never sent again */
	run_end(d);
}

static void test_reapply_comes_back_in_its_place(void **state)
{
	struct fx *fx = *state;
	int restored;
	struct run *a = run_start(fx, &restored);
	json_t *body = json_pack("{ss}", "status", "closed");
	uint64_t id = outbox_add(a->ob, "case.patch", "PATCH", "/api/v1/cases/7", body, 1,
				 STORE_CASE, 7, "statut", NULL);
	json_decref(body);
	note(a, 8, "après");
	pump(a);
	answer(a, 0, 412, json_pack("{s{sIsI}}", "current", "id", (json_int_t)7, "version",
				    (json_int_t)3));
	char err[128];
	assert_int_equal(outbox_reapply(a->ob, id, err, sizeof(err)), 0);
	const struct outbox_entry *e = outbox_find(a->ob, id);
	char newkey[40];
	snprintf(newkey, sizeof(newkey), "%s", e->key);
	assert_string_not_equal(newkey, a->key[0]);
	run_end(a);

	struct run *b = run_start(fx, &restored);
	assert_int_equal(restored, 2);
	const struct outbox_entry *first = outbox_first(b->ob);
	assert_string_equal(first->kind, "case.patch"); /* still before the note */
	assert_int_equal(first->base_version, 3);         /* on top of the server's version */
	assert_string_equal(first->key, newkey);
	assert_string_equal(first->next->kind, "case.note");
	run_end(b);
}

static void test_dropped_is_not_restored(void **state)
{
	struct fx *fx = *state;
	int restored;
	char err[128];
	struct run *a = run_start(fx, &restored);
	uint64_t id = note(a, 7, "abandonnée");
	assert_int_equal(outbox_drop(a->ob, id, err, sizeof(err)), 0);
	run_end(a);
	struct run *b = run_start(fx, &restored);
	assert_int_equal(restored, 0);
	run_end(b);
}

/* Queued while the disk was not there yet (the login not known): written
 * down once it is, after what an earlier run left. */
static void test_in_memory_entries_written_at_persist(void **state)
{
	struct fx *fx = *state;
	int restored;
	char err[256];
	struct run *a = run_start(fx, &restored);
	note(a, 7, "de la veille");
	run_end(a);

	struct run *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->store = store_new();
	const struct outbox_io io = { fake_send, b, KINDS, 2, b, b->store, NULL, NULL, NULL };
	b->ob = outbox_new(&io);
	note(b, 9, "avant le disque");
	assert_false(outbox_durable(b->ob));
	assert_int_equal(outbox_persist(b->ob, fx->file, fx->key, NULL, err, sizeof(err)), 1);
	const struct outbox_entry *e = outbox_first(b->ob);
	assert_int_equal(e->target_id, 7);      /* the older first */
	assert_int_equal(e->next->target_id, 9);
	assert_null(e->next->next);
	run_end(b);

	struct run *c = run_start(fx, &restored);
	assert_int_equal(restored, 2);
	run_end(c);
}

static void test_no_plaintext_on_disk(void **state)
{
	struct fx *fx = *state;
	struct run *a = run_start(fx, NULL);
	note(a, 7, "Canari-Zébulon");
	run_end(a);
	FILE *f = fopen(fx->file, "rb");
	assert_non_null(f);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(n > 0);
	assert_null(memmem(buf, n, "Canari", 6));
	assert_null(memmem(buf, n, "/api/v1", 7));
}

/* A label cut inside a character (an accented status at the edge of the
 * caller's buffer) is still saved: the record is whole text. */
static void test_label_cut_inside_a_character(void **state)
{
	struct fx *fx = *state;
	int restored;
	char what[200];
	memset(what, 'x', 158);
	strcpy(what + 158, "été"); /* "é" straddles the 160-byte label */
	struct run *a = run_start(fx, NULL);
	json_t *body = json_pack("{ss}", "status", "closed");
	assert_true(outbox_add(a->ob, "case.patch", "PATCH", "/api/v1/cases/7", body, 1, STORE_CASE,
			       7, what, NULL) > 0);
	json_decref(body);
	run_end(a);
	struct run *b = run_start(fx, &restored);
	assert_int_equal(restored, 1);
	assert_int_equal(strlen(outbox_first(b->ob)->what), 158);
	run_end(b);
}

static void test_wrong_key_keeps_nothing_it_cannot_read(void **state)
{
	struct fx *fx = *state;
	int restored;
	struct run *a = run_start(fx, NULL);
	note(a, 7, "scellée");
	run_end(a);
	fx->key[0] ^= 1;
	struct run *b = run_start(fx, &restored);
	assert_int_equal(restored, 0); /* refused, set aside: never sent as something else */
	run_end(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_next_run_sends_what_was_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reapply_comes_back_in_its_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_is_not_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_memory_entries_written_at_persist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_plaintext_on_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_cut_inside_a_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_keeps_nothing_it_cannot_read, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
