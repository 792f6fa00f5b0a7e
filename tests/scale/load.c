/* The scale test's load (tests/scale/run, make scale): event streams
 * spread over the guichetd nodes, case notes written at a steady rate, a
 * command run midway (the driver kills a node there and starts it again).
 * A stream that drops resumes on the next node with Last-Event-ID; a
 * write that fails is sent again, same Idempotency-Key, to the next node.
 * It prints what it measured and exits 0 only when no event was lost or
 * doubled and every acknowledged write is found afterwards.
 *
 * It is C over libcurl multi handles driven by epoll, so that at
 * thousands of streams the client is not what is measured (the Python
 * client it replaces fell behind at 44,000 events a second).  The writes
 * run in a process of their own, which tells the reading process each
 * acknowledged write through a pipe: a reader that falls behind thousands
 * of streams must not delay the writes, or it times them out itself and
 * measures its own retries instead of the nodes.
 *
 * usage: scale-load --plan FILE [--rate R] [--seconds S] [--midway CMD]
 * FILE (0600: it holds tokens, which must not be on argv), one item a line:
 *   node URL CAFILE            a guichetd node
 *   writer TOKEN               the token writes are made with
 *   case CASE_ID SERVICE_ID    a case the writes go to (round-robin)
 *   streams COUNT TOKEN SVCS   COUNT streams read with TOKEN, which sees
 *                              the case events of SVCS (ids, or *: all)
 * SCALE_LOAD_DEBUG=1 in the environment: each ended transfer on stderr,
 * with its status and timings. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define BACKOFF 0.2          /* seconds before a stream or a write tries again */
#define IN_PROGRESS_WAIT 90  /* seconds a write keeps retrying a 409 "in progress":
				over guichetd's 60 s claim takeover */
#define MAX_LINE 4096
#define MAX_BODY (1 << 20)   /* a write's answer, a case's events: bounded */
/* Streams connecting at once: desks do not all open in the same instant,
 * and thousands of TLS handshakes at once only time out and start again. */
#define MAX_CONNECTING 200
/* After the writes: how long the streams may take to read what they
 * should, as long as some still read (an overloaded node's events come
 * late, which the latency shows, not never), and the most it waits. */
#define DRAIN_STALLED 15
#define DRAIN_MAX 600

struct node {
	char url[512], ca[1024];
};

struct group {               /* one `streams` line */
	char token[256];
	int64_t svcs[64];
	size_t nsvcs;
	bool all;
};

struct arrival {
	int64_t note;
	double t;
};

struct stream {
	struct run *r;
	struct group *g;
	int node;
	CURL *easy;
	struct curl_slist *hdrs;
	int64_t last;            /* newest id read; 0: none yet */
	double opened;           /* first keep-alive or event; 0: never opened */
	bool checked;            /* its answer's status was looked at */
	char *buf;               /* the block being read */
	size_t len, cap;
	struct arrival *arr;
	size_t narr, carr;
	long dups, reconnects;
	double again_at;         /* when it reconnects; 0: not waiting */
	bool live;               /* this connection has read something */
	double back_at;          /* when its last reconnection read something */
};

struct ack {
	int64_t id, svc;
	double sent, acked;      /* first try sent, answer read */
};

/* What the writer process tells the reader: a write acknowledged, or the
 * end of the writes with their counts.  Smaller than PIPE_BUF: each is
 * written whole. */
enum { WMSG_ACK, WMSG_END };
enum try_end { TRY_TIMEOUT, TRY_IN_PROGRESS, TRY_5XX, TRY_OTHER, TRY_COUNT };
struct wmsg {
	int kind;
	struct ack a;
	long sent, failed, retries, tries[TRY_COUNT];
	double mid_at;
};

struct write {
	long n;
	int64_t case_id, svc;
	int attempt;
	double sent, again_at;
	CURL *easy;
	struct curl_slist *hdrs;
	char *resp;
	size_t rlen;
	struct write *next;      /* in the retry queue */
};

struct run {
	struct node nodes[16];
	int nnodes;
	char writer[256];
	int64_t cases[1024][2];  /* id, service */
	size_t ncases;
	struct group groups[256];
	size_t ngroups;
	struct stream *streams;
	size_t nstreams;
	double rate, seconds;
	const char *midway;
	CURLM *multi;
	int ep;
	double timer_at;         /* when libcurl wants its timeout; < 0: never */
	bool done;
	struct ack *acks;
	size_t nacks, cacks;
	long failed, retries, inflight;
	long tries[TRY_COUNT];   /* why tries were not acknowledged: enum try_end */
	struct write *retry_head, *retry_tail;
	pid_t mid;
	size_t connecting;       /* streams connected to nothing yet */
	size_t next_start;       /* the first stream not started yet */
	double first_write;      /* when the first write was sent */
	double mid_at;           /* when the midway command started; 0: never */
	int to_reader;           /* the writer's end of the pipe; -1 in the reader */
	int from_writer;         /* the reader's end; -1 in the writer */
	bool writer_over;        /* the writer said its end, or died */
	long sent;               /* writes sent, as the writer said at its end */
	double last_read;        /* when a stream last read a note */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(p, c * size);
	if (!q) {
		fputs("scale-load: out of memory\n", stderr);
		exit(2); /* a test program: nothing to save */
	}
	*cap = c;
	return q;
}

