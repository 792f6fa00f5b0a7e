/* Netstrings (D. J. Bernstein): "<length>:<bytes>," — the framing of
 * baresip's ctrl_tcp.  A reader takes bytes as they come off a socket, in
 * any cuts, and hands out whole frames; it holds at most `max` bytes of
 * payload, so a peer cannot make it grow without bound.  Pure: no I/O. */
#ifndef GUICHET_CORE_NETSTRING_H
#define GUICHET_CORE_NETSTRING_H

#include <stdbool.h>
#include <stddef.h>

struct netstring_reader {
	char *buf;        /* owned; freed by netstring_free */
	size_t start;     /* the first byte not yet handed out */
	size_t len, cap;
	size_t max;       /* the longest payload taken */
	bool broken;      /* a bad frame was seen: nothing more is read */
	char why[80];     /* ...and what was wrong */
};

enum netstring_got { NETSTRING_MORE, NETSTRING_FRAME, NETSTRING_BAD };

/* An empty reader taking payloads of at most max bytes (max < 10^7). */
void netstring_init(struct netstring_reader *r, size_t max);
void netstring_free(struct netstring_reader *r);
/* Forget what was read (a new connection) and any error. */
void netstring_reset(struct netstring_reader *r);

/* Take n bytes.  0, or -1 when memory ran out (the reader is then broken). */
int netstring_feed(struct netstring_reader *r, const void *data, size_t n);

/* The next whole frame: NETSTRING_FRAME with *frame (not NUL-terminated,
 * valid until the next call on r) and *n; NETSTRING_MORE when it has not
 * all come yet; NETSTRING_BAD when the stream is not netstrings or a
 * frame is longer than max (r->why says which; the stream cannot be
 * resynchronised: the caller drops the connection). */
enum netstring_got netstring_next(struct netstring_reader *r, const char **frame, size_t *n);

/* The frame for a payload, into out (cap bytes): its length, or 0 when it
 * does not fit. */
size_t netstring_encode(const char *payload, size_t n, char *out, size_t cap);

#endif
