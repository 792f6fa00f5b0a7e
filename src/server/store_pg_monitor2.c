/* PostgreSQL store: the parts of the supervisor's snapshot past today's
 * figures: per-queue statistics (service level, abandons, handle time),
 * the commitments at risk, satisfaction per service and the latest
 * comments (doc/api.md 2.32); the same figures as store_sqlite_monitor2.c,
 * by the same rules as store_pg_monitor.c (rounding as numeric, 0/1
 * comparisons as ::int, byte order of the slugs).  No citizen's name,
 * email or phone here: the wallboard may be on a wall. */
#include "server/store_pg.h"

/* The statement with the n values as $1…$n. */
static int run(struct pgtx *t, const char *sql, const int64_t *v, int n, json_t **out)
{
	struct pg_args a = { 0 };
	for (int i = 0; i < n; i++)
		pg_arg_int(&a, v[i]);
	return pg_rows(t, sql, &a, out);
}

/* Chats and calls as one list of contacts (arrived, answered, ended,
 * waiting), so that both channels are counted by the same rules.  A chat
 * or call never answered but ended is abandoned; one still waiting has no
 * end.  $1 the day's start, $2 now, $3 the service level's target, $4 the
 * short abandon.  The arrivals' rate is offered / max(1, elapsed / 1800)
 * written over integers, so that its quotient is exact before rounding. */
static const char QUEUE_STATS_SQL[] =
	"WITH x(service_id, channel, arrived, answered, ended, waiting) AS ("
	" SELECT service_id, 'chat'::text, created_at, accepted_at, closed_at,"
	"   (status IN ('queued', 'offered'))::int FROM chats"
	"   WHERE created_at >= $1 OR closed_at >= $1 OR status IN ('queued', 'offered')"
	" UNION ALL SELECT service_id, 'phone', started_at, answered_at, ended_at,"
	"   (state IN ('queued', 'ringing') AND agent_id IS NULL AND ended_at IS NULL)::int"
	"   FROM calls WHERE started_at >= $1 OR ended_at >= $1 OR ended_at IS NULL),"
	" g AS (SELECT coalesce(s.slug, 'unrouted') COLLATE \"C\" AS service, x.channel,"
	"   sum(x.waiting) AS waiting,"
	"   coalesce($2 - min(CASE WHEN x.waiting = 1 THEN x.arrived END), 0) AS longest_wait_s,"
	"   sum((x.arrived >= $1)::int) AS offered,"
	"   sum((x.arrived >= $1 AND x.answered IS NOT NULL)::int) AS answered,"
	"   sum((x.arrived >= $1 AND x.answered IS NULL AND x.ended IS NOT NULL)::int) AS abandoned,"
	"   sum((x.arrived >= $1 AND x.answered IS NULL AND x.ended IS NOT NULL"
	"     AND x.ended - x.arrived < $4)::int) AS short_abandons,"
	"   sum((x.arrived >= $1 AND x.answered IS NOT NULL AND x.answered - x.arrived <= $3)::int)"
	"     AS answered_in_target,"
	"   round(avg(CASE WHEN x.ended >= $1 AND x.answered IS NOT NULL"
	"     THEN x.ended - x.answered END))::bigint AS aht_s"
	"   FROM x LEFT JOIN services s ON s.id = x.service_id GROUP BY 1, 2)"
	" SELECT service, channel, waiting, longest_wait_s, offered, answered, abandoned,"
	" short_abandons, answered_in_target,"
	" CASE WHEN answered + abandoned - short_abandons > 0 THEN"
	"   round(answered_in_target::numeric / (answered + abandoned - short_abandons), 4)"
	"   END AS service_level, aht_s,"
	" round(offered * 1800.0 / greatest(1800, $2 - $1), 2) AS arrivals_per_30min"
	" FROM g WHERE offered > 0 OR waiting > 0 OR aht_s IS NOT NULL ORDER BY 1, 2";

