/* The desk's network (see net.h).  Each request is one easy handle in the
 * multi handle, with a bounded buffer for its answer; the event stream is
 * one more, fed to the SSE parser as bytes arrive, and started again by
 * net_poll when it ends or falls silent. */
#include "client/net.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>

#include "client/sse.h"
#include "core/json_bounded.h"

#define ANSWER_MAX   (8u << 20)    /* bytes of one answer */
#define SSE_LINE_MAX (64u << 10)
#define SSE_EVENT_MAX (1u << 20)
#define BACKOFF_MIN  500
#define BACKOFF_MAX  30000

struct request {
	struct net *n;
	CURL *easy;
	struct curl_slist *headers;
	char *body_out;            /* the request body, kept until the end */
	char *answer;              /* the answer, growing up to ANSWER_MAX */
	size_t len, cap;
	bool too_big;
	char etag[64], location[256];
	char errbuf[CURL_ERROR_SIZE];
	net_done_fn done;
	void *arg;
	struct request *next;
};

/* An event received inside a curl callback, delivered by net_poll once
 * curl has returned (a callback may then send requests, which libcurl
 * forbids from inside its own callbacks). */
struct queued_event {
	char *type, *id, *data;
	size_t len;
	struct queued_event *next;
};

struct stream {
	bool wanted;
	struct queued_event *queue, **tail;
	enum net_state told;       /* the state on_state last heard */
	CURL *easy;
	struct curl_slist *headers;
	struct sse_parser *sse;
	net_event_fn on_event;
	net_state_fn on_state;
	void *arg;
	enum net_state state;
	long backoff_ms, retry_ms;
	int64_t next_try_ms, last_byte_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct net {
	CURLM *multi;
	char *base, *cacert;
	char auth[600];            /* "Authorization: Bearer ..." */
	long connect_timeout_ms, request_timeout_ms, dead_after_ms;
	struct request *requests;
	struct stream ev;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct net *net_new(const struct net_config *cfg, char *err, size_t errlen)
{
	static bool global_done;
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl cannot start");
		return NULL;
	}
	global_done = true;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return NULL;
	}
	struct net *n = calloc(1, sizeof(*n));
	if (!n)
		goto oom;
	n->multi = curl_multi_init();
	n->base = strdup(cfg->base_url);
	n->cacert = cfg->cacert ? strdup(cfg->cacert) : NULL;
	if (!n->multi || !n->base || (cfg->cacert && !n->cacert))
		goto oom;
	size_t bl = strlen(n->base);
	while (bl && n->base[bl - 1] == '/')
		n->base[--bl] = '\0';
	n->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	n->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
	n->dead_after_ms = 45000;
	n->ev.state = n->ev.told = NET_OFFLINE;
	n->ev.tail = &n->ev.queue;
	return n;
oom:
	snprintf(err, errlen, "out of memory");
	net_free(n);
	return NULL;
}

static void request_free(struct request *r)
{
	if (!r)
		return;
	if (r->easy) {
		curl_multi_remove_handle(r->n->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->headers);
	free(r->body_out);
	free(r->answer);
	free(r);
}

static void stream_close(struct net *n);
static void deliver(struct net *n);

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
	n->ev.on_event = NULL;
	n->ev.on_state = NULL;
	deliver(n); /* frees the queue */
	sse_free(n->ev.sse);
	if (n->multi)
		curl_multi_cleanup(n->multi);
	sodium_memzero(n->auth, sizeof(n->auth));
	free(n->base);
	free(n->cacert);
	free(n);
}

void net_set_token(struct net *n, const char *token)
{
	sodium_memzero(n->auth, sizeof(n->auth));
	snprintf(n->auth, sizeof(n->auth), "Authorization: Bearer %s", token);
}

void net_set_dead_after(struct net *n, long ms)
{
	n->dead_after_ms = ms > 0 ? ms : 45000;
}

/* --- one easy handle, the options every transfer shares ----------------------- */

static CURL *easy_new(struct net *n, const char *path, char *errbuf)
{
	char url[2048];
	snprintf(url, sizeof(url), "%s%s", n->base, path);
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (n->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, n->cacert);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "guichet/" GUICHET_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	errbuf[0] = '\0';
	return e;
}

/* --- requests --------------------------------------------------------------------- */

static size_t on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct request *r = arg;
	size_t n = size * nmemb;
	if (r->len + n > ANSWER_MAX) {
		r->too_big = true;
		return 0; /* curl stops the transfer */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *grown = realloc(r->answer, cap);
		if (!grown)
			return 0;
		r->answer = grown;
		r->cap = cap;
	}
	memcpy(r->answer + r->len, data, n);
	r->len += n;
	r->answer[r->len] = '\0';
	return n;
}

