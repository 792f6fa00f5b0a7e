/* The route table of guichetd: every path, who may call it, how. */
#include "server/routes.h"

#include <stdio.h>
#include <string.h>

#include "server/caller.h"
#include "server/handlers.h"

#define STAFF ROLES_STAFF
#define SUPER ROLES_SUPERVISION
#define IDEM RF_IDEMPOTENT
#define BATCH (RF_IDEMPOTENT | RF_BATCH)

const struct route routes[] = {
	{ "GET", "/healthz", api_healthz, ROLE_NONE, 0 },
	{ "GET", "/metrics", api_metrics, ROLE_NONE, 0 },
	{ "POST", "/api/v1/auth/login", api_login, ROLE_NONE, 0 },
	{ "DELETE", "/api/v1/auth/token", api_logout, STAFF | ROLE_SERVICE, 0 },
	{ "GET", "/api/v1/me", api_me, STAFF, 0 },
	{ "PUT", "/api/v1/me/presence", api_me_presence, STAFF, IDEM },
	{ "GET", "/api/v1/services", api_services, STAFF, 0 },
	{ "PATCH", "/api/v1/services/{slug}", api_service_patch, ROLE_ADMIN, IDEM },
	{ "GET", "/api/v1/agents", api_agents, STAFF, 0 },
	{ "PATCH", "/api/v1/agents/{login}", api_agent_patch, SUPER, IDEM },
	{ "PUT", "/api/v1/agents/{login}/presence", api_agent_presence, SUPER, IDEM },
	{ "GET", "/api/v1/citizens", api_citizen_search, STAFF, 0 },
	{ "POST", "/api/v1/citizens", api_citizen_create, STAFF, IDEM },
	{ "GET", "/api/v1/citizens/{id}", api_citizen_get, STAFF, 0 },
	{ "PATCH", "/api/v1/citizens/{id}", api_citizen_patch, STAFF, IDEM },
	{ "GET", "/api/v1/citizens/{id}/timeline", api_citizen_timeline, STAFF, 0 },
	{ "PUT", "/api/v1/citizens/{id}/viewing", api_citizen_viewing_put, STAFF, 0 },
	{ "DELETE", "/api/v1/citizens/{id}/viewing", api_citizen_viewing_delete, STAFF, 0 },
	{ "POST", "/api/v1/citizens/{id}/merge", api_citizen_merge, STAFF, IDEM },
	{ "GET", "/api/v1/merges/{id}", api_merge_get, STAFF, 0 },
	{ "POST", "/api/v1/merges/{id}/undo", api_merge_undo, STAFF, IDEM },
	{ "GET", "/api/v1/cases", api_case_list, STAFF, 0 },
	{ "POST", "/api/v1/cases", api_case_create, STAFF, IDEM },
	{ "GET", "/api/v1/cases/{id}", api_case_get, STAFF, 0 },
	{ "PATCH", "/api/v1/cases/{id}", api_case_patch, STAFF, IDEM },
	{ "GET", "/api/v1/cases/{id}/events", api_case_events, STAFF, 0 },
	{ "POST", "/api/v1/cases/{id}/notes", api_case_note, STAFF, BATCH },
	{ "PUT", "/api/v1/cases/{id}/viewing", api_case_viewing_put, STAFF, 0 },
	{ "DELETE", "/api/v1/cases/{id}/viewing", api_case_viewing_delete, STAFF, 0 },
	{ "POST", "/api/v1/cases/{id}/transfer", api_case_transfer, STAFF, IDEM },
	{ "POST", "/api/v1/interactions", api_interaction_create, STAFF, BATCH },
	{ "GET", "/api/v1/interactions/{id}", api_interaction_get, STAFF, 0 },
	{ "GET", "/api/v1/chats", api_chat_list, STAFF, 0 },
	{ "GET", "/api/v1/chats/{id}", api_chat_get, STAFF, 0 },
	{ "POST", "/api/v1/chats/{id}/accept", api_chat_accept, STAFF, IDEM },
	{ "POST", "/api/v1/chats/{id}/decline", api_chat_decline, STAFF, IDEM },
	{ "POST", "/api/v1/chats/{id}/reassign", api_chat_reassign, SUPER, IDEM },
	{ "POST", "/api/v1/chats/{id}/messages", api_chat_message, STAFF, BATCH },
	{ "POST", "/api/v1/chats/{id}/close", api_chat_close, STAFF, IDEM },
	{ "POST", "/api/v1/chats/{id}/typing", api_chat_typing, STAFF, 0 },
	{ "GET", "/api/v1/calls", api_call_list, STAFF, 0 },
	{ "POST", "/api/v1/calls/{id}/accept", api_call_accept, STAFF, IDEM },
	{ "POST", "/api/v1/calls/{id}/decline", api_call_decline, STAFF, IDEM },
	{ "POST", "/api/v1/telephony/events", api_telephony_event, ROLE_SERVICE | ROLE_ADMIN, IDEM },
	{ "GET", "/api/v1/events", api_events, STAFF, RF_STREAM },
	{ "GET", "/api/v1/monitor", api_monitor, SUPER, 0 },
	{ "GET", "/api/v1/templates", api_templates, STAFF, 0 },
	{ "GET", "/api/v1/kb", api_kb, STAFF, 0 },
	{ "GET", "/api/v1/audit", api_audit_list, SUPER, 0 },
	/* not idempotent itself: each item has its own key */
	{ "POST", "/api/v1/batch", api_batch, STAFF, 0 },
	{ "POST", "/public/v1/chats", api_public_chat_start, ROLE_NONE, IDEM },
	{ "GET", "/public/v1/chats/{id}", api_public_chat_get, ROLE_PUBLIC, 0 },
	{ "POST", "/public/v1/chats/{id}/messages", api_public_chat_message, ROLE_PUBLIC, IDEM },
	{ "POST", "/public/v1/chats/{id}/survey", api_public_chat_survey, ROLE_PUBLIC, IDEM },
	{ "POST", "/public/v1/chats/{id}/ticket", api_public_chat_ticket, ROLE_PUBLIC, 0 },
	{ "GET", "/public/v1/chats/{id}/events", api_public_chat_events, ROLE_PUBLIC,
	  RF_STREAM | RF_TICKET },
	{ "GET", "/public/v1/subjects", api_public_subjects, ROLE_NONE, 0 },
	{ "GET", "/public/v1/quality", api_public_quality, ROLE_NONE, 0 },
	{ "GET", "/chat", api_web_chat, ROLE_NONE, 0 },
	{ "GET", "/chat/{file}", api_web_file, ROLE_NONE, 0 },
};
const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

