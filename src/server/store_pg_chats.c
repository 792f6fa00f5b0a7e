/* PostgreSQL store: live chats and their messages, calls from telephony
 * events, and the queries routing and /metrics need (who waits, who is
 * free, queue sizes); the same rules as store_sqlite_chats.c.
 *
 * SQLite's single writer made "read the chat, check it, change it" safe
 * (two agents accepting the same chat, a routing pass offering a chat a
 * desk is taking).  Here the row is locked instead: a write transaction
 * that reads a chat or a call holds its row until it ends, and a routing
 * pass holds the requests it routes. */
#include "server/store_pg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* store_pg.c runs writes READ COMMITTED and reads REPEATABLE READ: only
 * writes lock (a read would fail to serialise with a concurrent change
 * instead of seeing the last committed one). */
#define WRITING "current_setting('transaction_isolation') = 'read committed'"

/* --- setting columns ------------------------------------------------------------ */

/* The members chat_set and call_set take, in the order of the bits and
 * parameters ($3…) of CHAT_SET and CALL_SET. */
static const char *const chat_keys[] = { "status", "agent_id", "offered_to", "offered_at",
					 "declined", "case_id", "wrapup_code", "citizen_id",
					 "service_id", "accepted_at", "closed_at", NULL };
static const char *const call_keys[] = { "state", "agent_id", "offered_to", "offered_at",
					 "declined", "answered_at", "ended_at", "service_id",
					 "citizen_id", NULL };

/* One column of a fixed UPDATE: set to val when the bit is in $1, else kept. */
#define COL(col, bit, val) \
	" " col " = CASE WHEN ($1::int & " #bit ") <> 0 THEN " val " ELSE " col " END"

static const char CHAT_SET[] =
	"UPDATE chats SET" COL("status", 1, "$3::text") "," COL("agent_id", 2, "$4::bigint") ","
	COL("offered_to", 4, "$5::bigint") "," COL("offered_at", 8, "$6::bigint") ","
	COL("declined_json", 16, "coalesce($7::jsonb, '[]')") "," COL("case_id", 32, "$8::bigint") ","
	COL("wrapup_code", 64, "$9::text") "," COL("citizen_id", 128, "$10::bigint") ","
	COL("service_id", 256, "$11::bigint") "," COL("accepted_at", 512, "$12::bigint") ","
	COL("closed_at", 1024, "$13::bigint") ", version = version + 1 WHERE id = $2";

static const char CALL_SET[] =
	"UPDATE calls SET" COL("state", 1, "$3::text") "," COL("agent_id", 2, "$4::bigint") ","
	COL("offered_to", 4, "$5::bigint") "," COL("offered_at", 8, "$6::bigint") ","
	COL("declined_json", 16, "coalesce($7::jsonb, '[]')") "," COL("answered_at", 32, "$8::bigint")
	"," COL("ended_at", 64, "$9::bigint") "," COL("service_id", 128, "$10::bigint") ","
	COL("citizen_id", 256, "$11::bigint") " WHERE id = $2";

/* A member as SQLite's bind_any binds it: integer, real, string, JSON
 * text for an array or object, else (absent, null, true, false) NULL. */
static void arg_any(struct pg_args *a, const json_t *set, const char *key)
{
	json_t *v = json_object_get(set, key);
	if (json_is_integer(v))
		pg_arg_int(a, json_integer_value(v));
	else if (json_is_real(v))
		pg_arg_real(a, json_real_value(v));
	else if (json_is_string(v))
		pg_arg_text(a, json_string_value(v));
	else if (json_is_array(v) || json_is_object(v))
		pg_arg_json(a, set, key);
	else
		pg_arg_text(a, NULL);
}

/* Set the members of set, each a column named in keys (a column name
 * never comes from the data: the statement is fixed, the bits pick). */
