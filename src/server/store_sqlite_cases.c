/* SQLite store: cases (with their yearly references and their events:
 * notes, status changes, transfers) and interactions. */
#include "server/store_sqlite.h"
#include "server/store_cursor.h"

#include <string.h>

#include "core/calendar.h"

#define CASE_COLS                                                                           \
	"SELECT k.id, k.ref, k.citizen_id, s.slug AS service, k.service_id, k.subject,"     \
	" k.description, k.status, k.priority, a.login AS assignee, k.assignee_id,"         \
	" k.channel, k.life_event, k.due_at, k.due_at AS due_s, k.ack_due_at,"              \
	" k.acknowledged_at, k.version, k.created_at, k.updated_at, k.closed_at,"           \
	" c.given_name || ' ' || c.family_name AS citizen_name"                             \
	" FROM cases k JOIN services s ON s.id = k.service_id"                              \
	" LEFT JOIN agents a ON a.id = k.assignee_id"                                       \
	" LEFT JOIN citizens c ON c.id = k.citizen_id "

static int next_ref(struct sqtx *t, int64_t now, char ref[16])
{
	int y, m, d;
	cal_civil_from_days(now / 86400, &y, &m, &d);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO case_refs(year, next) VALUES(?, 1)"
				      " ON CONFLICT(year) DO UPDATE SET next = next + 1 RETURNING next");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, y);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return sq_rc(t, rc);
	}
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	snprintf(ref, 16, "%04d-%06lld", y, n % 1000000);
	return STORE_OK;
}

int sq_case_create(struct store_tx *tx, const json_t *c, int64_t service_id, int64_t assignee_id,
		   int64_t due_at, int64_t ack_due_at, int64_t now, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	char ref[16];
	int rc = next_ref(t, now, ref);
	if (rc != STORE_OK)
		return rc;
	sqlite3_stmt *st = sq_prep(t,
		"INSERT INTO cases(ref, citizen_id, service_id, subject, description, status, priority,"
		" assignee_id, channel, life_event, due_at, ack_due_at, created_at, updated_at)"
		" VALUES(?1, ?2, ?3, ?4, ?5, coalesce(?6, 'new'), coalesce(?7, 'normal'), ?8, ?9, ?10,"
		" ?11, ?12, ?13, ?13)");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, ref);
	sq_bind_int(st, 2, c, "citizen_id");
	sqlite3_bind_int64(st, 3, service_id);
	sq_bind_str(st, 4, c, "subject");
	sq_bind_str(st, 5, c, "description");
	sq_bind_str(st, 6, c, "status");
	sq_bind_str(st, 7, c, "priority");
	sq_bind_id(st, 8, assignee_id);
	sq_bind_str(st, 9, c, "channel");
	sq_bind_str(st, 10, c, "life_event");
	sqlite3_bind_int64(st, 11, due_at);
	sq_bind_id(st, 12, ack_due_at);
	sqlite3_bind_int64(st, 13, now);
	rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

int sq_case_get(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CASE_COLS "WHERE k.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sq_one(SQ(tx), st, out);
	if (rc == STORE_OK)
		json_object_del(*out, "due_s");
	return rc;
}

int sq_case_get_ref(struct store_tx *tx, const char *ref, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CASE_COLS "WHERE k.ref = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, ref);
	int rc = sq_one(SQ(tx), st, out);
	if (rc == STORE_OK)
		json_object_del(*out, "due_s");
	return rc;
}

static char *due_cursor(const json_t *item)
{
	return cursor_make(json_pack("[II]", json_integer_value(json_object_get(item, "due_s")),
				     json_integer_value(json_object_get(item, "id"))));
}

static char *id_cursor(const json_t *item)
{
	return cursor_make(json_pack("[II]", (json_int_t)0,
				     json_integer_value(json_object_get(item, "id"))));
}

