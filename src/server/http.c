/* libmicrohttpd glue: the daemon (TLS 1.2/1.3 with AEAD, forward-secret
 * suites only), limits (body, headers, connections per address, idle
 * timeout), and the life of one request: gather a bounded body, find the
 * route, check the caller, honour Idempotency-Key, run the handler, send
 * its answer; and the items of a batch, run through the same steps
 * (req_sub_new, req_run_route).  Handlers see only struct req (http.h). */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <sodium.h>

#include "core/json_bounded.h"
#include "core/model.h"
#include "core/text.h"
#include "server/auth.h"
#include "server/caller.h"
#include "server/clock.h"
#include "server/hub.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/store.h"
#include "server/tls_cert.h"
#include "server/web.h"

/* Forward secrecy and AEAD only, TLS 1.2 and 1.3.  X25519 first: it is
 * the key share curl, OpenSSL and the browsers send, and GROUP-ALL's
 * P-256 first made every TLS 1.3 client take a HelloRetryRequest, a round
 * trip and five times the server's CPU per handshake. */
static const char TLS_PRIORITIES[] =
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:+ECDHE-ECDSA:+ECDHE-RSA:+AES-256-GCM:+AES-128-GCM:"
	"+CHACHA20-POLY1305:+AEAD:+SIGN-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
	"+GROUP-X448:+GROUP-SECP521R1:+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE";

/* --- connections per client address ------------------------------------ */

#define IPTAB 1024
static struct {
	pthread_mutex_t lock;
	struct { char addr[64]; unsigned n; } slot[IPTAB];
} ips = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void addr_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, n, "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)n);
}

/* Count a connection in or out; returns the count after. */
static unsigned ip_count(const char *addr, int delta)
{
	unsigned h = 5381;
	for (const char *p = addr; *p; p++)
		h = h * 33 + (unsigned char)*p;
	unsigned out = 0;
	pthread_mutex_lock(&ips.lock);
	/* An address keeps its slot when its count falls to 0 (a tombstone),
	 * so that the probe chains of the addresses stored after it stay
	 * whole; a free or tombstone slot is taken only when the address is
	 * nowhere in its chain. */
	int found = -1, spare = -1;
	for (unsigned i = 0; i < IPTAB; i++) {
		unsigned k = (h + i) % IPTAB;
		if (!ips.slot[k].addr[0]) {
			if (spare < 0)
				spare = (int)k;
			break;
		}
		if (strcmp(ips.slot[k].addr, addr) == 0) {
			found = (int)k;
			break;
		}
		if (ips.slot[k].n == 0 && spare < 0)
			spare = (int)k;
	}
	if (found < 0 && delta > 0 && spare >= 0) {
		found = spare;
		snprintf(ips.slot[found].addr, sizeof(ips.slot[found].addr), "%s", addr);
		ips.slot[found].n = 0;
	}
	if (found >= 0) {
		if (delta > 0 || ips.slot[found].n > 0)
			ips.slot[found].n = (unsigned)((int)ips.slot[found].n + delta);
		out = ips.slot[found].n;
	}
	pthread_mutex_unlock(&ips.lock);
	return out;
}

/* cls, here as in on_request and on_completed: the server, which
 * http_start gives to every callback of its daemon. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;
	(void)socket_ctx;
	char addr[64];
	addr_of(c, addr, sizeof(addr));
	ip_count(addr, code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
	metrics_connections(srv->metrics, code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
}

/* --- answers --------------------------------------------------------------- */

void reply_json(struct req *r, int status, json_t *body)
{
	json_decref(r->answer);
	r->answer = body;
	r->status = status;
	r->answered = true;
}

static const struct {
	int status;
	const char *slug;
} problem_types[] = {
	{ 400, "bad-request" },       { 401, "unauthorized" },   { 403, "forbidden" },
	{ 404, "not-found" },         { 405, "method-not-allowed" },
	{ 409, "conflict" },          { 410, "gone" },
	{ 412, "precondition-failed" }, { 413, "payload-too-large" },
	{ 415, "unsupported-media-type" },
	{ 422, "unprocessable" },     { 428, "precondition-required" },
	{ 429, "too-many-requests" }, { 431, "header-fields-too-large" },
	{ 500, "internal-error" },    { 503, "unavailable" },
};

