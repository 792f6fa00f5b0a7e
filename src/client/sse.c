/* Server-sent events parser (see sse.h), after the "event stream
 * interpretation" section of the WHATWG HTML standard.
 *
 * Bytes go through three stages: a leading byte order mark is skipped (it
 * may arrive split over several chunks), the rest is cut into lines at CR,
 * LF or CRLF (a CR ending one chunk and the LF starting the next make one
 * line end, hence the after_cr flag), and each complete line updates the
 * event being built or dispatches it.  A line that arrives whole within one
 * chunk is parsed where it lies; only lines split over chunks are copied. */
#include "client/sse.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer with a hard cap, always NUL-terminated once it has
 * memory, so that its bytes can be handed out as a C string. */
struct buf {
	char *data;
	size_t len;
	size_t cap; /* bytes allocated, NUL included; never more than max + 1 */
	size_t max; /* most bytes it may hold, NUL excluded */
};

struct sse_parser {
	size_t max_line;
	sse_on_event on_event;
	sse_on_retry on_retry;
	void *arg;

	size_t bom_seen; /* bytes of the leading BOM matched so far */
	bool at_start;   /* no byte past a possible BOM seen yet */
	bool after_cr;   /* the last line ended with CR: an LF next is its tail */
	bool stopped;    /* the callback stopped this sse_feed (not an error) */

	struct buf line; /* a line split over chunks, its start so far */
	struct buf data; /* the data buffer: each data: value plus "\n" */
	struct buf type; /* the event type buffer */
	/* The standard's last event ID buffer is last_id, or next_id when
	 * id_pending: an id: field writes next_id, and the blank line that ends
	 * the event makes it the last event ID by swapping the two, so that
	 * dispatching needs no allocation and sse_reset can drop it. */
	struct buf last_id;
	struct buf next_id;
	bool id_pending;
};

static const unsigned char BOM[3] = { 0xEF, 0xBB, 0xBF };

static void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

static void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Give back the memory as well: after a reset, one huge event in the past
 * should not keep its buffer for the life of the desk. */
static void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

static const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

/* Make room for n more bytes (and the NUL).  Capacity doubles, as curl's
 * dynbuf does, but never past the cap. */
static int buf_reserve(struct buf *b, size_t n)
{
	if (n > b->max - b->len)
		return SSE_ERR_TOO_LONG;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2; /* max <= SSE_MAX_BOUND + 1: cannot overflow */
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *d = realloc(b->data, cap);
	if (!d)
		return SSE_ERR_NOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const char *s, size_t n)
{
	int rc = buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int buf_set(struct buf *b, const char *s, size_t n)
{
	buf_clear(b);
	return buf_append(b, s, n);
}

static void buf_swap(struct buf *a, struct buf *b)
{
	struct buf t = *a;
	*a = *b;
	*b = t;
}

struct sse_parser *sse_new(size_t max_line, size_t max_event, sse_on_event on_event,
			   sse_on_retry on_retry, void *arg)
{
	if (!on_event || max_line == 0 || max_event == 0 || max_line > SSE_MAX_BOUND ||
	    max_event > SSE_MAX_BOUND)
		return NULL;
	struct sse_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->max_line = max_line;
	p->on_event = on_event;
	p->on_retry = on_retry;
	p->arg = arg;
	buf_init(&p->line, max_line);
	/* One byte over max_event: the "\n" after the last data line, which
	 * dispatch removes (see add_data). */
	buf_init(&p->data, max_event + 1);
	buf_init(&p->type, max_line);
	buf_init(&p->last_id, max_line);
	buf_init(&p->next_id, max_line);
	p->at_start = true;
	return p;
}

void sse_reset(struct sse_parser *p)
{
	buf_release(&p->line);
	buf_release(&p->data);
	buf_release(&p->type);
	buf_release(&p->next_id);
	p->id_pending = false;
	p->bom_seen = 0;
	p->at_start = true;
	p->after_cr = false;
}

void sse_free(struct sse_parser *p)
{
	if (!p)
		return;
	free(p->line.data);
	free(p->data.data);
	free(p->type.data);
	free(p->last_id.data);
	free(p->next_id.data);
	free(p);
}

const char *sse_last_id(const struct sse_parser *p)
{
	return buf_str(&p->last_id);
}

/* The blank line: the event ends here, dispatched or not. */
static int dispatch(struct sse_parser *p)
{
	if (p->id_pending) {
		buf_swap(&p->last_id, &p->next_id);
		p->id_pending = false;
	}
	if (p->data.len == 0) {
		/* No data: nothing to dispatch, but the type is forgotten all the
		 * same and the id above stays set. */
		buf_clear(&p->type);
		return 0;
	}
	/* Every data line appended a "\n"; only the last one goes. */
	p->data.data[--p->data.len] = '\0';
	struct sse_event ev = {
		.type = p->type.len ? p->type.data : "message",
		.data = p->data.data,
		.data_len = p->data.len,
		.id = buf_str(&p->last_id),
	};
	int rc = p->on_event(&ev, p->arg);
	buf_clear(&p->data);
	buf_clear(&p->type);
	p->stopped = rc != 0;
	return rc;
}

static int add_data(struct sse_parser *p, const char *v, size_t n)
{
	/* The data buffer holds max_event + 1 bytes, so this fails exactly when
	 * the event would be over max_event if dispatched after this line (its
	 * "\n" removed). */
	int rc = buf_reserve(&p->data, n + 1);
	if (rc)
		return rc;
	buf_append(&p->data, v, n);    /* room reserved: cannot fail */
	buf_append(&p->data, "\n", 1);
	return 0;
}

/* retry: counts only when the value is one or more ASCII digits; a value
 * too big for a long saturates rather than wrapping around. */
static bool parse_retry(const char *v, size_t n, long *ms)
{
	if (n == 0)
		return false;
	long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		int d = v[i] - '0';
		x = x > (LONG_MAX - d) / 10 ? LONG_MAX : x * 10 + d;
	}
	*ms = x;
	return true;
}

