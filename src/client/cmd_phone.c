/* The phone's commands (see phone.h): answer, hang up, hold, resume,
 * transfer and dial the softphone; notes, the file and the wrap-up code
 * of a call; `phone` for its state and, in scripts, `phone wait`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/phone.h"
#include "client/sync.h"
#include "core/json_get.h"

/* The command's result: the phone as it is now. */
static int done(struct cmd_ctx *c, int rc)
{
	if (rc == 0 && c->job)
		job_set_result(c->job, phone_state(c->desk));
	return rc;
}

CMD(cmd_phone)
{
	if (argc == 1)
		return done(c, 0);
	if (strcmp(argv[1], "wait") != 0 || argc < 3)
		return cmd_fail(c, "%s", _("phone [wait ringing|talking|held|idle|wrapup|up|down [SECONDES]]"));
	int seconds = argc > 3 ? atoi(argv[3]) : 0;
	return phone_wait(c->desk, argv[2], seconds, c->job, c->err, c->errlen);
}

CMD(cmd_answer)
{
	(void)argc;
	(void)argv;
	return done(c, phone_answer(c->desk, c->err, c->errlen));
}

CMD(cmd_hangup)
{
	(void)argc;
	(void)argv;
	return done(c, phone_hangup(c->desk, c->err, c->errlen));
}

CMD(cmd_hold)
{
	(void)argc;
	(void)argv;
	return done(c, phone_hold(c->desk, true, c->err, c->errlen));
}

CMD(cmd_resume)
{
	(void)argc;
	(void)argv;
	return done(c, phone_hold(c->desk, false, c->err, c->errlen));
}

CMD(cmd_call_transfer)
{
	(void)argc;
	return done(c, phone_transfer(c->desk, argv[1], c->err, c->errlen));
}

/* dial [NUMBER]: without one, the first number of the citizen on screen. */
CMD(cmd_dial)
{
	struct desk *d = c->desk;
	const json_t *who = d->screen == SCREEN_CITIZEN ? desk_citizen(d) : NULL;
	const json_t *first = json_array_get(json_object_get(who, "phones"), 0);
	if (argc < 2 && !json_is_string(first))
		return cmd_fail(c, "%s", who ? _("dial : cet usager n'a pas de numéro")
					     : _("dial NUMÉRO (ou depuis la fiche d'un usager)"));
	const char *number = argc > 1 ? argv[1] : json_string_value(first);
	return done(c, phone_dial(d, number, who ? jint(who, "id") : 0, c->err, c->errlen));
}

CMD(cmd_call_note)
{
	(void)argc;
	return done(c, phone_note(c->desk, argv[1], c->err, c->errlen));
}

/* A case named by id, or by reference among the call's citizen's cases. */
static int64_t case_of(struct cmd_ctx *c, const struct phone_call *call, const char *s)
{
	int64_t id;
	if (cmd_id(s, &id) == 0)
		return id;
	const json_t *who = store_get(c->desk->store, STORE_CITIZEN, call ? call->citizen_id : 0);
	size_t i;
	const json_t *k;
	json_array_foreach(json_object_get(who, "cases"), i, k) if (strcmp(jtext(k, "ref"), s) == 0)
		return jint(k, "id");
	cmd_fail(c, _("« %s » n'est pas un dossier de cet usager"), s);
	return -1;
}

CMD(cmd_call_citizen)
{
	int64_t id;
	(void)argc;
	if (cmd_id(argv[1], &id) < 0)
		return cmd_fail(c, "%s", _("call-citizen : le numéro d'un usager"));
	return done(c, phone_file_under(c->desk, id, 0, c->err, c->errlen));
}

CMD(cmd_wrapup)
{
	struct phone_call *call = phone_wrapping(c->desk);
	int64_t case_id = 0;
	if (argc > 2 && (case_id = case_of(c, call, argv[2])) < 0)
		return -1;
	return phone_wrapup(c->desk, argv[1], case_id, c->job, c->err, c->errlen);
}

/* A call (or one just ended) from a number no citizen has. */
static struct phone_call *unknown_caller(struct desk *d)
{
	struct phone_call *call = phone_call_current(d);
	if (!call || call->citizen_id)
		call = phone_wrapping(d);
	return call && !call->citizen_id && call->number[0] ? call : NULL;
}

bool cmd_phone_has_unknown(struct desk *d)
{
	return unknown_caller(d) != NULL;
}

/* new-citizen [GIVEN FAMILY] for the caller: the name the phone shows
 * when it gives one. */
int cmd_phone_new_citizen(struct cmd_ctx *c, int argc, char **argv)
{
	struct phone_call *call = unknown_caller(c->desk);
	char given[128] = "", family[128] = "";
	if (argc > 2) {
		snprintf(given, sizeof(given), "%s", argv[1]);
		snprintf(family, sizeof(family), "%s", argv[2]);
	} else {
		const char *sp = strrchr(call->peername, ' ');
		if (!sp)
			return cmd_fail(c, "%s", _("new-citizen PRÉNOM NOM : le téléphone ne donne pas de nom"));
		snprintf(given, sizeof(given), "%.*s", (int)(sp - call->peername), call->peername);
		snprintf(family, sizeof(family), "%s", sp + 1);
	}
	sync_phone_citizen(c->desk, given, family, call->number, c->job);
	return 0;
}
