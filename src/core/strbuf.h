/* A growable string, for text built piece by piece (a message, a mail
 * file, a program's output).  An allocation that fails sets `bad` and
 * every later append does nothing, so that the builder checks once, at
 * the end (strbuf_take).  `max` (0: none) caps the bytes kept: what goes
 * past it is dropped, and `cut` says so.  Pure: no I/O. */
#ifndef GUICHET_CORE_STRBUF_H
#define GUICHET_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;        /* NUL-terminated once anything was added; owned */
	size_t n, cap;
	size_t max;     /* 0: no cap */
	bool bad;       /* an allocation failed */
	bool cut;       /* bytes past max were dropped */
};

void strbuf_add(struct strbuf *b, const void *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_putc(struct strbuf *b, char c);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (the caller frees it; "" when nothing was added), or NULL
 * when an append failed (then freed).  The buffer is empty afterwards. */
char *strbuf_take(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