static int set_columns(struct pgtx *t, const char *sql, const char *const *keys, int64_t id,
		       const json_t *set, bool always)
{
	const char *k;
	json_t *v;
	int mask = 0;
	json_object_foreach((json_t *)set, k, v) {
		int i = 0;
		while (keys[i] && strcmp(keys[i], k) != 0)
			i++;
		if (!keys[i]) {
			snprintf(t->err, sizeof(t->err), "unknown column %s", k);
			return STORE_INVALID;
		}
		mask |= 1 << i;
	}
	if (!mask && !always)
		return STORE_OK;
	struct pg_args a = { 0 };
	pg_arg_int(&a, mask);
	pg_arg_int(&a, id);
	for (int i = 0; keys[i]; i++)
		arg_any(&a, set, keys[i]);
	return pg_exec(t, sql, &a, NULL);
}

/* --- chats ------------------------------------------------------------------------- */

int pg_chat_create(struct store_tx *tx, const json_t *start, int64_t citizen_id, int64_t service_id,
		   const char *routed_by, double confidence, int64_t now, int64_t *id)
{
	struct pg_args a = { 0 };
	pg_arg_id(&a, citizen_id);
	pg_arg_id(&a, service_id);
	pg_arg_str(&a, start, "subject");
	pg_arg_str(&a, start, "name");
	pg_arg_str(&a, start, "email");
	pg_arg_text(&a, routed_by);
	if (isnan(confidence))
		pg_arg_text(&a, NULL); /* as SQLite binds a NaN */
	else
		pg_arg_real(&a, confidence);
	pg_arg_int(&a, now);
	int rc = pg_int(PGT(tx), "INSERT INTO chats(citizen_id, service_id, subject, visitor_name,"
				 " visitor_email, status, routed_by, confidence, created_at)"
				 " VALUES($1, $2, $3, $4, $5, 'queued', $6, $7, $8) RETURNING id", &a, id);
	if (rc != STORE_OK)
		return rc;
	return pg_chat_message_add(tx, *id, "citizen", 0,
				   json_string_value(json_object_get(start, "text")), now, NULL);
}

#define CHAT_COLS                                                                           \
	"SELECT h.id, h.status, s.slug AS service, h.service_id, h.subject, h.visitor_name,"  \
	" h.visitor_email, h.citizen_id, a.login AS agent, a.display_name AS agent_name,"     \
	" h.agent_id, o.login AS offered_to,"                                                  \
	" h.offered_to AS offered_to_id, h.offered_at, h.offered_at AS offered_s,"           \
	" h.declined_json, h.routed_by, h.confidence, h.case_id, h.wrapup_code, h.version,"   \
	" h.created_at, h.accepted_at, h.closed_at FROM chats h"                             \
	" LEFT JOIN services s ON s.id = h.service_id LEFT JOIN agents a ON a.id = h.agent_id" \
	" LEFT JOIN agents o ON o.id = h.offered_to "

int pg_chat_get(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	/* lock first, then read: a row read by the locking statement itself
	 * could come with the joined names of before the wait */
	pg_arg_int(&a, id);
	int rc = pg_exec(PGT(tx), "SELECT 1 FROM chats WHERE id = $1 AND " WRITING
				  " FOR NO KEY UPDATE", &a, NULL);
	if (rc != STORE_OK)
		return rc;
	pg_arg_int(&a, id);
	return pg_one(PGT(tx), CHAT_COLS "WHERE h.id = $1", &a, out);
}

int pg_chat_list(struct store_tx *tx, const char *status, int64_t agent_id, json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, status);
	pg_arg_id(&a, agent_id);
	return pg_rows(PGT(tx), CHAT_COLS "WHERE ($1::text IS NULL AND h.status <> 'closed'"
					  " OR h.status = $1) AND ($2::bigint IS NULL OR h.agent_id = $2"
					  " OR h.offered_to = $2) ORDER BY h.created_at, h.id LIMIT 500",
		       &a, items);
}

int pg_chat_messages(struct store_tx *tx, int64_t id, json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	return pg_rows(PGT(tx), "SELECT m.id, m.sender, a.login AS agent, a.display_name AS agent_name,"
				" m.text, m.at FROM chat_messages m LEFT JOIN agents a ON a.id = m.agent_id"
				" WHERE m.chat_id = $1 ORDER BY m.id LIMIT 2000", &a, items);
}

