/* GET /healthz (liveness: the store answers) and GET /metrics (Prometheus
 * text: request counters, latency, streams, routing queues). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/api.h"
#include "server/handlers.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/server.h"

void api_healthz(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	int64_t seq = 0;
	if (!tx)
		return;
	if (tx->ops->event_last_seq(tx, &seq) != STORE_OK) {
		reply_problem(r, 503, "Unhealthy", "the store does not answer");
		return;
	}
	reply_json(r, 200, json_pack("{sssssI}", "status", "ok", "version", GUICHET_VERSION,
				     "last_event", (json_int_t)seq));
}

static const char *route_name(size_t i, char *buf, size_t n)
{
	if (i >= routes_count)
		return "unmatched";
	snprintf(buf, n, "%s %s", routes[i].method, routes[i].pattern);
	return buf;
}

void api_metrics(struct req *r)
{
	char *text = metrics_render(r->srv->metrics, route_name);
	struct store_tx *tx = api_tx(r);
	json_t *queues = NULL;
	if (!text || !tx) {
		free(text);
		if (tx)
			reply_problem(r, 503, "Out of memory", NULL);
		return;
	}
	size_t len = strlen(text), cap = len + 4096;
	char *all = realloc(text, cap);
	if (!all) {
		free(text);
		reply_problem(r, 503, "Out of memory", NULL);
		return;
	}
	if (tx->ops->queue_sizes && tx->ops->queue_sizes(tx, &queues) == STORE_OK) {
		len += (size_t)snprintf(all + len, cap - len,
					"# HELP guichetd_queue_waiting Chats and calls waiting, by service.\n"
					"# TYPE guichetd_queue_waiting gauge\n");
		size_t i;
		json_t *q;
		json_array_foreach(queues, i, q) {
			if (cap - len < 200)
				break;
			len += (size_t)snprintf(all + len, cap - len,
						"guichetd_queue_waiting{service=\"%s\",channel=\"%s\"} %lld\n",
						jstr(q, "service"), jstr(q, "channel"),
						(long long)jint(q, "waiting"));
		}
		json_decref(queues);
	}
	r->raw_answer = all;
	r->raw_type = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	r->answered = true;
}
