/* Unit tests of what the event stream does to the open case: a change
 * made elsewhere marks it "changed elsewhere" at once; the event of my
 * own change, which often arrives before my request's answer, does not;
 * and a change by someone else that slips in while mine is on its way is
 * still caught when my answer comes.  The desk has no network here: the
 * events and answers are fed by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "client/desk.h"
#include "client/outbox.h"
#include "client/store.h"
#include "client/sync.h"
#include "client/sync_impl.h"

#define CASE 7

static void put_case(struct desk *d, int version)
{
	store_put(d->store, STORE_CASE, json_pack("{s:i, s:s, s:i, s:s}", "id", CASE, "ref",
						   "2026-000007", "version", version, "status", "open"));
}

static void event(struct desk *d, int version)
{
	char data[128];
	int n = snprintf(data, sizeof(data), "{\"id\":%d,\"ref\":\"2026-000007\",\"version\":%d}",
			 CASE, version);
	sync_event(d, "case.updated", data, (size_t)n);
}

/* The network is away: a change of mine stays queued (in progress). */
static int no_send(void *arg, const struct outbox_entry *e, net_done_fn done, void *done_arg)
{
	(void)arg, (void)e, (void)done, (void)done_arg;
	return -1;
}

static const struct outbox_kind KINDS[] = { { "case.patch", NULL, false, false } };

/* A change of mine to the case, on its way. */
static uint64_t mine(struct desk *d)
{
	json_t *body = json_pack("{ss}", "status", "closed");
	uint64_t id = outbox_add(d->outbox, "case.patch", "PATCH", "/api/v1/cases/7", body, 1,
				 STORE_CASE, CASE, "statut", NULL);
	json_decref(body);
	assert_true(id > 0);
	return id;
}

/* Its answer: the case at version, then the entry gone. */
static void answered(struct desk *d, uint64_t id, int version)
{
	char err[128];
	put_case(d, version);
	sync_case_answered(d, outbox_find(d->outbox, id));
	assert_int_equal(outbox_drop(d->outbox, id, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	struct desk *d = desk_new();
	const struct outbox_io io = { no_send, NULL, KINDS, 1, d, NULL, NULL, NULL, NULL };
	if (!d || !(d->outbox = outbox_new(&io)))
		return -1;
	put_case(d, 1);
	d->case_id = CASE;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	desk_free(*state);
	return 0;
}

static void test_elsewhere_marks_at_once(void **state)
{
	struct desk *d = *state;
	event(d, 2);
	assert_true(d->kase_stale);
	assert_non_null(strstr(d->message, "2026-000007"));
}

static void test_my_own_change_is_not_elsewhere(void **state)
{
	struct desk *d = *state;
	uint64_t m = mine(d);                              /* my status change, sent */
	event(d, 2);                                       /* its event comes first */
	assert_false(d->kase_stale);
	answered(d, m, 2);                                 /* then its answer */
	assert_false(d->kase_stale);
	event(d, 2);                                       /* the same event again: nothing */
	assert_false(d->kase_stale);
}

static void test_other_change_meanwhile_is_caught(void **state)
{
	struct desk *d = *state;
	uint64_t m = mine(d);
	event(d, 2); /* mine */
	event(d, 3); /* someone else's, after mine */
	assert_false(d->kase_stale);
	answered(d, m, 2);
	assert_true(d->kase_stale);
}

static void test_two_changes_of_mine(void **state)
{
	struct desk *d = *state;
	uint64_t m1 = mine(d), m2 = mine(d); /* two changes of mine */
	event(d, 2);
	event(d, 3);
	answered(d, m1, 2); /* the first answer: the second is still on its way */
	assert_false(d->kase_stale);
	answered(d, m2, 3);
	assert_false(d->kase_stale);
}

/* A change of mine parked (refused, or a conflict) is not on its way: a
 * change made elsewhere meanwhile is said at once. */
static void test_parked_change_hides_nothing(void **state)
{
	struct desk *d = *state;
	uint64_t m = mine(d);
	char err[128];
	assert_int_equal(outbox_drop(d->outbox, m, err, sizeof(err)), 0);
	event(d, 2);
	assert_true(d->kase_stale);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elsewhere_marks_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_my_own_change_is_not_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_change_meanwhile_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_changes_of_mine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parked_change_hides_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
