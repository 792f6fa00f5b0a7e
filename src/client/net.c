/* The desk's network (see net.h).  Each request is one easy handle in the
 * multi handle, with a bounded buffer for its answer; the event stream is
 * one more, fed to the SSE parser as bytes arrive, and opened again by
 * net_poll when it ends or falls silent.  Nothing the desk gave as a
 * callback runs inside a libcurl callback: answers are finished, and
 * events and state changes queued, until curl has returned. */
#include "client/net.h"

#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/sse.h"
#include "core/json_bounded.h"

#define ANSWER_MAX     ((size_t)8 << 20) /* bytes of one answer */
#define SSE_LINE_MAX   ((size_t)64 << 10)
#define SSE_EVENT_MAX  ((size_t)1 << 20)
#define BACKOFF_MIN    500L
#define BACKOFF_MAX    30000L
#define DEAD_AFTER     45000L
#define TOKEN_MAX      512
#define KEY_MAX        128  /* Idempotency-Key, If-Match, Last-Event-ID */
#define PATH_MAX_LEN   4096
#define HEADER_MAX     (TOKEN_MAX + 64)

/* A growing buffer that refuses to grow past its bound. */
struct buf {
	char *p;
	size_t len, cap;
	bool too_big;
};

struct request {
	struct net *n;
	CURL *easy;
	struct curl_slist *headers;
	char *body_out;            /* the request body: curl reads it during the transfer */
	struct buf answer;
	CURLcode code;
	char etag[80], location[512];
	char errbuf[CURL_ERROR_SIZE];
	net_done_fn done;
	void *arg;
	struct request *next;
};

/* Something for the stream's callbacks, delivered by net_poll in order. */
struct note {
	struct note *next;
	bool is_state;
	enum net_state state;
	const char *type, *id;     /* into text */
	size_t len;
	char text[];               /* data, NUL, type, NUL, id, NUL */
};

