/* Helpers shared by the API handlers (see api.h). */
#include "server/api.h"

#include <stdio.h>
#include <string.h>

#include "server/audit_batch.h"
#include "server/auth.h"
#include "server/caller.h"
#include "server/clock.h"
#include "server/hub.h"
#include "server/server.h"

struct store_tx *api_tx(struct req *r)
{
	struct store_tx *tx = store_tx_get(r->srv->store);
	if (!tx)
		reply_problem(r, 503, "Store unavailable", "cannot open the database");
	return tx;
}

void api_store_error(struct req *r, struct store_tx *tx, int rc)
{
	switch (rc) {
	case STORE_NOT_FOUND:
		reply_problem(r, 404, "Not found", "no such record");
		break;
	case STORE_CONFLICT:
		reply_problem(r, 412, "Stale version", "the record changed since you read it");
		break;
	case STORE_EXISTS:
		reply_problem(r, 409, "Already exists", store_tx_error(tx));
		break;
	case STORE_INVALID:
		reply_problem(r, 422, "Refused", store_tx_error(tx));
		break;
	case STORE_BUSY:
		reply_problem(r, 503, "Busy", "the database is busy; retry");
		break;
	default:
		reply_problem(r, 500, "Internal error", "the store failed; see the server log");
	}
}

int api_begin(struct req *r, struct store_tx *tx)
{
	int rc = tx->ops->begin_write(tx);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc == STORE_BUSY ? STORE_BUSY : STORE_ERROR);
		return -1;
	}
	return 0;
}

int api_begin_read(struct req *r, struct store_tx *tx)
{
	if (tx->ops->begin_read(tx) != STORE_OK) {
		api_store_error(r, tx, STORE_ERROR);
		return -1;
	}
	return 0;
}

/* The audit record of this request. */
static struct audit_entry entry(const struct req *r, const char *action, const char *target_type,
				int64_t target_id, int64_t citizen_id, int result)
{
	struct audit_entry e = {
		.actor_id = r->caller.agent_id,
		.actor = r->caller.login[0] ? r->caller.login
					    : r->caller.chat_id ? "public" : "anonymous",
		.action = action,
		.target_type = target_type,
		.target_id = target_id,
		.citizen_id = citizen_id,
		.client_addr = r->client_addr,
		.result = result,
	};
	return e;
}

int api_audit_read(struct req *r, struct store_tx *tx, const char *action,
		   const char *target_type, int64_t target_id, int64_t citizen_id, int result)
{
	/* a batch holds the write lock the audit writer needs, and frees its
	 * items before any callback (RF_BATCH routes never come here) */
	if (r->is_sub) {
		tx->ops->rollback(tx);
		reply_problem(r, 500, "Internal error", "an audited read cannot be part of a batch");
		return -1;
	}
	struct audit_entry e = entry(r, action, target_type, target_id, citizen_id, result);
	tx->ops->rollback(tx); /* end the snapshot: nothing was written */
	/* The thread goes on to build the answer; the connection waits for the
	 * record (http.c, hold_for_audit), so one batch can hold every read
	 * under way, not one per worker thread. */
	r->audit_state = AUDIT_PENDING;
	if (audit_batch_submit(r->srv->audit, &e, now_s(), audit_wait_done, r) < 0) {
		r->audit_state = AUDIT_NONE;
		reply_problem(r, 503, "Store unavailable", "the audit log cannot be written");
		return -1;
	}
	return 0;
}

int api_audit(struct req *r, struct store_tx *tx, const char *action, const char *target_type,
	      int64_t target_id, int64_t citizen_id, int result)
{
	struct audit_entry e = entry(r, action, target_type, target_id, citizen_id, result);
	int rc = tx->ops->audit_append(tx, &e, now_s());
	if (rc != STORE_OK)
		api_store_error(r, tx, rc);
	return rc == STORE_OK ? 0 : -1;
}

int api_emit(struct req *r, struct store_tx *tx, const char *type, const json_t *payload,
	     const struct event_scope *scope)
{
	int rc = tx->ops->event_append(tx, type, payload, scope, now_s());
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return -1;
	}
	r->emitted = true;
	return 0;
}

void api_created(struct req *r, const char *path, int64_t id, json_t *body)
{
	snprintf(r->location, sizeof(r->location), "%s/%lld", path, (long long)id);
	reply_json(r, 201, body);
}

json_t *api_case_view(const struct req *r, json_t *c)
{
	int64_t service_id = jint(c, "service_id");
	bool mine = caller_in_service(&r->caller, service_id) ||
		    (r->caller.agent_id && jint(c, "assignee_id") == r->caller.agent_id);
	if (!mine) {
		json_t *v = json_pack("{sOsOsOsOsOsOsOsb}", "id", json_object_get(c, "id"), "ref",
				      json_object_get(c, "ref"), "status", json_object_get(c, "status"),
				      "service", json_object_get(c, "service"), "due_at",
				      json_object_get(c, "due_at"), "version", json_object_get(c, "version"),
				      "citizen_id", json_object_get(c, "citizen_id"), "restricted", 1);
		json_decref(c);
		return v;
	}
	json_object_del(c, "service_id");
	json_object_del(c, "assignee_id");
	return c;
}

int64_t api_service_id(struct req *r, struct store_tx *tx, const char *slug)
{
	json_t *s = NULL;
	int rc = tx->ops->service_get(tx, slug, &s);
	if (rc == STORE_NOT_FOUND) {
		char msg[128];
		snprintf(msg, sizeof(msg), "service: no service named %s", slug);
		reply_problem(r, 422, "Unknown service", msg);
		return 0;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return 0;
	}
	int64_t id = jint(s, "id");
	json_decref(s);
	return id;
}

int64_t api_agent_id(struct req *r, struct store_tx *tx, const char *login)
{
	json_t *a = NULL;
	int rc = tx->ops->agent_get(tx, login, false, &a);
	if (rc == STORE_OK && jint(a, "disabled")) {
		json_decref(a);
		rc = STORE_NOT_FOUND;
	}
	if (rc == STORE_NOT_FOUND) {
		char msg[128];
		snprintf(msg, sizeof(msg), "agent: no active agent named %s", login);
		reply_problem(r, 422, "Unknown agent", msg);
		return 0;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return 0;
	}
	int64_t id = jint(a, "id");
	json_decref(a);
	return id;
}
