/* Collision marks: which agents have a case or a citizen's file open, or
 * are writing in it.  A mark is short-lived (its `until`), renewed by the
 * desk while the record stays on screen, so that a desk that died leaves no
 * mark behind for long. */
#include <sqlite3.h>
#include <string.h>

#include "server/store_sqlite.h"

/* Does the record exist?  Marks only name real records. */
static int target_exists(struct sqtx *t, const char *type, int64_t id)
{
	sqlite3_stmt *st = sq_prep(t, strcmp(type, "case") == 0
					      ? "SELECT 1 FROM cases WHERE id = ?1"
					      : "SELECT 1 FROM citizens WHERE id = ?1");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOT_FOUND : sq_rc(t, rc);
}

int sq_viewing_set(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
		   const char *mode, int64_t until, int64_t now)
{
	struct sqtx *t = SQ(tx);
	int rc = target_exists(t, type, id);
	if (rc != STORE_OK)
		return rc;
	/* The table only ever holds live marks: old ones go as new ones come. */
	sqlite3_stmt *st = sq_prep(t, "DELETE FROM viewing WHERE until < ?1");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now);
	if ((rc = sq_exec_stmt(t, st)) != STORE_OK)
		return rc;
	st = sq_prep(t, "INSERT INTO viewing(agent_id, target_type, target_id, mode, until)"
			" VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(target_type, target_id, agent_id)"
			" DO UPDATE SET mode = excluded.mode, until = excluded.until");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, agent_id);
	sq_bind_text(st, 2, type);
	sqlite3_bind_int64(st, 3, id);
	sq_bind_text(st, 4, mode);
	sqlite3_bind_int64(st, 5, until);
	return sq_exec_stmt(t, st);
}

int sq_viewing_clear(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
		     bool *removed)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "DELETE FROM viewing WHERE agent_id = ?1 AND target_type = ?2"
				      " AND target_id = ?3");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, agent_id);
	sq_bind_text(st, 2, type);
	sqlite3_bind_int64(st, 3, id);
	int rc = sq_exec_stmt(t, st);
	*removed = rc == STORE_OK && sqlite3_changes(t->db) > 0;
	return rc;
}

int sq_viewing_list(struct store_tx *tx, const char *type, int64_t id, int64_t now,
		    json_t **items)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "SELECT a.login, v.mode, v.until AS expires_at FROM viewing v"
				      " JOIN agents a ON a.id = v.agent_id"
				      " WHERE v.target_type = ?1 AND v.target_id = ?2 AND v.until >= ?3"
				      " ORDER BY a.login");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, type);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, now);
	return sq_rows(t, st, items);
}
