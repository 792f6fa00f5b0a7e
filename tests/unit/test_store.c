/* Unit tests of the client store (src/client/store.c): records by type and
 * id, an older version never replacing a newer one, records without an id
 * refused, pending counts that never go below zero; lists by query
 * (LOADING, LOADED with a next cursor, a page appended only when it is the
 * one the list waits for, a failure that keeps the items), the eviction of
 * the list read least recently past STORE_LISTS_MAX, and the generation
 * counter that goes up with every change. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "client/store.h"

static int setup(void **state)
{
	*state = store_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	store_free(*state);
	return 0;
}

/* A record {"id": id, "version": v, "ref": ref}. */
static json_t *rec(int64_t id, int64_t v, const char *ref)
{
	return json_pack("{sIsIss}", "id", (json_int_t)id, "version", (json_int_t)v, "ref", ref);
}

static const char *ref_of(const json_t *r)
{
	return json_string_value(json_object_get(r, "ref"));
}

/* --- types -------------------------------------------------------------------- */

static void test_type_names(void **state)
{
	(void)state;
	static const char *const names[] = { "citizen", "case", "interaction",
					     "chat",    "template", "mark" };
	assert_int_equal(STORE_TYPE_COUNT, 6);
	for (int i = 0; i < STORE_TYPE_COUNT; i++) {
		assert_string_equal(STORE_TYPE_NAMES[i], names[i]);
		assert_int_equal(store_type_find(names[i]), i);
	}
	assert_int_equal(store_type_find("case"), STORE_CASE);
	assert_int_equal(store_type_find("mark"), STORE_MARK);
	assert_int_equal(store_type_find("Case"), -1);
	assert_int_equal(store_type_find("cases"), -1);
	assert_int_equal(store_type_find(""), -1);
	assert_int_equal(store_type_find("nope"), -1);
}

/* --- records ------------------------------------------------------------------ */

static void test_put_get(void **state)
{
	struct store *s = *state;
	assert_null(store_get(s, STORE_CASE, 7));
	assert_int_equal(store_version(s, STORE_CASE, 7), 0);

	assert_int_equal(store_put(s, STORE_CASE, rec(7, 3, "2026-000007")), 1);
	assert_int_equal(store_put(s, STORE_CITIZEN, rec(7, 1, "Dupont")), 1);
	assert_int_equal(store_put(s, STORE_CASE, rec(8, 1, "2026-000008")), 1);

	const json_t *k = store_get(s, STORE_CASE, 7);
	assert_non_null(k);
	assert_string_equal(ref_of(k), "2026-000007");
	assert_int_equal(store_version(s, STORE_CASE, 7), 3);
	/* the same id under another type is another record */
	assert_string_equal(ref_of(store_get(s, STORE_CITIZEN, 7)), "Dupont");
	assert_int_equal(store_version(s, STORE_CITIZEN, 7), 1);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 8)), "2026-000008");
	assert_null(store_get(s, STORE_CHAT, 7));
	assert_null(store_get(s, STORE_CASE, 9));
	assert_null(store_get(s, STORE_CASE, 0));
	assert_null(store_get(s, STORE_CASE, -7));
	assert_null(store_get(s, STORE_TYPE_COUNT, 7));

	/* forget one; the others stay */
	store_drop(s, STORE_CASE, 7);
	assert_null(store_get(s, STORE_CASE, 7));
	assert_int_equal(store_version(s, STORE_CASE, 7), 0);
	assert_non_null(store_get(s, STORE_CITIZEN, 7));
	assert_non_null(store_get(s, STORE_CASE, 8));
	store_drop(s, STORE_CASE, 7); /* already gone: nothing happens */
	assert_non_null(store_get(s, STORE_CASE, 8));
}

