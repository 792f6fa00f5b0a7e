/* The event stream: offers, changes to cases, other agents' marks, chat
 * messages; each lands in the store.  And the stream's state, which is
 * the desk's connection state: when it comes back, what changed while we
 * were away is read again and the outbox goes at once. */
#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "client/net.h"
#include "client/outbox.h"
#include "client/screen.h"
#include "client/sync_impl.h"
#include "client/viewing.h"
#include "client/worklist.h"
#include "core/json_bounded.h"
#include "core/json_get.h"

#define CHAT_KEEP 2000

void sync_chat_append(struct desk *d, const json_t *m)
{
	json_t *chat = store_get(d->store, STORE_CHAT, jint(m, "chat_id"));
	json_t *msgs = json_object_get(chat, "messages");
	size_t i;
	json_t *v;
	if (!json_is_array(msgs))
		return;
	json_array_foreach(msgs, i, v) if (jint(v, "id") == jint(m, "id")) return;
	/* a chat left open all day stays bounded: the oldest lines go first,
	 * as many kept as guichetd itself sends when the chat is opened */
	if (json_array_size(msgs) >= CHAT_KEEP)
		json_array_remove(msgs, 0);
	json_array_append(msgs, (json_t *)m);
	store_touch(d->store);
	if (d->chat_id == jint(m, "chat_id")) /* follow the conversation */
		d->cur[SCREEN_CHAT].selected = (int)json_array_size(msgs) - 1;
}

static json_t *offers(struct desk *d)
{
	struct store_list *l = store_list_open(d->store, "offers");
	if (l && l->state == LIST_LOADING)
		l->state = LIST_LOADED; /* made here, from events: never read whole */
	return l ? l->items : NULL;
}

static bool has_offer(struct desk *d, const json_t *o)
{
	size_t i;
	json_t *v;
	json_array_foreach(offers(d), i, v) {
		if (jint(v, "id") == jint(o, "id") &&
		    json_equal(json_object_get(v, "kind"), json_object_get(o, "kind")))
			return true;
	}
	return false;
}

/* The citizen an offer matched, for the pop-up: name and open cases. */
static void offer_citizen(struct ticket *t, const struct net_result *res)
{
	size_t i, k;
	json_t *o, *c;
	json_array_foreach(offers(t->d), i, o) {
		if (jint(o, "citizen_id") != jint(res->body, "id"))
			continue;
		char name[200];
		json_t *open = json_array();
		snprintf(name, sizeof(name), "%s %s", jtext(res->body, "given_name"),
			 jtext(res->body, "family_name"));
		json_array_foreach(json_object_get(res->body, "cases"), k, c) {
			const char *st = jtext(c, "status");
			if (strcmp(st, "closed") != 0 && strcmp(st, "resolved") != 0)
				json_array_append_new(open, json_pack("{ssss}", "ref", jtext(c, "ref"),
								     "status", st));
		}
		json_object_set_new(o, "citizen", json_pack("{sssO}", "name", name, "cases", open));
		json_decref(open);
	}
	store_touch(t->d->store);
}

static void on_offer(struct desk *d, json_t *o)
{
	char path[64];
	json_t *list = offers(d);
	if (!list || has_offer(d, o))
		return;
	json_array_append(list, o);
	store_touch(d->store);
	if (jint(o, "citizen_id") > 0) { /* who is waiting, and what is open for them */
		struct ticket *t = ticket_new(d, NULL, _("fiche"));
		if (t) {
			t->type = STORE_CITIZEN;
			t->then = offer_citizen;
			snprintf(path, sizeof(path), "/api/v1/citizens/%lld",
				 (long long)jint(o, "citizen_id"));
			ticket_get(t, path, on_record);
		}
	}
	worklist_build(d);
	bool call = strcmp(jtext(o, "kind"), "call") == 0;
	desk_say(d, _("nouvelle offre : %s — accept pour la prendre, decline pour la refuser"),
		 call ? _("appel") : _("chat"));
	if (d->ui && d->ui->notify)
		d->ui->notify(d->ui->arg, "guichet", call ? _("Appel entrant") : _("Nouveau chat"));
}