static bool field_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int process_field(struct sse_parser *p, const char *name, size_t name_len,
			 const char *v, size_t n)
{
	if (field_is(name, name_len, "data"))
		return add_data(p, v, n);
	if (field_is(name, name_len, "event"))
		return buf_set(&p->type, v, n);
	if (field_is(name, name_len, "id")) {
		if (memchr(v, '\0', n))
			return 0; /* an id with NUL could not be sent back in a header */
		p->id_pending = true;
		return buf_set(&p->next_id, v, n);
	}
	long ms;
	if (field_is(name, name_len, "retry") && parse_retry(v, n, &ms) && p->on_retry)
		p->on_retry(ms, p->arg);
	return 0; /* unknown fields are ignored, for future extensions */
}

/* One complete line, without its line end. */
static int process_line(struct sse_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return dispatch(p);
	if (s[0] == ':')
		return 0; /* a comment: guichetd's keep-alives */
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return process_field(p, s, n, s + n, 0);
	size_t name_len = (size_t)(colon - s);
	const char *v = colon + 1;
	size_t vlen = n - name_len - 1;
	if (vlen > 0 && v[0] == ' ') {
		v++;
		vlen--;
	}
	return process_field(p, s, name_len, v, vlen);
}

/* s[0..n) ends a line: parse it in place when no earlier chunk began it. */
static int end_line(struct sse_parser *p, const char *s, size_t n)
{
	if (p->line.len == 0) {
		if (n > p->max_line)
			return SSE_ERR_TOO_LONG;
		return process_line(p, s, n);
	}
	int rc = buf_append(&p->line, s, n);
	if (rc)
		return rc;
	rc = process_line(p, p->line.data, p->line.len);
	buf_clear(&p->line);
	return rc;
}

static size_t find_eol(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

/* Bytes past the leading BOM: cut them into lines. */
static int feed_lines(struct sse_parser *p, const char *s, size_t n)
{
	while (n > 0) {
		if (p->after_cr) {
			p->after_cr = false;
			if (s[0] == '\n') { /* the LF of a CRLF */
				s++;
				n--;
				continue;
			}
		}
		size_t k = find_eol(s, n);
		if (k == n)
			return buf_append(&p->line, s, n); /* the line goes on */
		p->after_cr = s[k] == '\r';
		int rc = end_line(p, s, k);
		if (rc)
			return rc;
		s += k + 1;
		n -= k + 1;
	}
	return 0;
}

/* Match the stream's first bytes against the BOM; returns how many bytes of
 * s it used.  When the match fails part way, the bytes held back were data
 * after all: *replay says how many of BOM's to parse before the rest. */
static size_t skip_bom(struct sse_parser *p, const char *s, size_t n, size_t *replay)
{
	size_t i = 0;
	*replay = 0;
	while (i < n && p->bom_seen < sizeof(BOM)) {
		if ((unsigned char)s[i] != BOM[p->bom_seen]) {
			*replay = p->bom_seen;
			p->at_start = false;
			return i;
		}
		p->bom_seen++;
		i++;
	}
	if (p->bom_seen == sizeof(BOM))
		p->at_start = false;
	return i;
}

int sse_feed(struct sse_parser *p, const char *buf, size_t len)
{
	int rc = 0;
	if (len == 0)
		return 0;
	if (p->at_start) {
		size_t replay;
		size_t used = skip_bom(p, buf, len, &replay);
		buf += used;
		len -= used;
		if (replay)
			rc = feed_lines(p, (const char *)BOM, replay);
	}
	if (rc == 0)
		rc = feed_lines(p, buf, len);
	/* Only our own errors reset: a callback may stop with any value, even
	 * one equal to an SSE_ERR_ code, and still expect its state kept. */
	if (rc && !p->stopped)
		sse_reset(p);
	p->stopped = false;
	return rc;
}