struct stream {
	bool wanted;
	CURL *easy;
	struct curl_slist *headers;
	struct sse_parser *sse;
	net_event_fn on_event;
	net_state_fn on_state;
	void *arg;
	enum net_state state, told;  /* now, and as on_state last heard it */
	bool broken;                 /* the parser refused the stream */
	struct note *notes, **tail;
	long backoff_ms, backoff_kept, retry_ms;
	bool refused;             /* answered 401: the session is over */
	bool gone;                /* answered 410: the events after ours are purged */
	bool reset;               /* so the stream starts again from now (net_events_reset) */
	int64_t next_try_ms, last_byte_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct net {
	CURLM *multi;
	struct loop *loop;
	bool own_loop;
	int curl_timer, tend_timer;  /* loop timer ids; 0: none */
	int *socks;                  /* the sockets curl asked the loop to watch */
	size_t nsocks, capsocks;
	char *base, *cacert;
	char token[TOKEN_MAX + 1];
	long connect_timeout_ms, request_timeout_ms, dead_after_ms;
	struct request *requests;
	struct stream ev;
};

static int loop_attach(struct net *n);
static void tend_schedule(struct net *n);

static int64_t now_ms(void)
{
	return loop_now_ms();
}

/* True when s is 1 to max bytes of printable ASCII without space: what a
 * header value or a URL may carry without quoting. */
static bool printable(const char *s, size_t max)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (i >= max || (unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return i > 0;
}

static bool is_method(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (i >= 16 || s[i] < 'A' || s[i] > 'Z')
			return false;
	return i > 0;
}

/* Append one formatted header line to *list; the list is unchanged on
 * failure.  The line may hold the token, so the stack copy is wiped. */
static int add_header(struct curl_slist **list, const char *fmt, ...)
{
	char line[HEADER_MAX];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	struct curl_slist *grown = k >= 0 && (size_t)k < sizeof(line)
					   ? curl_slist_append(*list, line) : NULL;
	sodium_memzero(line, sizeof(line));
	if (!grown)
		return -1;
	*list = grown;
	return 0;
}

/* Free a header list, wiping every line first (one holds the token). */
static void headers_free(struct curl_slist *h)
{
	for (struct curl_slist *p = h; p; p = p->next)
		sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

/* Append len bytes; false past the bound (too_big set) or when memory runs
 * out.  Always NUL-terminated. */
static bool buf_add(struct buf *b, const char *data, size_t len)
{
	if (len > ANSWER_MAX - b->len) {
		b->too_big = true;
		return false;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *grown = realloc(b->p, cap);
		if (!grown)
			return false;
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return true;
}

/* --- the net itself ------------------------------------------------------------- */

/* libcurl and libsodium are started once per process, before any thread
 * (the desk has none). */
static int global_init(char *err, size_t errlen)
{
	static bool done;
	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, _("libcurl ne démarre pas"));
		return -1;
	}
	done = true;
	if (sodium_init() < 0) {
		snprintf(err, errlen, _("libsodium ne démarre pas"));
		return -1;
	}
	return 0;
}

struct net *net_new(const struct net_config *cfg, char *err, size_t errlen)
{
	struct net *n = NULL;
	if (global_init(err, errlen) < 0)
		return NULL;
	if (!cfg->base_url || strncasecmp(cfg->base_url, "https://", 8) != 0 ||
	    !printable(cfg->base_url, 1024)) {
		snprintf(err, errlen, _("adresse du serveur invalide : https://hôte:port attendu"));
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->multi = curl_multi_init()) || !(n->base = strdup(cfg->base_url)) ||
	    (cfg->cacert && !(n->cacert = strdup(cfg->cacert))))
		goto fail;
	for (size_t bl = strlen(n->base); bl && n->base[bl - 1] == '/';)
		n->base[--bl] = '\0';
	n->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	n->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
	n->dead_after_ms = DEAD_AFTER;
	n->ev.tail = &n->ev.notes;
	n->loop = cfg->loop;
	if (!n->loop) {
		if (!(n->loop = loop_new()))
			goto fail;
		n->own_loop = true;
	}
	if (loop_attach(n) < 0)
		goto fail;
	return n;
fail:
	snprintf(err, errlen, _("mémoire épuisée"));
	net_free(n);
	return NULL;
}

static void request_free(struct request *r);
static void stream_close(struct net *n);
static void notes_drop(struct net *n);
static void loop_detach(struct net *n);

void net_free(struct net *n)
{
	if (!n)
		return;
	while (n->requests) {
		struct request *r = n->requests;
		n->requests = r->next;
		request_free(r);
	}
	stream_close(n);
	notes_drop(n);
	sse_free(n->ev.sse);
	if (n->multi)
		curl_multi_cleanup(n->multi);
	loop_detach(n);
	sodium_memzero(n->token, sizeof(n->token));
	free(n->base);
	free(n->cacert);
	free(n);
}

int net_set_token(struct net *n, const char *token)
{
	sodium_memzero(n->token, sizeof(n->token));
	if (!token || !*token)
		return 0;
	if (!printable(token, TOKEN_MAX))
		return -1;
	memcpy(n->token, token, strlen(token) + 1);
	return 0;
}

void net_set_dead_after(struct net *n, long ms)
{
	n->dead_after_ms = ms > 0 ? ms : DEAD_AFTER;
}

void net_wakeup(struct net *n)
{
	loop_wakeup(n->loop);
}

struct loop *net_loop(struct net *n)
{
	return n->loop;
}

/* --- one easy handle, the options every transfer shares ------------------------- */

static CURL *easy_new(struct net *n, const char *path, char *errbuf)
{
	char *url = NULL;
	CURL *e = curl_easy_init();
	if (!e || asprintf(&url, "%s%s", n->base, path) < 0)
		goto fail;
	errbuf[0] = '\0';
	/* Every option is checked: one refused would silently weaken TLS. */
	if (curl_easy_setopt(e, CURLOPT_URL, url) ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) ||
	    curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) ||
	    /* --cacert names the one authority to trust: not the system's
	     * directory as well (whose ~300 files would also be read for every
	     * connection) */
	    (n->cacert && (curl_easy_setopt(e, CURLOPT_CAINFO, n->cacert) ||
			   curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL))) ||
	    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "guichet/" GUICHET_VERSION) ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf))
		goto fail;
	free(url);
	return e;
