/* Reads from guichetd into the store (see sync.h).  Each request carries a
 * ticket saying where its answer goes: a record by type and id, or a list
 * by query.  An answer is kept whenever it lands, even if the agent has
 * opened something else since: it is what the server holds, and the store
 * is a cache; the screen shows whatever record is open now. */
#include "client/sync.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/cache.h"
#include "client/desk_cache.h"
#include "client/i18n.h"
#include "client/mail.h"
#include "client/loop.h"
#include "client/net.h"
#include "client/outbox.h"
#include "client/outbox_file.h"
#include "client/phone.h"
#include "client/sync_impl.h"
#include "client/viewing.h"
#include "client/worklist.h"
#include "core/json_get.h"

/* The timeline is read a page at a time, the next one asked for while the
 * agent is still this many lines from the end of what is loaded, so that
 * paging down never waits for the network. */
#define TIMELINE_FIRST 200
#define TIMELINE_PAGE 100
#define TIMELINE_AHEAD 300

/* --- tickets ------------------------------------------------------------------ */

struct ticket *ticket_new(struct desk *d, struct job *j, const char *what)
{
	struct ticket *t = calloc(1, sizeof(*t));
	if (!t) {
		desk_error(d, _("mémoire épuisée"));
		return NULL;
	}
	t->d = d;
	snprintf(t->what, sizeof(t->what), "%s", what);
	if (j) {
		job_part_begin(j);
		t->job = j;
	}
	return t;
}

void ticket_free(struct ticket *t)
{
	free(t);
}

int ticket_get(struct ticket *t, const char *path, net_done_fn done)
{
	if (!t)
		return -1;
	struct desk *d = t->d;
	if (!d->net || net_request(d->net, "GET", path, NULL, NULL, NULL, done, t) < 0) {
		desk_error(d, _("envoi impossible : %s"), path);
		job_part_done(t->job, JOB_FAILED, _("envoi impossible : %s"), path);
		ticket_free(t);
		return -1;
	}
	if (t->quiet)
		d->quiet++;
	else
		d->pending++;
	return 0;
}

const char *sync_why(const struct net_result *res)
{
	return net_why(res);
}

enum job_why sync_job_why(const struct net_result *res)
{
	return res->status == 0 ? JOB_UNREACHABLE : res->status == 401 ? JOB_AUTH : JOB_FAILED;
}

void ticket_end(struct ticket *t, const struct net_result *res)
{
	if (t->quiet)
		t->d->quiet--;
	else
		t->d->pending--;
	bool ok = res->status >= 200 && res->status < 300;
	t->d->unreachable = res->status == 0;
	if (!ok && t->held) { /* offline: what the desk had stands */
		if (!t->quiet)
			desk_say(t->d, _("hors ligne : %s d'après le cache"), t->what);
		if (t->job)
			t->job->cached = true;
		ok = true;
	}
	if (!ok && !t->quiet)
		desk_error(t->d, "%s : %s", t->what, sync_why(res));
	struct job *j = t->job;
	t->job = NULL;
	if (ok)
		job_part_done(j, JOB_OK, NULL);
	else
		job_part_done(j, sync_job_why(res), "%s : %s", t->what, sync_why(res));
}

/* --- what an answer becomes ---------------------------------------------------- */

/* The server says the thing is not there, or not for me: what the desk
 * (and its cache) held of it must not be shown as if it were. */
static bool gone(const struct net_result *res)
{
	return res->status == 403 || res->status == 404 || res->status == 410;
}

static void forget_record(struct desk *d, enum store_type t, int64_t id)
{
	char key[48];
	store_drop(d->store, t, id);
	store_key(t, id, key);
	if (d->cache)
		cache_forget(d->cache, key);
}

void on_record(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	if (res->status == 200 && json_is_object(res->body))
		store_put(t->d->store, t->type, json_incref(res->body));
	else if (gone(res) && t->id > 0)
		forget_record(t->d, t->type, t->id);
	if (res->status == 0 && t->by_ref && t->failed)
		t->failed(t, res); /* may find the id the reference had */
	t->held = res->status == 0 && t->id > 0 && store_get(t->d->store, t->type, t->id);
	if (t->then && res->status == 200)
		t->then(t, res);
	ticket_end(t, res);
	ticket_free(t);
}

