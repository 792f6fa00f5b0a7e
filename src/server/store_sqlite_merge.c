/* SQLite store: merging two records of the same citizen, and undoing it.
 * Cases, interactions, chats and survey answers move to the kept record;
 * contacts the kept record lacks are copied to it; the duplicate stays as a
 * pointer (merged_into).  What moved is written down in the merge row, so
 * that an undo moves exactly that back. */
#include "server/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

/* Tables whose citizen_id moves, with the SQL to list and to move rows. */
static const struct {
	const char *name;
	const char *list;
	const char *move;
} movable[] = {
	{ "cases", "SELECT id FROM cases WHERE citizen_id = ?",
	  "UPDATE cases SET citizen_id = ?, version = version + 1 WHERE id = ?" },
	{ "interactions", "SELECT id FROM interactions WHERE citizen_id = ?",
	  "UPDATE interactions SET citizen_id = ? WHERE id = ?" },
	{ "chats", "SELECT id FROM chats WHERE citizen_id = ?",
	  "UPDATE chats SET citizen_id = ? WHERE id = ?" },
	{ "surveys", "SELECT id FROM surveys WHERE citizen_id = ?",
	  "UPDATE surveys SET citizen_id = ? WHERE id = ?" },
};
#define NMOVABLE (sizeof(movable) / sizeof(movable[0]))

static int move_ids(struct sqtx *t, const char *sql, int64_t to, const json_t *ids)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		sqlite3_stmt *st = sq_prep(t, sql);
		if (!st)
			return STORE_ERROR;
		sqlite3_bind_int64(st, 1, to);
		sqlite3_bind_int64(st, 2, json_integer_value(v));
		int rc = sq_exec_stmt(t, st);
		if (rc != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static int list_ids(struct sqtx *t, const char *sql, int64_t citizen, json_t **ids)
{
	sqlite3_stmt *st = sq_prep(t, sql);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, citizen);
	json_t *rows = NULL;
	int rc = sq_rows(t, st, &rows);
	if (rc != STORE_OK)
		return rc;
	*ids = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) json_array_append(*ids, json_object_get(r, "id"));
	json_decref(rows);
	return STORE_OK;
}

/* Copy the duplicate's contacts the kept record lacks; returns them. */
static int copy_contacts(struct sqtx *t, int64_t keep, int64_t dup, json_t **added)
{
	sqlite3_stmt *st = sq_prep(t, "SELECT kind, value FROM citizen_contacts d WHERE citizen_id = ?1"
				      " AND NOT EXISTS (SELECT 1 FROM citizen_contacts k WHERE"
				      " k.citizen_id = ?2 AND k.kind = d.kind AND k.value = d.value)"
				      " ORDER BY kind, pos");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, dup);
	sqlite3_bind_int64(st, 2, keep);
	json_t *rows = NULL;
	int rc = sq_rows(t, st, &rows);
	if (rc != STORE_OK)
		return rc;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		sqlite3_stmt *ins = sq_prep(t, "INSERT INTO citizen_contacts(citizen_id, kind, value, pos)"
					       " SELECT ?1, ?2, ?3, coalesce(max(pos), -1) + 1"
					       " FROM citizen_contacts WHERE citizen_id = ?1 AND kind = ?2");
		if (!ins) {
			rc = STORE_ERROR;
			break;
		}
		sqlite3_bind_int64(ins, 1, keep);
		sq_bind_str(ins, 2, r, "kind");
		sq_bind_str(ins, 3, r, "value");
		if ((rc = sq_exec_stmt(t, ins)) != STORE_OK)
			break;
	}
	if (rc == STORE_OK)
		*added = rows;
	else
		json_decref(rows);
	return rc;
}

