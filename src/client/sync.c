/* What the desk asks of guichetd and how the answers land (see sync.h).
 * Each request carries a small ticket: the desk, what was asked, and the
 * generation of the slot it fills, so that a slow answer to an earlier
 * question (the agent has opened another file since) is dropped. */
#include "client/sync.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "client/i18n.h"
#include "client/net.h"
#include "client/outbox.h"
#include "client/viewing.h"
#include "client/worklist.h"
#include "core/json_bounded.h"

/* The timeline is read a page at a time, the next one asked for while the
 * agent is still this many lines from the end of what is loaded, so that
 * paging down never waits for the network. */
#define TIMELINE_PAGE 100
#define TIMELINE_AHEAD 300
#define CHAT_KEEP 2000

enum slot { SLOT_CITIZEN, SLOT_TIMELINE, SLOT_CASE, SLOT_EVENTS, SLOT_SEARCH, SLOT_CASES,
	    SLOT_CHAT, SLOT_DUPLICATE, SLOT_N };

static unsigned gen[SLOT_N];

struct ticket {
	struct desk *d;
	enum slot slot;
	bool quiet;      /* done behind the agent's back: not "envoi…" */
	unsigned gen;
	int64_t id;
	char what[64];
};

static struct ticket *ticket(struct desk *d, enum slot s, int64_t id, const char *what)
{
	struct ticket *t = calloc(1, sizeof(*t));
	if (!t) {
		desk_error(d, _("mémoire épuisée"));
		return NULL;
	}
	t->d = d;
	t->slot = s;
	t->gen = s < SLOT_N ? ++gen[s] : 0;
	t->id = id;
	snprintf(t->what, sizeof(t->what), "%s", what);
	return t;
}

static int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* A string member, or "" (never NULL). */
static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The problem's detail (or title), else curl's message, for the message
 * line. */
static const char *why(const struct net_result *res)
{
	const char *s = json_string_value(json_object_get(res->body, "detail"));
	if (!s)
		s = json_string_value(json_object_get(res->body, "title"));
	return s ? s : res->error ? res->error : _("réponse inattendue");
}

/* A GET: done gets the ticket back. */
static void get(struct desk *d, const char *path, struct ticket *t, net_done_fn done)
{
	if (!t)
		return;
	if (!d->net || net_request(d->net, "GET", path, NULL, NULL, NULL, done, t) < 0) {
		desk_error(d, _("envoi impossible : %s"), path);
		free(t);
		return;
	}
	if (t->quiet)
		d->quiet++;
	else
		d->pending++;
}

/* Common start of every answer: the request is over; is it still wanted? */
static bool landed(struct ticket *t)
{
	if (t->quiet)
		t->d->quiet--;
	else
		t->d->pending--;
	return t->slot >= SLOT_N || t->gen == gen[t->slot];
}

/* --- reads ----------------------------------------------------------------- */

void sync_take_me(struct desk *d, const json_t *me)
{
	if (*jstr(me, "login"))
		snprintf(d->login, sizeof(d->login), "%s", jstr(me, "login"));
	if (*jstr(me, "role"))
		snprintf(d->role, sizeof(d->role), "%s", jstr(me, "role"));
	if (*jstr(me, "presence"))
		snprintf(d->presence, sizeof(d->presence), "%s", jstr(me, "presence"));
	snprintf(d->presence_reason, sizeof(d->presence_reason), "%s", jstr(me, "presence_reason"));
}

static void on_me(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status == 200) {
		sync_take_me(d, res->body);
	} else {
		desk_error(d, _("session : %s"), why(res));
	}
	free(t);
}

/* The timeline was replaced: a page asked for before lands nowhere. */
static void timeline_reset(struct desk *d, const char *next)
{
	d->timeline_epoch++;
	d->timeline_more = false;
	/* a cursor longer than this was not made by guichetd: stop there */
	if (!next || strlen(next) >= sizeof(d->timeline_next))
		next = "";
	snprintf(d->timeline_next, sizeof(d->timeline_next), "%s", next);
}

