/* The desk's state and the moves within it (see desk.h). */
#include "client/desk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/keymap.h"
#include "client/keyring.h"
#include "client/mail.h"
#include "client/options.h"
#include "client/outbox.h"
#include "client/phone.h"
#include "client/screen.h"

struct desk *desk_new(void)
{
	struct desk *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->presence, sizeof(d->presence), "offline");
	d->page_lines = 10;
	d->page_cols = 80;
	theme_clear(&d->theme);
	d->worklist = json_array();
	d->store = store_new();
	d->keys = keymap_new();
	d->opts = options_new();
	if (!d->worklist || !d->store || !d->keys || !d->opts) {
		desk_free(d);
		return NULL;
	}
	return d;
}

void desk_free(struct desk *d)
{
	if (!d)
		return;
	desk_set(&d->worklist, NULL);
	outbox_free(d->outbox);
	store_free(d->store);
	keymap_free(d->keys);
	options_free(d->opts);
	keyring_free(d->key);
	mail_free(d->mail);
	phone_free(d);
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

bool desk_busy(const struct desk *d)
{
	return d->quiet > 0 || desk_sending(d);
}

bool desk_sending(const struct desk *d)
{
	return d->pending > 0 || (d->outbox && outbox_busy(d->outbox));
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
	return (unsigned)s < SCREEN_COUNT && SCREENS[s].list ? SCREENS[s].list(d) : NULL;
}

json_t *desk_citizen(const struct desk *d) { return store_get(d->store, STORE_CITIZEN, d->citizen_id); }
json_t *desk_case(const struct desk *d) { return store_get(d->store, STORE_CASE, d->case_id); }
json_t *desk_chat(const struct desk *d) { return store_get(d->store, STORE_CHAT, d->chat_id); }
json_t *desk_duplicate(const struct desk *d)
{
	return store_get(d->store, STORE_CITIZEN, d->duplicate_id);
}

static struct store_list *list_of(const struct desk *d, const char *fmt, va_list ap)
{
	char query[300];
	vsnprintf(query, sizeof(query), fmt, ap);
	return store_list(d->store, query);
}

struct store_list *desk_store_list(const struct desk *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct store_list *l = list_of(d, fmt, ap);
	va_end(ap);
	return l;
}

json_t *desk_items(const struct desk *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct store_list *l = list_of(d, fmt, ap);
	va_end(ap);
	return l ? l->items : NULL;
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
