/* SQLite store: citizens, their contacts and search index, their
 * timeline (interactions and case events merged, newest first), survey
 * answers, and the merge of duplicate records (undoable). */
#include "server/store_sqlite.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define CITIZEN_COLS                                                                         \
	"SELECT c.id, c.given_name, c.family_name,"                                          \
	" (SELECT json_group_array(value) FROM (SELECT value FROM citizen_contacts"          \
	"   WHERE citizen_id = c.id AND kind = 'email' ORDER BY pos)) AS emails_json,"       \
	" (SELECT json_group_array(value) FROM (SELECT value FROM citizen_contacts"          \
	"   WHERE citizen_id = c.id AND kind = 'phone' ORDER BY pos)) AS phones_json,"       \
	" c.address, c.birth_date, c.preferred_channel, c.consents_json, c.tags_json,"      \
	" c.merged_into, c.version, c.created_at, c.updated_at, c.sort_key"                  \
	" FROM citizens c "

/* "family given", folded: the alphabetical order of search results. */
static char *sort_key(const json_t *c)
{
	const char *g = json_string_value(json_object_get(c, "given_name"));
	const char *f = json_string_value(json_object_get(c, "family_name"));
	size_t n = strlen(f ? f : "") + strlen(g ? g : "") + 2;
	char *both = malloc(n);
	if (!both)
		return NULL;
	snprintf(both, n, "%s %s", f ? f : "", g ? g : "");
	char *k = text_fold(both, strlen(both));
	free(both);
	return k;
}

static int write_index(struct sqtx *t, int64_t id, const char *key)
{
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM citizen_fts WHERE rowid = ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, id);
	int rc = sq_exec_stmt(t, del);
	if (rc != STORE_OK)
		return rc;
	sqlite3_stmt *ins = sq_prep(t, "INSERT INTO citizen_fts(rowid, key) VALUES(?, ?)");
	if (!ins)
		return STORE_ERROR;
	sqlite3_bind_int64(ins, 1, id);
	sq_bind_text(ins, 2, key);
	rc = sq_exec_stmt(t, ins);
	return rc == STORE_OK ? sq_names_write(t, id, key) : rc;
}

static int write_contacts(struct sqtx *t, int64_t id, const char *kind, const json_t *list)
{
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM citizen_contacts WHERE citizen_id = ? AND kind = ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, id);
	sq_bind_text(del, 2, kind);
	int rc = sq_exec_stmt(t, del);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (rc != STORE_OK)
			break;
		sqlite3_stmt *st = sq_prep(t, "INSERT OR IGNORE INTO citizen_contacts(citizen_id, kind,"
					      " value, pos) VALUES(?, ?, ?, ?)");
		if (!st)
			return STORE_ERROR;
		sqlite3_bind_int64(st, 1, id);
		sq_bind_text(st, 2, kind);
		sq_bind_text(st, 3, json_string_value(v));
		sqlite3_bind_int64(st, 4, (int64_t)i);
		rc = sq_exec_stmt(t, st);
	}
	return rc;
}