/* Keep ETag and Location; the header's value, trimmed. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct request *r = arg;
	size_t n = size * nmemb;
	static const struct { const char *name; size_t off, len; } keep[] = {
		{ "etag:", offsetof(struct request, etag), sizeof(((struct request *)0)->etag) },
		{ "location:", offsetof(struct request, location),
		  sizeof(((struct request *)0)->location) },
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		size_t kl = strlen(keep[i].name);
		if (n <= kl || strncasecmp(data, keep[i].name, kl) != 0)
			continue;
		const char *v = data + kl;
		size_t vl = n - kl;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		char *dst = (char *)r + keep[i].off;
		snprintf(dst, keep[i].len, "%.*s", (int)vl, v);
	}
	return n;
}

static struct curl_slist *request_headers(struct net *n, bool has_body, const char *if_match,
					  const char *idem_key)
{
	char line[256];
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	if (has_body)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (n->auth[0])
		h = curl_slist_append(h, n->auth);
	if (if_match) {
		snprintf(line, sizeof(line), "If-Match: \"%s\"", if_match);
		h = curl_slist_append(h, line);
	}
	if (idem_key) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s", idem_key);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	return h;
}

int net_request(struct net *n, const char *method, const char *path, const json_t *body,
		const char *if_match, const char *idem_key, net_done_fn done, void *arg)
{
	struct request *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->n = n;
	r->done = done;
	r->arg = arg;
	r->easy = easy_new(n, path, r->errbuf);
	r->body_out = body ? json_dumps(body, JSON_COMPACT) : NULL;
	r->headers = request_headers(n, body != NULL, if_match, idem_key);
	if (!r->easy || (body && !r->body_out) || !r->headers)
		goto fail;
	CURL *e = r->easy;
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (r->body_out)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body_out);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->request_timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK)
		goto fail;
	r->next = n->requests;
	n->requests = r;
	return 0;
fail:
	request_free(r);
	return -1;
}

static void unlink_request(struct net *n, struct request *r)
{
	for (struct request **p = &n->requests; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			return;
		}
}

static void finish_request(struct net *n, struct request *r, CURLcode code)
{
	long status = 0;
	char why[CURL_ERROR_SIZE + 64];
	struct net_result res = { 0, NULL, r->etag, r->location, NULL };
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->too_big) {
		res.error = "answer too large";
	} else if (code != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
		res.error = why;
	} else {
		res.status = (int)status;
		if (r->len)
			res.body = json_bounded_parse(r->answer, r->len, NULL, NULL, NULL, 0);
	}
	unlink_request(n, r);
	if (r->done)
		r->done(r->arg, &res);
	json_decref(res.body);
	request_free(r);
}

/* --- the event stream ---------------------------------------------------------------- */

/* The state changes now; on_state hears of it from net_poll. */
static void set_state(struct net *n, enum net_state st)
{
	n->ev.state = st;
}

static int on_sse_event(const struct sse_event *ev, void *arg)
{
	struct net *n = arg;
	struct queued_event *q = calloc(1, sizeof(*q));
	if (q) {
		q->type = strdup(ev->type);
		q->id = strdup(ev->id ? ev->id : "");
		q->data = malloc(ev->data_len + 1);
	}
	if (!q || !q->type || !q->id || !q->data) {
		if (q) {
			free(q->type);
			free(q->id);
			free(q->data);
		}
		free(q);
		return SSE_ERR_NOMEM;
	}
	memcpy(q->data, ev->data, ev->data_len);
	q->data[ev->data_len] = '\0';
	q->len = ev->data_len;
	if (!n->ev.tail)
		n->ev.tail = &n->ev.queue;
	*n->ev.tail = q;
	n->ev.tail = &q->next;
	return 0;
}

/* Hand the queued events and the state change to the desk, outside any
 * curl callback. */
static void deliver(struct net *n)
{
	if (n->ev.told != n->ev.state) {
		n->ev.told = n->ev.state;
		if (n->ev.on_state)
			n->ev.on_state(n->ev.arg, n->ev.state);
	}
	while (n->ev.queue) {
		struct queued_event *q = n->ev.queue;
		n->ev.queue = q->next;
		if (!n->ev.queue)
			n->ev.tail = &n->ev.queue;
		if (n->ev.on_event)
			n->ev.on_event(n->ev.arg, q->type, q->data, q->len, q->id);
		free(q->type);
		free(q->id);
		free(q->data);
		free(q);
	}
}

static void on_sse_retry(long ms, void *arg)
{
	struct net *n = arg;
	n->ev.retry_ms = ms;
}

