/* The event hub (see hub.h).
 *
 * A stream is a libmicrohttpd response whose reader callback writes the
 * events the reader may see, then suspends the connection when there is
 * nothing to send.  hub_notify (after a commit) and the heartbeat thread
 * resume suspended streams, through the suspend and resume given at
 * hub_new (the hub never calls the HTTP glue itself); every resume and
 * every suspend happens under the hub lock, so no wake-up is lost and no
 * stream is freed while being resumed (libmicrohttpd never ends a
 * suspended connection).
 *
 * With thousands of streams on a node, a write must cost only its
 * readers: a suspended stream waits in an index by audience
 * (hub_audience.h), a load wakes the waiters of its events' audiences, and
 * the store is read outside the hub lock, by one loader at a time (a
 * commit that finds a load running leaves it a note to read again).
 * The loads run in a thread of the hub's own: a commit only wakes it. */
#include "server/hub.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/caller.h"
#include "server/clock.h"
#include "server/hub_audience.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/store.h"

#define RING 8192
#define FILL_MAX (64 * 1024)
#define CATCHUP_BATCH 500

struct hub_event {
	int64_t seq;
	char *type, *data;
	int naud;
	audience aud[AUDIENCES_EVENT]; /* who may see it */
};

struct stream {
	struct hub *h;
	struct MHD_Connection *conn;
	struct caller caller;
	int64_t last_seq;
	char *buf;
	size_t len, off, cap;
	bool suspended;
	int64_t wait_seq;         /* h->loaded when it was suspended: every event
				     after it that it may see wakes it */
	uint64_t last_write_ns;
	uint64_t serial;          /* names the stream outside the lock */
	bool revoked;             /* its token is no longer valid: end it */
	bool behind;              /* its next events were purged: end it, its
				     reconnection gets 410 */
	struct stream *prev, *next;
	int naud;
	struct waiter waits[];    /* one per audience of its caller, joined to
				     h->waiting while suspended */
};

struct hub {
	struct server *srv;
	const struct hub_conn_ops *ops; /* the HTTP glue's suspend and resume */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct hub_event ring[RING];
	int64_t loaded;          /* newest seq in the ring */
	struct stream *streams;
	struct wait_index waiting; /* the suspended streams, by audience */
	bool loading;            /* a thread is loading new events */
	bool reload;             /* events committed since that load began */
	bool stopping;
	pthread_t beat;
	uint64_t next_serial;
	uint64_t checked_ns;     /* when the streams' tokens were last checked */
	pthread_cond_t news;     /* reload was set: wakes the loader */
	pthread_t load;
	bool beat_started, loader_started;
};

static struct hub_event *slot(struct hub *h, int64_t seq)
{
	return &h->ring[seq % RING];
}

static void scope_of(const json_t *e, struct event_scope *sc)
{
	sc->service_id = json_integer_value(json_object_get(e, "service_id"));
	sc->agent_id = json_integer_value(json_object_get(e, "agent_id"));
	sc->chat_id = json_integer_value(json_object_get(e, "chat_id"));
	sc->staff = json_integer_value(json_object_get(e, "staff"));
	sc->is_public = json_integer_value(json_object_get(e, "public"));
}

/* Whether stream s may see an event of audiences aud: the same rule as
 * its wake-ups (hub_audience.c). */
static bool visible(const struct stream *s, const audience *aud, int naud)
{
	for (int i = 0; i < naud; i++)
		for (int j = 0; j < s->naud; j++)
			if (aud[i] == s->waits[j].key)
				return true;
	return false;
}

static bool visible_row(const struct stream *s, const json_t *e)
{
	struct event_scope sc;
	audience aud[AUDIENCES_EVENT];
	scope_of(e, &sc);
	return visible(s, aud, audiences_of_event(&sc, s->h->srv->cfg.case_events_by_service, aud));
}

/* Resume suspended stream s (lock held).  Nothing it may see came after
 * its wait_seq and up to `quiet` (it would have been woken), so it moves
 * past them without reading them again; unless it was suspended behind
 * (a store error left it short of the ring's head). */
static void wake(struct hub *h, struct stream *s, int64_t quiet)
{
	s->suspended = false;
	wait_leave(&h->waiting, s->waits, s->naud);
	if (s->last_seq >= s->wait_seq && quiet > s->last_seq)
		s->last_seq = quiet;
	h->ops->resume(s->conn);
}