/* --- the plan ---------------------------------------------------------- */

static int parse_svcs(struct group *g, char *list)
{
	if (strcmp(list, "*") == 0) {
		g->all = true;
		return 0;
	}
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (g->nsvcs == sizeof(g->svcs) / sizeof(g->svcs[0]))
			return -1;
		g->svcs[g->nsvcs++] = strtoll(t, NULL, 10);
	}
	return g->nsvcs ? 0 : -1;
}

static int plan_line(struct run *r, char *line, size_t *nstreams, long *counts)
{
	char *save = NULL, *kw = strtok_r(line, " \n", &save);
	char *a = strtok_r(NULL, " \n", &save), *b = strtok_r(NULL, " \n", &save);
	char *c = strtok_r(NULL, " \n", &save);
	if (!kw || kw[0] == '#')
		return 0;
	if (strcmp(kw, "node") == 0 && b && r->nnodes < 16) {
		struct node *n = &r->nodes[r->nnodes++];
		snprintf(n->url, sizeof(n->url), "%s", a);
		snprintf(n->ca, sizeof(n->ca), "%s", b);
	} else if (strcmp(kw, "writer") == 0 && a) {
		snprintf(r->writer, sizeof(r->writer), "%s", a);
	} else if (strcmp(kw, "case") == 0 && b && r->ncases < 1024) {
		r->cases[r->ncases][0] = strtoll(a, NULL, 10);
		r->cases[r->ncases++][1] = strtoll(b, NULL, 10);
	} else if (strcmp(kw, "streams") == 0 && c && r->ngroups < 256) {
		struct group *g = &r->groups[r->ngroups];
		snprintf(g->token, sizeof(g->token), "%s", b);
		if (parse_svcs(g, c) < 0)
			return -1;
		counts[r->ngroups++] = strtol(a, NULL, 10);
		*nstreams += (size_t)strtol(a, NULL, 10);
	} else {
		return -1;
	}
	return 0;
}

static int read_plan(struct run *r, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "scale-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[MAX_LINE];
	long counts[256];
	size_t n = 0, lineno = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		if ((rc = plan_line(r, line, &n, counts)) < 0)
			fprintf(stderr, "scale-load: %s:%zu: not a plan line\n", path, lineno);
	}
	fclose(f);
	if (rc < 0)
		return -1;
	if (!r->nnodes || !r->writer[0] || !r->ncases || !n) {
		fprintf(stderr, "scale-load: %s needs node, writer, case and streams lines\n", path);
		return -1;
	}
	r->streams = calloc(n, sizeof(*r->streams));
	if (!r->streams)
		return -1;
	for (size_t gi = 0, k = 0; gi < r->ngroups; gi++)
		for (long i = 0; i < counts[gi]; i++, k++) {
			r->streams[k].r = r;
			r->streams[k].g = &r->groups[gi];
			r->streams[k].node = (int)(k % (size_t)r->nnodes);
		}
	r->nstreams = n;
	return 0;
}

/* --- the event loop: libcurl's sockets in epoll --------------------------- */

