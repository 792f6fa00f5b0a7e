/* PostgreSQL store: what several nodes tell one another.
 *
 * Events: a node that committed events sends an empty NOTIFY afterwards,
 * outside the transaction (a NOTIFY inside it would serialise every
 * commit on the notification queue's lock); each node's listener thread
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
	int stop_pipe[2];         /* written to wake the thread for stopping */
};

void pg_notify_committed(struct pgtx *t)
{
	PGresult *r = PQexec(t->conn, "NOTIFY " CHANNEL);
	PQclear(r); /* a lost wake-up is made good by the listeners' poll */
}

void pg_tell_routing(struct store *st)
{
	struct store_tx *tx = store_tx_get(st);
	if (tx)
		PQclear(PQexec(PGT(tx)->conn, "NOTIFY " ROUTING_CHANNEL)); /* lost: the poll */
}

static PGconn *listen_conn(struct listener *l)
{
	PGconn *c = PQconnectdb(pg_conninfo(l->st));
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, "LISTEN " CHANNEL "; LISTEN " ROUTING_CHANNEL);
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

/* Wait for notifications, the poll's second, or the stop; what they say
 * into *news (the poll's second says everything); false when the
 * connection is lost. */
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
	PGnotify *n;
	while ((n = PQnotifies(c))) {
		*news |= strcmp(n->relname, ROUTING_CHANNEL) == 0 ? STORE_NEWS_ROUTING
								 : STORE_NEWS_EVENTS;
		PQfreemem(n);
	}
	return PQstatus(c) == CONNECTION_OK;
}

static void *listen_thread(void *arg)
{
	struct listener *l = arg;
	PGconn *c = NULL;
	while (!stopping(l)) {
		unsigned news = STORE_NEWS_EVENTS | STORE_NEWS_ROUTING;
		if (!c && !(c = listen_conn(l))) {
			/* the database is away: keep polling the log meanwhile */
			struct pollfd p = { l->stop_pipe[0], POLLIN, 0 };
			poll(&p, 1, POLL_MS);
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
	struct listener *l = pg_listener(st);
	if (!l)
		return;
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
	pg_set_listener(st, NULL);
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