void reply_problem_with(struct req *r, int status, const char *title, const char *detail,
			const char *name, json_t *extra)
{
	const char *slug = "error";
	for (size_t i = 0; i < sizeof(problem_types) / sizeof(problem_types[0]); i++)
		if (problem_types[i].status == status)
			slug = problem_types[i].slug;
	char type[96];
	snprintf(type, sizeof(type), "https://guichet.invalid/problems/%s", slug);
	json_t *p = json_pack("{sssssi}", "type", type, "title", title, "status", status);
	if (detail)
		json_object_set_new(p, "detail", json_string(detail));
	if (r->url)
		json_object_set_new(p, "instance", json_string(r->url));
	if (name && extra)
		json_object_set_new(p, name, extra);
	else
		json_decref(extra);
	reply_json(r, status, p);
	r->raw_type = "application/problem+json";
}

void reply_problem(struct req *r, int status, const char *title, const char *detail)
{
	reply_problem_with(r, status, title, detail, NULL, NULL);
}

void reply_etag(struct req *r, int64_t version)
{
	snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)version);
}

/* --- request helpers ---------------------------------------------------------- */

const char *req_header(struct req *r, const char *name)
{
	if (r->is_sub) {
		for (size_t i = 0; i < REQ_SUB_HEADERS; i++)
			if (r->sub_headers[i][0] && strcasecmp(r->sub_headers[i][0], name) == 0)
				return r->sub_headers[i][1];
		return NULL;
	}
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_query(struct req *r, const char *name)
{
	if (r->is_sub)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static bool parse_i64(const char *s, int64_t *out)
{
	if (!s || !*s || strlen(s) > 18)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return true;
}

int req_param_id(struct req *r, int i, int64_t *out)
{
	if (i >= r->nparams || !parse_i64(r->params[i], out) || *out <= 0) {
		reply_problem(r, 404, "Not found", "no such record");
		return -1;
	}
	return 0;
}

int req_if_match(struct req *r, int64_t *out)
{
	const char *h = req_header(r, "If-Match");
	if (!h)
		return 0;
	char buf[32];
	size_t n = strlen(h);
	if (n >= 2 && n < sizeof(buf) && h[0] == '"' && h[n - 1] == '"') {
		memcpy(buf, h + 1, n - 2);
		buf[n - 2] = '\0';
		h = buf;
	}
	if (!parse_i64(h, out) || *out <= 0) {
		reply_problem(r, 400, "Bad If-Match", "If-Match must be the record's ETag, e.g. \"3\"");
		return -1;
	}
	return 1;
}

int req_page(struct req *r, int def, int max, int *limit, const char **cursor)
{
	const char *l = req_query(r, "limit");
	int64_t v = def;
	if (l && (!parse_i64(l, &v) || v < 1 || v > max)) {
		char msg[80];
		snprintf(msg, sizeof(msg), "limit must be between 1 and %d", max);
		reply_problem(r, 400, "Bad limit", msg);
		return -1;
	}
	*limit = (int)v;
	*cursor = req_query(r, "cursor");
	if (*cursor && (!**cursor || strlen(*cursor) > 600)) {
		reply_problem(r, 400, "Bad cursor", "the cursor is not one this server gave");
		return -1;
	}
	return 0;
}

json_t *req_json(struct req *r, const struct json_bounds *bounds)
{
	const char *ct = req_header(r, "Content-Type");
	if (r->json)
		return r->json;
	if (!r->body_len) {
		reply_problem(r, 400, "Missing body", "this request needs a JSON body");
		return NULL;
	}
	if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
		reply_problem(r, 415, "Unsupported media type", "send application/json");
		return NULL;
	}
	enum json_bounded_error why;
	char err[200];
	r->json = json_bounded_parse(r->body, r->body_len, bounds, &why, err, sizeof(err));
	if (!r->json)
		reply_problem(r, why == JSONB_TOO_BIG ? 413 : 400, "Malformed JSON", err);
	return r->json;
}

json_t *req_body(struct req *r, const struct model_schema *s, enum model_mode mode)
{
	if (!req_json(r, NULL))
		return NULL;
	char err[200];
	if (s && model_check(s, r->json, mode, err, sizeof(err)) < 0) {
		reply_problem(r, 422, "Invalid field", err);
		return NULL;
	}
	return r->json;
}

/* --- the life of a request ----------------------------------------------------- */

static struct req *req_new(struct server *srv, struct MHD_Connection *c, const char *url,
			   const char *method)
{
	struct req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->srv = srv;
	r->conn = c;
	r->url = url;
	r->method = method;
	r->started_ns = now_ns();
	pthread_mutex_init(&r->audit_mu, NULL);
	pthread_cond_init(&r->audit_cv, NULL);
	addr_of(c, r->client_addr, sizeof(r->client_addr));
	return r;
}

static void req_free(struct req *r)
{
	free(r->body);
	json_decref(r->json);
	json_decref(r->answer);
	json_decref(r->problem_extra);
	free(r->raw_answer);
	pthread_mutex_destroy(&r->audit_mu);
	pthread_cond_destroy(&r->audit_cv);
	free(r);
}

/* --- audited reads: the answer waits for its audit record ---------------------- */

/* Connections suspended for their audit record; libmicrohttpd must not be
 * stopped while any is, so http_stop first makes new waits happen in the
 * thread (no_suspend) and lets these drain. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t drained;
	int suspended;
	bool no_suspend;
} audit_waits = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false };

void audit_wait_done(void *arg, bool ok)
{
	struct req *r = arg;
	pthread_mutex_lock(&r->audit_mu);
	bool suspended = r->audit_state == AUDIT_SUSPENDED;
	r->audit_ok = ok;
	r->audit_state = AUDIT_DONE;
	if (suspended)
		http_resume(r->conn);
	pthread_cond_signal(&r->audit_cv);
	pthread_mutex_unlock(&r->audit_mu);
	if (suspended) {
		pthread_mutex_lock(&audit_waits.mu);
		if (--audit_waits.suspended == 0)
			pthread_cond_broadcast(&audit_waits.drained);
		pthread_mutex_unlock(&audit_waits.mu);
	}
}

/* After the handler: suspend the connection while the audit record is on
 * its way (true), or settle the answer now that it is written (false). */
static bool hold_for_audit(struct req *r)
{
	pthread_mutex_lock(&audit_waits.mu);
	bool can_suspend = !audit_waits.no_suspend;
	pthread_mutex_lock(&r->audit_mu);
	bool hold = r->audit_state == AUDIT_PENDING && can_suspend;
	if (hold) {
		audit_waits.suspended++;
		r->audit_state = AUDIT_SUSPENDED;
		http_suspend(r->conn);
	}
	pthread_mutex_unlock(&audit_waits.mu);
	while (r->audit_state == AUDIT_PENDING) /* stopping: wait in the thread */
		pthread_cond_wait(&r->audit_cv, &r->audit_mu);
	if (!hold && r->audit_state == AUDIT_DONE) {
		r->audit_state = AUDIT_NONE;
		if (!r->audit_ok) /* no answer without its audit record */
			reply_problem(r, 503, "Store unavailable", "the audit log cannot be written");
	}
	pthread_mutex_unlock(&r->audit_mu);
	return hold;
}

static bool append_body(struct req *r, const char *data, size_t n)
{
	if (r->body_too_big || r->body_len + n > r->srv->cfg.max_body) {
		r->body_too_big = true;
		return false;
	}
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap * 2 : 4096;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b) {
			r->body_too_big = true;
			return false;
		}
		r->body = b;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return true;
}

