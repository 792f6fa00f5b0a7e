/* The event hub (see hub.h).
 *
 * A stream is a libmicrohttpd response whose reader callback writes the
 * events the reader may see, then suspends the connection when there is
 * nothing to send.  hub_notify (after a commit) and the heartbeat thread
 * resume suspended streams, through the suspend and resume given at
 * hub_new (the hub never calls the HTTP glue itself); every resume and
 * every suspend happens under the hub lock, so no wake-up is lost and no
 * stream is freed while being resumed (libmicrohttpd never ends a
 * suspended connection). */
#include "server/hub.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/caller.h"
#include "server/clock.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/store.h"

#define RING 8192
#define FILL_MAX (64 * 1024)
#define CATCHUP_BATCH 500

struct hub_event {
	int64_t seq;
	char *type, *data;
	int64_t service_id, agent_id, chat_id;
	bool staff, is_public;
};

struct stream {
	struct hub *h;
	struct MHD_Connection *conn;
	struct caller caller;
	int64_t last_seq;
	char *buf;
	size_t len, off, cap;
	bool suspended;
	uint64_t last_write_ns;
	uint64_t serial;          /* names the stream outside the lock */
	bool revoked;             /* its token is no longer valid: end it */
	bool behind;              /* its next events were purged: end it, its
				     reconnection gets 410 */
	struct stream *prev, *next;
};

struct hub {
	struct server *srv;
	const struct hub_conn_ops *ops; /* the HTTP glue's suspend and resume */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct hub_event ring[RING];
	int64_t loaded;          /* newest seq in the ring */
	struct stream *streams;
	bool stopping;
	pthread_t beat;
	uint64_t next_serial;
	uint64_t checked_ns;     /* when the streams' tokens were last checked */
	bool beat_started;
};

static struct hub_event *slot(struct hub *h, int64_t seq)
{
	return &h->ring[seq % RING];
}

/* Load committed events newer than h->loaded into the ring (lock held). */
static void load_new(struct hub *h)
{
	struct store_tx *tx = store_tx_get(h->srv->store);
	if (!tx)
		return;
	for (;;) {
		json_t *items = NULL;
		if (tx->ops->events_since(tx, h->loaded, CATCHUP_BATCH, &items) != STORE_OK)
			return;
		size_t i, n = json_array_size(items);
		json_t *e;
		json_array_foreach(items, i, e) {
			struct hub_event *s = slot(h, json_integer_value(json_object_get(e, "seq")));
			free(s->type);
			free(s->data);
			s->seq = json_integer_value(json_object_get(e, "seq"));
			s->type = strdup(json_string_value(json_object_get(e, "type")));
			s->data = strdup(json_string_value(json_object_get(e, "data")));
			s->service_id = json_integer_value(json_object_get(e, "service_id"));
			s->agent_id = json_integer_value(json_object_get(e, "agent_id"));
			s->chat_id = json_integer_value(json_object_get(e, "chat_id"));
			s->staff = json_integer_value(json_object_get(e, "staff"));
			s->is_public = json_integer_value(json_object_get(e, "public"));
			h->loaded = s->seq;
		}
		json_decref(items);
		if (n < CATCHUP_BATCH)
			return;
	}
}

/* A staff event that names a service or an agent (a case's) is for every
 * agent, unless the server says such events go to the ones named only
 * (--case-events service). */
static bool visible(const struct stream *s, int64_t service_id, int64_t agent_id, int64_t chat_id,
		    bool staff, bool is_public)
{
	const struct caller *c = &s->caller;
	if (c->role == ROLE_PUBLIC)
		return is_public && chat_id == c->chat_id;
	if (c->role & ROLES_SUPERVISION)
		return true;
	if (staff && (!s->h->srv->cfg.case_events_by_service || (!service_id && !agent_id)))
		return true;
	if (agent_id && agent_id == c->agent_id)
		return true;
	return service_id && caller_in_service(c, service_id);
}

/* Whether suspended stream s may see one of the events loaded since it
 * last read (lock held).  When it may see none, it moves past them while
 * still suspended: with thousands of streams spread over many services, a
 * write wakes only the few that see it, not every connection of the node.
 * A gap the ring no longer holds is news: fill() reads it from the store. */
static bool has_news(struct hub *h, struct stream *s)
{
	if (h->loaded - s->last_seq > RING - 16)
		return true;
	for (int64_t seq = s->last_seq + 1; seq <= h->loaded; seq++) {
		const struct hub_event *e = slot(h, seq);
		if (e->seq != seq ||
		    visible(s, e->service_id, e->agent_id, e->chat_id, e->staff, e->is_public))
			return true;
	}
	s->last_seq = h->loaded;
	return false;
}

/* Resume the suspended streams that have something to read (lock held). */
static void wake_seeing(struct hub *h)
{
	for (struct stream *s = h->streams; s; s = s->next) {
		if (s->suspended && has_news(h, s)) {
			s->suspended = false;
			h->ops->resume(s->conn);
		}
	}
}

