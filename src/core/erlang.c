/* Erlang C, computed through the Erlang B recursion so that large agent
 * counts neither overflow A^N nor N! (the textbook formula does past ~170). */
#include "core/erlang.h"

#include <math.h>

double erlang_load(double arrivals, double period_s, double aht_s)
{
	if (period_s <= 0 || aht_s <= 0 || arrivals < 0)
		return 0;
	return arrivals / period_s * aht_s;
}

/* Probability that a contact waits, for `n` agents and `a` erlangs (a < n). */
static double wait_probability(double a, int n)
{
	double b = 1.0; /* Erlang B with 0 agents */
	for (int k = 1; k <= n; k++)
		b = a * b / (k + a * b);
	return n * b / (n - a * (1.0 - b));
}

int erlang_eval(double load, double aht_s, int agents, double target_s,
		struct erlang_result *out)
{
	*out = (struct erlang_result){ .agents = agents, .load = load, .p_wait = 1.0,
				       .asa_s = INFINITY };
	if (agents < 1 || agents > ERLANG_MAX_AGENTS || aht_s <= 0 || load < 0 || target_s < 0 ||
	    !isfinite(load))
		return -1;
	out->occupancy = load / agents;
	if (load >= agents)
		return -1;
	double c = load > 0 ? wait_probability(load, agents) : 0.0;
	double spare = agents - load;
	out->p_wait = c;
	out->asa_s = c * aht_s / spare;
	out->service_level = 1.0 - c * exp(-spare * target_s / aht_s);
	return 0;
}

int erlang_agents_for(double load, double aht_s, double target_s, double goal,
		      struct erlang_result *out)
{
	if (goal < 0 || goal > 1 || load < 0 || !isfinite(load) || aht_s <= 0 || target_s < 0)
		return -1;
	/* Below load+1 the queue is unstable: start there. */
	int n = (int)floor(load) + 1;
	for (; n <= ERLANG_MAX_AGENTS; n++) {
		if (erlang_eval(load, aht_s, n, target_s, out) == 0 && out->service_level >= goal)
			return n;
	}
	return -1;
}
