/* SQLite store: the parts of the supervisor's snapshot past today's
 * figures: per-queue statistics (service level, abandons, handle time),
 * the commitments at risk, satisfaction per service and the latest
 * comments (doc/api.md 2.32).  No citizen's name, email or phone here:
 * the wallboard may be on a wall. */
#include "server/store_sqlite.h"

static int run(struct sqtx *t, const char *sql, const struct monitor_query *q, json_t **out)
{
	sqlite3_stmt *st = sq_prep(t, sql);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, q->day_start);
	sqlite3_bind_int64(st, 2, q->now);
	sqlite3_bind_int64(st, 3, q->target_s);
	sqlite3_bind_int64(st, 4, q->short_abandon_s);
	sqlite3_bind_int64(st, 5, q->horizon);
	return sq_rows(t, st, out);
}

/* Chats and calls as one list of contacts (arrived, answered, ended,
 * waiting), so that both channels are counted by the same rules.  A chat
 * or call never answered but ended is abandoned; one still waiting has no
 * end. */
static const char QUEUE_STATS_SQL[] =
	"WITH x(service_id, channel, arrived, answered, ended, waiting) AS ("
	" SELECT service_id, 'chat', created_at, accepted_at, closed_at,"
	"   status IN ('queued', 'offered') FROM chats"
	"   WHERE created_at >= ?1 OR closed_at >= ?1 OR status IN ('queued', 'offered')"
	" UNION ALL SELECT service_id, 'phone', started_at, answered_at, ended_at,"
	"   state IN ('queued', 'ringing') AND agent_id IS NULL AND ended_at IS NULL FROM calls"
	"   WHERE started_at >= ?1 OR ended_at >= ?1 OR ended_at IS NULL),"
	" g AS (SELECT coalesce(s.slug, 'unrouted') AS service, x.channel,"
	"   sum(x.waiting) AS waiting,"
	"   coalesce(?2 - min(CASE WHEN x.waiting THEN x.arrived END), 0) AS longest_wait_s,"
	"   sum(x.arrived >= ?1) AS offered,"
	"   sum(x.arrived >= ?1 AND x.answered IS NOT NULL) AS answered,"
	"   sum(x.arrived >= ?1 AND x.answered IS NULL AND x.ended IS NOT NULL) AS abandoned,"
	"   sum(x.arrived >= ?1 AND x.answered IS NULL AND x.ended IS NOT NULL"
	"     AND x.ended - x.arrived < ?4) AS short_abandons,"
	"   sum(x.arrived >= ?1 AND x.answered IS NOT NULL AND x.answered - x.arrived <= ?3)"
	"     AS answered_in_target,"
	"   CAST(round(avg(CASE WHEN x.ended >= ?1 AND x.answered IS NOT NULL"
	"     THEN x.ended - x.answered END)) AS INTEGER) AS aht_s"
	"   FROM x LEFT JOIN services s ON s.id = x.service_id GROUP BY 1, 2)"
	" SELECT service, channel, waiting, longest_wait_s, offered, answered, abandoned,"
	" short_abandons, answered_in_target,"
	" CASE WHEN answered + abandoned - short_abandons > 0 THEN"
	"   round(CAST(answered_in_target AS REAL) / (answered + abandoned - short_abandons), 4)"
	"   END AS service_level, aht_s,"
	" round(offered / max(1.0, (?2 - ?1) / 1800.0), 2) AS arrivals_per_30min"
	" FROM g WHERE offered > 0 OR waiting > 0 OR aht_s IS NOT NULL ORDER BY 1, 2";

static const char COMMIT_SERVICES_SQL[] =
	"SELECT s.slug AS service,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < ?2) AS overdue,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at >= ?2 AND k.due_at < ?5) AS due_soon"
	" FROM services s ORDER BY s.slug";

/* The most urgent first: the longest overdue, then the nearest due. */
static const char COMMIT_CASES_SQL[] =
	"SELECT k.ref, s.slug AS service, k.subject, k.due_at, a.login AS assignee,"
	" CASE WHEN k.due_at < ?2 THEN 'true' ELSE 'false' END AS overdue_json"
	" FROM cases k JOIN services s ON s.id = k.service_id"
	" LEFT JOIN agents a ON a.id = k.assignee_id"
	" WHERE k.status NOT IN ('resolved', 'closed') AND k.due_at < ?5"
	" ORDER BY k.due_at, k.id LIMIT 20";

/* 30 days: today and the 29 before, as in the services' csat_30d. */
static const char SATISFACTION_SQL[] =
	"SELECT s.slug AS service,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1)"
	"   AS csat_today,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id"
	"   AND v.at >= ?1 - 29 * 86400) AS csat_30d,"
	" (SELECT CAST(round(100.0 * (sum(v.nps >= 9) - sum(v.nps <= 6)) / count(v.nps)) AS INTEGER)"
	"   FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1 AND v.nps IS NOT NULL)"
	"   AS nps_today,"
	" (SELECT CAST(round(100.0 * (sum(v.nps >= 9) - sum(v.nps <= 6)) / count(v.nps)) AS INTEGER)"
	"   FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1 - 29 * 86400"
	"   AND v.nps IS NOT NULL) AS nps_30d,"
	" (SELECT count(*) FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1)"
	"   AS answers_today,"
	" (SELECT count(*) FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1 - 29 * 86400)"
	"   AS answers_30d"
	" FROM services s ORDER BY s.slug";

static const char COMMENTS_SQL[] =
	"SELECT v.at, coalesce(s.slug, 'unrouted') AS service, v.csat, v.comment"
	" FROM surveys v LEFT JOIN services s ON s.id = v.service_id"
	" WHERE v.comment IS NOT NULL AND trim(v.comment) <> ''"
	" ORDER BY v.at DESC, v.id DESC LIMIT 10";

int sq_monitor_queue_stats(struct sqtx *t, const struct monitor_query *q, json_t **out)
{
	return run(t, QUEUE_STATS_SQL, q, out);
}

int sq_monitor_commitments(struct sqtx *t, const struct monitor_query *q, json_t **out)
{
	json_t *services = NULL, *cases = NULL;
	int rc = run(t, COMMIT_SERVICES_SQL, q, &services);
	if (rc == STORE_OK)
		rc = run(t, COMMIT_CASES_SQL, q, &cases);
	if (rc != STORE_OK) {
		json_decref(services);
		return rc;
	}
	*out = json_pack("{soso}", "services", services, "cases", cases);
	return *out ? STORE_OK : STORE_ERROR;
}

int sq_monitor_satisfaction(struct sqtx *t, const struct monitor_query *q, json_t **out)
{
	return run(t, SATISFACTION_SQL, q, out);
}

int sq_monitor_comments(struct sqtx *t, json_t **out)
{
	return sq_rows(t, sq_prep(t, COMMENTS_SQL), out);
}
