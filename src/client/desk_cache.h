/* The desk's offline cache: which file (one per server and agent, under
 * $XDG_CACHE_HOME/guichet/, sealed with the desk's key), opened once the
 * agent is known and before the first screen is drawn, saved as the
 * store changes and at quit.  Reads that find no server fall back on it
 * (sync.c).  See cache.h for what it keeps. */
#ifndef GUICHET_CLIENT_DESK_CACHE_H
#define GUICHET_CLIENT_DESK_CACHE_H

#include <stddef.h>

#include "client/desk.h"

/* Seconds between two snapshots while the store changes. */
#define DESK_CACHE_EVERY 60

/* Open d's cache for identity (the server) and login, once, and let the
 * store read from it; the work list is built from what it holds.  A file
 * that failed to authenticate is said on the message line (set aside,
 * rebuilt).  Nothing for the demo (no key) or without a login.  0, or -1
 * with err set (the desk then runs without a cache). */
int desk_cache_open(struct desk *d, const char *identity, const char *login, char *err,
		    size_t errlen);

/* Save when due (cheap otherwise: call it after every turn of the loop);
 * force: now, whatever the time (at quit).  A failure is said once on the
 * message line. */
void desk_cache_tick(struct desk *d, bool force);

/* The loop has nothing to do: get the offline search ready (once after
 * each snapshot, when the cache is large it takes tens of ms). */
void desk_cache_idle(struct desk *d);

/* Save a last time and close (at quit). */
void desk_cache_close(struct desk *d);

/* The cache's size limit from `set cache_max_mb`. */
void desk_cache_limit(struct desk *d);

#endif
