/* Live chat: the citizen side (start, write, survey, status) and the
 * agent side (accept, decline, write, close).  See chat.h. */
#include "server/chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "server/auth.h"
#include "server/routing.h"
#include "server/server.h"
#include "server/store.h"
#include "core/json_get.h"

#define CHAT_TOKEN_HOURS 24

static int fail(int status, char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return status;
}

static int store_fail(struct store_tx *tx, int rc, char *err, size_t errlen)
{
	if (rc == STORE_NOT_FOUND)
		return fail(404, err, errlen, "no such chat");
	snprintf(err, errlen, "%s", store_tx_error(tx));
	return rc == STORE_BUSY ? 503 : 500;
}

int chat_emit(struct store_tx *tx, const char *type, json_t *payload,
	      const struct event_scope *scope, int64_t now)
{
	int rc = payload ? tx->ops->event_append(tx, type, payload, scope, now) : STORE_ERROR;
	json_decref(payload);
	return rc;
}

bool chat_visible(const struct caller *c, const json_t *chat)
{
	return caller_in_service(c, jint(chat, "service_id")) ||
	       jint(chat, "agent_id") == c->agent_id || jint(chat, "offered_to_id") == c->agent_id;
}

/* Service for a new chat: explicit, else the classifier's, else accueil. */
static int64_t route_service(struct server *srv, struct store_tx *tx, const json_t *in,
			     const char **how, double *conf)
{
	char text[4400], slug[65] = "";
	const char *given = jstr(in, "service");
	bool by_rule = false;
	*conf = 1.0;
	*how = "explicit";
	if (given) {
		snprintf(slug, sizeof(slug), "%s", given);
	} else {
		snprintf(text, sizeof(text), "%s %s", jstr(in, "subject") ? jstr(in, "subject") : "",
			 jstr(in, "text"));
		routing_classify(srv, text, slug, conf, &by_rule);
		*how = by_rule ? "rule" : "classifier";
	}
	json_t *svc = NULL;
	if ((!slug[0] || tx->ops->service_get(tx, slug, &svc) != STORE_OK) &&
	    tx->ops->service_get(tx, "accueil", &svc) == STORE_OK) {
		*how = "default";
		*conf = 0;
	}
	int64_t id = jint(svc, "id");
	json_decref(svc);
	return id;
}

static int64_t citizen_by_email(struct store_tx *tx, const char *email)
{
	json_t *page = NULL;
	if (!email || tx->ops->citizen_search(tx, "email", email, NULL, 1, &page) != STORE_OK)
		return 0;
	int64_t id = jint(json_array_get(json_object_get(page, "items"), 0), "id");
	json_decref(page);
	return id;
}

int chat_start(struct server *srv, struct store_tx *tx, const json_t *in, int64_t now,
	       json_t **out, char *err, size_t errlen)
{
	const char *how;
	double conf;
	int64_t service_id = route_service(srv, tx, in, &how, &conf);
	int64_t citizen_id = citizen_by_email(tx, jstr(in, "email"));
	int64_t id, tid;
	int pos = 0;
	char token[AUTH_TOKEN_LEN];
	unsigned char th[32];
	int rc = tx->ops->chat_create(tx, in, citizen_id, service_id, how, conf, now, &id);
	auth_new_token(token, th);
	if (rc == STORE_OK)
		rc = tx->ops->token_create(tx, th, 0, id, "chat", now + CHAT_TOKEN_HOURS * 3600, &tid);
	if (rc == STORE_OK)
		rc = tx->ops->chat_queue_position(tx, id, &pos);
	json_t *chat = NULL;
	if (rc == STORE_OK)
		rc = tx->ops->chat_get(tx, id, &chat);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	struct event_scope staff = { .service_id = service_id };
	struct event_scope pub = { .chat_id = id, .is_public = true };
	rc = chat_emit(tx, "chat.created",
		       json_pack("{sIsOsOsOsOsi}", "id", (json_int_t)id, "service",
				 json_object_get(chat, "service"), "subject",
				 json_object_get(chat, "subject"), "visitor_name",
				 json_object_get(chat, "visitor_name"), "citizen_id",
				 json_object_get(chat, "citizen_id"), "queue_position", pos),
		       &staff, now);
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.status",
			       json_pack("{sIsssi}", "chat_id", (json_int_t)id, "status", "queued",
					 "queue_position", pos),
			       &pub, now);
	if (rc != STORE_OK) {
		json_decref(chat);
		return store_fail(tx, rc, err, errlen);
	}
	*out = json_pack("{sIsssssisO}", "id", (json_int_t)id, "token", token, "status", "queued",
			 "queue_position", pos, "service", json_object_get(chat, "service"));
	json_decref(chat);
	return 201;
}

