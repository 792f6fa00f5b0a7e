/* PostgreSQL store: merging two records of the same citizen, and undoing
 * it, as store_sqlite_merge.c.  Cases, interactions, chats and survey
 * answers move to the kept record; contacts the kept record lacks are
 * copied to it; the duplicate stays as a pointer (merged_into).  What
 * moved is written down in the merge row, so that an undo moves exactly
 * that back.  Two nodes may merge at once: both records' rows are locked
 * first, in id order, for the whole transaction. */
#include "server/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables whose citizen_id moves: the SQL that moves a record's rows
 * ($1 to, $2 from) and gives their ids in the order SQLite listed them
 * (its index order), and the SQL that moves listed ids ($2, JSON) back. */
static const struct {
	const char *name;
	const char *move_all;
	const char *move_back;
} movable[] = {
	{ "cases",
	  "WITH m AS (UPDATE cases SET citizen_id = $1, version = version + 1 WHERE citizen_id = $2"
	  " RETURNING id) SELECT coalesce(json_agg(id ORDER BY id), '[]') AS ids_json FROM m",
	  "UPDATE cases SET citizen_id = $1, version = version + 1"
	  " WHERE id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)" },
	{ "interactions",
	  "WITH m AS (UPDATE interactions SET citizen_id = $1 WHERE citizen_id = $2"
	  " RETURNING id, started_at)"
	  " SELECT coalesce(json_agg(id ORDER BY started_at, id), '[]') AS ids_json FROM m",
	  "UPDATE interactions SET citizen_id = $1"
	  " WHERE id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)" },
	{ "chats",
	  "WITH m AS (UPDATE chats SET citizen_id = $1 WHERE citizen_id = $2"
	  " RETURNING id) SELECT coalesce(json_agg(id ORDER BY id), '[]') AS ids_json FROM m",
	  "UPDATE chats SET citizen_id = $1"
	  " WHERE id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)" },
	{ "surveys",
	  "WITH m AS (UPDATE surveys SET citizen_id = $1 WHERE citizen_id = $2"
	  " RETURNING id) SELECT coalesce(json_agg(id ORDER BY id), '[]') AS ids_json FROM m",
	  "UPDATE surveys SET citizen_id = $1"
	  " WHERE id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)" },
};
#define NMOVABLE (sizeof(movable) / sizeof(movable[0]))

/* Lock both records until commit, in id order (no deadlock between two
 * merges of the same pair).  FOR UPDATE also waits for, and then holds
 * off, rows being added for them (their foreign keys' share locks), so
 * that what moves is all there is.  INVALID when one of them was merged
 * meanwhile by another node (the caller checked both before). */
static int lock_pair(struct pgtx *t, int64_t x, int64_t y, bool live)
{
	struct pg_args a = { 0 };
	json_t *rows = NULL;
	pg_arg_int(&a, x);
	pg_arg_int(&a, y);
	int rc = pg_rows(t, "SELECT id, merged_into FROM citizens WHERE id IN ($1, $2)"
			    " ORDER BY id FOR UPDATE", &a, &rows);
	if (rc != STORE_OK)
		return rc;
	if (json_array_size(rows) < (x == y ? 1u : 2u))
		rc = STORE_NOT_FOUND;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		if (rc == STORE_OK && live && !json_is_null(json_object_get(r, "merged_into"))) {
			snprintf(t->err, sizeof(t->err), "this record was merged into another one");
			rc = STORE_INVALID;
		}
	}
	json_decref(rows);
	return rc;
}

/* Move every row of dup's to keep; *ids the ids moved. */
static int move_all(struct pgtx *t, const char *sql, int64_t keep, int64_t dup, json_t **ids)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_int(&a, keep);
	pg_arg_int(&a, dup);
	int rc = pg_one(t, sql, &a, &row);
	if (rc != STORE_OK)
		return rc;
	*ids = json_incref(json_object_get(row, "ids"));
	json_decref(row);
	return *ids ? STORE_OK : STORE_ERROR;
}

static int move_back(struct pgtx *t, const char *sql, int64_t to, const json_t *moved,
		     const char *name)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, to);
	pg_arg_json(&a, moved, name);
	return pg_exec(t, sql, &a, NULL);
}

