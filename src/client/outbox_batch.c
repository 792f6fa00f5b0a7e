/* Batches: after a reconnection the outbox may hold thousands of notes;
 * sent one request each, every one costs the server a commit.  A run of
 * queued entries whose kind allows it goes as one POST /api/v1/batch
 * (doc/api.md): guichetd runs the items in order, in one transaction,
 * each as the single request with its Idempotency-Key would run, and
 * stops at the first that fails.  Each answer is then sorted as if the
 * entry had gone alone; the items it did not run are simply still
 * queued.  A server that does not know batches is sent entries one at a
 * time from then on. */
#include "client/outbox_impl.h"

#include <stdlib.h>
#include <string.h>

#include "client/loop.h"
#include "core/json_bounded.h"

static bool batchable(const struct outbox *ob, const struct outbox_entry *e, int64_t now_ms)
{
	const struct outbox_kind *k = outbox_kind_of(ob, e->kind);
	/* a version would have to follow the item before it: those go alone */
	return k && k->batch && e->state == OUTBOX_QUEUED && e->next_try_ms <= now_ms &&
	       !e->base_version;
}

/* An item's body is the request body's text, the same bytes the entry
 * sends alone: the server's idempotency fingerprint holds them.  *bytes
 * grows by that text's length. */
static json_t *item_of(const struct outbox_entry *e, size_t *bytes)
{
	json_t *o = json_pack("{ssssss}", "method", e->method, "path", e->path, "idempotency_key",
			      e->key);
	char *text = e->body ? json_bounded_dump(e->body) : NULL;
	if (o && e->body && (!text || json_object_set_new(o, "body", json_string(text)) < 0)) {
		json_decref(o);
		o = NULL;
	}
	*bytes += sizeof(e->path) + (text ? strlen(text) : 0);
	free(text);
	return o;
}

/* The batch's body, of the first *n entries from first that fit in
 * OUTBOX_BATCH_BYTES (*n cut to those: guichetd refuses a body over its
 * limit, 1 MiB by default); NULL when out of memory. */
static json_t *batch_body(const struct outbox_entry *first, size_t *n)
{
	json_t *list = json_array();
	const struct outbox_entry *e = first;
	size_t bytes = 0, i = 0;
	for (; list && i < *n && (i < 1 || bytes < OUTBOX_BATCH_BYTES); i++, e = e->next)
		if (json_array_append_new(list, item_of(e, &bytes)) < 0) {
			json_decref(list);
			list = NULL;
		}
	*n = i;
	return list ? json_pack("{so}", "requests", list) : NULL;
}

/* Sent, but not run: queued as it was, the try not counted. */
static void not_run(struct outbox_entry *e)
{
	e->state = OUTBOX_QUEUED;
	if (e->attempts > 0)
		e->attempts--;
}

static void settle_item(struct outbox *ob, struct outbox_entry *e, const json_t *item)
{
	json_t *st = json_object_get(item, "status");
	if (!json_is_integer(st) || json_integer_value(st) < 100 || json_integer_value(st) > 599) {
		not_run(e);
		return;
	}
	const json_t *etag = json_object_get(item, "etag"), *loc = json_object_get(item, "location");
	struct net_result res = {
		.status = (int)json_integer_value(st),
		.body = json_object_get(item, "body"),
		.etag = json_is_string(etag) ? json_string_value(etag) : NULL,
		.location = json_is_string(loc) ? json_string_value(loc) : NULL,
	};
	outbox_settle(ob, e, &res);
}

/* The batch as a whole got no list of answers.  No answer, or "later":
 * the first entry takes it (tried again with its backoff), the others
 * follow it.  Anything else says the server does not take batches. */
static void batch_failed(struct outbox *ob, const struct flight *f, const struct net_result *res)
{
	bool first_takes_it = res->status == 401 || outbox_transient(res);
	if (!first_takes_it)
		ob->no_batch = true;
	for (size_t i = 0; i < f->n; i++) {
		struct outbox_entry *e = outbox_entry_find(ob, f->ids[i]);
		if (!e)
			continue;
		if (i == 0 && first_takes_it)
			outbox_settle(ob, e, res);
		else
			not_run(e);
	}
}

static void on_batch(void *arg, const struct net_result *res)
{
	struct flight *f = arg;
	struct outbox *ob = f->ob;
	const json_t *list = json_object_get(res->body, "responses");
	ob->in_flight = false;
	if (res->status == 200 && json_is_array(list)) {
		ob->defer_dels = true; /* the deliveries go down together */
		for (size_t i = 0; i < f->n; i++) {
			struct outbox_entry *e = outbox_entry_find(ob, f->ids[i]);
			if (e)
				settle_item(ob, e, json_array_get(list, i));
		}
		ob->defer_dels = false;
		outbox_dels_flush(ob);
	} else {
		batch_failed(ob, f, res);
	}
	outbox_pump(ob, loop_now_ms());
}

int outbox_batch_send(struct outbox *ob, struct outbox_entry *first, int64_t now_ms)
{
	struct flight *f = &ob->flight;
	struct outbox_entry *e = first;
	size_t n = 0;
	if (ob->no_batch || !ob->io.send_batch)
		return -1;
	for (; e && n < OUTBOX_BATCH_MAX && batchable(ob, e, now_ms); e = e->next)
		f->ids[n++] = e->id;
	json_t *body = n >= 2 ? batch_body(first, &n) : NULL;
	if (!body || n < 2) {
		json_decref(body);
		return -1;
	}
	f->ob = ob;
	f->n = n;
	e = first;
	for (size_t i = 0; i < n; i++, e = e->next) {
		e->state = OUTBOX_SENDING;
		e->attempts++;
	}
	ob->in_flight = true;
	int rc = ob->io.send_batch(ob->io.arg, body, on_batch, f);
	json_decref(body);
	if (rc == 0)
		return 0;
	ob->in_flight = false;
	e = first;
	for (size_t i = 0; i < n; i++, e = e->next)
		not_run(e);
	return -1;
}