/* $1 now, $2 the horizon of "due soon". */
static const char COMMIT_SERVICES_SQL[] =
	"SELECT s.slug AS service,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < $1) AS overdue,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at >= $1 AND k.due_at < $2) AS due_soon"
	" FROM services s ORDER BY s.slug COLLATE \"C\"";

/* The most urgent first: the longest overdue, then the nearest due. */
static const char COMMIT_CASES_SQL[] =
	"SELECT k.ref, s.slug AS service, k.subject, k.due_at, a.login AS assignee,"
	" CASE WHEN k.due_at < $1 THEN 'true' ELSE 'false' END AS overdue_json"
	" FROM cases k JOIN services s ON s.id = k.service_id"
	" LEFT JOIN agents a ON a.id = k.assignee_id"
	" WHERE k.status NOT IN ('resolved', 'closed') AND k.due_at < $2"
	" ORDER BY k.due_at, k.id LIMIT 20";

/* NPS of a service's surveys since `since`: NULL when none answered it. */
#define NPS(since)                                                                          \
	"(SELECT round(100.0 * (sum((v.nps >= 9)::int) - sum((v.nps <= 6)::int))"            \
	" / count(v.nps))::bigint FROM surveys v WHERE v.service_id = s.id AND v.at >= " since \
	" AND v.nps IS NOT NULL)"

/* 30 days: today and the 29 before, as in the services' csat_30d.  $1 the
 * day's start. */
static const char SATISFACTION_SQL[] =
	"SELECT s.slug AS service,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id AND v.at >= $1)"
	"   AS csat_today,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id"
	"   AND v.at >= $1 - 29 * 86400) AS csat_30d,"
	" " NPS("$1") " AS nps_today,"
	" " NPS("$1 - 29 * 86400") " AS nps_30d,"
	" (SELECT count(*) FROM surveys v WHERE v.service_id = s.id AND v.at >= $1)"
	"   AS answers_today,"
	" (SELECT count(*) FROM surveys v WHERE v.service_id = s.id AND v.at >= $1 - 29 * 86400)"
	"   AS answers_30d"
	" FROM services s ORDER BY s.slug COLLATE \"C\"";

/* trim() takes spaces only, as SQLite's. */
static const char COMMENTS_SQL[] =
	"SELECT v.at, coalesce(s.slug, 'unrouted') AS service, v.csat, v.comment"
	" FROM surveys v LEFT JOIN services s ON s.id = v.service_id"
	" WHERE v.comment IS NOT NULL AND trim(v.comment) <> ''"
	" ORDER BY v.at DESC, v.id DESC LIMIT 10";

int pg_monitor_queue_stats(struct pgtx *t, const struct monitor_query *q, json_t **out)
{
	int64_t v[] = { q->day_start, q->now, q->target_s, q->short_abandon_s };
	return run(t, QUEUE_STATS_SQL, v, 4, out);
}

int pg_monitor_commitments(struct pgtx *t, const struct monitor_query *q, json_t **out)
{
	int64_t v[] = { q->now, q->horizon };
	json_t *services = NULL, *cases = NULL;
	int rc = run(t, COMMIT_SERVICES_SQL, v, 2, &services);
	if (rc == STORE_OK)
		rc = run(t, COMMIT_CASES_SQL, v, 2, &cases);
	if (rc != STORE_OK) {
		json_decref(services);
		return rc;
	}
	*out = json_pack("{soso}", "services", services, "cases", cases);
	return *out ? STORE_OK : STORE_ERROR;
}

int pg_monitor_satisfaction(struct pgtx *t, const struct monitor_query *q, json_t **out)
{
	return run(t, SATISFACTION_SQL, &q->day_start, 1, out);
}

int pg_monitor_comments(struct pgtx *t, json_t **out)
{
	return pg_rows(t, COMMENTS_SQL, NULL, out);
}
