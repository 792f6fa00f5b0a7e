/* POST /api/v1/batch: up to BATCH_MAX writes of a desk's outbox, replayed
 * after a reconnection, run in order as the single requests they are (the
 * route's role check, the Idempotency-Key, the handler, its audit record
 * and events) and made durable by ONE commit, since a commit's fsync is
 * most of what a small write costs.  The run stops after the first item
 * that is not a success; the answer lists the items that ran.
 *
 * An item's body is a string holding the raw JSON text a single request
 * would send: the key's fingerprint is method + path + those bytes, so an
 * item and a single request with the same key are the same request. */
#include <stdio.h>
#include <string.h>

#include "core/json_bounded.h"
#include "server/api.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/hub.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/server.h"

#define BATCH_MAX 100
#define BATCH_PATH_MAX 512
#define BATCH_METHOD_MAX 16

/* What an item may hold: each a string; the body may be left out. */
static const struct {
	const char *name;
	bool required;
} item_members[] = {
	{ "method", true },
	{ "path", true },
	{ "idempotency_key", true },
	{ "body", false },
};
#define N_ITEM_MEMBERS (sizeof(item_members) / sizeof(item_members[0]))

static void bad_item(struct req *r, int status, const char *title, size_t i, const char *what)
{
	char detail[300];
	snprintf(detail, sizeof(detail), "requests[%zu]: %s", i, what);
	reply_problem(r, status, title, detail);
}

/* Check item i and make its request, routed; NULL with the whole batch
 * answered (422 naming the item) when it is malformed or not batchable. */
static struct req *item_request(struct req *r, size_t i, const json_t *item)
{
	char why[240];
	if (!json_is_object(item)) {
		bad_item(r, 422, "Invalid batch", i, "an item is an object");
		return NULL;
	}
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)item, name, v) {
		size_t m = 0;
		while (m < N_ITEM_MEMBERS && strcmp(item_members[m].name, name) != 0)
			m++;
		if (m == N_ITEM_MEMBERS) {
			snprintf(why, sizeof(why), "unknown member \"%.40s\"", name);
			bad_item(r, 422, "Invalid batch", i, why);
			return NULL;
		}
		if (!json_is_string(v)) {
			snprintf(why, sizeof(why), "%s: must be a string", name);
			bad_item(r, 422, "Invalid batch", i, why);
			return NULL;
		}
	}
	for (size_t m = 0; m < N_ITEM_MEMBERS; m++)
		if (item_members[m].required && !json_object_get(item, item_members[m].name)) {
			snprintf(why, sizeof(why), "%s: missing", item_members[m].name);
			bad_item(r, 422, "Invalid batch", i, why);
			return NULL;
		}
	const char *method = json_string_value(json_object_get(item, "method"));
	const char *path = json_string_value(json_object_get(item, "path"));
	const char *key = json_string_value(json_object_get(item, "idempotency_key"));
	const json_t *body = json_object_get(item, "body");
	/* (the parser refuses \u0000: these strings are whole C strings) */
	if (!idem_key_ok(key)) {
		bad_item(r, 422, "Invalid batch", i, "idempotency_key: 1 to 128 printable characters");
		return NULL;
	}
	if (strlen(path) > BATCH_PATH_MAX || strchr(path, '?')) {
		bad_item(r, 422, "Invalid batch", i, "path: a path without a query string");
		return NULL;
	}
	if (strlen(method) > BATCH_METHOD_MAX) {
		bad_item(r, 422, "Invalid batch", i, "method: an HTTP method");
		return NULL;
	}
	struct req *sub = req_sub_new(r, method, path, body ? json_string_value(body) : NULL,
				      body ? json_string_length(body) : 0, key);
	if (!sub) {
		reply_problem(r, 503, "Out of memory", "the batch cannot be held; send fewer items");
		return NULL;
	}
	int path_known = 0;
	const struct route *rt = routes_match(method, path, sub, &path_known, sub->allow,
					      sizeof(sub->allow));
	sub->allow[0] = '\0';
	if (!rt || !(rt->flags & RF_BATCH)) {
		snprintf(why, sizeof(why), "%s %.160s cannot be part of a batch", method, path);
		bad_item(r, 422, "Not batchable", i, why);
		req_sub_free(sub);
		return NULL;
	}
	sub->route = rt;
	return sub;
}

