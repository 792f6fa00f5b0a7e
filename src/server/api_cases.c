/* Cases: list (work lists), creation with routing and SLA due dates, the
 * scoped read (audited), update through the status machine (If-Match),
 * notes and transfers between services and agents. */
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "core/sla.h"
#include "server/api.h"
#include "server/caller.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/routing.h"
#include "server/server.h"

/* The short form of a case every agent may see, for events. */
static json_t *case_event_payload(const json_t *c)
{
	return json_pack("{sOsOsOsOsOsOsO}", "id", json_object_get(c, "id"), "ref",
			 json_object_get(c, "ref"), "status", json_object_get(c, "status"), "service",
			 json_object_get(c, "service"), "due_at", json_object_get(c, "due_at"),
			 "assignee", json_object_get(c, "assignee"), "version",
			 json_object_get(c, "version"));
}

/* Every agent hears of a case; with --case-events service, only its
 * service's agents, its assignee and the supervisors (hub.c).  A change
 * of service or assignee is heard by all: the ones it leaves must hear
 * it too, and it is rare. */
static struct event_scope case_scope(const json_t *c, const json_t *before)
{
	if (before && (jint(before, "service_id") != jint(c, "service_id") ||
		       jint(before, "assignee_id") != jint(c, "assignee_id")))
		return (struct event_scope){ .staff = true };
	return (struct event_scope){ .staff = true, .service_id = jint(c, "service_id"),
				     .agent_id = jint(c, "assignee_id") };
}

/* Emit type for case id and audit action; reads the case back.  before:
 * the case as it was (NULL for a new one). */
