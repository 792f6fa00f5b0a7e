/* PostgreSQL store: the supervisor's snapshot (queues, agents, today's
 * figures); the same figures as store_sqlite_monitor.c, to the last
 * digit.  SQLite's averages are a double sum over a count: here
 * sum(x)::float8 / count(x), not avg(), whose numeric quotient may round
 * to another double.  A rounded figure is rounded as numeric (exact
 * quotient, half away from zero), which gives what SQLite's round()
 * gives for these quotients of integers; SQLite's 0/1 comparisons are
 * ::int sums; text orders are COLLATE "C", SQLite's byte order. */
#include "server/store_pg.h"

/* The statement with $1 = the day's start, $2 = now. */
static int run(struct pgtx *t, const char *sql, const struct monitor_query *q, bool one,
	       json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, q->day_start);
	pg_arg_int(&a, q->now);
	return one ? pg_one(t, sql, &a, out) : pg_rows(t, sql, &a, out);
}

/* NPS of the surveys of `where` (nps IS NOT NULL among them): NULL when none. */
#define NPS(where)                                                                          \
	"(SELECT round(100.0 * (sum((nps >= 9)::int) - sum((nps <= 6)::int)) / count(nps))"  \
	"::bigint FROM surveys WHERE " where " AND nps IS NOT NULL)"

static const char TODAY_SQL[] =
	"SELECT (SELECT count(*) FROM cases WHERE created_at >= $1) AS cases_opened,"
	" (SELECT count(*) FROM cases WHERE closed_at >= $1) AS cases_closed,"
	" (SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed') AND due_at < $2)"
	"   AS cases_overdue,"
	" (SELECT count(*) FROM cases WHERE status = 'new' AND ack_due_at IS NOT NULL"
	"   AND ack_due_at < $2) AS acks_overdue,"
	" (SELECT count(*) FROM chats WHERE created_at >= $1) AS chats,"
	" (SELECT count(*) FROM chats WHERE created_at >= $1 AND accepted_at IS NOT NULL)"
	"   AS chats_answered,"
	" (SELECT sum(accepted_at - created_at)::float8 / count(*) FROM chats"
	"   WHERE created_at >= $1 AND accepted_at IS NOT NULL) AS chat_wait_avg_s,"
	" (SELECT count(*) FROM calls WHERE started_at >= $1) AS calls,"
	" (SELECT count(*) FROM calls WHERE started_at >= $1 AND answered_at IS NOT NULL)"
	"   AS calls_answered,"
	" (SELECT count(*) FROM calls WHERE started_at >= $1 AND answered_at IS NULL"
	"   AND ended_at IS NOT NULL) AS calls_abandoned,"
	" (SELECT count(*) FROM interactions WHERE started_at >= $1) AS interactions,"
	" (SELECT count(csat) FROM surveys WHERE at >= $1) AS csat_answers,"
	" (SELECT round(avg(csat), 2) FROM surveys WHERE at >= $1) AS csat_avg,"
	" (SELECT count(nps) FROM surveys WHERE at >= $1) AS nps_answers,"
	" " NPS("at >= $1") " AS nps";

/* An agent's activity: on a call, in a chat, idle (available with
 * nothing in hand), else the presence (busy, paused, wrap-up); NULL when
 * offline.  Since: the call's answer, the first chat's acceptance, for
 * idle the later of the presence change and the last chat or call ended. */
