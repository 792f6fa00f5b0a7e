/* SQLite store: services, agents (with their skills and presence) and
 * bearer tokens (kept as hashes only). */
#include "server/store_sqlite.h"

#include <string.h>

#include "server/server.h"

int sq_service_create(struct store_tx *tx, const json_t *svc, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO services(slug, name, keywords_json, sla_json,"
				      " created_at) VALUES(?, ?, coalesce(?, '[]'), coalesce(?, '{}'),"
				      " strftime('%s','now'))");
	if (!st)
		return STORE_ERROR;
	sq_bind_str(st, 1, svc, "slug");
	sq_bind_str(st, 2, svc, "name");
	sq_bind_json(st, 3, svc, "keywords");
	sq_bind_json(st, 4, svc, "sla");
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

#define SERVICE_COLS "SELECT id, slug, name, keywords_json, sla_json FROM services "

int sq_service_list(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx), SERVICE_COLS "ORDER BY slug"), items);
}

int sq_service_get(struct store_tx *tx, const char *slug, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), SERVICE_COLS "WHERE slug = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, slug);
	return sq_one(SQ(tx), st, out);
}

int sq_service_get_id(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), SERVICE_COLS "WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(SQ(tx), st, out);
}

int sq_service_set_sla(struct store_tx *tx, int64_t id, const json_t *sla)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "UPDATE services SET sla_json = ? WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	json_t *wrap = json_pack("{sO}", "sla", (json_t *)sla);
	sq_bind_json(st, 1, wrap, "sla");
	json_decref(wrap);
	sqlite3_bind_int64(st, 2, id);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && sqlite3_changes(SQ(tx)->db) == 0)
		return STORE_NOT_FOUND;
	return rc;
}

/* Give an agent the skills listed by slug in agent["services"]. */
static int set_skills(struct sqtx *t, int64_t agent_id, const json_t *services)
{
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM agent_skills WHERE agent_id = ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, agent_id);
	int rc = sq_exec_stmt(t, del);
	size_t i;
	json_t *v;
	json_array_foreach(services, i, v) {
		if (rc != STORE_OK)
			return rc;
		sqlite3_stmt *st = sq_prep(t, "INSERT INTO agent_skills(agent_id, service_id)"
					      " SELECT ?, id FROM services WHERE slug = ?");
		if (!st)
			return STORE_ERROR;
		sqlite3_bind_int64(st, 1, agent_id);
		sq_bind_text(st, 2, json_string_value(v));
		rc = sq_exec_stmt(t, st);
		if (rc == STORE_OK && sqlite3_changes(t->db) == 0) {
			snprintf(t->err, sizeof(t->err), "unknown service: %s", json_string_value(v));
			return STORE_INVALID;
		}
	}
	return rc;
}

int sq_agent_create(struct store_tx *tx, const json_t *a, const char *pw_hash, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO agents(login, display_name, role, password_hash,"
				      " chat_capacity, created_at) VALUES(?, coalesce(?, ?),"
				      " coalesce(?, 'agent'), ?, coalesce(?, 2), strftime('%s','now'))");
	if (!st)
		return STORE_ERROR;
	sq_bind_str(st, 1, a, "login");
	sq_bind_str(st, 2, a, "display_name");
	sq_bind_str(st, 3, a, "login");
	sq_bind_str(st, 4, a, "role");
	sq_bind_text(st, 5, pw_hash);
	sq_bind_int(st, 6, a, "chat_capacity");
	int rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(t->db);
	json_t *svcs = json_object_get(a, "services");
	return svcs ? set_skills(t, *id, svcs) : STORE_OK;
}

#define AGENT_COLS                                                                          \
	"SELECT a.id, a.login, a.display_name, a.role, a.presence, a.presence_reason,"      \
	" a.presence_since AS presence_since_at, a.chat_capacity, a.disabled,"             \
	" (SELECT json_group_array(s.slug) FROM agent_skills k JOIN services s"            \
	"   ON s.id = k.service_id WHERE k.agent_id = a.id) AS services_json"

int sq_agent_list(struct store_tx *tx, json_t **items)
{
	return sq_rows(SQ(tx), sq_prep(SQ(tx), AGENT_COLS " FROM agents a ORDER BY a.login"),
		       items);
}

int sq_agent_get(struct store_tx *tx, const char *login, bool with_secret, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), AGENT_COLS ", a.password_hash FROM agents a"
						      " WHERE a.login = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, login);
	int rc = sq_one(SQ(tx), st, out);
	if (rc == STORE_OK && !with_secret)
		json_object_del(*out, "password_hash");
	return rc;
}

