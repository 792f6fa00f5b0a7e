/* The wallboard's rows, alerts and staffing (see monitor.h). */
#include "client/monitor.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/options.h"
#include "core/erlang.h"
#include "core/json_get.h"

static int option_int(const struct options *o, const char *name, int def)
{
	const char *v = o ? options_get(o, name) : NULL;
	return v && *v ? atoi(v) : def;
}

void monitor_limits_from(const struct options *o, struct monitor_limits *l)
{
	l->alert_wait_s = option_int(o, "alert_wait", 120);
	l->alert_sl_pct = option_int(o, "alert_service_level", 80);
	l->alert_queue = option_int(o, "alert_queue", 5);
	l->target_s = option_int(o, "service_target", 20);
	l->goal_pct = option_int(o, "staffing_goal", 80);
}

double monitor_num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void add_alert(json_t *out, const char *kind, const json_t *q, const char *text)
{
	char key[200], queue[140];
	snprintf(key, sizeof(key), "%s:%s:%s", kind, jtext(q, "service"), jtext(q, "channel"));
	snprintf(queue, sizeof(queue), "%s/%s", jtext(q, "service"), jtext(q, "channel"));
	json_array_append_new(out, json_pack("{ssssss}", "key", key, "queue", queue, "text", text));
}

/* The thresholds of one queue. */
static void queue_alerts(json_t *out, const json_t *q, const struct monitor_limits *l)
{
	char text[300];
	double wait = monitor_num(q, "longest_wait_s"), sl = monitor_num(q, "service_level");
	json_int_t waiting = jint(q, "waiting");
	const char *svc = jtext(q, "service"), *ch = jtext(q, "channel");
	if (l->alert_wait_s > 0 && wait > l->alert_wait_s) {
		snprintf(text, sizeof(text), _("%s/%s : attente la plus longue %d min %02d (seuil %d s)"),
			 svc, ch, (int)wait / 60, (int)wait % 60, l->alert_wait_s);
		add_alert(out, "wait", q, text);
	}
	if (l->alert_sl_pct > 0 && !isnan(sl) && sl * 100 < l->alert_sl_pct) {
		snprintf(text, sizeof(text), _("%s/%s : niveau de service %.0f %% (seuil %d %%)"), svc,
			 ch, sl * 100, l->alert_sl_pct);
		add_alert(out, "sl", q, text);
	}
	if (l->alert_queue > 0 && waiting > l->alert_queue) {
		snprintf(text, sizeof(text), _("%s/%s : %lld en attente (seuil %d)"), svc, ch,
			 (long long)waiting, l->alert_queue);
		add_alert(out, "queue", q, text);
	}
}

json_t *monitor_alerts(const json_t *snap, const struct monitor_limits *l)
{
	json_t *out = json_array();
	size_t i;
	const json_t *q;
	if (!out)
		return NULL;
	json_array_foreach(json_object_get(snap, "queue_stats"), i, q) queue_alerts(out, q, l);
	return out;
}

static json_t *staffing_option(const struct erlang_result *r, bool stable)
{
	json_t *o = json_pack("{si}", "agents", r->agents);
	json_object_set_new(o, "service_level", stable ? json_real(r->service_level) : json_real(0));
	json_object_set_new(o, "asa_s", stable ? json_real(r->asa_s) : json_null());
	json_object_set_new(o, "p_wait", json_real(r->p_wait));
	return o;
}

json_t *monitor_staffing(double arrivals, double aht_s, int target_s, int goal_pct, int agents)
{
	if (!(aht_s > 0) || !(arrivals >= 0))
		return NULL;
	double load = erlang_load(arrivals, 1800, aht_s);
	struct erlang_result r;
	int need = erlang_agents_for(load, aht_s, target_s, goal_pct / 100.0, &r);
	int around = agents > 0 ? agents : need;
	json_t *out = json_pack("{sf}", "load", load), *opts = json_array();
	json_object_set_new(out, "agents_needed", need > 0 ? json_integer(need) : json_null());
	for (int n = around - 1; around > 0 && n <= around + 1; n++) {
		if (n < 1)
			continue;
		bool stable = erlang_eval(load, aht_s, n, target_s, &r) == 0;
		json_array_append_new(opts, staffing_option(&r, stable));
	}
	json_object_set_new(out, "options", opts);
	return out;
}

