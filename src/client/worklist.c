/* The work list (see worklist.h). */
#include "client/worklist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/mail.h"
#include "core/calendar.h"

static int64_t due_of(const json_t *c)
{
	int64_t t;
	const char *s = json_string_value(json_object_get(c, "due_at"));
	return s && iso8601_parse(s, &t) == 0 ? t : INT64_MAX;
}

static int by_due(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t dx = due_of(x), dy = due_of(y);
	if (dx != dy)
		return dx < dy ? -1 : 1;
	int64_t ix = json_integer_value(json_object_get(x, "id"));
	int64_t iy = json_integer_value(json_object_get(y, "id"));
	return ix < iy ? -1 : ix > iy;
}

/* The identity of an item, to keep the selection across a rebuild: a
 * case's id, an offer's below zero, a mail thread's hashed above 2^62. */
static int64_t key_of(const json_t *it)
{
	const char *kind = json_string_value(json_object_get(it, "kind"));
	if (kind && (strcmp(kind, "mail") == 0 || strcmp(kind, "more-mail") == 0)) {
		const char *t = json_string_value(json_object_get(json_object_get(it, "mail"), "thread"));
		uint64_t h = 14695981039346656037u;
		for (; t && *t; t++)
			h = (h ^ (unsigned char)*t) * 1099511628211u;
		return (int64_t)((h >> 2) | (1ull << 62));
	}
	const json_t *rec = json_object_get(it, kind && strcmp(kind, "offer") == 0 ? "offer" : "case");
	int64_t id = json_integer_value(json_object_get(rec, "id"));
	return kind && strcmp(kind, "offer") == 0 ? -id - 1 : id;
}

static void append(json_t *list, const char *kind, json_t *rec)
{
	json_array_append_new(list, json_pack("{sssO}", "kind", kind, kind, rec));
}

/* An offer not taken before it expires has gone to another agent: drop
 * it, so that `accept` never answers for a chat that is no longer mine. */
static void drop_expired_offers(struct desk *d, json_t *offers)
{
	bool dropped = false;
	for (size_t i = json_array_size(offers); i-- > 0;) {
		int64_t t;
		const char *exp =
			json_string_value(json_object_get(json_array_get(offers, i), "expires_at"));
		if (exp && d->now && iso8601_parse(exp, &t) == 0 && t < d->now) {
			json_array_remove(offers, i);
			dropped = true;
		}
	}
	if (dropped)
		store_touch(d->store);
}

/* Mail waiting for an answer comes after the offers, before the cases: a
 * citizen's first word not yet acknowledged, oldest first (a case is
 * already in someone's hands).  The rest of it is one line: `mail`. */
static void append_mail(struct desk *d, json_t *list)
{
	json_t *threads = desk_items(d, MAIL_WORK), *v;
	size_t i;
	long waiting = 0;
	json_array_foreach(threads, i, v) {
		append(list, "mail", v);
		waiting += json_integer_value(json_object_get(v, "matched"));
	}
	if (d->mail && d->mail->work_total > waiting)
		json_array_append_new(list, json_pack("{sssI}", "kind", "more-mail", "count",
						      (json_int_t)(d->mail->work_total - waiting)));
}

void worklist_build(struct desk *d)
{
	json_t *offers = desk_items(d, "offers"), *mine = desk_items(d, "mine");
	drop_expired_offers(d, offers);
	json_t *old = desk_list(d, SCREEN_WORKLIST);
	int sel = d->cur[SCREEN_WORKLIST].selected;
	int64_t keep = json_array_size(old) ? key_of(json_array_get(old, (size_t)sel)) : 0;
	json_t *list = json_array();
	size_t i, n = json_array_size(mine);
	json_t *v;
	json_array_foreach(offers, i, v) append(list, "offer", v);
	append_mail(d, list);
	json_t **cases = n ? malloc(n * sizeof(*cases)) : NULL;
	for (i = 0; cases && i < n; i++)
		cases[i] = json_array_get(mine, i);
	if (cases)
		qsort(cases, n, sizeof(*cases), by_due);
	for (i = 0; cases && i < n; i++)
		append(list, "case", cases[i]);
	free(cases);
	desk_set(&d->worklist, list);
	d->cur[SCREEN_WORKLIST].selected = 0;
	json_array_foreach(list, i, v) {
		if (keep && key_of(v) == keep)
			d->cur[SCREEN_WORKLIST].selected = (int)i;
	}
}

bool worklist_countdown(int64_t due, int64_t now, char *out, size_t n)
{
	bool late = due < now;
	int64_t s = late ? now - due : due - now;
	int64_t days = s / 86400, hours = s % 86400 / 3600, mins = s % 3600 / 60;
	char span[32];
	if (days >= 2)
		snprintf(span, sizeof(span), _("%lld j"), (long long)days);
	else if (days == 1)
		snprintf(span, sizeof(span), _("1 j %lld h"), (long long)hours);
	else if (hours)
		snprintf(span, sizeof(span), _("%lld h %02lld"), (long long)hours, (long long)mins);
	else
		snprintf(span, sizeof(span), _("%lld min"), (long long)mins);
	if (late)
		snprintf(out, n, _("retard %s"), span);
	else
		snprintf(out, n, "%s", span);
	return late;
}
