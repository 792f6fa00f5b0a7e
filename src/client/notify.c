/* Notification sequences (see notify.h). */
#include "client/notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define FIELD_MAX 200

static const char *const names[] = { "none", "bell", "osc9", "osc777", "osc99" };

int notify_method_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *notify_method_name(enum notify_method m)
{
	return (size_t)m < sizeof(names) / sizeof(names[0]) ? names[m] : "none";
}

/* Untrusted text made safe inside an OSC: sanitized (controls, ESC, BEL,
 * bidi become U+FFFD), then without the replacement characters and the
 * separators `;` (OSC 777 fields) and `:` (kitty's metadata), cut at a
 * character boundary. */
static void clean(const char *in, char *out, size_t n)
{
	char *s = text_sanitize(in ? in : "", in ? strlen(in) : 0, 0);
	size_t o = 0;
	for (const char *p = s ? s : ""; *p && o + 1 < n;) {
		uint32_t cp;
		size_t k = text_utf8_decode(p, strlen(p), &cp);
		if (cp != 0xfffd && cp != ';' && o + k < n && o + k <= FIELD_MAX) {
			memcpy(out + o, p, k);
			o += k;
		}
		p += k;
	}
	out[o] = '\0';
	free(s);
}

/* ESC P tmux; <sequence with every ESC doubled> ESC \ */
static int tmux_wrap(const char *seq, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	const char head[] = "\033Ptmux;", tail[] = "\033\\";
	if (outlen < sizeof(head) + sizeof(tail) + 2 * n)
		return -1;
	memcpy(out, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (size_t i = 0; i < n; i++) {
		if (seq[i] == '\033')
			out[o++] = '\033';
		out[o++] = seq[i];
	}
	memcpy(out + o, tail, sizeof(tail));
	return (int)(o + sizeof(tail) - 1);
}

int notify_format(enum notify_method method, bool in_tmux, const char *title, const char *body,
		  char *out, size_t outlen)
{
	char t[FIELD_MAX + 4], b[FIELD_MAX + 4], seq[1024];
	int n = 0;
	clean(title, t, sizeof(t));
	clean(body, b, sizeof(b));
	switch (method) {
	case NOTIFY_NONE: n = 0; break;
	case NOTIFY_BELL: n = snprintf(seq, sizeof(seq), "\a"); break;
	case NOTIFY_OSC9: n = snprintf(seq, sizeof(seq), "\033]9;%s: %s\a", t, b); break;
	case NOTIFY_OSC777: n = snprintf(seq, sizeof(seq), "\033]777;notify;%s;%s\a", t, b); break;
	case NOTIFY_OSC99:
		n = snprintf(seq, sizeof(seq), "\033]99;i=1:d=0;%s\033\\\033]99;i=1:d=1:p=body;%s\033\\",
			     t, b);
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(seq))
		return -1;
	if (n && in_tmux && method != NOTIFY_BELL)
		return tmux_wrap(seq, (size_t)n, out, outlen);
	if ((size_t)n + 1 > outlen)
		return -1;
	memcpy(out, seq, (size_t)n + 1);
	return n;
}
