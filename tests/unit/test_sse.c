/* Unit tests: the server-sent events parser (src/client/sse.c) against the
 * WHATWG "event stream interpretation" rules, one rule per test, each with
 * a stream that would give other events if the rule were not followed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "client/sse.h"

#define MAX_EVENTS 32

struct got_event {
	char type[64];
	char data[256];
	size_t data_len;
	char id[64];
};

/* What the callbacks saw; stop_at makes event number stop_at (from 1)
 * return stop_value. */
struct rec {
	struct got_event ev[MAX_EVENTS];
	size_t n;
	long retry[MAX_EVENTS];
	size_t n_retry;
	size_t stop_at;
	int stop_value;
};

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	assert_true(n < size);
	memcpy(dst, src, n + 1);
}

static int on_event(const struct sse_event *ev, void *arg)
{
	struct rec *r = arg;
	assert_true(r->n < MAX_EVENTS);
	struct got_event *g = &r->ev[r->n++];
	copy_str(g->type, sizeof(g->type), ev->type);
	copy_str(g->id, sizeof(g->id), ev->id);
	assert_true(ev->data_len < sizeof(g->data));
	assert_int_equal(ev->data[ev->data_len], '\0');
	memcpy(g->data, ev->data, ev->data_len + 1);
	g->data_len = ev->data_len;
	return r->n == r->stop_at ? r->stop_value : 0;
}

static void on_retry(long ms, void *arg)
{
	struct rec *r = arg;
	assert_true(r->n_retry < MAX_EVENTS);
	r->retry[r->n_retry++] = ms;
}

static struct sse_parser *new_parser(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	struct sse_parser *p = sse_new(1024, 1024, on_event, on_retry, r);
	assert_non_null(p);
	return p;
}

/* Parse a whole NUL-free stream in one chunk. */
static void parse_str(struct rec *r, const char *s)
{
	struct sse_parser *p = new_parser(r);
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	sse_free(p);
}

static void assert_event(const struct rec *r, size_t i, const char *type, const char *data,
			 const char *id)
{
	assert_true(i < r->n);
	assert_string_equal(r->ev[i].type, type);
	assert_int_equal(r->ev[i].data_len, strlen(data));
	assert_memory_equal(r->ev[i].data, data, strlen(data) + 1);
	assert_string_equal(r->ev[i].id, id);
}

static void test_bom_leading(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, "\xEF\xBB\xBF" "data: x\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "x", "");

	/* The BOM split over three chunks is still one BOM. */
	struct sse_parser *p = new_parser(&r);
	assert_int_equal(sse_feed(p, "\xEF", 1), 0);
	assert_int_equal(sse_feed(p, "\xBB", 1), 0);
	assert_int_equal(sse_feed(p, "\xBF" "data: y\n\n", 10), 0);
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "y", "");
	sse_free(p);
}