static void on_items(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	bool wanted = landed(t);
	json_t *items = json_object_get(res->body, "items");
	if (res->status != 200 || !json_is_array(items)) {
		if (wanted)
			desk_error(d, "%s : %s", t->what, why(res));
		free(t);
		return;
	}
	if (wanted) {
		json_t **slot = t->slot == SLOT_TIMELINE ? &d->timeline
			      : t->slot == SLOT_EVENTS   ? &d->case_events
			      : t->slot == SLOT_SEARCH   ? &d->search
			      : t->slot == SLOT_CASES    ? &d->my_cases
							 : &d->templates;
		desk_set(slot, json_incref(items));
		if (t->slot == SLOT_TIMELINE)
			timeline_reset(d, json_string_value(json_object_get(res->body, "next_cursor")));
		if (t->slot == SLOT_CASES)
			worklist_build(d);
		if (t->slot == SLOT_SEARCH)
			desk_say(d, _("%zu résultat(s) pour « %s »"), json_array_size(items), d->search_query);
	}
	free(t);
}

static void on_record(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	if (landed(t)) {
		json_t **slot = t->slot == SLOT_CITIZEN	  ? &d->citizen
			      : t->slot == SLOT_CHAT	  ? &d->chat
			      : t->slot == SLOT_DUPLICATE ? &d->duplicate
							  : &d->kase;
		if (res->status == 200 && json_is_object(res->body))
			desk_set(slot, json_incref(res->body));
		else
			desk_error(d, "%s : %s", t->what, why(res));
	}
	free(t);
}

int sync_start(struct desk *d)
{
	if (!d->login[0]) /* not already read when a saved session was checked */
		get(d, "/api/v1/me", ticket(d, SLOT_N, 0, "me"), on_me);
	get(d, "/api/v1/templates", ticket(d, SLOT_N, 0, _("modèles")), on_items);
	sync_worklist(d);
	return sync_follow(d);
}

void sync_worklist(struct desk *d)
{
	get(d, "/api/v1/cases?assignee=me&status=active&sort=due&limit=100",
	    ticket(d, SLOT_CASES, 0, _("liste de travail")), on_items);
}

void sync_open_citizen(struct desk *d, int64_t id)
{
	char path[96];
	if (!d->citizen || jint(d->citizen, "id") != id) {
		desk_set(&d->citizen, NULL);
		desk_set(&d->timeline, NULL);
		timeline_reset(d, NULL);
		d->cur[SCREEN_CITIZEN] = (struct desk_cursor){ 0, 0 };
	}
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)id);
	get(d, path, ticket(d, SLOT_CITIZEN, id, _("fiche")), on_record);
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/timeline?limit=200", (long long)id);
	get(d, path, ticket(d, SLOT_TIMELINE, id, _("historique")), on_items);
	desk_go(d, SCREEN_CITIZEN);
}

void sync_open_case(struct desk *d, const char *id_or_ref)
{
	char path[160];
	if (strspn(id_or_ref, "0123456789-") != strlen(id_or_ref) || strlen(id_or_ref) > 20) {
		desk_error(d, _("dossier : un numéro ou une référence, pas « %s »"), id_or_ref);
		return;
	}
	desk_set(&d->kase, NULL);
	desk_set(&d->case_events, NULL);
	d->kase_stale = false;
	d->cur[SCREEN_CASE] = (struct desk_cursor){ 0, 0 };
	snprintf(path, sizeof(path), "/api/v1/cases/%s", id_or_ref);
	get(d, path, ticket(d, SLOT_CASE, 0, _("dossier")), on_record);
	snprintf(path, sizeof(path), "/api/v1/cases/%s/events", id_or_ref);
	get(d, path, ticket(d, SLOT_EVENTS, 0, _("historique du dossier")), on_items);
	desk_go(d, SCREEN_CASE);
}

