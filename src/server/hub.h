/* The event hub: the sequence of events every desk follows.  Events are
 * rows of the store (their seq is the SSE id); the hub keeps the newest in
 * a ring, wakes the open streams when a transaction that appended events
 * commits, filters each event by what the reader may see, and sends
 * keep-alive comments.  A stream whose next events were purged from the
 * store (and are not in the ring) is ended: its reconnection gets 410
 * (api_events.c). */
#ifndef GUICHET_SERVER_HUB_H
#define GUICHET_SERVER_HUB_H

#include <stddef.h>
#include <stdint.h>

#include "server/caller.h"

struct MHD_Connection;
struct server;
struct hub;

/* How the hub pauses and wakes the connection of a stream.  The HTTP glue
 * owns the connections and gives these at hub_new (server.c), so that the
 * hub never calls into it: a connection is an opaque handle here.  suspend
 * is called only from the stream's read callback (hub_stream_read), resume
 * from any thread; both with the hub lock held, so that no wake-up is lost. */
struct hub_conn_ops {
	void (*suspend)(struct MHD_Connection *c);
	void (*resume)(struct MHD_Connection *c);
};

/* A hub over srv's store, pausing and waking streams through ops (borrowed:
 * it must outlive the hub); NULL when out of memory.  Starts the heartbeat
 * and the loader threads. */
struct hub *hub_new(struct server *srv, const struct hub_conn_ops *ops);

/* Stop the threads, end every stream (resuming suspended ones so that
 * libmicrohttpd can close them) and free.  Call before http_stop... and
 * free after it: hub_stop then hub_free. */
void hub_stop(struct hub *h);
void hub_free(struct hub *h);

/* Events were committed: the loader thread reads them and wakes their
 * streams (it returns at once, so that the caller's reply does not wait). */
void hub_notify(struct hub *h);

/* A new event stream on connection conn for caller (copied), starting
 * after last_id (from Last-Event-ID or ?after=; -1 = from now); NULL when
 * out of memory.  The connection's reader sends what hub_stream_read
 * writes, and calls hub_stream_free once when the connection ends (which
 * frees the stream): the shapes of struct req's stream_read and
 * stream_free (http.h). */
void *hub_open_stream(struct hub *h, const struct caller *caller, struct MHD_Connection *conn,
		      int64_t last_id);
long hub_stream_read(void *stream, struct MHD_Connection *conn, uint64_t pos, char *buf,
		     size_t max);
void hub_stream_free(void *stream);

/* The newest seq the hub knows. */
int64_t hub_last_seq(struct hub *h);

#endif
