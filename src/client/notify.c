/* Notification sequences (see notify.h): each method is one row of a
 * table, a template of trusted bytes with holes for the cleaned title and
 * body; a bounded writer fills out and doubles ESC inside tmux's
 * passthrough.
 *
 * Cleaning is where the care goes.  text.c decides what is unsafe to show
 * (text_is_clean, one code point at a time); what it refuses is dropped
 * rather than shown as U+FFFD, because in a notification popup a row of
 * "�" from a stripped escape sequence says nothing to the agent.  Only
 * malformed UTF-8 becomes U+FFFD: there a character really was lost.  The
 * filtered text then goes through text_sanitize anyway, which composes
 * accents and would catch anything the filter let by. */
#include "client/notify.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define ELLIPSIS    "\xE2\x80\xA6" /* U+2026 */

/* Enough filtered bytes to fill NOTIFY_FIELD_MAX even if composing accents
 * shrinks them (u + two marks, 5 bytes, compose to 2): reading stops
 * there, so a megabyte of chat never gets copied for 200 bytes of popup. */
#define FILTER_MAX (3 * NOTIFY_FIELD_MAX + 8)

/* One method: its option name, its sequence with %T (title), %B (body) and
 * %J ("title: body") holes, the byte the title must not hold (a field
 * separator of the protocol, replaced by ','), and whether it goes through
 * tmux's passthrough.  Terminators are each protocol's documented one: BEL
 * for OSC 9 and OSC 777, ST for kitty's OSC 99. */
struct method {
	const char *name;
	const char *seq;
	char title_sep;
	bool passthrough;
};

static const struct method methods[] = {
	[NOTIFY_NONE] = { "none", "", 0, false },
	[NOTIFY_BELL] = { "bell", "\a", 0, false },
	/* iTerm2, ConEmu, WezTerm: one text, so title and body are joined. */
	[NOTIFY_OSC9] = { "osc9", "\033]9;%J\a", 0, true },
	/* urxvt, foot, Ghostty: the title ends at the first ';', the body is
	 * the rest of the sequence, so only the title must lose its ';'. */
	[NOTIFY_OSC777] = { "osc777", "\033]777;notify;%T;%B\a", ';', true },
	/* kitty: notification 1 gets its title (d=0: more to come), then its
	 * body (d=1: show it).  The payload follows the second ';' and runs to
	 * ST, so ';' and ':' are plain text there. */
	[NOTIFY_OSC99] = { "osc99", "\033]99;i=1:d=0;%T\033\\\033]99;i=1:d=1:p=body;%B\033\\", 0,
			   true },
};

#define METHOD_COUNT (sizeof(methods) / sizeof(methods[0]))