fail:
	free(url);
	curl_easy_cleanup(e);
	return NULL;
}

/* --- requests ---------------------------------------------------------------------- */

static size_t on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct request *r = arg;
	size_t len = size * nmemb; /* size is always 1 */
	return buf_add(&r->answer, data, len) ? len : 0; /* 0: curl stops */
}

/* The response headers kept for the caller: name, and where. */
static const struct kept_header {
	const char *name;
	size_t off, size;
} kept_headers[] = {
	{ "etag:", offsetof(struct request, etag), sizeof(((struct request *)0)->etag) },
	{ "location:", offsetof(struct request, location),
	  sizeof(((struct request *)0)->location) },
};

/* Keep ETag and Location, trimmed; a value too long for its place is
 * dropped rather than cut.  A new status line starts over (an interim
 * 1xx answer has headers of its own). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct request *r = arg;
	size_t len = size * nmemb;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		r->etag[0] = r->location[0] = '\0';
	for (size_t i = 0; i < sizeof(kept_headers) / sizeof(kept_headers[0]); i++) {
		const struct kept_header *k = &kept_headers[i];
		size_t kl = strlen(k->name);
		if (len <= kl || strncasecmp(data, k->name, kl) != 0)
			continue;
		const char *v = data + kl;
		size_t vl = len - kl;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && v[vl - 1] && strchr("\r\n \t", v[vl - 1]))
			vl--;
		if (vl < k->size)
			snprintf((char *)r + k->off, k->size, "%.*s", (int)vl, v);
	}
	return len;
}

static int request_headers(struct request *r, const struct net *n, bool sends_body,
			   const char *if_match, const char *idem_key)
{
	struct curl_slist **h = &r->headers;
	/* Content-Type: ours, also for an empty body (curl would say
	 * form-urlencoded); Expect: none, to save the 100-continue round trip. */
	if (add_header(h, "Accept: application/json") < 0 || add_header(h, "Expect:") < 0 ||
	    (sends_body && add_header(h, "Content-Type: application/json") < 0))
		return -1;
	if (n->token[0] && add_header(h, "Authorization: Bearer %s", n->token) < 0)
		return -1;
	if (if_match && add_header(h, "If-Match: \"%s\"", if_match) < 0)
		return -1;
	if (idem_key && add_header(h, "Idempotency-Key: %s", idem_key) < 0)
		return -1;
	return 0;
}

/* The method and the body.  A write without a body still sends an empty
 * one, so that curl never reads its default body source (stdin). */
static int request_method(struct request *r, const char *method)
{
	CURL *e = r->easy;
	const char *body = r->body_out ? r->body_out : "";
	if (strcmp(method, "GET") == 0 && !r->body_out)
		return curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) ? -1 : 0;
	if (curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body)) ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) ||
	    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method))
		return -1;
	return 0;
}

static bool request_args_ok(const char *method, const char *path, const char *if_match,
			    const char *idem_key)
{
	return method && is_method(method) && path && path[0] == '/' &&
	       printable(path, PATH_MAX_LEN) && (!if_match || printable(if_match, KEY_MAX)) &&
	       !(if_match && strchr(if_match, '"')) && (!idem_key || printable(idem_key, KEY_MAX));
}

