/* GET /api/v1/monitor: the supervisor's live snapshot (queues, agents,
 * services, today's figures, queue statistics, commitments at risk,
 * satisfaction), computed on the store in one read transaction. */
#include <stdio.h>
#include <stdlib.h>

#include "core/calendar.h"
#include "server/api.h"
#include "server/clock.h"
#include "server/handlers.h"

/* The horizon of "due soon": what falls due within a working day. */
#define HORIZON_MINUTES (8 * 60)

/* The service-level definition, said in words next to the figures so
 * that a wallboard never shows a percentage without what it means. */
#define SL_DEFINITION "answered within %d s / (answered + abandoned after %d s or more)"

/* ?name= as an integer in lo..hi, def when absent; -1 with 400 answered
 * when it is not one. */
static int query_int(struct req *r, const char *name, int lo, int hi, int def, int *out)
{
	const char *v = req_query(r, name);
	*out = def;
	if (!v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
		char detail[96];
		snprintf(detail, sizeof(detail), "%s: an integer from %d to %d", name, lo, hi);
		reply_problem(r, 400, "Bad query", detail);
		return -1;
	}
	*out = (int)n;
	return 0;
}

void api_monitor(struct req *r)
{
	struct monitor_query q = { .now = now_s() };
	if (query_int(r, "target", 1, 3600, 20, &q.target_s) < 0 ||
	    query_int(r, "short_abandon", 0, 600, 5, &q.short_abandon_s) < 0)
		return;
	struct store_tx *tx = api_tx(r);
	if (!tx || api_begin_read(r, tx) < 0)
		return;
	int64_t local = q.now + cal_paris_offset(q.now);
	int64_t midnight = local - local % 86400;
	/* The offset in force at local midnight, not now: they differ on the
	 * two days the clocks change (the switch happens at 01:00 UTC). */
	q.day_start = midnight - cal_paris_offset(midnight - 3600);
	/* Working hours, as the due dates themselves are counted (sla.c). */
	q.horizon = cal_add_working_minutes(q.now, HORIZON_MINUTES, CAL_METROPOLE,
					    &CAL_DEFAULT_HOURS);
	json_t *snap = NULL;
	int rc = tx->ops->monitor_snapshot(tx, &q, &snap);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	char iso[ISO8601_LEN], sl[128];
	iso8601_format(q.now, iso);
	json_object_set_new(snap, "at", json_string(iso));
	iso8601_format(q.horizon, iso);
	json_object_set_new(snap, "horizon_at", json_string(iso));
	json_object_set_new(snap, "target_s", json_integer(q.target_s));
	json_object_set_new(snap, "short_abandon_s", json_integer(q.short_abandon_s));
	snprintf(sl, sizeof(sl), SL_DEFINITION, q.target_s, q.short_abandon_s);
	json_object_set_new(snap, "sl_definition", json_string(sl));
	reply_json(r, 200, snap);
}
