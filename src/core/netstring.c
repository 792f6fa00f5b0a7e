/* Netstrings (see netstring.h). */
#include "core/netstring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN_DIGITS 7 /* max < 10^7 */

void netstring_init(struct netstring_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void netstring_free(struct netstring_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->start = r->len = r->cap = 0;
}

void netstring_reset(struct netstring_reader *r)
{
	r->start = r->len = 0;
	r->broken = false;
	r->why[0] = '\0';
}

static void broken(struct netstring_reader *r, const char *why)
{
	r->broken = true;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

int netstring_feed(struct netstring_reader *r, const void *data, size_t n)
{
	if (r->broken)
		return 0;
	if (r->start) { /* what was handed out goes first */
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 512;
		while (cap < r->len + n)
			cap *= 2;
		char *b = realloc(r->buf, cap);
		if (!b) {
			broken(r, "out of memory");
			return -1;
		}
		r->buf = b;
		r->cap = cap;
	}
	if (n)
		memcpy(r->buf + r->len, data, n);
	r->len += n;
	return 0;
}

enum netstring_got netstring_next(struct netstring_reader *r, const char **frame, size_t *n)
{
	if (r->broken)
		return NETSTRING_BAD;
	const char *p = r->buf + r->start;
	size_t have = r->len - r->start, i = 0, len = 0;
	for (; i < have && p[i] >= '0' && p[i] <= '9'; i++) {
		/* "0" alone, or no leading zero: one spelling per length */
		if (i == LEN_DIGITS || (i == 1 && p[0] == '0'))
			return broken(r, "bad netstring length"), NETSTRING_BAD;
		len = len * 10 + (size_t)(p[i] - '0');
	}
	if (i == have)
		return NETSTRING_MORE;
	if (i == 0 || p[i] != ':')
		return broken(r, "not a netstring"), NETSTRING_BAD;
	if (len > r->max)
		return broken(r, "netstring too long"), NETSTRING_BAD;
	if (have < i + 1 + len + 1)
		return NETSTRING_MORE;
	if (p[i + 1 + len] != ',')
		return broken(r, "netstring without its comma"), NETSTRING_BAD;
	*frame = p + i + 1;
	*n = len;
	r->start += i + 1 + len + 1;
	return NETSTRING_FRAME;
}

size_t netstring_encode(const char *payload, size_t n, char *out, size_t cap)
{
	char head[24];
	int h = snprintf(head, sizeof(head), "%zu:", n);
	if (h < 0 || (size_t)h + n + 1 > cap)
		return 0;
	memcpy(out, head, (size_t)h);
	memcpy(out + h, payload, n);
	out[(size_t)h + n] = ',';
	return (size_t)h + n + 1;
}