/* Write every column of a full citizen record (insert when id is 0). */
static int write_citizen(struct sqtx *t, const json_t *c, int64_t now, int64_t *id)
{
	char *key = sort_key(c);
	if (!key)
		return STORE_ERROR;
	sqlite3_stmt *st = *id
		? sq_prep(t, "UPDATE citizens SET given_name = ?1, family_name = ?2, sort_key = ?3,"
			     " address = ?4, birth_date = ?5, preferred_channel = ?6,"
			     " consents_json = coalesce(?7, '[]'), tags_json = coalesce(?8, '[]'),"
			     " updated_at = ?9, version = version + 1 WHERE id = ?10")
		: sq_prep(t, "INSERT INTO citizens(given_name, family_name, sort_key, address,"
			     " birth_date, preferred_channel, consents_json, tags_json, updated_at,"
			     " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, '[]'),"
			     " coalesce(?8, '[]'), ?9, ?9)");
	if (!st) {
		free(key);
		return STORE_ERROR;
	}
	sq_bind_str(st, 1, c, "given_name");
	sq_bind_str(st, 2, c, "family_name");
	sqlite3_bind_text(st, 3, key, -1, free);
	sq_bind_str(st, 4, c, "address");
	sq_bind_str(st, 5, c, "birth_date");
	sq_bind_str(st, 6, c, "preferred_channel");
	sq_bind_json(st, 7, c, "consents");
	sq_bind_json(st, 8, c, "tags");
	sqlite3_bind_int64(st, 9, now);
	if (*id)
		sqlite3_bind_int64(st, 10, *id);
	int rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK)
		return rc;
	if (!*id)
		*id = sqlite3_last_insert_rowid(t->db);
	char *fkey = sort_key(c);
	rc = fkey ? write_index(t, *id, fkey) : STORE_ERROR;
	free(fkey);
	json_t *emails = json_object_get(c, "emails"), *phones = json_object_get(c, "phones");
	json_t *none = json_array();
	if (rc == STORE_OK)
		rc = write_contacts(t, *id, "email", emails ? emails : none);
	if (rc == STORE_OK)
		rc = write_contacts(t, *id, "phone", phones ? phones : none);
	json_decref(none);
	return rc;
}

int sq_citizen_create(struct store_tx *tx, const json_t *c, int64_t now, int64_t *id)
{
	*id = 0;
	return write_citizen(SQ(tx), c, now, id);
}

int sq_citizen_get(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), CITIZEN_COLS "WHERE c.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sq_one(SQ(tx), st, out);
	if (rc == STORE_OK)
		json_object_del(*out, "sort_key");
	return rc;
}

int sq_citizen_update(struct store_tx *tx, int64_t id, int64_t version, const json_t *patch,
		      int64_t now, json_t **out)
{
	json_t *cur = NULL;
	int rc = sq_citizen_get(tx, id, &cur);
	if (rc != STORE_OK)
		return rc;
	if (json_integer_value(json_object_get(cur, "version")) != version) {
		*out = cur;
		return STORE_CONFLICT;
	}
	json_object_update(cur, (json_t *)patch);
	rc = write_citizen(SQ(tx), cur, now, &id);
	json_decref(cur);
	if (rc != STORE_OK)
		return rc;
	return sq_citizen_get(tx, id, out);
}

static char *name_cursor(const json_t *item)
{
	return cursor_make(json_pack("[sI]", json_string_value(json_object_get(item, "sort_key")),
				     json_integer_value(json_object_get(item, "id"))));
}

/* FTS5 query: every folded word as a quoted prefix. */
static char *fts_query(const char *folded)
{
	size_t n = strlen(folded);
	char *q = malloc(n * 4 + 16);
	if (!q)
		return NULL;
	size_t o = 0;
	const char *p = folded;
	while (*p) {
		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p & 0x80)))
			p++;
		const char *w = p;
		while (*p && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p & 0x80)))
			p++;
		if (p > w) {
			o += (size_t)sprintf(q + o, "%s\"%.*s\"*", o ? " " : "", (int)(p - w), w);
		}
	}
	q[o] = '\0';
	return q;
}

/* One word: the page's ids from the name index, then their columns. */
static int search_one_word(struct sqtx *t, const char *q, const json_t *cur, int limit,
			   json_t **items, bool *handled)
{
	json_t *ids = NULL;
	*handled = false;
	int rc = sq_names_search(t, q, cur, limit, &ids);
	if (rc != STORE_OK || !ids)
		return rc;
	*handled = true;
	char *list = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	sqlite3_stmt *st = list ? sq_prep(t, CITIZEN_COLS "WHERE c.id IN (SELECT value FROM"
						      " json_each(?1)) ORDER BY c.sort_key, c.id")
				: NULL;
	if (!st) {
		free(list);
		return STORE_ERROR;
	}
	sqlite3_bind_text(st, 1, list, -1, free);
	return sq_rows(t, st, items);
}

/* Is q one word (letters and digits only)? */
static bool one_word(const char *q)
{
	if (!*q)
		return false;
	for (const char *p = q; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p & 0x80)))
			return false;
	return true;
}