/* The batch's own body, parsed with the usual bounds but one: an item's
 * body is a whole request body in a string, so it may be as long as a
 * document, not a field; the handlers parse it with the usual bounds. */
static const json_t *batch_requests(struct req *r)
{
	struct json_bounds b = JSON_BOUNDS_DEFAULT;
	b.max_string = b.max_bytes;
	if (!req_json(r, &b))
		return NULL;
	const json_t *items = json_object_get(r->json, "requests");
	if (!json_is_object(r->json) || json_object_size(r->json) != 1 || !json_is_array(items)) {
		reply_problem(r, 422, "Invalid batch", "the body is {\"requests\": [...]} and only that");
		return NULL;
	}
	if (json_array_size(items) < 1 || json_array_size(items) > BATCH_MAX) {
		char msg[64];
		snprintf(msg, sizeof(msg), "requests: 1 to %d items", BATCH_MAX);
		reply_problem(r, 422, "Invalid batch", msg);
		return NULL;
	}
	return items;
}

/* One element of the answer: what the item would have answered alone. */
static json_t *item_answer(const struct req *s)
{
	json_t *body = s->answer ? json_incref(s->answer) : NULL;
	if (!body && s->raw_answer) /* a stored answer, replayed: written by us */
		body = json_loads(s->raw_answer, JSON_DECODE_ANY, NULL);
	json_t *o = json_pack("{sisO}", "status", s->status, "body", body ? body : json_null());
	json_decref(body);
	if (o && s->location[0])
		json_object_set_new(o, "location", json_string(s->location));
	if (o && s->etag[0])
		json_object_set_new(o, "etag", json_string(s->etag));
	return o;
}

void api_batch(struct req *r)
{
	struct req *subs[BATCH_MAX] = { 0 };
	size_t n = 0;
	json_t *responses = NULL;
	const json_t *items = batch_requests(r);
	if (!items)
		return;
	/* every item is checked before any runs: a malformed batch does nothing */
	for (; n < json_array_size(items); n++)
		if (!(subs[n] = item_request(r, n, json_array_get(items, n))))
			goto out;
	struct store_tx *tx = api_tx(r);
	if (!tx)
		goto out;
	int rc = tx->ops->group_begin(tx);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc == STORE_BUSY ? STORE_BUSY : STORE_ERROR);
		goto out;
	}
	responses = json_array();
	bool emitted = false;
	for (size_t i = 0; i < n; i++) {
		struct req *s = subs[i];
		s->started_ns = now_ns();
		req_run_route(s, s->route, tx);
		if (!s->answered)
			reply_problem(s, 500, "Internal error", "the request was not answered");
		metrics_request(r->srv->metrics, routes_index(s->route), s->status,
				now_ns() - s->started_ns);
		emitted |= s->emitted;
		json_t *a = item_answer(s);
		if (!a || json_array_append_new(responses, a) < 0) {
			tx->ops->group_end(tx, false);
			reply_problem(r, 503, "Out of memory", "the batch was not applied");
			goto out;
		}
		if (s->status < 200 || s->status > 299)
			break; /* what it did is undone, its claim released (req_run_route) */
	}
	if (tx->ops->group_end(tx, true) != STORE_OK) {
		reply_problem(r, 503, "Store unavailable", "the batch was not applied; send it again");
		goto out;
	}
	/* the items' events are committed only now */
	if (emitted)
		hub_notify(r->srv->hub);
	reply_json(r, 200, json_pack("{sO}", "responses", responses));
out:
	json_decref(responses);
	for (size_t i = 0; i < n; i++)
		req_sub_free(subs[i]);
}
