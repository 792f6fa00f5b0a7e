/* Commands that read lists and tend the outbox: `cases` with filters,
 * `timeline`, and `outbox`, `reapply`, `drop`.  Each gives its job the
 * list it read, so that headless mode prints what the desk shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/loop.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "core/model.h"

#define LIST_LIMIT_MAX 500

static bool status_ok(const char *v)
{
	if (strcmp(v, "active") == 0)
		return true;
	for (size_t i = 0; MODEL_CASE_STATUSES[i]; i++)
		if (strcmp(MODEL_CASE_STATUSES[i], v) == 0)
			return true;
	return false;
}

static bool limit_ok(const char *v)
{
	int64_t n;
	return cmd_id(v, &n) == 0 && n <= LIST_LIMIT_MAX;
}

static bool assignee_ok(const char *v) { return strcmp(v, "me") == 0 || model_login_ok(v); }

/* The filters `cases` knows, each checked before it goes into a URL (so
 * that no value needs encoding). */
static const struct {
	const char *key;
	bool (*ok)(const char *v);
	const char *hint;
} FILTERS[] = {
	{ "status", status_ok, N_("un état (open, pending-citizen…) ou active") },
	{ "service", model_slug_ok, N_("un code de service (etat-civil, voirie…)") },
	{ "assignee", assignee_ok, N_("un identifiant d'agent ou me") },
	{ "limit", limit_ok, N_("un nombre de 1 à 500") },
};

static int add_filter(struct cmd_ctx *c, const char *arg, char *qs, size_t n)
{
	const char *eq = strchr(arg, '=');
	for (size_t i = 0; eq && i < sizeof(FILTERS) / sizeof(FILTERS[0]); i++) {
		size_t kl = strlen(FILTERS[i].key);
		if ((size_t)(eq - arg) != kl || strncmp(arg, FILTERS[i].key, kl) != 0)
			continue;
		if (!FILTERS[i].ok(eq + 1))
			return cmd_fail(c, _("cases : %s= attend %s"), FILTERS[i].key,
					_(FILTERS[i].hint));
		size_t used = strlen(qs);
		if ((size_t)snprintf(qs + used, n - used, "%s%s", used ? "&" : "", arg) >= n - used)
			return cmd_fail(c, _("cases : trop de filtres"));
		return 0;
	}
	return cmd_fail(c, _("cases : filtre inconnu « %s » (status=, service=, assignee=, limit=)"),
			arg);
}

CMD(cmd_cases)
{
	char qs[240] = "", query[256];
	for (int i = 1; i < argc; i++)
		if (add_filter(c, argv[i], qs, sizeof(qs)) < 0)
			return -1;
	snprintf(query, sizeof(query), "cases:%s", qs);
	cmd_wants(c, cmd_result_list, query);
	sync_cases(c->desk, qs, c->job);
	return 0;
}

CMD(cmd_timeline)
{
	int64_t id, limit = 50;
	char query[48];
	if (cmd_id(argv[1], &id) < 0)
		return cmd_fail(c, _("timeline : un numéro d'usager, pas « %s »"), argv[1]);
	if (argc > 2 && (strncmp(argv[2], "limit=", 6) != 0 || !limit_ok(argv[2] + 6) ||
			 cmd_id(argv[2] + 6, &limit) < 0))
		return cmd_fail(c, _("timeline : limit=N attendu (1 à 500), pas « %s »"), argv[2]);
	snprintf(query, sizeof(query), "timeline:%lld", (long long)id);
	cmd_wants(c, cmd_result_list, query);
	sync_timeline(c->desk, id, (int)limit, c->job);
	return 0;
}

CMD(cmd_outbox)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	if (!d->outbox)
		return cmd_fail(c, _("outbox : pas de connexion au serveur"));
	if (c->job)
		job_set_result(c->job, outbox_to_json(d->outbox));
	desk_go(d, SCREEN_OUTBOX);
	return 0;
}

/* The entry a command names, by its number. */
static int entry_of(struct cmd_ctx *c, const char *what, const char *arg, uint64_t *id)
{
	int64_t n;
	if (!c->desk->outbox)
		return cmd_fail(c, _("%s : pas de connexion au serveur"), what);
	if (cmd_id(arg, &n) < 0)
		return cmd_fail(c, _("%s : le numéro d'une action de l'envoi, pas « %s »"), what, arg);
	*id = (uint64_t)n;
	return 0;
}

CMD(cmd_reapply)
{
	(void)argc;
	uint64_t id;
	if (entry_of(c, "reapply", argv[1], &id) < 0 ||
	    outbox_reapply(c->desk->outbox, id, c->err, c->errlen) < 0)
		return -1;
	desk_say(c->desk, _("action %llu reprise : elle part sur la version actuelle"),
		 (unsigned long long)id);
	if (c->job)
		job_set_result(c->job, json_pack("{sIss}", "outbox_id", (json_int_t)id, "state",
						 "queued"));
	outbox_pump(c->desk->outbox, loop_now_ms());
	return 0;
}

CMD(cmd_drop)
{
	(void)argc;
	uint64_t id;
	if (entry_of(c, "drop", argv[1], &id) < 0 ||
	    outbox_drop(c->desk->outbox, id, c->err, c->errlen) < 0)
		return -1;
	desk_say(c->desk, _("action %llu abandonnée"), (unsigned long long)id);
	if (c->job)
		job_set_result(c->job, json_pack("{sIss}", "outbox_id", (json_int_t)id, "state",
						 "dropped"));
	return 0;
}
