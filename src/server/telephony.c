/* Calls: telephony events from a PBX bridge (ringing, queued, answered,
 * transferred, ended) and agents taking or declining waiting calls.  The
 * caller's number finds the citizen, so the desk can pop their file. */
#include "server/chat.h"

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"
#include "server/store.h"
#include "core/json_get.h"

static int fail(int status, char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return status;
}

static int store_fail(struct store_tx *tx, int rc, char *err, size_t errlen)
{
	if (rc == STORE_NOT_FOUND)
		return fail(404, err, errlen, "no such call");
	snprintf(err, errlen, "%s", store_tx_error(tx));
	return rc == STORE_BUSY ? 503 : 500;
}

static int64_t lookup_id(struct store_tx *tx, const char *what, const char *key)
{
	json_t *o = NULL;
	int rc = strcmp(what, "service") == 0 ? tx->ops->service_get(tx, key, &o)
					       : tx->ops->agent_get(tx, key, false, &o);
	int64_t id = rc == STORE_OK ? jint(o, "id") : 0;
	json_decref(o);
	return id;
}

static int64_t citizen_by_phone(struct store_tx *tx, const char *phone)
{
	json_t *page = NULL;
	if (!phone || tx->ops->citizen_search(tx, "phone", phone, NULL, 1, &page) != STORE_OK)
		return 0;
	int64_t id = jint(json_array_get(json_object_get(page, "items"), 0), "id");
	json_decref(page);
	return id;
}

/* Emit call.<state> to the call's service and the agent concerned. */
static int emit_call(struct store_tx *tx, int64_t id, int64_t now, json_t **out)
{
	int rc = tx->ops->call_get(tx, id, out);
	if (rc != STORE_OK)
		return rc;
	char type[40];
	snprintf(type, sizeof(type), "call.%s", jstr(*out, "state"));
	struct event_scope scope = {
		.service_id = jint(*out, "service_id"),
		.agent_id = jint(*out, "agent_id") ? jint(*out, "agent_id") : jint(*out, "offered_to_id"),
	};
	json_t *ev = json_pack("{sOsOsOsOsOsOsOsO}", "id", json_object_get(*out, "id"), "call_id",
			       json_object_get(*out, "call_id"), "state", json_object_get(*out, "state"),
			       "from", json_object_get(*out, "from"), "citizen_id",
			       json_object_get(*out, "citizen_id"), "service",
			       json_object_get(*out, "service"), "agent", json_object_get(*out, "agent"),
			       "offered_to", json_object_get(*out, "offered_to"));
	return chat_emit(tx, type, ev, &scope, now);
}

static int create_call(struct store_tx *tx, const json_t *in, int64_t at, int64_t *id, char *err,
		       size_t errlen)
{
	int64_t svc = jstr(in, "service") ? lookup_id(tx, "service", jstr(in, "service"))
					 : lookup_id(tx, "service", "accueil");
	if (jstr(in, "service") && !svc)
		return fail(422, err, errlen, "service: no such service");
	int64_t citizen = citizen_by_phone(tx, jstr(in, "from"));
	int rc = tx->ops->call_create(tx, in, citizen, svc, "queued", at, id);
	return rc == STORE_OK ? 0 : store_fail(tx, rc, err, errlen);
}

/* The columns an event changes. */
static int event_columns(struct store_tx *tx, const json_t *in, const json_t *call, int64_t at,
			 json_t *set, char *err, size_t errlen)
{
	const char *ev = jstr(in, "event");
	int64_t agent = jstr(in, "agent") ? lookup_id(tx, "agent", jstr(in, "agent")) : 0;
	if (jstr(in, "agent") && !agent)
		return fail(422, err, errlen, "agent: no such agent");
	if (call && !json_is_null(json_object_get(call, "ended_at")))
		return fail(409, err, errlen, "this call has ended");
	if (strcmp(ev, "ringing") == 0 || strcmp(ev, "queued") == 0 || strcmp(ev, "transferred") == 0) {
		if (jstr(in, "service")) {
			int64_t svc = lookup_id(tx, "service", jstr(in, "service"));
			if (!svc)
				return fail(422, err, errlen, "service: no such service");
			json_object_set_new(set, "service_id", json_integer(svc));
		}
		json_object_set_new(set, "state", json_string(agent ? "ringing" : "queued"));
		json_object_set_new(set, "offered_to", agent ? json_integer(agent) : json_null());
		json_object_set_new(set, "offered_at", agent ? json_integer(at) : json_null());
		if (strcmp(ev, "transferred") == 0)
			json_object_set_new(set, "agent_id", json_null());
	} else if (strcmp(ev, "answered") == 0) {
		int64_t who = agent ? agent : call ? jint(call, "offered_to_id") : 0;
		json_object_set_new(set, "state", json_string("answered"));
		json_object_set_new(set, "agent_id", who ? json_integer(who) : json_null());
		json_object_set_new(set, "answered_at", json_integer(at));
	} else { /* ended */
		json_object_set_new(set, "state", json_string("ended"));
		json_object_set_new(set, "ended_at", json_integer(at));
	}
	return 0;
}

