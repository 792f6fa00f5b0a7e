/* PostgreSQL store: citizens, their contacts and name index, their
 * timeline (interactions and case events merged, newest first) and survey
 * answers; the same rules as store_sqlite_citizens.c.  Names sort by
 * their folded key in byte order (COLLATE "C"), as in SQLite. */
#include "server/store_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define CITIZEN_COLS                                                                         \
	"SELECT c.id, c.given_name, c.family_name,"                                          \
	" coalesce((SELECT json_agg(value ORDER BY pos) FROM citizen_contacts"               \
	"   WHERE citizen_id = c.id AND kind = 'email'), '[]') AS emails_json,"              \
	" coalesce((SELECT json_agg(value ORDER BY pos) FROM citizen_contacts"               \
	"   WHERE citizen_id = c.id AND kind = 'phone'), '[]') AS phones_json,"              \
	" c.address, c.birth_date, c.preferred_channel, c.consents_json, c.tags_json,"      \
	" c.merged_into, c.version, c.created_at, c.updated_at, c.sort_key"                  \
	" FROM citizens c "

#define BY_NAME " ORDER BY c.sort_key COLLATE \"C\", c.id"

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

static int write_contacts(struct pgtx *t, int64_t id, const char *kind, const json_t *list)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	pg_arg_text(&a, kind);
	int rc = pg_exec(t, "DELETE FROM citizen_contacts WHERE citizen_id = $1 AND kind = $2", &a,
			 NULL);
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		if (rc != STORE_OK)
			break;
		/* SQLite's INSERT OR IGNORE skips a value that is not a string
		 * (NOT NULL) as well as a position taken */
		if (!json_is_string(v))
			continue;
		pg_arg_int(&a, id);
		pg_arg_text(&a, kind);
		pg_arg_text(&a, json_string_value(v));
		pg_arg_int(&a, (int64_t)i);
		rc = pg_exec(t, "INSERT INTO citizen_contacts(citizen_id, kind, value, pos)"
				" VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING", &a, NULL);
	}
	return rc;
}

/* Write every column of a full citizen record (insert when id is 0). */
static int write_citizen(struct pgtx *t, const json_t *c, int64_t now, int64_t *id)
{
	char *key = sort_key(c);
	if (!key)
		return STORE_ERROR;
	struct pg_args a = { 0 };
	pg_arg_str(&a, c, "given_name");
	pg_arg_str(&a, c, "family_name");
	pg_arg_text(&a, key);
	pg_arg_str(&a, c, "address");
	pg_arg_str(&a, c, "birth_date");
	pg_arg_str(&a, c, "preferred_channel");
	pg_arg_json(&a, c, "consents");
	pg_arg_json(&a, c, "tags");
	pg_arg_int(&a, now);
	int rc;
	if (*id) {
		pg_arg_int(&a, *id);
		rc = pg_exec(t, "UPDATE citizens SET given_name = $1, family_name = $2, sort_key = $3,"
				" address = $4, birth_date = $5, preferred_channel = $6,"
				" consents_json = coalesce($7::jsonb, '[]'), tags_json = coalesce($8::jsonb, '[]'),"
				" updated_at = $9, version = version + 1 WHERE id = $10", &a, NULL);
	} else {
		rc = pg_int(t, "INSERT INTO citizens(given_name, family_name, sort_key, address,"
			       " birth_date, preferred_channel, consents_json, tags_json, updated_at,"
			       " created_at) VALUES($1, $2, $3, $4, $5, $6, coalesce($7::jsonb, '[]'),"
			       " coalesce($8::jsonb, '[]'), $9, $9) RETURNING id", &a, id);
	}
	if (rc == STORE_OK)
		rc = pg_names_write(t, *id, key);
	free(key);
	json_t *emails = json_object_get(c, "emails"), *phones = json_object_get(c, "phones");
	json_t *none = json_array();
	if (rc == STORE_OK)
		rc = write_contacts(t, *id, "email", emails ? emails : none);
	if (rc == STORE_OK)
		rc = write_contacts(t, *id, "phone", phones ? phones : none);
	json_decref(none);
	return rc;
}

int pg_citizen_create(struct store_tx *tx, const json_t *c, int64_t now, int64_t *id)
{
	*id = 0;
	return write_citizen(PGT(tx), c, now, id);
}