/* Resume every suspended stream (lock held). */
static void wake_all(struct hub *h, uint64_t older_than_ns)
{
	for (struct stream *s = h->streams; s; s = s->next) {
		if (s->suspended && s->last_write_ns <= older_than_ns) {
			s->suspended = false;
			h->ops->resume(s->conn);
		}
	}
}

void hub_notify(struct hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	load_new(h);
	wake_seeing(h);
	pthread_mutex_unlock(&h->lock);
}

int64_t hub_last_seq(struct hub *h)
{
	pthread_mutex_lock(&h->lock);
	int64_t v = h->loaded;
	pthread_mutex_unlock(&h->lock);
	return v;
}

static int put(struct stream *s, const char *text, size_t n)
{
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b)
			return -1;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	return 0;
}

static void put_event(struct stream *s, int64_t seq, const char *type, const char *data)
{
	char head[160];
	int n = snprintf(head, sizeof(head), "id: %lld\nevent: %s\ndata: ", (long long)seq, type);
	if (n > 0 && (size_t)n < sizeof(head) && put(s, head, (size_t)n) == 0 &&
	    put(s, data, strlen(data)) == 0)
		put(s, "\n\n", 2);
}

/* Catch-up reads in one snapshot with the purge boundary, so that a purge
 * committing meanwhile cannot make the read skip events unnoticed. */
static int read_after(struct store_tx *tx, int64_t after, json_t **items, bool *behind)
{
	int64_t purged = 0, purged_at = 0;
	if (tx->ops->begin_read(tx) != STORE_OK)
		return -1;
	int rc = tx->ops->event_purged(tx, &purged, &purged_at);
	*behind = rc == STORE_OK && after < purged;
	if (rc == STORE_OK && !*behind)
		rc = tx->ops->events_since(tx, after, CATCHUP_BATCH, items);
	tx->ops->rollback(tx);
	return rc == STORE_OK ? 0 : -1;
}

/* Events the stream has not seen, from the store (when the ring does not
 * hold them).  Lock held.  Returns -1 when it could not move on: a store
 * error (tried again at the next wake-up), or the stream is behind a purge
 * (it is then ended). */
static int fill_from_store(struct stream *s)
{
	struct store_tx *tx = store_tx_get(s->h->srv->store);
	json_t *items = NULL;
	if (!tx || read_after(tx, s->last_seq, &items, &s->behind) < 0 || s->behind)
		return -1;
	size_t i, n = json_array_size(items);
	json_t *e;
	json_array_foreach(items, i, e) {
		int64_t seq = json_integer_value(json_object_get(e, "seq"));
		if (visible(s, json_integer_value(json_object_get(e, "service_id")),
			    json_integer_value(json_object_get(e, "agent_id")),
			    json_integer_value(json_object_get(e, "chat_id")),
			    json_integer_value(json_object_get(e, "staff")),
			    json_integer_value(json_object_get(e, "public"))))
			put_event(s, seq, json_string_value(json_object_get(e, "type")),
				  json_string_value(json_object_get(e, "data")));
		s->last_seq = seq;
		if (s->len >= FILL_MAX)
			break;
	}
	json_decref(items);
	return n ? 0 : -1;
}

/* The ring serves an event only when its slot holds that very seq: after a
 * restart it holds only the newest RING/2, and a purge may have taken what
 * it lacks, which fill_from_store then says. */
static void fill(struct stream *s)
{
	struct hub *h = s->h;
	while (s->last_seq < h->loaded && s->len < FILL_MAX) {
		struct hub_event *e = slot(h, s->last_seq + 1);
		if (h->loaded - s->last_seq > RING - 16 || e->seq != s->last_seq + 1) {
			if (fill_from_store(s) < 0)
				return;
			continue;
		}
		if (visible(s, e->service_id, e->agent_id, e->chat_id, e->staff, e->is_public))
			put_event(s, e->seq, e->type, e->data);
		s->last_seq++;
	}
}

long hub_stream_read(void *p, struct MHD_Connection *conn, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct stream *s = p;
	struct hub *h = s->h;
	pthread_mutex_lock(&h->lock);
	if (h->stopping || s->revoked) {
		pthread_mutex_unlock(&h->lock);
		return -1; /* the end of the stream: a revoked reader must log in again */
	}
	if (s->off == s->len) {
		s->off = s->len = 0;
		fill(s);
	}
	if (s->behind && s->len == 0) {
		pthread_mutex_unlock(&h->lock);
		return -1; /* what was sent went out; the reconnection gets 410 */
	}
	uint64_t now = now_ns();
	if (s->len == 0 && now - s->last_write_ns >= (uint64_t)h->srv->cfg.heartbeat_s * 1000000000u)
		put(s, ": keep-alive\n\n", 14);
	if (s->len == 0) {
		s->suspended = true;
		h->ops->suspend(conn);
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	size_t n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->buf + s->off, n);
	s->off += n;
	s->last_write_ns = now;
	pthread_mutex_unlock(&h->lock);
	return (long)n;
}