/* Copy the duplicate's contacts the kept record lacks, each after the
 * kept record's last of its kind, in (kind, pos) order; *added gets them.
 * Reading max(pos) then inserting is safe: keep's row is locked, and
 * every writer of a record's contacts holds that lock. */
static int copy_contacts(struct pgtx *t, int64_t keep, int64_t dup, json_t **added)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_int(&a, keep);
	pg_arg_int(&a, dup);
	int rc = pg_one(t, "WITH add AS (SELECT kind, value, pos FROM citizen_contacts d"
			   "  WHERE citizen_id = $2 AND NOT EXISTS (SELECT 1 FROM citizen_contacts k"
			   "  WHERE k.citizen_id = $1 AND k.kind = d.kind AND k.value = d.value)),"
			   " ins AS (INSERT INTO citizen_contacts(citizen_id, kind, value, pos)"
			   "  SELECT $1, d.kind, d.value, coalesce((SELECT max(k.pos) FROM citizen_contacts k"
			   "   WHERE k.citizen_id = $1 AND k.kind = d.kind), -1)"
			   "   + row_number() OVER (PARTITION BY d.kind ORDER BY d.pos) FROM add d)"
			   " SELECT coalesce(json_agg(json_build_object('kind', kind, 'value', value)"
			   "  ORDER BY kind COLLATE \"C\", pos), '[]') AS added_json FROM add", &a, &row);
	if (rc != STORE_OK)
		return rc;
	*added = json_incref(json_object_get(row, "added"));
	json_decref(row);
	return *added ? STORE_OK : STORE_ERROR;
}

static int bump(struct pgtx *t, int64_t id, int64_t merged_into, int64_t now)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_id(&a, merged_into);
	pg_arg_int(&a, now);
	pg_arg_int(&a, id);
	int rc = pg_one(t, "UPDATE citizens SET merged_into = $1, version = version + 1,"
			   " updated_at = $2 WHERE id = $3 RETURNING sort_key", &a, &row);
	if (rc == STORE_NOT_FOUND)
		rc = STORE_ERROR;
	/* A merged record leaves the name index (a search finds the kept one),
	 * and comes back to it when the merge is undone. */
	if (rc == STORE_OK)
		rc = pg_names_write(t, id, merged_into ? NULL
						       : json_string_value(json_object_get(row, "sort_key")));
	json_decref(row);
	return rc;
}

static int touch(struct pgtx *t, int64_t id, int64_t now)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, now);
	pg_arg_int(&a, id);
	return pg_exec(t, "UPDATE citizens SET version = version + 1, updated_at = $1 WHERE id = $2",
		       &a, NULL);
}

static int record_merge(struct pgtx *t, int64_t keep, int64_t dup, int64_t agent_id,
			const json_t *moved, int64_t now, int64_t *merge_id)
{
	struct pg_args a = { 0 };
	json_t *w = json_pack("{sO}", "m", (json_t *)moved);
	pg_arg_int(&a, keep);
	pg_arg_int(&a, dup);
	pg_arg_id(&a, agent_id);
	pg_arg_json(&a, w, "m");
	json_decref(w);
	pg_arg_int(&a, now);
	return pg_int(t, "INSERT INTO merges(kept_id, merged_id, agent_id, moved_json, at)"
			 " VALUES($1, $2, $3, $4::jsonb, $5) RETURNING id", &a, merge_id);
}

int pg_citizen_merge(struct store_tx *tx, int64_t keep, int64_t dup, int64_t agent_id,
		     int64_t now, int64_t *merge_id)
{
	struct pgtx *t = PGT(tx);
	json_t *moved = json_object(), *ids = NULL, *contacts = NULL;
	int rc = moved ? lock_pair(t, keep, dup, true) : STORE_ERROR;
	for (size_t i = 0; i < NMOVABLE && rc == STORE_OK; i++)
		if ((rc = move_all(t, movable[i].move_all, keep, dup, &ids)) == STORE_OK)
			json_object_set_new(moved, movable[i].name, ids);
	if (rc == STORE_OK && (rc = copy_contacts(t, keep, dup, &contacts)) == STORE_OK)
		json_object_set_new(moved, "contacts", contacts);
	if (rc == STORE_OK)
		rc = bump(t, dup, keep, now);
	if (rc == STORE_OK)
		rc = touch(t, keep, now);
	if (rc == STORE_OK)
		rc = record_merge(t, keep, dup, agent_id, moved, now, merge_id);
	json_decref(moved);
	return rc;
}

