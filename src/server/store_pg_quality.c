/* PostgreSQL store: the raw counts behind the published quality results
 * (api_quality.c), the same as store_sqlite_quality.c: per service, for
 * one period, how many cases, calls, chats and survey answers there were
 * and how they went.  Only counts and sums leave this file — never a
 * name, a reference or a comment — so that the public answer cannot leak
 * what it was computed from. */
#include "server/store_pg.h"

/* One row per service (or only service_id when not 0), by slug (byte
 * order, as SQLite's).  A case counts as closed once resolved or closed
 * (closed_at), and "in delay" when that was no later than its due date
 * (the delay announced); a call or chat as picked up once an agent
 * answered or accepted it; the wait is from its start to that moment.
 * sum() of bigint is numeric here: ::bigint keeps SQLite's integers. */
int pg_quality_period(struct store_tx *tx, int64_t from, int64_t to, int64_t service_id,
		      json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, from);
	pg_arg_int(&a, to);
	pg_arg_int(&a, service_id);
	return pg_rows(PGT(tx),
		"SELECT s.slug AS service, s.name AS name,"
		" (SELECT count(*) FROM cases WHERE service_id = s.id"
		"   AND created_at >= $1 AND created_at < $2) AS cases_opened,"
		" (SELECT count(*) FROM cases WHERE service_id = s.id"
		"   AND closed_at >= $1 AND closed_at < $2) AS cases_closed,"
		" (SELECT count(*) FROM cases WHERE service_id = s.id"
		"   AND closed_at >= $1 AND closed_at < $2 AND closed_at <= due_at) AS cases_in_delay,"
		" (SELECT count(*) FROM calls WHERE service_id = s.id"
		"   AND started_at >= $1 AND started_at < $2) AS calls,"
		" (SELECT count(answered_at) FROM calls WHERE service_id = s.id"
		"   AND started_at >= $1 AND started_at < $2) AS calls_answered,"
		" (SELECT coalesce(sum(answered_at - started_at), 0)::bigint FROM calls"
		"   WHERE service_id = s.id AND started_at >= $1 AND started_at < $2) AS calls_wait_s,"
		" (SELECT count(*) FROM chats WHERE service_id = s.id"
		"   AND created_at >= $1 AND created_at < $2) AS chats,"
		" (SELECT count(accepted_at) FROM chats WHERE service_id = s.id"
		"   AND created_at >= $1 AND created_at < $2) AS chats_answered,"
		" (SELECT coalesce(sum(accepted_at - created_at), 0)::bigint FROM chats"
		"   WHERE service_id = s.id AND created_at >= $1 AND created_at < $2) AS chats_wait_s,"
		" (SELECT count(csat) FROM surveys WHERE service_id = s.id"
		"   AND at >= $1 AND at < $2) AS csat_answers,"
		" (SELECT coalesce(sum(csat), 0) FROM surveys WHERE service_id = s.id"
		"   AND at >= $1 AND at < $2) AS csat_sum,"
		" (SELECT count(nps) FROM surveys WHERE service_id = s.id"
		"   AND at >= $1 AND at < $2) AS nps_answers,"
		" (SELECT count(*) FROM surveys WHERE service_id = s.id"
		"   AND at >= $1 AND at < $2 AND nps >= 9) AS nps_promoters,"
		" (SELECT count(*) FROM surveys WHERE service_id = s.id"
		"   AND at >= $1 AND at < $2 AND nps <= 6) AS nps_detractors"
		" FROM services s WHERE $3::bigint = 0 OR s.id = $3 ORDER BY s.slug COLLATE \"C\"",
		&a, items);
}