struct req *req_sub_new(const struct req *outer, const char *method, const char *url,
			const char *body, size_t body_len, const char *idem_key)
{
	struct req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->srv = outer->srv;
	r->conn = outer->conn;
	r->method = method;
	r->url = url;
	r->caller = outer->caller;
	memcpy(r->client_addr, outer->client_addr, sizeof(r->client_addr));
	r->started_ns = now_ns();
	r->is_sub = true;
	r->sub_headers[0][0] = "Idempotency-Key";
	r->sub_headers[0][1] = idem_key;
	r->sub_headers[1][0] = "Content-Type";
	r->sub_headers[1][1] = "application/json";
	pthread_mutex_init(&r->audit_mu, NULL);
	pthread_cond_init(&r->audit_cv, NULL);
	if (body_len && !append_body(r, body, body_len)) {
		req_free(r);
		return NULL;
	}
	return r;
}

void req_sub_free(struct req *sub)
{
	if (sub)
		req_free(sub);
}

static void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
	if (value && *value)
		MHD_add_response_header(resp, name, value);
}

/* The public API answers the web origins the administrator allowed
 * (--chat-origin), so that a commune's own page may call it. */
static void add_cors(struct req *r, struct MHD_Response *resp)
{
	if (strncmp(r->url, "/public/", 8) != 0)
		return;
	const char *origin = req_header(r, "Origin");
	if (!web_origin_allowed(&r->srv->cfg, origin))
		return;
	add_header(resp, "Access-Control-Allow-Origin", origin);
	add_header(resp, "Vary", "Origin");
	add_header(resp, "Access-Control-Expose-Headers", "Location, Retry-After");
	if (strcmp(r->method, "OPTIONS") == 0) {
		add_header(resp, "Access-Control-Allow-Methods", "GET, POST");
		add_header(resp, "Access-Control-Allow-Headers",
			   "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
		add_header(resp, "Access-Control-Max-Age", "600");
	}
}

/* The chat page's guard: a strict CSP (no inline script or style), no
 * referrer, no MIME sniffing (sent for every answer). */
static void add_page_guard(struct req *r, struct MHD_Response *resp)
{
	add_header(resp, "Content-Security-Policy", r->srv->web_csp);
	add_header(resp, "Referrer-Policy", "no-referrer");
	add_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	add_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

static enum MHD_Result send_answer(struct req *r)
{
	if (!r->answered)
		reply_problem(r, 500, "Internal error", "the request was not answered");
	char *body = r->raw_answer;
	r->raw_answer = NULL;
	if (!body && r->answer)
		body = json_bounded_dump(r->answer);
	size_t len = body ? strlen(body) : 0;
	struct MHD_Response *resp =
		r->static_body ? MHD_create_response_from_buffer(r->static_len, (void *)r->static_body,
								  MHD_RESPMEM_PERSISTENT)
		: MHD_create_response_from_buffer(len, body ? body : (char *)"",
						  body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	add_header(resp, "Content-Type", body || r->static_body
						 ? (r->raw_type ? r->raw_type : "application/json")
						 : NULL);
	add_header(resp, "Retry-After", r->retry_after);
	add_cors(r, resp);
	if (r->web_page)
		add_page_guard(r, resp);
	add_header(resp, "ETag", r->etag);
	add_header(resp, "Location", r->location);
	add_header(resp, "Allow", r->allow);
	add_header(resp, "Cache-Control",
		   r->cache_control && r->status == 200 ? r->cache_control : "no-store");
	add_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->status == 429 || r->status == 413 || r->status == 431)
		add_header(resp, "Connection", "close");
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* A stream opened with ?ticket= (auth.h): the token it names, if the
 * ticket is good.  Returns 0, or -1 with a 401. */
static int authenticate_ticket(struct req *r, struct store_tx *tx, const char *ticket)
{
	unsigned char hash[32];
	int rc = STORE_NOT_FOUND;
	if (auth_ticket_check(r->srv->ticket_key, ticket, now_s(), hash) == 0)
		rc = auth_hash_caller(tx, hash, now_s(), &r->caller);
	sodium_memzero(hash, sizeof(hash));
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOT_FOUND)
		reply_problem(r, 401, "Invalid ticket",
			      "the ticket is damaged or expired, or its chat's token is: ask for a"
			      " new one");
	else
		reply_problem(r, 503, "Store unavailable", store_tx_error(tx));
	return -1;
}

/* Resolve the bearer token into r->caller.  Returns 0, or -1 with a 401. */
static int authenticate(struct req *r, struct store_tx *tx)
{
	const char *h = req_header(r, "Authorization");
	const char *ticket = req_query(r, "ticket");
	if (!h && ticket && (r->route->flags & RF_TICKET))
		return authenticate_ticket(r, tx, ticket);
	if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
		reply_problem(r, 401, "Authentication required", "send Authorization: Bearer <token>");
		return -1;
	}
	int rc = auth_token_caller(tx, h + 7, now_s(), &r->caller);
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOT_FOUND)
		reply_problem(r, 401, "Invalid token", "the token is unknown, expired or revoked");
	else
		reply_problem(r, 503, "Store unavailable", store_tx_error(tx));
	return -1;
}

