/* Staffing by Erlang C: how many agents a queue needs for a service level,
 * from its arrival rate and average handle time, and what one agent more
 * or less would change.  Pure arithmetic: the callers bring the figures
 * (guichetd's monitor snapshot, or a supervisor's own). */
#ifndef GUICHET_CORE_ERLANG_H
#define GUICHET_CORE_ERLANG_H

/* What `agents` agents give on a queue. */
struct erlang_result {
	int agents;
	double load;           /* offered traffic, erlangs */
	double occupancy;      /* load ÷ agents, 0..1 */
	double p_wait;         /* probability that a contact waits at all */
	double asa_s;          /* average speed of answer, seconds */
	double service_level;  /* share answered within the target, 0..1 */
};

/* Offered traffic in erlangs: `arrivals` contacts per `period_s` seconds,
 * each held `aht_s` seconds on average.  0 when period_s or aht_s <= 0. */
double erlang_load(double arrivals, double period_s, double aht_s);

/* The queue with `agents` agents, answering within `target_s`.  Returns 0,
 * or -1 when the queue cannot be stable (agents <= load: it grows without
 * end; *out then has p_wait 1, service level 0, asa_s infinite) or an
 * argument is out of range (agents < 1 or > ERLANG_MAX_AGENTS, aht_s <= 0,
 * load < 0, target_s < 0). */
int erlang_eval(double load, double aht_s, int agents, double target_s,
		struct erlang_result *out);

/* The fewest agents whose service level reaches `goal` (0..1) within
 * `target_s`.  Returns that count with *out filled, or -1 when the goal
 * needs more than ERLANG_MAX_AGENTS or the arguments are out of range. */
int erlang_agents_for(double load, double aht_s, double target_s, double goal,
		      struct erlang_result *out);

#define ERLANG_MAX_AGENTS 5000

#endif
