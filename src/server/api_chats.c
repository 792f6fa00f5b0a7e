/* Agent side of live chat and calls, and the telephony events from a PBX
 * bridge.  The work is in chat.c and telephony.c; these handlers check the
 * request, audit, commit and wake routing. */
#include <string.h>

#include "server/api.h"
#include "server/caller.h"
#include "server/chat.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/routing.h"
#include "server/server.h"

static const char *title_of(int status)
{
	switch (status) {
	case 403: return "Forbidden";
	case 404: return "Not found";
	case 409: return "Conflict";
	case 422: return "Refused";
	case 503: return "Busy";
	default: return "Internal error";
	}
}

/* Finish a chat or call operation: answer, audit, commit, wake routing. */
static void conclude(struct req *r, struct store_tx *tx, int status, json_t *out, const char *err,
		     const char *action, const char *type, int64_t id, int64_t citizen)
{
	if (status >= 400) {
		reply_problem(r, status, title_of(status), err);
		return;
	}
	r->emitted = true;
	if (api_audit(r, tx, action, type, id, citizen, status) < 0) {
		json_decref(out);
		return;
	}
	reply_json(r, status, out);
	if (req_commit(r, tx) == 0)
		routing_kick(r->srv);
}

typedef int (*chat_op)(struct store_tx *, const struct caller *, int64_t, int64_t, json_t **,
		       char *, size_t);

static void run_op(struct req *r, chat_op op, const char *action, const char *type)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = op(tx, &r->caller, id, now_s(), &out, err, sizeof(err));
	conclude(r, tx, st, out, err, action, type, id, st < 400 ? jint(out, "citizen_id") : 0);
}

void api_chat_accept(struct req *r)
{
	run_op(r, chat_accept, "chat.accept", "chat");
}

void api_chat_decline(struct req *r)
{
	run_op(r, chat_decline, "chat.decline", "chat");
}

void api_call_accept(struct req *r)
{
	run_op(r, call_accept, "call.accept", "call");
}

void api_call_decline(struct req *r)
{
	run_op(r, call_decline, "call.decline", "call");
}

void api_chat_message(struct req *r)
{
	int64_t id;
	json_t *in = req_body(r, &MODEL_CHAT_MESSAGE, MODEL_CREATE);
	struct store_tx *tx;
	if (!in || req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_agent_message(tx, &r->caller, id, jstr(in, "text"), now_s(), &out, err,
				    sizeof(err));
	conclude(r, tx, st, out, err, "chat.message", "chat", id, 0);
}

/* Not audited: it changes nothing but what the citizen's page shows for
 * a few seconds, and would fill the audit log at typing speed. */
void api_chat_typing(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	char err[200] = "";
	int st = chat_agent_typing(tx, &r->caller, id, now_s(), err, sizeof(err));
	if (st >= 400) {
		reply_problem(r, st, title_of(st), err);
		return;
	}
	r->emitted = true;
	reply_json(r, st, NULL);
	req_commit(r, tx);
}

void api_chat_close(struct req *r)
{
	int64_t id;
	json_t *in = r->body_len ? req_body(r, &MODEL_CHAT_CLOSE, MODEL_CREATE) : NULL;
	struct store_tx *tx;
	if ((r->body_len && !in) || req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) ||
	    api_begin(r, tx) < 0)
		return;
	json_t *empty = json_object(), *out = NULL;
	char err[200] = "";
	int st = chat_close(r->srv, tx, &r->caller, id, in ? in : empty, now_s(), &out, err,
			    sizeof(err));
	json_decref(empty);
	conclude(r, tx, st, out, err, "chat.close", "chat", id, st < 400 ? jint(out, "citizen_id") : 0);
}

void api_chat_list(struct req *r)
{
	const char *status = req_query(r, "status");
	static const char *const statuses[] = { "queued", "offered", "active", "closed", NULL };
	if (status && model_enum_index(statuses, status) < 0) {
		reply_problem(r, 400, "Bad status", "status: queued, offered, active or closed");
		return;
	}
	struct store_tx *tx = api_tx(r);
	json_t *items = NULL;
	if (!tx)
		return;
	int rc = tx->ops->chat_list(tx, status, 0, &items);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *mine = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) if (chat_visible(&r->caller, c)) json_array_append(mine, c);
	json_decref(items);
	reply_json(r, 200, json_pack("{soso}", "items", mine, "next_cursor", json_null()));
}

void api_chat_get(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin_read(r, tx) < 0)
		return;
	json_t *chat = NULL, *msgs = NULL;
	int rc = tx->ops->chat_get(tx, id, &chat);
	if (rc == STORE_OK && !chat_visible(&r->caller, chat)) {
		reply_problem(r, 403, "Forbidden", "this chat belongs to a service you do not work in");
		goto out;
	}
	if (rc == STORE_OK)
		rc = tx->ops->chat_messages(tx, id, &msgs);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (api_audit_read(r, tx, "chat.read", "chat", id, jint(chat, "citizen_id"), 200) < 0) {
		json_decref(msgs);
		goto out;
	}
	json_object_set_new(chat, "messages", msgs);
	reply_etag(r, jint(chat, "version"));
	reply_json(r, 200, json_incref(chat));
out:
	json_decref(chat);
}

void api_call_list(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	json_t *items = NULL;
	if (!tx)
		return;
	int rc = tx->ops->call_list(tx, &items);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *mine = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) {
		if (caller_in_service(&r->caller, jint(c, "service_id")) ||
		    jint(c, "agent_id") == r->caller.agent_id ||
		    jint(c, "offered_to_id") == r->caller.agent_id)
			json_array_append(mine, c);
	}
	json_decref(items);
	reply_json(r, 200, json_pack("{soso}", "items", mine, "next_cursor", json_null()));
}

void api_telephony_event(struct req *r)
{
	json_t *in = req_body(r, &MODEL_TELEPHONY_EVENT, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = telephony_event(tx, in, now_s(), &out, err, sizeof(err));
	conclude(r, tx, st, out, err, "call.event", "call", st < 400 ? jint(out, "id") : 0,
		 st < 400 ? jint(out, "citizen_id") : 0);
}