int pg_chat_message_add(struct store_tx *tx, int64_t chat_id, const char *sender, int64_t agent_id,
			const char *text, int64_t now, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_int(&a, chat_id);
	pg_arg_text(&a, sender);
	pg_arg_id(&a, agent_id);
	pg_arg_text(&a, text);
	pg_arg_int(&a, now);
	int rc = pg_int(PGT(tx), "INSERT INTO chat_messages(chat_id, sender, agent_id, text, at)"
				 " VALUES($1, $2, $3, $4, $5) RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

int pg_chat_set(struct store_tx *tx, int64_t id, const json_t *set)
{
	/* always: the version moves even when nothing else does */
	return set_columns(PGT(tx), CHAT_SET, chat_keys, id, set, true);
}

int pg_chat_queue_position(struct store_tx *tx, int64_t id, int *pos)
{
	struct pg_args a = { 0 };
	int64_t n = 0;
	pg_arg_int(&a, id);
	int rc = pg_int(PGT(tx), "SELECT CASE WHEN h.status IN ('queued', 'offered') THEN"
				 " (SELECT count(*) FROM chats w WHERE w.status IN ('queued', 'offered')"
				 " AND w.service_id IS NOT DISTINCT FROM h.service_id"
				 " AND (w.created_at, w.id) <= (h.created_at, h.id)) ELSE 0 END"
				 " FROM chats h WHERE h.id = $1", &a, &n);
	*pos = (int)n;
	return rc;
}

/* --- calls ------------------------------------------------------------------------- */

#define CALL_COLS                                                                           \
	"SELECT c.id, c.call_id, c.from_number AS \"from\", c.to_number AS \"to\", c.citizen_id," \
	" s.slug AS service, c.service_id, c.state, a.login AS agent, c.agent_id,"           \
	" o.login AS offered_to, c.offered_to AS offered_to_id, c.offered_at,"                \
	" c.declined_json, c.started_at, c.answered_at, c.ended_at FROM calls c"             \
	" LEFT JOIN services s ON s.id = c.service_id LEFT JOIN agents a ON a.id = c.agent_id" \
	" LEFT JOIN agents o ON o.id = c.offered_to "

int pg_call_get_ext(struct store_tx *tx, const char *call_id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, call_id); /* lock, then read: see pg_chat_get */
	int rc = pg_exec(PGT(tx), "SELECT 1 FROM calls WHERE call_id = $1 AND " WRITING
				  " FOR NO KEY UPDATE", &a, NULL);
	if (rc != STORE_OK)
		return rc;
	pg_arg_text(&a, call_id);
	return pg_one(PGT(tx), CALL_COLS "WHERE c.call_id = $1", &a, out);
}

int pg_call_get(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id); /* lock, then read: see pg_chat_get */
	int rc = pg_exec(PGT(tx), "SELECT 1 FROM calls WHERE id = $1 AND " WRITING
				  " FOR NO KEY UPDATE", &a, NULL);
	if (rc != STORE_OK)
		return rc;
	pg_arg_int(&a, id);
	return pg_one(PGT(tx), CALL_COLS "WHERE c.id = $1", &a, out);
}

int pg_call_create(struct store_tx *tx, const json_t *c, int64_t citizen_id, int64_t service_id,
		   const char *state, int64_t at, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_str(&a, c, "call_id");
	pg_arg_str(&a, c, "from");
	pg_arg_str(&a, c, "to");
	pg_arg_id(&a, citizen_id);
	pg_arg_id(&a, service_id);
	pg_arg_text(&a, state);
	pg_arg_int(&a, at);
	int rc = pg_int(PGT(tx), "INSERT INTO calls(call_id, from_number, to_number, citizen_id,"
				 " service_id, state, started_at) VALUES($1, $2, $3, $4, $5, $6, $7)"
				 " RETURNING id", &a, &got);
	if (rc == STORE_OK)
		*id = got;
	return rc;
}

int pg_call_set(struct store_tx *tx, int64_t id, const json_t *set)
{
	return set_columns(PGT(tx), CALL_SET, call_keys, id, set, false);
}

int pg_call_list(struct store_tx *tx, json_t **items)
{
	/* c.id: SQLite's sort keeps its scan's rowid order among equal times */
	return pg_rows(PGT(tx), CALL_COLS "WHERE c.ended_at IS NULL ORDER BY c.started_at, c.id"
					  " LIMIT 500", NULL, items);
}