/* The next page of the timeline landed: appended to what is shown. */
static void on_timeline_more(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	json_t *items = json_object_get(res->body, "items");
	if (t->gen == d->timeline_epoch && jint(d->citizen, "id") == t->id) {
		d->timeline_more = false;
		if (res->status == 200 && json_is_array(items) && json_is_array(d->timeline)) {
			json_array_extend(d->timeline, items);
			const char *next = json_string_value(json_object_get(res->body, "next_cursor"));
			snprintf(d->timeline_next, sizeof(d->timeline_next), "%s",
				 next && strlen(next) < sizeof(d->timeline_next) ? next : "");
		} else {
			desk_error(d, "%s : %s", t->what, why(res));
			d->timeline_next[0] = '\0'; /* not asked again and again */
		}
	}
	free(t);
}

static void url_encode(const char *in, char *out, size_t n);

void sync_ahead(struct desk *d)
{
	char path[1024];
	int n = (int)json_array_size(d->timeline);
	if (!d->net || d->screen != SCREEN_CITIZEN || !d->timeline_next[0] || d->timeline_more ||
	    d->cur[SCREEN_CITIZEN].selected + TIMELINE_AHEAD < n)
		return;
	int64_t id = jint(d->citizen, "id");
	if (id <= 0)
		return; /* the timeline came before its citizen's record: wait for it */
	char cursor[3 * sizeof(d->timeline_next)];
	url_encode(d->timeline_next, cursor, sizeof(cursor)); /* the server's text, not ours */
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/timeline?limit=%d&cursor=%s",
		 (long long)id, TIMELINE_PAGE, cursor);
	struct ticket *t = ticket(d, SLOT_N, id, _("historique"));
	if (!t)
		return;
	t->gen = d->timeline_epoch;
	t->quiet = true;
	d->timeline_more = true;
	get(d, path, t, on_timeline_more);
}

/* Percent-encode a query value (RFC 3986 unreserved characters kept). */
static void url_encode(const char *in, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < n; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p)) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
}

void sync_search(struct desk *d, const char *query)
{
	char q[700], path[800];
	snprintf(d->search_query, sizeof(d->search_query), "%s", query);
	url_encode(query, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/citizens?q=%s&limit=50", q);
	desk_set(&d->search, NULL);
	d->cur[SCREEN_SEARCH] = (struct desk_cursor){ 0, 0 };
	get(d, path, ticket(d, SLOT_SEARCH, 0, _("recherche")), on_items);
	desk_go(d, SCREEN_SEARCH);
}

/* --- writes ---------------------------------------------------------------- */

/* After a write on the open case: show the new record, reload its history
 * and my work list; a stale version shows what the case is now. */
static void on_case_write(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	char id[32];
	landed(t);
	if (res->status == 412) {
		json_t *cur = json_object_get(res->body, "current");
		desk_error(d, _("%s refusé : le dossier a changé entre-temps (état actuel : %s) ; "
				"relisez-le puis recommencez"),
			   t->what, *jstr(cur, "status") ? jstr(cur, "status") : "?");
		if (json_is_object(cur) && d->kase && jint(cur, "id") == jint(d->kase, "id")) {
			desk_set(&d->kase, json_incref(cur));
			d->kase_stale = false;
		}
	} else if (res->status == 200 || res->status == 201) {
		if (res->status == 200 && json_is_object(res->body) && d->kase &&
		    jint(res->body, "id") == jint(d->kase, "id"))
			desk_set(&d->kase, json_incref(res->body));
		desk_say(d, _("%s : fait"), t->what);
		snprintf(id, sizeof(id), "%lld", (long long)t->id);
		char path[96];
		snprintf(path, sizeof(path), "/api/v1/cases/%s/events", id);
		if (d->kase && jint(d->kase, "id") == t->id)
			get(d, path, ticket(d, SLOT_EVENTS, t->id, _("historique du dossier")), on_items);
		sync_worklist(d);
	} else {
		desk_error(d, "%s : %s", t->what, why(res));
	}
	free(t);
}

static void case_write(struct desk *d, const char *method, const char *suffix, json_t *body,
		       bool versioned, const char *what)
{
	char path[96];
	int64_t id = jint(d->kase, "id");
	struct ticket *t = ticket(d, SLOT_N, id, what);
	snprintf(path, sizeof(path), "/api/v1/cases/%lld%s", (long long)id, suffix);
	if (t && outbox_send(d, method, path, body, versioned ? jint(d->kase, "version") : 0,
			     on_case_write, t) < 0)
		free(t);
	json_decref(body);
}

void sync_case_note(struct desk *d, const char *text)
{
	case_write(d, "POST", "/notes", json_pack("{ss}", "text", text), false, _("note"));
}

void sync_case_patch(struct desk *d, const char *field, const char *value)
{
	json_t *body = json_object();
	json_object_set_new(body, field, value ? json_string(value) : json_null());
	case_write(d, "PATCH", "", body, true, field);
}

void sync_case_transfer(struct desk *d, const char *service, const char *agent)
{
	json_t *body = json_pack("{ss}", "service", service);
	if (agent)
		json_object_set_new(body, "agent", json_string(agent));
	case_write(d, "POST", "/transfer", body, true, _("transfert"));
}

static void on_simple_write(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status >= 200 && res->status < 300)
		desk_say(d, _("%s : fait"), t->what);
	else
		desk_error(d, "%s : %s", t->what, why(res));
	if (res->status == 200 && strcmp(t->what, "presence") == 0)
		sync_take_me(d, res->body); /* the agent record, as /me gives it */
	free(t);
}

