/* GET /api/v1/events and GET /public/v1/chats/{id}/events: server-sent
 * event streams, resumable with Last-Event-ID (or ?after=). */
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/handlers.h"
#include "server/hub.h"

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

void api_events(struct req *r)
{
	int64_t after;
	if (resume_point(r, &after) == 0)
		hub_open_stream(r->srv->hub, r, after);
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
	if (resume_point(r, &after) == 0)
		hub_open_stream(r->srv->hub, r, after);
}
