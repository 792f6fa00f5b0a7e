/* Lines read from an fd on the client's loop (headless mode's stdin):
 * bytes arrive while the loop turns for something else (a command's
 * answer, the outbox's retries), so a script that pauses between two
 * commands never stops the desk.  Bounded: a line longer than the limit
 * is reported and skipped, and the fd is left unwatched while the buffer
 * is full. */
#ifndef GUICHET_CLIENT_LINE_IN_H
#define GUICHET_CLIENT_LINE_IN_H

#include <stdbool.h>
#include <stddef.h>

struct loop;

#define LINE_IN_BUF ((size_t)64 << 10)

struct line_in {
	struct loop *loop;          /* borrowed */
	int fd;                     /* borrowed: never closed here */
	size_t max;                 /* the longest line taken, in bytes */
	bool watched, eof, skipping;
	int error;                  /* errno of a failed read (then eof too) */
	size_t start, len;          /* the bytes not taken yet: buf[start, len) */
	char buf[LINE_IN_BUF];
};

enum line_in_got { LINE_IN_NONE, LINE_IN_LINE, LINE_IN_TOO_LONG, LINE_IN_END };

/* Start watching fd on l; max < LINE_IN_BUF.  0, or -1 (the loop refused
 * the fd). */
int line_in_start(struct line_in *in, struct loop *l, int fd, size_t max);

/* Take the next whole line (without its "\n" or "\r\n") into out
 * (outsize > max): LINE_IN_LINE; LINE_IN_TOO_LONG once for a line over
 * max (its bytes are dropped); LINE_IN_NONE while nothing whole has come
 * yet (turn the loop); LINE_IN_END at the end of input, after the last
 * line (a last line without "\n" counts). */
enum line_in_got line_in_next(struct line_in *in, char *out, size_t outsize);

/* Stop watching the fd (nothing when already stopped). */
void line_in_stop(struct line_in *in);

#endif