#define MERGE_COLS                                                                  \
	"SELECT m.id, m.kept_id, m.merged_id, a.login AS agent, m.moved_json, m.at,"  \
	" m.undone_at FROM merges m LEFT JOIN agents a ON a.id = m.agent_id WHERE m.id = $1"

/* jsonb keeps an object's keys in its own order: give "moved" back in
 * the order SQLite wrote (and gives) it. */
static void moved_in_order(json_t *merge)
{
	json_t *moved = json_object_get(merge, "moved");
	json_t *ordered = json_is_object(moved) ? json_object() : NULL;
	if (!ordered)
		return;
	for (size_t i = 0; i <= NMOVABLE; i++) {
		const char *name = i < NMOVABLE ? movable[i].name : "contacts";
		json_t *v = json_object_get(moved, name);
		if (v)
			json_object_set(ordered, name, v);
	}
	const char *k;
	json_t *v;
	json_object_foreach(moved, k, v) if (!json_object_get(ordered, k))
		json_object_set(ordered, k, v);
	json_object_set_new(merge, "moved", ordered);
}

static int merge_row(struct pgtx *t, const char *sql, int64_t merge_id, json_t **merge)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, merge_id);
	int rc = pg_one(t, sql, &a, merge);
	if (rc == STORE_OK)
		moved_in_order(*merge);
	return rc;
}

int pg_merge_get(struct store_tx *tx, int64_t merge_id, json_t **merge)
{
	return merge_row(PGT(tx), MERGE_COLS, merge_id, merge);
}

static int remove_contacts(struct pgtx *t, int64_t keep, const json_t *moved)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, keep);
	pg_arg_json(&a, moved, "contacts");
	return pg_exec(t, "DELETE FROM citizen_contacts c USING jsonb_array_elements($2::jsonb) x"
			  " WHERE c.citizen_id = $1 AND c.kind = x->>'kind' AND c.value = x->>'value'",
		       &a, NULL);
}

static int mark_undone(struct pgtx *t, int64_t merge_id, int64_t now)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, now);
	pg_arg_int(&a, merge_id);
	return pg_exec(t, "UPDATE merges SET undone_at = $1 WHERE id = $2", &a, NULL);
}

int pg_merge_undo(struct store_tx *tx, int64_t merge_id, int64_t now, json_t **merge)
{
	struct pgtx *t = PGT(tx);
	json_t *m = NULL;
	/* Locked: of two nodes undoing it at once, the second then sees it
	 * undone. */
	int rc = merge_row(t, MERGE_COLS " FOR UPDATE OF m", merge_id, &m);
	if (rc != STORE_OK)
		return rc;
	if (!json_is_null(json_object_get(m, "undone_at"))) {
		snprintf(t->err, sizeof(t->err), "this merge is already undone");
		json_decref(m);
		return STORE_INVALID;
	}
	int64_t keep = json_integer_value(json_object_get(m, "kept_id"));
	int64_t dup = json_integer_value(json_object_get(m, "merged_id"));
	json_t *moved = json_object_get(m, "moved");
	rc = lock_pair(t, keep, dup, false);
	for (size_t i = 0; i < NMOVABLE && rc == STORE_OK; i++)
		rc = move_back(t, movable[i].move_back, dup, moved, movable[i].name);
	if (rc == STORE_OK)
		rc = remove_contacts(t, keep, moved);
	if (rc == STORE_OK)
		rc = bump(t, dup, 0, now);
	if (rc == STORE_OK)
		rc = touch(t, keep, now);
	if (rc == STORE_OK)
		rc = mark_undone(t, merge_id, now);
	json_decref(m);
	if (rc == STORE_OK)
		rc = pg_merge_get(tx, merge_id, merge);
	return rc;
}
