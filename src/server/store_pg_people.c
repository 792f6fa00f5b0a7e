/* PostgreSQL store: services, agents (with their skills and presence)
 * and bearer tokens (kept as hashes only); the same rules as
 * store_sqlite_people.c. */
#include "server/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW "extract(epoch FROM now())::bigint"

int pg_service_create(struct store_tx *tx, const json_t *svc, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_str(&a, svc, "slug");
	pg_arg_str(&a, svc, "name");
	pg_arg_json(&a, svc, "keywords");
	pg_arg_json(&a, svc, "sla");
	int rc = pg_int(PGT(tx), "INSERT INTO services(slug, name, keywords_json, sla_json, created_at)"
				 " VALUES($1, $2, coalesce($3::jsonb, '[]'), coalesce($4::jsonb, '{}'), " NOW ")"
				 " RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

#define SERVICE_COLS "SELECT id, slug, name, keywords_json, sla_json FROM services "

int pg_service_list(struct store_tx *tx, json_t **items)
{
	return pg_rows(PGT(tx), SERVICE_COLS "ORDER BY slug COLLATE \"C\"", NULL, items);
}

int pg_service_get(struct store_tx *tx, const char *slug, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, slug);
	return pg_one(PGT(tx), SERVICE_COLS "WHERE slug = $1", &a, out);
}

int pg_service_get_id(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	return pg_one(PGT(tx), SERVICE_COLS "WHERE id = $1", &a, out);
}

/* OK when a row changed, else NOT_FOUND. */
static int changed_one(int rc, int64_t n)
{
	return rc == STORE_OK && n == 0 ? STORE_NOT_FOUND : rc;
}

int pg_service_set_sla(struct store_tx *tx, int64_t id, const json_t *sla)
{
	struct pg_args a = { 0 };
	int64_t n = 0;
	json_t *wrap = json_pack("{sO}", "sla", (json_t *)sla);
	pg_arg_json(&a, wrap, "sla");
	json_decref(wrap);
	pg_arg_int(&a, id);
	int rc = pg_exec(PGT(tx), "UPDATE services SET sla_json = $1::jsonb WHERE id = $2", &a, &n);
	return changed_one(rc, n);
}

/* Give an agent the skills listed by slug. */
static int set_skills(struct pgtx *t, int64_t agent_id, const json_t *services)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, agent_id);
	int rc = pg_exec(t, "DELETE FROM agent_skills WHERE agent_id = $1", &a, NULL);
	size_t i;
	json_t *v;
	json_array_foreach(services, i, v) {
		if (rc != STORE_OK)
			return rc;
		int64_t n = 0;
		pg_arg_int(&a, agent_id);
		pg_arg_text(&a, json_string_value(v));
		rc = pg_exec(t, "INSERT INTO agent_skills(agent_id, service_id)"
				" SELECT $1, id FROM services WHERE slug = $2", &a, &n);
		if (rc == STORE_OK && n == 0) {
			snprintf(t->err, sizeof(t->err), "unknown service: %s", json_string_value(v));
			return STORE_INVALID;
		}
	}
	return rc;
}

int pg_agent_create(struct store_tx *tx, const json_t *ag, const char *pw_hash, int64_t *id)
{
	struct pg_args a = { 0 };
	pg_arg_str(&a, ag, "login");
	pg_arg_str(&a, ag, "display_name");
	pg_arg_str(&a, ag, "role");
	pg_arg_text(&a, pw_hash);
	pg_arg_jint(&a, ag, "chat_capacity");
	int rc = pg_int(PGT(tx), "INSERT INTO agents(login, display_name, role, password_hash,"
				 " chat_capacity, created_at) VALUES($1, coalesce($2, $1),"
				 " coalesce($3, 'agent'), $4, coalesce($5::integer, 2), " NOW ")"
				 " RETURNING id", &a, id);
	if (rc != STORE_OK)
		return rc;
	json_t *svcs = json_object_get(ag, "services");
	return svcs ? set_skills(PGT(tx), *id, svcs) : STORE_OK;
}

#define AGENT_COLS                                                                          \
	"SELECT a.id, a.login, a.display_name, a.role, a.presence, a.presence_reason,"      \
	" a.presence_since AS presence_since_at, a.chat_capacity, a.disabled,"             \
	" coalesce((SELECT json_agg(s.slug ORDER BY s.slug COLLATE \"C\") FROM agent_skills k" \
	"   JOIN services s ON s.id = k.service_id WHERE k.agent_id = a.id), '[]') AS services_json"

int pg_agent_list(struct store_tx *tx, json_t **items)
{
	return pg_rows(PGT(tx), AGENT_COLS " FROM agents a ORDER BY a.login COLLATE \"C\"", NULL,
		       items);
}

int pg_agent_get(struct store_tx *tx, const char *login, bool with_secret, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, login);
	int rc = pg_one(PGT(tx), AGENT_COLS ", a.password_hash FROM agents a WHERE a.login = $1", &a,
			out);
	if (rc == STORE_OK && !with_secret)
		json_object_del(*out, "password_hash");
	return rc;
}

