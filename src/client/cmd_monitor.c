/* The supervisor's commands: `monitor` (the wallboard), `staffing` (Erlang
 * C on a queue), `agent` (an agent's presence or services), `reassign` (a
 * chat to another agent).  All are CMD_SUPERVISOR in the table, and
 * guichetd refuses them to an agent too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/monitor.h"
#include "client/sync.h"
#include "core/json_get.h"
#include "core/model.h"

#define SERVICES_MAX 64

static json_t *snapshot_result(struct desk *d, const struct job *j)
{
	(void)j;
	json_t *s = sync_monitor_snapshot(d);
	return s ? json_deep_copy(s) : json_object();
}

CMD(cmd_monitor)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	d->monitoring = true;
	cmd_wants(c, snapshot_result, NULL);
	if (d->screen != SCREEN_MONITOR)
		d->cur[SCREEN_MONITOR] = (struct desk_cursor){ 0, 0 };
	sync_monitor(d, c->job);
	desk_go(d, SCREEN_MONITOR);
	return 0;
}

/* --- staffing ------------------------------------------------------------------ */

/* The queue_stats row of service × channel in the snapshot, or NULL. */
static const json_t *queue_of(const struct desk *d, const char *service, const char *channel)
{
	size_t i;
	const json_t *q;
	json_array_foreach(json_object_get(sync_monitor_snapshot(d), "queue_stats"), i, q)
		if (strcmp(jtext(q, "service"), service) == 0 &&
		    strcmp(jtext(q, "channel"), channel) == 0)
			return q;
	return NULL;
}

struct staffing_args {
	double calls, aht;   /* NAN: from the snapshot */
	int agents, target, goal;
};

static const struct {
	const char *key;
	double min, max;
} STAFF_KEYS[] = { { "calls", 0, 100000 }, { "aht", 1, 36000 }, { "agents", 1, 5000 },
		   { "target", 0, 3600 },  { "goal", 1, 99 } };

static int staffing_arg(struct cmd_ctx *c, const char *arg, double v[5])
{
	const char *eq = strchr(arg, '=');
	for (size_t i = 0; eq && i < sizeof(STAFF_KEYS) / sizeof(STAFF_KEYS[0]); i++) {
		if ((size_t)(eq - arg) != strlen(STAFF_KEYS[i].key) ||
		    strncmp(arg, STAFF_KEYS[i].key, (size_t)(eq - arg)) != 0)
			continue;
		char *end;
		double x = strtod(eq + 1, &end);
		if (end == eq + 1 || *end || !(x >= STAFF_KEYS[i].min && x <= STAFF_KEYS[i].max))
			return cmd_fail(c, _("staffing : %s= attend un nombre de %g à %g"),
					STAFF_KEYS[i].key, STAFF_KEYS[i].min, STAFF_KEYS[i].max);
		v[i] = x;
		return 0;
	}
	return cmd_fail(c, _("staffing : « %s » ? (calls=N aht=S agents=N target=S goal=P)"), arg);
}

/* One line for the message line: the load, the agents needed, ± one. */
static void say_staffing(struct desk *d, const char *svc, const char *ch, const json_t *s,
			 int target, int goal)
{
	char opts[200] = "";
	size_t i, used = 0;
	const json_t *o;
	json_array_foreach(json_object_get(s, "options"), i, o) {
		int w = snprintf(opts + used, sizeof(opts) - used, "%s%lld : %.1f %%", i ? ", " : "",
				 (long long)jint(o, "agents"),
				 100 * json_number_value(json_object_get(o, "service_level")));
		if (w < 0 || (size_t)w >= sizeof(opts) - used)
			break;
		used += (size_t)w;
	}
	char need[24] = "?";
	if (jint(s, "agents_needed") > 0)
		snprintf(need, sizeof(need), "%lld", (long long)jint(s, "agents_needed"));
	desk_say(d, _("%s/%s : %.1f erlangs ; %d %% en %d s : %s agents (%s)"), svc, ch,
		 json_number_value(json_object_get(s, "load")), goal, target, need, opts);
}

