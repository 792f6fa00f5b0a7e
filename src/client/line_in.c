/* Lines from an fd on the loop (see line_in.h).  The fd is read only when
 * poll says it is readable, one read(2) per turn, so it is never put in
 * non-blocking mode: stdin's file description is shared with the shell
 * that started us, and O_NONBLOCK would stay on it after we exit. */
#include "client/line_in.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "client/loop.h"

static void watch(struct line_in *in);

static void unwatch(struct line_in *in)
{
	if (in->watched)
		loop_fd_del(in->loop, in->fd);
	in->watched = false;
}

static void on_readable(void *arg, int fd, short revents)
{
	struct line_in *in = arg;
	(void)revents; /* POLLHUP too: read says 0 once the data is taken */
	if (in->start) {
		memmove(in->buf, in->buf + in->start, in->len - in->start);
		in->len -= in->start;
		in->start = 0;
	}
	if (in->len == sizeof(in->buf)) {
		unwatch(in); /* full: watched again once a line is taken */
		return;
	}
	ssize_t n = read(fd, in->buf + in->len, sizeof(in->buf) - in->len);
	if (n > 0) {
		in->len += (size_t)n;
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	in->error = n < 0 ? errno : 0;
	in->eof = true;
	unwatch(in);
}

static void watch(struct line_in *in)
{
	if (in->watched || in->eof)
		return;
	if (loop_fd_set(in->loop, in->fd, POLLIN, on_readable, in) < 0) {
		in->error = ENOMEM;
		in->eof = true;
		return;
	}
	in->watched = true;
}

int line_in_start(struct line_in *in, struct loop *l, int fd, size_t max)
{
	in->loop = l;
	in->fd = fd;
	in->max = max < LINE_IN_BUF ? max : LINE_IN_BUF - 1;
	in->watched = in->eof = in->skipping = false;
	in->error = 0;
	in->start = in->len = 0;
	watch(in);
	return in->error ? -1 : 0;
}

void line_in_stop(struct line_in *in)
{
	unwatch(in);
}

/* Take the n bytes at the start as a line (n <= max, outsize > max). */
static void take(struct line_in *in, size_t n, size_t used, char *out)
{
	memcpy(out, in->buf + in->start, n);
	out[n] = '\0';
	in->start += used;
}

/* Drop what is left of a line too long, up to its "\n": true once found. */
static bool skip_rest(struct line_in *in)
{
	const char *p = in->buf + in->start;
	const char *nl = memchr(p, '\n', in->len - in->start);
	if (!nl) {
		in->start = in->len;
		return false;
	}
	in->start += (size_t)(nl - p) + 1;
	in->skipping = false;
	return true;
}

enum line_in_got line_in_next(struct line_in *in, char *out, size_t outsize)
{
	if (outsize <= in->max)
		return LINE_IN_END; /* the caller's bug: nothing would fit */
	if (in->skipping && !skip_rest(in))
		goto wait;
	const char *p = in->buf + in->start;
	size_t avail = in->len - in->start;
	const char *nl = memchr(p, '\n', avail);
	if (nl) {
		size_t n = (size_t)(nl - p);
		size_t keep = n && p[n - 1] == '\r' ? n - 1 : n;
		if (keep > in->max) {
			in->start += n + 1;
			return LINE_IN_TOO_LONG;
		}
		take(in, keep, n + 1, out);
		return LINE_IN_LINE;
	}
	/* a "\r" may wait for its "\n" in the next read: not part of the line */
	if (avail > in->max + (avail && p[avail - 1] == '\r')) {
		in->skipping = true;
		skip_rest(in);
		watch(in);
		return LINE_IN_TOO_LONG;
	}
	if (in->eof && avail) {
		size_t keep = p[avail - 1] == '\r' ? avail - 1 : avail;
		if (keep > in->max) {
			in->start = in->len;
			return LINE_IN_TOO_LONG;
		}
		take(in, keep, avail, out); /* the last line, without its "\n" */
		return LINE_IN_LINE;
	}
wait:
	if (in->eof && in->start == in->len)
		return LINE_IN_END;
	watch(in);
	return LINE_IN_NONE;
}
