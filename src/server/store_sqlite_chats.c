/* SQLite store: live chats and their messages, calls from telephony
 * events, and the queries routing and /metrics need (who waits, who is
 * free, queue sizes), plus the small key-value table. */
#include "server/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

/* Bind any JSON value: integer, real, string, null, or JSON text. */
static void bind_any(sqlite3_stmt *st, int i, const json_t *v)
{
	if (json_is_integer(v)) {
		sqlite3_bind_int64(st, i, json_integer_value(v));
	} else if (json_is_real(v)) {
		sqlite3_bind_double(st, i, json_real_value(v));
	} else if (json_is_string(v)) {
		sq_bind_text(st, i, json_string_value(v));
	} else if (json_is_array(v) || json_is_object(v)) {
		char *txt = json_dumps(v, JSON_COMPACT);
		if (txt)
			sqlite3_bind_text(st, i, txt, -1, free);
		else
			sqlite3_bind_null(st, i);
	} else {
		sqlite3_bind_null(st, i);
	}
}

struct col_sql {
	const char *key;
	const char *sql; /* ?1 = value, ?2 = id */
};

static const struct col_sql chat_cols[] = {
	{ "status", "UPDATE chats SET status = ?1 WHERE id = ?2" },
	{ "agent_id", "UPDATE chats SET agent_id = ?1 WHERE id = ?2" },
	{ "offered_to", "UPDATE chats SET offered_to = ?1 WHERE id = ?2" },
	{ "offered_at", "UPDATE chats SET offered_at = ?1 WHERE id = ?2" },
	{ "declined", "UPDATE chats SET declined_json = coalesce(?1, '[]') WHERE id = ?2" },
	{ "case_id", "UPDATE chats SET case_id = ?1 WHERE id = ?2" },
	{ "wrapup_code", "UPDATE chats SET wrapup_code = ?1 WHERE id = ?2" },
	{ "citizen_id", "UPDATE chats SET citizen_id = ?1 WHERE id = ?2" },
	{ "service_id", "UPDATE chats SET service_id = ?1 WHERE id = ?2" },
	{ "accepted_at", "UPDATE chats SET accepted_at = ?1 WHERE id = ?2" },
	{ "closed_at", "UPDATE chats SET closed_at = ?1 WHERE id = ?2" },
	{ NULL, "UPDATE chats SET version = version + 1 WHERE id = ?2" },
};

static const struct col_sql call_cols[] = {
	{ "state", "UPDATE calls SET state = ?1 WHERE id = ?2" },
	{ "agent_id", "UPDATE calls SET agent_id = ?1 WHERE id = ?2" },
	{ "offered_to", "UPDATE calls SET offered_to = ?1 WHERE id = ?2" },
	{ "offered_at", "UPDATE calls SET offered_at = ?1 WHERE id = ?2" },
	{ "declined", "UPDATE calls SET declined_json = coalesce(?1, '[]') WHERE id = ?2" },
	{ "answered_at", "UPDATE calls SET answered_at = ?1 WHERE id = ?2" },
	{ "ended_at", "UPDATE calls SET ended_at = ?1 WHERE id = ?2" },
	{ "service_id", "UPDATE calls SET service_id = ?1 WHERE id = ?2" },
	{ "citizen_id", "UPDATE calls SET citizen_id = ?1 WHERE id = ?2" },
	{ NULL, NULL },
};

/* Apply every member of set through the column table. */
static int set_columns(struct sqtx *t, const struct col_sql *cols, int64_t id, const json_t *set)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)set, k, v) {
		const struct col_sql *c = cols;
		while (c->key && strcmp(c->key, k) != 0)
			c++;
		if (!c->key) {
			snprintf(t->err, sizeof(t->err), "unknown column %s", k);
			return STORE_INVALID;
		}
		sqlite3_stmt *st = sq_prep(t, c->sql);
		if (!st)
			return STORE_ERROR;
		bind_any(st, 1, v);
		sqlite3_bind_int64(st, 2, id);
		int rc = sq_exec_stmt(t, st);
		if (rc != STORE_OK)
			return rc;
	}
	const struct col_sql *last = cols;
	while (last->key)
		last++;
	if (!last->sql)
		return STORE_OK;
	sqlite3_stmt *st = sq_prep(t, last->sql);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 2, id);
	return sq_exec_stmt(t, st);
}