int sq_case_list(struct store_tx *tx, const struct case_filter *f, json_t **page)
{
	struct sqtx *t = SQ(tx);
	json_t *cur = NULL;
	if (f->cursor && (!(cur = cursor_parse(f->cursor)) || json_array_size(cur) != 2)) {
		json_decref(cur);
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
#define CASE_FILTERS                                                                        \
	" (?1 IS NULL OR k.status = ?1 OR (?1 = 'active' AND k.status NOT IN"               \
	" ('resolved', 'closed'))) AND (?2 IS NULL OR k.service_id = ?2)"                    \
	" AND (?3 IS NULL OR k.assignee_id = ?3) AND (?4 IS NULL OR k.citizen_id = ?4)"
#define BY_DUE " AND (?5 IS NULL OR (k.due_at, k.id) > (?5, ?6)) ORDER BY k.due_at, k.id LIMIT ?7"
#define BY_ID " AND (?5 IS NULL OR k.id < ?6) ORDER BY k.id DESC LIMIT ?7"
	/* An agent's work list names the assignee outright, so that SQLite walks
	 * that agent's cases in due order (cases_assignee_due) instead of every
	 * case: "?3 IS NULL OR ..." alone keeps it from using an index. */
	const char *sql = f->assignee_id
		? (f->by_due ? CASE_COLS " WHERE k.assignee_id = ?3 AND" CASE_FILTERS BY_DUE
			     : CASE_COLS " WHERE k.assignee_id = ?3 AND" CASE_FILTERS BY_ID)
		: (f->by_due ? CASE_COLS " WHERE" CASE_FILTERS BY_DUE
			     : CASE_COLS " WHERE" CASE_FILTERS BY_ID);
	sqlite3_stmt *st = sq_prep(t, sql);
	if (!st) {
		json_decref(cur);
		return STORE_ERROR;
	}
	sq_bind_text(st, 1, f->status);
	sq_bind_id(st, 2, f->service_id);
	sq_bind_id(st, 3, f->assignee_id);
	sq_bind_id(st, 4, f->citizen_id);
	if (cur) {
		sqlite3_bind_int64(st, 5, json_integer_value(json_array_get(cur, 0)));
		sqlite3_bind_int64(st, 6, json_integer_value(json_array_get(cur, 1)));
	}
	json_decref(cur);
	sqlite3_bind_int(st, 7, f->limit + 1);
	json_t *items = NULL;
	int rc = sq_rows(t, st, &items);
	if (rc != STORE_OK)
		return rc;
	*page = store_page(items, f->limit, f->by_due ? due_cursor : id_cursor);
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) json_object_del(v, "due_s");
	return STORE_OK;
}

/* Integer column from `set` when present, else from the current record. */
static void bind_int_or(sqlite3_stmt *st, int i, const json_t *set, const json_t *cur,
			const char *field)
{
	json_t *v = json_object_get(set, field);
	if (!v)
		v = json_object_get(cur, field);
	if (json_is_integer(v) && json_integer_value(v) != 0)
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}

static void bind_str_or(sqlite3_stmt *st, int i, const json_t *set, const json_t *cur,
			const char *field)
{
	json_t *v = json_object_get(set, field);
	sq_bind_str(st, i, v ? set : cur, field);
}

static void bind_time_or(sqlite3_stmt *st, int i, const json_t *set, const json_t *cur,
			 const char *field)
{
	json_t *v = json_object_get(set, field);
	if (json_is_integer(v)) /* the caller gives epoch seconds */
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else if (v && json_is_null(v))
		sqlite3_bind_null(st, i);
	else
		sq_bind_time(st, i, cur, field);
}

int sq_case_update(struct store_tx *tx, int64_t id, int64_t version, const json_t *set,
		   int64_t now)
{
	struct sqtx *t = SQ(tx);
	json_t *cur = NULL;
	int rc = sq_case_get(tx, id, &cur);
	if (rc != STORE_OK)
		return rc;
	if (json_integer_value(json_object_get(cur, "version")) != version) {
		json_decref(cur);
		return STORE_CONFLICT;
	}
	sqlite3_stmt *st = sq_prep(t,
		"UPDATE cases SET status = ?1, priority = ?2, subject = ?3, description = ?4,"
		" life_event = ?5, service_id = ?6, assignee_id = ?7, due_at = ?8, closed_at = ?9,"
		" acknowledged_at = ?10, updated_at = ?11, version = version + 1"
		" WHERE id = ?12 AND version = ?13");
	if (!st) {
		json_decref(cur);
		return STORE_ERROR;
	}
	bind_str_or(st, 1, set, cur, "status");
	bind_str_or(st, 2, set, cur, "priority");
	bind_str_or(st, 3, set, cur, "subject");
	bind_str_or(st, 4, set, cur, "description");
	bind_str_or(st, 5, set, cur, "life_event");
	bind_int_or(st, 6, set, cur, "service_id");
	bind_int_or(st, 7, set, cur, "assignee_id");
	bind_time_or(st, 8, set, cur, "due_at");
	bind_time_or(st, 9, set, cur, "closed_at");
	bind_time_or(st, 10, set, cur, "acknowledged_at");
	sqlite3_bind_int64(st, 11, now);
	sqlite3_bind_int64(st, 12, id);
	sqlite3_bind_int64(st, 13, version);
	json_decref(cur);
	rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && sqlite3_changes(t->db) == 0)
		return STORE_CONFLICT;
	return rc;
}