void sync_open_chat(struct desk *d, int64_t id)
{
	char path[96];
	if (!d->chat || jint(d->chat, "id") != id) {
		desk_set(&d->chat, NULL);
		d->cur[SCREEN_CHAT] = (struct desk_cursor){ 0, 0 };
	}
	snprintf(path, sizeof(path), "/api/v1/chats/%lld", (long long)id);
	get(d, path, ticket(d, SLOT_CHAT, id, _("chat")), on_record);
	desk_go(d, SCREEN_CHAT);
}

/* Add a message to the open chat, once (the answer to my own message and
 * its event both bring it). */
static void chat_append(struct desk *d, const json_t *m)
{
	json_t *msgs = json_object_get(d->chat, "messages");
	size_t i;
	json_t *v;
	if (!json_is_array(msgs) || jint(m, "chat_id") != jint(d->chat, "id"))
		return;
	json_array_foreach(msgs, i, v) if (jint(v, "id") == jint(m, "id")) return;
	/* a chat left open all day stays bounded: the oldest lines go first,
	 * as many kept as guichetd itself sends when the chat is opened */
	if (json_array_size(msgs) >= CHAT_KEEP)
		json_array_remove(msgs, 0);
	json_array_append(msgs, (json_t *)m);
	d->cur[SCREEN_CHAT].selected = (int)json_array_size(msgs) - 1; /* follow the conversation */
}

static void on_said(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status == 201 && json_is_object(res->body))
		chat_append(d, res->body);
	else
		desk_error(d, "%s : %s", t->what, why(res));
	free(t);
}

/* A POST on the open chat; body is consumed. */
static void chat_write(struct desk *d, const char *suffix, json_t *body, const char *what,
		       net_done_fn done)
{
	char path[96];
	struct ticket *t = ticket(d, SLOT_N, jint(d->chat, "id"), what);
	snprintf(path, sizeof(path), "/api/v1/chats/%lld/%s", (long long)jint(d->chat, "id"), suffix);
	if (t && outbox_send(d, "POST", path, body, 0, done, t) < 0)
		free(t);
	json_decref(body);
}

void sync_chat_say(struct desk *d, const char *text)
{
	chat_write(d, "messages", json_pack("{ss}", "text", text), _("message"), on_said);
}