static int search_name(struct sqtx *t, const char *q, const json_t *cur, int limit, json_t **items)
{
	bool handled = false;
	int rc = one_word(q) ? search_one_word(t, q, cur, limit, items, &handled) : STORE_OK;
	if (rc != STORE_OK || handled)
		return rc;
	char *match = fts_query(q);
	if (!match)
		return STORE_ERROR;
	if (!*match) {
		free(match);
		*items = json_array();
		return STORE_OK;
	}
	/* The page's ids first, from the index alone (it holds the sort key,
	 * and merged records are not in it), then their columns: a common
	 * name matches thousands of records, each costing a row lookup. */
	sqlite3_stmt *st = sq_prep(t, CITIZEN_COLS "WHERE c.id IN (SELECT rowid FROM citizen_fts"
					       " WHERE citizen_fts MATCH ?1"
					       " AND (?2 IS NULL OR (key, rowid) > (?2, ?3))"
					       " ORDER BY key, rowid LIMIT ?4)"
					       " ORDER BY c.sort_key, c.id");
	if (!st) {
		free(match);
		return STORE_ERROR;
	}
	sqlite3_bind_text(st, 1, match, -1, free);
	if (cur) {
		sq_bind_text(st, 2, json_string_value(json_array_get(cur, 0)));
		sqlite3_bind_int64(st, 3, json_integer_value(json_array_get(cur, 1)));
	}
	sqlite3_bind_int(st, 4, limit + 1);
	return sq_rows(t, st, items);
}

static int search_exact(struct sqtx *t, const char *kind, const char *q, const json_t *cur,
			int limit, json_t **items)
{
	sqlite3_stmt *st;
	if (strcmp(kind, "ref") == 0)
		st = sq_prep(t, CITIZEN_COLS "WHERE c.id IN (SELECT citizen_id FROM cases WHERE ref = ?1)"
					     " AND (?2 IS NULL OR (c.sort_key, c.id) > (?2, ?3))"
					     " ORDER BY c.sort_key, c.id LIMIT ?4");
	else
		st = sq_prep(t, CITIZEN_COLS "WHERE c.id IN (SELECT citizen_id FROM citizen_contacts"
					     " WHERE kind = ?5 AND value = ?1 COLLATE NOCASE)"
					     " AND c.merged_into IS NULL"
					     " AND (?2 IS NULL OR (c.sort_key, c.id) > (?2, ?3))"
					     " ORDER BY c.sort_key, c.id LIMIT ?4");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, q);
	if (cur) {
		sq_bind_text(st, 2, json_string_value(json_array_get(cur, 0)));
		sqlite3_bind_int64(st, 3, json_integer_value(json_array_get(cur, 1)));
	}
	sqlite3_bind_int(st, 4, limit + 1);
	if (strcmp(kind, "ref") != 0)
		sq_bind_text(st, 5, kind);
	return sq_rows(t, st, items);
}

int sq_citizen_search(struct store_tx *tx, const char *kind, const char *q, const char *cursor,
		      int limit, json_t **page)
{
	json_t *cur = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(SQ(tx)->err, sizeof(SQ(tx)->err), "bad cursor");
		return STORE_INVALID;
	}
	json_t *items = NULL;
	int rc = strcmp(kind, "name") == 0 ? search_name(SQ(tx), q, cur, limit, &items)
					   : search_exact(SQ(tx), kind, q, cur, limit, &items);
	json_decref(cur);
	if (rc != STORE_OK)
		return rc;
	*page = store_page(items, limit, name_cursor);
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) json_object_del(v, "sort_key");
	return STORE_OK;
}

static char *timeline_cursor(const json_t *item)
{
	return cursor_make(json_pack("[IsI]", json_integer_value(json_object_get(item, "at_s")),
				     json_string_value(json_object_get(item, "kind")),
				     json_integer_value(json_object_get(item, "id"))));
}

