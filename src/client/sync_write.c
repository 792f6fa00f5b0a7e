/* Writes: each is an outbox entry (outbox.h) of a kind; what a kind does
 * once delivered is one row of KINDS below.  An entry that gets no answer
 * stays queued and is said so; a conflict shows the server's current
 * record and waits on the outbox screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/net.h"
#include "client/outbox.h"
#include "client/sync_impl.h"
#include "client/worklist.h"
#include "core/json_get.h"

/* --- what a delivered entry does -------------------------------------------------- */

/* A write on a case: the new record (for PATCH and transfer), its history
 * again, my work list again.  Within a burst (the outbox replaying what
 * was kept offline) the reloads wait for the last entry of the run: the
 * history once the case's last write is in, the work list once nothing
 * more is queued, instead of two audited reads per note. */
static void case_written(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	const struct outbox_entry *n = e->next;
	bool more = n && (n->state == OUTBOX_QUEUED || n->state == OUTBOX_SENDING);
	if (res->status == 200 && jint(res->body, "id") == e->target_id)
		store_put(d->store, STORE_CASE, json_incref(res->body));
	desk_say(d, _("%s : fait"), e->what);
	sync_case_answered(d, e);
	if (!more || n->target_type != STORE_CASE || n->target_id != e->target_id)
		sync_case_events(d, e->target_id, NULL);
	if (!more)
		sync_worklist(d, NULL);
}

static void case_created(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	char id[32];
	(void)e;
	if (!json_is_object(res->body) || jint(res->body, "id") <= 0)
		return;
	store_put(d->store, STORE_CASE, json_incref(res->body));
	desk_say(d, _("dossier %s créé"), jtext(res->body, "ref"));
	snprintf(id, sizeof(id), "%lld", (long long)jint(res->body, "id"));
	sync_open_case(d, id, NULL);
	sync_worklist(d, NULL);
}

static void chat_said(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	(void)e;
	if (res->status == 201 && json_is_object(res->body))
		sync_chat_append(ctx, res->body);
}

static void chat_closed(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	json_t *chat = store_get(d->store, STORE_CHAT, e->target_id);
	(void)res;
	if (chat) {
		json_object_set_new(chat, "status", json_string("closed"));
		store_touch(d->store);
	}
	desk_say(d, _("chat terminé ; l'usager reçoit l'enquête de satisfaction"));
}

/* An accepted chat opens at once: the citizen is waiting. */
static void offer_accepted(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	if (strcmp(jtext(res->body, "status"), "active") == 0) { /* a chat */
		desk_say(d, _("%s : fait"), e->what);
		sync_open_chat(d, e->target_id, NULL);
	} else if (jint(res->body, "citizen_id") > 0) { /* a call: the caller's file */
		sync_open_citizen(d, jint(res->body, "citizen_id"), NULL);
		desk_say(d, _("appel pris : la fiche de l'usager présumé (vérifiez son identité)"));
	} else {
		desk_say(d, _("appel pris : numéro inconnu, cherchez l'usager (/)"));
	}
}

static void said_done(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	(void)res;
	desk_say(ctx, _("%s : fait"), e->what);
}

static void presence_set(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	if (res->status == 200)
		sync_take_me(ctx, res->body); /* the agent record, as /me gives it */
	said_done(ctx, e, res);
}

/* A supervisor's change: the wallboard shows it at once. */
static void supervised(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	said_done(d, e, res);
	if (d->monitoring)
		sync_monitor(d, NULL);
}

static void merged(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	long long id = (long long)jint(res->body, "id");
	if (strcmp(e->kind, "merge.undo") == 0)
		desk_say(d, _("fusion %lld annulée"), id);
	else
		desk_say(d, _("fusion faite (n° %lld) : unmerge %lld pour l'annuler"), id, id);
	d->duplicate_id = 0;
	if (d->citizen_id > 0)
		sync_open_citizen(d, d->citizen_id, NULL);
}

