/* Helpers shared by the API handlers (api_*.c): the store errors as HTTP
 * answers, audit records, events, and the visibility rules of records. */
#ifndef GUICHET_SERVER_API_H
#define GUICHET_SERVER_API_H

#include <jansson.h>

#include "core/json_get.h"

#include "core/model.h"
#include "server/http.h"
#include "server/store.h"

/* The calling thread's store connection; answers 503 and returns NULL when
 * it cannot be had. */
struct store_tx *api_tx(struct req *r);

/* Answer a failed store operation: 404, 409, 412, 422, 503... */
void api_store_error(struct req *r, struct store_tx *tx, int rc);

/* Append an audit record for this request (inside the caller's write
 * transaction, so it is durable when the answer goes out). */
int api_audit(struct req *r, struct store_tx *tx, const char *action, const char *target_type,
	      int64_t target_id, int64_t citizen_id, int result);

/* Begin a read transaction (one consistent snapshot), answering 503 on
 * failure.  Returns 0 or -1. */
int api_begin_read(struct req *r, struct store_tx *tx);

/* Record a read of citizen data in the audit log, durably, before the
 * answer goes out: ends the caller's read transaction and hands the record
 * to the group commit (audit_batch.h); the answer leaves once it is
 * committed, or becomes a 503 if it cannot be.  Returns 0, or -1 with 503
 * answered. */
int api_audit_read(struct req *r, struct store_tx *tx, const char *action,
		   const char *target_type, int64_t target_id, int64_t citizen_id, int result);

/* Append an event (inside the write transaction); the hub wakes the
 * streams once the transaction commits (req_commit). */
int api_emit(struct req *r, struct store_tx *tx, const char *type, const json_t *payload,
	     const struct event_scope *scope);

/* Begin a write transaction, answering 503 on failure.  Returns 0 or -1. */
int api_begin(struct req *r, struct store_tx *tx);

/* Answer 201 Created with Location: path/<id>. */
void api_created(struct req *r, const char *path, int64_t id, json_t *body);

/* The part of a case every agent may see (reference, status, service, due
 * date) when it is outside the caller's services; the whole record (less
 * internal ids) otherwise.  Takes ownership of c, returns the answer. */
json_t *api_case_view(const struct req *r, json_t *c);

/* Service id of a slug (0 with 422 answered when unknown). */
int64_t api_service_id(struct req *r, struct store_tx *tx, const char *slug);

/* Agent id of a login (0 with 422 answered when unknown or disabled). */
int64_t api_agent_id(struct req *r, struct store_tx *tx, const char *login);

/* PUT presence ({"presence", "reason"}, MODEL_PRESENCE) for the agent
 * agent_id named login, by the caller (themselves or a supervisor):
 * stores it, tells every agent (agent.presence), audits, answers the
 * agent record. */
void api_presence_set(struct req *r, int64_t agent_id, const char *login);

#endif
