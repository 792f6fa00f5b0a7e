/* PostgreSQL store: cases (with their yearly references and their events:
 * notes, status changes, transfers) and interactions; the same rules as
 * store_sqlite_cases.c.
 *
 * Where SQLite's single writer made a read-then-write safe, the write
 * itself decides here: the yearly counter moves in one upsert that locks
 * its row (two nodes never hand out one reference), and a case changes
 * only "WHERE version = the one read", which PostgreSQL re-checks on the
 * committed row when another transaction changed it first. */
#include "server/store_pg.h"
#include "server/store_cursor.h"

#include <stdio.h>
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

static int next_ref(struct pgtx *t, int64_t now, char ref[16])
{
	int y, m, d;
	cal_civil_from_days(now / 86400, &y, &m, &d);
	struct pg_args a = { 0 };
	int64_t n;
	pg_arg_int(&a, y);
	int rc = pg_int(t, "INSERT INTO case_refs(year, next) VALUES($1, 1)"
			   " ON CONFLICT(year) DO UPDATE SET next = case_refs.next + 1 RETURNING next",
			&a, &n);
	if (rc == STORE_OK)
		snprintf(ref, 16, "%04d-%06lld", y, (long long)(n % 1000000));
	return rc;
}

int pg_case_create(struct store_tx *tx, const json_t *c, int64_t service_id, int64_t assignee_id,
		   int64_t due_at, int64_t ack_due_at, int64_t now, int64_t *id)
{
	struct pgtx *t = PGT(tx);
	char ref[16];
	int rc = next_ref(t, now, ref);
	if (rc != STORE_OK)
		return rc;
	struct pg_args a = { 0 };
	pg_arg_text(&a, ref);
	pg_arg_jint(&a, c, "citizen_id");
	pg_arg_int(&a, service_id);
	pg_arg_str(&a, c, "subject");
	pg_arg_str(&a, c, "description");
	pg_arg_str(&a, c, "status");
	pg_arg_str(&a, c, "priority");
	pg_arg_id(&a, assignee_id);
	pg_arg_str(&a, c, "channel");
	pg_arg_str(&a, c, "life_event");
	pg_arg_int(&a, due_at);
	pg_arg_id(&a, ack_due_at);
	pg_arg_int(&a, now);
	return pg_int(t,
		"INSERT INTO cases(ref, citizen_id, service_id, subject, description, status, priority,"
		" assignee_id, channel, life_event, due_at, ack_due_at, created_at, updated_at)"
		" VALUES($1, $2, $3, $4, $5, coalesce($6::text, 'new'), coalesce($7::text, 'normal'),"
		" $8, $9, $10, $11, $12, $13, $13) RETURNING id", &a, id);
}

static int case_one(struct pgtx *t, const char *sql, struct pg_args *a, json_t **out)
{
	int rc = pg_one(t, sql, a, out);
	if (rc == STORE_OK)
		json_object_del(*out, "due_s");
	return rc;
}

int pg_case_get(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	return case_one(PGT(tx), CASE_COLS "WHERE k.id = $1", &a, out);
}

int pg_case_get_ref(struct store_tx *tx, const char *ref, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, ref);
	return case_one(PGT(tx), CASE_COLS "WHERE k.ref = $1", &a, out);
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

#define CASE_FILTERS                                                                        \
	" ($1::text IS NULL OR k.status = $1 OR ($1 = 'active' AND k.status NOT IN"         \
	" ('resolved', 'closed'))) AND ($2::bigint IS NULL OR k.service_id = $2)"            \
	" AND ($3::bigint IS NULL OR k.assignee_id = $3) AND ($4::bigint IS NULL OR"         \
	" k.citizen_id = $4)"
#define BY_DUE                                                                              \
	" AND ($5::bigint IS NULL OR (k.due_at, k.id) > ($5, $6::bigint))"                  \
	" ORDER BY k.due_at, k.id LIMIT $7"
#define BY_ID " AND ($5::bigint IS NULL OR k.id < $6::bigint) ORDER BY k.id DESC LIMIT $7"

/* The four statements of a work list, fixed literals (their addresses key
 * the prepared statements): an agent's names the assignee outright, so
 * that the planner walks cases_assignee_due. */
