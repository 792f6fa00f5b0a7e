/* Commands that work: notes, status, assignment and transfer of the open
 * case, offers, presence, answer templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/phone.h"
#include "client/sync.h"
#include "client/template.h"
#include "core/model.h"

CMD(cmd_note)
{
	(void)argc;
	sync_case_note(c->desk, argv[1], c->job);
	return 0;
}

static bool known(const char *const *values, const char *v)
{
	for (size_t i = 0; values[i]; i++)
		if (strcmp(values[i], v) == 0)
			return true;
	return false;
}

CMD(cmd_status)
{
	(void)argc;
	if (!known(MODEL_CASE_STATUSES, argv[1]))
		return cmd_fail(c, _("status : état inconnu « %s »"), argv[1]);
	const char *from = json_string_value(json_object_get(desk_case(c->desk), "status"));
	if (from && !model_case_transition_ok(from, argv[1]))
		return cmd_fail(c, _("status : un dossier « %s » ne peut pas passer à « %s »"), from,
				argv[1]);
	sync_case_patch(c->desk, "status", argv[1], c->job);
	return 0;
}

CMD(cmd_assign)
{
	(void)argc;
	if (strcmp(argv[1], "-") != 0 && !model_login_ok(argv[1]))
		return cmd_fail(c, _("assign : identifiant d'agent invalide « %s »"), argv[1]);
	sync_case_patch(c->desk, "assignee", strcmp(argv[1], "-") == 0 ? NULL : argv[1], c->job);
	return 0;
}

CMD(cmd_transfer)
{
	if (!model_slug_ok(argv[1]))
		return cmd_fail(c, _("transfer : nom de service invalide « %s »"), argv[1]);
	if (argc > 2 && !model_login_ok(argv[2]))
		return cmd_fail(c, _("transfer : identifiant d'agent invalide « %s »"), argv[2]);
	sync_case_transfer(c->desk, argv[1], argc > 2 ? argv[2] : NULL, c->job);
	return 0;
}

/* A positive record number, or -1 with a message. */
static int64_t number(struct cmd_ctx *c, const char *what, const char *s)
{
	int64_t v;
	if (cmd_id(s, &v) < 0) {
		cmd_fail(c, _("%s : un numéro, pas « %s »"), what, s);
		return -1;
	}
	return v;
}

/* The next word of *p, cut off in place (NULL when none). */
static char *word(char **p)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	char *e = strchr(s, ' ');
	*p = e ? e + 1 : s + strlen(s);
	if (e)
		*e = '\0';
	return s;
}

/* new-case CITIZEN SERVICE SUBJECT…: the subject is the rest, as typed. */
CMD(cmd_new_case)
{
	(void)argc;
	char *rest = argv[1], *who = word(&rest), *service = word(&rest);
	while (*rest == ' ')
		rest++;
	if (!who || !service || !*rest)
		return cmd_fail(c, _("usage : new-case USAGER SERVICE OBJET"));
	int64_t citizen = number(c, "new-case", who);
	if (citizen < 0)
		return -1;
	if (!model_slug_ok(service))
		return cmd_fail(c, _("new-case : nom de service invalide « %s »"), service);
	if (strlen(rest) > 500)
		return cmd_fail(c, _("new-case : l'objet fait 500 octets au plus"));
	sync_case_create(c->desk, citizen, service, rest, c->job);
	return 0;
}

CMD(cmd_merge)
{
	(void)argc;
	int64_t id = number(c, "merge", argv[1]);
	if (id < 0)
		return -1;
	if (id == json_integer_value(json_object_get(desk_citizen(c->desk), "id")))
		return cmd_fail(c, _("merge : c'est la fiche ouverte"));
	sync_merge_show(c->desk, id, c->job);
	return 0;
}

CMD(cmd_confirm)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	if (d->screen != SCREEN_MERGE || !desk_duplicate(d) || !desk_citizen(d))
		return cmd_fail(c, _("confirm : rien à confirmer ici"));
	sync_merge(d, c->job);
	desk_back(d);
	return 0;
}

CMD(cmd_unmerge)
{
	(void)argc;
	int64_t id = number(c, "unmerge", argv[1]);
	if (id < 0)
		return -1;
	sync_unmerge(c->desk, id, c->job);
	return 0;
}

static int answer_offer(struct cmd_ctx *c, bool accept)
{
	if (!json_array_size(desk_items(c->desk, "offers")))
		return cmd_fail(c, _("aucune offre en attente"));
	sync_offer(c->desk, accept, c->job);
	return 0;
}

/* `accept 42` takes a waiting chat by its number: one seen in the queue, or
 * named to a script, when its offer did not reach this desk. */
CMD(cmd_accept)
{
	if (argc < 2 && phone_call_ringing(c->desk)) /* the phone rings: it comes first */
		return phone_answer(c->desk, c->err, c->errlen);
	if (argc < 2)
		return answer_offer(c, true);
	int64_t id = number(c, "accept", argv[1]);
	if (id < 0)
		return -1;
	sync_take_chat(c->desk, id, c->job);
	return 0;
}
CMD(cmd_decline)
{
	(void)argc;
	(void)argv;
	if (phone_call_ringing(c->desk))
		return phone_hangup(c->desk, c->err, c->errlen);
	return answer_offer(c, false);
}

CMD(cmd_presence)
{
	(void)argc;
	char state[32];
	const char *text = argv[1], *reason = strchr(text, ' ');
	size_t n = reason ? (size_t)(reason - text) : strlen(text);
	if (n >= sizeof(state))
		n = sizeof(state) - 1;
	memcpy(state, text, n);
	state[n] = '\0';
	while (reason && *reason == ' ')
		reason++;
	if (strcmp(state, "available") != 0 && strcmp(state, "paused") != 0 &&
	    strcmp(state, "offline") != 0)
		return cmd_fail(c, _("presence : available, paused RAISON ou offline"));
	if (strcmp(state, "paused") == 0 && (!reason || !*reason))
		return cmd_fail(c, _("presence paused : donnez une raison (pause, réunion…)"));
	sync_presence(c->desk, state, reason && *reason ? reason : NULL, c->job);
	return 0;
}

CMD(cmd_say)
{
	(void)argc;
	if (strlen(argv[1]) > 4000)
		return cmd_fail(c, _("say : 4000 octets au plus"));
	sync_chat_say(c->desk, argv[1], c->job);
	return 0;
}

CMD(cmd_end)
{
	(void)argc;
	if (!model_slug_ok(argv[1]))
		return cmd_fail(c, _("end : un code de clôture en minuscules (information, dossier…)"));
	sync_chat_end(c->desk, argv[1], c->job);
	return 0;
}

CMD(cmd_template)
{
	(void)argc;
	struct desk *d = c->desk;
	char text[2048];
	if (template_fill(d, argv[1], text, sizeof(text)) < 0)
		return cmd_fail(c, _("template : pas de modèle « %s »"), argv[1]);
	if (d->ui && d->ui->prompt) {
		char line[2100];
		snprintf(line, sizeof(line), "%s %s", d->screen == SCREEN_CHAT ? "say" : "note", text);
		d->ui->prompt(d->ui->arg, line);
	} else {
		desk_say(d, "%s", text);
		if (c->job)
			job_set_result(c->job, json_pack("{ss}", "text", text));
	}
	return 0;
}