/* --- routing -------------------------------------------------------------------------- */

int pg_routing_waiting(struct store_tx *tx, json_t **items)
{
	/* The pass holds what it routes until it commits, so that it never
	 * offers a request a desk has taken meanwhile; a request a desk is
	 * changing right now is left to the next pass (SKIP LOCKED: the pass
	 * neither waits for a desk nor deadlocks with one).  Among equal times,
	 * SQLite's order: chats before calls, then its index order (status,
	 * service, NULL first; then id). */
	return pg_rows(PGT(tx),
		"WITH h AS (SELECT id, service_id, offered_to, offered_at, declined_json, created_at,"
		"   status FROM chats WHERE status IN ('queued', 'offered')"
		"   FOR NO KEY UPDATE SKIP LOCKED),"
		" c AS (SELECT id, service_id, offered_to, offered_at, declined_json, started_at, state"
		"   FROM calls WHERE state IN ('queued', 'ringing') AND agent_id IS NULL"
		"   AND ended_at IS NULL FOR NO KEY UPDATE SKIP LOCKED)"
		" SELECT kind, id, service_id, offered_to, offered_s, declined_json, created_s FROM"
		" (SELECT 'chat' AS kind, id, service_id, offered_to, offered_at AS offered_s,"
		"   declined_json, created_at AS created_s, 0 AS ord, status AS st FROM h"
		"  UNION ALL SELECT 'call', id, service_id, offered_to, offered_at, declined_json,"
		"   started_at, 1, state FROM c) w"
		" ORDER BY created_s, ord, st COLLATE \"C\", service_id NULLS FIRST, id LIMIT 1000",
		NULL, items);
}

int pg_routing_candidates(struct store_tx *tx, int64_t service_id, json_t **agents)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, service_id);
	return pg_rows(PGT(tx),
		"SELECT a.id, a.login, a.chat_capacity,"
		" (SELECT count(*) FROM chats h WHERE h.agent_id = a.id AND h.status = 'active')"
		"   AS active_chats,"
		" (SELECT count(*) FROM chats h WHERE h.offered_to = a.id AND h.status = 'offered')"
		"   + (SELECT count(*) FROM calls c WHERE c.offered_to = a.id AND c.agent_id IS NULL"
		"   AND c.ended_at IS NULL) AS offers,"
		" (SELECT count(*) FROM calls c WHERE c.offered_to = a.id AND c.agent_id IS NULL"
		"   AND c.ended_at IS NULL) AS call_offers,"
		" (SELECT count(*) FROM calls c WHERE c.agent_id = a.id AND c.ended_at IS NULL)"
		"   AS active_calls,"
		" greatest(coalesce(a.presence_since, 0),"
		"   coalesce((SELECT max(accepted_at) FROM chats h WHERE h.agent_id = a.id), 0),"
		"   coalesce((SELECT max(coalesce(ended_at, answered_at)) FROM calls c"
		"   WHERE c.agent_id = a.id), 0)) AS idle_s"
		" FROM agents a JOIN agent_skills k ON k.agent_id = a.id AND k.service_id = $1"
		" WHERE a.presence = 'available' AND a.disabled = 0 AND a.role IN ('agent', 'supervisor')"
		" ORDER BY idle_s, a.id", &a, agents);
}

int pg_queue_sizes(struct store_tx *tx, json_t **items)
{
	/* COLLATE "C": SQLite's byte order of the slugs */
	return pg_rows(PGT(tx),
		"SELECT coalesce(s.slug, 'unrouted') COLLATE \"C\" AS service, 'chat' AS channel,"
		" count(*) AS waiting, min(h.created_at) AS oldest_at FROM chats h"
		" LEFT JOIN services s ON s.id = h.service_id"
		" WHERE h.status IN ('queued', 'offered') GROUP BY s.slug"
		" UNION ALL SELECT coalesce(s.slug, 'unrouted') COLLATE \"C\", 'phone', count(*),"
		" min(c.started_at) FROM calls c LEFT JOIN services s ON s.id = c.service_id"
		" WHERE c.state IN ('queued', 'ringing') AND c.agent_id IS NULL AND c.ended_at IS NULL"
		" GROUP BY s.slug ORDER BY 1, 2", NULL, items);
}
