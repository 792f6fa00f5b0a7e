/* PostgreSQL store: what several nodes tell one another.
 *
 * Events: a node that committed events sends an empty NOTIFY afterwards,
 * outside the transaction (a NOTIFY inside it would serialise every
 * commit on the notification queue's lock).  The listener's connection
 * sends it, not the writer's: the writer answers without that round trip,
 * the commits that come while one NOTIFY is on its way share the next,
 * and that connection commits them without waiting for the disk (a lost
 * wake-up costs a poll, never an event).  Each node's listener thread
 * LISTENs on its own connection and wakes its hub, which reads the event
 * log from its last seq.  The notification carries nothing: the log is
 * the carrier, so a lost notification (a listener reconnecting, a full
 * queue) costs at most the one-second poll, never an event.  What routing
 * offers has a channel of its own, so that the leader's router is woken
 * by a chat queued or an agent available elsewhere, not by every note.
 *
 * Routing: one node leads the offers, the one holding a session advisory
 * lock; when it dies its connection closes, the lock goes, and the next
 * node to try takes it. */
#include "server/store_pg.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL "guichet_events"
#define ROUTING_CHANNEL "guichet_routing"
#define ROUTING_LOCK 0x6775696368657403LL
#define POLL_MS 1000

struct listener {
	struct store *st;
	void (*woken)(void *arg, unsigned news);
	void *arg;
	pthread_t thread;
	pthread_mutex_t mu;
	bool stopping;
	unsigned to_send;         /* STORE_NEWS_* the other nodes are to hear */
	int stop_pipe[2];         /* written to wake the thread: to stop, to send */
};

static const char *notify_sql(unsigned news)
{
	return news == STORE_NEWS_ROUTING ? "NOTIFY " ROUTING_CHANNEL
	       : news == STORE_NEWS_EVENTS ? "NOTIFY " CHANNEL
					   : "NOTIFY " CHANNEL "; NOTIFY " ROUTING_CHANNEL;
}

/* Hand news to the listener thread; false when there is none (an admin
 * command: the caller sends it itself). */
static bool wake_nodes(struct store *st, unsigned news)
{
	struct listener *l = pg_listener_hold(st);
	if (l) {
		pthread_mutex_lock(&l->mu);
		bool queued = l->to_send != 0;
		l->to_send |= news;
		pthread_mutex_unlock(&l->mu);
		if (!queued && write(l->stop_pipe[1], "n", 1) < 0)
			perror("guichetd: listener");
	}
	pg_listener_release(st);
	return l != NULL;
}

void pg_notify_committed(struct pgtx *t)
{
	if (!wake_nodes(t->base.store, STORE_NEWS_EVENTS))
		PQclear(PQexec(t->conn, "NOTIFY " CHANNEL)); /* lost: the poll */
}

void pg_tell_routing(struct store *st)
{
	if (wake_nodes(st, STORE_NEWS_ROUTING))
		return;
	struct store_tx *tx = store_tx_get(st);
	if (tx)
		PQclear(PQexec(PGT(tx)->conn, "NOTIFY " ROUTING_CHANNEL)); /* lost: the poll */
}

static PGconn *listen_conn(struct listener *l)
{
	PGconn *c = PQconnectdb(pg_conninfo(l->st));
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, "SET synchronous_commit = off; LISTEN " CHANNEL
					"; LISTEN " ROUTING_CHANNEL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (ok)
			return c;
	}
	PQfinish(c);
	return NULL;
}

static bool stopping(struct listener *l)
{
	pthread_mutex_lock(&l->mu);
	bool s = l->stopping;
	pthread_mutex_unlock(&l->mu);
	return s;
}

/* What the nodes said, this one's own NOTIFYs included (as when the
 * writers sent them: a writer that does not wake its hub is still heard). */
static unsigned heard(PGconn *c)
{
	unsigned news = 0;
	PGnotify *n;
	while ((n = PQnotifies(c))) {
		news |= strcmp(n->relname, ROUTING_CHANNEL) == 0 ? STORE_NEWS_ROUTING
								 : STORE_NEWS_EVENTS;
		PQfreemem(n);
	}
	return news;
}