static int on_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	(void)e;
	(void)sockp;
	struct run *r = arg;
	struct epoll_event ev = { .data.fd = fd };
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(r->ep, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
		epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static int on_timer(CURLM *m, long ms, void *arg)
{
	(void)m;
	((struct run *)arg)->timer_at = ms < 0 ? -1 : now() + ms / 1000.0;
	return 0;
}

static void finished(struct run *r, CURL *e, CURLcode code);
static void hear_writer(struct run *r);

/* One turn: wait at most max_wait seconds for libcurl's sockets, let it
 * work, and hand the transfers that ended to finished(). */
static void turn(struct run *r, double max_wait)
{
	struct epoll_event evs[256];
	double wait = max_wait;
	if (r->timer_at >= 0 && r->timer_at - now() < wait)
		wait = r->timer_at - now();
	int n = epoll_wait(r->ep, evs, 256, wait > 0 ? (int)(wait * 1000) : 0), running;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == r->from_writer && r->from_writer >= 0) {
			hear_writer(r);
			continue;
		}
		int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
		curl_multi_socket_action(r->multi, evs[i].data.fd, flags, &running);
	}
	/* libcurl's timer runs whether or not sockets were busy: it is what
	 * starts new transfers and times out slow ones */
	if (r->timer_at >= 0 && now() >= r->timer_at) {
		r->timer_at = -1;
		curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(r->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			finished(r, msg->easy_handle, msg->data.result);
}

static CURL *easy_for(struct run *r, const struct node *n, const char *path, void *owner)
{
	char url[1024];
	snprintf(url, sizeof(url), "%s%s", n->url, path);
	CURL *e = curl_easy_init();
	if (!e) {
		fputs("scale-load: curl_easy_init failed\n", stderr);
		exit(2);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CAINFO, n->ca); /* verification stays on */
	/* the node's CA only: parsing the system's hundred roots at each
	 * handshake was most of the client's time */
	curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(e, CURLOPT_PRIVATE, owner);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	(void)r;
	return e;
}

static struct curl_slist *with_token(struct curl_slist *h, const char *token)
{
	char line[300];
	snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
	return curl_slist_append(h, line);
}

/* --- streams ---------------------------------------------------------------- */

static bool is_stream(const struct run *r, const void *p)
{
	return p >= (const void *)r->streams && p < (const void *)(r->streams + r->nstreams);
}

static void block(struct run *r, struct stream *s, const char *b, size_t n, double t)
{
	if (!s->opened)
		s->opened = t;
	if (!s->live) {
		s->live = true;
		r->connecting--;
		if (s->reconnects)
			s->back_at = t;
	}
	if (n < 4 || memcmp(b, "id: ", 4) != 0)
		return; /* a comment: keep-alive, or "connected" */
	int64_t id = strtoll(b + 4, NULL, 10);
	if (s->last && id <= s->last) {
		s->dups++;
		return;
	}
	s->last = id;
	if (!memmem(b, n, "\nevent: case.note\n", 18))
		return;
	const char *p = memmem(b, n, "\"note_id\":", 10);
	if (!p)
		return;
	s->arr = grow(s->arr, &s->carr, s->narr + 1, sizeof(*s->arr));
	s->arr[s->narr++] = (struct arrival){ strtoll(p + 10, NULL, 10), t };
	r->last_read = t;
}

static size_t on_stream_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct stream *s = arg;
	size_t n = size * nmemb;
	if (!s->checked) {
		long code = 0;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
		s->checked = true;
		if (code != 200)
			return 0; /* ends the transfer: it reconnects elsewhere */
	}
	s->buf = grow(s->buf, &s->cap, s->len + n + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (data[i] != '\r')
			s->buf[s->len++] = data[i];
	double t = now();
	size_t start = 0;
	for (char *end; (end = memmem(s->buf + start, s->len - start, "\n\n", 2));) {
		size_t at = (size_t)(end - s->buf);
		block(s->r, s, s->buf + start, at - start, t);
		start = at + 2;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	return n;
}

static void stream_start(struct run *r, struct stream *s)
{
	const struct node *n = &r->nodes[s->node];
	s->easy = easy_for(r, n, "/api/v1/events", s);
	s->hdrs = with_token(NULL, s->g->token);
	if (s->last) {
		char line[64];
		snprintf(line, sizeof(line), "Last-Event-ID: %lld", (long long)s->last);
		s->hdrs = curl_slist_append(s->hdrs, line);
	}
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_stream_data);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	s->checked = false;
	s->live = false;
	s->len = 0;
	r->connecting++;
	curl_multi_add_handle(r->multi, s->easy);
}

static void stream_stop(struct run *r, struct stream *s)
{
	if (!s->easy)
		return;
	curl_multi_remove_handle(r->multi, s->easy);
	curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->hdrs);
	s->easy = NULL;
	s->hdrs = NULL;
}

static void stream_ended(struct run *r, struct stream *s)
{
	if (!s->live)
		r->connecting--;
	s->live = true; /* counted */
	stream_stop(r, s);
	if (r->done)
		return;
	s->reconnects++;
	s->node = (s->node + 1) % r->nnodes;
	s->again_at = now() + BACKOFF; /* a backoff, not a synchronisation */
}

/* Start the streams not started yet and those whose time to reconnect
 * has come, as long as few are connecting (a scan: a few thousand
 * comparisons, every 50 ms). */