int sq_case_event_add(struct store_tx *tx, int64_t case_id, const char *kind, int64_t agent_id,
		      json_t *data, int64_t now, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO case_events(case_id, kind, agent_id, data_json, at)"
				      " VALUES(?, ?, ?, coalesce(?, '{}'), ?)");
	if (!st) {
		json_decref(data);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(st, 1, case_id);
	sq_bind_text(st, 2, kind);
	sq_bind_id(st, 3, agent_id);
	json_t *w = json_pack("{so}", "d", data ? data : json_object());
	sq_bind_json(st, 4, w, "d");
	json_decref(w);
	sqlite3_bind_int64(st, 5, now);
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

int sq_case_events(struct store_tx *tx, int64_t case_id, const char *cursor, int limit,
		   json_t **page)
{
	struct sqtx *t = SQ(tx);
	int64_t at, id;
	int has = cursor_at_id(cursor, &at, &id);
	if (has < 0) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	sqlite3_stmt *st = sq_prep(t, "SELECT e.id, e.kind, a.login AS agent, e.data_json, e.at,"
				      " e.at AS at_s FROM case_events e"
				      " LEFT JOIN agents a ON a.id = e.agent_id"
				      " WHERE e.case_id = ?1 AND (?2 IS NULL OR e.at < ?2 OR"
				      "  (e.at = ?2 AND e.id < ?3))"
				      " ORDER BY e.at DESC, e.id DESC LIMIT ?4");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, case_id);
	if (has) {
		sqlite3_bind_int64(st, 2, at);
		sqlite3_bind_int64(st, 3, id);
	}
	sqlite3_bind_int(st, 4, limit + 1);
	json_t *items = NULL;
	int rc = sq_rows(t, st, &items);
	if (rc != STORE_OK)
		return rc;
	*page = store_page_at_id(items, limit);
	return STORE_OK;
}

int sq_interaction_create(struct store_tx *tx, const json_t *i, int64_t agent_id, int64_t now,
			  int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t,
		"INSERT INTO interactions(citizen_id, case_id, channel, direction, agent_id, started_at,"
		" ended_at, summary, external_ref, wrapup_code, created_at)"
		" VALUES(?1, ?2, ?3, ?4, ?5, coalesce(?6, ?10), ?7, coalesce(?8, ''), ?9, ?11, ?10)");
	if (!st)
		return STORE_ERROR;
	sq_bind_int(st, 1, i, "citizen_id");
	sq_bind_int(st, 2, i, "case_id");
	sq_bind_str(st, 3, i, "channel");
	sq_bind_str(st, 4, i, "direction");
	sq_bind_id(st, 5, agent_id);
	sq_bind_time(st, 6, i, "started_at");
	sq_bind_time(st, 7, i, "ended_at");
	sq_bind_str(st, 8, i, "summary");
	sq_bind_str(st, 9, i, "external_ref");
	sqlite3_bind_int64(st, 10, now);
	sq_bind_str(st, 11, i, "wrapup_code");
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

#define INTERACTION_SELECT                                                                    \
	"SELECT i.id, i.citizen_id, i.case_id, i.channel, i.direction, a.login AS agent,"      \
	" i.started_at, i.ended_at, i.summary, i.external_ref, i.wrapup_code FROM interactions i" \
	" LEFT JOIN agents a ON a.id = i.agent_id"

int sq_interaction_get(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), INTERACTION_SELECT " WHERE i.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(SQ(tx), st, out);
}

int sq_interaction_find_ref(struct store_tx *tx, const char *channel, const char *ref,
			    json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), INTERACTION_SELECT
				   " WHERE i.external_ref = ?1 AND i.channel = ?2 ORDER BY i.id LIMIT 1");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_TRANSIENT);
	return sq_one(SQ(tx), st, out);
}

int sq_interaction_set_case(struct store_tx *tx, int64_t id, int64_t case_id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "UPDATE interactions SET case_id = ?2 WHERE id = ?1"
				      " AND case_id IS NULL");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, case_id);
	return sq_exec_stmt(t, st);
}
