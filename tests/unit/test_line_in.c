/* Unit tests of line_in, the lines of headless mode's stdin read on the
 * loop: lines come whole whatever the chunks the writer sends, "\r\n"
 * ends a line too, a line over the limit is reported once and skipped
 * (also when it is longer than the whole buffer), the last line counts
 * without its "\n", and the end of input is said only after it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/line_in.h"
#include "client/loop.h"

#define MAX 16
#define LONG_WAIT 10000 /* ms: far more than any turn here takes */

struct fixture {
	struct loop *l;
	struct line_in *in;
	int p[2];
	char line[MAX + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f || !(f->l = loop_new()) || !(f->in = malloc(sizeof(*f->in))) || pipe(f->p) < 0)
		return -1;
	if (line_in_start(f->in, f->l, f->p[0], MAX) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	line_in_stop(f->in);
	close(f->p[0]);
	if (f->p[1] >= 0)
		close(f->p[1]);
	loop_free(f->l);
	free(f->in);
	free(f);
	return 0;
}

/* The next thing line_in says, turning the loop while it waits. */
static enum line_in_got next(struct fixture *f)
{
	enum line_in_got got;
	for (int turns = 0; turns < 1000; turns++) {
		if ((got = line_in_next(f->in, f->line, sizeof(f->line))) != LINE_IN_NONE)
			return got;
		if (loop_once(f->l, LONG_WAIT) <= 0)
			break; /* nothing came within the wait: say so */
	}
	return LINE_IN_NONE;
}

static void put(struct fixture *f, const char *s)
{
	assert_int_equal(write(f->p[1], s, strlen(s)), (ssize_t)strlen(s));
}

static void end(struct fixture *f)
{
	close(f->p[1]);
	f->p[1] = -1;
}

static void test_lines_in_pieces(void **state)
{
	struct fixture *f = *state;
	put(f, "cas");
	assert_int_equal(line_in_next(f->in, f->line, sizeof(f->line)), LINE_IN_NONE);
	put(f, "es mine\r\nnote ");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "cases mine");
	put(f, "x\n\n");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "note x");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "");
	end(f);
	assert_int_equal(next(f), LINE_IN_END);
	assert_int_equal(f->in->error, 0);
}

static void test_last_line_without_newline(void **state)
{
	struct fixture *f = *state;
	put(f, "a\nquit");
	end(f);
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "a");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "quit");
	assert_int_equal(next(f), LINE_IN_END);
}

static void test_too_long_once_then_next_line(void **state)
{
	struct fixture *f = *state;
	put(f, "0123456789abcdef\n");   /* MAX bytes: taken */
	put(f, "0123456789abcdefg\n");  /* one more: refused */
	put(f, "ok\n");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "0123456789abcdef");
	assert_int_equal(next(f), LINE_IN_TOO_LONG);
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "ok");
}

/* A line of exactly the limit whose "\r" and "\n" come in two reads is
 * still a line; a last "\r" at the end of input is not part of it. */
static void test_crlf_split_at_the_limit(void **state)
{
	struct fixture *f = *state;
	put(f, "0123456789abcdef\r");
	assert_int_equal(loop_once(f->l, LONG_WAIT), 1);
	assert_int_equal(line_in_next(f->in, f->line, sizeof(f->line)), LINE_IN_NONE);
	put(f, "\nfin\r");
	end(f);
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "0123456789abcdef");
	assert_int_equal(next(f), LINE_IN_LINE);
	assert_string_equal(f->line, "fin");
	assert_int_equal(next(f), LINE_IN_END);
}

/* A line longer than the whole buffer, written while the reader is busy:
 * reported once, its end found, and what follows read. */
static void test_longer_than_buffer(void **state)
{
	struct fixture *f = *state;
	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	size_t total = 0;
	int reported = 0;
	enum line_in_got got;
	while (total < 3 * LINE_IN_BUF) {
		assert_int_equal(write(f->p[1], chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
		total += sizeof(chunk);
		while ((got = line_in_next(f->in, f->line, sizeof(f->line))) == LINE_IN_TOO_LONG)
			reported++;
		assert_int_equal(got, LINE_IN_NONE);
		loop_once(f->l, LONG_WAIT);
	}
	put(f, "\nafter\n");
	end(f);
	while ((got = next(f)) == LINE_IN_TOO_LONG)
		reported++;
	assert_int_equal(reported, 1);
	assert_int_equal(got, LINE_IN_LINE);
	assert_string_equal(f->line, "after");
	assert_int_equal(next(f), LINE_IN_END);
}

/* A writer faster than the reader: the buffer fills, the fd is left
 * alone, and every line still comes, in order. */
static void test_full_buffer_loses_nothing(void **state)
{
	struct fixture *f = *state;
	char want[32];
	int written = 0, taken = 0;
	enum line_in_got got;
	for (int round = 0; round < 100; round++) { /* ~100 KB: more than the buffer, less than buffer and pipe */
		for (int i = 0; i < 100; i++) {
			int n = snprintf(want, sizeof(want), "line %d\n", written++);
			assert_int_equal(write(f->p[1], want, (size_t)n), n);
		}
		loop_once(f->l, 0);
		for (int i = 0; i < 3 && (got = line_in_next(f->in, f->line, sizeof(f->line))) ==
			     LINE_IN_LINE; i++) {
			snprintf(want, sizeof(want), "line %d", taken++);
			assert_string_equal(f->line, want);
		}
	}
	end(f);
	while ((got = next(f)) == LINE_IN_LINE) {
		snprintf(want, sizeof(want), "line %d", taken++);
		assert_string_equal(f->line, want);
	}
	assert_int_equal(got, LINE_IN_END);
	assert_int_equal(taken, written);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_line_without_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_once_then_next_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_split_at_the_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longer_than_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_buffer_loses_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