/* What a citizen is told of an agent: the first word of the display
 * name, never the login (an account name is of no use to them, and of
 * use to someone guessing passwords). */
static json_t *first_name(const char *display)
{
	if (!display || !*display)
		return json_null();
	size_t n = strcspn(display, " ");
	return json_stringn(display, n);
}

/* A message as its event and answer show it; agent (a first name) is
 * taken, NULL for the citizen's. */
static json_t *message_json(int64_t chat_id, int64_t id, const char *sender, json_t *agent,
			    const char *text, int64_t now)
{
	char iso[ISO8601_LEN];
	iso8601_format(now, iso);
	return json_pack("{sIsIsssossss}", "chat_id", (json_int_t)chat_id, "id", (json_int_t)id,
			 "sender", sender, "agent", agent ? agent : json_null(), "text", text, "at",
			 iso);
}

int chat_citizen_message(struct store_tx *tx, int64_t chat_id, const char *text, int64_t now,
			 json_t **out, char *err, size_t errlen)
{
	json_t *chat = NULL;
	int rc = tx->ops->chat_get(tx, chat_id, &chat);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	if (strcmp(jstr(chat, "status"), "closed") == 0) {
		json_decref(chat);
		return fail(409, err, errlen, "this chat is closed");
	}
	int64_t mid;
	rc = tx->ops->chat_message_add(tx, chat_id, "citizen", 0, text, now, &mid);
	struct event_scope scope = { .chat_id = chat_id, .is_public = true,
				     .agent_id = jint(chat, "agent_id"),
				     .service_id = jint(chat, "agent_id") ? 0 : jint(chat, "service_id") };
	json_decref(chat);
	*out = message_json(chat_id, mid, "citizen", NULL, text, now);
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.message", json_incref(*out), &scope, now);
	if (rc != STORE_OK) {
		json_decref(*out);
		return store_fail(tx, rc, err, errlen);
	}
	return 201;
}

int chat_public_view(struct store_tx *tx, int64_t chat_id, json_t **out, char *err, size_t errlen)
{
	json_t *chat = NULL, *msgs = NULL;
	int pos = 0;
	int rc = tx->ops->chat_get(tx, chat_id, &chat);
	if (rc == STORE_OK)
		rc = tx->ops->chat_queue_position(tx, chat_id, &pos);
	if (rc == STORE_OK)
		rc = tx->ops->chat_messages(tx, chat_id, &msgs);
	if (rc != STORE_OK) {
		json_decref(chat);
		return store_fail(tx, rc, err, errlen);
	}
	size_t i;
	json_t *m;
	json_array_foreach(msgs, i, m) {
		json_object_set_new(m, "agent", first_name(jstr(m, "agent_name")));
		json_object_del(m, "agent_name");
	}
	*out = json_pack("{sIsOsOsOsisososO}", "id", (json_int_t)chat_id, "status",
			 json_object_get(chat, "status"), "subject", json_object_get(chat, "subject"),
			 "service", json_object_get(chat, "service"), "queue_position", pos, "agent",
			 first_name(jstr(chat, "agent_name")), "messages", msgs, "closed_at",
			 json_object_get(chat, "closed_at"));
	json_decref(chat);
	return 200;
}

int chat_survey(struct store_tx *tx, int64_t chat_id, const json_t *in, int64_t now, json_t **out,
		char *err, size_t errlen)
{
	json_t *chat = NULL;
	int rc = tx->ops->chat_get(tx, chat_id, &chat);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	if (strcmp(jstr(chat, "status"), "closed") != 0) {
		json_decref(chat);
		return fail(409, err, errlen, "the survey opens when the chat is closed");
	}
	if (!json_object_get(in, "csat") && !json_object_get(in, "nps")) {
		json_decref(chat);
		return fail(422, err, errlen, "give csat (1 to 5), nps (0 to 10) or both");
	}
	char key[48];
	snprintf(key, sizeof(key), "survey:chat:%lld", (long long)chat_id);
	char *seen = NULL;
	if (tx->ops->kv_get(tx, key, &seen) == STORE_OK) {
		free(seen);
		json_decref(chat);
		return fail(409, err, errlen, "this chat's survey is already answered");
	}
	int64_t id;
	rc = tx->ops->survey_add(tx, in, jint(chat, "citizen_id"), chat_id, jint(chat, "case_id"),
				 jint(chat, "service_id"), now, &id);
	if (rc == STORE_OK)
		rc = tx->ops->kv_set(tx, key, "1");
	struct event_scope scope = { .service_id = jint(chat, "service_id") };
	if (rc == STORE_OK)
		rc = chat_emit(tx, "survey.answered",
			       json_pack("{sIsIsO*sO*sO*}", "id", (json_int_t)id, "chat_id",
					 (json_int_t)chat_id, "service", json_object_get(chat, "service"),
					 "csat", json_object_get(in, "csat"), "nps",
					 json_object_get(in, "nps")),
			       &scope, now);
	json_decref(chat);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	*out = json_pack("{sIsO*sO*}", "id", (json_int_t)id, "csat", json_object_get(in, "csat"),
			 "nps", json_object_get(in, "nps"));
	return 201;
}