static void stale(struct desk *d);

/* A case changed.  The open one is not reloaded under the agent's eyes
 * (who may be typing a note against it): it is marked changed, R reloads
 * it, and a write made against the old version comes back as a conflict
 * showing the current one.  A note only adds to the history: that is
 * reloaded at once. */
/* Whether a change to case id may change the worklist (my cases): the
 * case is mine or is on it.  With thousands of agents hearing of every
 * case, reading the worklist again at each would be a flood; a note
 * changes nothing the worklist shows. */
static bool on_worklist(struct desk *d, const char *type, int64_t id, const json_t *j)
{
	if (strcmp(type, "case.note") == 0)
		return false;
	const struct store_list *mine = store_list(d->store, "mine");
	if (!d->login[0] || !mine || strcmp(jtext(j, "assignee"), d->login) == 0)
		return true;
	size_t i;
	const json_t *row;
	json_array_foreach(mine->items, i, row)
		if (jint(row, "id") == id)
			return true;
	return false;
}

static void case_event(struct desk *d, const char *type, const json_t *j)
{
	int64_t id = jint(j, "id") ? jint(j, "id") : jint(j, "case_id");
	if (on_worklist(d, type, id, j))
		sync_worklist(d, NULL);
	if (d->case_id != id)
		return;
	if (strcmp(type, "case.note") == 0) {
		sync_case_events(d, id, NULL);
	} else if (jint(j, "version") > store_version(d->store, STORE_CASE, id)) {
		/* the event of my own change often comes before its answer */
		if (d->outbox && outbox_in_progress(d->outbox, STORE_CASE, id)) {
			if (jint(j, "version") > d->kase_heard)
				d->kase_heard = jint(j, "version");
			return;
		}
		stale(d);
	}
}

static void stale(struct desk *d)
{
	const json_t *k = store_get(d->store, STORE_CASE, d->case_id);
	d->kase_stale = true;
	desk_say(d, _("le dossier %s a changé ailleurs : R pour le relire"), jtext(k, "ref"));
}

void sync_case_answered(struct desk *d, const struct outbox_entry *e)
{
	int64_t id = e->target_id;
	if (e->target_type != STORE_CASE || id != d->case_id || !d->kase_heard)
		return;
	size_t others = d->outbox ? outbox_in_progress(d->outbox, STORE_CASE, id) : 0;
	if (others && (e->state == OUTBOX_QUEUED || e->state == OUTBOX_SENDING))
		others--; /* not counting the one answered */
	if (others)
		return; /* another change of mine is still on its way: its answer decides */
	if (d->kase_heard > store_version(d->store, STORE_CASE, id))
		stale(d);
	d->kase_heard = 0;
}

static void chat_closed(struct desk *d, const json_t *j)
{
	json_t *chat = store_get(d->store, STORE_CHAT, jint(j, "chat_id"));
	if (chat) {
		json_object_set_new(chat, "status", json_string("closed"));
		store_touch(d->store);
	}
}

/* My presence changed: by me on another desk, or by a supervisor. */
static void presence_event(struct desk *d, const json_t *j)
{
	if (strcmp(jtext(j, "agent"), d->login) != 0 || !*jtext(j, "presence"))
		return;
	bool by_other = strcmp(jtext(j, "presence"), d->presence) != 0;
	snprintf(d->presence, sizeof(d->presence), "%s", jtext(j, "presence"));
	snprintf(d->presence_reason, sizeof(d->presence_reason), "%s", jtext(j, "reason"));
	if (by_other && *jtext(j, "by") && strcmp(jtext(j, "by"), d->login) != 0)
		desk_say(d, _("votre présence a été changée par %s : %s"), jtext(j, "by"),
			 jtext(j, "presence"));
	store_touch(d->store);
}