int telephony_event(struct store_tx *tx, const json_t *in, int64_t now, json_t **out, char *err,
		    size_t errlen)
{
	int64_t at = now, id;
	const char *ats = jstr(in, "at");
	if (ats)
		iso8601_parse(ats, &at);
	json_t *call = NULL, *set = json_object();
	int rc = tx->ops->call_get_ext(tx, jstr(in, "call_id"), &call);
	int status = 200, st;
	if (rc == STORE_NOT_FOUND) {
		if ((st = create_call(tx, in, at, &id, err, errlen)) != 0)
			goto out;
		status = 201;
	} else if (rc != STORE_OK) {
		st = store_fail(tx, rc, err, errlen);
		goto out;
	} else {
		id = jint(call, "id");
	}
	if ((st = event_columns(tx, in, call, at, set, err, errlen)) != 0)
		goto out;
	rc = tx->ops->call_set(tx, id, set);
	if (rc == STORE_OK)
		rc = emit_call(tx, id, now, out);
	st = rc == STORE_OK ? status : store_fail(tx, rc, err, errlen);
out:
	json_decref(call);
	json_decref(set);
	return st;
}

int call_accept(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now, json_t **out,
		char *err, size_t errlen)
{
	json_t *call = NULL;
	int rc = tx->ops->call_get(tx, id, &call);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	const char *state = jstr(call, "state");
	int64_t offered = jint(call, "offered_to_id");
	int st = 0;
	if (strcmp(state, "queued") != 0 && strcmp(state, "ringing") != 0)
		st = fail(409, err, errlen, "this call is no longer waiting");
	else if (offered && offered != c->agent_id && !(c->role & ROLES_SUPERVISION))
		st = fail(409, err, errlen, "this call is offered to another agent");
	else if (!offered && !caller_in_service(c, jint(call, "service_id")))
		st = fail(403, err, errlen, "this call waits for another service");
	json_decref(call);
	if (st)
		return st;
	json_t *set = json_pack("{sssIsIso}", "state", "answered", "agent_id", (json_int_t)c->agent_id,
				"answered_at", (json_int_t)now, "offered_to", json_null());
	rc = tx->ops->call_set(tx, id, set);
	json_decref(set);
	if (rc == STORE_OK)
		rc = emit_call(tx, id, now, out);
	return rc == STORE_OK ? 200 : store_fail(tx, rc, err, errlen);
}

int call_decline(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now, json_t **out,
		 char *err, size_t errlen)
{
	json_t *call = NULL;
	int rc = tx->ops->call_get(tx, id, &call);
	if (rc != STORE_OK)
		return store_fail(tx, rc, err, errlen);
	if (jint(call, "offered_to_id") != c->agent_id || !json_is_null(json_object_get(call, "agent_id"))) {
		json_decref(call);
		return fail(409, err, errlen, "this call is not offered to you");
	}
	json_t *declined = json_deep_copy(json_object_get(call, "declined"));
	if (!json_is_array(declined)) {
		json_decref(declined);
		declined = json_array();
	}
	json_array_append_new(declined, json_integer(c->agent_id));
	json_decref(call);
	json_t *set = json_pack("{sssoso}", "state", "queued", "offered_to", json_null(), "declined",
				declined);
	rc = tx->ops->call_set(tx, id, set);
	json_decref(set);
	if (rc == STORE_OK)
		rc = emit_call(tx, id, now, out);
	return rc == STORE_OK ? 200 : store_fail(tx, rc, err, errlen);
}
