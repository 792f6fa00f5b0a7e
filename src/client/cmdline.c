/* Splitting command lines into words, and quoting words so that they
 * split back (the rules are in cmdline.h).  The splitter is one pass with
 * a cursor: the main loop looks at the next byte and hands over to a small
 * scanner for each form (plain run, backslash, '...', "...").  The line is
 * checked for length, NUL and UTF-8 before the pass, so the scanners can
 * step over whole characters without checking again. */
#include "client/cmdline.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The escapes of double quotes other than \u{}: the letter after the
 * backslash and the byte it stands for.  Read by the splitter one way and
 * by cmdline_quote the other way. */
static const struct {
	char name, value;
} dq_escapes[] = {
	{ '"', '"' }, { '\\', '\\' }, { 'n', '\n' }, { 't', '\t' },
};

/* Bytes that end a plain run outside quotes. */
static const char PLAIN_STOP[] = " \t\"'\\";

/* One split in progress: the unread part of the line, the words written. */
struct split {
	const char *p, *end;
	struct cmdline *out;
	size_t used;       /* bytes of out->buf taken, NULs included */
	bool in_word;
	const char *why;   /* set by fail() */
};

/* Record why the split stops; returns -1 for the caller to pass up. */
static int fail(struct split *s, const char *why)
{
	s->why = why;
	return -1;
}

/* Open a word unless one is open: a quote opens a word even when nothing
 * is inside, which is how "" becomes an empty word. */
static int open_word(struct split *s)
{
	if (s->in_word)
		return 0;
	if (s->out->argc == CMDLINE_MAX_ARGS)
		return fail(s, "too many words");
	if (s->used >= sizeof(s->out->buf)) /* cannot happen within CMDLINE_MAX_LEN */
		return fail(s, "line too long");
	s->out->argv[s->out->argc++] = s->out->buf + s->used;
	s->in_word = true;
	return 0;
}

/* Append b[0..n) to the open word (opening one), keeping room for its NUL. */
static int put(struct split *s, const char *b, size_t n)
{
	if (open_word(s) < 0)
		return -1;
	if (n >= sizeof(s->out->buf) - s->used)
		return fail(s, "line too long");
	memcpy(s->out->buf + s->used, b, n);
	s->used += n;
	return 0;
}

/* End the open word, if any, with its NUL. */
static void close_word(struct split *s)
{
	if (!s->in_word)
		return;
	s->out->buf[s->used++] = '\0';
	s->in_word = false;
}

/* Bytes in the character at the cursor (the line is valid UTF-8). */
static size_t char_len(const struct split *s)
{
	uint32_t cp;
	return text_utf8_decode(s->p, (size_t)(s->end - s->p), &cp);
}

/* The value of one hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A run of ordinary bytes; a '#' inside a word is one of them. */
static int scan_plain(struct split *s)
{
	const char *start = s->p;
	while (s->p < s->end && !strchr(PLAIN_STOP, *s->p))
		s->p++;
	return put(s, start, (size_t)(s->p - start));
}

/* Outside quotes: a backslash takes the next character as it is. */
static int scan_backslash(struct split *s)
{
	s->p++;
	if (s->p == s->end) /* nothing to escape: the backslash is itself */
		return put(s, "\\", 1);
	size_t n = char_len(s);
	s->p += n;
	return put(s, s->p - n, n);
}

/* '...': everything up to the next single quote, as it is. */
static int scan_single(struct split *s)
{
	const char *body = s->p + 1;
	const char *close = memchr(body, '\'', (size_t)(s->end - body));
	if (!close)
		return fail(s, "unterminated single quote");
	s->p = close + 1;
	return put(s, body, (size_t)(close - body));
}

/* \u{X..} inside double quotes, the cursor on the 'u': one to six hex
 * digits naming a scalar value; U+0000 is refused like a NUL byte. */
