/* The desk's state and the moves within it (see desk.h). */
#include "client/desk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/keymap.h"
#include "client/options.h"

const char *const DESK_SCREEN_NAMES[SCREEN_COUNT] = {
	[SCREEN_WORKLIST] = "worklist", [SCREEN_CITIZEN] = "citizen", [SCREEN_CASE] = "case",
	[SCREEN_CHAT] = "chat",         [SCREEN_MERGE] = "merge",
	[SCREEN_SEARCH] = "search",
	[SCREEN_HELP] = "help",
};

int desk_screen_find(const char *name)
{
	for (int i = 0; i < SCREEN_COUNT; i++)
		if (strcmp(DESK_SCREEN_NAMES[i], name) == 0)
			return i;
	return -1;
}

struct desk *desk_new(void)
{
	struct desk *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->presence, sizeof(d->presence), "offline");
	d->page_lines = 10;
	theme_clear(&d->theme);
	d->worklist = json_array();
	d->keys = keymap_new();
	d->opts = options_new();
	if (!d->worklist || !d->keys || !d->opts) {
		desk_free(d);
		return NULL;
	}
	return d;
}

void desk_free(struct desk *d)
{
	if (!d)
		return;
	json_t **slots[] = { &d->my_cases, &d->offers,  &d->citizen, &d->timeline, &d->kase,
			     &d->case_events, &d->search, &d->worklist, &d->templates, &d->chat,
			     &d->duplicate, &d->viewers };
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		desk_set(slots[i], NULL);
	keymap_free(d->keys);
	options_free(d->opts);
	free(d);
}

void desk_set(json_t **slot, json_t *v)
{
	json_decref(*slot);
	*slot = v;
}

static void say(struct desk *d, bool error, const char *fmt, va_list ap)
{
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	d->message_error = error;
}

void desk_say(struct desk *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(d, false, fmt, ap);
	va_end(ap);
}

void desk_error(struct desk *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(d, true, fmt, ap);
	va_end(ap);
}

void desk_go(struct desk *d, enum desk_screen s)
{
	if (s == d->screen)
		return;
	if (d->nback == DESK_BACK_MAX) { /* forget the oldest step */
		memmove(d->back, d->back + 1, (DESK_BACK_MAX - 1) * sizeof(d->back[0]));
		d->nback--;
	}
	d->back[d->nback++] = d->screen;
	if (s == SCREEN_HELP)
		d->help_for = d->screen;
	d->screen = s;
}

void desk_back(struct desk *d)
{
	d->screen = d->nback ? d->back[--d->nback] : SCREEN_WORKLIST;
}

json_t *desk_list(const struct desk *d, enum desk_screen s)
{
	switch (s) {
	case SCREEN_WORKLIST: return d->worklist;
	case SCREEN_CITIZEN: return d->timeline;
	case SCREEN_CASE: return d->case_events;
	case SCREEN_SEARCH: return d->search;
	case SCREEN_CHAT: return json_object_get(d->chat, "messages");
	default: return NULL;
	}
}

int desk_list_len(const struct desk *d, enum desk_screen s)
{
	return (int)json_array_size(desk_list(d, s));
}

void desk_move(struct desk *d, int delta)
{
	struct desk_cursor *c = &d->cur[d->screen];
	int n = desk_list_len(d, d->screen);
	long to = (long)c->selected + delta;
	if (to >= n)
		to = n - 1;
	if (to < 0)
		to = 0;
	c->selected = (int)to;
}

json_t *desk_selected(const struct desk *d)
{
	json_t *l = desk_list(d, d->screen);
	return json_array_get(l, (size_t)d->cur[d->screen].selected);
}