int net_request(struct net *n, const char *method, const char *path, const json_t *body,
		const char *if_match, const char *idem_key, net_done_fn done, void *arg)
{
	if (!request_args_ok(method, path, if_match, idem_key))
		return -1;
	struct request *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->n = n;
	r->done = done;
	r->arg = arg;
	if (body && !(r->body_out = json_bounded_dump(body)))
		goto fail;
	bool sends_body = body || strcmp(method, "GET") != 0;
	if (!(r->easy = easy_new(n, path, r->errbuf)) ||
	    request_headers(r, n, sends_body, if_match, idem_key) < 0 ||
	    request_method(r, method) < 0)
		goto fail;
	CURL *e = r->easy;
	if (curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers) ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->request_timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer) ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, r) ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, r) || curl_easy_setopt(e, CURLOPT_PRIVATE, r) ||
	    curl_multi_add_handle(n->multi, e) != CURLM_OK)
		goto fail;
	r->next = n->requests;
	n->requests = r;
	return 0;
fail:
	request_free(r);
	return -1;
}

static void request_free(struct request *r)
{
	if (!r)
		return;
	if (r->easy) {
		curl_multi_remove_handle(r->n->multi, r->easy); /* fine when not added */
		curl_easy_cleanup(r->easy);
	}
	headers_free(r->headers);
	free(r->body_out);
	free(r->answer.p);
	free(r);
}

/* Take r out of the multi handle and the list of requests in flight. */
static void request_detach(struct net *n, struct request *r)
{
	curl_multi_remove_handle(n->multi, r->easy);
	for (struct request **p = &n->requests; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	r->next = NULL;
}

/* True when the answer says it is JSON (application/json, or any
 * application/…+json such as problem+json). */
static bool is_json(CURL *e)
{
	char *ct = NULL;
	if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK || !ct)
		return false;
	size_t l = strcspn(ct, "; \t");
	return (l == 16 && strncasecmp(ct, "application/json", l) == 0) ||
	       (l > 17 && strncasecmp(ct, "application/", 12) == 0 &&
		strncasecmp(ct + l - 5, "+json", 5) == 0);
}

/* The answer's JSON, within the usual bounds but the size of an answer;
 * NULL with a message in why when it does not parse. */
static json_t *answer_json(const struct request *r, char *why, size_t whylen)
{
	struct json_bounds bounds = JSON_BOUNDS_DEFAULT;
	char perr[128] = "";
	bounds.max_bytes = ANSWER_MAX;
	json_t *j = json_bounded_parse(r->answer.p, r->answer.len, &bounds, NULL, perr,
				       sizeof(perr));
	if (!j)
		snprintf(why, whylen, _("réponse JSON invalide : %s"), perr);
	return j;
}

/* Hand r's outcome to its callback, then free it. */
static void request_finish(struct request *r)
{
	char why[CURL_ERROR_SIZE + 160];
	long status = 0;
	struct net_result res = { 0, NULL, r->etag[0] ? r->etag : NULL,
				  r->location[0] ? r->location : NULL, NULL };
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->answer.too_big) {
		res.error = _("réponse trop grande");
	} else if (r->code != CURLE_OK) {
		snprintf(why, sizeof(why), "%s",
			 r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->code));
		res.error = why;
	} else {
		res.status = (int)status;
		if (r->answer.len && is_json(r->easy) &&
		    !(res.body = answer_json(r, why, sizeof(why))))
			res.error = why;
	}
	if (r->done)
		r->done(r->arg, &res);
	json_decref(res.body);
	request_free(r);
}

/* --- what the stream has for the desk ----------------------------------------------- */

static void note_push(struct net *n, struct note *q)
{
	q->next = NULL;
	*n->ev.tail = q;
	n->ev.tail = &q->next;
}

static void notes_drop(struct net *n)
{
	while (n->ev.notes) {
		struct note *q = n->ev.notes;
		n->ev.notes = q->next;
		free(q);
	}
	n->ev.tail = &n->ev.notes;
}

/* The state changes now; on_state hears of it from net_poll, in order with
 * the events.  Should the note not be allocated, deliver still catches up
 * with the state at the end. */