static void test_bom_not_at_start(void **state)
{
	(void)state;
	struct rec r;
	/* After the first line a BOM is part of the field name: "\xEF\xBB\xBFdata"
	 * is an unknown field, so "b" is never dispatched. */
	parse_str(&r, "data: a\n\n\xEF\xBB\xBF" "data: b\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "a", "");

	/* Only one BOM is skipped. */
	parse_str(&r, "\xEF\xBB\xBF\xEF\xBB\xBF" "data: c\n\n");
	assert_int_equal(r.n, 0);

	/* Inside a value it is data like any other bytes. */
	parse_str(&r, "data: \xEF\xBB\xBF" "d\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "\xEF\xBB\xBF" "d", "");

	/* Part of a BOM is no BOM: its bytes stay at the head of the field
	 * name, even when they came in chunks of their own. */
	struct sse_parser *p = new_parser(&r);
	assert_int_equal(sse_feed(p, "\xEF", 1), 0);
	assert_int_equal(sse_feed(p, "\xBB", 1), 0);
	assert_int_equal(sse_feed(p, "data: e\n\n", 9), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(sse_feed(p, "data: f\n\n", 9), 0);
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "f", "");
	sse_free(p);
}

static void test_line_ends(void **state)
{
	(void)state;
	static const char *const streams[] = {
		"data: a\ndata: b\n\ndata: c\n\n",
		"data: a\rdata: b\r\rdata: c\r\r",
		"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
		"data: a\rdata: b\n\r\ndata: c\n\r", /* mixed */
	};
	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		struct rec r;
		parse_str(&r, streams[i]);
		assert_int_equal(r.n, 2);
		assert_event(&r, 0, "message", "a\nb", "");
		assert_event(&r, 1, "message", "c", "");
	}
	/* CRLF is one line end, not a line end and a blank line. */
	struct rec r;
	parse_str(&r, "data: a\r\ndata: b\r\n\r\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "a\nb", "");
	/* But LF CR is two. */
	parse_str(&r, "data: a\n\rdata: b\n\r");
	assert_int_equal(r.n, 2);
}

/* A stream where one CRLF taken for two line ends, or any byte lost or
 * doubled at a chunk boundary, changes the events. */
static const char SPLIT_STREAM[] = "\xEF\xBB\xBF: hello\r\n"
				   "id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\n"
				   "data: z\rdata: w\r\r"
				   "retry: 300\ndata\r\nid: 2\n\n"
				   "data: last\r\n\r\n";

static void parse_chunks(struct rec *r, const char *s, size_t len, size_t cut1, size_t cut2)
{
	struct sse_parser *p = new_parser(r);
	assert_int_equal(sse_feed(p, s, cut1), 0);
	assert_int_equal(sse_feed(p, s + cut1, cut2 - cut1), 0);
	assert_int_equal(sse_feed(p, s + cut2, len - cut2), 0);
	sse_free(p);
}

static void assert_same(const struct rec *a, const struct rec *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->ev, b->ev, sizeof(a->ev));
	assert_int_equal(a->n_retry, b->n_retry);
	assert_memory_equal(a->retry, b->retry, sizeof(a->retry));
}

static void test_every_split(void **state)
{
	(void)state;
	size_t len = sizeof(SPLIT_STREAM) - 1;
	struct rec whole, parts;
	parse_chunks(&whole, SPLIT_STREAM, len, 0, 0);
	assert_int_equal(whole.n, 4);
	assert_event(&whole, 0, "a", "x\ny", "1");
	assert_event(&whole, 1, "message", "z\nw", "1");
	assert_event(&whole, 2, "message", "", "2");
	assert_event(&whole, 3, "message", "last", "2");
	assert_int_equal(whole.n_retry, 1);
	assert_int_equal(whole.retry[0], 300);

	/* Two cuts anywhere: every split into three chunks, empty ones too. */
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			memset(&parts, 0, sizeof(parts));
			parse_chunks(&parts, SPLIT_STREAM, len, i, j);
			assert_same(&whole, &parts);
		}
	}
	/* Byte by byte. */
	struct sse_parser *p = new_parser(&parts);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(sse_feed(p, SPLIT_STREAM + i, 1), 0);
	sse_free(p);
	assert_same(&whole, &parts);
}

static void test_cr_lf_split(void **state)
{
	(void)state;
	/* The CR ends one chunk and the LF starts the next: still one line
	 * end, so "a" and "b" are one event. */
	struct rec r;
	struct sse_parser *p = new_parser(&r);
	assert_int_equal(sse_feed(p, "data: a\r", 8), 0);
	assert_int_equal(sse_feed(p, "\ndata: b\r", 9), 0);
	assert_int_equal(sse_feed(p, "\n", 1), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(sse_feed(p, "\r", 1), 0);
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "a\nb", "");
	/* A CR then a chunk that does not start with LF: the CR alone ended
	 * the line, and the next byte begins a new one. */
	assert_int_equal(sse_feed(p, "data: c\r", 8), 0);
	assert_int_equal(sse_feed(p, "\r", 1), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 1, "message", "c", "");
	sse_free(p);
}

static void test_comments(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, ":data: no\n: data: no\ndata: yes\n:\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "yes", "");
	/* A comment alone is not a blank line: it dispatches nothing. */
	parse_str(&r, "data: a\n:x\ndata: b\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "a\nb", "");
}

static void test_value_space(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, "data:x\n\ndata: x\n\ndata:  x\n\ndata:x \n\n");
	assert_int_equal(r.n, 4);
	assert_event(&r, 0, "message", "x", "");
	assert_event(&r, 1, "message", "x", "");
	assert_event(&r, 2, "message", " x", "");
	assert_event(&r, 3, "message", "x ", "");
	/* Only the first colon separates: later ones are in the value. */
	parse_str(&r, "data: a: b:c\n\n");
	assert_event(&r, 0, "message", "a: b:c", "");
}

static void test_multiline(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, "data: a\ndata:\ndata: b\ndata\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "a\n\nb\n", "");
}

static void test_data_bytes(void **state)
{
	(void)state;
	static const char s[] = "data: a\0b\n\n";
	struct rec r;
	struct sse_parser *p = new_parser(&r);
	assert_int_equal(sse_feed(p, s, sizeof(s) - 1), 0);
	sse_free(p);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].data_len, 3);
	assert_memory_equal(r.ev[0].data, "a\0b", 4);
}

