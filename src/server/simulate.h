/* Live simulated traffic for the demo: citizens starting chats and
 * writing, calls ringing and ending through telephony events, new cases,
 * survey answers, at cfg.simulate_rate actions per second. */
#ifndef GUICHET_SERVER_SIMULATE_H
#define GUICHET_SERVER_SIMULATE_H

#include "server/server.h"

/* Start the simulator thread.  Returns 0 or -1. */
int simulate_start(struct server *srv);

/* Stop it (no-op when not started). */
void simulate_stop(void);

#endif