int notify_method_parse(const char *name)
{
	for (size_t i = 0; name && i < METHOD_COUNT; i++)
		if (strcmp(methods[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *notify_method_name(enum notify_method m)
{
	return (size_t)m < METHOD_COUNT ? methods[m].name : methods[NOTIFY_NONE].name;
}

/* ------------------------------------------------------------------ */
/* Cleaning a field                                                    */
/* ------------------------------------------------------------------ */

/* Characters that separate words: a space keeps the words apart. */
static bool is_blank(uint32_t cp)
{
	return cp == '\t' || cp == '\n' || cp == 0x2028 || cp == 0x2029;
}

/* Copy the safe code points of s into out (FILTER_MAX + 4 bytes), as the
 * top of this file says; returns the length.  text_utf8_decode reports
 * malformed input as one byte read as U+FFFD, which no well-formed single
 * byte can be. */
static size_t filter(const char *s, char *out)
{
	size_t len = strlen(s), o = 0;

	for (size_t i = 0; i < len && o < FILTER_MAX;) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, len - i, &cp);
		if (text_is_clean(s + i, n, 0)) {
			memcpy(out + o, s + i, n);
			o += n;
		} else if (n == 1 && cp == 0xFFFD) {
			memcpy(out + o, REPLACEMENT, 3);
			o += 3;
		} else if (is_blank(cp)) {
			out[o++] = ' ';
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* Cut s to at most max bytes, between characters, ending with "…" when
 * something was left out.  s is well-formed UTF-8 here. */
static void cut(char *s, size_t max)
{
	size_t len = strlen(s), keep = 0, room = max - strlen(ELLIPSIS);

	if (len <= max)
		return;
	while (keep < len) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + keep, len - keep, &cp);
		if (keep + n > room)
			break;
		keep += n;
	}
	memcpy(s + keep, ELLIPSIS, sizeof(ELLIPSIS)); /* keep + 4 <= max < len + 1 */
}

/* The cleaned, cut field, with every `sep` byte (ASCII, so never inside a
 * multi-byte character) turned into ','.  Caller frees; NULL when out of
 * memory. */
static char *clean_field(const char *s, char sep)
{
	char buf[FILTER_MAX + 4];
	size_t n = filter(s ? s : "", buf);
	char *t = text_sanitize(buf, n, 0);

	if (!t)
		return NULL;
	for (char *p = sep ? strchr(t, sep) : NULL; p; p = strchr(p + 1, sep))
		*p = ',';
	cut(t, NOTIFY_FIELD_MAX);
	return t;
}

/* ConEmu and Windows Terminal read an OSC 9 text made of a number alone or
 * followed by ';' as a command (9;2 a message box, 9;4 the progress bar,
 * 9;5 wait for Enter...), not as a notification.  Such a text gets a ','
 * for that ';', or a final '.' (s has a byte of room for it). */
static void defuse_conemu(char *s)
{
	size_t d = strspn(s, "0123456789");

	if (d == 0)
		return;
	if (s[d] == ';')
		s[d] = ',';
	else if (s[d] == '\0')
		memcpy(s + d, ".", 2);
}

/* OSC 9's single text: "title: body", or whichever of the two is not
 * empty.  Caller frees; NULL when out of memory. */
static char *join(const char *t, const char *b)
{
	size_t tl = strlen(t), bl = strlen(b);
	char *s = malloc(tl + bl + 4); /* ": ", the '.' of defuse_conemu, NUL */

	if (!s)
		return NULL;
	memcpy(s, t, tl);
	if (tl && bl) {
		memcpy(s + tl, ": ", 2);
		tl += 2;
	}
	memcpy(s + tl, b, bl + 1);
	defuse_conemu(s);
	return s;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

/* out with its size, always keeping a byte for the final NUL; past the end
 * it only records that it is full (nothing partial is promised). */
struct writer {
	char *p;
	size_t n, cap;
	bool double_esc; /* inside tmux's passthrough */
	bool full;
};

static void put_byte(struct writer *w, char c)
{
	if (w->n + 1 >= w->cap)
		w->full = true;
	else
		w->p[w->n++] = c;
}

static void put(struct writer *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len && !w->full; i++) {
		if (w->double_esc && s[i] == '\033')
			put_byte(w, '\033');
		put_byte(w, s[i]);
	}
}

/* The template with its holes filled from fields (T, B, J in that order). */
static void expand(struct writer *w, const char *tpl, char *const fields[3])
{
	static const char holes[] = "TBJ";

	for (const char *p = tpl; *p; p++) {
		const char *h = p[0] == '%' && p[1] ? strchr(holes, p[1]) : NULL;
		if (h) {
			const char *f = fields[h - holes];
			put(w, f, strlen(f));
			p++;
		} else {
			put(w, p, 1);
		}
	}
}

/* Clean title and body into fields[0..1] and join them into fields[2] when
 * the template needs it.  -1 when out of memory (fields freed by caller). */
static int make_fields(const struct method *m, const char *title, const char *body,
		       char *fields[3])
{
	fields[0] = clean_field(title, m->title_sep);
	fields[1] = clean_field(body, 0);
	if (!fields[0] || !fields[1])
		return -1;
	fields[2] = strstr(m->seq, "%J") ? join(fields[0], fields[1]) : strdup("");
	return fields[2] ? 0 : -1;
}

int notify_format(enum notify_method method, bool in_tmux, const char *title, const char *body,
		  char *out, size_t outlen)
{
	struct writer w = { out, 0, outlen, false, false };
	char *fields[3] = { NULL, NULL, NULL };
	const struct method *m;
	int rc = -1;

	if ((size_t)method >= METHOD_COUNT || !*methods[method].seq) {
		if (outlen)
			out[0] = '\0';
		return 0;
	}
	m = &methods[method];
	if (strchr(m->seq, '%') && make_fields(m, title, body, fields) < 0)
		goto done;
	if (in_tmux && m->passthrough) {
		put(&w, "\033Ptmux;", 7);
		w.double_esc = true;
	}
	expand(&w, m->seq, fields);
	if (w.double_esc) {
		w.double_esc = false;
		put(&w, "\033\\", 2);
	}
	if (!w.full) {
		out[w.n] = '\0';
		rc = (int)w.n;
	}
done:
	for (int i = 0; i < 3; i++)
		free(fields[i]);
	return rc;
}