void hub_stream_free(void *p)
{
	struct stream *s = p;
	struct hub *h = s->h;
	pthread_mutex_lock(&h->lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&h->lock);
	metrics_streams(h->srv->metrics, -1);
	free(s->buf);
	free(s);
}

void *hub_open_stream(struct hub *h, const struct caller *caller, struct MHD_Connection *conn,
		      int64_t last_id)
{
	struct stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->h = h;
	s->conn = conn;
	s->caller = *caller;
	s->last_write_ns = now_ns();
	put(s, "retry: 2000\n: connected\n\n", 25);
	pthread_mutex_lock(&h->lock);
	load_new(h);
	s->last_seq = last_id < 0 || last_id > h->loaded ? h->loaded : last_id;
	s->serial = ++h->next_serial;
	s->next = h->streams;
	if (h->streams)
		h->streams->prev = s;
	h->streams = s;
	pthread_mutex_unlock(&h->lock);
	metrics_streams(h->srv->metrics, 1);
	return s;
}

/* A stream lives longer than the token that opened it: every few
 * heartbeats each stream's token is looked up again, and the streams whose
 * token was revoked (logout), has expired, or whose agent was disabled are
 * ended.  The lookups run outside the hub lock, streams named by serial. */
struct check {
	uint64_t serial;
	unsigned char hash[32];
};

static void revoke(struct hub *h, const struct check *bad, size_t nbad)
{
	for (struct stream *s = h->streams; s; s = s->next) {
		for (size_t i = 0; i < nbad; i++) {
			if (s->serial != bad[i].serial)
				continue;
			s->revoked = true;
			if (s->suspended) {
				s->suspended = false;
				h->ops->resume(s->conn);
			}
		}
	}
}

/* Called with the lock held; returns with it held. */
static void check_tokens(struct hub *h)
{
	size_t n = 0, nbad = 0;
	for (struct stream *s = h->streams; s; s = s->next)
		n++;
	struct check *all = n ? calloc(n, sizeof(*all)) : NULL;
	if (!all)
		return;
	n = 0;
	for (struct stream *s = h->streams; s; s = s->next) {
		all[n].serial = s->serial;
		memcpy(all[n++].hash, s->caller.token_hash, 32);
	}
	pthread_mutex_unlock(&h->lock);
	struct store_tx *tx = store_tx_get(h->srv->store);
	if (tx && tx->ops->begin_read(tx) == STORE_OK) {
		int64_t now = (int64_t)time(NULL), tid, aid, cid;
		char role[16], login[65];
		for (size_t i = 0; i < n; i++)
			if (tx->ops->token_lookup(tx, all[i].hash, now, &tid, &aid, &cid, role, login) ==
			    STORE_NOT_FOUND)
				all[nbad++] = all[i];
		tx->ops->rollback(tx);
	}
	pthread_mutex_lock(&h->lock);
	revoke(h, all, nbad);
	free(all);
}

/* Wake idle streams once a second so that each sends its keep-alive in
 * time (and a vanished client is noticed when the write fails). */
static void *heartbeat(void *arg)
{
	struct hub *h = arg;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&h->wake, &h->lock, &ts);
		if (h->stopping)
			break;
		uint64_t period = (uint64_t)h->srv->cfg.heartbeat_s * 1000000000u;
		uint64_t now = now_ns();
		wake_all(h, now > period ? now - period : 0);
		if (now - h->checked_ns >= 2 * period) {
			h->checked_ns = now;
			check_tokens(h);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct hub *hub_new(struct server *srv, const struct hub_conn_ops *ops)
{
	struct hub *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->srv = srv;
	h->ops = ops;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	struct store_tx *tx = store_tx_get(srv->store);
	int64_t last = 0;
	if (tx)
		tx->ops->event_last_seq(tx, &last);
	/* Keep the newest events in the ring so that a quick reconnect after
	 * a restart is served from memory. */
	h->loaded = last > RING / 2 ? last - RING / 2 : 0;
	pthread_mutex_lock(&h->lock);
	load_new(h);
	/* The newest seq stays known when a purge took every event, so that
	 * "from now" starts there and not before the purge. */
	if (h->loaded < last)
		h->loaded = last;
	pthread_mutex_unlock(&h->lock);
	if (pthread_create(&h->beat, NULL, heartbeat, h) == 0)
		h->beat_started = true;
	return h;
}

void hub_stop(struct hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->wake);
	wake_all(h, UINT64_MAX); /* each stream then ends itself */
	pthread_mutex_unlock(&h->lock);
	if (h->beat_started)
		pthread_join(h->beat, NULL);
	h->beat_started = false;
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	for (int i = 0; i < RING; i++) {
		free(h->ring[i].type);
		free(h->ring[i].data);
	}
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
