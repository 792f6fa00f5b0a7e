/* The event hub: the sequence of events every desk follows.  Events are
 * rows of the store (their seq is the SSE id); the hub keeps the newest in
 * a ring, wakes the open streams when a transaction that appended events
 * commits, filters each event by what the reader may see, and sends
 * keep-alive comments.  A stream whose next events were purged from the
 * store (and are not in the ring) is ended: its reconnection gets 410
 * (api_events.c). */
#ifndef GUICHET_SERVER_HUB_H
#define GUICHET_SERVER_HUB_H

#include <stdint.h>

#include "server/http.h"

struct hub;

/* A hub over srv's store; NULL when out of memory.  Starts the heartbeat
 * thread. */
struct hub *hub_new(struct server *srv);

/* Stop the heartbeat, end every stream (resuming suspended ones so that
 * libmicrohttpd can close them) and free.  Call before http_stop... and
 * free after it: hub_stop then hub_free. */
void hub_stop(struct hub *h);
void hub_free(struct hub *h);

/* Load the events committed since the last call and wake the streams. */
void hub_notify(struct hub *h);

/* Turn r into an event stream for r->caller starting after last_id (from
 * Last-Event-ID or ?after=; -1 = from now).  Returns 0, or -1 with an
 * answer set. */
int hub_open_stream(struct hub *h, struct req *r, int64_t last_id);

/* The newest seq the hub knows. */
int64_t hub_last_seq(struct hub *h);

#endif