/* Load a chat the caller may act on. */
static int load(struct store_tx *tx, const struct caller *c, int64_t id, json_t **chat, char *err,
		size_t errlen)
{
	int rc = tx->ops->chat_get(tx, id, chat);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	if (!chat_visible(c, *chat)) {
		json_decref(*chat);
		return fail(403, err, errlen, "this chat belongs to a service you do not work in");
	}
	return 0;
}

static int finish(struct store_tx *tx, int64_t id, json_t **out, char *err, size_t errlen)
{
	int rc = tx->ops->chat_get(tx, id, out);
	return rc == STORE_OK ? 200 : store_fail(tx, rc, err, errlen);
}

int chat_accept(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now, json_t **out,
		char *err, size_t errlen)
{
	json_t *chat = NULL;
	int st = load(tx, c, id, &chat, err, errlen);
	if (st)
		return st;
	const char *status = jstr(chat, "status");
	int64_t offered = jint(chat, "offered_to_id");
	if (strcmp(status, "queued") != 0 && strcmp(status, "offered") != 0)
		st = fail(409, err, errlen, "this chat is no longer waiting");
	else if (offered && offered != c->agent_id && !(c->role & ROLES_SUPERVISION))
		st = fail(409, err, errlen, "this chat is offered to another agent");
	json_decref(chat);
	if (st)
		return st;
	json_t *set = json_pack("{sssIsosI}", "status", "active", "agent_id", (json_int_t)c->agent_id,
				"offered_to", json_null(), "accepted_at", (json_int_t)now);
	int rc = tx->ops->chat_set(tx, id, set);
	json_decref(set);
	struct event_scope staff = { .staff = true };
	struct event_scope pub = { .chat_id = id, .is_public = true };
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.accepted",
			       json_pack("{sIss}", "chat_id", (json_int_t)id, "agent", c->login), &staff,
			       now);
	if (rc == STORE_OK && (st = finish(tx, id, out, err, errlen)) != 200)
		return st;
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.status",
			       json_pack("{sIssso}", "chat_id", (json_int_t)id, "status", "active",
					 "agent", first_name(jstr(*out, "agent_name"))),
			       &pub, now);
	if (rc != STORE_OK) {
		json_decref(*out);
		*out = NULL;
		return store_fail(tx, rc, err, errlen);
	}
	return 200;
}

int chat_reassign(struct server *srv, struct store_tx *tx, const struct caller *c, int64_t id,
		  int64_t agent_id, const char *login, int64_t now, json_t **out, char *err,
		  size_t errlen)
{
	json_t *chat = NULL;
	int st = load(tx, c, id, &chat, err, errlen);
	if (st)
		return st;
	const char *status = jstr(chat, "status");
	bool active = strcmp(status, "active") == 0;
	int64_t from = active ? jint(chat, "agent_id") : jint(chat, "offered_to_id");
	json_t *from_login = json_incref(json_object_get(chat, active ? "agent" : "offered_to"));
	if (strcmp(status, "closed") == 0)
		st = fail(409, err, errlen, "this chat is closed");
	else if (from == agent_id)
		st = fail(409, err, errlen, active ? "this chat is already with that agent"
						  : "this chat is already offered to that agent");
	json_decref(chat);
	if (st) {
		json_decref(from_login);
		return st;
	}
	/* An active chat changes hands and stays active; a waiting one is
	 * offered to that agent, who may decline it as any offer. */
	json_t *set = active ? json_pack("{sI}", "agent_id", (json_int_t)agent_id)
			     : json_pack("{sssIsI}", "status", "offered", "offered_to",
					 (json_int_t)agent_id, "offered_at", (json_int_t)now);
	int rc = tx->ops->chat_set(tx, id, set);
	json_decref(set);
	if (rc == STORE_OK && !active) {
		json_t *w = json_pack("{sssI}", "kind", "chat", "id", (json_int_t)id);
		rc = routing_emit_offer(tx, w, agent_id, now, srv->cfg.offer_timeout_s);
		json_decref(w);
	}
	if (rc == STORE_OK && (st = finish(tx, id, out, err, errlen)) != 200) {
		json_decref(from_login);
		return st;
	}
	/* every desk: the one it left, the one it reached, the supervisors */
	struct event_scope staff = { .staff = true };
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.reassigned",
			       json_pack("{sIsOsssssO}", "chat_id", (json_int_t)id, "from",
					 from_login ? from_login : json_null(), "to", login, "by",
					 c->login, "status", json_object_get(*out, "status")),
			       &staff, now);
	json_decref(from_login);
	if (rc != STORE_OK) {
		json_decref(*out);
		*out = NULL;
		return store_fail(tx, rc, err, errlen);
	}
	return 200;
}