static int case_changed(struct req *r, struct store_tx *tx, int64_t id, const json_t *before,
			const char *type, const char *action, int status, json_t **out)
{
	json_t *c = NULL;
	int rc = tx->ops->case_get(tx, id, &c);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return -1;
	}
	json_t *ev = case_event_payload(c);
	struct event_scope scope = case_scope(c, before);
	rc = api_emit(r, tx, type, ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, action, "case", id, jint(c, "citizen_id"), status) < 0) {
		json_decref(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int status_filter_ok(const char *s)
{
	return !s || strcmp(s, "active") == 0 || model_enum_index(MODEL_CASE_STATUSES, s) >= 0;
}

void api_case_list(struct req *r)
{
	struct case_filter f = { 0 };
	if (req_page(r, 50, 500, &f.limit, &f.cursor) < 0)
		return;
	struct store_tx *tx = api_tx(r);
	if (!tx)
		return;
	f.status = req_query(r, "status");
	if (!status_filter_ok(f.status)) {
		reply_problem(r, 400, "Bad status", "status: a case status, or active");
		return;
	}
	const char *svc = req_query(r, "service"), *who = req_query(r, "assignee");
	const char *sort = req_query(r, "sort"), *cit = req_query(r, "citizen_id");
	if (svc && !(f.service_id = api_service_id(r, tx, svc)))
		return;
	if (who && strcmp(who, "me") == 0)
		f.assignee_id = r->caller.agent_id;
	else if (who && !(f.assignee_id = api_agent_id(r, tx, who)))
		return;
	if (cit && (f.citizen_id = strtoll(cit, NULL, 10)) <= 0) {
		reply_problem(r, 400, "Bad citizen_id", "citizen_id: a citizen id");
		return;
	}
	f.by_due = sort ? strcmp(sort, "due") == 0 : f.assignee_id != 0;
	json_t *page = NULL;
	int rc = tx->ops->case_list(tx, &f, &page);
	if (rc == STORE_INVALID) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *items = json_object_get(page, "items"), *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) json_array_append_new(out, api_case_view(r, json_incref(c)));
	json_object_set_new(page, "items", out);
	reply_json(r, 200, page);
}

/* The service of a new case: the one given, else the classifier's guess. */
static int64_t new_case_service(struct req *r, struct store_tx *tx, const json_t *in, json_t **svc)
{
	const char *slug = jstr(in, "service");
	char guess[65] = "";
	if (!slug) {
		char text[2400];
		snprintf(text, sizeof(text), "%s %s", jstr(in, "subject"),
			 jstr(in, "description") ? jstr(in, "description") : "");
		double conf;
		bool by_rule;
		routing_classify(r->srv, text, guess, &conf, &by_rule);
		if (!guess[0]) {
			reply_problem(r, 422, "Service needed",
				      "service: no service could be guessed from the subject; name one");
			return 0;
		}
		slug = guess;
	}
	int rc = tx->ops->service_get(tx, slug, svc);
	if (rc == STORE_NOT_FOUND) {
		reply_problem(r, 422, "Unknown service", "service: no such service");
		return 0;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return 0;
	}
	return jint(*svc, "id");
}

static int citizen_live(struct req *r, struct store_tx *tx, int64_t id)
{
	json_t *c = NULL;
	int rc = tx->ops->citizen_get(tx, id, &c);
	if (rc == STORE_NOT_FOUND) {
		reply_problem(r, 422, "Unknown citizen", "citizen_id: no such citizen");
		return -1;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return -1;
	}
	bool merged = !json_is_null(json_object_get(c, "merged_into"));
	json_decref(c);
	if (merged) {
		reply_problem(r, 422, "Merged citizen", "citizen_id: this record was merged into another");
		return -1;
	}
	return 0;
}

void api_case_create(struct req *r)
{
	json_t *in = req_body(r, &MODEL_CASE, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *svc = NULL, *c = NULL;
	int64_t service_id, assignee = 0, id;
	if (citizen_live(r, tx, jint(in, "citizen_id")) < 0 ||
	    !(service_id = new_case_service(r, tx, in, &svc)))
		goto out;
	if (jstr(in, "assignee") && !(assignee = api_agent_id(r, tx, jstr(in, "assignee"))))
		goto out;
	const char *status = jstr(in, "status");
	if (status && strcmp(status, "new") != 0 && strcmp(status, "open") != 0) {
		reply_problem(r, 422, "Bad status", "status: a new case is new or open");
		goto out;
	}
	int64_t now = now_s(), ack = 0;
	int64_t due = sla_due(json_object_get(svc, "sla"), jstr(in, "channel"), jstr(in, "priority"),
			      now, &ack);
	int rc = tx->ops->case_create(tx, in, service_id, assignee, due, ack, now, &id);
	if (rc == STORE_OK)
		rc = tx->ops->case_event_add(tx, id, "created", r->caller.agent_id,
					     json_pack("{ss}", "service", jstr(svc, "slug")), now, NULL);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (case_changed(r, tx, id, NULL, "case.created", "case.create", 201, &c) < 0)
		goto out;
	reply_etag(r, jint(c, "version"));
	api_created(r, "/api/v1/cases", id, api_case_view(r, c));
	if (req_commit(r, tx) == 0 && jstr(in, "service"))
		routing_learn(r->srv, jstr(in, "subject"), jstr(in, "service"));
out:
	json_decref(svc);
}

/* Read case {id} (its number, or its reference "2026-000123", as agents
 * quote it), answering 404 when absent. */
static json_t *load_case(struct req *r, struct store_tx *tx, int64_t *id)
{
	json_t *c = NULL;
	int rc;
	if (r->nparams > 0 && model_case_ref_ok(r->params[0])) {
		rc = tx->ops->case_get_ref(tx, r->params[0], &c);
		*id = rc == STORE_OK ? jint(c, "id") : 0;
	} else if (req_param_id(r, 0, id) < 0) {
		return NULL;
	} else {
		rc = tx->ops->case_get(tx, *id, &c);
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return NULL;
	}
	return c;
}

static bool in_scope(const struct req *r, const json_t *c)
{
	return caller_in_service(&r->caller, jint(c, "service_id")) ||
	       (r->caller.agent_id && jint(c, "assignee_id") == r->caller.agent_id);
}

/* Read case {id} for a change or its history: 404 when absent, 403 when it
 * lies outside the caller's services (least privilege: seeing that a case
 * exists is not leave to write in it). */
static json_t *load_case_in_scope(struct req *r, struct store_tx *tx, int64_t *id)
{
	json_t *c = load_case(r, tx, id);
	if (c && !in_scope(r, c)) {
		reply_problem(r, 403, "Forbidden", "this case belongs to a service you do not work in");
		json_decref(c);
		return NULL;
	}
	return c;
}

void api_case_get(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	int64_t id;
	if (!tx || api_begin_read(r, tx) < 0)
		return;
	json_t *c = load_case(r, tx, &id);
	if (!c)
		return;
	if (api_audit_read(r, tx, "case.read", "case", id, jint(c, "citizen_id"), 200) < 0) {
		json_decref(c);
		return;
	}
	if (in_scope(r, c))
		reply_etag(r, jint(c, "version"));
	reply_json(r, 200, api_case_view(r, c));
}

/* A case's history, newest first, in pages of up to 500 (the default: a
 * client that does not page sees what it always saw). */
void api_case_events(struct req *r)
{
	int limit;
	const char *cursor;
	struct store_tx *tx;
	int64_t id;
	if (req_page(r, 500, 500, &limit, &cursor) < 0 || !(tx = api_tx(r)) ||
	    api_begin_read(r, tx) < 0)
		return;
	json_t *c = load_case_in_scope(r, tx, &id), *page = NULL;
	if (!c)
		return;
	int rc = tx->ops->case_events(tx, id, cursor, limit, &page);
	if (rc == STORE_INVALID) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		goto out;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (api_audit_read(r, tx, "case.events", "case", id, jint(c, "citizen_id"), 200) < 0) {
		json_decref(page);
		goto out;
	}
	reply_json(r, 200, page);
out:
	json_decref(c);
}

/* Validate a PATCH against the current case; fills `set` with columns. */
static int patch_columns(struct req *r, struct store_tx *tx, const json_t *in, const json_t *cur,
			 json_t *set)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)in, k, v) {
		if (strcmp(k, "service") == 0) {
			reply_problem(r, 422, "Use transfer", "service: move a case with POST .../transfer");
			return -1;
		}
		if (strcmp(k, "assignee") == 0) {
			int64_t a = json_is_null(v) ? 0 : api_agent_id(r, tx, json_string_value(v));
			if (!json_is_null(v) && !a)
				return -1;
			json_object_set_new(set, "assignee_id", json_integer(a));
			continue;
		}
		json_object_set(set, k, v);
	}
	const char *from = jstr(cur, "status"), *to = jstr(in, "status");
	if (to && strcmp(from, to) != 0) {
		if (!model_case_transition_ok(from, to)) {
			char msg[128];
			snprintf(msg, sizeof(msg), "status: a case cannot go from %s to %s", from, to);
			reply_problem(r, 422, "Bad status change", msg);
			return -1;
		}
		int64_t now = now_s();
		bool done = strcmp(to, "resolved") == 0 || strcmp(to, "closed") == 0;
		json_object_set_new(set, "closed_at", done ? json_integer(now) : json_null());
		if (json_is_null(json_object_get(cur, "acknowledged_at")))
			json_object_set_new(set, "acknowledged_at", json_integer(now));
	}
	return 0;
}

