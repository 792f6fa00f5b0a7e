/* SQLite store: the supervisor's snapshot (queues, agents, today's
 * figures: volumes and delays, the "O" data, next to satisfaction, the "X"
 * data). */
#include "server/store_sqlite.h"

static int one_row(struct sqtx *t, const char *sql, int64_t a, int64_t b, json_t **out)
{
	sqlite3_stmt *st = sq_prep(t, sql);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return sq_one(t, st, out);
}

static int rows(struct sqtx *t, const char *sql, int64_t a, int64_t b, json_t **out)
{
	sqlite3_stmt *st = sq_prep(t, sql);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return sq_rows(t, st, out);
}

static const char TODAY_SQL[] =
	"SELECT (SELECT count(*) FROM cases WHERE created_at >= ?1) AS cases_opened,"
	" (SELECT count(*) FROM cases WHERE closed_at >= ?1) AS cases_closed,"
	" (SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed') AND due_at < ?2)"
	"   AS cases_overdue,"
	" (SELECT count(*) FROM cases WHERE status = 'new' AND ack_due_at IS NOT NULL"
	"   AND ack_due_at < ?2) AS acks_overdue,"
	" (SELECT count(*) FROM chats WHERE created_at >= ?1) AS chats,"
	" (SELECT count(*) FROM chats WHERE created_at >= ?1 AND accepted_at IS NOT NULL)"
	"   AS chats_answered,"
	" (SELECT avg(accepted_at - created_at) FROM chats WHERE created_at >= ?1"
	"   AND accepted_at IS NOT NULL) AS chat_wait_avg_s,"
	" (SELECT count(*) FROM calls WHERE started_at >= ?1) AS calls,"
	" (SELECT count(*) FROM calls WHERE started_at >= ?1 AND answered_at IS NOT NULL)"
	"   AS calls_answered,"
	" (SELECT count(*) FROM calls WHERE started_at >= ?1 AND answered_at IS NULL"
	"   AND ended_at IS NOT NULL) AS calls_abandoned,"
	" (SELECT count(*) FROM interactions WHERE started_at >= ?1) AS interactions,"
	" (SELECT count(csat) FROM surveys WHERE at >= ?1) AS csat_answers,"
	" (SELECT round(avg(csat), 2) FROM surveys WHERE at >= ?1) AS csat_avg,"
	" (SELECT count(nps) FROM surveys WHERE at >= ?1) AS nps_answers,"
	" (SELECT CAST(round(100.0 * (sum(nps >= 9) - sum(nps <= 6)) / count(nps)) AS INTEGER)"
	"   FROM surveys WHERE at >= ?1 AND nps IS NOT NULL) AS nps";

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
	"   nullif(max(coalesce(presence_since_at, 0), coalesce(last_end, 0)), 0)"
	"   ELSE presence_since_at END AS activity_since_at"
	" FROM (SELECT a.login, a.display_name, a.role, a.presence, a.presence_reason,"
	" a.presence_since AS presence_since_at,"
	" (SELECT count(*) FROM chats h WHERE h.agent_id = a.id AND h.status = 'active') AS chats,"
	" (SELECT count(*) FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NULL) AS calls,"
	" (SELECT count(*) FROM cases k WHERE k.assignee_id = a.id AND k.status NOT IN"
	"   ('resolved', 'closed')) AS open_cases,"
	" (SELECT count(*) FROM cases k WHERE k.assignee_id = a.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < ?2) AS overdue_cases,"
	" (SELECT count(*) FROM chats h WHERE h.agent_id = a.id AND h.closed_at >= ?1"
	"   AND h.accepted_at IS NOT NULL)"
	" + (SELECT count(*) FROM calls c WHERE c.agent_id = a.id AND c.ended_at >= ?1"
	"   AND c.answered_at IS NOT NULL) AS handled_today,"
	" (SELECT json_group_array(slug) FROM (SELECT s.slug FROM agent_skills k"
	"   JOIN services s ON s.id = k.service_id WHERE k.agent_id = a.id ORDER BY s.slug))"
	"   AS services_json,"
	" (SELECT min(c.answered_at) FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NULL"
	"   AND c.answered_at IS NOT NULL) AS call_since,"
	" (SELECT min(h.accepted_at) FROM chats h WHERE h.agent_id = a.id AND h.status = 'active')"
	"   AS chat_since,"
	" max(coalesce((SELECT max(h.closed_at) FROM chats h WHERE h.agent_id = a.id), 0),"
	"   coalesce((SELECT max(c.ended_at) FROM calls c WHERE c.agent_id = a.id), 0)) AS last_end"
	" FROM agents a WHERE a.disabled = 0 AND a.role IN ('agent', 'supervisor'))"
	" ORDER BY login";

static const char SERVICES_SQL[] =
	"SELECT s.slug AS service, s.name,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed')) AS open_cases,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at < ?2) AS overdue,"
	" (SELECT count(*) FROM cases k WHERE k.service_id = s.id AND k.status NOT IN"
	"   ('resolved', 'closed') AND k.due_at >= ?2 AND k.due_at < ?2 + 86400) AS due_24h,"
	" (SELECT round(avg(v.csat), 2) FROM surveys v WHERE v.service_id = s.id AND v.at >= ?1 - 29 * 86400)"
	"   AS csat_30d"
	" FROM services s ORDER BY s.slug";

int sq_monitor_snapshot(struct store_tx *tx, const struct monitor_query *q, json_t **out)
{
	struct sqtx *t = SQ(tx);
	json_t *today = NULL, *agents = NULL, *services = NULL, *queues = NULL, *stats = NULL,
	       *commit = NULL, *satis = NULL, *comments = NULL;
	int rc = one_row(t, TODAY_SQL, q->day_start, q->now, &today);
	if (rc == STORE_OK)
		rc = rows(t, AGENTS_SQL, q->day_start, q->now, &agents);
	if (rc == STORE_OK)
		rc = rows(t, SERVICES_SQL, q->day_start, q->now, &services);
	if (rc == STORE_OK)
		rc = sq_queue_sizes(tx, &queues);
	if (rc == STORE_OK)
		rc = sq_monitor_queue_stats(t, q, &stats);
	if (rc == STORE_OK)
		rc = sq_monitor_commitments(t, q, &commit);
	if (rc == STORE_OK)
		rc = sq_monitor_satisfaction(t, q, &satis);
	if (rc == STORE_OK)
		rc = sq_monitor_comments(t, &comments);
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
