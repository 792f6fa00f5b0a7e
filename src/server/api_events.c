/* GET /api/v1/events and GET /public/v1/chats/{id}/events: server-sent
 * event streams, resumable with Last-Event-ID (or ?after=).  A resume
 * point whose following events were purged (--events-retention) gets 410:
 * a stream that silently skipped them would leave the reader wrong. */
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "server/api.h"
#include "server/handlers.h"
#include "server/hub.h"
#include "server/server.h"

/* The id to resume after: -1 for "from now". */
static int resume_point(struct req *r, int64_t *out)
{
	const char *v = req_header(r, "Last-Event-ID");
	if (!v)
		v = req_query(r, "after");
	*out = -1;
	if (!v || !*v)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0) {
		reply_problem(r, 400, "Bad Last-Event-ID", "give the id of the last event you received");
		return -1;
	}
	*out = n;
	return 0;
}

/* Whether a purge can have taken events of chat id: its events all come
 * after it began, and every purged event is at most purged_at old. */
static int chat_predates(struct store_tx *tx, int64_t id, int64_t purged_at, bool *out)
{
	json_t *c = NULL;
	int rc = tx->ops->chat_get(tx, id, &c);
	if (rc != STORE_OK)
		return rc;
	int64_t began = 0;
	const char *at = jstr(c, "created_at");
	*out = !at || iso8601_parse(at, &began) < 0 || began <= purged_at;
	json_decref(c);
	return STORE_OK;
}

/* Are events after *after gone?  chat_id (citizen streams): only when the
 * purge reached back into that chat; else *after moves up to the purge
 * boundary, before which the chat had no event, so that a new chat's
 * ?after=0 still works.  *last gets the newest seq. */
static int gap(struct store_tx *tx, int64_t *after, int64_t chat_id, bool *gone, int64_t *last)
{
	int64_t purged = 0, purged_at = 0;
	int rc = tx->ops->event_purged(tx, &purged, &purged_at);
	if (rc == STORE_OK)
		rc = tx->ops->event_last_seq(tx, last);
	*gone = rc == STORE_OK && *after < purged;
	if (*gone && chat_id) {
		rc = chat_predates(tx, chat_id, purged_at, gone);
		if (rc == STORE_OK && !*gone)
			*after = purged;
	}
	return rc;
}

/* Answer 410 when the reader cannot be told what it missed, with the
 * newest seq to resume from once it has reloaded what it holds.  Returns
 * true when an answer is set (410, or a store error). */
static bool history_gone(struct req *r, int64_t *after, int64_t chat_id)
{
	if (*after < 0)
		return false; /* from now: nothing to miss */
	struct store_tx *tx = api_tx(r);
	if (!tx || api_begin_read(r, tx) < 0)
		return true;
	bool gone = false;
	int64_t last = 0;
	int rc = gap(tx, after, chat_id, &gone, &last); /* one snapshot */
	tx->ops->rollback(tx);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return true;
	}
	if (gone)
		reply_problem_with(r, 410, "Event history gone",
				   "the events after this id are no longer kept: reload what you"
				   " hold, then resume after last_event",
				   "last_event", json_integer(last));
	return gone;
}

/* Turn r into an event stream for its caller, after `after`: the hub
 * writes it, the HTTP glue sends it (http.c, send_stream). */
static void open_stream(struct req *r, int64_t after)
{
	void *s = hub_open_stream(r->srv->hub, &r->caller, r->conn, after);
	if (!s) {
		reply_problem(r, 503, "Out of memory", NULL);
		return;
	}
	r->event_stream = true;
	r->stream = s;
	r->stream_read = hub_stream_read;
	r->stream_free = hub_stream_free;
	r->status = 200;
	r->answered = true;
}

void api_events(struct req *r)
{
	int64_t after;
	if (resume_point(r, &after) == 0 && !history_gone(r, &after, 0))
		open_stream(r, after);
}

void api_public_chat_events(struct req *r)
{
	int64_t id, after;
	if (req_param_id(r, 0, &id) < 0)
		return;
	if (id != r->caller.chat_id) {
		reply_problem(r, 403, "Forbidden", "this token is for another chat");
		return;
	}
	if (resume_point(r, &after) == 0 && !history_gone(r, &after, id))
		open_stream(r, after);
}
