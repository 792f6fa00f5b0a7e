/* The HTTP side of guichetd: one `struct req` per request, filled by the
 * libmicrohttpd glue (http.c), routed by the route table (routes.c), and
 * answered by a handler through the reply_* functions below.  A handler
 * never touches libmicrohttpd itself. */
#ifndef GUICHET_SERVER_HTTP_H
#define GUICHET_SERVER_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "server/caller.h"

struct MHD_Connection;
struct route;
struct server;
struct store_tx;

#define REQ_MAX_PARAMS 3
#define REQ_IDEM_KEY_MAX 128          /* an Idempotency-Key's bytes, at most */
#define REQ_SUB_HEADERS 2

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	const struct route *route;
	const char *method;          /* owned by libmicrohttpd */
	const char *url;             /* path without the query, owned by libmicrohttpd */
	char params[REQ_MAX_PARAMS][128]; /* {x} segments of the path, in order */
	int nparams;
	char client_addr[64];
	struct caller caller;
	char idem_key[REQ_IDEM_KEY_MAX + 1]; /* Idempotency-Key, "" when none */
	int64_t idem_claimed_at;     /* its claim's stamp (store.h idem_claim) */

	/* Body, bounded by cfg.max_body. */
	char *body;
	size_t body_len, body_cap;
	bool body_too_big;
	json_t *json;                /* parsed body (owned), NULL when none */

	/* The answer a handler sets. */
	int status;
	json_t *answer;              /* owned; NULL for an empty body */
	char *raw_answer;            /* owned; pre-serialised body (replays, metrics) */
	const char *raw_type;        /* content type of raw_answer */
	char etag[32];
	char location[160];
	char allow[64];
	char retry_after[12];        /* seconds, for a 429 */
	const char *cache_control;   /* static string; NULL: no-store */
	const char *static_body;     /* a file of the binary (the chat page), not freed */
	size_t static_len;
	bool web_page;               /* send the page's guard headers (CSP…) */
	char problem_extra_name[32]; /* optional member added to problem+json */
	json_t *problem_extra;       /* owned */
	bool answered;
	bool idem_stored;            /* the idempotency record is written */
	bool emitted;                /* events were appended: wake the hub on commit */
	bool event_stream;           /* the handler turned this into an SSE stream */
	void *stream;                /* freed by stream_free when the connection ends */
	long (*stream_read)(void *stream, struct MHD_Connection *c, uint64_t pos, char *buf,
			    size_t max);
	void (*stream_free)(void *stream);

	/* An audited read: the answer waits, with the connection suspended
	 * (not the thread), until the audit record is committed. */
	pthread_mutex_t audit_mu;
	pthread_cond_t audit_cv;     /* the record is written (when waiting in the thread) */
	int audit_state;             /* AUDIT_NONE, _PENDING, _SUSPENDED, _DONE */
	bool audit_ok;

	uint64_t started_ns;

	/* An item of a batch (req_sub_new) has no headers nor query string of
	 * its own: req_header answers from sub_headers (name, value pairs,
	 * borrowed), req_query with NULL, never from the connection. */
	bool is_sub;
	const char *sub_headers[REQ_SUB_HEADERS][2];
};

enum { AUDIT_NONE, AUDIT_PENDING, AUDIT_SUSPENDED, AUDIT_DONE };

/* Hold the answer of r until its audit record (already submitted) is
 * committed: audit_wait_done is the writer's callback. */
void audit_wait_done(void *arg, bool ok);

/* --- answers ---------------------------------------------------------- */

/* Answer with a JSON body; takes ownership of body (may be NULL). */
void reply_json(struct req *r, int status, json_t *body);

/* Answer with RFC 9457 problem+json: type is derived from the status,
 * `detail` is free text for a human (never a secret, never citizen text). */
void reply_problem(struct req *r, int status, const char *title, const char *detail);

/* Like reply_problem, with one more member (e.g. "current" holding the
 * current record on a 412); takes ownership of extra. */
void reply_problem_with(struct req *r, int status, const char *title, const char *detail,
			const char *name, json_t *extra);

/* Set the ETag from a record's version. */
void reply_etag(struct req *r, int64_t version);

/* --- request helpers ---------------------------------------------------- */

/* A request header, or NULL (owned by libmicrohttpd, valid for the request). */
const char *req_header(struct req *r, const char *name);

/* An Idempotency-Key as the API takes it: 1 to REQ_IDEM_KEY_MAX
 * printable ASCII characters, no space. */
bool idem_key_ok(const char *key);

/* The body parsed as JSON (bounds: NULL for the usual ones), kept in r:
 * borrowed; NULL with 400, 413 or 415 answered. */
struct json_bounds;
json_t *req_json(struct req *r, const struct json_bounds *bounds);

/* A query argument, or NULL. */
const char *req_query(struct req *r, const char *name);

/* Parse path parameter i as a positive id; answers 404 and returns -1 when
 * it is not one. */
int req_param_id(struct req *r, int i, int64_t *out);

/* The If-Match version: 1 and *out set; 0 when the header is missing (the
 * caller answers 428); -1 (and a 400 answered) when malformed. */
int req_if_match(struct req *r, int64_t *out);

/* Parse ?limit= (default def, at most max) and ?cursor=; answers 400 and
 * returns -1 on a bad value. */
int req_page(struct req *r, int def, int max, int *limit, const char **cursor);

/* The parsed JSON body validated against a schema; answers 400/415/422 and
 * returns NULL when it is missing or wrong.  Borrowed (owned by r). */
struct model_schema;
enum model_mode;
json_t *req_body(struct req *r, const struct model_schema *s, enum model_mode mode);

/* --- the daemon ------------------------------------------------------- */

/* Start libmicrohttpd on cfg.listen with TLS (or plain HTTP on loopback when
 * asked); fills srv->daemon and srv->port.  Returns 0 or -1 with a message
 * on stderr. */
int http_start(struct server *srv);
void http_stop(struct server *srv);

/* Resume a suspended event-stream connection (thread-safe).  The hub is
 * given these two at its creation (server.c), so that it never calls into
 * the HTTP glue itself. */
void http_resume(struct MHD_Connection *c);

/* Suspend an event-stream connection; only from its stream_read. */
void http_suspend(struct MHD_Connection *c);

/* --- sub-requests: the items of a batch (api_batch.c) -------------------- */

/* A request made on behalf of outer: on its connection, for its caller
 * (already authenticated), from its address; method and url are borrowed
 * (they must outlive it), the body is copied; its Idempotency-Key header is
 * idem_key (borrowed) and its Content-Type application/json, as a single
 * request would send.  Route it with routes_match (which fills its params)
 * and run it with req_run_route.  NULL when out of memory. */
struct req *req_sub_new(const struct req *outer, const char *method, const char *url,
			const char *body, size_t body_len, const char *idem_key);
void req_sub_free(struct req *sub);

/* Run a request already routed to rt, its caller known: the role check,
 * the Idempotency-Key (a stored answer replayed, or the key claimed), the
 * handler, then nothing left behind when it did not commit (its
 * transaction rolled back, its claim released).  What every request does
 * after authentication; a batch does it for each item. */
void req_run_route(struct req *r, const struct route *rt, struct store_tx *tx);

/* Commit the request's write transaction, storing the answer already set
 * for its Idempotency-Key in the same transaction, so that a replay can
 * never run the write twice; wakes the event hub when the request emitted
 * events (the batch does it for its items, after its own commit).  Returns
 * 0, or -1 with a 503 answered. */
int req_commit(struct req *r, struct store_tx *tx);

#endif
