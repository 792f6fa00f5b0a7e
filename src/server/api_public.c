/* The citizen side of live chat (no account: a chat token reaches only
 * its own chat): start, read, write, answer the survey. */
#include "server/api.h"
#include "server/chat.h"
#include "server/handlers.h"
#include "server/routing.h"

static int own_chat(struct req *r, int64_t *id)
{
	if (req_param_id(r, 0, id) < 0)
		return -1;
	if (*id != r->caller.chat_id) {
		reply_problem(r, 403, "Forbidden", "this token is for another chat");
		return -1;
	}
	return 0;
}

static void conclude(struct req *r, struct store_tx *tx, int st, json_t *out, const char *err,
		     const char *action, int64_t chat_id)
{
	if (st >= 400) {
		reply_problem(r, st, st == 409 ? "Conflict" : st == 404 ? "Not found" : "Refused", err);
		return;
	}
	r->emitted = true;
	if (api_audit(r, tx, action, "chat", chat_id, 0, st) < 0) {
		json_decref(out);
		return;
	}
	reply_json(r, st, out);
	if (req_commit(r, tx) == 0)
		routing_kick(r->srv);
}

void api_public_chat_start(struct req *r)
{
	json_t *in = req_body(r, &MODEL_CHAT_START, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_start(r->srv, tx, in, now_s(), &out, err, sizeof(err));
	if (st < 400)
		snprintf(r->location, sizeof(r->location), "/public/v1/chats/%lld",
			 (long long)jint(out, "id"));
	conclude(r, tx, st, out, err, "chat.start", st < 400 ? jint(out, "id") : 0);
}

void api_public_chat_get(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (own_chat(r, &id) < 0 || !(tx = api_tx(r)))
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_public_view(tx, id, &out, err, sizeof(err));
	if (st >= 400)
		reply_problem(r, st, "Not found", err);
	else
		reply_json(r, 200, out);
}

void api_public_chat_message(struct req *r)
{
	int64_t id;
	json_t *in = req_body(r, &MODEL_CHAT_MESSAGE, MODEL_CREATE);
	struct store_tx *tx;
	if (!in || own_chat(r, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_citizen_message(tx, id, jstr(in, "text"), now_s(), &out, err, sizeof(err));
	conclude(r, tx, st, out, err, "chat.citizen_message", id);
}

void api_public_chat_survey(struct req *r)
{
	int64_t id;
	json_t *in = req_body(r, &MODEL_SURVEY, MODEL_CREATE);
	struct store_tx *tx;
	if (!in || own_chat(r, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_survey(tx, id, in, now_s(), &out, err, sizeof(err));
	conclude(r, tx, st, out, err, "survey.answer", id);
}
