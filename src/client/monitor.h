/* The supervisor's wallboard, apart from how it is drawn: the rows it
 * shows, built from guichetd's monitor snapshot (doc/api.md 2.32), the
 * alerts the guichetrc thresholds raise on it, and the staffing of a
 * queue by Erlang C (core/erlang.h).  No network, no curses: the snapshot
 * comes in, JSON goes out, which is what the unit tests feed. */
#ifndef GUICHET_CLIENT_MONITOR_H
#define GUICHET_CLIENT_MONITOR_H

#include <jansson.h>

struct options;

/* The thresholds and targets, from the options (guichetrc(5)). */
struct monitor_limits {
	int alert_wait_s;      /* longest wait above this: alert (0: none) */
	int alert_sl_pct;      /* service level below this: alert (0: none) */
	int alert_queue;       /* more waiting than this: alert (0: none) */
	int target_s;          /* answered within this: the service level's target */
	int goal_pct;          /* staffing: the service level to reach */
};

/* A snapshot member as a number, or NAN when absent or null (a figure
 * not known yet, which is not 0). */
double monitor_num(const json_t *o, const char *k);

void monitor_limits_from(const struct options *o, struct monitor_limits *l);

/* The alerts the snapshot raises, as a new array of {"key", "queue", "text"}: the
 * key names what is wrong where ("wait:etat-civil:chat"), to tell a new
 * alert from one already shown; the text is French (through _()). */
json_t *monitor_alerts(const json_t *snap, const struct monitor_limits *l);

/* The wallboard's lines, as a new array of objects, each with a "kind":
 * "alert", "head" (a section's title: "section" is queues, agents, services,
 * cases or comments), "queue" (a row of
 * queue_stats, with "staffing" when its figures allow), "agent",
 * "service" (commitments and satisfaction of a service side by side),
 * "case" (a commitment at risk), "comment".  Every other member is the
 * snapshot's, untrusted.  NULL when out of memory. */
json_t *monitor_rows(const json_t *snap, const json_t *alerts, const struct monitor_limits *l);

/* Staffing of a queue: `arrivals` contacts per 30 minutes, each held
 * aht_s seconds; the fewest agents reaching goal_pct % within target_s,
 * and what one agent less or more gives (or around `agents` when > 0).
 * A new object {"load", "agents_needed" (null when out of reach),
 * "options": [{"agents", "service_level", "asa_s", "p_wait"}…]}, or NULL
 * when aht_s <= 0 or arrivals < 0. */
json_t *monitor_staffing(double arrivals, double aht_s, int target_s, int goal_pct, int agents);

#endif