/* A supervisor moved an active chat: the new agent is told and can open
 * it; the one it was taken from sees it go, not a silent dead end. */
static void chat_reassigned(struct desk *d, const json_t *j)
{
	int64_t id = jint(j, "chat_id");
	if (strcmp(jtext(j, "status"), "active") != 0)
		return; /* a waiting chat comes as an offer */
	if (strcmp(jtext(j, "to"), d->login) == 0) {
		desk_say(d, _("%s vous confie le chat %lld : open chat %lld"), jtext(j, "by"),
			 (long long)id, (long long)id);
		if (d->ui && d->ui->notify)
			d->ui->notify(d->ui->arg, "guichet", _("Un chat vous est confié"));
	} else if (strcmp(jtext(j, "from"), d->login) == 0) {
		json_t *chat = store_get(d->store, STORE_CHAT, id);
		if (chat) {
			json_object_set_new(chat, "status", json_string("reassigned"));
			store_touch(d->store);
		}
		desk_error(d, _("le chat %lld a été confié à %s par %s"), (long long)id, jtext(j, "to"),
			   jtext(j, "by"));
	}
}

void sync_event(struct desk *d, const char *type, const char *data, size_t len)
{
	json_t *j = json_bounded_parse(data, len, NULL, NULL, NULL, 0);
	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	if (strcmp(type, "offer") == 0)
		on_offer(d, j);
	else if (strncmp(type, "case.", 5) == 0)
		case_event(d, type, j);
	else if (strcmp(type, "viewing") == 0)
		viewing_event(d, j);
	else if (strcmp(type, "chat.message") == 0)
		sync_chat_append(d, j);
	else if (strcmp(type, "chat.closed") == 0)
		chat_closed(d, j);
	else if (strcmp(type, "agent.presence") == 0)
		presence_event(d, j);
	else if (strcmp(type, "chat.reassigned") == 0)
		chat_reassigned(d, j);
	sync_monitor_event(d, type);
	json_decref(j);
}

static void on_stream_event(void *arg, const char *type, const char *data, size_t len,
			    const char *id)
{
	(void)id;
	sync_event(arg, type, data, len);
}

/* The server no longer has the events we missed (410): what the desk
 * holds may be stale in ways no event will tell, so what it shows is read
 * again; records off screen are read again when they are opened. */
static void refresh_all(struct desk *d)
{
	desk_say(d, _("absence trop longue pour rattraper les événements : tout est relu"));
	sync_templates(d, NULL);
	if (d->screen != SCREEN_WORKLIST && SCREENS[d->screen].refresh)
		SCREENS[d->screen].refresh(d, NULL);
}

static void on_stream_state(void *arg, enum net_state st)
{
	struct desk *d = arg;
	static const enum desk_conn map[] = { [NET_OFFLINE] = DESK_OFFLINE,
					      [NET_CONNECTING] = DESK_CONNECTING,
					      [NET_ONLINE] = DESK_ONLINE,
					      [NET_REFUSED] = DESK_REFUSED };
	enum desk_conn before = d->conn;
	d->conn = map[st];
	if (st == NET_OFFLINE && before == DESK_CONNECTING)
		d->unreachable = true; /* the stream was tried and no answer came */
	else if (st == NET_ONLINE)
		d->unreachable = false;
	if (d->conn == DESK_REFUSED)
		desk_error(d, _("la session a pris fin (déconnexion, expiration ou compte désactivé) :"
				" quittez et relancez guichet pour vous reconnecter"));
	if (before != DESK_ONLINE && d->conn == DESK_ONLINE) {
		sync_worklist(d, NULL); /* what changed while we were away */
		if (d->net && net_events_reset(d->net))
			refresh_all(d);
		if (d->outbox)
			outbox_retry_now(d->outbox); /* and what waited to be sent */
	}
}

int sync_follow(struct desk *d)
{
	return d->net ? net_follow_events(d->net, NULL, on_stream_event, on_stream_state, d) : -1;
}
