/* A thread as lines (see mail_lines.h). */
#include "client/mail_lines.h"

#include <string.h>

#include "core/json_get.h"
#include "core/text.h"

static void add(json_t *out, json_t *line)
{
	if (line)
		json_array_append_new(out, line);
}

/* The bytes of s that fit in width columns, cut after the last space
 * when there is one in the second half (a word is not cut in two). */
static size_t fit(const char *s, size_t len, int width)
{
	size_t i = 0, space = 0;
	int cols = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, len - i, &cp);
		int w = text_cp_width(cp);
		if (cols + (w > 0 ? w : 0) > width)
			break;
		cols += w > 0 ? w : 0;
		if (cp == ' ')
			space = i;
		i += n;
	}
	if (i < len && space > (size_t)width / 4)
		return space + 1;
	return i ? i : (len ? text_utf8_decode(s, len, &(uint32_t){ 0 }) : 0);
}

static void wrapped(json_t *out, const char *kind, int msg, const char *s, size_t len, int width)
{
	do {
		size_t n = fit(s, len, width);
		add(out, json_pack("{sssiss#}", "kind", kind, "msg", msg, "text", s, (int)n));
		s += n;
		len -= n;
	} while (len > 0);
}

/* How many lines from p on are quoted ('>' first). */
static int quoted_run(const char *p)
{
	int n = 0;
	while (*p == '>') {
		n++;
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		p = eol + 1;
	}
	return n;
}

static void body_lines(json_t *out, int msg, const char *body, bool unfold, int width)
{
	const char *p = body;
	while (*p) {
		int run = quoted_run(p);
		if (!unfold && run >= MAIL_FOLD_MIN) {
			add(out, json_pack("{sssisi}", "kind", "fold", "msg", msg, "count", run));
			for (int i = 0; i < run && *p; i++) {
				const char *eol = strchr(p, '\n');
				p = eol ? eol + 1 : p + strlen(p);
			}
			continue;
		}
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		wrapped(out, *p == '>' ? "quote" : "text", msg, p, len, width);
		p = eol ? eol + 1 : p + len;
	}
}

json_t *mail_lines(const json_t *msgs, bool unfold, int width)
{
	json_t *out = json_array(), *m, *a;
	size_t i, k;
	if (!out)
		return NULL;
	if (width < 20)
		width = 20;
	json_array_foreach(msgs, i, m) {
		int n = (int)i + 1;
		if (i)
			add(out, json_pack("{ss}", "kind", "blank"));
		add(out, json_pack("{sssisssIss}", "kind", "head", "msg", n, "from", jtext(m, "from"),
				   "date", (json_int_t)jint(m, "date"), "subject", jtext(m, "subject")));
		body_lines(out, n, jtext(m, "body"), unfold, width);
		json_array_foreach(json_object_get(m, "attachments"), k, a) {
			add(out, json_pack("{sssisIsssssI}", "kind", "attachment", "msg", n, "n",
					   (json_int_t)jint(a, "n"), "filename", jtext(a, "filename"),
					   "type", jtext(a, "type"), "size", (json_int_t)jint(a, "size")));
		}
	}
	return out;
}
