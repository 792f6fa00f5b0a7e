/* Unit tests of the outbox's batches (src/client/outbox_batch.c) through a
 * fake outbox_io that keeps each request (a single entry, or a batch's
 * body) and lets the test answer it.  What is checked: a run of queued
 * notes goes as one batch, in order, each item with its method, path,
 * Idempotency-Key and the body's exact text; the answers are sorted item
 * by item (delivered, refused), the items the server did not run stay
 * queued with their try not counted and go next; a run stops at an entry
 * that carries a version or whose kind does not batch; a batch without an
 * answer puts the first entry on its backoff and every waiting job is
 * told "queued"; a server that does not know batches (404) gets entries
 * one at a time from then on; a batch keeps to a size; on a journal, a
 * batch's deliveries are written down (nothing comes back at the next
 * start). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "client/job.h"
#include "client/loop.h"
#include "client/outbox.h"
#include "client/store.h"

#define MAX_CALLS 16

struct call {
	bool batch;
	json_t *body;                /* a batch's body (a reference); NULL for a single */
	uint64_t id;                 /* a single's entry */
	net_done_fn done;
	void *arg;
	bool answered;
};

struct fx {
	struct store *store;
	struct outbox *ob;
	struct call calls[MAX_CALLS];
	int ncalls;
	int delivered;
	char dir[64], file[128];
	unsigned char key[JOURNAL_KEY_BYTES];
};

static struct call *new_call(struct fx *fx, net_done_fn done, void *arg)
{
	for (int i = 0; i < fx->ncalls; i++)
		assert_true(fx->calls[i].answered); /* one request in flight at a time */
	assert_true(fx->ncalls < MAX_CALLS);
	struct call *c = &fx->calls[fx->ncalls++];
	memset(c, 0, sizeof(*c));
	c->done = done;
	c->arg = arg;
	return c;
}

static int fake_send(void *arg, const struct outbox_entry *e, net_done_fn done, void *done_arg)
{
	new_call(arg, done, done_arg)->id = e->id;
	return 0;
}

static int fake_send_batch(void *arg, const json_t *body, net_done_fn done, void *done_arg)
{
	struct call *c = new_call(arg, done, done_arg);
	c->batch = true;
	c->body = json_deep_copy(body);
	return 0;
}

static void delivered(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	(void)e;
	(void)res;
	((struct fx *)ctx)->delivered++;
}

static const struct outbox_kind KINDS[] = {
	{ "case.note", delivered, true, false },
	{ "case.patch", delivered, false, false },
};

static void new_outbox(struct fx *fx, bool batches)
{
	const struct outbox_io io = { fake_send, fx, KINDS, 2, fx, fx->store, NULL, NULL,
				      batches ? fake_send_batch : NULL };
	fx->ob = outbox_new(&io);
	assert_non_null(fx->ob);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	assert_int_equal(tmpdir_make(fx->dir, sizeof(fx->dir), "outbox-batch"), 0);
	snprintf(fx->file, sizeof(fx->file), "%s/outbox.journal", fx->dir);
	outbox_new_key((char *)fx->key); /* any 32 bytes */
	fx->store = store_new();
	assert_non_null(fx->store);
	new_outbox(fx, true);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	for (int i = 0; i < fx->ncalls; i++) {
		if (!fx->calls[i].answered) { /* its context is freed with the outbox */
			const struct net_result res = { 0, NULL, NULL, NULL, "cancelled" };
			fx->calls[i].answered = true;
			fx->calls[i].done(fx->calls[i].arg, &res);
		}
		json_decref(fx->calls[i].body);
	}
	outbox_free(fx->ob);
	store_free(fx->store);
	assert_int_equal(tmpdir_remove(fx->dir), 0);
	free(fx);
	return 0;
}

static uint64_t note(struct fx *fx, int64_t case_id, const char *text, struct job *j)
{
	char path[64];
	json_t *body = json_pack("{ss}", "text", text);
	snprintf(path, sizeof(path), "/api/v1/cases/%lld/notes", (long long)case_id);
	uint64_t id = outbox_add(fx->ob, "case.note", "POST", path, body, 0, STORE_CASE, case_id,
				 "note", j);
	json_decref(body);
	assert_true(id > 0);
	return id;
}

/* Pump; the one new request is returned. */
static struct call *pumped(struct fx *fx)
{
	int before = fx->ncalls;
	outbox_pump(fx->ob, loop_now_ms() + 3600 * 1000); /* past any backoff */
	assert_int_equal(fx->ncalls, before + 1);
	return &fx->calls[before];
}

static size_t items(const struct call *c)
{
	return json_array_size(json_object_get(c->body, "requests"));
}