static void streams_due(struct run *r)
{
	double t = now();
	for (size_t i = 0; i < r->nstreams && r->connecting < MAX_CONNECTING; i++) {
		struct stream *s = &r->streams[i];
		if (s->again_at && s->again_at <= t) {
			s->again_at = 0;
			stream_start(r, s);
		}
	}
	while (r->next_start < r->nstreams && r->connecting < MAX_CONNECTING)
		stream_start(r, &r->streams[r->next_start++]);
}

/* --- writes ----------------------------------------------------------------- */

static size_t on_write_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct write *w = arg;
	size_t n = size * nmemb;
	if (w->rlen + n > MAX_BODY)
		return 0;
	char *p = realloc(w->resp, w->rlen + n + 1);
	if (!p)
		return 0;
	w->resp = p;
	memcpy(w->resp + w->rlen, data, n);
	w->rlen += n;
	w->resp[w->rlen] = '\0';
	return n;
}

static void write_send(struct run *r, struct write *w)
{
	const struct node *n = &r->nodes[(w->n + w->attempt) % r->nnodes];
	char path[64], body[64], key[80];
	snprintf(path, sizeof(path), "/api/v1/cases/%lld/notes", (long long)w->case_id);
	snprintf(body, sizeof(body), "{\"text\":\"scale note %ld\"}", w->n);
	snprintf(key, sizeof(key), "Idempotency-Key: scale-%ld-%ld", (long)getpid(), w->n);
	w->easy = easy_for(r, n, path, w);
	w->hdrs = with_token(NULL, r->writer);
	w->hdrs = curl_slist_append(w->hdrs, "Content-Type: application/json");
	w->hdrs = curl_slist_append(w->hdrs, key);
	curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->hdrs);
	curl_easy_setopt(w->easy, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(w->easy, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_write_data);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	w->rlen = 0;
	curl_multi_add_handle(r->multi, w->easy);
}

static void write_new(struct run *r, long n)
{
	struct write *w = calloc(1, sizeof(*w));
	if (!w) {
		fputs("scale-load: out of memory\n", stderr);
		exit(2);
	}
	w->n = n;
	w->case_id = r->cases[(size_t)n % r->ncases][0];
	w->svc = r->cases[(size_t)n % r->ncases][1];
	w->sent = now();
	r->inflight++;
	write_send(r, w);
}

/* The note's id when the answer (HTTP status in *status) is a created
 * note, else 0. */
static int64_t written_id(struct write *w, CURLcode code, long *status)
{
	*status = 0;
	curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, status);
	if (code != CURLE_OK || (*status != 200 && *status != 201) || !w->resp)
		return 0;
	json_t *j = json_loads(w->resp, 0, NULL);
	int64_t id = json_is_integer(json_object_get(j, "id")) ?
		     json_integer_value(json_object_get(j, "id")) : 0;
	json_decref(j);
	return id;
}

/* The writer's news to the reader.  A full pipe blocks the writer: the
 * reader reads it at every turn, and 1 MiB holds some seconds of acks. */
static void tell_reader(struct run *r, const struct wmsg *m)
{
	while (write(r->to_reader, m, sizeof(*m)) < 0 && errno == EINTR)
		;
}

/* The reader's side: the acks that came, and the end. */
static void hear_writer(struct run *r)
{
	struct wmsg m[64];
	ssize_t n;
	while ((n = read(r->from_writer, m, sizeof(m))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(*m); i++) {
			if (m[i].kind == WMSG_ACK) {
				r->acks = grow(r->acks, &r->cacks, r->nacks + 1, sizeof(*r->acks));
				r->acks[r->nacks++] = m[i].a;
				continue;
			}
			r->sent = m[i].sent;
			r->failed = m[i].failed;
			r->retries = m[i].retries;
			memcpy(r->tries, m[i].tries, sizeof(r->tries));
			r->mid_at = m[i].mid_at;
			r->writer_over = true;
		}
	}
	if (n == 0 && !r->writer_over) {
		fputs("scale-load: the writer process died\n", stderr);
		r->writer_over = true;
	}
}

static void write_ended(struct run *r, struct write *w, CURLcode code)
{
	long status;
	int64_t id = written_id(w, code, &status);
	/* 409: the key's first request is still running (or its node died
	 * with it, until guichetd takes the claim over): not a failed try */
	bool running = status == 409 && now() - w->sent < IN_PROGRESS_WAIT;
	curl_multi_remove_handle(r->multi, w->easy);
	curl_easy_cleanup(w->easy);
	curl_slist_free_all(w->hdrs);
	w->easy = NULL;
	if (!id)
		r->tries[code != CURLE_OK ? TRY_TIMEOUT : status == 409 ? TRY_IN_PROGRESS
			 : status >= 500 ? TRY_5XX : TRY_OTHER]++;
	if (id) {
		tell_reader(r, &(struct wmsg){ .kind = WMSG_ACK, .a = { id, w->svc, w->sent, now() } });
	} else if (running || ++w->attempt < 3 * r->nnodes) {
		r->retries++;
		w->again_at = now() + BACKOFF;
		if (r->retry_tail)
			r->retry_tail->next = w;
		else
			r->retry_head = w;
		r->retry_tail = w;
		return;
	} else {
		r->failed++;
	}
	free(w->resp);
	free(w);
	r->inflight--;
}