static void test_id_nul(void **state)
{
	(void)state;
	static const char s[] = "id: 1\ndata: a\n\nid: 2\0" "3\ndata: b\n\n";
	struct rec r;
	struct sse_parser *p = new_parser(&r);
	assert_int_equal(sse_feed(p, s, sizeof(s) - 1), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 0, "message", "a", "1");
	assert_event(&r, 1, "message", "b", "1");
	assert_string_equal(sse_last_id(p), "1");
	sse_free(p);
}

static void test_id_persists(void **state)
{
	(void)state;
	struct rec r;
	struct sse_parser *p = new_parser(&r);
	assert_string_equal(sse_last_id(p), "");
	const char *s = "id: 5\ndata: a\n\ndata: b\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 0, "message", "a", "5");
	assert_event(&r, 1, "message", "b", "5");
	assert_string_equal(sse_last_id(p), "5");

	/* Across a reconnection. */
	sse_reset(p);
	assert_string_equal(sse_last_id(p), "5");
	s = "data: c\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_event(&r, 2, "message", "c", "5");

	/* An id whose event never ended is dropped with it. */
	s = "id: 6\ndata: lost\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_string_equal(sse_last_id(p), "5");
	sse_reset(p);
	s = "data: d\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 4);
	assert_event(&r, 3, "message", "d", "5");

	/* An id with no data still becomes the last id; an empty one clears it. */
	s = "id: 7\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(sse_last_id(p), "7");
	s = "id\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_string_equal(sse_last_id(p), "");
	sse_free(p);
}

static void test_retry(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, "retry: 1500\nretry: 15x\nretry: -1\nretry:  100\nretry\nretry: \n"
		      "retry: 1e3\nRetry: 9\nretry:0042\nretry: 99999999999999999999999\n");
	assert_int_equal(r.n, 0);
	assert_int_equal(r.n_retry, 3);
	assert_int_equal(r.retry[0], 1500);
	assert_int_equal(r.retry[1], 42);
	assert_true(r.retry[2] > 1000000000L); /* saturated, not wrapped */

	/* on_retry may be NULL. */
	struct sse_parser *p = sse_new(64, 64, on_event, NULL, &r);
	assert_non_null(p);
	assert_int_equal(sse_feed(p, "retry: 10\n", 10), 0);
	sse_free(p);
}

static void test_no_data_no_dispatch(void **state)
{
	(void)state;
	struct rec r;
	/* The type is forgotten at the blank line: the next event is a plain
	 * "message". */
	parse_str(&r, "event: foo\n\ndata: x\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "x", "");
	/* An empty type is the default type. */
	parse_str(&r, "event: foo\nevent\ndata: y\n\n");
	assert_event(&r, 0, "message", "y", "");
}

static void test_empty_data(void **state)
{
	(void)state;
	struct rec r;
	parse_str(&r, "data\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "", "");
	parse_str(&r, "event: ping\ndata:\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "ping", "", "");
}

static void test_no_colon(void **state)
{
	(void)state;
	struct rec r;
	/* "event" alone sets an empty type, "id" an empty id, "foo" is
	 * ignored, and names are case-sensitive. */
	parse_str(&r, "id: 3\nevent: x\nevent\nfoo\nData: no\nDATA\ndata: a\n\nid\ndata: b\n\n");
	assert_int_equal(r.n, 2);
	assert_event(&r, 0, "message", "a", "3");
	assert_event(&r, 1, "message", "b", "");
}

static void test_too_long_line(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof(r));
	struct sse_parser *p = sse_new(16, 64, on_event, on_retry, &r);
	assert_non_null(p);
	int rc;
	/* Exactly max_line bytes is fine. */
	const char *s = "data: 0123456789\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 1);
	/* One more is not, in one chunk... */
	s = "id: 9\ndata: 0123456789a\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), SSE_ERR_TOO_LONG);
	assert_int_equal(r.n, 1);
	/* ...or in two chunks, cut anywhere: the bound is the same whether the
	 * line is parsed in place or gathered from pieces. */
	const char *fits = "data: 0123456789\n\n", *over = "data: 0123456789a\n\n";
	for (size_t cut = 0; cut <= strlen(over); cut++) {
		if (cut <= strlen(fits)) {
			assert_int_equal(sse_feed(p, fits, cut), 0);
			assert_int_equal(sse_feed(p, fits + cut, strlen(fits) - cut), 0);
		}
		rc = sse_feed(p, over, cut);
		if (rc == 0)
			rc = sse_feed(p, over + cut, strlen(over) - cut);
		assert_int_equal(rc, SSE_ERR_TOO_LONG);
	}
	assert_int_equal(r.n, 1 + strlen(fits) + 1);
	/* ...or byte by byte, which fails before the line ends. */
	s = "data: 0123456789abcdef";
	rc = 0;
	for (size_t i = 0; s[i] && rc == 0; i++)
		rc = sse_feed(p, s + i, 1);
	assert_int_equal(rc, SSE_ERR_TOO_LONG);
	/* The parser was reset: nothing of before leaks into the next event,
	 * a BOM is skipped again, and the id of the failed event is gone. */
	size_t n = r.n;
	s = "\xEF\xBB\xBF" "data: ok\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, n + 1);
	assert_event(&r, n, "message", "ok", "");
	sse_free(p);
}

static void test_too_long_event(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof(r));
	struct sse_parser *p = sse_new(64, 8, on_event, on_retry, &r);
	assert_non_null(p);
	const char *s = "data: 1234\ndata: 123\n\n"; /* "1234\n123": 8 bytes */
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_event(&r, 0, "message", "1234\n123", "");
	s = "data: 1234\ndata: 1234\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), SSE_ERR_TOO_LONG);
	s = "data: 12345678\ndata\n\n"; /* the empty line's "\n" is one too many */
	assert_int_equal(sse_feed(p, s, strlen(s)), SSE_ERR_TOO_LONG);
	s = "data: 5\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 1, "message", "5", "");
	sse_free(p);
}

static void test_callback_stops(void **state)
{
	(void)state;
	struct rec r;
	struct sse_parser *p = new_parser(&r);
	r.stop_at = 1;
	r.stop_value = 7;
	const char *s = "data: 1\r\n\r\ndata: 2\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 7);
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "1", "");
	/* The parser stopped at a line boundary, after "\r\n\r": feeding the
	 * rest goes on as if it had never stopped. */
	assert_int_equal(sse_feed(p, s + 10, strlen(s) - 10), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 1, "message", "2", "");
	/* Any value stops without resetting, even one that looks like ours:
	 * after a reset a BOM would be skipped, here it is part of a field
	 * name, so "4" is not dispatched. */
	r.stop_at = 3;
	r.stop_value = SSE_ERR_TOO_LONG;
	s = "id: 4\ndata: 3\n\ndata: lost\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), SSE_ERR_TOO_LONG);
	assert_int_equal(r.n, 3);
	assert_event(&r, 2, "message", "3", "4");
	s = "\xEF\xBB\xBF" "data: 4\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 3);
	sse_free(p);
}

