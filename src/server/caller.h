/* Who is calling: the roles a bearer token may carry and the caller a
 * request runs for, as authentication (auth.c) fills it in.  Shared by the
 * HTTP glue, the handlers, live chat and the event hub, which filters
 * events by what the caller may see. */
#ifndef GUICHET_SERVER_CALLER_H
#define GUICHET_SERVER_CALLER_H

#include <stdbool.h>
#include <stdint.h>

/* Roles, as bits so that a route lists who may call it. */
enum role {
	ROLE_NONE = 0,
	ROLE_PUBLIC = 1 << 0,     /* a citizen's chat token: reaches its chat only */
	ROLE_SERVICE = 1 << 1,    /* a machine account (PBX bridge) */
	ROLE_AGENT = 1 << 2,
	ROLE_SUPERVISOR = 1 << 3,
	ROLE_ADMIN = 1 << 4,
};
#define ROLES_STAFF (ROLE_AGENT | ROLE_SUPERVISOR | ROLE_ADMIN)
#define ROLES_SUPERVISION (ROLE_SUPERVISOR | ROLE_ADMIN)

#define CALLER_MAX_SERVICES 32

/* Who is calling, from the bearer token. */
struct caller {
	int role;                  /* one ROLE_* bit, ROLE_NONE when anonymous */
	int64_t agent_id;          /* 0 for public tokens */
	int64_t chat_id;           /* public tokens only */
	int64_t token_id;
	unsigned char token_hash[32]; /* what the token is stored as: lets a long
					 stream check it is still valid */
	char login[65];
	int nservices;             /* the agent's skills (service ids) */
	int64_t services[CALLER_MAX_SERVICES];
};

/* True when the caller works in service id (supervisors and admins work in
 * every service). */
bool caller_in_service(const struct caller *c, int64_t service_id);

#endif