/* Retries wait the same time: the queue is in the order they are due. */
static void retries_due(struct run *r)
{
	double t = now();
	while (r->retry_head && r->retry_head->again_at <= t) {
		struct write *w = r->retry_head;
		r->retry_head = w->next;
		if (!r->retry_head)
			r->retry_tail = NULL;
		w->next = NULL;
		write_send(r, w);
	}
}

static void finished(struct run *r, CURL *e, CURLcode code)
{
	void *owner = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&owner);
	const char *debug = getenv("SCALE_LOAD_DEBUG");
	if (debug && *debug) {
		long status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		double c = 0, tls = 0, first = 0, total = 0;
		char *url = NULL;
		curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
		curl_easy_getinfo(e, CURLINFO_CONNECT_TIME, &c);
		curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME, &tls);
		curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME, &first);
		curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &total);
		fprintf(stderr, "scale-load: %s %s ended: %s, HTTP %ld (connect %.1f, tls %.1f, first byte %.1f, total %.1f s)\n",
			is_stream(r, owner) ? "stream" : "write", url ? url : "?", curl_easy_strerror(code), status,
			c, tls, first, total);
	}
	if (is_stream(r, owner))
		stream_ended(r, owner);
	else
		write_ended(r, owner, code);
}

/* --- the run's phases ----------------------------------------------------- */

/* Run the loop for up to `seconds`, until done(r) says so. */
static void run_until(struct run *r, double seconds, bool (*done)(struct run *))
{
	double end = now() + seconds, scanned = 0;
	do {
		double left = end - now();
		turn(r, left < 0 ? 0 : left > 0.05 ? 0.05 : left);
		retries_due(r);
		if (now() - scanned >= 0.05) {
			streams_due(r);
			scanned = now();
		}
	} while (now() < end && !done(r));
}

static bool all_open(struct run *r)
{
	for (size_t i = 0; i < r->nstreams; i++)
		if (!r->streams[i].opened)
			return false;
	return true;
}

static bool never(struct run *r)
{
	(void)r;
	return false;
}

static bool midway_over(struct run *r)
{
	if (r->mid > 0 && waitpid(r->mid, NULL, WNOHANG) == r->mid)
		r->mid = 0;
	return r->mid <= 0 && r->inflight == 0;
}

static void start_midway(struct run *r)
{
	char *argv[] = { "sh", "-c", (char *)r->midway, NULL };
	r->mid_at = now();
	if (posix_spawn(&r->mid, "/bin/sh", NULL, NULL, argv, environ) != 0) {
		fprintf(stderr, "scale-load: cannot run the midway command\n");
		r->mid = 0;
	}
}

static long write_phase(struct run *r)
{
	double start = now();
	long n = 0;
	bool mid = false;
	r->first_write = start;
	while (now() - start < r->seconds) {
		while (start + n / r->rate <= now() && now() - start < r->seconds)
			write_new(r, n++);
		if (r->midway && !mid && now() - start >= r->seconds / 2) {
			start_midway(r);
			mid = true;
		}
		double next = start + n / r->rate - now();
		run_until(r, next > 0 ? next : 0, never);
	}
	run_until(r, 120, midway_over);
	return n;
}

/* --- what was measured -------------------------------------------------- */

static bool sees(const struct group *g, int64_t svc)
{
	if (g->all)
		return true;
	for (size_t i = 0; i < g->nsvcs; i++)
		if (g->svcs[i] == svc)
			return true;
	return false;
}

static int by_ack_id(const void *a, const void *b)
{
	int64_t x = ((const struct ack *)a)->id, y = ((const struct ack *)b)->id;
	return (x > y) - (x < y);
}

static int by_note(const void *a, const void *b)
{
	int64_t x = ((const struct arrival *)a)->note, y = ((const struct arrival *)b)->note;
	return (x > y) - (x < y);
}

static int by_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Walk a stream's arrivals (sorted) beside the acknowledged notes (sorted):
 * what it should have had, what it had, and each one's latency. */
