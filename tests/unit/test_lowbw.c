/* Unit tests: `set low_bandwidth` and the rule by which auto turns it on
 * (tui/lowbw.h): the option's values, SSH from the environment, a frame's
 * verdict from the tty's queue and the terminal's answer, three slow
 * frames among the last eight, never outside SSH, once only; and how long
 * the network's news waits before it is drawn. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tui/lowbw.h"

static void test_mode_parse(void **state)
{
	(void)state;
	assert_int_equal(lowbw_mode_parse("auto"), LOWBW_AUTO);
	assert_int_equal(lowbw_mode_parse("yes"), LOWBW_YES);
	assert_int_equal(lowbw_mode_parse("no"), LOWBW_NO);
	assert_int_equal(lowbw_mode_parse("oui"), -1);
	assert_int_equal(lowbw_mode_parse(""), -1);
	assert_int_equal(lowbw_mode_parse(NULL), -1);
}

static void test_over_ssh(void **state)
{
	(void)state;
	assert_false(lowbw_over_ssh(NULL, NULL));
	assert_false(lowbw_over_ssh("", ""));
	assert_true(lowbw_over_ssh("192.0.2.7 51234 192.0.2.1 22", NULL));
	assert_true(lowbw_over_ssh(NULL, "/dev/pts/3"));
}

static void test_yes_and_no(void **state)
{
	(void)state;
	struct lowbw s;
	lowbw_init(&s, LOWBW_YES, false);
	assert_true(lowbw_on(&s));
	assert_false(lowbw_probing(&s)); /* nothing to measure */
	lowbw_init(&s, LOWBW_NO, true);
	assert_false(lowbw_on(&s));
	assert_false(lowbw_probing(&s));
	for (int i = 0; i < 20; i++)
		assert_false(lowbw_judge(&s, true)); /* no: slow frames change nothing */
	assert_false(lowbw_on(&s));
}

static void test_frame_verdict(void **state)
{
	(void)state;
	/* the tty's queue 100 ms after the frame */
	assert_false(lowbw_frame_slow(0, -1));
	assert_false(lowbw_frame_slow(LOWBW_QUEUED_MAX, -1));
	assert_true(lowbw_frame_slow(LOWBW_QUEUED_MAX + 1, -1));
	/* the terminal's answer */
	assert_false(lowbw_frame_slow(-1, 0));
	assert_false(lowbw_frame_slow(-1, LOWBW_ANSWER_MAX_MS));
	assert_true(lowbw_frame_slow(-1, LOWBW_ANSWER_MAX_MS + 1));
	/* nothing known: not slow */
	assert_false(lowbw_frame_slow(-1, -1));
	/* either says slow */
	assert_true(lowbw_frame_slow(0, 900));
	assert_true(lowbw_frame_slow(4096, 10));
}

/* Three slow frames in a row over SSH: on at the third, said once. */
static void test_auto_three_slow(void **state)
{
	(void)state;
	struct lowbw s;
	lowbw_init(&s, LOWBW_AUTO, true);
	assert_false(lowbw_on(&s));
	assert_true(lowbw_probing(&s));
	assert_false(lowbw_judge(&s, true));
	assert_false(lowbw_judge(&s, true));
	assert_false(lowbw_on(&s));
	assert_true(lowbw_judge(&s, true));
	assert_true(lowbw_on(&s));
	assert_false(lowbw_probing(&s)); /* no more measures */
	assert_false(lowbw_judge(&s, true)); /* said once */
	assert_false(lowbw_judge(&s, false));
	assert_true(lowbw_on(&s)); /* and stays on */
}

/* Outside SSH, never by itself, however slow. */
static void test_auto_not_ssh(void **state)
{
	(void)state;
	struct lowbw s;
	lowbw_init(&s, LOWBW_AUTO, false);
	assert_false(lowbw_probing(&s));
	for (int i = 0; i < 50; i++)
		assert_false(lowbw_judge(&s, lowbw_frame_slow(1 << 20, 5000)));
	assert_false(lowbw_on(&s));
}

/* Three slow among the last eight: two slow, six fast, a slow one is the
 * third within the window; slow frames further apart never add up. */
static void test_auto_window(void **state)
{
	(void)state;
	struct lowbw s;
	lowbw_init(&s, LOWBW_AUTO, true);
	/* slow every 4th frame: at most 2 in any 8 */
	for (int i = 0; i < 40; i++)
		assert_false(lowbw_judge(&s, i % 4 == 0));
	assert_false(lowbw_on(&s));

	lowbw_init(&s, LOWBW_AUTO, true);
	assert_false(lowbw_judge(&s, true));  /* 1 */
	for (int i = 0; i < 5; i++)
		assert_false(lowbw_judge(&s, false));
	assert_false(lowbw_judge(&s, true));  /* 2, six frames later */
	assert_true(lowbw_judge(&s, true));   /* 3: the first is the 8th back */
	assert_true(lowbw_on(&s));

	lowbw_init(&s, LOWBW_AUTO, true);
	assert_false(lowbw_judge(&s, true));  /* 1 */
	for (int i = 0; i < 6; i++)
		assert_false(lowbw_judge(&s, false));
	assert_false(lowbw_judge(&s, true));  /* 2: the first is the 8th back */
	assert_false(lowbw_judge(&s, true));  /* 2 again: the first left the window */
	assert_false(lowbw_on(&s));
	assert_true(lowbw_judge(&s, true));   /* 3 */
}

/* Setting the option again starts over. */
static void test_init_starts_over(void **state)
{
	(void)state;
	struct lowbw s;
	lowbw_init(&s, LOWBW_AUTO, true);
	lowbw_judge(&s, true);
	lowbw_judge(&s, true);
	lowbw_init(&s, LOWBW_AUTO, true);
	assert_false(lowbw_judge(&s, true));
	assert_false(lowbw_judge(&s, true));
	assert_true(lowbw_judge(&s, true));
	lowbw_init(&s, LOWBW_NO, true);
	assert_false(lowbw_on(&s));
}

static void test_batch_wait(void **state)
{
	(void)state;
	assert_int_equal(lowbw_batch_wait(0, 0, 1000), -1); /* nothing waits */
	/* news at 1000: wait for the quiet */
	assert_int_equal(lowbw_batch_wait(1000, 1000, 1000), LOWBW_QUIET_MS);
	assert_int_equal(lowbw_batch_wait(1000, 1000, 1000 + LOWBW_QUIET_MS), 0);
	/* more keeps coming: the quiet moves, the cap does not */
	assert_int_equal(lowbw_batch_wait(1000, 1090, 1100), LOWBW_QUIET_MS - 10);
	assert_int_equal(lowbw_batch_wait(1000, 1140, 1140), LOWBW_BATCH_MAX_MS - 140);
	assert_int_equal(lowbw_batch_wait(1000, 1149, 1150), 0);
	assert_int_equal(lowbw_batch_wait(1000, 1200, 1300), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_parse),      cmocka_unit_test(test_over_ssh),
		cmocka_unit_test(test_yes_and_no),      cmocka_unit_test(test_frame_verdict),
		cmocka_unit_test(test_auto_three_slow), cmocka_unit_test(test_auto_not_ssh),
		cmocka_unit_test(test_auto_window),     cmocka_unit_test(test_init_starts_over),
		cmocka_unit_test(test_batch_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