int sq_citizen_timeline(struct store_tx *tx, int64_t id, const char *cursor, int limit,
			json_t **page)
{
	struct sqtx *t = SQ(tx);
	json_t *cur = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	/* Each branch is cut at the cursor and limited on its own index
	 * (interactions_citizen, case_events_case), so that a page deep in a
	 * long timeline costs one page, not the whole history sorted. */
	sqlite3_stmt *st = sq_prep(t,
		"SELECT kind, id, at, at AS at_s, channel, direction, agent, summary, case_id, case_ref,"
		" service, service_id, event, ended_at, external_ref, data_json FROM ("
		" SELECT * FROM ("
		"  SELECT 'interaction' AS kind, i.id, i.started_at AS at, i.channel, i.direction,"
		"   a.login AS agent, i.summary, i.case_id, k.ref AS case_ref, s.slug AS service,"
		"   k.service_id, NULL AS event, i.ended_at, i.external_ref, NULL AS data_json"
		"   FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id"
		"   LEFT JOIN cases k ON k.id = i.case_id LEFT JOIN services s ON s.id = k.service_id"
		"   WHERE i.citizen_id = ?1 AND (?2 IS NULL OR i.started_at < ?2 OR"
		"    (i.started_at = ?2 AND ('interaction' < ?3 OR ('interaction' = ?3 AND i.id < ?4))))"
		"   ORDER BY i.started_at DESC, i.id DESC LIMIT ?5)"
		" UNION ALL"
		" SELECT * FROM ("
		"  SELECT 'case_event', e.id, e.at, NULL, NULL, a.login, NULL, e.case_id, k.ref, s.slug,"
		"   k.service_id, e.kind, NULL, NULL, e.data_json"
		"   FROM case_events e JOIN cases k ON k.id = e.case_id"
		"   LEFT JOIN agents a ON a.id = e.agent_id LEFT JOIN services s ON s.id = k.service_id"
		"   WHERE k.citizen_id = ?1 AND (?2 IS NULL OR e.at < ?2 OR"
		"    (e.at = ?2 AND ('case_event' < ?3 OR ('case_event' = ?3 AND e.id < ?4))))"
		"   ORDER BY e.at DESC, e.id DESC LIMIT ?5))"
		" ORDER BY at DESC, kind DESC, id DESC LIMIT ?5");
	if (!st) {
		json_decref(cur);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(st, 1, id);
	if (cur) {
		sqlite3_bind_int64(st, 2, json_integer_value(json_array_get(cur, 0)));
		sq_bind_text(st, 3, json_string_value(json_array_get(cur, 1)));
		sqlite3_bind_int64(st, 4, json_integer_value(json_array_get(cur, 2)));
	}
	json_decref(cur);
	sqlite3_bind_int(st, 5, limit + 1);
	json_t *items = NULL;
	int rc = sq_rows(t, st, &items);
	if (rc != STORE_OK)
		return rc;
	*page = store_page(items, limit, timeline_cursor);
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) json_object_del(v, "at_s");
	return STORE_OK;
}

int sq_citizen_surveys(struct store_tx *tx, int64_t id, json_t **items)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT v.id, v.csat, v.nps, v.comment, v.at, v.chat_id,"
					   " v.case_id, s.slug AS service FROM surveys v"
					   " LEFT JOIN services s ON s.id = v.service_id"
					   " WHERE v.citizen_id = ? ORDER BY v.at DESC LIMIT 50");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_rows(SQ(tx), st, items);
}

int sq_survey_add(struct store_tx *tx, const json_t *s, int64_t citizen_id, int64_t chat_id,
		  int64_t case_id, int64_t service_id, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "INSERT INTO surveys(citizen_id, chat_id, case_id, service_id,"
					   " csat, nps, comment, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_id(st, 1, citizen_id);
	sq_bind_id(st, 2, chat_id);
	sq_bind_id(st, 3, case_id);
	sq_bind_id(st, 4, service_id);
	sq_bind_int(st, 5, s, "csat");
	sq_bind_int(st, 6, s, "nps");
	sq_bind_str(st, 7, s, "comment");
	sqlite3_bind_int64(st, 8, now);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(SQ(tx)->db);
	return rc;
}