static void account(const struct run *r, struct stream *s, long *expected, long *delivered,
		    float **lat, size_t *nlat, size_t *clat)
{
	if (!s->opened)
		return;
	qsort(s->arr, s->narr, sizeof(*s->arr), by_note);
	size_t j = 0;
	for (size_t i = 0; i < r->nacks; i++) {
		const struct ack *a = &r->acks[i];
		if (a->sent <= s->opened || !sees(s->g, a->svc))
			continue;
		(*expected)++;
		while (j < s->narr && s->arr[j].note < a->id)
			j++;
		if (j < s->narr && s->arr[j].note == a->id) {
			(*delivered)++;
			*lat = grow(*lat, clat, *nlat + 1, sizeof(**lat));
			(*lat)[(*nlat)++] = (float)((s->arr[j].t - a->sent) * 1000);
		}
	}
}

static size_t wanted(const struct run *r, const struct stream *s)
{
	size_t want = 0;
	for (size_t k = 0; k < r->nacks; k++)
		want += r->acks[k].sent > s->opened && sees(s->g, r->acks[k].svc);
	return want;
}

/* Quick enough to ask every few turns: no stream has fewer notes than it
 * should (an unacknowledged write that was committed only adds one).  A
 * stream open before the first write should have all its group sees. */
static bool quiet(struct run *r)
{
	static double last;
	if (now() - last < 0.2)
		return false;
	last = now();
	size_t per_group[256];
	for (size_t g = 0; g < r->ngroups; g++) {
		per_group[g] = 0;
		for (size_t k = 0; k < r->nacks; k++)
			per_group[g] += sees(&r->groups[g], r->acks[k].svc);
	}
	for (size_t i = 0; i < r->nstreams; i++) {
		const struct stream *s = &r->streams[i];
		if (!s->opened)
			continue;
		size_t want = s->opened < r->first_write ? per_group[s->g - r->groups] : wanted(r, s);
		if (want > s->narr)
			return false;
	}
	return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct write *w = arg; /* its answer buffer only */
	return on_write_data(data, size, nmemb, w);
}

/* GET path from the first node that answers 200; its JSON (new
 * reference) or NULL. */
static json_t *get_json(struct run *r, const char *path)
{
	for (int k = 0; k < r->nnodes; k++) {
		struct write buf = { 0 };
		CURL *e = easy_for(r, &r->nodes[k], path, NULL);
		struct curl_slist *h = with_token(NULL, r->writer);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &buf);
		long status = 0;
		if (curl_easy_perform(e) == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(e);
		curl_slist_free_all(h);
		json_t *j = status == 200 && buf.resp ? json_loads(buf.resp, 0, NULL) : NULL;
		free(buf.resp);
		if (json_is_object(j))
			return j;
		json_decref(j);
	}
	return NULL;
}

/* One case's whole history, page after page; a json array (new
 * reference) or NULL when a page could not be read. */
static json_t *case_notes(struct run *r, int64_t case_id)
{
	char path[1024];
	json_t *all = json_array();
	const char *cursor = NULL;
	json_t *j = NULL;
	do {
		snprintf(path, sizeof(path), "/api/v1/cases/%lld/events%s%s", (long long)case_id,
			 cursor ? "?cursor=" : "", cursor ? cursor : "");
		json_t *next = get_json(r, path);
		json_decref(j); /* after the path was made from its cursor */
		if (!(j = next) || !json_is_array(json_object_get(j, "items"))) {
			json_decref(j);
			json_decref(all);
			return NULL;
		}
		json_array_extend(all, json_object_get(j, "items"));
		cursor = json_string_value(json_object_get(j, "next_cursor"));
	} while (cursor);
	json_decref(j);
	return all;
}

static long found_afterwards(struct run *r)
{
	long found = 0;
	for (size_t c = 0; c < r->ncases; c++) {
		json_t *items = case_notes(r, r->cases[c][0]), *e;
		size_t i;
		json_array_foreach(items, i, e) {
			const char *kind = json_string_value(json_object_get(e, "kind"));
			struct ack key = { .id = json_integer_value(json_object_get(e, "id")) };
			if (kind && strcmp(kind, "note") == 0 &&
			    bsearch(&key, r->acks, r->nacks, sizeof(key), by_ack_id))
				found++;
		}
		json_decref(items);
	}
	return found;
}

static float pct(const float *v, size_t n, double p)
{
	if (!n)
		return -1;
	size_t i = (size_t)(p / 100 * (double)n);
	return v[i < n ? i : n - 1];
}

/* --- main ---------------------------------------------------------------- */

static const char USAGE[] =
	"usage: scale-load --plan FILE [--rate R] [--seconds S] [--midway CMD]\n"
	"  FILE (0600) lines: node URL CAFILE | writer TOKEN | case ID SERVICE_ID |\n"
	"                     streams COUNT TOKEN SVCS (service ids, or *)\n"
	"  defaults: --rate 50 --seconds 30\n";