static json_t *item(const struct call *c, size_t i)
{
	return json_array_get(json_object_get(c->body, "requests"), i);
}

static const char *item_text(const struct call *c, size_t i, const char *name)
{
	return json_string_value(json_object_get(item(c, i), name));
}

/* Answer c with status (the body's reference taken). */
static void answer(struct call *c, int status, json_t *body)
{
	const struct net_result res = { status, body, NULL, NULL, status ? NULL : "timeout" };
	assert_false(c->answered);
	c->answered = true;
	c->done(c->arg, &res);
	json_decref(body);
}

static json_t *note_answer(int id, const char *text)
{
	return json_pack("{sIss}", "id", (json_int_t)id, "text", text);
}

static void test_a_run_goes_as_one_batch(void **state)
{
	struct fx *fx = *state;
	struct job *j[3];
	const char *texts[] = { "un", "deux « trois »", "quatre" };
	uint64_t ids[3];
	for (int i = 0; i < 3; i++) {
		j[i] = job_new(NULL);
		ids[i] = note(fx, 7, texts[i], j[i]);
	}
	struct call *c = pumped(fx);
	assert_true(c->batch);
	assert_int_equal(items(c), 3);
	for (size_t i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof(want), "{\"text\":\"%s\"}", texts[i]);
		assert_string_equal(item_text(c, i, "method"), "POST");
		assert_string_equal(item_text(c, i, "path"), "/api/v1/cases/7/notes");
		assert_string_equal(item_text(c, i, "idempotency_key"), outbox_find(fx->ob, ids[i])->key);
		assert_string_equal(item_text(c, i, "body"), want); /* the bytes, as a string */
		assert_int_equal(outbox_find(fx->ob, ids[i])->state, OUTBOX_SENDING);
	}
	assert_true(outbox_busy(fx->ob));
	json_t *list = json_array();
	for (int i = 0; i < 3; i++)
		json_array_append_new(list, json_pack("{siso}", "status", 201, "body",
						      note_answer(100 + i, texts[i])));
	answer(c, 200, json_pack("{so}", "responses", list));
	assert_int_equal(fx->delivered, 3);
	assert_null(outbox_first(fx->ob));
	assert_int_equal(store_pending(fx->store, STORE_CASE, 7), 0);
	for (int i = 0; i < 3; i++) {
		assert_true(j[i]->done);
		assert_int_equal(j[i]->why, JOB_OK);
		assert_int_equal(json_integer_value(json_object_get(j[i]->result, "id")), 100 + i);
		job_unref(j[i]);
	}
}

static void test_items_not_run_stay_queued(void **state)
{
	struct fx *fx = *state;
	uint64_t a = note(fx, 7, "un", NULL), b = note(fx, 7, "", NULL), c3 = note(fx, 7, "trois", NULL);
	struct call *c = pumped(fx);
	assert_int_equal(items(c), 3);
	/* the server ran two: the first is in, the second refused, the third not run */
	answer(c, 200, json_pack("{s[{siso}{sis{ssss}}]}", "responses", "status", 201, "body",
				 note_answer(1, "un"), "status", 422, "body", "title", "Refused",
				 "detail", "text: empty"));
	assert_null(outbox_find(fx->ob, a));
	assert_int_equal(outbox_find(fx->ob, b)->state, OUTBOX_REJECTED);
	assert_string_equal(outbox_find(fx->ob, b)->error, "text: empty");
	/* the third goes next, alone (nothing to batch it with); the batch
	 * that did not run it was not a try */
	const struct outbox_entry *e = outbox_find(fx->ob, c3);
	assert_int_equal(e->state, OUTBOX_SENDING);
	assert_int_equal(e->attempts, 1);
	c = &fx->calls[fx->ncalls - 1];
	assert_int_equal(fx->ncalls, 2);
	assert_false(c->batch);
	assert_int_equal(c->id, c3);
	answer(c, 201, note_answer(3, "trois"));
	assert_int_equal(fx->delivered, 2);
}

static void test_a_version_breaks_the_run(void **state)
{
	struct fx *fx = *state;
	note(fx, 7, "un", NULL);
	note(fx, 7, "deux", NULL);
	json_t *patch = json_pack("{ss}", "status", "closed");
	uint64_t p = outbox_add(fx->ob, "case.patch", "PATCH", "/api/v1/cases/7", patch, 4,
				STORE_CASE, 7, "status", NULL);
	json_decref(patch);
	note(fx, 7, "trois", NULL);
	struct call *c = pumped(fx);
	assert_int_equal(items(c), 2);
	answer(c, 200, json_pack("{s[{si}{si}]}", "responses", "status", 201, "status", 201));
	c = &fx->calls[fx->ncalls - 1];
	assert_false(c->batch); /* the patch, alone, with its version */
	assert_int_equal(c->id, p);
}