struct waking {
	struct hub *h;
	int64_t quiet;
};

static void wake_waiter(void *owner, void *arg)
{
	struct waking *w = arg;
	wake(w->h, owner, w->quiet);
}

/* Resume the suspended streams that may see one of the events after
 * `from`, just put in the ring (lock held). */
static void wake_seeing(struct hub *h, int64_t from)
{
	struct waking w = { h, from };
	for (int64_t seq = from + 1; seq <= h->loaded; seq++) {
		const struct hub_event *e = slot(h, seq);
		for (int i = 0; i < e->naud; i++)
			wait_wake(&h->waiting, e->aud[i], wake_waiter, &w);
	}
}

/* Resume every suspended stream that wrote nothing since older_than_ns
 * (lock held). */
static void wake_all(struct hub *h, uint64_t older_than_ns)
{
	for (struct stream *s = h->streams; s; s = s->next)
		if (s->suspended && s->last_write_ns <= older_than_ns)
			wake(h, s, h->loaded);
}

/* Events store rows as ring slots, made outside the lock; false when out
 * of memory (the load is then tried again at the next wake-up). */
static bool make_events(struct hub *h, json_t *items, struct hub_event *out)
{
	size_t i;
	json_t *e;
	json_array_foreach(items, i, e) {
		struct event_scope sc;
		scope_of(e, &sc);
		out[i].seq = json_integer_value(json_object_get(e, "seq"));
		out[i].type = strdup(json_string_value(json_object_get(e, "type")));
		out[i].data = strdup(json_string_value(json_object_get(e, "data")));
		out[i].naud = audiences_of_event(&sc, h->srv->cfg.case_events_by_service, out[i].aud);
		if (!out[i].type || !out[i].data) {
			for (size_t j = 0; j <= i; j++) {
				free(out[j].type);
				free(out[j].data);
			}
			return false;
		}
	}
	return true;
}

/* Read up to a batch of events after `from` from the store, with the lock
 * released; put them in the ring and wake their readers (lock held again).
 * Returns how many, -1 on a store error or out of memory. */
static long load_batch(struct hub *h, int64_t from)
{
	pthread_mutex_unlock(&h->lock);
	struct store_tx *tx = store_tx_get(h->srv->store);
	json_t *items = NULL;
	struct hub_event *fresh = NULL;
	size_t n = 0;
	long rc = -1;
	if (!tx || tx->ops->events_since(tx, from, CATCHUP_BATCH, &items) != STORE_OK)
		goto out;
	n = json_array_size(items);
	fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!fresh || !make_events(h, items, fresh)) {
		n = 0;
		goto out;
	}
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		struct hub_event *s = slot(h, fresh[i].seq), old = *s;
		*s = fresh[i];
		fresh[i] = old; /* freed below, outside the lock */
		h->loaded = s->seq;
	}
	wake_seeing(h, from);
	pthread_mutex_unlock(&h->lock);
	rc = (long)n;
out:
	for (size_t i = 0; i < n; i++) {
		free(fresh[i].type);
		free(fresh[i].data);
	}
	free(fresh);
	json_decref(items);
	pthread_mutex_lock(&h->lock);
	return rc;
}

/* Load what was committed until nothing new is left (lock held). */
static void load_pending(struct hub *h)
{
	if (h->loading)
		return; /* the loader reads again: reload is set */
	h->loading = true;
	while (h->reload && !h->stopping) {
		h->reload = false;
		if (load_batch(h, h->loaded) == CATCHUP_BATCH)
			h->reload = true;
	}
	h->loading = false;
}

/* The loader thread: a commit only leaves it a note, so that under a
 * steady flow of commits no request's thread is kept loading and waking
 * streams for the others (its own answer and its other connections
 * waiting meanwhile). */