int sq_agent_get_id(struct store_tx *tx, int64_t id, json_t **out)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), AGENT_COLS " FROM agents a WHERE a.id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	return sq_one(SQ(tx), st, out);
}

int sq_agent_set_disabled(struct store_tx *tx, const char *login, bool disabled)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "UPDATE agents SET disabled = ?, presence = CASE WHEN ?"
				      " THEN 'offline' ELSE presence END WHERE login = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, disabled);
	sqlite3_bind_int(st, 2, disabled);
	sq_bind_text(st, 3, login);
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && sqlite3_changes(t->db) == 0)
		return STORE_NOT_FOUND;
	if (rc == STORE_OK && disabled) {
		/* A disabled agent's tokens stop working at once. */
		sqlite3_stmt *rv = sq_prep(t, "UPDATE tokens SET revoked = 1 WHERE agent_id ="
					      " (SELECT id FROM agents WHERE login = ?)");
		if (!rv)
			return STORE_ERROR;
		sq_bind_text(rv, 1, login);
		rc = sq_exec_stmt(t, rv);
	}
	return rc;
}

int sq_agent_set_password(struct store_tx *tx, int64_t id, const char *pw_hash)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "UPDATE agents SET password_hash = ? WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, pw_hash);
	sqlite3_bind_int64(st, 2, id);
	return sq_exec_stmt(SQ(tx), st);
}

int sq_agent_set_presence(struct store_tx *tx, int64_t id, const char *presence,
			  const char *reason, int64_t at)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "UPDATE agents SET presence = ?, presence_reason = ?,"
					   " presence_since = ? WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, presence);
	sq_bind_text(st, 2, reason);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, id);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && sqlite3_changes(SQ(tx)->db) == 0)
		return STORE_NOT_FOUND;
	return rc;
}

int sq_agent_set_skills(struct store_tx *tx, int64_t id, const json_t *services)
{
	return set_skills(SQ(tx), id, services);
}

int sq_token_create(struct store_tx *tx, const unsigned char *hash, int64_t agent_id,
		    int64_t chat_id, const char *kind, int64_t expires_at, int64_t *id)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO tokens(hash, kind, agent_id, chat_id, created_at,"
				      " expires_at) VALUES(?, ?, ?, ?, strftime('%s','now'), ?)");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sq_bind_text(st, 2, kind);
	sq_bind_id(st, 3, agent_id);
	sq_bind_id(st, 4, chat_id);
	sq_bind_id(st, 5, expires_at);
	int rc = sq_exec_stmt(t, st);
	if (rc == STORE_OK && id)
		*id = sqlite3_last_insert_rowid(t->db);
	return rc;
}

int sq_token_lookup(struct store_tx *tx, const unsigned char *hash, int64_t now, int64_t *token_id,
		    int64_t *agent_id, int64_t *chat_id, char *role, char *login)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "SELECT t.id, t.agent_id, t.chat_id, t.kind, a.role, a.login"
				      " FROM tokens t LEFT JOIN agents a ON a.id = t.agent_id"
				      " WHERE t.hash = ? AND t.revoked = 0"
				      " AND (t.expires_at IS NULL OR t.expires_at > ?)"
				      " AND (a.id IS NULL OR a.disabled = 0)");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = sq_rc(t, rc);
		sqlite3_reset(st);
		return r == STORE_OK ? STORE_NOT_FOUND : r;
	}
	*token_id = sqlite3_column_int64(st, 0);
	*agent_id = sqlite3_column_int64(st, 1);
	*chat_id = sqlite3_column_int64(st, 2);
	const char *kind = (const char *)sqlite3_column_text(st, 3);
	const char *r = (const char *)sqlite3_column_text(st, 4);
	const char *l = (const char *)sqlite3_column_text(st, 5);
	snprintf(role, 16, "%s", kind && strcmp(kind, "chat") == 0 ? "public" : r ? r : "");
	snprintf(login, 65, "%s", l ? l : "");
	sqlite3_reset(st);
	if (!*agent_id && !*chat_id)
		return STORE_NOT_FOUND;
	return STORE_OK;
}

int sq_token_revoke(struct store_tx *tx, int64_t token_id)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "UPDATE tokens SET revoked = 1 WHERE id = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, token_id);
	return sq_exec_stmt(SQ(tx), st);
}

int sq_agent_service_ids(struct store_tx *tx, int64_t agent_id, int64_t *ids, int max, int *n)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "SELECT service_id FROM agent_skills WHERE agent_id = ?"
				      " ORDER BY service_id");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, agent_id);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (*n < max)
			ids[(*n)++] = sqlite3_column_int64(st, 0);
	int r = sq_rc(t, rc);
	sqlite3_reset(st);
	return r;
}