static void set_state(struct net *n, enum net_state st)
{
	if (n->ev.state == st)
		return;
	n->ev.state = st;
	struct note *q = calloc(1, sizeof(*q));
	if (!q)
		return;
	q->is_state = true;
	q->state = st;
	note_push(n, q);
}

static int on_sse_event(const struct sse_event *ev, void *arg)
{
	struct net *n = arg;
	size_t tl = strlen(ev->type), il = strlen(ev->id);
	struct note *q = malloc(sizeof(*q) + ev->data_len + tl + il + 3);
	if (!q)
		return 1; /* stops the parse: the stream starts over */
	q->is_state = false;
	q->len = ev->data_len;
	memcpy(q->text, ev->data, ev->data_len);
	q->text[ev->data_len] = '\0';
	q->type = memcpy(q->text + ev->data_len + 1, ev->type, tl + 1);
	q->id = memcpy(q->text + ev->data_len + tl + 2, ev->id, il + 1);
	note_push(n, q);
	return 0;
}

/* Hand the queued events and state changes to the desk, outside any curl
 * callback.  Each note is unlinked before its callback runs, so that the
 * callback may stop (and drop) the rest. */
static void deliver(struct net *n)
{
	struct stream *s = &n->ev;
	while (s->notes) {
		struct note *q = s->notes;
		s->notes = q->next;
		if (!s->notes)
			s->tail = &s->notes;
		if (q->is_state && q->state != s->told) {
			s->told = q->state;
			if (s->on_state)
				s->on_state(s->arg, q->state);
		} else if (!q->is_state && s->on_event) {
			s->on_event(s->arg, q->type, q->text, q->len, q->id);
		}
		free(q);
	}
	if (s->wanted && s->told != s->state) {
		s->told = s->state;
		if (s->on_state)
			s->on_state(s->arg, s->state);
	}
}

/* --- the event stream ------------------------------------------------------------------ */

static void on_sse_retry(long ms, void *arg)
{
	struct net *n = arg;
	n->ev.retry_ms = ms < BACKOFF_MAX ? ms : BACKOFF_MAX;
}

/* The first bytes of an answer: it is the stream only when 200 and
 * text/event-stream; then the connection counts as made. */
static bool stream_answered(struct net *n)
{
	long status = 0;
	char *ct = NULL;
	curl_easy_getinfo(n->ev.easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(n->ev.easy, CURLINFO_CONTENT_TYPE, &ct);
	if (status == 401)
		n->ev.refused = true;
	if (status == 410)
		n->ev.gone = true;
	if (status != 200 || !ct || strncasecmp(ct, "text/event-stream", 17) != 0)
		return false;
	n->ev.backoff_kept = n->ev.backoff_ms;
	n->ev.backoff_ms = BACKOFF_MIN;
	set_state(n, NET_ONLINE);
	return true;
}

static size_t on_stream_bytes(char *data, size_t size, size_t nmemb, void *arg)
{
	struct net *n = arg;
	size_t len = size * nmemb;
	n->ev.last_byte_ms = now_ms();
	if (n->ev.state != NET_ONLINE && !stream_answered(n))
		return 0; /* a problem, not a stream: end it, try again later */
	if (sse_feed(n->ev.sse, data, len) == 0)
		return len;
	n->ev.broken = true; /* too long or out of memory: start over */
	return 0;
}

/* Any header byte shows the server is alive. */
static size_t on_stream_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct net *n = arg;
	(void)data;
	n->ev.last_byte_ms = now_ms();
	return size * nmemb;
}

static void stream_close(struct net *n)
{
	if (n->ev.easy) {
		curl_multi_remove_handle(n->multi, n->ev.easy);
		curl_easy_cleanup(n->ev.easy);
		n->ev.easy = NULL;
	}
	headers_free(n->ev.headers);
	n->ev.headers = NULL;
}