/* Case events for what a PATCH changed. */
static int patch_events(struct req *r, struct store_tx *tx, int64_t id, const json_t *in,
			const json_t *cur)
{
	int64_t now = now_s();
	const char *to = jstr(in, "status");
	int rc = STORE_OK;
	if (to && strcmp(to, jstr(cur, "status")) != 0)
		rc = tx->ops->case_event_add(tx, id, "status", r->caller.agent_id,
					     json_pack("{ssss}", "from", jstr(cur, "status"), "to", to),
					     now, NULL);
	json_t *a = json_object_get(in, "assignee");
	if (rc == STORE_OK && a)
		rc = tx->ops->case_event_add(tx, id, "assign", r->caller.agent_id,
					     json_pack("{sOsO}", "from", json_object_get(cur, "assignee"),
						       "to", a),
					     now, NULL);
	if (rc != STORE_OK)
		api_store_error(r, tx, rc);
	return rc == STORE_OK ? 0 : -1;
}

void api_case_patch(struct req *r)
{
	int64_t id, version;
	int has = req_if_match(r, &version);
	if (has < 0)
		return;
	if (has == 0) {
		reply_problem(r, 428, "If-Match required", "send the ETag of the case you changed");
		return;
	}
	json_t *in = req_body(r, &MODEL_CASE, MODEL_PATCH);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *cur = load_case_in_scope(r, tx, &id), *set = json_object(), *c = NULL;
	if (!cur)
		goto out;
	if (jint(cur, "version") != version) {
		reply_etag(r, jint(cur, "version"));
		reply_problem_with(r, 412, "Stale version", "the case changed since you read it",
				   "current", api_case_view(r, json_incref(cur)));
		goto out;
	}
	if (patch_columns(r, tx, in, cur, set) < 0 || patch_events(r, tx, id, in, cur) < 0)
		goto out;
	int rc = tx->ops->case_update(tx, id, version, set, now_s());
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (case_changed(r, tx, id, cur, "case.updated", "case.update", 200, &c) < 0)
		goto out;
	reply_etag(r, jint(c, "version"));
	reply_json(r, 200, api_case_view(r, c));
	req_commit(r, tx);
out:
	json_decref(cur);
	json_decref(set);
}