int cmd_staffing_of(struct cmd_ctx *c, const char *svc, const char *ch, int argc, char **argv)
{
	struct monitor_limits lim;
	monitor_limits_from(c->desk->opts, &lim);
	double v[5] = { NAN, NAN, 0, lim.target_s, lim.goal_pct };
	for (int i = 0; i < argc; i++)
		if (staffing_arg(c, argv[i], v) < 0)
			return -1;
	const json_t *q = queue_of(c->desk, svc, ch);
	if (isnan(v[0]) || isnan(v[1])) {
		if (!q)
			return cmd_fail(c, _("staffing : pas de chiffres pour %s/%s aujourd'hui "
					     "(monitor d'abord, ou calls=N aht=S)"), svc, ch);
		const json_t *a = json_object_get(q, "arrivals_per_30min"), *h = json_object_get(q, "aht_s");
		if (isnan(v[0]))
			v[0] = json_is_number(a) ? json_number_value(a) : 0;
		if (isnan(v[1]) && json_is_number(h))
			v[1] = json_number_value(h);
	}
	json_t *s = isnan(v[1]) ? NULL : monitor_staffing(v[0], v[1], (int)v[3], (int)v[4], (int)v[2]);
	if (!s)
		return cmd_fail(c, _("staffing : pas encore de durée moyenne de traitement pour %s/%s "
				     "(aht=S pour la donner)"), svc, ch);
	json_object_set_new(s, "service", json_string(svc));
	json_object_set_new(s, "channel", json_string(ch));
	json_object_set_new(s, "arrivals_per_30min", json_real(v[0]));
	json_object_set_new(s, "aht_s", json_real(v[1]));
	json_object_set_new(s, "target_s", json_integer((int)v[3]));
	json_object_set_new(s, "goal_pct", json_integer((int)v[4]));
	say_staffing(c->desk, svc, ch, s, (int)v[3], (int)v[4]);
	if (c->job)
		job_set_result(c->job, s);
	else
		json_decref(s);
	return 0;
}

CMD(cmd_staffing)
{
	if (!model_slug_ok(argv[1]) && strcmp(argv[1], "unrouted") != 0)
		return cmd_fail(c, _("staffing : un code de service, pas « %s »"), argv[1]);
	if (strcmp(argv[2], "chat") != 0 && strcmp(argv[2], "phone") != 0)
		return cmd_fail(c, _("staffing : canal chat ou phone, pas « %s »"), argv[2]);
	return cmd_staffing_of(c, argv[1], argv[2], argc - 3, argv + 3);
}

/* --- an agent's presence and services ---------------------------------------------- */

static bool presence_ok(const char *p)
{
	for (size_t i = 0; MODEL_PRESENCES[i]; i++)
		if (strcmp(MODEL_PRESENCES[i], p) == 0)
			return true;
	return false;
}

static int agent_presence(struct cmd_ctx *c, const char *login, int argc, char **argv)
{
	char reason[256] = "";
	size_t used = 0;
	if (argc < 1 || !presence_ok(argv[0]))
		return cmd_fail(c, _("agent %s presence : available, busy, paused RAISON, wrap-up "
				     "ou offline"), login);
	for (int i = 1; i < argc; i++) {
		int w = snprintf(reason + used, sizeof(reason) - used, "%s%s", i > 1 ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(reason) - used)
			return cmd_fail(c, _("agent : raison trop longue"));
		used += (size_t)w;
	}
	if (strcmp(argv[0], "paused") == 0 && !reason[0])
		return cmd_fail(c, _("agent %s presence paused : donnez une raison"), login);
	sync_agent_presence(c->desk, login, argv[0], reason[0] ? reason : NULL, c->job);
	return 0;
}

static int agent_services(struct cmd_ctx *c, const char *login, int argc, char **argv)
{
	if (argc > SERVICES_MAX)
		return cmd_fail(c, _("agent : %d services au plus"), SERVICES_MAX);
	json_t *list = json_array();
	/* "-" alone: no service at all (the agent takes nothing routed) */
	for (int i = 0; i < argc && !(argc == 1 && strcmp(argv[0], "-") == 0); i++) {
		if (!model_slug_ok(argv[i])) {
			json_decref(list);
			return cmd_fail(c, _("agent : un code de service, pas « %s »"), argv[i]);
		}
		json_array_append_new(list, json_string(argv[i]));
	}
	if (argc == 0) {
		json_decref(list);
		return cmd_fail(c, _("agent %s services SERVICE… (ou - pour aucun)"), login);
	}
	sync_agent_services(c->desk, login, list, c->job);
	json_decref(list);
	return 0;
}

CMD(cmd_agent)
{
	if (!model_login_ok(argv[1]))
		return cmd_fail(c, _("agent : un identifiant d'agent, pas « %s »"), argv[1]);
	if (strcmp(argv[2], "presence") == 0)
		return agent_presence(c, argv[1], argc - 3, argv + 3);
	if (strcmp(argv[2], "services") == 0)
		return agent_services(c, argv[1], argc - 3, argv + 3);
	return cmd_fail(c, _("agent LOGIN presence ÉTAT [RAISON] | agent LOGIN services SERVICE…"));
}

CMD(cmd_reassign)
{
	(void)argc;
	int64_t chat;
	if (cmd_id(argv[1], &chat) < 0)
		return cmd_fail(c, _("reassign : le numéro d'un chat, pas « %s »"), argv[1]);
	if (!model_login_ok(argv[2]))
		return cmd_fail(c, _("reassign : un identifiant d'agent, pas « %s »"), argv[2]);
	sync_chat_reassign(c->desk, chat, argv[2], c->job);
	return 0;
}