static int stream_headers(struct net *n)
{
	struct curl_slist **h = &n->ev.headers;
	const char *last = sse_last_id(n->ev.sse);
	if (add_header(h, "Accept: text/event-stream") < 0)
		return -1;
	if (n->token[0] && add_header(h, "Authorization: Bearer %s", n->token) < 0)
		return -1;
	/* An id the server cannot have sent (guichetd's are numbers) is not
	 * worth a header: the stream then starts from now. */
	if (*last && printable(last, KEY_MAX) && add_header(h, "Last-Event-ID: %s", last) < 0)
		return -1;
	return 0;
}

static int stream_open(struct net *n)
{
	struct stream *s = &n->ev;
	sse_reset(s->sse);
	s->broken = false;
	s->last_byte_ms = now_ms();
	set_state(n, NET_CONNECTING);
	if (!(s->easy = easy_new(n, "/api/v1/events", s->errbuf)) || stream_headers(n) < 0)
		return -1;
	if (curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers) ||
	    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_stream_bytes) ||
	    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, n) ||
	    curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_stream_header) ||
	    curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, n) ||
	    curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L))
		return -1;
	return curl_multi_add_handle(n->multi, s->easy) == CURLM_OK ? 0 : -1;
}

/* A new parser that already knows `after` as the last event id, by feeding
 * it what a server would have sent. */
static struct sse_parser *parser_new(struct net *n, const char *after)
{
	char seed[KEY_MAX + 8];
	struct sse_parser *p = sse_new(SSE_LINE_MAX, SSE_EVENT_MAX, on_sse_event, on_sse_retry, n);
	if (!p || !after || !*after)
		return p;
	int k = snprintf(seed, sizeof(seed), "id:%s\n\n", after);
	if (sse_feed(p, seed, (size_t)k) != 0) {
		sse_free(p);
		return NULL;
	}
	return p;
}

/* The stream ended, failed or fell silent: try again after the backoff,
 * never sooner than the server's retry:, with jitter so that a hundred
 * desks do not all come back in the same instant.  A stream the parser
 * refused does not count as a connection made (else an event too large
 * would bring the desk back every half second). */
static void stream_ended(struct net *n)
{
	struct stream *s = &n->ev;
	stream_close(n);
	if (s->refused) { /* trying again would only be refused again */
		s->wanted = false;
		set_state(n, NET_REFUSED);
		return;
	}
	if (s->gone) { /* resuming is no use: start from now, at once */
		struct sse_parser *p = parser_new(n, NULL);
		if (p) {
			sse_free(s->sse);
			s->sse = p;
			s->gone = false;
			s->reset = true;
			s->backoff_ms = s->backoff_kept = BACKOFF_MIN;
		}
	}
	if (s->broken && s->backoff_kept > s->backoff_ms)
		s->backoff_ms = s->backoff_kept;
	long wait = s->backoff_ms > s->retry_ms ? s->backoff_ms : s->retry_ms;
	wait += (long)randombytes_uniform((uint32_t)(wait / 4 + 1));
	s->next_try_ms = now_ms() + wait;
	s->backoff_ms = s->backoff_ms * 2 < BACKOFF_MAX ? s->backoff_ms * 2 : BACKOFF_MAX;
	set_state(n, NET_OFFLINE);
}

/* Open the stream when due; cut it when silent too long. */
static void stream_tend(struct net *n)
{
	struct stream *s = &n->ev;
	int64_t t = now_ms();
	if (!s->wanted)
		return;
	if (!s->easy && t >= s->next_try_ms) {
		if (stream_open(n) < 0)
			stream_ended(n);
	} else if (s->easy && t - s->last_byte_ms >= n->dead_after_ms) {
		stream_ended(n);
	}
}

/* The longest net_poll may wait without missing the stream's deadlines. */
static int stream_timeout(const struct net *n, int timeout_ms)
{
	const struct stream *s = &n->ev;
	if (timeout_ms < 0)
		timeout_ms = INT_MAX;
	if (s->notes)
		return 0;
	if (!s->wanted)
		return timeout_ms;
	int64_t due = s->easy ? s->last_byte_ms + n->dead_after_ms : s->next_try_ms;
	due -= now_ms();
	if (due < 0)
		due = 0;
	return due < timeout_ms ? (int)due : timeout_ms;
}

