/* POST /api/v1/interactions: log a contact on any channel (a call, an
 * email, a counter visit, a letter...) in the citizen's timeline; GET
 * /api/v1/interactions/{id}: read one back (audited, like the timeline). */
#include <string.h>

#include "server/api.h"
#include "server/handlers.h"

void api_interaction_create(struct req *r)
{
	json_t *in = req_body(r, &MODEL_INTERACTION, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	int64_t cid = jint(in, "citizen_id"), case_id = jint(in, "case_id"), id;
	json_t *c = NULL, *k = NULL, *out = NULL;
	int rc = tx->ops->citizen_get(tx, cid, &c);
	if (rc == STORE_NOT_FOUND) {
		reply_problem(r, 422, "Unknown citizen", "citizen_id: no such citizen");
		goto done;
	}
	if (rc == STORE_OK && case_id) {
		rc = tx->ops->case_get(tx, case_id, &k);
		if (rc == STORE_NOT_FOUND || (rc == STORE_OK && jint(k, "citizen_id") != cid)) {
			reply_problem(r, 422, "Unknown case", "case_id: no such case for this citizen");
			goto done;
		}
	}
	if (rc == STORE_OK)
		rc = tx->ops->interaction_create(tx, in, r->caller.agent_id, now_s(), &id);
	if (rc == STORE_OK)
		rc = tx->ops->interaction_get(tx, id, &out);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto done;
	}
	json_t *ev = json_pack("{sIsIsOsO}", "id", (json_int_t)id, "citizen_id", (json_int_t)cid,
			       "channel", json_object_get(in, "channel"), "case_id",
			       case_id ? json_integer(case_id) : json_null());
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "interaction.created", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "interaction.create", "interaction", id, cid, 201) < 0)
		goto done;
	api_created(r, "/api/v1/interactions", id, out);
	out = NULL;
	req_commit(r, tx);
done:
	json_decref(c);
	json_decref(k);
	json_decref(out);
}

void api_interaction_get(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin_read(r, tx) < 0)
		return;
	json_t *out = NULL, *k = NULL;
	int rc = tx->ops->interaction_get(tx, id, &out);
	if (rc == STORE_OK && jint(out, "case_id"))
		rc = tx->ops->case_get(tx, jint(out, "case_id"), &k);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto done;
	}
	if (api_audit_read(r, tx, "interaction.read", "interaction", id, jint(out, "citizen_id"),
			   200) < 0)
		goto done;
	/* a contact about another service's case: that it happened, not what was said */
	if (k && !caller_in_service(&r->caller, jint(k, "service_id"))) {
		json_object_set_new(out, "summary", json_null());
		json_object_set_new(out, "restricted", json_true());
	}
	reply_json(r, 200, out);
	out = NULL;
done:
	json_decref(out);
	json_decref(k);
}