static void idem_caller(const struct req *r, char *out, size_t n)
{
	if (r->caller.agent_id)
		snprintf(out, n, "agent:%lld", (long long)r->caller.agent_id);
	else if (r->caller.chat_id)
		snprintf(out, n, "chat:%lld", (long long)r->caller.chat_id);
	else
		snprintf(out, n, "addr:%s", r->client_addr);
}

static void idem_hash(const struct req *r, unsigned char out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, (const unsigned char *)r->method, strlen(r->method) + 1);
	crypto_generichash_update(&h, (const unsigned char *)r->url, strlen(r->url) + 1);
	if (r->body_len)
		crypto_generichash_update(&h, (const unsigned char *)r->body, r->body_len);
	crypto_generichash_final(&h, out, 32);
}

bool idem_key_ok(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > REQ_IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] > '~')
			return false;
	return true;
}

/* Before the handler: claim the key, or answer from the first request.
 * Returns 1 to run the handler, 0 when answered already. */
static int idem_begin(struct req *r, struct store_tx *tx)
{
	const char *key = req_header(r, "Idempotency-Key");
	/* An anonymous caller (a citizen starting a chat) has no identity to
	 * scope the key by: a stored answer holds its chat token, which anyone
	 * behind the same address replaying the key would receive. */
	if (!key || (!r->caller.agent_id && !r->caller.chat_id))
		return 1;
	if (!idem_key_ok(key)) {
		reply_problem(r, 400, "Bad Idempotency-Key", "1 to 128 printable characters");
		return 0;
	}
	char caller[96];
	unsigned char hash[32];
	struct idem_record rec = { 0 };
	idem_caller(r, caller, sizeof(caller));
	idem_hash(r, hash);
	int64_t now = now_s();
	int rc = tx->ops->idem_claim(tx, caller, key, hash, now, &rec);
	if (rc == STORE_OK) {
		snprintf(r->idem_key, sizeof(r->idem_key), "%s", key);
		r->idem_claimed_at = now;
		return 1;
	}
	if (rc != STORE_EXISTS) {
		reply_problem(r, 503, "Store unavailable", store_tx_error(tx));
	} else if (memcmp(rec.hash, hash, 32) != 0) {
		reply_problem(r, 422, "Idempotency-Key reused",
			      "this key was used for a different request");
	} else if (rec.state == 0) {
		reply_problem(r, 409, "Request in progress",
			      "the first request with this key is still running; retry later");
	} else {
		r->status = rec.status;
		r->raw_answer = rec.body;
		rec.body = NULL;
		r->raw_type = rec.status >= 400 ? "application/problem+json" : "application/json";
		snprintf(r->etag, sizeof(r->etag), "%s", rec.etag);
		snprintf(r->location, sizeof(r->location), "%s", rec.location);
		r->answered = true;
		r->idem_stored = true;
	}
	free(rec.body);
	return 0;
}