static void test_older_version_refused(void **state)
{
	struct store *s = *state;
	assert_int_equal(store_put(s, STORE_CASE, rec(7, 3, "v3")), 1);
	/* an answer overtaken by an event: refused, the newer one kept */
	assert_int_equal(store_put(s, STORE_CASE, rec(7, 2, "v2")), 0);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 7)), "v3");
	assert_int_equal(store_version(s, STORE_CASE, 7), 3);
	assert_int_equal(store_put(s, STORE_CASE, rec(7, 1, "v1")), 0);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 7)), "v3");
	/* the same version is stored again (a fuller view of it) */
	assert_int_equal(store_put(s, STORE_CASE, rec(7, 3, "v3 again")), 1);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 7)), "v3 again");
	/* a newer one replaces it */
	assert_int_equal(store_put(s, STORE_CASE, rec(7, 4, "v4")), 1);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 7)), "v4");
	assert_int_equal(store_version(s, STORE_CASE, 7), 4);
	/* the version of a type is not compared with another type's */
	assert_int_equal(store_put(s, STORE_CITIZEN, rec(7, 1, "citizen v1")), 1);
	assert_int_equal(store_version(s, STORE_CASE, 7), 4);

	/* a record changed in place and put back (the same reference) is kept */
	json_t *held = store_get(s, STORE_CASE, 7);
	json_object_set_new(held, "ref", json_string("edited"));
	assert_int_equal(store_put(s, STORE_CASE, json_incref(held)), 1);
	assert_string_equal(ref_of(store_get(s, STORE_CASE, 7)), "edited");
}

static void test_put_without_id_refused(void **state)
{
	struct store *s = *state;
	unsigned g = store_generation(s);
	/* every refused record is released (valgrind sees a leak otherwise) */
	assert_int_equal(store_put(s, STORE_CASE, json_pack("{sI}", "version", (json_int_t)1)), -1);
	assert_int_equal(store_put(s, STORE_CASE, rec(0, 1, "zero")), -1);
	assert_int_equal(store_put(s, STORE_CASE, rec(-3, 1, "negative")), -1);
	assert_int_equal(store_put(s, STORE_CASE, json_pack("{ss}", "id", "5")), -1);
	assert_int_equal(store_put(s, STORE_CASE, json_pack("[i]", 5)), -1);
	assert_int_equal(store_put(s, STORE_CASE, NULL), -1);
	assert_int_equal(store_put(s, STORE_TYPE_COUNT, rec(5, 1, "bad type")), -1);
	assert_null(store_get(s, STORE_CASE, 5));
	assert_null(store_get(s, STORE_CASE, 0));
	assert_int_equal(store_generation(s), g);
}

static void test_pending(void **state)
{
	struct store *s = *state;
	assert_false(store_pending(s, STORE_CASE, 7));
	store_pending_add(s, STORE_CASE, 7, 1);
	assert_true(store_pending(s, STORE_CASE, 7));
	assert_false(store_pending(s, STORE_CITIZEN, 7)); /* per type */
	assert_false(store_pending(s, STORE_CASE, 8));
	store_pending_add(s, STORE_CASE, 7, 1);
	store_pending_add(s, STORE_CASE, 7, -1);
	assert_true(store_pending(s, STORE_CASE, 7)); /* one still waits */
	store_pending_add(s, STORE_CASE, 7, -1);
	assert_false(store_pending(s, STORE_CASE, 7));
	/* never below 0: extra decrements do not make a debt */
	store_pending_add(s, STORE_CASE, 7, -1);
	store_pending_add(s, STORE_CASE, 7, -5);
	assert_false(store_pending(s, STORE_CASE, 7));
	store_pending_add(s, STORE_CASE, 7, 1);
	assert_true(store_pending(s, STORE_CASE, 7));
	store_pending_add(s, STORE_CASE, 7, -1);
	assert_false(store_pending(s, STORE_CASE, 7));
	/* a delta of several at once */
	store_pending_add(s, STORE_CHAT, 3, 3);
	store_pending_add(s, STORE_CHAT, 3, -2);
	assert_true(store_pending(s, STORE_CHAT, 3));
	store_pending_add(s, STORE_CHAT, 3, -1);
	assert_false(store_pending(s, STORE_CHAT, 3));
	/* no record: nothing is pending */
	store_pending_add(s, STORE_CASE, 0, 1);
	assert_false(store_pending(s, STORE_CASE, 0));
	store_pending_add(s, STORE_TYPE_COUNT, 7, 1);
	assert_false(store_pending(s, STORE_TYPE_COUNT, 7));
	/* pending is independent of whether the record itself is held */
	assert_int_equal(store_put(s, STORE_CASE, rec(9, 1, "nine")), 1);
	store_pending_add(s, STORE_CASE, 9, 1);
	store_drop(s, STORE_CASE, 9);
	assert_true(store_pending(s, STORE_CASE, 9));
}

