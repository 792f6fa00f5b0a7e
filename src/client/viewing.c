/* The other agents' collision marks (see viewing.h). */
#include "client/viewing.h"

#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "core/calendar.h"

static bool same_record(const json_t *m, const char *type, int64_t id)
{
	const char *t = json_string_value(json_object_get(m, "target"));
	return t && strcmp(t, type) == 0 && json_integer_value(json_object_get(m, "id")) == id;
}

/* The other agents' marks: a list of the store made from events and
 * answers, never read whole from the server. */
static json_t *marks(struct desk *d)
{
	struct store_list *l = store_list_open(d->store, "marks");
	if (!l)
		return NULL;
	l->state = LIST_LOADED;
	store_touch(d->store);
	return l->items;
}

/* Forget agent's mark on (type, id), or every mark on it when agent is NULL. */
static void forget(struct desk *d, const char *type, int64_t id, const char *agent)
{
	json_t *viewers = marks(d);
	for (size_t i = json_array_size(viewers); i-- > 0;) {
		json_t *m = json_array_get(viewers, i);
		const char *who = json_string_value(json_object_get(m, "agent"));
		if (same_record(m, type, id) && (!agent || (who && strcmp(who, agent) == 0)))
			json_array_remove(viewers, i);
	}
}

/* Keep agent's mark unless it is mine or malformed. */
static void keep(struct desk *d, const char *type, int64_t id, const char *agent,
		 const char *mode, const char *expires)
{
	int64_t until;
	if (!agent || !mode || !expires || strcmp(agent, d->login) == 0 ||
	    iso8601_parse(expires, &until) < 0)
		return;
	json_t *viewers = marks(d);
	if (!viewers)
		return;
	for (size_t i = json_array_size(viewers); i-- > 0;) /* the list stays short */
		if (json_integer_value(json_object_get(json_array_get(viewers, i), "until")) <
		    d->now)
			json_array_remove(viewers, i);
	json_array_append_new(viewers, json_pack("{sssIsssssI}", "target", type, "id",
						    (json_int_t)id, "agent", agent, "mode", mode,
						    "until", (json_int_t)until));
}

void viewing_event(struct desk *d, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "target"));
	const char *agent = json_string_value(json_object_get(ev, "agent"));
	const char *mode = json_string_value(json_object_get(ev, "mode"));
	int64_t id = json_integer_value(json_object_get(ev, "id"));
	if (!type || !agent || !mode || (strcmp(type, "case") != 0 && strcmp(type, "citizen") != 0))
		return;
	forget(d, type, id, agent);
	if (strcmp(mode, "left") != 0)
		keep(d, type, id, agent, mode,
		     json_string_value(json_object_get(ev, "expires_at")));
}

void viewing_answer(struct desk *d, const char *type, int64_t id, const json_t *viewers)
{
	size_t i;
	json_t *v;
	forget(d, type, id, NULL);
	json_array_foreach(viewers, i, v) {
		keep(d, type, id, json_string_value(json_object_get(v, "login")),
		     json_string_value(json_object_get(v, "mode")),
		     json_string_value(json_object_get(v, "expires_at")));
	}
}

int viewing_describe(const struct desk *d, const char *type, int64_t id, char *buf, size_t n)
{
	size_t i, used = 0;
	int count = 0;
	json_t *m;
	if (n)
		buf[0] = '\0';
	json_array_foreach(desk_items(d, "marks"), i, m) {
		if (!same_record(m, type, id) ||
		    json_integer_value(json_object_get(m, "until")) < d->now)
			continue;
		const char *who = json_string_value(json_object_get(m, "agent"));
		bool writing = strcmp(json_string_value(json_object_get(m, "mode")), "writing") == 0;
		int w = snprintf(buf + used, n - used, "%s%s%s", count ? ", " : "", who,
				 writing ? _(" (écrit)") : "");
		count++;
		if (w < 0 || (size_t)w >= n - used)
			break; /* the header shows what fits */
		used += (size_t)w;
	}
	return count;
}