static int scan_unicode(struct split *s)
{
	const char *p = s->p + 2;
	uint32_t cp = 0;
	int digits = 0;
	for (; p < s->end && *p != '}'; p++, digits++) {
		int v = hex_value(*p);
		if (v < 0 || digits == 6)
			return fail(s, "bad \\u{...} escape");
		cp = cp << 4 | (uint32_t)v;
	}
	if (p == s->end || digits == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(s, "bad \\u{...} escape");
	if (cp == 0)
		return fail(s, "NUL byte in line");
	char b[4];
	size_t n = text_utf8_encode(cp, b);
	s->p = p + 1;
	return put(s, b, n);
}

/* A backslash inside double quotes, the cursor on it.  An unknown escape
 * keeps its backslash and leaves the next character to the caller's loop
 * (which also sees the end of the line for "abc\). */
static int scan_dq_escape(struct split *s)
{
	const char *c = s->p + 1;
	if (c < s->end && *c == 'u' && c + 1 < s->end && c[1] == '{') {
		s->p = c;
		return scan_unicode(s);
	}
	for (size_t i = 0; c < s->end && i < N_ELEMS(dq_escapes); i++) {
		if (dq_escapes[i].name == *c) {
			s->p = c + 1;
			return put(s, &dq_escapes[i].value, 1);
		}
	}
	s->p = c;
	return put(s, "\\", 1);
}

/* "...": a run of ordinary bytes or an escape at a time. */
static int scan_double(struct split *s)
{
	s->p++;
	if (open_word(s) < 0)
		return -1;
	while (s->p < s->end && *s->p != '"') {
		int rc;
		if (*s->p == '\\') {
			rc = scan_dq_escape(s);
		} else {
			const char *start = s->p;
			while (s->p < s->end && *s->p != '"' && *s->p != '\\')
				s->p++;
			rc = put(s, start, (size_t)(s->p - start));
		}
		if (rc < 0)
			return -1;
	}
	if (s->p == s->end)
		return fail(s, "unterminated double quote");
	s->p++;
	return 0;
}

/* The pass over a checked line. */
static int scan(struct split *s)
{
	while (s->p < s->end) {
		char c = *s->p;
		int rc = 0;
		if (c == ' ' || c == '\t') {
			close_word(s);
			s->p++;
		} else if (c == '#' && !s->in_word) {
			break; /* a comment: the rest of the line */
		} else if (c == '"') {
			rc = scan_double(s);
		} else if (c == '\'') {
			rc = scan_single(s);
		} else if (c == '\\') {
			rc = scan_backslash(s);
		} else {
			rc = scan_plain(s);
		}
		if (rc < 0)
			return -1;
	}
	close_word(s);
	return 0;
}

/* What makes a line unreadable as a whole, before looking at its words. */
static const char *check_line(const char *line, size_t len)
{
	if (len > CMDLINE_MAX_LEN)
		return "line too long";
	if (memchr(line, '\0', len))
		return "NUL byte in line";
	if (!text_utf8_valid(line, len))
		return "invalid UTF-8";
	return NULL;
}

int cmdline_split(const char *line, size_t len, struct cmdline *out, char *err, size_t errlen)
{
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	struct split s = { line, line + len, out, 0, false, check_line(line, len) };
	out->argc = 0;
	if (!s.why && scan(&s) == 0) {
		out->argv[out->argc] = NULL;
		return 0;
	}
	out->argc = 0; /* no half-split line reaches a command */
	out->argv[0] = NULL;
	if (err && errlen)
		snprintf(err, errlen, "%s", s.why);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Quoting                                                             */

/* How a word is written back, from the plainest. */
enum quote_style { Q_BARE, Q_DOUBLE, Q_SINGLE, Q_ESCAPED };

/* Characters never written literally: C0 (tab and newline too), DEL, C1.
 * A word is shown on one line and these would break it or the terminal. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* The plainest style that gives w[0..len) back. */
static enum quote_style style_of(const char *w, size_t len)
{
	bool spaced = len == 0 || w[0] == '#', dq = false, sq = false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		i += text_utf8_decode(w + i, len - i, &cp);
		if (is_control(cp))
			return Q_ESCAPED;
		dq |= cp == '"' || cp == '\\';
		sq |= cp == '\'';
		spaced |= cp == ' ';
	}
	if (!spaced && !dq && !sq)
		return Q_BARE;
	return !dq ? Q_DOUBLE : !sq ? Q_SINGLE : Q_ESCAPED;
}

/* A bounded output buffer that remembers it overflowed. */
struct sink {
	char *out;
	size_t len, cap;
	bool full;
};

/* Append b[0..n), or mark the sink full. */
static void emit(struct sink *k, const char *b, size_t n)
{
	if (k->full || n >= k->cap - k->len) { /* keep room for the NUL */
		k->full = true;
		return;
	}
	memcpy(k->out + k->len, b, n);
	k->len += n;
}

/* One character of an escaped word: a table escape, \u{X} for other
 * controls, else itself. */
static void emit_escaped_char(struct sink *k, const char *c, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < N_ELEMS(dq_escapes); i++) {
		if ((uint32_t)(unsigned char)dq_escapes[i].value == cp) {
			char esc[2] = { '\\', dq_escapes[i].name };
			emit(k, esc, 2);
			return;
		}
	}
	if (is_control(cp)) {
		char esc[16];
		int m = snprintf(esc, sizeof(esc), "\\u{%X}", (unsigned)cp);
		emit(k, esc, (size_t)m);
		return;
	}
	emit(k, c, n);
}

/* The word in its style, quotes included. */
static void emit_word(struct sink *k, const char *w, size_t len, enum quote_style style)
{
	static const char *const around[] = { "", "\"", "'", "\"" };
	emit(k, around[style], strlen(around[style]));
	if (style != Q_ESCAPED) {
		emit(k, w, len);
	} else {
		for (size_t i = 0; i < len;) {
			uint32_t cp;
			size_t n = text_utf8_decode(w + i, len - i, &cp);
			emit_escaped_char(k, w + i, n, cp);
			i += n;
		}
	}
	emit(k, around[style], strlen(around[style]));
}

int cmdline_quote(const char *word, char *out, size_t outlen)
{
	size_t len = strlen(word);
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (!text_utf8_valid(word, len))
		return -1;
	struct sink k = { out, 0, outlen, false };
	emit_word(&k, word, len, style_of(word, len));
	if (k.full || k.len > INT_MAX) {
		out[0] = '\0';
		return -1;
	}
	out[k.len] = '\0';
	return (int)k.len;
}