/* --- lists -------------------------------------------------------------------- */

static void test_list_open_set(void **state)
{
	struct store *s = *state;
	assert_null(store_list(s, "mine"));
	struct store_list *l = store_list_open(s, "mine");
	assert_non_null(l);
	assert_string_equal(l->query, "mine");
	assert_int_equal(l->state, LIST_LOADING);
	assert_non_null(l->items);
	assert_true(json_is_array(l->items));
	assert_int_equal(json_array_size(l->items), 0);
	assert_string_equal(l->next, "");
	assert_false(l->more);
	assert_ptr_equal(store_list(s, "mine"), l);
	assert_null(store_list(s, "offers"));

	assert_int_equal(store_list_set(s, "mine", json_pack("[ii]", 1, 2), "c2"), 0);
	l = store_list(s, "mine");
	assert_non_null(l);
	assert_int_equal(l->state, LIST_LOADED);
	assert_int_equal(json_array_size(l->items), 2);
	assert_int_equal(json_integer_value(json_array_get(l->items, 1)), 2);
	assert_string_equal(l->next, "c2");
	assert_string_equal(l->error, "");

	/* opening a list already there keeps what it holds */
	l = store_list_open(s, "mine");
	assert_int_equal(l->state, LIST_LOADED);
	assert_int_equal(json_array_size(l->items), 2);
	assert_string_equal(l->next, "c2");

	/* set again: replaced; no cursor (NULL or "") means complete */
	assert_int_equal(store_list_set(s, "mine", json_pack("[i]", 9), NULL), 0);
	l = store_list(s, "mine");
	assert_int_equal(json_array_size(l->items), 1);
	assert_int_equal(json_integer_value(json_array_get(l->items, 0)), 9);
	assert_string_equal(l->next, "");
	assert_int_equal(store_list_set(s, "mine", json_pack("[i]", 8), "x"), 0);
	assert_int_equal(store_list_set(s, "mine", json_pack("[i]", 8), ""), 0);
	assert_string_equal(store_list(s, "mine")->next, "");

	/* a cursor too long to keep: taken as complete, not cut short */
	char longcur[300];
	memset(longcur, 'c', sizeof(longcur) - 1);
	longcur[sizeof(longcur) - 1] = '\0';
	assert_int_equal(store_list_set(s, "mine", json_pack("[i]", 8), longcur), 0);
	assert_string_equal(store_list(s, "mine")->next, "");

	/* items that are not an array: refused (and released), the list as it was */
	assert_int_equal(store_list_set(s, "mine", json_pack("{si}", "a", 1), "zz"), -1);
	assert_int_equal(store_list_set(s, "mine", NULL, "zz"), -1);
	l = store_list(s, "mine");
	assert_int_equal(l->state, LIST_LOADED);
	assert_int_equal(json_array_size(l->items), 1);
	assert_string_equal(l->next, "");

	/* set on a query never opened makes it, LOADED */
	assert_int_equal(store_list_set(s, "offers", json_pack("[]"), NULL), 0);
	assert_non_null(store_list(s, "offers"));
	assert_int_equal(store_list(s, "offers")->state, LIST_LOADED);

	/* a query of 255 bytes fits, 256 does not */
	char q[257];
	memset(q, 'q', 255);
	q[255] = '\0';
	assert_non_null(store_list_open(s, q));
	assert_string_equal(store_list(s, q)->query, q);
	memset(q, 'r', 256);
	q[256] = '\0';
	assert_null(store_list_open(s, q));
	assert_null(store_list(s, q));
	assert_int_equal(store_list_set(s, q, json_pack("[i]", 1), NULL), -1);

	/* drop: gone, opened again empty and LOADING */
	store_list_drop(s, "mine");
	assert_null(store_list(s, "mine"));
	l = store_list_open(s, "mine");
	assert_int_equal(l->state, LIST_LOADING);
	assert_int_equal(json_array_size(l->items), 0);
}