static const struct outbox_kind KINDS[] = {
	/* kind             delivered        batch  fleeting */
	{ "case.note",      case_written,    true,  false },
	{ "case.patch",     case_written,    false, false },
	{ "case.transfer",  case_written,    false, false },
	{ "case.create",    case_created,    false, false },
	{ "chat.say",       chat_said,       true,  false },
	{ "chat.close",     chat_closed,     false, false },
	{ "offer.accept",   offer_accepted,  false, true  },
	{ "offer.decline",  said_done,       false, true  },
	{ "presence",       presence_set,    false, false },
	{ "presence.call",  NULL,            false, false },
	{ "citizen.merge",  merged,          false, false },
	{ "merge.undo",     merged,          false, false },
	{ "agent.presence", supervised,      false, false },
	{ "agent.services", supervised,      false, false },
	/* a chat waits for no one: a refused reassignment is not kept */
	{ "chat.reassign",  supervised,      false, true  },
	/* mail (sync_mail.c) */
	{ "mail.link",      sync_mail_linked, false, false },
	{ "mail.intake",    sync_mail_linked, false, false },
	{ "mail.case",      sync_mail_case_created, false, false },
	{ "citizen.create", sync_mail_citizen_created, false, false },
	/* phone (sync_phone.c) */
	{ "phone.call",     sync_phone_recorded, false, false },
	{ "phone.citizen",  sync_phone_citizen_created, false, false },
};

/* --- what an answer that was not a delivery says ------------------------------------ */

static void answered(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	if (e->state == OUTBOX_QUEUED && res->status == 401) {
		desk_error(d, _("%s : la session a pris fin ; l'action attend dans l'envoi"), e->what);
	} else if (e->state == OUTBOX_QUEUED) {
		desk_error(d, _("%s : pas de réponse du serveur, gardé dans l'envoi (%zu en attente)"),
			   e->what, outbox_waiting(d->outbox));
	} else if (e->state == OUTBOX_CONFLICT) {
		json_t *cur = json_object_get(res->body, "current");
		/* what the record is now, beside the agent's change (outbox screen) */
		if (json_is_object(cur) && jint(cur, "id") == e->target_id) {
			store_put(d->store, e->target_type, json_incref(cur));
			if (e->target_type == STORE_CASE && d->case_id == e->target_id) {
				d->kase_stale = false;
				d->kase_heard = 0;
			}
		}
		desk_error(d, _("%s refusé : le dossier a changé entre-temps (état actuel : %s) ; "
				"outbox pour reprendre votre changement"),
			   e->what, *jtext(cur, "status") ? jtext(cur, "status") : "?");
	} else {
		desk_error(d, "%s : %s", e->what, sync_why(res));
		sync_case_answered(d, e); /* refused: what the stream said meanwhile was not mine */
	}
}

static void journal_failed(void *ctx, const char *why)
{
	desk_error((struct desk *)ctx, _("envoi : le fichier de l'envoi n'a pas pu être écrit (%s)"),
		   why);
}

/* --- sending --------------------------------------------------------------------- */

static int send_entry(void *arg, const struct outbox_entry *e, net_done_fn done, void *done_arg)
{
	struct desk *d = arg;
	char match[24];
	snprintf(match, sizeof(match), "%lld", (long long)e->base_version);
	if (!d->net)
		return -1;
	return net_request(d->net, e->method, e->path, e->body, e->base_version ? match : NULL,
			   e->key, done, done_arg);
}

static int send_batch(void *arg, const json_t *body, net_done_fn done, void *done_arg)
{
	struct desk *d = arg;
	if (!d->net)
		return -1;
	return net_request(d->net, "POST", "/api/v1/batch", body, NULL, NULL, done, done_arg);
}

int sync_setup(struct desk *d)
{
	const struct outbox_io io = { send_entry, d, KINDS, sizeof(KINDS) / sizeof(KINDS[0]),
				      d, d->store, answered, journal_failed, send_batch };
	outbox_free(d->outbox);
	d->outbox = outbox_new(&io);
	return d->outbox ? 0 : -1;
}