static void get_list_or(struct desk *d, struct job *j, const char *query, const char *what,
			const char *path,
			void (*then)(struct ticket *, const struct net_result *),
			void (*failed)(struct ticket *, const struct net_result *));

/* A list's request has landed: if a reload was asked for while it flew,
 * one more goes now, for all of them. */
static void list_landed(struct ticket *t)
{
	struct store_list *l = store_list(t->d->store, t->query);
	if (!l)
		return;
	if (l->flying > 0)
		l->flying--;
	if (l->again && !l->flying) {
		l->again = false;
		get_list_or(t->d, NULL, t->query, t->what, t->path, t->then, t->failed);
	}
}

void on_list(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	json_t *items = json_object_get(res->body, "items");
	if (res->status == 200 && json_is_array(items)) {
		store_list_set(t->d->store, t->query, json_incref(items), jstr(res->body, "next_cursor"));
		if (t->then)
			t->then(t, res);
	} else {
		struct store_list *l = store_list(t->d->store, t->query);
		t->held = res->status == 0 && l && l->state == LIST_LOADED;
		if (t->failed)
			t->failed(t, res);
		char key[300];
		snprintf(key, sizeof(key), "list:%s", t->query);
		if (gone(res) && t->d->cache)
			cache_forget(t->d->cache, key);
		if (!t->held)
			store_list_fail(t->d->store, t->query, sync_why(res));
	}
	ticket_end(t, res);
	list_landed(t);
	ticket_free(t);
}

void on_page(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	json_t *items = json_object_get(res->body, "items");
	if (res->status == 200 && json_is_array(items)) {
		store_list_append(t->d->store, t->query, t->from, json_incref(items),
				  jstr(res->body, "next_cursor"));
	} else {
		struct store_list *l = store_list(t->d->store, t->query);
		if (l && l->more && strcmp(l->next, t->from) == 0) {
			l->more = false;
			l->next[0] = '\0'; /* not asked again and again */
		}
	}
	ticket_end(t, res);
	ticket_free(t);
}

/* Known offline, what the store (or the cache) holds is the answer: the
 * job does not wait for the request (it is done when the command and its
 * other parts are), which still goes, quietly, and refreshes the record
 * if the server comes back.  Returns the job the request is for. */
static struct job *held_answer(struct desk *d, struct job *j, const char *what, bool held,
			       bool *quiet)
{
	*quiet = d->unreachable && held;
	if (!*quiet)
		return j;
	desk_say(d, _("hors ligne : %s d'après le cache"), what);
	if (j)
		j->cached = true;
	return NULL;
}