static const char *const case_list_sql[2][2] = {
	{ CASE_COLS " WHERE" CASE_FILTERS BY_ID, CASE_COLS " WHERE" CASE_FILTERS BY_DUE },
	{ CASE_COLS " WHERE k.assignee_id = $3 AND" CASE_FILTERS BY_ID,
	  CASE_COLS " WHERE k.assignee_id = $3 AND" CASE_FILTERS BY_DUE },
};

int pg_case_list(struct store_tx *tx, const struct case_filter *f, json_t **page)
{
	struct pgtx *t = PGT(tx);
	json_t *cur = NULL;
	if (f->cursor && (!(cur = cursor_parse(f->cursor)) || json_array_size(cur) != 2)) {
		json_decref(cur);
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	struct pg_args a = { 0 };
	pg_arg_text(&a, f->status);
	pg_arg_id(&a, f->service_id);
	pg_arg_id(&a, f->assignee_id);
	pg_arg_id(&a, f->citizen_id);
	if (cur) {
		pg_arg_int(&a, json_integer_value(json_array_get(cur, 0)));
		pg_arg_int(&a, json_integer_value(json_array_get(cur, 1)));
	} else {
		pg_arg_text(&a, NULL);
		pg_arg_text(&a, NULL);
	}
	json_decref(cur);
	pg_arg_int(&a, f->limit + 1);
	json_t *items = NULL;
	int rc = pg_rows(t, case_list_sql[f->assignee_id != 0][f->by_due ? 1 : 0], &a, &items);
	if (rc != STORE_OK)
		return rc;
	*page = store_page(items, f->limit, f->by_due ? due_cursor : id_cursor);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(*page, "items"), i, v) json_object_del(v, "due_s");
	return STORE_OK;
}

/* Integer column from `set` when present, else from the current record. */
static void arg_int_or(struct pg_args *a, const json_t *set, const json_t *cur, const char *field)
{
	json_t *v = json_object_get(set, field);
	if (!v)
		v = json_object_get(cur, field);
	pg_arg_id(a, json_is_integer(v) ? json_integer_value(v) : 0);
}

static void arg_str_or(struct pg_args *a, const json_t *set, const json_t *cur, const char *field)
{
	pg_arg_str(a, json_object_get(set, field) ? set : cur, field);
}

static void arg_time_or(struct pg_args *a, const json_t *set, const json_t *cur, const char *field)
{
	json_t *v = json_object_get(set, field);
	if (json_is_integer(v)) /* the caller gives epoch seconds */
		pg_arg_int(a, json_integer_value(v));
	else if (v && json_is_null(v))
		pg_arg_text(a, NULL);
	else
		pg_arg_time(a, cur, field);
}

int pg_case_update(struct store_tx *tx, int64_t id, int64_t version, const json_t *set,
		   int64_t now)
{
	struct pgtx *t = PGT(tx);
	json_t *cur = NULL;
	int rc = pg_case_get(tx, id, &cur);
	if (rc != STORE_OK)
		return rc;
	if (json_integer_value(json_object_get(cur, "version")) != version) {
		json_decref(cur);
		return STORE_CONFLICT;
	}
	struct pg_args a = { 0 };
	arg_str_or(&a, set, cur, "status");
	arg_str_or(&a, set, cur, "priority");
	arg_str_or(&a, set, cur, "subject");
	arg_str_or(&a, set, cur, "description");
	arg_str_or(&a, set, cur, "life_event");
	arg_int_or(&a, set, cur, "service_id");
	arg_int_or(&a, set, cur, "assignee_id");
	arg_time_or(&a, set, cur, "due_at");
	arg_time_or(&a, set, cur, "closed_at");
	arg_time_or(&a, set, cur, "acknowledged_at");
	pg_arg_int(&a, now);
	pg_arg_int(&a, id);
	pg_arg_int(&a, version);
	int64_t changed = 0;
	rc = pg_exec(t,
		"UPDATE cases SET status = $1, priority = $2, subject = $3, description = $4,"
		" life_event = $5, service_id = $6, assignee_id = $7, due_at = $8, closed_at = $9,"
		" acknowledged_at = $10, updated_at = $11, version = version + 1"
		" WHERE id = $12 AND version = $13", &a, &changed);
	json_decref(cur); /* after: the arguments point into it */
	if (rc == STORE_OK && changed == 0)
		return STORE_CONFLICT;
	return rc;
}