/* Queue a write; the body is consumed. */
static void queue_write(struct desk *d, const char *kind, const char *method, const char *path,
		  json_t *body, int64_t version, enum store_type tt, int64_t tid, const char *what,
		  struct job *j)
{
	if (!d->outbox || !outbox_add(d->outbox, kind, method, path, body, version, tt, tid, what, j)) {
		desk_error(d, _("envoi impossible : %s %s"), method, path);
		job_settle(j, -1, _("envoi impossible"));
	}
	json_decref(body);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

static void case_write(struct desk *d, const char *kind, const char *method, const char *suffix,
		       json_t *body, bool versioned, const char *what, struct job *j)
{
	char path[96], label[160];
	const json_t *k = desk_case(d);
	int64_t id = jint(k, "id");
	snprintf(path, sizeof(path), "/api/v1/cases/%lld%s", (long long)id, suffix);
	snprintf(label, sizeof(label), "%s", what);
	queue_write(d, kind, method, path, body, versioned ? jint(k, "version") : 0, STORE_CASE, id, label,
	      j);
}

void sync_case_note(struct desk *d, const char *text, struct job *j)
{
	case_write(d, "case.note", "POST", "/notes", json_pack("{ss}", "text", text), false,
		   _("note"), j);
}

void sync_case_patch(struct desk *d, const char *field, const char *value, struct job *j)
{
	json_t *body = json_object();
	char what[96];
	json_object_set_new(body, field, value ? json_string(value) : json_null());
	snprintf(what, sizeof(what), "%s → %s", field, value ? value : "-");
	case_write(d, "case.patch", "PATCH", "", body, true, what, j);
}

void sync_case_transfer(struct desk *d, const char *service, const char *agent, struct job *j)
{
	json_t *body = json_pack("{ss}", "service", service);
	if (agent)
		json_object_set_new(body, "agent", json_string(agent));
	case_write(d, "case.transfer", "POST", "/transfer", body, true, _("transfert"), j);
}

void sync_case_create(struct desk *d, int64_t citizen_id, const char *service,
		      const char *subject, struct job *j)
{
	char what[160];
	json_t *body = json_pack("{sIssss}", "citizen_id", (json_int_t)citizen_id, "service", service,
				 "subject", subject);
	snprintf(what, sizeof(what), _("nouveau dossier · %s"), service);
	queue_write(d, "case.create", "POST", "/api/v1/cases", body, 0, STORE_CITIZEN, citizen_id, what, j);
}

static void chat_write(struct desk *d, const char *kind, const char *suffix, json_t *body,
		       const char *what, struct job *j)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/chats/%lld/%s", (long long)d->chat_id, suffix);
	queue_write(d, kind, "POST", path, body, 0, STORE_CHAT, d->chat_id, what, j);
}

void sync_chat_say(struct desk *d, const char *text, struct job *j)
{
	chat_write(d, "chat.say", "messages", json_pack("{ss}", "text", text), _("message"), j);
}

void sync_chat_end(struct desk *d, const char *wrapup, struct job *j)
{
	chat_write(d, "chat.close", "close", json_pack("{ss}", "wrapup_code", wrapup),
		   _("fin du chat"), j);
}

void sync_merge(struct desk *d, struct job *j)
{
	char path[96];
	json_t *body = json_pack("{sI}", "duplicate_id", (json_int_t)d->duplicate_id);
	snprintf(path, sizeof(path), "/api/v1/citizens/%lld/merge", (long long)d->citizen_id);
	queue_write(d, "citizen.merge", "POST", path, body, 0, STORE_CITIZEN, d->citizen_id, "merge", j);
}

void sync_unmerge(struct desk *d, int64_t merge_id, struct job *j)
{
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/merges/%lld/undo", (long long)merge_id);
	queue_write(d, "merge.undo", "POST", path, NULL, 0, STORE_CITIZEN, 0, "unmerge", j);
}

