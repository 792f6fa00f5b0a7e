/* Unit tests: the wallboard's alerts (thresholds crossed, not crossed,
 * turned off), its rows (sections in order, staffing beside each queue),
 * and the staffing of a queue against the Erlang C reference values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "client/monitor.h"
#include "core/json_get.h"

static const struct monitor_limits LIM = { 120, 80, 5, 20, 80 };

static json_t *snapshot(void)
{
	json_error_t e;
	json_t *s = json_loads(
		"{\"today\":{\"chats\":3},"
		" \"queue_stats\":["
		"  {\"service\":\"etat-civil\",\"channel\":\"chat\",\"waiting\":7,\"longest_wait_s\":250,"
		"   \"offered\":100,\"answered\":80,\"abandoned\":20,\"service_level\":0.6,"
		"   \"aht_s\":180,\"arrivals_per_30min\":100},"
		"  {\"service\":\"voirie\",\"channel\":\"phone\",\"waiting\":0,\"longest_wait_s\":null,"
		"   \"offered\":2,\"answered\":2,\"abandoned\":0,\"service_level\":null,"
		"   \"aht_s\":null,\"arrivals_per_30min\":1}],"
		" \"agents\":[{\"login\":\"alice\",\"presence\":\"available\"}],"
		" \"commitments\":{\"services\":[{\"service\":\"voirie\",\"overdue\":1,\"due_soon\":0}],"
		"   \"cases\":[{\"ref\":\"2026-000001\",\"overdue\":true}]},"
		" \"satisfaction\":[{\"service\":\"voirie\",\"csat_30d\":3.5}],"
		" \"latest_comments\":[{\"service\":\"voirie\",\"csat\":2,\"comment\":\"long\"}]}",
		0, &e);
	assert_non_null(s);
	return s;
}

static bool has_key(const json_t *alerts, const char *key)
{
	size_t i;
	const json_t *a;
	json_array_foreach(alerts, i, a) if (strcmp(jtext(a, "key"), key) == 0) return true;
	return false;
}

static void test_alerts(void **state)
{
	(void)state;
	json_t *s = snapshot();
	json_t *a = monitor_alerts(s, &LIM);
	assert_int_equal(json_array_size(a), 3);
	assert_true(has_key(a, "wait:etat-civil:chat"));
	assert_true(has_key(a, "sl:etat-civil:chat"));
	assert_true(has_key(a, "queue:etat-civil:chat"));
	assert_non_null(strstr(jtext(json_array_get(a, 0), "text"), "etat-civil/chat"));
	json_decref(a);
	/* thresholds at 0 raise nothing; a null service level never alerts */
	struct monitor_limits off = { 0, 0, 0, 20, 80 };
	a = monitor_alerts(s, &off);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	json_decref(s);
}

static const char *kind_at(const json_t *rows, size_t i) { return jtext(json_array_get(rows, i), "kind"); }

static void test_rows(void **state)
{
	(void)state;
	json_t *s = snapshot(), *a = monitor_alerts(s, &LIM), *rows = monitor_rows(s, a, &LIM);
	const char *want[] = { "alert", "head", "queue", "queue", "head", "agent",
			       "head", "service", "head", "case", "head", "comment" };
	assert_int_equal(json_array_size(rows), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(kind_at(rows, i), want[i]);
	/* the service row carries its satisfaction beside its commitments */
	const json_t *svc = json_array_get(rows, 7);
	assert_true(fabs(json_number_value(json_object_get(svc, "csat_30d")) - 3.5) < 1e-9);
	assert_int_equal(jint(svc, "overdue"), 1);
	/* 100 chats per 30 min of 180 s, 80 % in 20 s: 14 agents */
	const json_t *st = json_object_get(json_array_get(rows, 2), "staffing");
	assert_int_equal(jint(st, "agents_needed"), 14);
	/* no handle time yet: no staffing rather than a made-up one */
	assert_null(json_object_get(json_array_get(rows, 3), "staffing"));
	/* a queue's three alerts on its one line */
	const char *text = jtext(json_array_get(rows, 0), "text");
	assert_non_null(strstr(text, "etat-civil/chat : attente la plus longue 4 min 10"));
	assert_non_null(strstr(text, " · niveau de service 60 %"));
	assert_non_null(strstr(text, " · 7 en attente"));
	json_decref(rows);
	json_decref(a);
	json_decref(s);
}

/* Ten queues in trouble: six alert lines, then how many more. */
static void test_alerts_capped(void **state)
{
	(void)state;
	json_t *q = json_array(), *s;
	for (int i = 0; i < 10; i++)
		json_array_append_new(q, json_pack("{sssssi}", "service", "svc", "channel",
						   i % 2 ? "chat" : "phone", "waiting", 6 + i));
	/* distinct queues: a service per line */
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "s%d", i);
		json_object_set_new(json_array_get(q, (size_t)i), "service", json_string(name));
	}
	s = json_pack("{so}", "queue_stats", q);
	json_t *a = monitor_alerts(s, &LIM), *rows = monitor_rows(s, a, &LIM);
	size_t alerts = 0;
	for (size_t i = 0; i < json_array_size(rows); i++)
		alerts += strcmp(kind_at(rows, i), "alert") == 0;
	assert_int_equal(alerts, 7);
	assert_string_equal(jtext(json_array_get(rows, 6), "text"), "… et 4 autre(s) alerte(s)");
	json_decref(rows);
	json_decref(a);
	json_decref(s);
}

static void test_staffing(void **state)
{
	(void)state;
	json_t *s = monitor_staffing(360, 240, 15, 80, 55);
	assert_true(fabs(json_number_value(json_object_get(s, "load")) - 48) < 1e-9);
	const json_t *opts = json_object_get(s, "options");
	assert_int_equal(json_array_size(opts), 3);
	const json_t *at55 = json_array_get(opts, 1);
	assert_int_equal(jint(at55, "agents"), 55);
	assert_true(fabs(json_number_value(json_object_get(at55, "p_wait")) - 0.2387) < 0.00005);
	assert_true(fabs(json_number_value(json_object_get(at55, "asa_s")) - 8.18) < 0.005);
	assert_true(fabs(json_number_value(json_object_get(at55, "service_level")) - 0.846) < 0.0005);
	json_decref(s);
	/* around the answer: 13 agents fall short, 14 reach 80 %, 15 more */
	s = monitor_staffing(100, 180, 20, 80, 0);
	assert_int_equal(jint(s, "agents_needed"), 14);
	opts = json_object_get(s, "options");
	assert_int_equal(jint(json_array_get(opts, 0), "agents"), 13);
	assert_true(fabs(json_number_value(json_object_get(json_array_get(opts, 0), "service_level")) -
			 0.796) < 0.0005);
	json_decref(s);
	assert_null(monitor_staffing(10, 0, 20, 80, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_alerts_capped),
		cmocka_unit_test(test_staffing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
