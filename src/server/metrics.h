/* Counters behind GET /metrics (Prometheus text format): requests by route
 * and status, a latency histogram, open connections and event streams.
 * Lock-free: every counter is atomic. */
#ifndef GUICHET_SERVER_METRICS_H
#define GUICHET_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

/* nroutes routes, plus one slot (index nroutes) for unmatched paths. */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);

void metrics_request(struct metrics *m, size_t route, int status, uint64_t ns);
void metrics_connections(struct metrics *m, int delta);
void metrics_streams(struct metrics *m, int delta);

/* Open event streams now. */
long metrics_open_streams(struct metrics *m);

/* Append the text exposition to a malloc'd string; route_name(i) names
 * route i.  Returns a malloc'd string (caller frees) or NULL. */
char *metrics_render(struct metrics *m, const char *(*route_name)(size_t i, char *buf, size_t n));

#endif