/* FNV-1a: which path a list's request in flight asked. */
static uint64_t path_hash(const char *p)
{
	uint64_t h = 14695981039346656037u;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

/* A list is asked for: known at once, empty and loading, if it is new;
 * `failed` (may be NULL) has a word when no list comes.  Asked again by
 * nobody who waits (an event said it changed) while it is being read, it
 * is read once more when that lands: a burst of events, a replay of
 * thousands of notes, costs two reads, not one each. */
static void get_list_or(struct desk *d, struct job *j, const char *query, const char *what,
			const char *path,
			void (*then)(struct ticket *, const struct net_result *),
			void (*failed)(struct ticket *, const struct net_result *))
{
	bool quiet;
	struct store_list *l = store_list(d->store, query);
	/* the same read again (not a longer page of it): once, later */
	if (!j && l && l->flying > 0 && l->flying_path == path_hash(path)) {
		l->again = true;
		return;
	}
	j = held_answer(d, j, what, l && l->state == LIST_LOADED, &quiet);
	struct ticket *t = ticket_new(d, j, what);
	if (!t)
		return;
	t->quiet = quiet;
	snprintf(t->query, sizeof(t->query), "%.*s", (int)sizeof(t->query) - 1, query);
	snprintf(t->path, sizeof(t->path), "%.*s", (int)sizeof(t->path) - 1, path);
	t->then = then;
	t->failed = failed;
	store_list_open(d->store, query);
	if (ticket_get(t, path, on_list) == 0 && (l = store_list(d->store, query))) {
		l->flying++;
		l->flying_path = path_hash(path);
	}
}

static void get_list(struct desk *d, struct job *j, const char *query, const char *what,
		     const char *path, void (*then)(struct ticket *, const struct net_result *))
{
	get_list_or(d, j, query, what, path, then, NULL);
}

static void get_record(struct desk *d, struct job *j, enum store_type type, int64_t id,
		       const char *what, const char *path,
		       void (*then)(struct ticket *, const struct net_result *))
{
	bool quiet;
	j = held_answer(d, j, what, store_get(d->store, type, id) != NULL, &quiet);
	struct ticket *t = ticket_new(d, j, what);
	if (!t)
		return;
	t->quiet = quiet;
	t->type = type;
	t->id = id;
	t->then = then;
	ticket_get(t, path, on_record);
}

/* --- reads ----------------------------------------------------------------- */

void sync_take_me(struct desk *d, const json_t *me)
{
	char err[512];
	if (*jtext(me, "login"))
		snprintf(d->login, sizeof(d->login), "%s", jtext(me, "login"));
	/* GUICHET_TOKEN alone: the outbox learns here whose it is */
	if (d->outbox && !outbox_durable(d->outbox) && !d->outbox_in_memory && d->identity[0] &&
	    d->login[0] && outbox_file_attach(d, d->identity, d->login, err, sizeof(err)) < 0) {
		d->outbox_in_memory = true;
		desk_error(d, _("l'envoi reste en mémoire seulement : %s"), err);
	}
	if (d->identity[0] && d->login[0] && desk_cache_open(d, d->identity, d->login, err,
							     sizeof(err)) < 0)
		desk_error(d, _("pas de cache hors ligne : %s"), err);
	if (*jtext(me, "role"))
		snprintf(d->role, sizeof(d->role), "%s", jtext(me, "role"));
	if (*jtext(me, "presence"))
		snprintf(d->presence, sizeof(d->presence), "%s", jtext(me, "presence"));
	snprintf(d->presence_reason, sizeof(d->presence_reason), "%s", jtext(me, "presence_reason"));
}

static void on_me(void *arg, const struct net_result *res)
{
	struct ticket *t = arg;
	if (res->status == 200)
		sync_take_me(t->d, res->body);
	ticket_end(t, res);
	ticket_free(t);
}

static void mine_landed(struct ticket *t, const struct net_result *res)
{
	(void)res;
	worklist_build(t->d);
}

int sync_start(struct desk *d, struct job *j)
{
	if (!d->login[0]) /* not already read when a saved session was checked */
		ticket_get(ticket_new(d, j, _("session")), "/api/v1/me", on_me);
	sync_templates(d, j);
	sync_worklist(d, j);
	return sync_follow(d);
}

void sync_templates(struct desk *d, struct job *j)
{
	get_list(d, j, "templates", _("modèles"), "/api/v1/templates", NULL);
}

void sync_worklist(struct desk *d, struct job *j)
{
	mail_work_refresh(d); /* the mail it shows is read here, not asked for */
	get_list(d, j, "mine", _("liste de travail"),
		 "/api/v1/cases?assignee=me&status=active&sort=due&limit=100", mine_landed);
}

void sync_open_citizen(struct desk *d, int64_t id, struct job *j)
{
	char path[96], query[48];
	if (d->citizen_id != id) {
		d->citizen_id = id;
		d->cur[SCREEN_CITIZEN] = (struct desk_cursor){ 0, 0 };
	}
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)id);
	get_record(d, j, STORE_CITIZEN, id, _("fiche"), path, NULL);
	/* the timeline is read again from its start: what was read ahead is stale */
	snprintf(query, sizeof(query), "timeline:%lld", (long long)id);
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/timeline?limit=%d", (long long)id,
		 TIMELINE_FIRST);
	get_list(d, NULL, query, _("historique"), path, NULL);
	desk_go(d, SCREEN_CITIZEN);
}

void sync_timeline(struct desk *d, int64_t citizen_id, int limit, struct job *j)
{
	char path[128], query[48];
	snprintf(query, sizeof(query), "timeline:%lld", (long long)citizen_id);
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/timeline?limit=%d",
		 (long long)citizen_id, limit);
	get_list(d, j, query, _("historique"), path, NULL);
}

