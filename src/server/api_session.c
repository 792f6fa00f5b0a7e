/* The agent's session: log in (a token for a login and password), who am
 * I, my presence, log out. */
#include <stdio.h>
#include <string.h>

#include "server/api.h"
#include "server/auth.h"
#include "core/calendar.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/routing.h"
#include "server/server.h"

void api_login(struct req *r)
{
	json_t *in = req_body(r, &MODEL_LOGIN, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx)
		return;
	const char *login = jstr(in, "login");
	json_t *agent = NULL;
	int rc = tx->ops->agent_get(tx, login, true, &agent);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		api_store_error(r, tx, rc);
		return;
	}
	const char *hash = agent ? jstr(agent, "password_hash") : NULL;
	bool ok = auth_check_password(hash, jstr(in, "password")) && !jint(agent, "disabled") &&
		  strcmp(jstr(agent, "role"), "service") != 0;
	if (api_begin(r, tx) < 0)
		goto out;
	snprintf(r->caller.login, sizeof(r->caller.login), "%s", login);
	r->caller.agent_id = ok ? jint(agent, "id") : 0;
	if (!ok) {
		/* The failure is recorded; the answer does not say which part was wrong. */
		if (api_audit(r, tx, "session.login", "agent", 0, 0, 401) == 0)
			req_commit(r, tx);
		reply_problem(r, 401, "Login failed", "unknown login or wrong password");
		goto out;
	}
	char token[AUTH_TOKEN_LEN];
	unsigned char th[32];
	auth_new_token(token, th);
	int64_t expires = now_s() + (int64_t)r->srv->cfg.session_hours * 3600;
	rc = tx->ops->token_create(tx, th, r->caller.agent_id, 0, "session", expires, NULL);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		goto out;
	}
	if (api_audit(r, tx, "session.login", "agent", r->caller.agent_id, 0, 200) < 0)
		goto out;
	json_object_del(agent, "password_hash");
	char iso[32];
	iso8601_format(expires, iso);
	reply_json(r, 200, json_pack("{sssssO}", "token", token, "expires_at", iso, "agent", agent));
	req_commit(r, tx);
out:
	json_decref(agent);
}

void api_logout(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (!tx || api_begin(r, tx) < 0)
		return;
	int rc = tx->ops->token_revoke(tx, r->caller.token_id);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	if (api_audit(r, tx, "session.logout", "agent", r->caller.agent_id, 0, 204) < 0)
		return;
	reply_json(r, 204, NULL);
	req_commit(r, tx);
}

void api_me(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	if (!tx)
		return;
	json_t *a = NULL;
	int rc = tx->ops->agent_get_id(tx, r->caller.agent_id, &a);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_object_set_new(a, "server_time", json_integer(now_s()));
	reply_json(r, 200, a);
}

void api_presence_set(struct req *r, int64_t agent_id, const char *login)
{
	json_t *in = req_body(r, &MODEL_PRESENCE, MODEL_CREATE);
	struct store_tx *tx = in ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	const char *p = jstr(in, "presence");
	const char *reason = jstr(in, "reason");
	if (strcmp(p, "paused") != 0)
		reason = NULL; /* a reason belongs to a pause only */
	int64_t now = now_s();
	int rc = tx->ops->agent_set_presence(tx, agent_id, p, reason, now);
	json_t *a = NULL;
	if (rc == STORE_OK)
		rc = tx->ops->agent_get_id(tx, agent_id, &a);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	/* "by" tells the agent's desk that a supervisor moved them */
	json_t *ev = json_pack("{ssssss*ss}", "agent", login, "presence", p, "reason", reason, "by",
			       r->caller.login);
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "agent.presence", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "agent.presence", "agent", agent_id, 0, 200) < 0) {
		json_decref(a);
		return;
	}
	reply_json(r, 200, a);
	if (req_commit(r, tx) == 0 && strcmp(p, "available") == 0)
		routing_kick(r->srv);
}

void api_me_presence(struct req *r)
{
	api_presence_set(r, r->caller.agent_id, r->caller.login);
}