static int parse_args(struct run *r, int argc, char **argv, const char **plan)
{
	r->rate = 50;
	r->seconds = 30;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(USAGE, stdout);
			exit(0);
		} else if (strcmp(argv[i], "--plan") == 0 && v) {
			*plan = v;
		} else if (strcmp(argv[i], "--rate") == 0 && v && (r->rate = strtod(v, NULL)) > 0) {
		} else if (strcmp(argv[i], "--seconds") == 0 && v && (r->seconds = strtod(v, NULL)) > 0) {
		} else if (strcmp(argv[i], "--midway") == 0 && v) {
			r->midway = v;
		} else {
			fputs(USAGE, stderr);
			return -1;
		}
		i++;
	}
	if (!*plan) {
		fputs(USAGE, stderr);
		return -1;
	}
	return 0;
}

static void more_files(void)
{
	struct rlimit l;
	if (getrlimit(RLIMIT_NOFILE, &l) == 0) {
		l.rlim_cur = l.rlim_max;
		setrlimit(RLIMIT_NOFILE, &l);
	}
}

static double secs(struct timeval tv)
{
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static bool report(struct run *r, double began, double wall0)
{
	long expected = 0, delivered = 0, dups = 0, reconnects = 0;
	size_t nlat = 0, clat = 0, opened = 0, nsteady = 0, csteady = 0, nback = 0;
	float *lat = NULL, *steady = NULL;
	double last_back = 0;
	qsort(r->acks, r->nacks, sizeof(*r->acks), by_ack_id);
	for (size_t i = 0; i < r->nstreams; i++) {
		struct stream *s = &r->streams[i];
		size_t from = nlat;
		account(r, s, &expected, &delivered, &lat, &nlat, &clat);
		dups += s->dups;
		reconnects += s->reconnects;
		opened += s->opened != 0;
		if (s->reconnects) {
			nback++;
			if (s->back_at > last_back)
				last_back = s->back_at;
			continue;
		}
		/* the desks the kill did not touch */
		for (size_t k = from; k < nlat; k++) {
			steady = grow(steady, &csteady, nsteady + 1, sizeof(*steady));
			steady[nsteady++] = lat[k];
		}
	}
	qsort(steady, nsteady, sizeof(*steady), by_float);
	qsort(lat, nlat, sizeof(*lat), by_float);
	size_t cack = 0;
	float *ack = grow(NULL, &cack, r->nacks, sizeof(*ack));
	for (size_t i = 0; i < r->nacks; i++)
		ack[i] = (float)((r->acks[i].acked - r->acks[i].sent) * 1000);
	qsort(ack, r->nacks, sizeof(*ack), by_float);
	long found = found_afterwards(r);
	struct rusage ru, wr;
	getrusage(RUSAGE_SELF, &ru);
	getrusage(RUSAGE_CHILDREN, &wr); /* the writer, waited for */
	printf("writes sent:                     %ld\n", r->sent);
	printf("writes acknowledged:             %zu (%ld failed, %ld retries)\n", r->nacks, r->failed,
	       r->retries);
	if (r->failed || r->retries)
		printf("tries not acknowledged:          %ld timed out or cut, %ld 409 in progress,"
		       " %ld 5xx, %ld other\n", r->tries[TRY_TIMEOUT], r->tries[TRY_IN_PROGRESS],
		       r->tries[TRY_5XX], r->tries[TRY_OTHER]);
	printf("write answer p50 / p99:          %.0f ms / %.0f ms  (write sent -> 201 read)\n",
	       pct(ack, r->nacks, 50), pct(ack, r->nacks, 99));
	printf("events expected:                 %ld\n", expected);
	printf("events delivered:                %ld\n", delivered);
	printf("events lost:                     %ld\n", expected - delivered);
	printf("events duplicated:               %ld\n", dups);
	printf("delivery latency p50 / p99:      %.0f ms / %.0f ms  (write sent -> event read)\n",
	       pct(lat, nlat, 50), pct(lat, nlat, 99));
	if (nsteady && nback)
		printf("  on desks not reconnected:      %.0f ms / %.0f ms\n", pct(steady, nsteady, 50),
		       pct(steady, nsteady, 99));
	printf("stream reconnections:            %ld\n", reconnects);
	if (nback && r->mid_at && last_back > r->mid_at)
		printf("  all back within:               %.1f s of the kill (%zu desks)\n",
		       last_back - r->mid_at, nback);
	printf("acknowledged writes found afterwards: %ld of %zu\n", found, r->nacks);
	printf("events read per second:          %.0f\n", delivered / (now() - began));
	printf("load client CPU:                 %.1f s user, %.1f s system over %.1f s wall"
	       " (writer: %.1f s)\n", secs(ru.ru_utime) + secs(wr.ru_utime),
	       secs(ru.ru_stime) + secs(wr.ru_stime), now() - wall0,
	       secs(wr.ru_utime) + secs(wr.ru_stime));
	free(lat);
	free(steady);
	free(ack);
	bool ok = expected == delivered && dups == 0 && found == (long)r->nacks && r->nacks > 0 &&
		  opened == r->nstreams;
	return ok;
}

static void cleanup(struct run *r)
{
	for (size_t i = 0; i < r->nstreams; i++) {
		stream_stop(r, &r->streams[i]);
		free(r->streams[i].buf);
		free(r->streams[i].arr);
	}
	free(r->streams);
	free(r->acks);
	if (r->multi)
		curl_multi_cleanup(r->multi);
	if (r->ep >= 0)
		close(r->ep);
	curl_global_cleanup();
}

static int loop_init(struct run *r)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(r->multi = curl_multi_init()) ||
	    (r->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fputs("scale-load: cannot set up libcurl and epoll\n", stderr);
		return -1;
	}
	curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
	curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
	return 0;
}