/* A section's title line: the screen draws its column names. */
static void add_head(json_t *rows, const char *section)
{
	json_array_append_new(rows, json_pack("{ssss}", "kind", "head", "section", section));
}

/* A copy of a snapshot row with its kind. */
static json_t *row(const char *kind, const json_t *src)
{
	json_t *r = json_is_object(src) ? json_deep_copy(src) : json_object();
	json_object_set_new(r, "kind", json_string(kind));
	return r;
}

static void queue_rows(json_t *rows, const json_t *snap, const struct monitor_limits *l)
{
	size_t i;
	const json_t *q;
	add_head(rows, "queues");
	json_array_foreach(json_object_get(snap, "queue_stats"), i, q) {
		json_t *r = row("queue", q);
		json_t *s = monitor_staffing(monitor_num(q, "arrivals_per_30min"),
					     monitor_num(q, "aht_s"), l->target_s, l->goal_pct, 0);
		if (s)
			json_object_set_new(r, "staffing", s);
		json_array_append_new(rows, r);
	}
}

/* The satisfaction row of a service, or NULL. */
static const json_t *satisfaction_of(const json_t *snap, const char *service)
{
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(snap, "satisfaction"), i, s)
		if (strcmp(jtext(s, "service"), service) == 0)
			return s;
	return NULL;
}

static void service_rows(json_t *rows, const json_t *snap)
{
	size_t i;
	const json_t *c, *commit = json_object_get(snap, "commitments");
	json_t *v;
	add_head(rows, "services");
	json_array_foreach(json_object_get(commit, "services"), i, c) {
		json_t *r = row("service", c);
		const json_t *s = satisfaction_of(snap, jtext(c, "service"));
		const char *key;
		json_object_foreach((json_t *)s, key, v)
			if (!json_object_get(r, key))
				json_object_set(r, key, v);
		json_array_append_new(rows, r);
	}
	add_head(rows, "cases");
	json_array_foreach(json_object_get(commit, "cases"), i, c)
		json_array_append_new(rows, row("case", c));
}

/* The alerts as rows: one per queue, its alerts side by side, and at most
 * ALERT_ROWS of them, so that a bad morning leaves the queues in sight. */
#define ALERT_ROWS 6

static void alert_rows(json_t *rows, const json_t *alerts)
{
	size_t i, shown = 0, more = 0;
	const json_t *a;
	json_t *last = NULL;
	json_array_foreach(alerts, i, a) {
		if (last && strcmp(jtext(last, "queue"), jtext(a, "queue")) == 0) {
			const char *what = strstr(jtext(a, "text"), ": ");
			char text[1024];
			snprintf(text, sizeof(text), "%s · %s", jtext(last, "text"),
				 what ? what + 2 : jtext(a, "text"));
			json_object_set_new(last, "text", json_string(text));
			continue;
		}
		if (shown == ALERT_ROWS) {
			more++;
			last = NULL;
			continue;
		}
		last = row("alert", a);
		json_array_append_new(rows, last);
		shown++;
	}
	if (more) {
		char text[200];
		snprintf(text, sizeof(text), _("… et %zu autre(s) alerte(s)"), more);
		json_array_append_new(rows, json_pack("{ssss}", "kind", "alert", "text", text));
	}
}

json_t *monitor_rows(const json_t *snap, const json_t *alerts, const struct monitor_limits *l)
{
	json_t *rows = json_array();
	size_t i;
	const json_t *v;
	if (!rows)
		return NULL;
	alert_rows(rows, alerts);
	queue_rows(rows, snap, l);
	add_head(rows, "agents");
	json_array_foreach(json_object_get(snap, "agents"), i, v)
		json_array_append_new(rows, row("agent", v));
	service_rows(rows, snap);
	add_head(rows, "comments");
	json_array_foreach(json_object_get(snap, "latest_comments"), i, v)
		json_array_append_new(rows, row("comment", v));
	return rows;
}
