/* The route table: every path of the API with its method, handler, the
 * roles allowed to call it and how it is to be handled.  routes.c holds the
 * table; api_*.c hold the handlers. */
#ifndef GUICHET_SERVER_ROUTES_H
#define GUICHET_SERVER_ROUTES_H

#include <stddef.h>

#include "server/http.h"

typedef void (*route_fn)(struct req *r);

enum route_flags {
	RF_IDEMPOTENT = 1 << 0, /* honours Idempotency-Key (every POST/PATCH but login) */
	RF_STREAM = 1 << 1,     /* long-lived event stream: no idle timeout */
	RF_NO_AUDIT_IP = 1 << 2,
	/* may be an item of POST /api/v1/batch: an idempotent write whose
	 * handler needs no header but Idempotency-Key (no If-Match) and no
	 * query, and never uses api_audit_read (its record is written by
	 * another connection, which would wait for the batch's write lock) */
	RF_BATCH = 1 << 3,
	/* may be opened with ?ticket= instead of a bearer token (a citizen's
	 * EventSource cannot send a header) */
	RF_TICKET = 1 << 4,
};

struct route {
	const char *method;
	const char *pattern;    /* "/api/v1/cases/{id}": {x} matches one segment */
	route_fn fn;
	int roles;              /* ROLE_* bits allowed; ROLE_NONE = no token needed */
	unsigned flags;
};

/* Find the route for method + path, filling r->params.  Returns NULL when
 * none matches; *path_known is then 1 when the path exists with another
 * method (a 405), and allow lists those methods. */
const struct route *routes_match(const char *method, const char *path, struct req *r,
				 int *path_known, char *allow, size_t allowlen);

/* The table, for metrics and documentation checks. */
extern const struct route routes[];
extern const size_t routes_count;

/* Index of a route in the table (metrics). */
size_t routes_index(const struct route *rt);

#endif
