/* Answer templates (see template.h). */
#include "client/template.h"

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/text.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : NULL;
}

static void citizen_name(const struct desk *d, char *out, size_t n)
{
	const char *g = str(desk_citizen(d), "given_name"), *f = str(desk_citizen(d), "family_name");
	if (g || f)
		snprintf(out, n, "%s%s%s", g ? g : "", g && f ? " " : "", f ? f : "");
	else if (str(desk_case(d), "citizen_name"))
		snprintf(out, n, "%s", str(desk_case(d), "citizen_name"));
	else
		out[0] = '\0';
}

/* dd/mm/yyyy, the way a French letter writes a date (Paris time). */
static void case_due(const struct desk *d, char *out, size_t n)
{
	int64_t t;
	const char *due = str(desk_case(d), "due_at");
	out[0] = '\0';
	if (!due || iso8601_parse(due, &t) < 0)
		return;
	int y, m, day;
	cal_civil_from_days((t + cal_paris_offset(t)) / 86400, &y, &m, &day);
	snprintf(out, n, "%02d/%02d/%04d", day, m, y);
}

/* The value of one placeholder name, or "" when nothing fills it. */
static void value_of(const struct desk *d, const char *name, size_t len, char *out, size_t n)
{
	out[0] = '\0';
	if (len == 12 && strncmp(name, "citizen.name", len) == 0)
		citizen_name(d, out, n);
	else if (len == 8 && strncmp(name, "case.ref", len) == 0 && str(desk_case(d), "ref"))
		snprintf(out, n, "%s", str(desk_case(d), "ref"));
	else if (len == 12 && strncmp(name, "case.subject", len) == 0 && str(desk_case(d), "subject"))
		snprintf(out, n, "%s", str(desk_case(d), "subject"));
	else if (len == 8 && strncmp(name, "case.due", len) == 0)
		case_due(d, out, n);
	else if (len == 11 && strncmp(name, "agent.login", len) == 0)
		snprintf(out, n, "%s", d->login);
}

void template_expand(const struct desk *d, const char *body, char *out, size_t outlen)
{
	size_t o = 0;
	if (!outlen)
		return;
	for (const char *p = body; *p && o + 1 < outlen;) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		char v[512];
		if (close && close - p < 40) {
			value_of(d, p + 1, (size_t)(close - p - 1), v, sizeof(v));
			if (v[0]) {
				o += (size_t)snprintf(out + o, outlen - o, "%s", v);
				if (o >= outlen)
					o = outlen - 1;
				p = close + 1;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	/* a text cut to fit may end inside a character: drop that piece, so
	 * the note sent is still UTF-8 (the server refuses anything else) */
	while (o > 0 && !text_utf8_valid(out, o))
		out[--o] = '\0';
}

int template_fill(const struct desk *d, const char *name, char *out, size_t outlen)
{
	size_t i;
	json_t *t;
	json_array_foreach(desk_items(d, "templates"), i, t) {
		if (str(t, "name") && strcmp(str(t, "name"), name) == 0) {
			template_expand(d, str(t, "body") ? str(t, "body") : "", out, outlen);
			return 0;
		}
	}
	return -1;
}