int pg_citizen_get(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	int rc = pg_one(PGT(tx), CITIZEN_COLS "WHERE c.id = $1", &a, out);
	if (rc == STORE_OK)
		json_object_del(*out, "sort_key");
	return rc;
}

int pg_citizen_update(struct store_tx *tx, int64_t id, int64_t version, const json_t *patch,
		      int64_t now, json_t **out)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_int(&a, id);
	/* Another node may be writing the record: the version checked must
	 * be the one overwritten, so the row stays locked until commit. */
	int rc = pg_int(PGT(tx), "SELECT id FROM citizens WHERE id = $1 FOR NO KEY UPDATE", &a, &got);
	json_t *cur = NULL;
	if (rc == STORE_OK)
		rc = pg_citizen_get(tx, id, &cur);
	if (rc != STORE_OK)
		return rc;
	if (json_integer_value(json_object_get(cur, "version")) != version) {
		*out = cur;
		return STORE_CONFLICT;
	}
	json_object_update(cur, (json_t *)patch);
	rc = write_citizen(PGT(tx), cur, now, &id);
	json_decref(cur);
	if (rc != STORE_OK)
		return rc;
	return pg_citizen_get(tx, id, out);
}

static char *name_cursor(const json_t *item)
{
	return cursor_make(json_pack("[sI]", json_string_value(json_object_get(item, "sort_key")),
				     json_integer_value(json_object_get(item, "id"))));
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

/* The page's ids first, from the name index alone (it holds the sort
 * key, and merged records are not in it), then their columns: a common
 * name matches thousands of records, each costing a row lookup. */
static int search_name(struct pgtx *t, const char *q, const json_t *cur, int limit, json_t **items)
{
	json_t *ids = NULL;
	int rc = one_word(q) ? pg_names_search(t, q, cur, limit, &ids) : STORE_OK;
	if (rc == STORE_OK && !ids)
		rc = pg_names_match(t, q, cur, limit, &ids);
	if (rc != STORE_OK)
		return rc;
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		*items = json_array();
		return *items ? STORE_OK : STORE_ERROR;
	}
	char *list = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	if (!list)
		return STORE_ERROR;
	struct pg_args a = { 0 };
	pg_arg_text(&a, list);
	rc = pg_rows(t, CITIZEN_COLS "WHERE c.id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)"
				     BY_NAME, &a, items);
	free(list);
	return rc;
}

static int search_exact(struct pgtx *t, const char *kind, const char *q, const json_t *cur,
			int limit, json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, q);
	if (cur) {
		pg_arg_text(&a, json_string_value(json_array_get(cur, 0)));
		pg_arg_int(&a, json_integer_value(json_array_get(cur, 1)));
	} else {
		pg_arg_text(&a, NULL);
		pg_arg_text(&a, NULL);
	}
	pg_arg_int(&a, limit + 1);
	if (strcmp(kind, "ref") == 0)
		return pg_rows(t, CITIZEN_COLS "WHERE c.id IN (SELECT citizen_id FROM cases WHERE ref = $1)"
					       " AND ($2::text IS NULL OR (c.sort_key COLLATE \"C\", c.id)"
					       " > ($2, $3::bigint))" BY_NAME " LIMIT $4", &a, items);
	/* SQLite's COLLATE NOCASE folds ASCII letters only: so does lower()
	 * under COLLATE "C" */
	pg_arg_text(&a, kind);
	return pg_rows(t, CITIZEN_COLS "WHERE c.id IN (SELECT citizen_id FROM citizen_contacts"
				       " WHERE kind = $5 AND lower(value COLLATE \"C\") = lower($1 COLLATE \"C\"))"
				       " AND c.merged_into IS NULL"
				       " AND ($2::text IS NULL OR (c.sort_key COLLATE \"C\", c.id)"
				       " > ($2, $3::bigint))" BY_NAME " LIMIT $4", &a, items);
}

int pg_citizen_search(struct store_tx *tx, const char *kind, const char *q, const char *cursor,
		      int limit, json_t **page)
{
	json_t *cur = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(PGT(tx)->err, sizeof(PGT(tx)->err), "bad cursor");
		return STORE_INVALID;
	}
	json_t *items = NULL;
	int rc = strcmp(kind, "name") == 0 ? search_name(PGT(tx), q, cur, limit, &items)
					   : search_exact(PGT(tx), kind, q, cur, limit, &items);
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

