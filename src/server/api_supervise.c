/* The supervisor's actions on other agents: set an agent's presence,
 * move an agent between services (skills), give a chat to another agent.
 * Each is audited with the supervisor as actor and told on the event
 * stream, so the agent concerned sees it at once. */
#include <stdio.h>
#include <string.h>

#include "server/api.h"
#include "server/chat.h"
#include "server/clock.h"
#include "server/handlers.h"
#include "server/routing.h"
#include "server/server.h"

/* A skills list is the services of one agent: a town hall has a few. */
#define MAX_SKILLS 64

void api_agent_presence(struct req *r)
{
	struct store_tx *tx = api_tx(r);
	int64_t id = tx ? api_agent_id(r, tx, r->params[0]) : 0;
	if (id)
		api_presence_set(r, id, r->params[0]);
}

/* {"services": [slug...]}: every element a string, at most MAX_SKILLS;
 * NULL with 400/422 answered otherwise. */
static const json_t *skills_of(struct req *r)
{
	json_t *in = req_json(r, NULL);
	if (!in)
		return NULL;
	const json_t *s = json_object_get(in, "services");
	if (!json_is_object(in) || !json_is_array(s)) {
		reply_problem(r, 422, "Refused", "services: an array of service slugs");
		return NULL;
	}
	if (json_array_size(s) > MAX_SKILLS) {
		reply_problem(r, 422, "Refused", "services: at most 64");
		return NULL;
	}
	size_t i;
	json_t *v;
	json_array_foreach(s, i, v) {
		if (!json_is_string(v)) {
			reply_problem(r, 422, "Refused", "services: an array of service slugs");
			return NULL;
		}
	}
	return s;
}

void api_agent_patch(struct req *r)
{
	const json_t *services = skills_of(r);
	struct store_tx *tx = services ? api_tx(r) : NULL;
	if (!tx || api_begin(r, tx) < 0)
		return;
	int64_t id = api_agent_id(r, tx, r->params[0]);
	if (!id)
		return;
	/* an unknown slug is STORE_INVALID naming it: 422, nothing kept */
	int rc = tx->ops->agent_set_skills(tx, id, services);
	json_t *a = NULL;
	if (rc == STORE_OK)
		rc = tx->ops->agent_get_id(tx, id, &a);
	if (rc != STORE_OK) {
		api_store_error(r, tx, rc);
		return;
	}
	json_t *ev = json_pack("{sssOss}", "agent", r->params[0], "services",
			       json_object_get(a, "services"), "by", r->caller.login);
	struct event_scope scope = { .staff = true };
	rc = api_emit(r, tx, "agent.skills", ev, &scope);
	json_decref(ev);
	if (rc < 0 || api_audit(r, tx, "agent.skills", "agent", id, 0, 200) < 0) {
		json_decref(a);
		return;
	}
	reply_json(r, 200, a);
	if (req_commit(r, tx) == 0)
		routing_kick(r->srv); /* what waits may now have someone */
}

void api_chat_reassign(struct req *r)
{
	int64_t id;
	if (req_param_id(r, 0, &id) < 0)
		return;
	json_t *in = req_json(r, NULL);
	if (!in)
		return;
	const char *login = json_string_value(json_object_get(in, "agent"));
	if (!login || !*login) {
		reply_problem(r, 422, "Refused", "agent: the login of the agent to give the chat to");
		return;
	}
	struct store_tx *tx = api_tx(r);
	if (!tx || api_begin(r, tx) < 0)
		return;
	int64_t agent = api_agent_id(r, tx, login);
	if (!agent)
		return;
	json_t *out = NULL;
	char err[200] = "";
	int st = chat_reassign(r->srv, tx, &r->caller, id, agent, login, now_s(), &out, err,
			       sizeof(err));
	if (st >= 400) {
		reply_problem(r, st, st == 404 ? "Not found" : st == 409 ? "Conflict" : "Refused",
			      err);
		return;
	}
	r->emitted = true;
	if (api_audit(r, tx, "chat.reassign", "chat", id, jint(out, "citizen_id"), st) < 0) {
		json_decref(out);
		return;
	}
	reply_json(r, st, out);
	if (req_commit(r, tx) == 0)
		routing_kick(r->srv);
}