int pg_case_event_add(struct store_tx *tx, int64_t case_id, const char *kind, int64_t agent_id,
		      json_t *data, int64_t now, int64_t *id)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, case_id);
	pg_arg_text(&a, kind);
	pg_arg_id(&a, agent_id);
	json_t *w = json_pack("{so}", "d", data ? data : json_object());
	pg_arg_json(&a, w, "d");
	json_decref(w);
	pg_arg_int(&a, now);
	int64_t got = 0;
	int rc = pg_int(PGT(tx), "INSERT INTO case_events(case_id, kind, agent_id, data_json, at)"
				 " VALUES($1, $2, $3, coalesce($4::jsonb, '{}'), $5) RETURNING id",
			&a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

int pg_case_events(struct store_tx *tx, int64_t case_id, const char *cursor, int limit,
		   json_t **page)
{
	struct pgtx *t = PGT(tx);
	int64_t at, id;
	int has = cursor_at_id(cursor, &at, &id);
	if (has < 0) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	struct pg_args a = { 0 };
	pg_arg_int(&a, case_id);
	if (has) {
		pg_arg_int(&a, at);
		pg_arg_int(&a, id);
	} else {
		pg_arg_text(&a, NULL);
		pg_arg_text(&a, NULL);
	}
	pg_arg_int(&a, limit + 1);
	json_t *items = NULL;
	int rc = pg_rows(t, "SELECT e.id, e.kind, a.login AS agent, e.data_json, e.at, e.at AS at_s"
			    " FROM case_events e LEFT JOIN agents a ON a.id = e.agent_id"
			    " WHERE e.case_id = $1 AND ($2::bigint IS NULL OR e.at < $2 OR"
			    "  (e.at = $2 AND e.id < $3::bigint))"
			    " ORDER BY e.at DESC, e.id DESC LIMIT $4",
			 &a, &items);
	if (rc != STORE_OK)
		return rc;
	*page = store_page_at_id(items, limit);
	return STORE_OK;
}

int pg_interaction_create(struct store_tx *tx, const json_t *i, int64_t agent_id, int64_t now,
			  int64_t *id)
{
	struct pg_args a = { 0 };
	pg_arg_jint(&a, i, "citizen_id");
	pg_arg_jint(&a, i, "case_id");
	pg_arg_str(&a, i, "channel");
	pg_arg_str(&a, i, "direction");
	pg_arg_id(&a, agent_id);
	pg_arg_time(&a, i, "started_at");
	pg_arg_time(&a, i, "ended_at");
	pg_arg_str(&a, i, "summary");
	pg_arg_str(&a, i, "external_ref");
	pg_arg_int(&a, now);
	pg_arg_str(&a, i, "wrapup_code");
	return pg_int(PGT(tx),
		"INSERT INTO interactions(citizen_id, case_id, channel, direction, agent_id, started_at,"
		" ended_at, summary, external_ref, wrapup_code, created_at)"
		" VALUES($1, $2, $3, $4, $5, coalesce($6::bigint, $10), $7, coalesce($8::text, ''), $9,"
		" $11, $10) RETURNING id", &a, id);
}

#define INTERACTION_SELECT                                                                    \
	"SELECT i.id, i.citizen_id, i.case_id, i.channel, i.direction, a.login AS agent,"      \
	" i.started_at, i.ended_at, i.summary, i.external_ref, i.wrapup_code FROM interactions i" \
	" LEFT JOIN agents a ON a.id = i.agent_id"

int pg_interaction_get(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	return pg_one(PGT(tx), INTERACTION_SELECT " WHERE i.id = $1", &a, out);
}

int pg_interaction_find_ref(struct store_tx *tx, const char *channel, const char *ref,
			    json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, ref);
	pg_arg_text(&a, channel);
	return pg_one(PGT(tx), INTERACTION_SELECT
		      " WHERE i.external_ref = $1 AND i.channel = $2 ORDER BY i.id LIMIT 1", &a, out);
}

int pg_interaction_set_case(struct store_tx *tx, int64_t id, int64_t case_id)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	pg_arg_int(&a, case_id);
	return pg_exec(PGT(tx), "UPDATE interactions SET case_id = $2 WHERE id = $1"
				" AND case_id IS NULL", &a, NULL);
}