int net_follow_events(struct net *n, const char *after, net_event_fn on_event,
		      net_state_fn on_state, void *arg)
{
	if (after && *after && !printable(after, KEY_MAX))
		return -1;
	struct sse_parser *p = parser_new(n, after);
	if (!p)
		return -1;
	net_stop_events(n);
	sse_free(n->ev.sse);
	n->ev.sse = p;
	n->ev.on_event = on_event;
	n->ev.on_state = on_state;
	n->ev.arg = arg;
	n->ev.wanted = true;
	n->ev.refused = false;
	n->ev.backoff_ms = n->ev.backoff_kept = BACKOFF_MIN;
	n->ev.retry_ms = 0;
	n->ev.next_try_ms = 0;
	tend_schedule(n);
	return 0;
}

void net_stop_events(struct net *n)
{
	n->ev.wanted = false;
	stream_close(n);
	notes_drop(n);
	n->ev.state = n->ev.told = NET_OFFLINE;
}

enum net_state net_events_state(const struct net *n)
{
	return n->ev.state;
}

bool net_events_reset(struct net *n)
{
	bool r = n->ev.reset;
	n->ev.reset = false;
	return r;
}

const char *net_last_event_id(const struct net *n)
{
	return n->ev.sse ? sse_last_id(n->ev.sse) : "";
}

/* --- the loop ---------------------------------------------------------------------------- */

/* Collect what curl finished, then run the callbacks: only once the
 * message queue is read may a callback add or remove handles. */
static void harvest(struct net *n)
{
	struct request *done = NULL, **tail = &done;
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(n->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode code = m->data.result;
		if (e == n->ev.easy) {
			stream_ended(n);
			continue;
		}
		char *priv = NULL;
		if (curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv)
			continue;
		struct request *r = (struct request *)(void *)priv;
		r->code = code;
		request_detach(n, r);
		*tail = r;
		tail = &r->next;
	}
	while (done) {
		struct request *r = done;
		done = r->next;
		request_finish(r);
	}
}

const char *net_why(const struct net_result *res)
{
	const json_t *b = res->body;
	const char *s = json_string_value(json_object_get(b, "detail"));
	if (!s)
		s = json_string_value(json_object_get(b, "title"));
	return s ? s : res->error ? res->error : _("réponse inattendue");
}

/* --- on the loop: curl's sockets and timer, the stream's deadlines ------------------- */

/* What follows any of curl's activity: finished transfers, the stream's
 * deadlines, the queued events; then the next deadline. */
static void after_action(struct net *n)
{
	harvest(n);
	stream_tend(n);
	deliver(n);
	tend_schedule(n);
}

static void on_sock_ready(void *arg, int fd, short revents)
{
	struct net *n = arg;
	int running = 0, flags = 0;
	if (revents & POLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(n->multi, fd, flags, &running);
	after_action(n);
}

static void socks_forget(struct net *n, int fd)
{
	for (size_t i = 0; i < n->nsocks; i++)
		if (n->socks[i] == fd) {
			n->socks[i] = n->socks[--n->nsocks];
			return;
		}
}

static int socks_remember(struct net *n, int fd)
{
	for (size_t i = 0; i < n->nsocks; i++)
		if (n->socks[i] == fd)
			return 0;
	if (n->nsocks == n->capsocks) {
		size_t cap = n->capsocks ? n->capsocks * 2 : 8;
		int *p = realloc(n->socks, cap * sizeof(*p));
		if (!p)
			return -1;
		n->socks = p;
		n->capsocks = cap;
	}
	n->socks[n->nsocks++] = fd;
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: watch what curl wants watched. */
static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct net *n = arg;
	(void)e;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		loop_fd_del(n->loop, fd);
		socks_forget(n, fd);
		return 0;
	}
	short ev = (what & CURL_POLL_IN ? POLLIN : 0) | (what & CURL_POLL_OUT ? POLLOUT : 0);
	if (socks_remember(n, fd) < 0 || loop_fd_set(n->loop, fd, ev, on_sock_ready, n) < 0)
		return -1;
	return 0;
}