int chat_decline(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now, json_t **out,
		 char *err, size_t errlen)
{
	json_t *chat = NULL;
	int st = load(tx, c, id, &chat, err, errlen);
	if (st)
		return st;
	if (strcmp(jstr(chat, "status"), "offered") != 0 || jint(chat, "offered_to_id") != c->agent_id) {
		json_decref(chat);
		return fail(409, err, errlen, "this chat is not offered to you");
	}
	json_t *declined = json_deep_copy(json_object_get(chat, "declined"));
	if (!json_is_array(declined)) {
		json_decref(declined);
		declined = json_array();
	}
	json_array_append_new(declined, json_integer(c->agent_id));
	json_t *set = json_pack("{sssoso}", "status", "queued", "offered_to", json_null(), "declined",
				declined);
	int rc = tx->ops->chat_set(tx, id, set);
	json_decref(set);
	struct event_scope scope = { .service_id = jint(chat, "service_id"), .agent_id = c->agent_id };
	json_decref(chat);
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.declined",
			       json_pack("{sIss}", "chat_id", (json_int_t)id, "agent", c->login), &scope,
			       now);
	return rc == STORE_OK ? finish(tx, id, out, err, errlen) : store_fail(tx, rc, err, errlen);
}

/* The chat is active and the caller is its agent (or a supervisor). */
static int own_active(struct store_tx *tx, const struct caller *c, int64_t id, json_t **chat,
		      char *err, size_t errlen)
{
	int st = load(tx, c, id, chat, err, errlen);
	if (st)
		return st;
	if (strcmp(jstr(*chat, "status"), "active") != 0)
		st = fail(409, err, errlen, "this chat is not active; accept it first");
	else if (jint(*chat, "agent_id") != c->agent_id && !(c->role & ROLES_SUPERVISION))
		st = fail(403, err, errlen, "another agent holds this chat");
	if (st) {
		json_decref(*chat);
		*chat = NULL;
	}
	return st;
}

int chat_agent_message(struct store_tx *tx, const struct caller *c, int64_t id, const char *text,
		       int64_t now, json_t **out, char *err, size_t errlen)
{
	json_t *chat = NULL;
	int st = own_active(tx, c, id, &chat, err, errlen);
	if (st)
		return st;
	int64_t mid;
	int rc = tx->ops->chat_message_add(tx, id, "agent", c->agent_id, text, now, &mid);
	struct event_scope scope = { .chat_id = id, .is_public = true, .agent_id = jint(chat, "agent_id") };
	*out = message_json(id, mid, "agent", first_name(jstr(chat, "agent_name")), text, now);
	json_decref(chat);
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.message", json_incref(*out), &scope, now);
	if (rc != STORE_OK) {
		json_decref(*out);
		return store_fail(tx, rc, err, errlen);
	}
	return 201;
}

/* The interaction a closed chat leaves in the citizen's timeline. */
/* At most one "writing" event per chat in this many seconds: the page
 * shows it for a few seconds more, and the event log is not a keyboard. */
#define TYPING_EVERY_S 3

int chat_agent_typing(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now,
		      char *err, size_t errlen)
{
	json_t *chat = NULL;
	int st = own_active(tx, c, id, &chat, err, errlen);
	if (st)
		return st;
	char key[48], *last = NULL, at[24];
	snprintf(key, sizeof(key), "typing:chat:%lld", (long long)id);
	int rc = tx->ops->kv_get(tx, key, &last);
	bool recent = rc == STORE_OK && now - strtoll(last, NULL, 10) < TYPING_EVERY_S;
	free(last);
	rc = STORE_OK;
	snprintf(at, sizeof(at), "%lld", (long long)now);
	if (!recent)
		rc = tx->ops->kv_set(tx, key, at);
	/* for the citizen's page (supervisors see every event anyway) */
	struct event_scope pub = { .chat_id = id, .is_public = true };
	if (!recent && rc == STORE_OK)
		rc = chat_emit(tx, "chat.typing",
			       json_pack("{sIso}", "chat_id", (json_int_t)id, "agent",
					 first_name(jstr(chat, "agent_name"))),
			       &pub, now);
	json_decref(chat);
	return rc == STORE_OK ? 204 : store_fail(tx, rc, err, errlen);
}

