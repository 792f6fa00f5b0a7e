/* Server-sent events: a push parser for the text/event-stream that the desk
 * follows on guichetd's GET /api/v1/events.  It implements the "event stream
 * interpretation" rules of the WHATWG HTML standard on bytes: the caller
 * does the network (libcurl's write callback hands its chunks to sse_feed)
 * and this module only turns bytes into events.  No I/O, no curl, no curses.
 *
 * Deliberate differences from a browser's EventSource, both harmless for a
 * UTF-8 server like guichetd: the stream is not decoded (bytes that are not
 * UTF-8 reach the callback unchanged rather than as U+FFFD), and every line
 * and every event is bounded so that a broken or hostile server cannot make
 * the desk allocate without limit. */
#ifndef GUICHET_CLIENT_SSE_H
#define GUICHET_CLIENT_SSE_H

#include <stddef.h>

/* Results of sse_feed besides 0 and the callback's own value.  Negative, so
 * that a callback stopping the parse with a positive value cannot be taken
 * for one of them. */
enum {
	SSE_ERR_TOO_LONG = -1, /* a line over max_line or an event over max_event */
	SSE_ERR_NOMEM = -2,    /* an allocation failed */
};

/* Largest max_line or max_event accepted by sse_new: far beyond any sane
 * bound, and small enough that buffer sizes can never overflow. */
#define SSE_MAX_BOUND ((size_t)-1 / 4)

/* One dispatched event.  Every pointer is owned by the parser and valid only
 * until the callback returns: copy what must outlive it. */
struct sse_event {
	const char *type; /* the event: field, or "message" when there was none;
			     NUL-terminated (a type holding a NUL byte reads short) */
	const char *data; /* the data: lines joined with "\n"; may hold any byte,
			     NUL included; data[data_len] is a terminating NUL */
	size_t data_len;  /* bytes in data, at most the parser's max_event */
	const char *id;   /* the last event ID once this event is seen: its own
			     id: field or the one in force before; may be "" */
};

/* Called once per dispatched event, from inside sse_feed.  Return 0 to go
 * on; a nonzero value stops parsing and sse_feed returns it unchanged (use a
 * positive one, so that the caller can tell it from SSE_ERR_*).  The callback must not call sse_feed, sse_reset or sse_free on the
 * parser that called it; sse_last_id is fine. */
typedef int (*sse_on_event)(const struct sse_event *ev, void *arg);

/* Called, from inside sse_feed, for each retry: field whose value is only
 * ASCII digits (one or more), with that value in milliseconds; values beyond
 * LONG_MAX are passed as LONG_MAX.  The same restrictions as sse_on_event. */
typedef void (*sse_on_retry)(long ms, void *arg);

struct sse_parser;

/* A parser for one event stream.  max_line bounds one line without its line
 * end (a field name, colon and value: so every id and event type too);
 * max_event bounds the data of one event as dispatched (data_len).  Both must
 * be between 1 and SSE_MAX_BOUND.  on_event is required, on_retry may be
 * NULL; arg is passed to both untouched and stays the caller's.  Memory grows
 * with what the stream holds, up to about max_line * 4 + max_event, and no
 * more is allocated up front.  Returns a parser the caller releases with
 * sse_free, or NULL on bad arguments or when memory runs out. */
struct sse_parser *sse_new(size_t max_line, size_t max_event, sse_on_event on_event,
			   sse_on_retry on_retry, void *arg);

/* Parse the next len bytes of the stream (buf may be NULL when len is 0);
 * chunks may split the stream anywhere, even between the CR and the LF of a
 * line end, and the events are the same however it is split.  buf stays the
 * caller's and is not kept.  Returns:
 *   0                 every byte was used;
 *   SSE_ERR_TOO_LONG  a line or an event went over its bound, or
 *   SSE_ERR_NOMEM     memory ran out: in both cases the rest of buf is
 *                     dropped and the parser is reset as by sse_reset (the
 *                     last event ID is kept); the stream cannot be resumed
 *                     in the middle, so the caller should reconnect;
 *   the callback's nonzero value: the bytes after that event's blank line are
 *                     not used and the parser is not reset; it stands at a
 *                     line boundary, so it can go on with later bytes or be
 *                     reset. */
int sse_feed(struct sse_parser *p, const char *buf, size_t len);

/* The last event ID, to send as Last-Event-ID when reconnecting: the value of
 * the latest id: field followed by a blank line (even one that dispatched no
 * event, as the standard says), "" at first.  Owned by p, NUL-terminated, and
 * valid until the next sse_feed, sse_reset or sse_free on p. */
const char *sse_last_id(const struct sse_parser *p);

/* Start over for a new connection: the partial line and the partial event
 * (with any id: it carried) are dropped, as the standard drops an unfinished
 * event at the end of a stream; the last event ID survives the reconnection;
 * a leading byte order mark is skipped again.  Also call it after a stream
 * ends, to discard what was left unfinished. */
void sse_reset(struct sse_parser *p);

/* Release p and everything it owns; NULL is fine. */
void sse_free(struct sse_parser *p);

#endif
