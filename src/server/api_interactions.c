/* POST /api/v1/interactions: log a contact on any channel (a call, an
 * email, a counter visit, a letter...) in the citizen's timeline; GET
 * /api/v1/interactions/{id}: read one back (audited, like the timeline).
 *
 * An email is one interaction per Message-ID whoever records it: every
 * desk of the team links the same shared mailbox, and `mail sync` runs
 * again and again over the same messages. */
#include <string.h>

#include "server/api.h"
#include "server/caller.h"
#include "server/clock.h"
#include "server/handlers.h"

/* An email already recorded under this Message-ID: answered here (200 with
 * it, attached to the case asked for when it had none; 409 when it belongs
 * to another citizen or case).  Returns 1 when answered, 0 when the
 * message is new, -1 when answered with an error. */
static int email_seen(struct req *r, struct store_tx *tx, const json_t *in, int64_t cid,
		      int64_t case_id)
{
	const char *ref = json_string_value(json_object_get(in, "external_ref"));
	const char *channel = json_string_value(json_object_get(in, "channel"));
	json_t *old = NULL;
	if (!ref || !*ref || !channel || strcmp(channel, "email") != 0)
		return 0;
	int rc = tx->ops->interaction_find_ref(tx, "email", ref, &old);
	if (rc == STORE_NOT_FOUND)
		return 0;
	int64_t id = jint(old, "id"), had = jint(old, "case_id");
	if (rc == STORE_OK && (jint(old, "citizen_id") != cid || (had && case_id && had != case_id))) {
		reply_problem_with(r, 409, "Already recorded",
				   "this message is already recorded for another citizen or case",
				   "current", old);
		return -1;
	}
	bool link = rc == STORE_OK && !had && case_id;
	if (link) {
		rc = tx->ops->interaction_set_case(tx, id, case_id);
		json_decref(old);
		old = NULL;
		if (rc == STORE_OK)
			rc = tx->ops->interaction_get(tx, id, &old);
	}
	if (rc != STORE_OK) {
		json_decref(old);
		api_store_error(r, tx, rc);
		return -1;
	}
	json_t *ev = json_pack("{sIsIsssI}", "id", (json_int_t)id, "citizen_id", (json_int_t)cid,
			       "channel", "email", "case_id", (json_int_t)case_id);
	struct event_scope scope = { .staff = true };
	/* api_emit and api_audit answer their own failures */
	rc = link ? api_emit(r, tx, "interaction.created", ev, &scope) : 0;
	json_decref(ev);
	/* the answer shows what was recorded, maybe by someone else: audited */
	if (rc < 0 || api_audit(r, tx, link ? "interaction.link" : "interaction.again",
				"interaction", id, cid, 200) < 0) {
		json_decref(old);
		return -1;
	}
	reply_json(r, 200, old);
	req_commit(r, tx);
	return 1;
}

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
	if (rc == STORE_OK && email_seen(r, tx, in, cid, case_id) != 0)
		goto done;
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