int sq_chat_create(struct store_tx *tx, const json_t *start, int64_t citizen_id, int64_t service_id,
		   const char *routed_by, double confidence, int64_t now, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO chats(citizen_id, service_id, subject, visitor_name,"
				      " visitor_email, status, routed_by, confidence, created_at)"
				      " VALUES(?, ?, ?, ?, ?, 'queued', ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_id(st, 1, citizen_id);
	sq_bind_id(st, 2, service_id);
	sq_bind_str(st, 3, start, "subject");
	sq_bind_str(st, 4, start, "name");
	sq_bind_str(st, 5, start, "email");
	sq_bind_text(st, 6, routed_by);
	sqlite3_bind_double(st, 7, confidence);
	sqlite3_bind_int64(st, 8, now);
	int rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(t->db);
	return sq_chat_message_add(tx, *id, "citizen", 0, json_string_value(json_object_get(start, "text")),
				   now, NULL);
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

int sq_chat_get(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CHAT_COLS "WHERE h.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(SQ(tx), st, out);
}

int sq_chat_list(struct store_tx *tx, const char *status, int64_t agent_id, json_t **items)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CHAT_COLS "WHERE (?1 IS NULL AND h.status != 'closed'"
						     " OR h.status = ?1) AND (?2 IS NULL OR h.agent_id = ?2"
						     " OR h.offered_to = ?2) ORDER BY h.created_at, h.id"
						     " LIMIT 500");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, status);
	sq_bind_id(st, 2, agent_id);
	return sq_rows(SQ(tx), st, items);
}

int sq_chat_messages(struct store_tx *tx, int64_t id, json_t **items)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT m.id, m.sender, a.login AS agent,"
					   " a.display_name AS agent_name, m.text, m.at FROM chat_messages m LEFT JOIN agents a ON a.id = m.agent_id"
					   " WHERE m.chat_id = ? ORDER BY m.id LIMIT 2000");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_rows(SQ(tx), st, items);
}

int sq_chat_message_add(struct store_tx *tx, int64_t chat_id, const char *sender, int64_t agent_id,
			const char *text, int64_t now, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO chat_messages(chat_id, sender, agent_id, text, at)"
				      " VALUES(?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, chat_id);
	sq_bind_text(st, 2, sender);
	sq_bind_id(st, 3, agent_id);
	sq_bind_text(st, 4, text);
	sqlite3_bind_int64(st, 5, now);
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

int sq_chat_set(struct store_tx *tx, int64_t id, const json_t *set)
{
	return set_columns(SQ(tx), chat_cols, id, set);
}

int sq_chat_queue_position(struct store_tx *tx, int64_t id, int *pos)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT CASE WHEN h.status IN ('queued', 'offered') THEN"
					   " (SELECT count(*) FROM chats w WHERE w.status IN"
					   " ('queued', 'offered') AND w.service_id IS h.service_id AND"
					   " (w.created_at, w.id) <= (h.created_at, h.id)) ELSE 0 END"
					   " FROM chats h WHERE h.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*pos = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	int r = rc == SQLITE_ROW ? STORE_OK : sq_rc(SQ(tx), rc);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : r;
}

#define CALL_COLS                                                                           \
	"SELECT c.id, c.call_id, c.from_number AS \"from\", c.to_number AS \"to\", c.citizen_id," \
	" s.slug AS service, c.service_id, c.state, a.login AS agent, c.agent_id,"           \
	" o.login AS offered_to, c.offered_to AS offered_to_id, c.offered_at,"                \
	" c.declined_json, c.started_at, c.answered_at, c.ended_at FROM calls c"             \
	" LEFT JOIN services s ON s.id = c.service_id LEFT JOIN agents a ON a.id = c.agent_id" \
	" LEFT JOIN agents o ON o.id = c.offered_to "

