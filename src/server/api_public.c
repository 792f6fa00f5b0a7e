/* The citizen side of live chat (no account: a chat token reaches only
 * its own chat): start, read, write, answer the survey. */
#include <stdio.h>

#include "server/api.h"
#include "server/auth.h"
#include "server/chat.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/rate.h"
#include "server/routing.h"
#include "server/server.h"

/* How long an event-stream ticket opens the stream: long enough for the
 * browser's own reconnects after a short drop, short enough that a ticket
 * seen in a proxy's log is soon of no use. */
#define TICKET_SECONDS 300

static uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

/* Take a token from key's bucket, or answer 429 with Retry-After. */
static bool limited(struct req *r, const char *what, const char *key, unsigned burst,
		    unsigned per_ms)
{
	struct rate_limit l = { burst, per_ms ? per_ms : 1 };
	unsigned wait = rate_take(r->srv->rates, key, &l, now_ms());
	if (!wait)
		return false;
	snprintf(r->retry_after, sizeof(r->retry_after), "%u", wait);
	char detail[120];
	snprintf(detail, sizeof(detail), "too many %s: try again in %u s", what, wait);
	reply_problem(r, 429, "Too many requests", detail);
	return true;
}

/* A citizen may start so many chats an hour from one address. */
static bool start_limited(struct req *r)
{
	char key[96];
	unsigned per_hour = r->srv->cfg.chat_starts_per_hour;
	snprintf(key, sizeof(key), "start:%s", r->client_addr);
	return limited(r, "new chats from your address", key, per_hour < 5 ? per_hour : 5,
		       3600000u / per_hour);
}

/* Messages: so many a minute in one chat, ten times as many from one
 * address (a library's or a town hall's public computers share one). */
static bool message_limited(struct req *r, int64_t chat_id)
{
	char key[96];
	unsigned per_min = r->srv->cfg.chat_msgs_per_min;
	snprintf(key, sizeof(key), "chat:%lld", (long long)chat_id);
	if (limited(r, "messages in this chat", key, per_min < 5 ? per_min : 5, 60000u / per_min))
		return true;
	snprintf(key, sizeof(key), "msg:%s", r->client_addr);
	return limited(r, "messages from your address", key, 5 * (per_min < 5 ? per_min : 5),
		       6000u / per_min);
}

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
	if (in && start_limited(r))
		return;
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
	if (!in || own_chat(r, &id) < 0 || message_limited(r, id) || !(tx = api_tx(r)) ||
	    api_begin(r, tx) < 0)
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

void api_public_chat_ticket(struct req *r)
{
	int64_t id;
	if (own_chat(r, &id) < 0)
		return;
	char ticket[AUTH_TICKET_LEN];
	auth_ticket_make(r->srv->ticket_key, r->caller.token_hash, now_s() + TICKET_SECONDS,
			 ticket);
	reply_json(r, 201, json_pack("{sssi}", "ticket", ticket, "expires_in", TICKET_SECONDS));
}

/* The subjects a citizen picks from: the services, by their public name. */
void api_public_subjects(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	json_t *all = NULL;
	if (!tx)
		return;
	int rc = tx->ops->service_list(tx, &all);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *items = json_array();
	size_t i;
	json_t *s;
	json_array_foreach(all, i, s)
		json_array_append_new(items, json_pack("{sOsO}", "service", json_object_get(s, "slug"),
						       "label", json_object_get(s, "name")));
	json_decref(all);
	reply_json(r, 200, json_pack("{so}", "items", items));
}