/* Send what the node's commits queued: one NOTIFY for all of them. */
static void send_news(struct listener *l, PGconn *c)
{
	pthread_mutex_lock(&l->mu);
	unsigned news = l->to_send;
	l->to_send = 0;
	pthread_mutex_unlock(&l->mu);
	if (news)
		PQclear(PQexec(c, notify_sql(news))); /* lost: the poll */
}

/* Wait for notifications, the poll's second, the stop or news to send;
 * what was heard into *news (the poll's second says everything); false
 * when the connection is lost. */
static bool wait_once(struct listener *l, PGconn *c, unsigned *news)
{
	struct pollfd fds[2] = { { PQsocket(c), POLLIN, 0 }, { l->stop_pipe[0], POLLIN, 0 } };
	int ready = poll(fds, 2, POLL_MS);
	*news = STORE_NEWS_EVENTS | STORE_NEWS_ROUTING;
	if (ready <= 0)
		return true;
	if (fds[0].revents && !PQconsumeInput(c))
		return false;
	*news = 0;
	if (fds[1].revents) {
		char buf[64];
		if (read(l->stop_pipe[0], buf, sizeof(buf)) < 0)
			perror("guichetd: listener");
		send_news(l, c);
	}
	*news = heard(c);
	return PQstatus(c) == CONNECTION_OK;
}

static void *listen_thread(void *arg)
{
	struct listener *l = arg;
	PGconn *c = NULL;
	while (!stopping(l)) {
		unsigned news = STORE_NEWS_EVENTS | STORE_NEWS_ROUTING;
		if (!c && !(c = listen_conn(l))) {
			/* the database is away: keep polling the log meanwhile; the
			 * news queued meanwhile go (the poll tells the other nodes) */
			struct pollfd p = { l->stop_pipe[0], POLLIN, 0 };
			char buf[64];
			if (poll(&p, 1, POLL_MS) > 0 && read(l->stop_pipe[0], buf, sizeof(buf)) < 0)
				perror("guichetd: listener");
			pthread_mutex_lock(&l->mu);
			l->to_send = 0;
			pthread_mutex_unlock(&l->mu);
		} else if (!wait_once(l, c, &news)) {
			PQfinish(c);
			c = NULL;
			news = STORE_NEWS_EVENTS | STORE_NEWS_ROUTING;
		}
		if (news && !stopping(l))
			l->woken(l->arg, news);
	}
	PQfinish(c);
	return NULL;
}

int pg_listen(struct store *st, void (*woken)(void *arg, unsigned news), void *arg)
{
	struct listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -1;
	l->st = st;
	l->woken = woken;
	l->arg = arg;
	pthread_mutex_init(&l->mu, NULL);
	if (pipe(l->stop_pipe) < 0)
		goto fail;
	if (pthread_create(&l->thread, NULL, listen_thread, l) != 0) {
		close(l->stop_pipe[0]);
		close(l->stop_pipe[1]);
		goto fail;
	}
	pg_set_listener(st, l);
	return 0;
fail:
	pthread_mutex_destroy(&l->mu);
	free(l);
	return -1;
}

void pg_unlisten(struct store *st)
{
	struct listener *l = pg_listener_hold(st);
	pg_listener_release(st);
	if (!l)
		return;
	pg_set_listener(st, NULL); /* from here on, no commit hands it news */
	pthread_mutex_lock(&l->mu);
	l->stopping = true;
	pthread_mutex_unlock(&l->mu);
	if (write(l->stop_pipe[1], "x", 1) < 0)
		perror("guichetd: listener");
	pthread_join(l->thread, NULL);
	close(l->stop_pipe[0]);
	close(l->stop_pipe[1]);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int pg_lead(struct store_tx *tx, bool *leader)
{
	struct pgtx *t = PGT(tx);
	if (t->leading && PQstatus(t->conn) == CONNECTION_OK) {
		*leader = true;
		return STORE_OK;
	}
	/* a session lock: held while this connection lives, whatever its
	 * transactions do, and let go by the server when the node dies */
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_int(&a, ROUTING_LOCK);
	int rc = pg_one(t, "SELECT pg_try_advisory_lock($1)::int AS got", &a, &row);
	t->leading = rc == STORE_OK && json_integer_value(json_object_get(row, "got")) == 1;
	json_decref(row);
	*leader = t->leading;
	return rc;
}