void api_case_note(struct req *r)
{
	json_t *in = req_body(r, &MODEL_NOTE, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	int64_t id, ev_id;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *c = load_case_in_scope(r, tx, &id);
	if (!c)
		return;
	int64_t now = now_s();
	int rc = tx->ops->case_event_add(tx, id, "note", r->caller.agent_id,
					 json_pack("{sO}", "text", json_object_get(in, "text")), now,
					 &ev_id);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	json_t *ev = json_pack("{sIsOsOsI}", "case_id", (json_int_t)id, "ref",
			       json_object_get(c, "ref"), "service", json_object_get(c, "service"),
			       "note_id", (json_int_t)ev_id);
	struct event_scope scope = case_scope(c, NULL);
	rc = api_emit(r, tx, "case.note", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "case.note", "case", id, jint(c, "citizen_id"), 201) < 0)
		goto out;
	char iso[ISO8601_LEN];
	iso8601_format(now, iso);
	json_t *note = json_pack("{sIsIsssssOss}", "id", (json_int_t)ev_id, "case_id", (json_int_t)id,
				 "kind", "note", "agent", r->caller.login, "text",
				 json_object_get(in, "text"), "at", iso);
	char path[64];
	snprintf(path, sizeof(path), "/api/v1/cases/%lld/events", (long long)id);
	api_created(r, path, ev_id, note);
	req_commit(r, tx);
out:
	json_decref(c);
}

/* Apply a transfer to `set`; fills the case event data. */
static int transfer_columns(struct req *r, struct store_tx *tx, const json_t *in, const json_t *cur,
			    json_t *set, json_t *data)
{
	const char *svc = jstr(in, "service"), *agent = jstr(in, "agent");
	if (!svc && !json_object_get(in, "agent")) {
		reply_problem(r, 422, "Nowhere to go", "give service, agent, or both");
		return -1;
	}
	if (svc) {
		int64_t sid = api_service_id(r, tx, svc);
		if (!sid)
			return -1;
		json_object_set_new(set, "service_id", json_integer(sid));
		json_object_set_new(data, "from_service", json_incref(json_object_get(cur, "service")));
		json_object_set_new(data, "to_service", json_string(svc));
		if (!json_object_get(in, "agent"))
			json_object_set_new(set, "assignee_id", json_integer(0));
	}
	if (json_object_get(in, "agent")) {
		int64_t aid = agent ? api_agent_id(r, tx, agent) : 0;
		if (agent && !aid)
			return -1;
		json_object_set_new(set, "assignee_id", json_integer(aid));
		json_object_set_new(data, "from_agent", json_incref(json_object_get(cur, "assignee")));
		json_object_set_new(data, "to_agent", agent ? json_string(agent) : json_null());
	}
	if (jstr(in, "reason"))
		json_object_set(data, "reason", json_object_get(in, "reason"));
	return 0;
}

void api_case_transfer(struct req *r)
{
	json_t *in = req_body(r, &MODEL_TRANSFER, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	int64_t id, version;
	int has = in ? req_if_match(r, &version) : -1;
	if (!tx || has < 0 || api_begin(r, tx) < 0)
		return;
	json_t *cur = load_case_in_scope(r, tx, &id), *set = json_object(), *data = json_object(),
	       *c = NULL;
	if (!cur)
		goto out;
	if (has && jint(cur, "version") != version) {
		reply_etag(r, jint(cur, "version"));
		reply_problem_with(r, 412, "Stale version", "the case changed since you read it",
				   "current", api_case_view(r, json_incref(cur)));
		goto out;
	}
	if (transfer_columns(r, tx, in, cur, set, data) < 0)
		goto out;
	int rc = tx->ops->case_update(tx, id, jint(cur, "version"), set, now_s());
	if (rc == STORE_OK)
		rc = tx->ops->case_event_add(tx, id, "transfer", r->caller.agent_id, json_incref(data),
					     now_s(), NULL);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (case_changed(r, tx, id, cur, "case.transferred", "case.transfer", 200, &c) < 0)
		goto out;
	reply_etag(r, jint(c, "version"));
	reply_json(r, 200, api_case_view(r, c));
	if (req_commit(r, tx) == 0 && jstr(in, "service"))
		routing_learn(r->srv, jstr(cur, "subject"), jstr(in, "service")); /* a correction */
out:
	json_decref(cur);
	json_decref(set);
	json_decref(data);
}