static int log_interaction(struct store_tx *tx, const struct caller *c, const json_t *chat,
			   const json_t *in, int64_t now)
{
	if (!jint(chat, "citizen_id"))
		return STORE_OK; /* an anonymous visitor has no timeline */
	char ref[48];
	snprintf(ref, sizeof(ref), "chat:%lld", (long long)jint(chat, "id"));
	char ended[ISO8601_LEN];
	iso8601_format(now, ended);
	const char *summary = jstr(in, "summary") ? jstr(in, "summary") : jstr(chat, "subject");
	json_t *i = json_pack("{sOsssssOssss?ss}", "citizen_id", json_object_get(chat, "citizen_id"),
			      "channel", "chat", "direction", "in", "started_at",
			      json_object_get(chat, "created_at"), "ended_at", ended, "summary",
			      summary, "external_ref", ref);
	if (!i)
		return STORE_ERROR;
	if (jint(in, "case_id"))
		json_object_set(i, "case_id", json_object_get(in, "case_id"));
	if (jstr(in, "wrapup_code"))
		json_object_set(i, "wrapup_code", json_object_get(in, "wrapup_code"));
	int64_t id;
	int rc = tx->ops->interaction_create(tx, i, c->agent_id, now, &id);
	json_decref(i);
	return rc;
}

static char *first_message(struct store_tx *tx, int64_t id)
{
	json_t *msgs = NULL;
	char *text = NULL;
	if (tx->ops->chat_messages(tx, id, &msgs) == STORE_OK && json_array_size(msgs))
		text = strdup(jstr(json_array_get(msgs, 0), "text"));
	json_decref(msgs);
	return text;
}

/* A chat may be filed under an existing case of the same citizen only:
 * 0, or 422 with a message. */
static int check_case_link(struct store_tx *tx, const json_t *chat, int64_t case_id, char *err,
			   size_t errlen)
{
	if (!case_id)
		return 0;
	json_t *k = NULL;
	int rc = tx->ops->case_get(tx, case_id, &k);
	int st = 0;
	if (rc == STORE_NOT_FOUND) {
		snprintf(err, errlen, "case_id: no case %lld", (long long)case_id);
		st = 422;
	} else if (rc != STORE_OK) {
		st = store_fail(tx, rc, err, errlen);
	} else if (jint(chat, "citizen_id") != jint(k, "citizen_id")) {
		snprintf(err, errlen, "case_id: case %lld is not this visitor's", (long long)case_id);
		st = 422;
	}
	json_decref(k);
	return st;
}

int chat_close(struct server *srv, struct store_tx *tx, const struct caller *c, int64_t id,
	       const json_t *in, int64_t now, json_t **out, char *err, size_t errlen)
{
	json_t *chat = NULL;
	int st = own_active(tx, c, id, &chat, err, errlen);
	if (st == 0)
		st = check_case_link(tx, chat, jint(in, "case_id"), err, errlen);
	if (st) {
		json_decref(chat);
		return st;
	}
	json_t *set = json_pack("{sssI}", "status", "closed", "closed_at", (json_int_t)now);
	if (jstr(in, "wrapup_code"))
		json_object_set(set, "wrapup_code", json_object_get(in, "wrapup_code"));
	if (jint(in, "case_id"))
		json_object_set(set, "case_id", json_object_get(in, "case_id"));
	int rc = tx->ops->chat_set(tx, id, set);
	json_decref(set);
	if (rc == STORE_OK)
		rc = log_interaction(tx, c, chat, in, now);
	struct event_scope scope = { .chat_id = id, .is_public = true, .staff = true };
	if (rc == STORE_OK)
		rc = chat_emit(tx, "chat.closed",
			       json_pack("{sIsosb}", "chat_id", (json_int_t)id, "agent",
					 first_name(jstr(chat, "agent_name")), "survey", 1),
			       &scope, now);
	char *text = rc == STORE_OK ? first_message(tx, id) : NULL;
	if (text && jstr(chat, "service")) /* the routing stood: learn it */
		routing_learn(srv, text, jstr(chat, "service"));
	free(text);
	json_decref(chat);
	return rc == STORE_OK ? finish(tx, id, out, err, errlen) : store_fail(tx, rc, err, errlen);
}