static void on_curl_due(void *arg, int id)
{
	struct net *n = arg;
	int running = 0;
	(void)id;
	n->curl_timer = 0;
	curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	after_action(n);
}

/* CURLMOPT_TIMERFUNCTION: curl's one timeout, as a loop timer.  curl asks
 * not to be called back from here: 0 ms means at the next turn. */
static int on_curl_timer(CURLM *m, long timeout_ms, void *arg)
{
	struct net *n = arg;
	(void)m;
	loop_timer_del(n->loop, n->curl_timer);
	n->curl_timer = 0;
	if (timeout_ms >= 0 &&
	    (n->curl_timer = loop_timer_add(n->loop, timeout_ms, on_curl_due, n)) < 0) {
		n->curl_timer = 0;
		return -1;
	}
	return 0;
}

static void on_tend(void *arg, int id)
{
	struct net *n = arg;
	(void)id;
	n->tend_timer = 0;
	stream_tend(n);
	deliver(n);
	tend_schedule(n);
}

/* A timer for the stream's next deadline (reconnect, silence) or for
 * events still to deliver. */
static void tend_schedule(struct net *n)
{
	loop_timer_del(n->loop, n->tend_timer);
	n->tend_timer = 0;
	int in = stream_timeout(n, -1);
	if (in == INT_MAX)
		return;
	int id = loop_timer_add(n->loop, in, on_tend, n);
	n->tend_timer = id > 0 ? id : 0;
}

static int loop_attach(struct net *n)
{
	if (curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) ||
	    curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n) ||
	    curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) ||
	    curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n))
		return -1;
	return 0;
}

/* Nothing of n stays on a loop that outlives it. */
static void loop_detach(struct net *n)
{
	if (!n->loop)
		return;
	for (size_t i = 0; i < n->nsocks; i++)
		loop_fd_del(n->loop, n->socks[i]);
	free(n->socks);
	n->socks = NULL;
	n->nsocks = 0;
	loop_timer_del(n->loop, n->curl_timer);
	loop_timer_del(n->loop, n->tend_timer);
	if (n->own_loop)
		loop_free(n->loop);
	n->loop = NULL;
}

static void on_extra(void *arg, int fd, short revents)
{
	struct curl_waitfd *w = arg;
	(void)fd;
	w->revents = (short)((revents & POLLIN ? CURL_WAIT_POLLIN : 0) |
			     (revents & POLLOUT ? CURL_WAIT_POLLOUT : 0) |
			     (revents & POLLPRI ? CURL_WAIT_POLLPRI : 0));
	if (!w->revents) /* hung up or in error: readable, the read will tell */
		w->revents = CURL_WAIT_POLLIN;
}

int net_poll(struct net *n, struct curl_waitfd *extra, unsigned nextra, int timeout_ms)
{
	int rc = 0;
	for (unsigned i = 0; i < nextra; i++) {
		extra[i].revents = 0;
		short ev = (short)((extra[i].events & CURL_WAIT_POLLIN ? POLLIN : 0) |
				   (extra[i].events & CURL_WAIT_POLLOUT ? POLLOUT : 0) |
				   (extra[i].events & CURL_WAIT_POLLPRI ? POLLPRI : 0));
		if (loop_fd_set(n->loop, extra[i].fd, ev, on_extra, &extra[i]) < 0)
			rc = -1;
	}
	after_action(n); /* a request queued since the last turn, a deadline passed */
	if (rc == 0)
		rc = loop_once(n->loop, timeout_ms);
	for (unsigned i = 0; i < nextra; i++)
		loop_fd_del(n->loop, extra[i].fd);
	return rc;
}