static void test_no_answer_queues_them_all(void **state)
{
	struct fx *fx = *state;
	struct job *j1 = job_new(NULL), *j2 = job_new(NULL);
	uint64_t a = note(fx, 7, "un", j1), b = note(fx, 7, "deux", j2);
	struct call *c = pumped(fx);
	answer(c, 0, NULL);
	assert_int_equal(outbox_find(fx->ob, a)->attempts, 1);
	assert_true(outbox_find(fx->ob, a)->next_try_ms > loop_now_ms());
	assert_int_equal(outbox_find(fx->ob, b)->attempts, 0);
	assert_int_equal(outbox_find(fx->ob, b)->state, OUTBOX_QUEUED);
	/* both are told they are saved and queued */
	assert_true(j1->done && j2->done);
	assert_true(json_is_true(json_object_get(j1->result, "queued")));
	assert_true(json_is_true(json_object_get(j2->result, "queued")));
	job_unref(j1);
	job_unref(j2);
	/* the next try is the same batch, the same keys */
	char key_a[40];
	snprintf(key_a, sizeof(key_a), "%s", item_text(c, 0, "idempotency_key"));
	c = pumped(fx);
	assert_true(c->batch);
	assert_string_equal(item_text(c, 0, "idempotency_key"), key_a);
}

static void test_a_server_without_batches(void **state)
{
	struct fx *fx = *state;
	uint64_t a = note(fx, 7, "un", NULL), b = note(fx, 7, "deux", NULL);
	struct call *c = pumped(fx);
	answer(c, 404, json_pack("{sssi}", "title", "Not found", "status", 404));
	/* not a try; and one at a time from now on */
	c = &fx->calls[fx->ncalls - 1];
	assert_false(c->batch);
	assert_int_equal(c->id, a);
	assert_int_equal(outbox_find(fx->ob, a)->attempts, 1);
	answer(c, 201, note_answer(1, "un"));
	c = &fx->calls[fx->ncalls - 1];
	assert_false(c->batch);
	assert_int_equal(c->id, b);
	answer(c, 201, note_answer(2, "deux"));
	assert_null(outbox_first(fx->ob));
	assert_int_equal(fx->delivered, 2);
}

/* Long notes: a batch stops at about 256 KiB of bodies (guichetd takes
 * 1 MiB by default), the rest go in the next one. */
static void test_a_batch_keeps_to_a_size(void **state)
{
	struct fx *fx = *state;
	char *text = malloc(60000 + 1);
	assert_non_null(text);
	memset(text, 'a', 60000);
	text[60000] = '\0';
	for (int i = 0; i < 6; i++)
		note(fx, 7, text, NULL);
	free(text);
	struct call *c = pumped(fx);
	size_t first = items(c);
	assert_true(first >= 2 && first < 6);
	json_t *list = json_array();
	for (size_t i = 0; i < first; i++)
		json_array_append_new(list, json_pack("{si}", "status", 201));
	answer(c, 200, json_pack("{so}", "responses", list));
	c = &fx->calls[fx->ncalls - 1];
	assert_int_equal(6 - first, c->batch ? items(c) : 1); /* the rest, next */
}

static void test_deliveries_written_down(void **state)
{
	struct fx *fx = *state;
	char err[256];
	assert_int_equal(outbox_persist(fx->ob, fx->file, fx->key, NULL, err, sizeof(err)), 0);
	for (int i = 0; i < 5; i++)
		note(fx, 7, "n", NULL);
	note(fx, 8, "reste", NULL); /* delivered later */
	struct call *c = pumped(fx);
	assert_int_equal(items(c), 6);
	answer(c, 200, json_pack("{s[{si}{si}{si}{si}{si}]}", "responses", "status", 201, "status",
				 201, "status", 201, "status", 201, "status", 201));
	/* the next start (the network gone first) brings back only the sixth */
	fx->calls[fx->ncalls - 1].answered = true;
	outbox_free(fx->ob);
	new_outbox(fx, true);
	assert_int_equal(outbox_persist(fx->ob, fx->file, fx->key, NULL, err, sizeof(err)), 1);
	assert_string_equal(outbox_first(fx->ob)->path, "/api/v1/cases/8/notes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_run_goes_as_one_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items_not_run_stay_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_version_breaks_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_answer_queues_them_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_server_without_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_batch_keeps_to_a_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deliveries_written_down, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
