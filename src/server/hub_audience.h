/* Who an event reaches, as audiences: every event names the few
 * audiences that may see it (a chat, an agent, a service, all the staff,
 * the supervisors), every stream the audiences its caller belongs to, and
 * a stream sees an event when the two share one.  The hub's suspended
 * streams wait in an index by audience, so that an event wakes its
 * readers without a pass over every stream of the node. */
#ifndef GUICHET_SERVER_HUB_AUDIENCE_H
#define GUICHET_SERVER_HUB_AUDIENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "server/caller.h"
#include "server/store.h"

typedef uint64_t audience;

/* A caller belongs to at most its agent, its services, the staff (or,
 * for supervision, everything), or one chat. */
#define AUDIENCES_CALLER (CALLER_MAX_SERVICES + 2)
#define AUDIENCES_EVENT 5

/* The audiences of caller c into out; returns how many. */
int audiences_of_caller(const struct caller *c, audience out[AUDIENCES_CALLER]);

/* The audiences that may see an event of scope e into out; returns how
 * many.  by_service: a staff event that names a service or an agent
 * reaches those only (--case-events service), not every agent. */
int audiences_of_event(const struct event_scope *e, bool by_service,
		       audience out[AUDIENCES_EVENT]);

/* One audience a suspended stream waits in: a stream has one waiter per
 * audience of its caller, all with the same owner. */
struct waiter {
	audience key;
	void *owner;
	struct waiter *prev, *next;
};

#define WAIT_CHAINS 4096

/* The waiters by audience.  Zeroed memory is an empty index. */
struct wait_index {
	struct waiter *chain[WAIT_CHAINS]; /* chats, agents, services, hashed */
	struct waiter *staff, *all;        /* long lists kept off the hash */
};

/* Link (join) or unlink (leave) the n waiters of one owner. */
void wait_join(struct wait_index *ix, struct waiter *w, int n);
void wait_leave(struct wait_index *ix, struct waiter *w, int n);

/* Call wake(owner, arg) for each owner waiting in audience key.  wake
 * must make the owner leave the index (all its waiters) and touch no
 * other owner's. */
void wait_wake(struct wait_index *ix, audience key, void (*wake)(void *owner, void *arg),
	       void *arg);

#endif