int req_commit(struct req *r, struct store_tx *tx)
{
	if (r->idem_key[0]) {
		char caller[96];
		idem_caller(r, caller, sizeof(caller));
		char *body = r->answer ? json_bounded_dump(r->answer) : NULL;
		int rc = tx->ops->idem_finish(tx, caller, r->idem_key, r->idem_claimed_at, r->status,
					      body, r->etag, r->location);
		free(body);
		if (rc == STORE_CONFLICT) {
			/* a retry took this claim over as a dead node's: it runs,
			 * this one leaves nothing, and the next retry replays */
			tx->ops->rollback(tx);
			reply_problem(r, 409, "Request in progress",
				      "this request was taken over by a retry; retry later");
			return -1;
		}
		if (rc != STORE_OK) {
			tx->ops->rollback(tx);
			reply_problem(r, 503, "Store unavailable", store_tx_error(tx));
			return -1;
		}
	}
	if (tx->ops->commit(tx) != STORE_OK) {
		reply_problem(r, 503, "Store unavailable", store_tx_error(tx));
		return -1;
	}
	r->idem_stored = r->idem_key[0] != '\0';
	/* an item's events are not committed yet: its batch wakes the hub */
	if (r->emitted && !r->is_sub)
		hub_notify(r->srv->hub);
	return 0;
}