static int bump(struct sqtx *t, int64_t id, int64_t merged_into, int64_t now)
{
	sqlite3_stmt *st = sq_prep(t, "UPDATE citizens SET merged_into = ?, version = version + 1,"
				      " updated_at = ? WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_id(st, 1, merged_into);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, id);
	int rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK)
		return rc;
	/* A merged record leaves the name index (a search finds the kept one),
	 * and comes back to it when the merge is undone. */
	st = merged_into ? sq_prep(t, "DELETE FROM citizen_fts WHERE rowid = ?")
			 : sq_prep(t, "INSERT INTO citizen_fts(rowid, key)"
				      " SELECT id, sort_key FROM citizens WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK || merged_into)
		return rc == STORE_OK ? sq_names_write(t, id, NULL) : rc;
	st = sq_prep(t, "SELECT sort_key FROM citizens WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	char *key = sqlite3_step(st) == SQLITE_ROW ? strdup((const char *)sqlite3_column_text(st, 0))
						    : NULL;
	sqlite3_reset(st);
	rc = key ? sq_names_write(t, id, key) : STORE_ERROR;
	free(key);
	return rc;
}

static int touch(struct sqtx *t, int64_t id, int64_t now)
{
	sqlite3_stmt *st = sq_prep(t, "UPDATE citizens SET version = version + 1, updated_at = ?"
				      " WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, id);
	return sq_exec_stmt(t, st);
}

int sq_citizen_merge(struct store_tx *tx, int64_t keep, int64_t dup, int64_t agent_id,
		     int64_t now, int64_t *merge_id)
{
	struct sqtx *t = SQ(tx);
	json_t *moved = json_object(), *ids = NULL, *contacts = NULL;
	int rc = STORE_OK;
	for (size_t i = 0; i < NMOVABLE && rc == STORE_OK; i++) {
		rc = list_ids(t, movable[i].list, dup, &ids);
		if (rc == STORE_OK)
			rc = move_ids(t, movable[i].move, keep, ids);
		if (rc == STORE_OK)
			json_object_set_new(moved, movable[i].name, ids);
		else
			json_decref(ids);
	}
	if (rc == STORE_OK && (rc = copy_contacts(t, keep, dup, &contacts)) == STORE_OK)
		json_object_set_new(moved, "contacts", contacts);
	if (rc == STORE_OK)
		rc = bump(t, dup, keep, now);
	if (rc == STORE_OK)
		rc = touch(t, keep, now);
	sqlite3_stmt *st = rc == STORE_OK
		? sq_prep(t, "INSERT INTO merges(kept_id, merged_id, agent_id, moved_json, at)"
			     " VALUES(?, ?, ?, ?, ?)")
		: NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, keep);
		sqlite3_bind_int64(st, 2, dup);
		sq_bind_id(st, 3, agent_id);
		json_t *w = json_pack("{sO}", "m", moved);
		sq_bind_json(st, 4, w, "m");
		json_decref(w);
		sqlite3_bind_int64(st, 5, now);
		rc = sq_exec_stmt(t, st);
		*merge_id = sqlite3_last_insert_rowid(t->db);
	} else if (rc == STORE_OK) {
		rc = STORE_ERROR;
	}
	json_decref(moved);
	return rc;
}

int sq_merge_get(struct store_tx *tx, int64_t merge_id, json_t **merge)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT m.id, m.kept_id, m.merged_id, a.login AS agent,"
					   " m.moved_json, m.at, m.undone_at FROM merges m"
					   " LEFT JOIN agents a ON a.id = m.agent_id WHERE m.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, merge_id);
	return sq_one(SQ(tx), st, merge);
}

static int remove_contacts(struct sqtx *t, int64_t keep, const json_t *contacts)
{
	size_t i;
	json_t *c;
	json_array_foreach(contacts, i, c) {
		sqlite3_stmt *st = sq_prep(t, "DELETE FROM citizen_contacts WHERE citizen_id = ? AND"
					      " kind = ? AND value = ?");
		if (!st)
			return STORE_ERROR;
		sqlite3_bind_int64(st, 1, keep);
		sq_bind_str(st, 2, c, "kind");
		sq_bind_str(st, 3, c, "value");
		int rc = sq_exec_stmt(t, st);
		if (rc != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

int sq_merge_undo(struct store_tx *tx, int64_t merge_id, int64_t now, json_t **merge)
{
	struct sqtx *t = SQ(tx);
	json_t *m = NULL;
	int rc = sq_merge_get(tx, merge_id, &m);
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
	for (size_t i = 0; i < NMOVABLE && rc == STORE_OK; i++)
		rc = move_ids(t, movable[i].move, dup, json_object_get(moved, movable[i].name));
	if (rc == STORE_OK)
		rc = remove_contacts(t, keep, json_object_get(moved, "contacts"));
	if (rc == STORE_OK)
		rc = bump(t, dup, 0, now);
	if (rc == STORE_OK)
		rc = touch(t, keep, now);
	sqlite3_stmt *st = rc == STORE_OK ? sq_prep(t, "UPDATE merges SET undone_at = ? WHERE id = ?")
					  : NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, merge_id);
		rc = sq_exec_stmt(t, st);
	}
	json_decref(m);
	if (rc == STORE_OK)
		rc = sq_merge_get(tx, merge_id, merge);
	return rc;
}