void sync_offer(struct desk *d, bool accept, struct job *j)
{
	struct store_list *offers = store_list(d->store, "offers");
	json_t *o = json_array_get(offers ? offers->items : NULL, 0);
	char path[96];
	bool call = strcmp(jtext(o, "kind"), "call") == 0;
	snprintf(path, sizeof(path), "/api/v1/%s/%lld/%s", call ? "calls" : "chats",
		 (long long)jint(o, "id"), accept ? "accept" : "decline");
	queue_write(d, accept ? "offer.accept" : "offer.decline", "POST", path, NULL, 0,
	      call ? STORE_INTERACTION : STORE_CHAT, jint(o, "id"),
	      accept ? _("accepter") : _("refuser"), j);
	if (offers) {
		json_array_remove(offers->items, 0);
		store_touch(d->store);
	}
	worklist_build(d);
}

void sync_take_chat(struct desk *d, int64_t chat_id, struct job *j)
{
	struct store_list *offers = store_list(d->store, "offers");
	char path[96];
	snprintf(path, sizeof(path), "/api/v1/chats/%lld/accept", (long long)chat_id);
	queue_write(d, "offer.accept", "POST", path, NULL, 0, STORE_CHAT, chat_id, _("accepter"), j);
	for (size_t i = 0; offers && i < json_array_size(offers->items); i++) {
		json_t *o = json_array_get(offers->items, i);
		if (strcmp(jtext(o, "kind"), "call") != 0 && jint(o, "id") == chat_id) {
			json_array_remove(offers->items, i);
			store_touch(d->store);
			break;
		}
	}
	worklist_build(d);
}

void sync_presence(struct desk *d, const char *state, const char *reason, struct job *j)
{
	json_t *body = json_pack("{ss}", "presence", state);
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	queue_write(d, "presence", "PUT", "/api/v1/me/presence", body, 0, STORE_MARK, 0, "presence", j);
}

/* Presence following a call: the desk already shows it, and the agent
 * did not ask, so nothing is said when it lands. */
void sync_presence_quiet(struct desk *d, const char *state, const char *reason)
{
	json_t *body = json_pack("{ss}", "presence", state);
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	queue_write(d, "presence.call", "PUT", "/api/v1/me/presence", body, 0, STORE_MARK, 0,
		    _("présence"), NULL);
}

/* A login goes into a path: the caller checked it (model_login_ok). */
void sync_agent_presence(struct desk *d, const char *login, const char *state,
			 const char *reason, struct job *j)
{
	char path[128], what[160];
	json_t *body = json_pack("{ss}", "presence", state);
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	snprintf(path, sizeof(path), "/api/v1/agents/%s/presence", login);
	snprintf(what, sizeof(what), _("présence de %s → %s"), login, state);
	queue_write(d, "agent.presence", "PUT", path, body, 0, STORE_MARK, 0, what, j);
}

void sync_agent_services(struct desk *d, const char *login, const json_t *services,
			 struct job *j)
{
	char path[128], what[160];
	json_t *body = json_pack("{sO}", "services", (json_t *)services);
	snprintf(path, sizeof(path), "/api/v1/agents/%s", login);
	snprintf(what, sizeof(what), _("services de %s"), login);
	queue_write(d, "agent.services", "PATCH", path, body, 0, STORE_MARK, 0, what, j);
}

void sync_chat_reassign(struct desk *d, int64_t chat_id, const char *agent, struct job *j)
{
	char path[96], what[160];
	snprintf(path, sizeof(path), "/api/v1/chats/%lld/reassign", (long long)chat_id);
	snprintf(what, sizeof(what), _("chat %lld → %s"), (long long)chat_id, agent);
	queue_write(d, "chat.reassign", "POST", path, json_pack("{ss}", "agent", agent), 0,
		    STORE_CHAT, chat_id, what, j);
}