static void test_guichetd(void **state)
{
	(void)state;
	/* As hub.c writes it: the greeting, one event, then a keep-alive. */
	struct rec r;
	parse_str(&r, "retry: 2000\n: connected\n\n"
		      "id: 42\nevent: case.updated\ndata: {\"id\": 7}\n\n"
		      ": keep-alive\n\n");
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "case.updated", "{\"id\": 7}", "42");
	assert_int_equal(r.n_retry, 1);
	assert_int_equal(r.retry[0], 2000);
	parse_str(&r, ": keep-alive\n\n");
	assert_int_equal(r.n, 0);
}

static void test_new_and_reset(void **state)
{
	(void)state;
	struct rec r;
	memset(&r, 0, sizeof(r));
	assert_null(sse_new(0, 10, on_event, NULL, &r));
	assert_null(sse_new(10, 0, on_event, NULL, &r));
	assert_null(sse_new(10, 10, NULL, NULL, &r));
	assert_null(sse_new(SSE_MAX_BOUND + 1, 10, on_event, NULL, &r));
	sse_free(NULL);

	/* The end of a stream drops the unfinished event and line. */
	struct sse_parser *p = new_parser(&r);
	const char *s = "event: t\ndata: a\ndata: par";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	sse_reset(p);
	s = "tial\ndata: b\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 1);
	assert_event(&r, 0, "message", "b", "");
	assert_int_equal(sse_feed(p, NULL, 0), 0);
	/* A new connection may begin with a BOM again. */
	sse_reset(p);
	s = "\xEF\xBB\xBF" "data: c\n\n";
	assert_int_equal(sse_feed(p, s, strlen(s)), 0);
	assert_int_equal(r.n, 2);
	assert_event(&r, 1, "message", "c", "");
	sse_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bom_leading),     cmocka_unit_test(test_bom_not_at_start),
		cmocka_unit_test(test_line_ends),       cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_cr_lf_split),     cmocka_unit_test(test_comments),
		cmocka_unit_test(test_value_space),     cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_data_bytes),      cmocka_unit_test(test_id_nul),
		cmocka_unit_test(test_id_persists),     cmocka_unit_test(test_retry),
		cmocka_unit_test(test_no_data_no_dispatch), cmocka_unit_test(test_empty_data),
		cmocka_unit_test(test_no_colon),        cmocka_unit_test(test_too_long_line),
		cmocka_unit_test(test_too_long_event),  cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_guichetd),        cmocka_unit_test(test_new_and_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
