/* GET /api/v1/monitor: the supervisor's live snapshot (queues, agents,
 * services, today's figures), computed on the store. */
#include "core/calendar.h"
#include "server/api.h"
#include "server/handlers.h"

void api_monitor(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (!tx)
		return;
	int64_t now = now_s();
	int64_t local = now + cal_paris_offset(now);
	int64_t midnight = local - local % 86400;
	/* The offset in force at local midnight, not now: they differ on the
	 * two days the clocks change (the switch happens at 01:00 UTC). */
	int64_t day_start = midnight - cal_paris_offset(midnight - 3600);
	json_t *snap = NULL;
	int rc = tx->ops->monitor_snapshot(tx, day_start, now, &snap);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	char iso[ISO8601_LEN];
	iso8601_format(now, iso);
	json_object_set_new(snap, "at", json_string(iso));
	reply_json(r, 200, snap);
}