static void on_ended(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status == 200 && json_is_object(res->body) && d->chat &&
	    jint(res->body, "id") == jint(d->chat, "id")) {
		json_object_set(res->body, "messages", json_object_get(d->chat, "messages"));
		desk_set(&d->chat, json_incref(res->body));
		desk_say(d, _("chat terminé ; l'usager reçoit l'enquête de satisfaction"));
	} else if (res->status != 200) {
		desk_error(d, "%s : %s", t->what, why(res));
	}
	free(t);
}

void sync_chat_end(struct desk *d, const char *wrapup)
{
	chat_write(d, "close", json_pack("{ss}", "wrapup_code", wrapup), _("fin du chat"), on_ended);
}

void sync_merge_show(struct desk *d, int64_t id)
{
	char path[96];
	desk_set(&d->duplicate, NULL);
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)id);
	get(d, path, ticket(d, SLOT_DUPLICATE, id, _("fiche à fusionner")), on_record);
	desk_go(d, SCREEN_MERGE);
	desk_say(d, _("vérifiez les deux fiches : confirm fusionne celle de droite dans celle de "
		      "gauche, back renonce"));
}

static void on_merged(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status == 201 || res->status == 200) {
		bool undo = strcmp(t->what, "unmerge") == 0;
		if (undo)
			desk_say(d, _("fusion %lld annulée"), (long long)jint(res->body, "id"));
		else
			desk_say(d, _("fusion faite (n° %lld) : unmerge %lld pour l'annuler"),
				 (long long)jint(res->body, "id"), (long long)jint(res->body, "id"));
		desk_set(&d->duplicate, NULL);
		if (d->citizen)
			sync_open_citizen(d, jint(d->citizen, "id"));
	} else {
		desk_error(d, "%s : %s", t->what, why(res));
	}
	free(t);
}

void sync_merge(struct desk *d)
{
	char path[96];
	json_t *body = json_pack("{sI}", "duplicate_id", (json_int_t)jint(d->duplicate, "id"));
	struct ticket *t = ticket(d, SLOT_N, jint(d->citizen, "id"), "merge");
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/merge", (long long)jint(d->citizen, "id"));
	if (t && outbox_send(d, "POST", path, body, 0, on_merged, t) < 0)
		free(t);
	json_decref(body);
}

void sync_unmerge(struct desk *d, int64_t merge_id)
{
	char path[96];
	struct ticket *t = ticket(d, SLOT_N, merge_id, "unmerge");
	snprintf(path, sizeof(path), "/api/v1/merges/%lld/undo", (long long)merge_id);
	if (t && outbox_send(d, "POST", path, NULL, 0, on_merged, t) < 0)
		free(t);
}

/* An accepted chat opens at once: the citizen is waiting. */
static void on_accepted(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	if (res->status != 200) {
		desk_error(d, "%s : %s", t->what, why(res));
	} else if (strcmp(jstr(res->body, "status"), "active") == 0) { /* a chat */
		desk_say(d, _("%s : fait"), t->what);
		sync_open_chat(d, t->id);
	} else if (jint(res->body, "citizen_id") > 0) { /* a call: the caller's file */
		sync_open_citizen(d, jint(res->body, "citizen_id"));
		desk_say(d, _("appel pris : la fiche de l'usager présumé (vérifiez son identité)"));
	} else {
		desk_say(d, _("appel pris : numéro inconnu, cherchez l'usager (/)"));
	}
	free(t);
}

void sync_offer(struct desk *d, bool accept)
{
	json_t *o = json_array_get(d->offers, 0);
	const char *kind = json_string_value(json_object_get(o, "kind"));
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/%s/%lld/%s",
		 kind && strcmp(kind, "call") == 0 ? "calls" : "chats", (long long)jint(o, "id"),
		 accept ? "accept" : "decline");
	struct ticket *t = ticket(d, SLOT_N, jint(o, "id"), accept ? _("accepter") : _("refuser"));
	if (t && outbox_send(d, "POST", path, NULL, 0, accept ? on_accepted : on_simple_write,
			     t) < 0)
		free(t);
	json_array_remove(d->offers, 0);
	worklist_build(d);
}