void sync_case_events(struct desk *d, int64_t case_id, struct job *j)
{
	char path[96], query[48];
	snprintf(query, sizeof(query), "events:%lld", (long long)case_id);
	snprintf(path, sizeof(path), "/api/v1/cases/%lld/events", (long long)case_id);
	get_list(d, j, query, _("historique du dossier"), path, NULL);
}

void sync_case_read(struct desk *d, int64_t case_id, struct job *j)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/cases/%lld", (long long)case_id);
	get_record(d, j, STORE_CASE, case_id, _("dossier"), path, NULL);
}

/* The case has come: it is the open one, if the agent has not opened
 * another since; asked for by reference, its history follows. */
static void case_landed(struct ticket *t, const struct net_result *res)
{
	struct desk *d = t->d;
	int64_t id = jint(res->body, "id");
	if (t->ask != d->case_ask)
		return;
	d->case_id = id;
	d->kase_stale = false;
	d->kase_heard = 0;
	if (t->by_ref && !json_is_true(json_object_get(res->body, "restricted")))
		sync_case_events(d, id, t->job);
}

/* No answer for a case asked by reference: one the cache holds is the
 * open case, its history with it, as if asked by number. */
static void case_by_ref_offline(struct ticket *t, const struct net_result *res)
{
	struct desk *d = t->d;
	(void)res;
	int64_t id = d->cache ? cache_case_by_ref(d->cache, d->store, t->query) : 0;
	if (id <= 0 || t->ask != d->case_ask)
		return;
	t->id = id;
	d->case_id = id;
	d->unreachable = true;
	sync_case_events(d, id, t->job);
}

void sync_open_case(struct desk *d, const char *id_or_ref, struct job *j)
{
	char path[160], id[32];
	bool by_ref = strchr(id_or_ref, '-') != NULL;
	int64_t held = by_ref && d->unreachable && d->cache
			       ? cache_case_by_ref(d->cache, d->store, id_or_ref) : 0;
	if (held > 0) { /* offline, a case the desk has: opened as by its number */
		snprintf(id, sizeof(id), "%lld", (long long)held);
		id_or_ref = id;
		by_ref = false;
	}
	d->case_ask++;
	d->case_id = by_ref ? 0 : strtoll(id_or_ref, NULL, 10);
	d->kase_stale = false;
	d->kase_heard = 0;
	d->cur[SCREEN_CASE] = (struct desk_cursor){ 0, 0 };
	snprintf(path, sizeof(path), "/api/v1/cases/%s", id_or_ref);
	struct ticket *t = ticket_new(d, j, _("dossier"));
	if (t) {
		t->type = STORE_CASE;
		t->id = d->case_id; /* 0 by reference: not known before the answer */
		t->ask = d->case_ask;
		t->by_ref = by_ref;
		t->then = case_landed;
		t->failed = case_by_ref_offline;
		snprintf(t->query, sizeof(t->query), "%.*s", (int)sizeof(t->query) - 1, id_or_ref);
		ticket_get(t, path, on_record);
	}
	if (!by_ref) /* at the same time */
		sync_case_events(d, d->case_id, j);
	desk_go(d, SCREEN_CASE);
}

void sync_open_chat(struct desk *d, int64_t id, struct job *j)
{
	char path[96];
	if (d->chat_id != id) {
		d->chat_id = id;
		d->cur[SCREEN_CHAT] = (struct desk_cursor){ 0, 0 };
	}
	snprintf(path, sizeof(path), "/api/v1/chats/%lld", (long long)id);
	get_record(d, j, STORE_CHAT, id, _("chat"), path, NULL);
	desk_go(d, SCREEN_CHAT);
}

void sync_ahead(struct desk *d)
{
	char path[1024], cursor[3 * 256];
	if (!d->net || d->screen != SCREEN_CITIZEN || d->citizen_id <= 0)
		return;
	struct store_list *l = desk_store_list(d, "timeline:%lld", (long long)d->citizen_id);
	if (!l || l->state != LIST_LOADED || !l->next[0] || l->more ||
	    d->cur[SCREEN_CITIZEN].selected + TIMELINE_AHEAD < (int)json_array_size(l->items))
		return;
	sync_url_encode(l->next, cursor, sizeof(cursor)); /* the server's text, not ours */
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/timeline?limit=%d&cursor=%s",
		 (long long)d->citizen_id, TIMELINE_PAGE, cursor);
	struct ticket *t = ticket_new(d, NULL, _("historique"));
	if (!t)
		return;
	t->quiet = true;
	snprintf(t->query, sizeof(t->query), "%s", l->query);
	snprintf(t->from, sizeof(t->from), "%s", l->next);
	l->more = true;
	ticket_get(t, path, on_page);
}