static const char AGENTS_SQL[] =
	"SELECT login, display_name, role, presence, presence_reason, presence_since_at, chats,"
	" calls, open_cases, overdue_cases, handled_today, services_json,"
	" CASE WHEN presence = 'offline' THEN NULL WHEN call_since IS NOT NULL THEN 'call'"
	"   WHEN chat_since IS NOT NULL THEN 'chat' WHEN presence = 'available' THEN 'idle'"
	"   ELSE presence END AS activity,"
	" CASE WHEN presence = 'offline' THEN NULL WHEN call_since IS NOT NULL THEN call_since"
	"   WHEN chat_since IS NOT NULL THEN chat_since WHEN presence = 'available' THEN"
	"   nullif(greatest(coalesce(presence_since_at, 0), coalesce(last_end, 0)), 0)"
	"   ELSE presence_since_at END AS activity_since_at"
	" FROM (SELECT a.login, a.display_name, a.role, a.presence, a.presence_reason,"
	" a.presence_since AS presence_since_at,"
	" (SELECT count(*) FROM chats h WHERE h.agent_id = a.id AND h.status = 'active') AS chats,"
	" (SELECT count(*) FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NULL) AS calls,"
	" (SELECT count(*) FROM cases k WHERE k.assignee_id = a.id AND k.status NOT IN"
	"   ('resolved', 'closed')) AS open_cases,"
	" (SELECT count(*) FROM cases k WHERE k.assignee_id = a.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < $2) AS overdue_cases,"
	" (SELECT count(*) FROM chats h WHERE h.agent_id = a.id AND h.closed_at >= $1"
	"   AND h.accepted_at IS NOT NULL)"
	" + (SELECT count(*) FROM calls c WHERE c.agent_id = a.id AND c.ended_at >= $1"
	"   AND c.answered_at IS NOT NULL) AS handled_today,"
	" coalesce((SELECT json_agg(s.slug ORDER BY s.slug COLLATE \"C\") FROM agent_skills k"
	"   JOIN services s ON s.id = k.service_id WHERE k.agent_id = a.id), '[]') AS services_json,"
	" (SELECT min(c.answered_at) FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NULL"
	"   AND c.answered_at IS NOT NULL) AS call_since,"
	" (SELECT min(h.accepted_at) FROM chats h WHERE h.agent_id = a.id AND h.status = 'active')"
	"   AS chat_since,"
	" greatest(coalesce((SELECT max(h.closed_at) FROM chats h WHERE h.agent_id = a.id), 0),"
	"   coalesce((SELECT max(c.ended_at) FROM calls c WHERE c.agent_id = a.id), 0)) AS last_end"
	" FROM agents a WHERE a.disabled = 0 AND a.role IN ('agent', 'supervisor')) x"
	" ORDER BY login COLLATE \"C\"";

static const char SERVICES_SQL[] =
	"SELECT s.slug AS service, s.name,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed')) AS open_cases,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < $2) AS overdue,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at >= $2 AND k.due_at < $2 + 86400) AS due_24h,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id"
	"   AND v.at >= $1 - 29 * 86400) AS csat_30d"
	" FROM services s ORDER BY s.slug COLLATE \"C\"";

int pg_monitor_snapshot(struct store_tx *tx, const struct monitor_query *q, json_t **out)
{
	struct pgtx *t = PGT(tx);
	json_t *today = NULL, *agents = NULL, *services = NULL, *queues = NULL, *stats = NULL,
	       *commit = NULL, *satis = NULL, *comments = NULL;
	int rc = run(t, TODAY_SQL, q, true, &today);
	if (rc == STORE_OK)
		rc = run(t, AGENTS_SQL, q, false, &agents);
	if (rc == STORE_OK)
		rc = run(t, SERVICES_SQL, q, false, &services);
	if (rc == STORE_OK)
		rc = pg_queue_sizes(tx, &queues);
	if (rc == STORE_OK)
		rc = pg_monitor_queue_stats(t, q, &stats);
	if (rc == STORE_OK)
		rc = pg_monitor_commitments(t, q, &commit);
	if (rc == STORE_OK)
		rc = pg_monitor_satisfaction(t, q, &satis);
	if (rc == STORE_OK)
		rc = pg_monitor_comments(t, &comments);
	if (rc != STORE_OK) {
		json_decref(today);
		json_decref(agents);
		json_decref(services);
		json_decref(queues);
		json_decref(stats);
		json_decref(commit);
		json_decref(satis);
		return rc;
	}
	*out = json_pack("{sosososososososo}", "today", today, "agents", agents, "services",
			 services, "queues", queues, "queue_stats", stats, "commitments", commit,
			 "satisfaction", satis, "latest_comments", comments);
	return *out ? STORE_OK : STORE_ERROR;
}
