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

static int setup(void **state)
{
	struct desk *d = desk_new();
	if (!d)
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
	store_pending_add(d->store, STORE_CASE, CASE, 1); /* my status change, sent */
	event(d, 2);                                       /* its event comes first */
	assert_false(d->kase_stale);
	put_case(d, 2);                                    /* then its answer */
	sync_case_answered(d, CASE);
	store_pending_add(d->store, STORE_CASE, CASE, -1);
	assert_false(d->kase_stale);
	event(d, 2);                                       /* the same event again: nothing */
	assert_false(d->kase_stale);
}

static void test_other_change_meanwhile_is_caught(void **state)
{
	struct desk *d = *state;
	store_pending_add(d->store, STORE_CASE, CASE, 1);
	event(d, 2); /* mine */
	event(d, 3); /* someone else's, after mine */
	assert_false(d->kase_stale);
	put_case(d, 2);
	sync_case_answered(d, CASE);
	assert_true(d->kase_stale);
}

static void test_two_changes_of_mine(void **state)
{
	struct desk *d = *state;
	store_pending_add(d->store, STORE_CASE, CASE, 2); /* a note and a status change */
	event(d, 2);
	event(d, 3);
	put_case(d, 2);
	sync_case_answered(d, CASE); /* the first answer: the second is still on its way */
	store_pending_add(d->store, STORE_CASE, CASE, -1);
	assert_false(d->kase_stale);
	put_case(d, 3);
	sync_case_answered(d, CASE);
	store_pending_add(d->store, STORE_CASE, CASE, -1);
	assert_false(d->kase_stale);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_elsewhere_marks_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_my_own_change_is_not_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_change_meanwhile_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_changes_of_mine, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
