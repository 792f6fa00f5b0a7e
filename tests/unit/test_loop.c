/* Unit tests of the client's event loop: fds wake it with their revents,
 * timers fire once, in time, and can be cancelled (also from a callback),
 * a callback may remove another fd or itself, loop_wakeup and signals end
 * a wait at once.  Every wait is a turn of the loop with a deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/loop.h"

#define LONG_WAIT 10000 /* ms: far more than any of these takes */

struct seen {
	int calls, last_fd, last_id, last_sig;
	short revents;
	struct loop *l;
	int other_fd;   /* removed by the callback, when >= 0 */
	int other_timer;
};

static void on_fd(void *arg, int fd, short revents)
{
	struct seen *s = arg;
	char c;
	s->calls++;
	s->last_fd = fd;
	s->revents = revents;
	if (read(fd, &c, 1) < 0)
		return;
	if (s->other_fd >= 0)
		loop_fd_del(s->l, s->other_fd);
	if (s->other_timer > 0)
		loop_timer_del(s->l, s->other_timer);
}

static void on_timer(void *arg, int id)
{
	struct seen *s = arg;
	s->calls++;
	s->last_id = id;
}

static void test_fd_wakes(void **state)
{
	(void)state;
	int p[2];
	struct loop *l = loop_new();
	struct seen s = { .l = l, .other_fd = -1 };
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_set(l, p[0], POLLIN, on_fd, &s), 0);
	assert_int_equal(loop_once(l, 0), 0); /* nothing yet */
	assert_int_equal(s.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	int64_t t0 = loop_now_ms();
	assert_int_equal(loop_once(l, LONG_WAIT), 1);
	assert_true(loop_now_ms() - t0 < LONG_WAIT / 2);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_fd, p[0]);
	assert_true(s.revents & POLLIN);
	loop_fd_del(l, p[0]);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(loop_once(l, 0), 0); /* no longer watched */
	assert_int_equal(s.calls, 1);
	assert_int_equal(loop_fd_set(l, -1, POLLIN, on_fd, &s), -1);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_timers(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct seen s = { .l = l, .other_fd = -1 };
	int64_t t0 = loop_now_ms();
	int late = loop_timer_add(l, 150, on_timer, &s);
	int soon = loop_timer_add(l, 30, on_timer, &s);
	int never = loop_timer_add(l, 60, on_timer, &s);
	assert_true(late > 0 && soon > 0 && never > 0 && late != soon && soon != never);
	loop_timer_del(l, never);
	while (s.calls == 0 && loop_now_ms() - t0 < LONG_WAIT)
		assert_true(loop_once(l, LONG_WAIT) >= 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_id, soon); /* the first due first */
	assert_true(loop_now_ms() - t0 >= 30);
	while (s.calls == 1 && loop_now_ms() - t0 < LONG_WAIT)
		assert_true(loop_once(l, LONG_WAIT) >= 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.last_id, late);
	assert_true(loop_now_ms() - t0 >= 150);
	/* each fired once: nothing is left to wake the loop */
	assert_int_equal(loop_once(l, 50), 0);
	assert_int_equal(s.calls, 2);
	loop_timer_del(l, late); /* a fired timer: nothing happens */
	loop_free(l);
}

/* A callback removes another fd and a timer of the same turn: neither runs. */
static void test_remove_from_callback(void **state)
{
	(void)state;
	int a[2], b[2];
	struct loop *l = loop_new();
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct seen sa = { .l = l, .other_fd = b[0] }, sb = { .l = l, .other_fd = a[0] };
	struct seen st = { .l = l, .other_fd = -1 };
	assert_int_equal(loop_fd_set(l, a[0], POLLIN, on_fd, &sa), 0);
	assert_int_equal(loop_fd_set(l, b[0], POLLIN, on_fd, &sb), 0);
	int tid = loop_timer_add(l, 0, on_timer, &st);
	sa.other_timer = tid;
	sb.other_timer = tid;
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(loop_once(l, LONG_WAIT), 1);
	assert_int_equal(sa.calls + sb.calls, 1); /* whichever ran first removed the other */
	assert_int_equal(st.calls, 0);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	loop_free(l);
}

static void test_wakeup(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	loop_wakeup(l);
	int64_t t0 = loop_now_ms();
	assert_true(loop_once(l, LONG_WAIT) >= 0);
	assert_true(loop_now_ms() - t0 < LONG_WAIT / 2);
	loop_free(l);
}

static void on_sig(void *arg, int signo)
{
	struct seen *s = arg;
	s->calls++;
	s->last_sig = signo;
}

static void test_signal(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	struct seen s = { .l = l, .other_fd = -1 };
	assert_int_equal(loop_signal(l, SIGUSR1, on_sig, &s), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	int64_t t0 = loop_now_ms();
	while (s.calls == 0 && loop_now_ms() - t0 < LONG_WAIT)
		assert_true(loop_once(l, LONG_WAIT) >= 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_sig, SIGUSR1);
	assert_int_equal(loop_signal(l, 0, on_sig, &s), -1);
	loop_free(l); /* SIGUSR1 back to its default */
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	assert_true(now.sa_handler == SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_wakes),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_remove_from_callback),
		cmocka_unit_test(test_wakeup),
		cmocka_unit_test(test_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
