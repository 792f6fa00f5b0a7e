/* Splitting command lines (see cmdline.h). */
#include "client/cmdline.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

struct splitter {
	struct cmdline *out;
	size_t o;          /* bytes used in out->buf */
	bool in_word;
	char *err;
	size_t errlen;
};

static int fail(struct splitter *s, const char *msg)
{
	snprintf(s->err, s->errlen, "%s", msg);
	return -1;
}

static int put(struct splitter *s, char c)
{
	if (!s->in_word) {
		if (s->out->argc == CMDLINE_MAX_ARGS)
			return fail(s, "too many words");
		s->out->argv[s->out->argc++] = s->out->buf + s->o;
		s->in_word = true;
	}
	if (s->o + 2 > sizeof(s->out->buf))
		return fail(s, "line too long");
	s->out->buf[s->o++] = c;
	return 0;
}

static int end_word(struct splitter *s)
{
	if (s->in_word) {
		s->out->buf[s->o++] = '\0';
		s->in_word = false;
	}
	return 0;
}

/* Inside "...": returns the index after the closing quote, or -1. */
static long dquoted(struct splitter *s, const char *l, size_t len, size_t i)
{
	static const char from[] = "\"\\nt", to[] = "\"\\\n\t";
	if (put(s, 'x') < 0) /* open the word even when the quotes are empty */
		return -1;
	s->o--;
	for (; i < len; i++) {
		if (l[i] == '"')
			return (long)i + 1;
		if (l[i] == '\\' && i + 1 < len && strchr(from, l[i + 1])) {
			if (put(s, to[strchr(from, l[++i]) - from]) < 0)
				return -1;
		} else if (put(s, l[i]) < 0) {
			return -1;
		}
	}
	fail(s, "unterminated double quote");
	return -1;
}

static long squoted(struct splitter *s, const char *l, size_t len, size_t i)
{
	if (put(s, 'x') < 0)
		return -1;
	s->o--;
	for (; i < len; i++) {
		if (l[i] == '\'')
			return (long)i + 1;
		if (put(s, l[i]) < 0)
			return -1;
	}
	fail(s, "unterminated single quote");
	return -1;
}

int cmdline_split(const char *line, size_t len, struct cmdline *out, char *err, size_t errlen)
{
	struct splitter s = { out, 0, false, err, errlen };
	out->argc = 0;
	out->argv[0] = NULL;
	if (len > CMDLINE_MAX_LEN)
		return fail(&s, "line too long");
	if (memchr(line, '\0', len))
		return fail(&s, "NUL byte in line");
	if (!text_utf8_valid(line, len))
		return fail(&s, "invalid UTF-8");
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	for (size_t i = 0; i < len;) {
		char c = line[i];
		long next = (long)i + 1;
		if (c == ' ' || c == '\t')
			end_word(&s);
		else if (c == '#' && !s.in_word)
			break;
		else if (c == '"')
			next = dquoted(&s, line, len, i + 1);
		else if (c == '\'')
			next = squoted(&s, line, len, i + 1);
		else if (c == '\\' && i + 1 < len)
			next = put(&s, line[i + 1]) < 0 ? -1 : (long)i + 2;
		else if (put(&s, c) < 0)
			next = -1;
		if (next < 0)
			return -1;
		i = (size_t)next;
	}
	end_word(&s);
	out->argv[out->argc] = NULL;
	return 0;
}

int cmdline_quote(const char *word, char *out, size_t outlen)
{
	bool plain = *word != '\0' && *word != '#';
	for (const char *p = word; *p && plain; p++)
		plain = !strchr(" \t\"'\\#\n\r", *p);
	size_t o = 0;
	if (plain) {
		int n = snprintf(out, outlen, "%s", word);
		return n < 0 || (size_t)n >= outlen ? -1 : n;
	}
	if (outlen < 3)
		return -1;
	out[o++] = '"';
	for (const char *p = word; *p; p++) {
		const char *esc = *p == '"' ? "\\\"" : *p == '\\' ? "\\\\" : *p == '\n' ? "\\n"
				: *p == '\t' ? "\\t" : NULL;
		size_t n = esc ? 2 : 1;
		if (o + n + 2 > outlen)
			return -1;
		if (esc)
			memcpy(out + o, esc, 2);
		else
			out[o] = *p;
		o += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return (int)o;
}