static size_t on_stream_bytes(char *data, size_t size, size_t nmemb, void *arg)
{
	struct net *n = arg;
	size_t len = size * nmemb;
	long status = 0;
	curl_easy_getinfo(n->ev.easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return 0; /* a problem+json, not a stream: end it and try again later */
	n->ev.last_byte_ms = now_ms();
	if (n->ev.state != NET_ONLINE) {
		n->ev.backoff_ms = BACKOFF_MIN;
		set_state(n, NET_ONLINE);
	}
	return sse_feed(n->ev.sse, data, len) == 0 ? len : 0;
}

static void stream_close(struct net *n)
{
	if (n->ev.easy) {
		curl_multi_remove_handle(n->multi, n->ev.easy);
		curl_easy_cleanup(n->ev.easy);
		n->ev.easy = NULL;
	}
	curl_slist_free_all(n->ev.headers);
	n->ev.headers = NULL;
}

static int stream_open(struct net *n)
{
	char line[300];
	sse_reset(n->ev.sse);
	n->ev.easy = easy_new(n, "/api/v1/events", n->ev.errbuf);
	if (!n->ev.easy)
		return -1;
	struct curl_slist *h = curl_slist_append(NULL, "Accept: text/event-stream");
	if (n->auth[0])
		h = curl_slist_append(h, n->auth);
	const char *last = sse_last_id(n->ev.sse);
	if (last && *last && strlen(last) < 200) {
		snprintf(line, sizeof(line), "Last-Event-ID: %s", last);
		h = curl_slist_append(h, line);
	}
	n->ev.headers = h;
	curl_easy_setopt(n->ev.easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(n->ev.easy, CURLOPT_WRITEFUNCTION, on_stream_bytes);
	curl_easy_setopt(n->ev.easy, CURLOPT_WRITEDATA, n);
	curl_easy_setopt(n->ev.easy, CURLOPT_TCP_KEEPALIVE, 1L);
	n->ev.last_byte_ms = now_ms();
	set_state(n, NET_CONNECTING);
	return curl_multi_add_handle(n->multi, n->ev.easy) == CURLM_OK ? 0 : -1;
}

/* The stream ended (or was cut): try again after the backoff, with
 * jitter, so that a hundred desks do not reconnect in the same instant. */
static void stream_ended(struct net *n, bool failed)
{
	stream_close(n);
	long wait = n->ev.retry_ms > 0 ? n->ev.retry_ms : n->ev.backoff_ms;
	wait += (long)randombytes_uniform((uint32_t)(wait / 4 + 1));
	n->ev.next_try_ms = now_ms() + wait;
	n->ev.backoff_ms = n->ev.backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX : n->ev.backoff_ms * 2;
	set_state(n, failed ? NET_OFFLINE : NET_CONNECTING);
}

int net_follow_events(struct net *n, const char *after, net_event_fn on_event,
		      net_state_fn on_state, void *arg)
{
	if (!n->ev.sse) {
		n->ev.sse = sse_new(SSE_LINE_MAX, SSE_EVENT_MAX, on_sse_event, on_sse_retry, n);
		if (!n->ev.sse)
			return -1;
	}
	if (after && *after) { /* seed Last-Event-ID as if that event had been seen */
		char seed[300];
		int k = snprintf(seed, sizeof(seed), "id: %s\n\n", after);
		if (k > 0 && (size_t)k < sizeof(seed))
			sse_feed(n->ev.sse, seed, (size_t)k);
	}
	n->ev.on_event = on_event;
	n->ev.on_state = on_state;
	n->ev.arg = arg;
	n->ev.wanted = true;
	n->ev.backoff_ms = BACKOFF_MIN;
	n->ev.next_try_ms = 0;
	return 0;
}

void net_stop_events(struct net *n)
{
	n->ev.wanted = false;
	stream_close(n);
	set_state(n, NET_OFFLINE);
}

enum net_state net_events_state(const struct net *n)
{
	return n->ev.state;
}

const char *net_last_event_id(const struct net *n)
{
	return n->ev.sse ? sse_last_id(n->ev.sse) : "";
}

/* Start the stream when due; cut it when silent too long. */
static void stream_tend(struct net *n)
{
	int64_t t = now_ms();
	if (!n->ev.wanted)
		return;
	if (!n->ev.easy && t >= n->ev.next_try_ms && stream_open(n) < 0)
		stream_ended(n, true);
	else if (n->ev.easy && t - n->ev.last_byte_ms > n->dead_after_ms)
		stream_ended(n, true);
}

/* The longest net_poll may sleep without missing the stream's deadlines. */
static int stream_timeout(struct net *n, int timeout_ms)
{
	if (!n->ev.wanted)
		return timeout_ms;
	int64_t t = now_ms();
	int64_t due = n->ev.easy ? n->ev.last_byte_ms + n->dead_after_ms - t : n->ev.next_try_ms - t;
	if (due < 0)
		due = 0;
	return due < timeout_ms ? (int)due : timeout_ms;
}

/* --- the loop ------------------------------------------------------------------------- */

static void harvest(struct net *n)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(n->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode code = m->data.result;
		if (e == n->ev.easy) {
			stream_ended(n, code != CURLE_OK && n->ev.state != NET_ONLINE);
			continue;
		}
		struct request *r = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			finish_request(n, r, code);
	}
}

int net_poll(struct net *n, struct curl_waitfd *extra, unsigned nextra, int timeout_ms)
{
	int running = 0;
	stream_tend(n);
	for (unsigned i = 0; i < nextra; i++)
		extra[i].revents = 0;
	if (curl_multi_poll(n->multi, extra, nextra, stream_timeout(n, timeout_ms), NULL) !=
	    CURLM_OK)
		return -1;
	if (curl_multi_perform(n->multi, &running) != CURLM_OK)
		return -1;
	harvest(n);
	stream_tend(n);
	deliver(n);
	return 0;
}