void sync_presence(struct desk *d, const char *state, const char *reason)
{
	json_t *body = json_pack("{ss}", "presence", state);
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	struct ticket *t = ticket(d, SLOT_N, 0, "presence");
	if (t && outbox_send(d, "PUT", "/api/v1/me/presence", body, 0, on_simple_write, t) < 0)
		free(t);
	json_decref(body);
}

/* --- my collision mark --------------------------------------------------------- */

/* The record the agent has on screen, if any: a case, or a citizen's file
 * (the 360° view or the merge beside it).  The help screen keeps the mark
 * of the screen it was opened over. */
static bool on_screen(const struct desk *d, const char **type, int64_t *id)
{
	const json_t *rec = d->screen == SCREEN_CASE				     ? d->kase
			  : d->screen == SCREEN_CITIZEN || d->screen == SCREEN_MERGE ? d->citizen
										     : NULL;
	*type = d->screen == SCREEN_CASE ? "case" : "citizen";
	*id = jint(rec, "id");
	return *id > 0;
}

static void on_mark(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	const char *type = jstr(res->body, "target");
	int64_t ttl = jint(res->body, "ttl");
	if (res->status == 200 && strcmp(type, d->mark.type) == 0 && jint(res->body, "id") == d->mark.id) {
		viewing_answer(d, type, d->mark.id, json_object_get(res->body, "viewers"));
		if (ttl > 1)
			d->mark.renew_at = (int64_t)time(NULL) + ttl / 2;
	}
	free(t); /* a mark that failed is tried again at the next renewal */
}

static void mark_send(struct desk *d, const char *method, const char *type, int64_t id,
		      const char *mode)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/%s/%lld/viewing",
		 strcmp(type, "case") == 0 ? "cases" : "citizens", (long long)id);
	json_t *body = mode ? json_pack("{ss}", "mode", mode) : NULL;
	struct ticket *t = ticket(d, SLOT_N, id, "mark");
	if (t)
		t->quiet = true;
	if (t && net_request(d->net, method, path, body, NULL, NULL, on_mark, t) == 0)
		d->quiet++;
	else
		free(t);
	json_decref(body);
}

void sync_marks(struct desk *d)
{
	const char *type;
	int64_t id;
	int64_t now = (int64_t)time(NULL);
	if (!d->net || d->screen == SCREEN_HELP)
		return;
	bool shown = on_screen(d, &type, &id);
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

/* --- the event stream --------------------------------------------------------- */

static bool has_offer(const struct desk *d, const json_t *o)
{
	size_t i;
	json_t *v;
	json_array_foreach(d->offers, i, v) {
		if (jint(v, "id") == jint(o, "id") &&
		    json_equal(json_object_get(v, "kind"), json_object_get(o, "kind")))
			return true;
	}
	return false;
}

/* The citizen an offer matched, for the pop-up: name and open cases. */
static void on_offer_citizen(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	struct desk *d = t->d;
	landed(t);
	size_t i, k;
	json_t *o, *c;
	json_array_foreach(d->offers, i, o) {
		if (jint(o, "citizen_id") != t->id || res->status != 200)
			continue;
		char name[200];
		json_t *open = json_array();
		snprintf(name, sizeof(name), "%s %s", jstr(res->body, "given_name"),
			 jstr(res->body, "family_name"));
		json_array_foreach(json_object_get(res->body, "cases"), k, c) {
			const char *st = jstr(c, "status");
			if (strcmp(st, "closed") != 0 && strcmp(st, "resolved") != 0)
				json_array_append_new(open, json_pack("{ssss}", "ref", jstr(c, "ref"),
								     "status", st));
		}
		json_object_set_new(o, "citizen", json_pack("{sssO}", "name", name, "cases", open));
		json_decref(open);
	}
	free(t);
}

static void on_offer(struct desk *d, json_t *o)
{
	char path[64];
	if (!d->offers)
		d->offers = json_array();
	if (has_offer(d, o))
		return;
	json_array_append(d->offers, o);
	if (jint(o, "citizen_id") > 0) { /* who is waiting, and what is open for them */
		snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)jint(o, "citizen_id"));
		get(d, path, ticket(d, SLOT_N, jint(o, "citizen_id"), _("fiche")), on_offer_citizen);
	}
	worklist_build(d);
	const char *kind = json_string_value(json_object_get(o, "kind"));
	desk_say(d, _("nouvelle offre : %s — accept pour la prendre, decline pour la refuser"),
		 kind && strcmp(kind, "call") == 0 ? _("appel") : _("chat"));
	if (d->ui && d->ui->notify)
		d->ui->notify(d->ui->arg, "guichet", kind && strcmp(kind, "call") == 0
							? _("Appel entrant")
							: _("Nouveau chat"));
}

