/* Unit tests: who an event reaches (a chat's citizen, an agent, a
 * service, every agent, the supervisors; --case-events service), and the
 * index of waiting streams waking exactly those, even when audiences share
 * a hash chain and one stream waits in several. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "server/hub_audience.h"

static bool sees(const struct caller *c, const struct event_scope *e, bool by_service)
{
	audience a[AUDIENCES_CALLER], b[AUDIENCES_EVENT];
	int na = audiences_of_caller(c, a), nb = audiences_of_event(e, by_service, b);
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (a[i] == b[j])
				return true;
	return false;
}

static const struct caller citizen = { .role = ROLE_PUBLIC, .chat_id = 7 };
static const struct caller agent = { .role = ROLE_AGENT, .agent_id = 3, .nservices = 2,
				     .services = { 10, 11 } };
static const struct caller other = { .role = ROLE_AGENT, .agent_id = 4, .nservices = 1,
				     .services = { 12 } };
static const struct caller super = { .role = ROLE_SUPERVISOR, .agent_id = 9 };

static void test_who_sees_what(void **state)
{
	(void)state;
	struct event_scope note = { .service_id = 10, .agent_id = 4, .staff = true };
	assert_true(sees(&agent, &note, false));
	assert_true(sees(&other, &note, false)); /* every agent, by default */
	assert_false(sees(&citizen, &note, false));
	assert_true(sees(&agent, &note, true));  /* its service */
	assert_true(sees(&other, &note, true));  /* its assignee */
	assert_true(sees(&super, &note, true));
	struct event_scope elsewhere = { .service_id = 13, .staff = true };
	assert_false(sees(&agent, &elsewhere, true));
	assert_true(sees(&super, &elsewhere, true));
	struct event_scope broadcast = { .staff = true }; /* names nobody: every agent */
	assert_true(sees(&other, &broadcast, true));
	assert_false(sees(&citizen, &broadcast, true));
	struct event_scope chat = { .chat_id = 7, .service_id = 11, .is_public = true };
	assert_true(sees(&citizen, &chat, true));
	assert_true(sees(&agent, &chat, true));
	assert_false(sees(&other, &chat, true));
	struct event_scope their_chat = { .chat_id = 8, .is_public = true };
	assert_false(sees(&citizen, &their_chat, false));
	struct event_scope internal = { .chat_id = 7, .service_id = 11 }; /* not public */
	assert_false(sees(&citizen, &internal, false));
}

struct owner {
	int woken;
	struct wait_index *ix;
	struct waiter w[AUDIENCES_CALLER];
	int n;
};

static void wake(void *p, void *arg)
{
	(void)arg;
	struct owner *o = p;
	o->woken++;
	wait_leave(o->ix, o->w, o->n);
}

static void join(struct wait_index *ix, struct owner *o, const struct caller *c)
{
	audience a[AUDIENCES_CALLER];
	o->ix = ix;
	o->woken = 0;
	o->n = audiences_of_caller(c, a);
	for (int i = 0; i < o->n; i++)
		o->w[i] = (struct waiter){ .key = a[i], .owner = o };
	wait_join(ix, o->w, o->n);
}

static void wake_for(struct wait_index *ix, const struct event_scope *e)
{
	audience b[AUDIENCES_EVENT];
	int nb = audiences_of_event(e, true, b);
	for (int i = 0; i < nb; i++)
		wait_wake(ix, b[i], wake, NULL);
}

static void test_index_wakes_the_readers_once(void **state)
{
	(void)state;
	struct wait_index *ix = calloc(1, sizeof(*ix));
	assert_non_null(ix);
	struct owner a, o, s, c;
	join(ix, &a, &agent);
	join(ix, &o, &other);
	join(ix, &s, &super);
	join(ix, &c, &citizen);
	/* the agent is in service 10 and 11 and named: woken once, and gone */
	struct event_scope e = { .service_id = 11, .agent_id = 3, .staff = true };
	wake_for(ix, &e);
	assert_int_equal(a.woken, 1);
	assert_int_equal(s.woken, 1);
	assert_int_equal(o.woken, 0);
	assert_int_equal(c.woken, 0);
	wake_for(ix, &e); /* those woken wait no more */
	assert_int_equal(a.woken, 1);
	struct event_scope chat = { .chat_id = 7, .is_public = true };
	wake_for(ix, &chat);
	assert_int_equal(c.woken, 1);
	assert_int_equal(o.woken, 0);
	wait_leave(ix, o.w, o.n);
	free(ix);
}

/* Many services, so that several share a chain: each event wakes the
 * streams of its service only, whatever else its chain holds. */
static void test_index_shared_chains(void **state)
{
	(void)state;
	enum { N = 3 * WAIT_CHAINS };
	struct wait_index *ix = calloc(1, sizeof(*ix));
	struct owner *o = calloc(N, sizeof(*o));
	assert_non_null(ix);
	assert_non_null(o);
	for (int i = 0; i < N; i++) {
		struct caller c = { .role = ROLE_AGENT, .agent_id = 100000 + i, .nservices = 2,
				    .services = { i, i + 1 } };
		join(ix, &o[i], &c);
	}
	struct event_scope e = { .service_id = 500, .staff = true };
	wake_for(ix, &e);
	for (int i = 0; i < N; i++)
		assert_int_equal(o[i].woken, i == 499 || i == 500);
	for (int i = 0; i < N; i++)
		if (!o[i].woken)
			wait_leave(ix, o[i].w, o[i].n);
	for (int i = 0; i < WAIT_CHAINS; i++)
		assert_null(ix->chain[i]);
	assert_null(ix->staff);
	free(o);
	free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_who_sees_what),
		cmocka_unit_test(test_index_wakes_the_readers_once),
		cmocka_unit_test(test_index_shared_chains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