size_t routes_index(const struct route *rt)
{
	return (size_t)(rt - routes);
}

/* Match one pattern against a path, capturing {x} segments. */
static int match(const char *pat, const char *path, struct req *r)
{
	int n = 0;
	while (*pat && *path) {
		if (*pat == '{') {
			const char *pend = strchr(pat, '}');
			const char *send = strchr(path, '/');
			size_t len = send ? (size_t)(send - path) : strlen(path);
			if (!pend || len == 0 || len >= sizeof(r->params[0]) || n >= REQ_MAX_PARAMS)
				return 0;
			memcpy(r->params[n], path, len);
			r->params[n++][len] = '\0';
			pat = pend + 1;
			path += len;
			continue;
		}
		if (*pat++ != *path++)
			return 0;
	}
	if (*pat || *path)
		return 0;
	r->nparams = n;
	return 1;
}

const struct route *routes_match(const char *method, const char *path, struct req *r,
				 int *path_known, char *allow, size_t allowlen)
{
	*path_known = 0;
	allow[0] = '\0';
	const struct route *found = NULL;
	for (size_t i = 0; i < routes_count; i++) {
		if (!match(routes[i].pattern, path, r))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			found = &routes[i];
			break;
		}
		*path_known = 1;
		size_t used = strlen(allow);
		snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", routes[i].method);
	}
	if (found)
		match(found->pattern, path, r); /* params of the route found */
	return found;
}