/* The writer process: waits for the reader's go (its streams are open),
 * writes, runs the midway command, and tells the reader each ack and the
 * end.  Its exit status is its own; the reader judges. */
static int writer_main(struct run *r, int go, int to_reader)
{
	char c;
	r->nstreams = 0; /* the reader's */
	r->to_reader = to_reader;
	if (read(go, &c, 1) != 1 || loop_init(r) < 0)
		return 2;
	struct wmsg end = { .kind = WMSG_END };
	end.sent = write_phase(r);
	end.failed = r->failed;
	end.retries = r->retries;
	memcpy(end.tries, r->tries, sizeof(end.tries));
	end.mid_at = r->mid_at;
	tell_reader(r, &end);
	cleanup(r);
	return 0;
}

static bool writer_over(struct run *r)
{
	return r->writer_over;
}

/* Until every stream has what it should, while some still read. */
static void drain(struct run *r)
{
	double start = now();
	r->last_read = start;
	while (!quiet(r) && now() - r->last_read < DRAIN_STALLED && now() - start < DRAIN_MAX)
		run_until(r, 1, quiet);
}

/* The writer, forked before libcurl is set up: it inherits no connection. */
static pid_t start_writer(struct run *r, int *go)
{
	int down[2] = { -1, -1 }, up[2] = { -1, -1 };
	if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0)
		goto fail;
	fcntl(up[1], F_SETPIPE_SZ, 1 << 20);
	pid_t pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		_exit(writer_main(r, down[0], up[1]));
	}
	close(down[0]);
	close(up[1]);
	*go = down[1];
	r->from_writer = up[0];
	fcntl(up[0], F_SETFL, O_NONBLOCK);
	return pid;
fail:
	for (int i = 0; i < 2; i++) {
		if (down[i] >= 0)
			close(down[i]);
		if (up[i] >= 0)
			close(up[i]);
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct run r = { .ep = -1, .timer_at = -1, .to_reader = -1, .from_writer = -1 };
	const char *plan = NULL;
	int go = -1;
	if (parse_args(&r, argc, argv, &plan) < 0 || read_plan(&r, plan) < 0)
		return 2;
	more_files();
	signal(SIGPIPE, SIG_IGN);
	double wall0 = now();
	pid_t writer = start_writer(&r, &go);
	if (writer < 0 || loop_init(&r) < 0) {
		fputs("scale-load: cannot start the writer process\n", stderr);
		cleanup(&r);
		return 2;
	}
	epoll_ctl(r.ep, EPOLL_CTL_ADD, r.from_writer,
		  &(struct epoll_event){ .events = EPOLLIN, .data.fd = r.from_writer });
	run_until(&r, 120, all_open);
	size_t opened = 0;
	for (size_t i = 0; i < r.nstreams; i++)
		opened += r.streams[i].opened != 0;
	printf("streams open:                    %zu of %zu in %.1f s\n", opened, r.nstreams,
	       now() - wall0);
	fflush(stdout);
	double began = now();
	r.first_write = began;
	if (write(go, "g", 1) != 1)
		r.writer_over = true;
	run_until(&r, r.seconds + 300, writer_over);
	waitpid(writer, NULL, 0);
	drain(&r);
	r.done = true;
	for (size_t i = 0; i < r.nstreams; i++)
		stream_stop(&r, &r.streams[i]);
	bool ok = r.writer_over && report(&r, began, wall0);
	close(go);
	cleanup(&r);
	return ok ? 0 : 1;
}