/* A case changed.  The open one is not reloaded under the agent's eyes
 * (who may be typing a note against it): it is marked changed, R reloads
 * it, and a write made against the old version comes back as a conflict
 * showing the current one.  A note only adds to the history: that is
 * reloaded at once. */
static void case_event(struct desk *d, const char *type, const json_t *j)
{
	int64_t id = jint(j, "id") ? jint(j, "id") : jint(j, "case_id");
	char path[96];
	sync_worklist(d);
	if (!d->kase || jint(d->kase, "id") != id)
		return;
	if (strcmp(type, "case.note") == 0) {
		snprintf(path, sizeof(path), "/api/v1/cases/%lld/events", (long long)id);
		get(d, path, ticket(d, SLOT_EVENTS, id, _("historique du dossier")), on_items);
	} else if (jint(j, "version") > jint(d->kase, "version")) {
		d->kase_stale = true;
		desk_say(d, _("le dossier %s a changé ailleurs : R pour le relire"), jstr(j, "ref"));
	}
}

void sync_event(struct desk *d, const char *type, const char *data, size_t len)
{
	json_t *j = json_bounded_parse(data, len, NULL, NULL, NULL, 0);
	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	if (strcmp(type, "offer") == 0) {
		on_offer(d, j);
	} else if (strncmp(type, "case.", 5) == 0) {
		case_event(d, type, j);
	} else if (strcmp(type, "viewing") == 0) {
		viewing_event(d, j);
	} else if (strcmp(type, "chat.message") == 0 && d->chat) {
		chat_append(d, j);
	} else if (strcmp(type, "chat.closed") == 0 && d->chat &&
		   jint(j, "chat_id") == jint(d->chat, "id")) {
		json_object_set_new(d->chat, "status", json_string("closed"));
	}
	json_decref(j);
}

static void on_stream_event(void *arg, const char *type, const char *data, size_t len,
			    const char *id)
{
	(void)id;
	sync_event(arg, type, data, len);
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
	if (d->conn == DESK_REFUSED)
		desk_error(d, _("la session a pris fin (déconnexion, expiration ou compte désactivé) :"
				" quittez et relancez guichet pour vous reconnecter"));
	if (before != DESK_ONLINE && d->conn == DESK_ONLINE)
		sync_worklist(d); /* what changed while we were away */
}

int sync_follow(struct desk *d)
{
	return d->net ? net_follow_events(d->net, NULL, on_stream_event, on_stream_state, d) : -1;
}

int sync_wait(struct desk *d, int fd, int timeout_ms)
{
	if (!d->net) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, fd >= 0 ? 1 : 0, timeout_ms);
		return n > 0 && (p.revents & POLLIN) ? 1 : n < 0 ? -1 : 0;
	}
	struct curl_waitfd w = { .fd = fd, .events = CURL_WAIT_POLLIN };
	if (net_poll(d->net, &w, fd >= 0 ? 1 : 0, timeout_ms) < 0)
		return -1;
	return (w.revents & CURL_WAIT_POLLIN) ? 1 : 0;
}
