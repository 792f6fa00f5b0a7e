/* libFuzzer target: the server-sent events parser (src/client/sse.c).
 *
 * Input layout: byte 0 picks max_line, byte 1 max_event, byte 2 the event
 * whose callback stops the parse (0 or 32 and up: never), bytes 3..10 a
 * cycle of chunk sizes; the rest is the stream.  The stream is parsed three
 * times and each run must agree with the rules that a caller relies on:
 *   - whole, then in the chunks: the same events, retries, result and last
 *     event ID however the stream is cut (compared by a hash of all calls);
 *   - in the chunks again, resetting after each error as the desk does when
 *     it reconnects: the parser always recovers and parses a fresh event;
 *   - in every run, each event respects the bounds given to sse_new. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 11
#define N_SIZES 8

struct run {
	struct sse_parser *p;
	size_t max_line, max_event;
	size_t stop_at; /* 0: never stop */
	size_t events;
	uint64_t hash;  /* FNV-1a over every callback, in order */
	int saw_z;      /* the last event was "data: z" */
};

static void mix(struct run *r, const void *buf, size_t n)
{
	const unsigned char *b = buf;
	for (size_t i = 0; i < n; i++) {
		r->hash ^= b[i];
		r->hash *= 1099511628211u;
	}
}

/* Each field with its length first, so that different events can never
 * hash the same bytes. */
static void mix_field(struct run *r, const char *s, size_t n)
{
	mix(r, &n, sizeof(n));
	mix(r, s, n);
}

static void check_event(const struct run *r, const struct sse_event *ev)
{
	if (!ev->type || !ev->data || !ev->id)
		abort();
	if (ev->data_len > r->max_event || ev->data[ev->data_len] != '\0')
		abort();
	if (strlen(ev->type) > r->max_line || strlen(ev->id) > r->max_line)
		abort();
	/* The event's id is the parser's last event ID from then on. */
	if (strcmp(ev->id, sse_last_id(r->p)) != 0)
		abort();
}

static int on_event(const struct sse_event *ev, void *arg)
{
	struct run *r = arg;
	check_event(r, ev);
	mix(r, "E", 1);
	mix_field(r, ev->type, strlen(ev->type));
	mix_field(r, ev->data, ev->data_len);
	mix_field(r, ev->id, strlen(ev->id));
	r->saw_z = strcmp(ev->type, "message") == 0 && ev->data_len == 1 && ev->data[0] == 'z';
	r->events++;
	return r->events == r->stop_at ? 1 : 0;
}

static void on_retry(long ms, void *arg)
{
	struct run *r = arg;
	if (ms < 0)
		abort();
	mix(r, "R", 1);
	mix(r, &ms, sizeof(ms));
}

static void start(struct run *r, const uint8_t *head, size_t stop_at)
{
	memset(r, 0, sizeof(*r));
	r->max_line = 1 + (size_t)head[0] * 8;
	r->max_event = 1 + (size_t)head[1] * 16;
	r->stop_at = stop_at;
	r->hash = 14695981039346656037u;
	r->p = sse_new(r->max_line, r->max_event, on_event, on_retry, r);
	if (!r->p)
		abort();
}

/* Sizes from the header: small ones mostly, 0 included (an empty feed),
 * large ones when the top bit is set. */
static size_t chunk_size(const uint8_t *head, size_t i)
{
	uint8_t b = head[3 + i % N_SIZES];
	return b & 0x80 ? (size_t)(b & 0x7f) * 97 : b;
}

static int feed_chunks(struct run *r, const uint8_t *head, const char *s, size_t n, int recover)
{
	int rc = 0;
	size_t off = 0, zeros = 0;
	for (size_t i = 0; off < n; i++) {
		size_t k = chunk_size(head, i);
		if (k == 0 && ++zeros > N_SIZES)
			k = 1; /* every size is 0: still get through */
		if (k > n - off)
			k = n - off;
		rc = sse_feed(r->p, s + off, k);
		off += k;
		if (rc == 0)
			continue;
		if (!recover)
			return rc;
		if (rc != SSE_ERR_TOO_LONG && rc != SSE_ERR_NOMEM)
			abort(); /* this run's callback never stops */
		sse_reset(r->p);
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	const uint8_t *head = data;
	const char *s = (const char *)data + HEADER;
	size_t n = size - HEADER;
	size_t stop_at = head[2] < 32 ? head[2] : 0;

	struct run whole, parts;
	start(&whole, head, stop_at);
	int rc_whole = sse_feed(whole.p, s, n);
	start(&parts, head, stop_at);
	int rc_parts = feed_chunks(&parts, head, s, n, 0);
	if (rc_whole != rc_parts || whole.hash != parts.hash || whole.events != parts.events ||
	    strcmp(sse_last_id(whole.p), sse_last_id(parts.p)) != 0)
		abort();
	if (rc_whole != 0 && rc_whole != 1 && rc_whole != SSE_ERR_TOO_LONG)
		abort();
	sse_free(whole.p);
	sse_free(parts.p);

	/* Whatever came before, a reset parser reads a fresh event (when its
	 * line fits in max_line). */
	struct run again;
	start(&again, head, 0);
	feed_chunks(&again, head, s, n, 1);
	sse_reset(again.p);
	size_t before = again.events;
	int rc = sse_feed(again.p, "data: z\n\n", 9);
	if (again.max_line >= 7 && (rc != 0 || again.events != before + 1 || !again.saw_z))
		abort();
	sse_free(again.p);
	return 0;
}