int sq_call_get_ext(struct store_tx *tx, const char *call_id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CALL_COLS "WHERE c.call_id = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, call_id);
	return sq_one(SQ(tx), st, out);
}

int sq_call_get(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CALL_COLS "WHERE c.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(SQ(tx), st, out);
}

int sq_call_create(struct store_tx *tx, const json_t *c, int64_t citizen_id, int64_t service_id,
		   const char *state, int64_t at, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO calls(call_id, from_number, to_number, citizen_id,"
				      " service_id, state, started_at) VALUES(?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_str(st, 1, c, "call_id");
	sq_bind_str(st, 2, c, "from");
	sq_bind_str(st, 3, c, "to");
	sq_bind_id(st, 4, citizen_id);
	sq_bind_id(st, 5, service_id);
	sq_bind_text(st, 6, state);
	sqlite3_bind_int64(st, 7, at);
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

int sq_call_set(struct store_tx *tx, int64_t id, const json_t *set)
{
	return set_columns(SQ(tx), call_cols, id, set);
}

int sq_call_list(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx), CALL_COLS "WHERE c.ended_at IS NULL"
						       " ORDER BY c.started_at LIMIT 500"), items);
}

int sq_routing_waiting(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx),
		"SELECT 'chat' AS kind, id, service_id, offered_to, offered_at AS offered_s,"
		" declined_json, created_at AS created_s FROM chats WHERE status IN ('queued', 'offered')"
		" UNION ALL SELECT 'call', id, service_id, offered_to, offered_at, declined_json,"
		" started_at FROM calls WHERE state IN ('queued', 'ringing') AND agent_id IS NULL"
		" AND ended_at IS NULL ORDER BY created_s LIMIT 1000"), items);
}

int sq_routing_candidates(struct store_tx *tx, int64_t service_id, json_t **agents)
{
	sqlite3_stmt *st = sq_prep(SQ(tx),
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
		" max(coalesce(a.presence_since, 0),"
		"   coalesce((SELECT max(accepted_at) FROM chats h WHERE h.agent_id = a.id), 0),"
		"   coalesce((SELECT max(coalesce(ended_at, answered_at)) FROM calls c"
		"   WHERE c.agent_id = a.id), 0)) AS idle_s"
		" FROM agents a JOIN agent_skills k ON k.agent_id = a.id AND k.service_id = ?"
		" WHERE a.presence = 'available' AND a.disabled = 0 AND a.role IN ('agent', 'supervisor')"
		" ORDER BY idle_s, a.id");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, service_id);
	return sq_rows(SQ(tx), st, agents);
}

int sq_queue_sizes(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx),
		"SELECT coalesce(s.slug, 'unrouted') AS service, 'chat' AS channel, count(*) AS waiting,"
		" min(h.created_at) AS oldest_at FROM chats h LEFT JOIN services s ON s.id = h.service_id"
		" WHERE h.status IN ('queued', 'offered') GROUP BY s.slug"
		" UNION ALL SELECT coalesce(s.slug, 'unrouted'), 'phone', count(*), min(c.started_at)"
		" FROM calls c LEFT JOIN services s ON s.id = c.service_id"
		" WHERE c.state IN ('queued', 'ringing') AND c.agent_id IS NULL AND c.ended_at IS NULL"
		" GROUP BY s.slug ORDER BY 1, 2"), items);
}

int sq_kv_get(struct store_tx *tx, const char *key, char **value)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT value FROM kv WHERE key = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, key);
	int rc = sqlite3_step(st);
	*value = rc == SQLITE_ROW ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
	int r = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_rc(SQ(tx), rc);
	sqlite3_reset(st);
	return r;
}

int sq_kv_set(struct store_tx *tx, const char *key, const char *value)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "INSERT INTO kv(key, value) VALUES(?, ?)"
					   " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, key);
	sq_bind_text(st, 2, value);
	return sq_exec_stmt(SQ(tx), st);
}
