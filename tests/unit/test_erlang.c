/* Unit tests: Erlang C staffing against the reference values of the
 * monitor issue (and the usual published tables), the unstable queue, and
 * agent counts past where the textbook formula overflows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <cmocka.h>

#include "core/erlang.h"

static void assert_near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.6f, want %.6f ± %g", got, want, tol);
}

/* 360 calls per 30 min, 240 s each, 55 agents, answered within 15 s. */
static void test_reference_55_agents(void **state)
{
	(void)state;
	double a = erlang_load(360, 1800, 240);
	assert_near(a, 48.0, 1e-9);
	struct erlang_result r;
	assert_int_equal(erlang_eval(a, 240, 55, 15, &r), 0);
	assert_near(r.p_wait, 0.2387, 0.00005);
	assert_near(r.asa_s, 8.18, 0.005);
	assert_near(r.service_level, 0.846, 0.0005);
	assert_near(r.occupancy, 48.0 / 55, 1e-9);
}

/* 100 calls per 30 min, 180 s each, 80 % within 20 s: 13 agents fall just
 * short (≈ 79.6 %), 14 reach it (≈ 88.8 %). */
static void test_reference_goal(void **state)
{
	(void)state;
	double a = erlang_load(100, 1800, 180);
	struct erlang_result r13, r14, best;
	assert_int_equal(erlang_eval(a, 180, 13, 20, &r13), 0);
	assert_int_equal(erlang_eval(a, 180, 14, 20, &r14), 0);
	assert_near(r13.service_level, 0.796, 0.0005);
	assert_near(r14.service_level, 0.888, 0.0005);
	assert_int_equal(erlang_agents_for(a, 180, 20, 0.80, &best), 14);
	assert_int_equal(best.agents, 14);
	assert_near(best.service_level, r14.service_level, 1e-12);
}

static void test_unstable_queue(void **state)
{
	(void)state;
	struct erlang_result r;
	assert_int_equal(erlang_eval(10.0, 180, 10, 20, &r), -1);
	assert_near(r.p_wait, 1.0, 0);
	assert_true(isinf(r.asa_s));
	assert_near(r.service_level, 0, 0);
	assert_int_equal(erlang_eval(10.0, 180, 0, 20, &r), -1);
	assert_int_equal(erlang_eval(10.0, 0, 12, 20, &r), -1);
	assert_int_equal(erlang_eval(NAN, 180, 12, 20, &r), -1);
}

static void test_empty_queue(void **state)
{
	(void)state;
	struct erlang_result r;
	assert_int_equal(erlang_eval(0, 180, 1, 20, &r), 0);
	assert_near(r.p_wait, 0, 0);
	assert_near(r.service_level, 1.0, 0);
	assert_int_equal(erlang_agents_for(0, 180, 20, 0.8, &r), 1);
	assert_near(erlang_load(10, 0, 180), 0, 0);
}

/* 1,000 erlangs: N! and A^N overflow a double long before; the recursion
 * still gives a finite, monotone answer. */
static void test_large_queue(void **state)
{
	(void)state;
	struct erlang_result lo, hi;
	int n = erlang_agents_for(1000, 300, 20, 0.9, &lo);
	assert_true(n > 1000 && n < 1100);
	assert_true(isfinite(lo.asa_s));
	assert_int_equal(erlang_eval(1000, 300, n - 1, 20, &hi), 0);
	assert_true(hi.service_level < 0.9);
	assert_true(hi.p_wait > lo.p_wait);
	assert_int_equal(erlang_agents_for(1e9, 300, 20, 0.9, &lo), -1);
	assert_int_equal(erlang_agents_for(10, 180, 20, 1.5, &lo), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_55_agents),
		cmocka_unit_test(test_reference_goal),
		cmocka_unit_test(test_unstable_queue),
		cmocka_unit_test(test_empty_queue),
		cmocka_unit_test(test_large_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
