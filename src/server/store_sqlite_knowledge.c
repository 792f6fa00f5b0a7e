/* SQLite store: answer templates and knowledge articles. */
#include "server/store_sqlite.h"

#include <string.h>

int sq_template_create(struct store_tx *tx, const json_t *t, int64_t service_id, int64_t *id)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "INSERT INTO templates(name, title, body, service_id)"
					   " VALUES(?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_str(st, 1, t, "name");
	sq_bind_str(st, 2, t, "title");
	sq_bind_str(st, 3, t, "body");
	sq_bind_id(st, 4, service_id);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(SQ(tx)->db);
	return rc;
}

int sq_template_list(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx), "SELECT t.id, t.name, t.title, t.body, s.slug AS service"
						       " FROM templates t LEFT JOIN services s"
						       " ON s.id = t.service_id ORDER BY t.name"),
		       items);
}

int sq_kb_create(struct store_tx *tx, const json_t *a, int64_t service_id, const char *search_key,
		 int64_t now, int64_t *id)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "INSERT INTO kb_articles(title, body, service_id,"
					   " search_key, updated_at) VALUES(?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_str(st, 1, a, "title");
	sq_bind_str(st, 2, a, "body");
	sq_bind_id(st, 3, service_id);
	sq_bind_text(st, 4, search_key);
	sqlite3_bind_int64(st, 5, now);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(SQ(tx)->db);
	return rc;
}

#define KB_WORDS 5

int sq_kb_search(struct store_tx *tx, const char *folded, int limit, json_t **items)
{
	sqlite3_stmt *st = sq_prep(SQ(tx),
		"SELECT k.id, k.title, k.body, s.slug AS service, k.updated_at FROM kb_articles k"
		" LEFT JOIN services s ON s.id = k.service_id"
		" WHERE (?1 IS NULL OR instr(k.search_key, ?1)) AND (?2 IS NULL OR instr(k.search_key, ?2))"
		" AND (?3 IS NULL OR instr(k.search_key, ?3)) AND (?4 IS NULL OR instr(k.search_key, ?4))"
		" AND (?5 IS NULL OR instr(k.search_key, ?5)) ORDER BY k.updated_at DESC, k.id DESC"
		" LIMIT ?6");
	if (!st)
		return STORE_ERROR;
	int n = 0;
	const char *p = folded ? folded : "";
	while (*p && n < KB_WORDS) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if (p > w)
			sqlite3_bind_text(st, ++n, w, (int)(p - w), SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 6, limit);
	return sq_rows(SQ(tx), st, items);
}