void sync_url_encode(const char *in, char *out, size_t n)
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

static void search_landed(struct ticket *t, const struct net_result *res)
{
	(void)res;
	if (strcmp(t->d->search_query, t->query + strlen("search:")) == 0)
		desk_say(t->d, _("%zu résultat(s) pour « %s »"),
			 json_array_size(json_object_get(res->body, "items")), t->d->search_query);
}

/* The search over the cache, as the list the server would have given. */
static bool search_offline(struct desk *d, const char *key)
{
	json_t *found = d->cache ? cache_search(d->cache, d->store, d->search_query, 50) : NULL;
	if (!found || store_list_set(d->store, key, found, "") < 0)
		return false;
	desk_say(d, _("hors ligne : %zu résultat(s) pour « %s » dans le cache"),
		 json_array_size(store_list(d->store, key)->items), d->search_query);
	return true;
}

/* No answer: the cache answers instead. */
static void search_failed(struct ticket *t, const struct net_result *res)
{
	if (res->status == 0 && strcmp(t->d->search_query, t->query + strlen("search:")) == 0 &&
	    search_offline(t->d, t->query))
		t->held = true;
}

void sync_search(struct desk *d, const char *query, struct job *j)
{
	char q[700], path[800], key[300];
	snprintf(d->search_query, sizeof(d->search_query), "%s", query);
	sync_url_encode(query, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/citizens?q=%s&limit=50", q);
	snprintf(key, sizeof(key), "search:%s", d->search_query);
	d->cur[SCREEN_SEARCH] = (struct desk_cursor){ 0, 0 };
	desk_go(d, SCREEN_SEARCH);
	if (d->unreachable && search_offline(d, key)) {
		if (j)
			j->cached = true;
		return; /* asked again when the agent searches online */
	}
	get_list_or(d, j, key, _("recherche"), path, search_landed, search_failed);
}

void sync_cases(struct desk *d, const char *qs, struct job *j)
{
	char path[600], key[300];
	snprintf(d->cases_query, sizeof(d->cases_query), "%s", qs);
	snprintf(path, sizeof(path), "/api/v1/cases%s%s", *qs ? "?" : "", qs);
	snprintf(key, sizeof(key), "cases:%s", qs);
	d->cur[SCREEN_CASES] = (struct desk_cursor){ 0, 0 };
	get_list(d, j, key, _("dossiers"), path, NULL);
	desk_go(d, SCREEN_CASES);
}

void sync_merge_show(struct desk *d, int64_t id, struct job *j)
{
	char path[96];
	d->duplicate_id = id;
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)id);
	get_record(d, j, STORE_CITIZEN, id, _("fiche à fusionner"), path, NULL);
	desk_go(d, SCREEN_MERGE);
	desk_say(d, _("vérifiez les deux fiches : confirm fusionne celle de droite dans celle de "
		      "gauche, back renonce"));
}

/* --- the loop ---------------------------------------------------------------- */

int sync_turn(struct desk *d, int timeout_ms)
{
	phone_follow(d); /* the option phone, from guichetrc or `set` */
	if (d->outbox) {
		int64_t due = outbox_pump(d->outbox, loop_now_ms());
		if (due >= 0 && (timeout_ms < 0 || due < timeout_ms))
			timeout_ms = (int)(due > 0 ? due : 1);
	}
	int rc = d->net ? net_poll(d->net, NULL, 0, timeout_ms)
		: d->loop ? loop_once(d->loop, timeout_ms)
		: (poll(NULL, 0, timeout_ms) < 0 && errno != EINTR ? -1 : 0);
	if (rc >= 0 && d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
	desk_cache_tick(d, false);
	if (rc == 0 && timeout_ms > 0) /* a turn with nothing to do */
		desk_cache_idle(d);
	return rc;
}