static void *loader(void *arg)
{
	struct hub *h = arg;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		if (!h->reload)
			pthread_cond_wait(&h->news, &h->lock);
		load_pending(h);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

void hub_notify(struct hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->reload = true;
	if (h->loader_started)
		pthread_cond_signal(&h->news);
	else
		load_pending(h); /* at start, or when the thread could not be made */
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
 * hold them).  Called with the lock held, which it releases for the read:
 * the stream is being read, so it is neither suspended nor freed meanwhile.
 * Returns -1 when it could not move on: a store error (tried again at the
 * next wake-up), or the stream is behind a purge (it is then ended). */
static int fill_from_store(struct stream *s)
{
	struct hub *h = s->h;
	json_t *items = NULL;
	bool behind = false;
	pthread_mutex_unlock(&h->lock);
	struct store_tx *tx = store_tx_get(h->srv->store);
	int rc = tx ? read_after(tx, s->last_seq, &items, &behind) : -1;
	pthread_mutex_lock(&h->lock);
	s->behind = behind;
	if (rc < 0 || behind)
		goto out;
	size_t i, n = json_array_size(items);
	json_t *e;
	json_array_foreach(items, i, e) {
		int64_t seq = json_integer_value(json_object_get(e, "seq"));
		if (visible_row(s, e))
			put_event(s, seq, json_string_value(json_object_get(e, "type")),
				  json_string_value(json_object_get(e, "data")));
		s->last_seq = seq;
		if (s->len >= FILL_MAX)
			break;
	}
	rc = n ? 0 : -1;
out:
	json_decref(items);
	return rc;
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
		if (visible(s, e->aud, e->naud))
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
		s->wait_seq = h->loaded;
		wait_join(&h->waiting, s->waits, s->naud);
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
	if (s->suspended) /* libmicrohttpd ends no suspended connection: defensive */
		wait_leave(&h->waiting, s->waits, s->naud);
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

/* The newest seq committed, from the store and not from the ring, which
 * may lag behind: a reader resuming after an id another node gave must
 * not be sent that id again.  h->loaded when the store cannot say. */
static int64_t newest_seq(struct hub *h)
{
	struct store_tx *tx = store_tx_get(h->srv->store);
	int64_t last = 0;
	if (tx && tx->ops->event_last_seq(tx, &last) == STORE_OK)
		return last;
	return hub_last_seq(h);
}

void *hub_open_stream(struct hub *h, const struct caller *caller, struct MHD_Connection *conn,
		      int64_t last_id)
{
	audience aud[AUDIENCES_CALLER];
	int naud = audiences_of_caller(caller, aud);
	struct stream *s = calloc(1, sizeof(*s) + (size_t)naud * sizeof(s->waits[0]));
	if (!s)
		return NULL;
	s->h = h;
	s->conn = conn;
	s->caller = *caller;
	s->naud = naud;
	for (int i = 0; i < naud; i++)
		s->waits[i] = (struct waiter){ .key = aud[i], .owner = s };
	s->last_write_ns = now_ns();
	put(s, "retry: 2000\n: connected\n\n", 25);
	/* A reconnection this node has the events for skips the store. */
	if (last_id < 0 || last_id > hub_last_seq(h)) {
		int64_t newest = newest_seq(h);
		last_id = last_id < 0 || last_id > newest ? newest : last_id;
	}
	s->last_seq = last_id;
	pthread_mutex_lock(&h->lock);
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
			if (s->suspended)
				wake(h, s, h->loaded);
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
	pthread_cond_init(&h->news, NULL);
	struct store_tx *tx = store_tx_get(srv->store);
	int64_t last = 0;
	if (tx)
		tx->ops->event_last_seq(tx, &last);
	/* Keep the newest events in the ring so that a quick reconnect after
	 * a restart is served from memory. */
	h->loaded = last > RING / 2 ? last - RING / 2 : 0;
	hub_notify(h);
	/* The newest seq stays known when a purge took every event, so that
	 * "from now" starts there and not before the purge. */
	pthread_mutex_lock(&h->lock);
	if (h->loaded < last)
		h->loaded = last;
	pthread_mutex_unlock(&h->lock);
	if (pthread_create(&h->beat, NULL, heartbeat, h) == 0)
		h->beat_started = true;
	pthread_mutex_lock(&h->lock);
	if (pthread_create(&h->load, NULL, loader, h) == 0)
		h->loader_started = true;
	pthread_mutex_unlock(&h->lock);
	return h;
}

void hub_stop(struct hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->wake);
	pthread_cond_broadcast(&h->news);
	wake_all(h, UINT64_MAX); /* each stream then ends itself */
	pthread_mutex_unlock(&h->lock);
	if (h->beat_started)
		pthread_join(h->beat, NULL);
	h->beat_started = false;
	if (h->loader_started)
		pthread_join(h->load, NULL);
	pthread_mutex_lock(&h->lock); /* hub_notify reads it under the lock */
	h->loader_started = false;
	pthread_mutex_unlock(&h->lock);
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
	pthread_cond_destroy(&h->news);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