static void run(struct req *r, const char *url, const char *method)
{
	if (strcmp(method, "OPTIONS") == 0 && strncmp(url, "/public/", 8) == 0) {
		reply_json(r, 204, NULL); /* a CORS preflight: add_cors answers it */
		return;
	}
	int path_known = 0;
	const struct route *rt = routes_match(method, url, r, &path_known, r->allow, sizeof(r->allow));
	r->route = rt;
	if (!rt) {
		if (path_known)
			reply_problem(r, 405, "Method not allowed", NULL);
		else
			reply_problem(r, 404, "Not found", "no such path");
		return;
	}
	r->allow[0] = '\0';
	if (r->body_too_big) {
		reply_problem(r, 413, "Payload too large", "the request body is over the limit");
		return;
	}
	struct store_tx *tx = store_tx_get(r->srv->store);
	if (!tx) {
		reply_problem(r, 503, "Store unavailable", "cannot open the database");
		return;
	}
	if (rt->roles != ROLE_NONE && authenticate(r, tx) < 0)
		return;
	req_run_route(r, rt, tx);
}

void req_run_route(struct req *r, const struct route *rt, struct store_tx *tx)
{
	r->route = rt;
	if (rt->roles != ROLE_NONE && !(rt->roles & r->caller.role)) {
		reply_problem(r, 403, "Forbidden", "your role may not do this");
		return;
	}
	if ((rt->flags & RF_IDEMPOTENT) && !idem_begin(r, tx))
		return;
	rt->fn(r);
	tx->ops->rollback(tx); /* a handler that failed half-way leaves nothing */
	if (r->idem_key[0] && !r->idem_stored) {
		char caller[96];
		idem_caller(r, caller, sizeof(caller));
		tx->ops->idem_release(tx, caller, r->idem_key, r->idem_claimed_at);
	}
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct req *r = cls;
	long n = r->stream_read(r->stream, r->conn, pos, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_done(void *cls)
{
	struct req *r = cls;
	if (r->stream_free)
		r->stream_free(r->stream);
	r->stream = NULL;
	req_free(r);
}

static enum MHD_Result send_stream(struct req *r)
{
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, r, stream_done);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	add_cors(r, resp);
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	enum MHD_Result ok = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct server *srv = cls;
	(void)version;
	struct req *r = *con_cls;
	if (!r) {
		r = req_new(srv, c, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (ip_count(r->client_addr, 0) > r->srv->cfg.max_conn_per_ip) {
			reply_problem(r, 429, "Too many connections", "too many connections from your address");
			return send_answer(r);
		}
		if (cl && strtoull(cl, NULL, 10) > r->srv->cfg.max_body) {
			reply_problem(r, 413, "Payload too large", "the request body is over the limit");
			return send_answer(r);
		}
		return MHD_YES;
	}
	if (r->answered && !r->status) /* never */
		return MHD_NO;
	if (r->audit_state == AUDIT_DONE) { /* resumed: its audit record is written */
		hold_for_audit(r);
		return send_answer(r);
	}
	if (*upload_size) {
		append_body(r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->answered) /* answered early (413, 429): nothing more to do */
		return MHD_YES;
	run(r, url, method);
	if (r->event_stream)
		return send_stream(r);
	if (hold_for_audit(r))
		return MHD_YES;
	return send_answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	(void)c;
	(void)toe;
	struct req *r = *con_cls;
	if (!r)
		return;
	metrics_request(srv->metrics, r->route ? routes_index(r->route) : routes_count,
			r->status, now_ns() - r->started_ns);
	if (!r->event_stream)
		req_free(r);
	*con_cls = NULL;
}

/* --- the daemon ----------------------------------------------------------------- */

static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *port;
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (!end || end[1] != ':' || (size_t)(end - spec) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(end - spec - 1), spec + 1);
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai = NULL;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr);
	return false;
}

static int open_listener(struct server *srv, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, 1024) < 0) {
		fprintf(stderr, "guichetd: cannot listen on %s: %s\n", srv->cfg.listen, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);
	getsockname(fd, (struct sockaddr *)&got, &gl);
	srv->port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
						   : ((struct sockaddr_in6 *)&got)->sin6_port);
	return fd;
}

static char *tls_cert_pem, *tls_key_pem;