int pg_agent_get_id(struct store_tx *tx, int64_t id, json_t **out)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	return pg_one(PGT(tx), AGENT_COLS " FROM agents a WHERE a.id = $1", &a, out);
}

int pg_agent_set_disabled(struct store_tx *tx, const char *login, bool disabled)
{
	struct pg_args a = { 0 };
	int64_t n = 0;
	pg_arg_int(&a, disabled);
	pg_arg_text(&a, login);
	int rc = pg_exec(PGT(tx), "UPDATE agents SET disabled = $1, presence = CASE WHEN $1 <> 0"
				  " THEN 'offline' ELSE presence END WHERE login = $2", &a, &n);
	rc = changed_one(rc, n);
	if (rc == STORE_OK && disabled) {
		/* A disabled agent's tokens stop working at once. */
		pg_arg_text(&a, login);
		rc = pg_exec(PGT(tx), "UPDATE tokens SET revoked = 1 WHERE agent_id ="
				      " (SELECT id FROM agents WHERE login = $1)", &a, NULL);
	}
	return rc;
}

int pg_agent_set_password(struct store_tx *tx, int64_t id, const char *pw_hash)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, pw_hash);
	pg_arg_int(&a, id);
	return pg_exec(PGT(tx), "UPDATE agents SET password_hash = $1 WHERE id = $2", &a, NULL);
}

int pg_agent_set_presence(struct store_tx *tx, int64_t id, const char *presence,
			  const char *reason, int64_t at)
{
	struct pg_args a = { 0 };
	int64_t n = 0;
	pg_arg_text(&a, presence);
	pg_arg_text(&a, reason);
	pg_arg_int(&a, at);
	pg_arg_int(&a, id);
	int rc = pg_exec(PGT(tx), "UPDATE agents SET presence = $1, presence_reason = $2,"
				  " presence_since = $3 WHERE id = $4", &a, &n);
	return changed_one(rc, n);
}

int pg_agent_set_skills(struct store_tx *tx, int64_t id, const json_t *services)
{
	return set_skills(PGT(tx), id, services);
}

int pg_token_create(struct store_tx *tx, const unsigned char *hash, int64_t agent_id,
		    int64_t chat_id, const char *kind, int64_t expires_at, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_bytes(&a, hash, 32);
	pg_arg_text(&a, kind);
	pg_arg_id(&a, agent_id);
	pg_arg_id(&a, chat_id);
	pg_arg_id(&a, expires_at);
	int rc = pg_int(PGT(tx), "INSERT INTO tokens(hash, kind, agent_id, chat_id, created_at,"
				 " expires_at) VALUES($1, $2, $3, $4, " NOW ", $5) RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

int pg_token_lookup(struct store_tx *tx, const unsigned char *hash, int64_t now, int64_t *token_id,
		    int64_t *agent_id, int64_t *chat_id, char *role, char *login)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_bytes(&a, hash, 32);
	pg_arg_int(&a, now);
	int rc = pg_one(PGT(tx), "SELECT t.id, t.agent_id, t.chat_id, t.kind, a.role, a.login"
				 " FROM tokens t LEFT JOIN agents a ON a.id = t.agent_id"
				 " WHERE t.hash = $1 AND t.revoked = 0"
				 " AND (t.expires_at IS NULL OR t.expires_at > $2)"
				 " AND (a.id IS NULL OR a.disabled = 0)", &a, &row);
	if (rc != STORE_OK)
		return rc;
	*token_id = json_integer_value(json_object_get(row, "id"));
	*agent_id = json_integer_value(json_object_get(row, "agent_id"));
	*chat_id = json_integer_value(json_object_get(row, "chat_id"));
	const char *kind = json_string_value(json_object_get(row, "kind"));
	const char *r = json_string_value(json_object_get(row, "role"));
	const char *l = json_string_value(json_object_get(row, "login"));
	snprintf(role, 16, "%s", kind && strcmp(kind, "chat") == 0 ? "public" : r ? r : "");
	snprintf(login, 65, "%s", l ? l : "");
	json_decref(row);
	return !*agent_id && !*chat_id ? STORE_NOT_FOUND : STORE_OK;
}

int pg_token_revoke(struct store_tx *tx, int64_t token_id)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, token_id);
	return pg_exec(PGT(tx), "UPDATE tokens SET revoked = 1 WHERE id = $1", &a, NULL);
}

int pg_agent_service_ids(struct store_tx *tx, int64_t agent_id, int64_t *ids, int max, int *n)
{
	struct pg_args a = { 0 };
	int rc;
	pg_arg_int(&a, agent_id);
	PGresult *r = pg_result(PGT(tx), "SELECT service_id FROM agent_skills WHERE agent_id = $1"
					 " ORDER BY service_id", &a, &rc);
	*n = 0;
	for (int i = 0; r && i < PQntuples(r) && *n < max; i++)
		ids[(*n)++] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	PQclear(r);
	return rc;
}
