/* Collision marks: PUT /api/v1/{cases,citizens}/{id}/viewing says "I have
 * this record open" (mode "viewing") or "I am writing in it" ("writing");
 * DELETE says I left it.  Each change is an event every desk sees, so that
 * two agents never answer the same citizen twice without knowing.  A mark
 * lasts VIEWING_TTL seconds unless renewed: a desk that died leaves none. */
#include <string.h>

#include "core/calendar.h"
#include "core/model.h"
#include "server/api.h"
#include "server/clock.h"
#include "server/handlers.h"

#define VIEWING_TTL 90

static int announce(struct req *r, struct store_tx *tx, const char *type, int64_t id,
		    const char *mode, int64_t until)
{
	char iso[ISO8601_LEN];
	iso8601_format(until, iso);
	json_t *ev = json_pack("{sssIssssss}", "target", type, "id", (json_int_t)id, "agent",
			       r->caller.login, "mode", mode, "expires_at", iso);
	/* Logins and record numbers only: what any agent may know. */
	struct event_scope scope = { .staff = true };
	int rc = api_emit(r, tx, "viewing", ev, &scope);
	json_decref(ev);
	return rc;
}

static void put_mark(struct req *r, const char *type)
{
	json_t *in = req_body(r, &MODEL_VIEWING, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	int64_t id;
	if (!tx || req_param_id(r, 0, &id) < 0 || api_begin(r, tx) < 0)
		return;
	const char *mode = jstr(in, "mode");
	int64_t now = now_s(), until = now + VIEWING_TTL;
	json_t *viewers = NULL;
	int rc = tx->ops->viewing_set(tx, r->caller.agent_id, type, id, mode, until, now);
	if (rc == STORE_OK)
		rc = tx->ops->viewing_list(tx, type, id, now, &viewers);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	if (announce(r, tx, type, id, mode, until) < 0) {
		json_decref(viewers);
		return;
	}
	reply_json(r, 200, json_pack("{sssIsisO}", "target", type, "id", (json_int_t)id, "ttl",
				     VIEWING_TTL, "viewers", viewers));
	json_decref(viewers);
	req_commit(r, tx);
}

static void delete_mark(struct req *r, const char *type)
{
	struct store_tx *tx = api_tx(r);
	int64_t id;
	bool removed = false;
	if (!tx || req_param_id(r, 0, &id) < 0 || api_begin(r, tx) < 0)
		return;
	int rc = tx->ops->viewing_clear(tx, r->caller.agent_id, type, id, &removed);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	if (removed && announce(r, tx, type, id, "left", now_s()) < 0)
		return;
	reply_json(r, 204, NULL);
	req_commit(r, tx);
}

void api_case_viewing_put(struct req *r)
{
	put_mark(r, "case");
}

void api_case_viewing_delete(struct req *r)
{
	delete_mark(r, "case");
}

void api_citizen_viewing_put(struct req *r)
{
	put_mark(r, "citizen");
}

void api_citizen_viewing_delete(struct req *r)
{
	delete_mark(r, "citizen");
}
