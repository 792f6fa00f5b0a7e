/* PostgreSQL store: collision marks (which agents have a case or a
 * citizen's file open, or are writing in it), the same rules as
 * store_sqlite_viewing.c.  They are rows, not a node's memory: an agent
 * on one node sees the mark of an agent on another. */
#include "server/store_pg.h"

#include <string.h>

/* Does the record exist?  Marks only name real records. */
static int target_exists(struct pgtx *t, const char *type, int64_t id)
{
	struct pg_args a = { 0 };
	int64_t one;
	pg_arg_int(&a, id);
	return pg_int(t, strcmp(type, "case") == 0 ? "SELECT 1 FROM cases WHERE id = $1"
						   : "SELECT 1 FROM citizens WHERE id = $1",
		      &a, &one);
}

int pg_viewing_set(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
		   const char *mode, int64_t until, int64_t now)
{
	struct pgtx *t = PGT(tx);
	int rc = target_exists(t, type, id);
	if (rc != STORE_OK)
		return rc;
	/* The table only ever holds live marks: old ones go as new ones come. */
	struct pg_args a = { 0 };
	pg_arg_int(&a, now);
	if ((rc = pg_exec(t, "DELETE FROM viewing WHERE until < $1", &a, NULL)) != STORE_OK)
		return rc;
	pg_arg_int(&a, agent_id);
	pg_arg_text(&a, type);
	pg_arg_int(&a, id);
	pg_arg_text(&a, mode);
	pg_arg_int(&a, until);
	return pg_exec(t, "INSERT INTO viewing(agent_id, target_type, target_id, mode, until)"
			  " VALUES($1, $2, $3, $4, $5) ON CONFLICT(target_type, target_id, agent_id)"
			  " DO UPDATE SET mode = excluded.mode, until = excluded.until",
		       &a, NULL);
}

int pg_viewing_clear(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
		     bool *removed)
{
	struct pg_args a = { 0 };
	int64_t changed = 0;
	pg_arg_int(&a, agent_id);
	pg_arg_text(&a, type);
	pg_arg_int(&a, id);
	int rc = pg_exec(PGT(tx), "DELETE FROM viewing WHERE agent_id = $1 AND target_type = $2"
				  " AND target_id = $3", &a, &changed);
	*removed = rc == STORE_OK && changed > 0;
	return rc;
}

int pg_viewing_list(struct store_tx *tx, const char *type, int64_t id, int64_t now,
		    json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, type);
	pg_arg_int(&a, id);
	pg_arg_int(&a, now);
	/* until is not named *_at: it comes out as epoch seconds, renamed here
	 * expires_at, which the row conversion then writes as ISO 8601 */
	return pg_rows(PGT(tx), "SELECT a.login, v.mode, v.until AS expires_at FROM viewing v"
				" JOIN agents a ON a.id = v.agent_id"
				" WHERE v.target_type = $1 AND v.target_id = $2 AND v.until >= $3"
				" ORDER BY a.login COLLATE \"C\"", &a, items);
}