static void test_list_append(void **state)
{
	struct store *s = *state;
	assert_int_equal(store_list_set(s, "timeline:12", json_pack("[ii]", 1, 2), "c2"), 0);
	struct store_list *l = store_list(s, "timeline:12");
	/* a page nobody asked for is dropped */
	assert_int_equal(store_list_append(s, "timeline:12", "c2", json_pack("[i]", 3), "c3"), 0);
	assert_int_equal(json_array_size(l->items), 2);
	assert_string_equal(l->next, "c2");

	l->more = true; /* the page after c2 is asked for */
	/* the answer to another cursor (a stale page) is dropped */
	assert_int_equal(store_list_append(s, "timeline:12", "c1", json_pack("[i]", 99), "c9"), 0);
	assert_int_equal(store_list_append(s, "timeline:12", NULL, json_pack("[i]", 99), "c9"), 0);
	assert_int_equal(store_list_append(s, "timeline:12", "", json_pack("[i]", 99), "c9"), 0);
	assert_int_equal(json_array_size(l->items), 2);
	assert_string_equal(l->next, "c2");
	assert_true(l->more);
	/* not an array: dropped */
	assert_int_equal(store_list_append(s, "timeline:12", "c2", json_pack("{}"), "c9"), 0);
	assert_int_equal(json_array_size(l->items), 2);

	/* the page it waits for is appended, in order */
	assert_int_equal(store_list_append(s, "timeline:12", "c2", json_pack("[ii]", 3, 4), "c3"),
			 1);
	assert_int_equal(json_array_size(l->items), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(json_integer_value(json_array_get(l->items, (size_t)i)), i + 1);
	assert_string_equal(l->next, "c3");
	assert_false(l->more);
	assert_int_equal(l->state, LIST_LOADED);

	/* the same page a second time: no longer awaited */
	l->more = true;
	assert_int_equal(store_list_append(s, "timeline:12", "c2", json_pack("[ii]", 3, 4), "c3"),
			 0);
	assert_int_equal(json_array_size(l->items), 4);

	/* the last page: no cursor after it */
	assert_int_equal(store_list_append(s, "timeline:12", "c3", json_pack("[i]", 5), NULL), 1);
	assert_int_equal(json_array_size(l->items), 5);
	assert_string_equal(l->next, "");

	/* the list was read again since the page was asked for: dropped */
	l->more = true;
	assert_int_equal(store_list_set(s, "timeline:12", json_pack("[i]", 1), "n2"), 0);
	l = store_list(s, "timeline:12");
	assert_false(l->more);
	assert_int_equal(store_list_append(s, "timeline:12", "", json_pack("[i]", 6), NULL), 0);
	assert_int_equal(json_array_size(l->items), 1);

	/* no such list */
	assert_int_equal(store_list_append(s, "nope", "c2", json_pack("[i]", 1), NULL), 0);
	assert_null(store_list(s, "nope"));
}

static void test_list_fail(void **state)
{
	struct store *s = *state;
	assert_int_equal(store_list_set(s, "search:Dupont", json_pack("[ii]", 1, 2), "c2"), 0);
	struct store_list *l = store_list(s, "search:Dupont");
	l->more = true;
	store_list_fail(s, "search:Dupont", "pas de réponse du serveur");
	l = store_list(s, "search:Dupont");
	assert_int_equal(l->state, LIST_FAILED);
	assert_string_equal(l->error, "pas de réponse du serveur");
	assert_int_equal(json_array_size(l->items), 2); /* what it had stays */
	assert_false(l->more);
	/* a fail with no reason */
	store_list_fail(s, "search:Dupont", NULL);
	assert_int_equal(l->state, LIST_FAILED);
	assert_string_equal(l->error, "");
	/* loaded again: the error is gone */
	store_list_fail(s, "search:Dupont", "boom");
	assert_int_equal(store_list_set(s, "search:Dupont", json_pack("[i]", 3), NULL), 0);
	l = store_list(s, "search:Dupont");
	assert_int_equal(l->state, LIST_LOADED);
	assert_string_equal(l->error, "");
	assert_int_equal(json_array_size(l->items), 1);
	/* a failure of a list that is not there makes none */
	store_list_fail(s, "nope", "boom");
	assert_null(store_list(s, "nope"));
	/* a LOADING list that fails keeps its (empty) items */
	store_list_open(s, "offers");
	store_list_fail(s, "offers", "boom");
	assert_int_equal(store_list(s, "offers")->state, LIST_FAILED);
	assert_non_null(store_list(s, "offers")->items);
	assert_int_equal(json_array_size(store_list(s, "offers")->items), 0);
}

static void test_list_eviction(void **state)
{
	struct store *s = *state;
	char q[32];
	for (int i = 0; i < STORE_LISTS_MAX; i++) {
		snprintf(q, sizeof(q), "q%d", i);
		assert_int_equal(store_list_set(s, q, json_pack("[i]", i), NULL), 0);
	}
	/* all of them are kept */
	for (int i = 0; i < STORE_LISTS_MAX; i++) {
		snprintf(q, sizeof(q), "q%d", i);
		assert_non_null(store_list(s, q));
	}
	/* read in order q0..q63 above: q0 is now the least recently read;
	 * read it again so that q1 is */
	assert_non_null(store_list(s, "q0"));
	assert_non_null(store_list_open(s, "extra1"));
	assert_null(store_list(s, "q1"));                /* evicted */
	assert_non_null(store_list(s, "q0"));            /* read recently: kept */
	assert_non_null(store_list(s, "extra1"));
	assert_int_equal(store_list(s, "extra1")->state, LIST_LOADING);
	/* the next one out is q2, then q3 */
	assert_non_null(store_list_open(s, "extra2"));
	assert_null(store_list(s, "q2"));
	assert_non_null(store_list(s, "q3"));            /* read now: q4 goes next */
	assert_non_null(store_list_open(s, "extra3"));
	assert_null(store_list(s, "q4"));
	assert_non_null(store_list(s, "q3"));
	/* still STORE_LISTS_MAX lists, each with its own items */
	int kept = 0;
	for (int i = 0; i < STORE_LISTS_MAX; i++) {
		snprintf(q, sizeof(q), "q%d", i);
		struct store_list *l = store_list(s, q);
		if (l) {
			kept++;
			assert_int_equal(json_integer_value(json_array_get(l->items, 0)), i);
		}
	}
	assert_int_equal(kept, STORE_LISTS_MAX - 3);
	assert_non_null(store_list(s, "extra1"));
	assert_non_null(store_list(s, "extra2"));
	assert_non_null(store_list(s, "extra3"));
	/* a dropped list leaves a free place: nothing else is evicted */
	store_list_drop(s, "q10");
	assert_non_null(store_list_open(s, "extra4"));
	for (int i = 0; i < STORE_LISTS_MAX; i++) {
		if (i == 1 || i == 2 || i == 4 || i == 10)
			continue;
		snprintf(q, sizeof(q), "q%d", i);
		assert_non_null(store_list(s, q));
	}
}

static void test_generation(void **state)
{
	struct store *s = *state;
	unsigned g = store_generation(s);
#define CHANGED()                                       \
	do {                                            \
		assert_true(store_generation(s) > g);   \
		g = store_generation(s);                \
	} while (0)
	store_put(s, STORE_CASE, rec(7, 1, "a"));
	CHANGED();
	store_put(s, STORE_CASE, rec(7, 2, "b"));
	CHANGED();
	store_pending_add(s, STORE_CASE, 7, 1);
	CHANGED();
	store_pending_add(s, STORE_CASE, 7, -1);
	CHANGED();
	store_drop(s, STORE_CASE, 7);
	CHANGED();
	store_list_open(s, "mine");
	CHANGED();
	store_list_set(s, "mine", json_pack("[i]", 1), "c2");
	CHANGED();
	store_list(s, "mine")->more = true;
	assert_int_equal(store_list_append(s, "mine", "c2", json_pack("[i]", 2), NULL), 1);
	CHANGED();
	store_list_fail(s, "mine", "boom");
	CHANGED();
	store_touch(s);
	CHANGED();
	store_list_drop(s, "mine");
	CHANGED();
	/* reading changes nothing */
	(void)store_get(s, STORE_CASE, 7);
	(void)store_pending(s, STORE_CASE, 7);
	(void)store_list(s, "offers");
	assert_int_equal(store_generation(s), g);
#undef CHANGED
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_without_id_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_open_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
