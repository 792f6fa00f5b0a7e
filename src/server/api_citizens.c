/* Citizens: search, the 360° read, creation, update (If-Match), the
 * timeline across channels and services, and the merge of duplicates.
 * Every read of a 360° view or a timeline is audited. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/search.h"
#include "core/text.h"
#include "server/api.h"
#include "server/caller.h"
#include "server/clock.h"
#include "server/handlers.h"

/* A search shows what it takes to pick the right person (names, birth
 * date, contacts), not the whole file: that is the audited 360° read. */
static void trim_results(json_t *items)
{
	static const char *const keep[] = { "id", "given_name", "family_name", "birth_date",
					    "emails", "phones", "merged_into" };
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) {
		const char *k;
		json_t *v;
		void *tmp;
		json_object_foreach_safe(c, tmp, k, v) {
			(void)v;
			bool kept = false;
			for (size_t n = 0; n < sizeof(keep) / sizeof(keep[0]); n++)
				kept = kept || strcmp(k, keep[n]) == 0;
			if (!kept)
				json_object_del(c, k);
		}
	}
}

void api_citizen_search(struct req *r)
{
	int limit;
	const char *cursor;
	if (req_page(r, 20, 100, &limit, &cursor) < 0)
		return;
	const char *q = req_query(r, "q");
	if (!q || !*q || strlen(q) > 200) {
		reply_problem(r, 400, "Missing query", "give ?q= with 1 to 200 bytes: a name, a phone"
							" number, a mail address or a case reference");
		return;
	}
	struct store_tx *tx = api_tx(r);
	if (!tx)
		return;
	char norm[256];
	const char *kind = search_kind(q, norm, sizeof(norm));
	json_t *page = NULL;
	int rc = tx->ops->citizen_search(tx, kind, norm, cursor, limit, &page);
	if (rc == STORE_INVALID) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	trim_results(json_object_get(page, "items"));
	json_object_set_new(page, "kind", json_string(kind));
	/* Who searched, and when, is audited like a read; the query itself is
	 * not kept: it may hold a citizen's name. */
	if (api_audit_read(r, tx, "citizen.search", "citizen", 0, 0, 200) < 0) {
		json_decref(page);
		return;
	}
	reply_json(r, 200, page);
}

/* Strip from each case what the caller may not see. */
static json_t *visible_cases(const struct req *r, json_t *items)
{
	json_t *out = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) json_array_append_new(out, api_case_view(r, json_incref(c)));
	json_decref(items);
	return out;
}

void api_citizen_get(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin_read(r, tx) < 0)
		return;
	json_t *c = NULL, *cases = NULL, *surveys = NULL;
	int rc = tx->ops->citizen_get(tx, id, &c);
	struct case_filter f = { .citizen_id = id, .limit = 200, .by_due = true };
	if (rc == STORE_OK)
		rc = tx->ops->case_list(tx, &f, &cases);
	if (rc == STORE_OK)
		rc = tx->ops->citizen_surveys(tx, id, &surveys);
	if (rc != STORE_OK) {
		if (rc != STORE_NOT_FOUND ||
		    api_audit_read(r, tx, "citizen.read", "citizen", id, 0, 404) == 0)
			api_store_error(r, tx, rc);
		goto out;
	}
	if (api_audit_read(r, tx, "citizen.read", "citizen", id, id, 200) < 0)
		goto out;
	reply_etag(r, jint(c, "version"));
	json_object_set_new(c, "cases", visible_cases(r, json_incref(json_object_get(cases, "items"))));
	json_object_set(c, "surveys", surveys);
	reply_json(r, 200, json_incref(c));
out:
	json_decref(c);
	json_decref(cases);
	json_decref(surveys);
}

void api_citizen_create(struct req *r)
{
	json_t *in = req_body(r, &MODEL_CITIZEN, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	int64_t id;
	json_t *c = NULL;
	int rc = tx->ops->citizen_create(tx, in, now_s(), &id);
	if (rc == STORE_OK)
		rc = tx->ops->citizen_get(tx, id, &c);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *ev = json_pack("{sIsI}", "id", (json_int_t)id, "version", jint(c, "version"));
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "citizen.created", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "citizen.create", "citizen", id, id, 201) < 0) {
		json_decref(c);
		return;
	}
	reply_etag(r, jint(c, "version"));
	api_created(r, "/api/v1/citizens", id, c);
	req_commit(r, tx);
}

