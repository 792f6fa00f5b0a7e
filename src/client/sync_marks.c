/* My collision mark (see sync_marks in sync.h): the record on screen,
 * marked on the server, renewed at half its life, removed when it leaves
 * the screen.  Marks are not the agent's writes: they do not go through
 * the outbox (one that failed is simply put again at the next renewal). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/net.h"
#include "client/screen.h"
#include "client/sync_impl.h"
#include "client/viewing.h"
#include "core/json_get.h"

static void on_mark(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	const char *type = jtext(res->body, "target");
	int64_t ttl = jint(res->body, "ttl");
	if (res->status == 200 && strcmp(type, d->mark.type) == 0 && jint(res->body, "id") == d->mark.id) {
		viewing_answer(d, type, d->mark.id, json_object_get(res->body, "viewers"));
		if (ttl > 1)
			d->mark.renew_at = (int64_t)time(NULL) + ttl / 2;
	}
	d->quiet--;
	ticket_free(t);
}

static void mark_send(struct desk *d, const char *method, const char *type, int64_t id,
		      const char *mode)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/%s/%lld/viewing",
		 strcmp(type, "case") == 0 ? "cases" : "citizens", (long long)id);
	json_t *body = mode ? json_pack("{ss}", "mode", mode) : NULL;
	struct ticket *t = ticket_new(d, NULL, "mark");
	if (t && net_request(d->net, method, path, body, NULL, NULL, on_mark, t) == 0)
		d->quiet++;
	else
		ticket_free(t);
	json_decref(body);
}

void sync_marks(struct desk *d)
{
	const char *type = "";
	int64_t id = 0;
	int64_t now = (int64_t)time(NULL);
	if (!d->net || d->screen == SCREEN_HELP)
		return; /* the help screen keeps the mark of the screen it was opened over */
	bool shown = SCREENS[d->screen].marks && SCREENS[d->screen].marks(d, &type, &id) && id > 0;
	const char *mode = d->writing ? "writing" : "viewing";
	bool same = shown && strcmp(d->mark.type, type) == 0 && d->mark.id == id;
	if (same && strcmp(d->mark.mode, mode) == 0 && now < d->mark.renew_at)
		return;
	if (!same && d->mark.id)
		mark_send(d, "DELETE", d->mark.type, d->mark.id, NULL);
	memset(&d->mark, 0, sizeof(d->mark));
	if (!shown)
		return;
	snprintf(d->mark.type, sizeof(d->mark.type), "%s", type);
	snprintf(d->mark.mode, sizeof(d->mark.mode), "%s", mode);
	d->mark.id = id;
	d->mark.renew_at = now + 30; /* until the answer says how long a mark lasts */
	mark_send(d, "PUT", type, id, mode);
}

void sync_unmark(struct desk *d)
{
	if (d->net && d->mark.id)
		mark_send(d, "DELETE", d->mark.type, d->mark.id, NULL);
	memset(&d->mark, 0, sizeof(d->mark));
}

/* The server sends the citizen one "writing" event per 3 s at most: asking
 * more often would only be refused work. */
#define TYPING_EVERY_S 3

static void on_typing(void *arg, const struct net_result *res)
{
	(void)res; /* a refused one (chat closed meanwhile) changes nothing */
	struct ticket *t = arg;
	t->d->quiet--;
	ticket_free(t);
}

void sync_chat_typing(struct desk *d)
{
	int64_t now = (int64_t)time(NULL);
	if (!d->net || !d->chat_id || d->screen != SCREEN_CHAT || now - d->typing_told < TYPING_EVERY_S)
		return;
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/chats/%lld/typing", (long long)d->chat_id);
	struct ticket *t = ticket_new(d, NULL, "typing");
	if (t && net_request(d->net, "POST", path, NULL, NULL, NULL, on_typing, t) == 0) {
		d->quiet++;
		d->typing_told = now;
	} else {
		ticket_free(t);
	}
}