static int load_tls(struct server *srv, char **cert, char **key)
{
	char cpath[1100], kpath[1100], err[300];
	snprintf(cpath, sizeof(cpath), "%s", srv->cfg.cert_file[0] ? srv->cfg.cert_file : "");
	snprintf(kpath, sizeof(kpath), "%s", srv->cfg.key_file[0] ? srv->cfg.key_file : "");
	if (!cpath[0])
		snprintf(cpath, sizeof(cpath), "%s/%s", srv->cfg.data_dir, TLS_SERVER_CERT);
	if (!kpath[0])
		snprintf(kpath, sizeof(kpath), "%s/%s", srv->cfg.data_dir, TLS_SERVER_KEY);
	*cert = tls_cert_read_pem(cpath, err, sizeof(err));
	*key = *cert ? tls_cert_read_pem(kpath, err, sizeof(err)) : NULL;
	if (!*cert || !*key) {
		fprintf(stderr, "guichetd: %s\n(give --cert and --key, or run `guichetd init`)\n", err);
		free(*cert);
		if (*key)
			sodium_memzero(*key, strlen(*key));
		free(*key);
		return -1;
	}
	return 0;
}


/* libmicrohttpd's own messages go to guichetd's log (so --quiet holds for
 * them too).  A reader gone in the middle of its event stream is ordinary
 * life (a desk closed, a laptop asleep), not worth a line each time. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strstr(msg, "no longer available for sending"))
		return;
	/* a message may quote what a client sent: no control byte reaches the
	 * log (nor the terminal of whoever tails it) */
	char *clean = text_sanitize(msg, strlen(msg), 0);
	server_log("libmicrohttpd: %s", clean ? clean : "(message dropped: out of memory)");
	free(clean);
}

int http_start(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (parse_listen(srv->cfg.listen, &ss, &sslen) < 0) {
		fprintf(stderr, "guichetd: bad --listen address: %s (use HOST:PORT or [V6]:PORT)\n",
			srv->cfg.listen);
		return -1;
	}
	if (srv->cfg.plain_http && !is_loopback(&ss)) {
		fprintf(stderr, "guichetd: plain HTTP is only allowed on a loopback address\n");
		return -1;
	}
	char *cert = NULL, *key = NULL;
	if (!srv->cfg.plain_http && load_tls(srv, &cert, &key) < 0)
		return -1;
	int fd = open_listener(srv, &ss, sslen);
	if (fd < 0)
		goto fail;
	/* poll, not epoll: libmicrohttpd 0.9.75's epoll loop spins on a TLS
	 * handshake that waits for the client (a core per such connection,
	 * seen at every reconnection wave); suspended streams leave the poll
	 * set, so each worker polls only its active connections. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | (srv->cfg.plain_http ? 0 : MHD_USE_TLS);
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};
	/* Every callback finds the server in its closure pointer (cls): no
	 * global, so that the glue serves the server it was started for. */
	srv->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_conn_per_ip + 16,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->cfg.max_header,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_ARRAY, srv->cfg.plain_http ? &tls_opts[3] : tls_opts,
		MHD_OPTION_END);
	if (!srv->daemon) {
		fprintf(stderr, "guichetd: cannot start the HTTP server on %s\n", srv->cfg.listen);
		close(fd);
		goto fail;
	}
	/* libmicrohttpd reads the PEM data through these pointers: keep them
	 * until the daemon stops */
	tls_cert_pem = cert;
	tls_key_pem = key;
	return 0;
fail:
	free(cert);
	if (key)
		sodium_memzero(key, strlen(key));
	free(key);
	return -1;
}

void http_stop(struct server *srv)
{
	pthread_mutex_lock(&audit_waits.mu);
	audit_waits.no_suspend = true;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30; /* the audit writer answers in milliseconds; never hang a stop */
	while (audit_waits.suspended > 0 &&
	       pthread_cond_timedwait(&audit_waits.drained, &audit_waits.mu, &until) == 0)
		;
	pthread_mutex_unlock(&audit_waits.mu);
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	free(tls_cert_pem);
	if (tls_key_pem)
		sodium_memzero(tls_key_pem, strlen(tls_key_pem));
	free(tls_key_pem);
	tls_cert_pem = tls_key_pem = NULL;
}

void http_resume(struct MHD_Connection *c)
{
	MHD_resume_connection(c);
}

void http_suspend(struct MHD_Connection *c)
{
	MHD_suspend_connection(c);
}