void api_citizen_patch(struct req *r)
{
	int64_t id, version;
	if (req_param_id(r, 0, &id) < 0)
		return;
	int has = req_if_match(r, &version);
	if (has < 0)
		return;
	if (has == 0) {
		reply_problem(r, 428, "If-Match required", "send the ETag of the record you changed");
		return;
	}
	json_t *in = req_body(r, &MODEL_CITIZEN, MODEL_PATCH);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	json_t *c = NULL;
	int rc = tx->ops->citizen_get(tx, id, &c);
	if (rc == STORE_OK && jint(c, "merged_into")) {
		/* its contacts now live in the kept record: that is the one to change */
		json_t *into = json_incref(json_object_get(c, "merged_into"));
		json_decref(c);
		reply_problem_with(r, 409, "Merged record",
				   "this record was merged into another one: change that one",
				   "merged_into", into);
		return;
	}
	json_decref(c);
	c = NULL;
	if (rc == STORE_OK)
		rc = tx->ops->citizen_update(tx, id, version, in, now_s(), &c);
	if (rc == STORE_CONFLICT) {
		reply_etag(r, jint(c, "version"));
		reply_problem_with(r, 412, "Stale version", "the record changed since you read it",
				   "current", c);
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *ev = json_pack("{sIsI}", "id", (json_int_t)id, "version", jint(c, "version"));
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "citizen.updated", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "citizen.update", "citizen", id, id, 200) < 0) {
		json_decref(c);
		return;
	}
	reply_etag(r, jint(c, "version"));
	reply_json(r, 200, c);
	req_commit(r, tx);
}

/* Hide, from timeline entries of cases outside the caller's services, the
 * summary and the event data (notes). */
static void restrict_timeline(const struct req *r, json_t *items)
{
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e) {
		int64_t svc = jint(e, "service_id");
		if (svc && !caller_in_service(&r->caller, svc)) {
			json_object_set_new(e, "summary", json_null());
			json_object_set_new(e, "data", json_null());
			json_object_set_new(e, "restricted", json_true());
		}
		json_object_del(e, "service_id");
	}
}

void api_citizen_timeline(struct req *r)
{
	int64_t id;
	int limit;
	const char *cursor;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || req_page(r, 50, 500, &limit, &cursor) < 0 ||
	    !(tx = api_tx(r)) || api_begin_read(r, tx) < 0)
		return;
	json_t *c = NULL, *page = NULL;
	int rc = tx->ops->citizen_get(tx, id, &c);
	json_decref(c);
	if (rc == STORE_OK)
		rc = tx->ops->citizen_timeline(tx, id, cursor, limit, &page);
	if (rc == STORE_INVALID) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		return;
	}
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	if (api_audit_read(r, tx, "citizen.timeline", "citizen", id, id, 200) < 0) {
		json_decref(page);
		return;
	}
	restrict_timeline(r, json_object_get(page, "items"));
	reply_json(r, 200, page);
}

static int live_citizen(struct req *r, struct store_tx *tx, int64_t id)
{
	json_t *c = NULL;
	int rc = tx->ops->citizen_get(tx, id, &c);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return -1;
	}
	bool merged = !json_is_null(json_object_get(c, "merged_into"));
	json_decref(c);
	if (merged) {
		reply_problem(r, 422, "Already merged", "this record was merged into another one");
		return -1;
	}
	return 0;
}

static void merge_done(struct req *r, struct store_tx *tx, int64_t merge_id, const char *type,
		       int status)
{
	json_t *m = NULL;
	int rc = tx->ops->merge_get(tx, merge_id, &m);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	int64_t keep = jint(m, "kept_id"), dup = jint(m, "merged_id");
	json_t *ev = json_pack("{sIsIsI}", "merge_id", (json_int_t)merge_id, "kept_id",
			       (json_int_t)keep, "merged_id", (json_int_t)dup);
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, type, ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, type, "citizen", keep, keep, status) < 0 ||
	    api_audit(r, tx, type, "citizen", dup, dup, status) < 0) {
		json_decref(m);
		return;
	}
	if (status == 201)
		api_created(r, "/api/v1/merges", merge_id, m);
	else
		reply_json(r, status, m);
	req_commit(r, tx);
}

void api_citizen_merge(struct req *r)
{
	int64_t keep;
	if (req_param_id(r, 0, &keep) < 0)
		return;
	json_t *in = req_body(r, &MODEL_MERGE, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	int64_t dup = jint(in, "duplicate_id");
	if (dup == keep) {
		reply_problem(r, 422, "Same record", "duplicate_id: a record cannot merge into itself");
		return;
	}
	if (live_citizen(r, tx, keep) < 0 || live_citizen(r, tx, dup) < 0)
		return;
	int64_t merge_id;
	int rc = tx->ops->citizen_merge(tx, keep, dup, r->caller.agent_id, now_s(), &merge_id);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	merge_done(r, tx, merge_id, "citizen.merged", 201);
}

void api_merge_get(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)))
		return;
	json_t *m = NULL;
	int rc = tx->ops->merge_get(tx, id, &m);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	reply_json(r, 200, m);
}

void api_merge_undo(struct req *r)
{
	int64_t id;
	struct store_tx *tx;
	if (req_param_id(r, 0, &id) < 0 || !(tx = api_tx(r)) || api_begin(r, tx) < 0)
		return;
	json_t *m = NULL;
	int rc = tx->ops->merge_undo(tx, id, now_s(), &m);
	json_decref(m);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	merge_done(r, tx, id, "citizen.unmerged", 200);
}