int pg_citizen_timeline(struct store_tx *tx, int64_t id, const char *cursor, int limit,
			json_t **page)
{
	struct pgtx *t = PGT(tx);
	json_t *cur = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	if (cur) {
		pg_arg_int(&a, json_integer_value(json_array_get(cur, 0)));
		pg_arg_text(&a, json_string_value(json_array_get(cur, 1)));
		pg_arg_int(&a, json_integer_value(json_array_get(cur, 2)));
	} else {
		for (int i = 0; i < 3; i++)
			pg_arg_text(&a, NULL);
	}
	pg_arg_int(&a, limit + 1);
	/* Each branch is cut at the cursor and limited on its own index
	 * (interactions_citizen, case_events_case), so that a page deep in a
	 * long timeline costs one page, not the whole history sorted. */
	json_t *items = NULL;
	int rc = pg_rows(t,
		"SELECT kind, id, at, at AS at_s, channel, direction, agent, summary, case_id, case_ref,"
		" service, service_id, event, ended_at, external_ref, data_json FROM ("
		" (SELECT 'interaction'::text AS kind, i.id, i.started_at AS at, i.channel, i.direction,"
		"   a.login AS agent, i.summary, i.case_id, k.ref AS case_ref, s.slug AS service,"
		"   k.service_id, NULL::text AS event, i.ended_at, i.external_ref, NULL::jsonb AS data_json"
		"   FROM interactions i LEFT JOIN agents a ON a.id = i.agent_id"
		"   LEFT JOIN cases k ON k.id = i.case_id LEFT JOIN services s ON s.id = k.service_id"
		"   WHERE i.citizen_id = $1 AND ($2::bigint IS NULL OR i.started_at < $2 OR"
		"    (i.started_at = $2 AND ('interaction' < $3::text COLLATE \"C\" OR"
		"     ('interaction' = $3 AND i.id < $4::bigint))))"
		"   ORDER BY i.started_at DESC, i.id DESC LIMIT $5)"
		" UNION ALL"
		" (SELECT 'case_event', e.id, e.at, NULL, NULL, a.login, NULL, e.case_id, k.ref, s.slug,"
		"   k.service_id, e.kind, NULL, NULL, e.data_json"
		"   FROM case_events e JOIN cases k ON k.id = e.case_id"
		"   LEFT JOIN agents a ON a.id = e.agent_id LEFT JOIN services s ON s.id = k.service_id"
		"   WHERE k.citizen_id = $1 AND ($2 IS NULL OR e.at < $2 OR"
		"    (e.at = $2 AND ('case_event' < $3 COLLATE \"C\" OR ('case_event' = $3 AND e.id < $4))))"
		"   ORDER BY e.at DESC, e.id DESC LIMIT $5)) u"
		" ORDER BY at DESC, kind COLLATE \"C\" DESC, id DESC LIMIT $5", &a, &items);
	json_decref(cur);
	if (rc != STORE_OK)
		return rc;
	*page = store_page(items, limit, timeline_cursor);
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) json_object_del(v, "at_s");
	return STORE_OK;
}

int pg_citizen_surveys(struct store_tx *tx, int64_t id, json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	/* ties in the order SQLite gives them: by id */
	return pg_rows(PGT(tx), "SELECT v.id, v.csat, v.nps, v.comment, v.at, v.chat_id,"
				" v.case_id, s.slug AS service FROM surveys v"
				" LEFT JOIN services s ON s.id = v.service_id"
				" WHERE v.citizen_id = $1 ORDER BY v.at DESC, v.id LIMIT 50", &a, items);
}

int pg_survey_add(struct store_tx *tx, const json_t *s, int64_t citizen_id, int64_t chat_id,
		  int64_t case_id, int64_t service_id, int64_t now, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_id(&a, citizen_id);
	pg_arg_id(&a, chat_id);
	pg_arg_id(&a, case_id);
	pg_arg_id(&a, service_id);
	pg_arg_jint(&a, s, "csat");
	pg_arg_jint(&a, s, "nps");
	pg_arg_str(&a, s, "comment");
	pg_arg_int(&a, now);
	int rc = pg_int(PGT(tx), "INSERT INTO surveys(citizen_id, chat_id, case_id, service_id,"
				 " csat, nps, comment, at) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
				 " RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}
