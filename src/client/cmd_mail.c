/* The mail commands (see mail.h): `mail` (the threads to handle, a notmuch
 * query, or `mail sync`, the intake), and on a thread -- the open one, or
 * the selected line of the mail list or the work list -- `link`,
 * `link-new`, `reply`, `save`, `new-citizen`, `handled`, `quotes`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/mail.h"
#include "client/mail_send.h"
#include "client/sync.h"
#include "core/json_get.h"

static json_t *intake_result(struct desk *d, const struct job *j)
{
	(void)j;
	return json_pack("{sIsIsI}", "messages", (json_int_t)d->mail->intake.messages, "recorded",
			 (json_int_t)d->mail->intake.linked, "unmatched",
			 (json_int_t)d->mail->intake.unmatched);
}

CMD(cmd_mail)
{
	struct desk *d = c->desk;
	const char *arg = argc > 1 ? argv[1] : "";
	if (strcmp(arg, "sync") == 0) {
		if (sync_mail_intake(d, c->job, c->err, c->errlen) < 0)
			return -1;
		cmd_wants(c, intake_result, NULL);
		return 0;
	}
	mail_reset(d); /* asked for by name: a mailbox that failed is tried again */
	if (mail_refresh(d, arg, c->err, c->errlen) < 0)
		return -1;
	cmd_wants(c, cmd_result_list, MAIL_LIST);
	if (d->screen != SCREEN_MAIL)
		d->cur[SCREEN_MAIL] = (struct desk_cursor){ 0, 0 };
	desk_go(d, SCREEN_MAIL);
	return 0;
}

/* The thread the agent means, opened (its messages read): NULL with
 * c->err when there is none. */
static const char *thread_or_fail(struct cmd_ctx *c)
{
	struct desk *d = c->desk;
	const char *t = mail_current_thread(d);
	char copy[72];
	if (!t) {
		cmd_fail(c, _("ouvrez d'abord un courriel (mail, puis Entrée)"));
		return NULL;
	}
	if (d->screen != SCREEN_THREAD) {
		snprintf(copy, sizeof(copy), "%s", t);
		if (mail_open(d, copy, c->job, c->err, c->errlen) < 0)
			return NULL;
	}
	return d->mail->thread;
}

/* The citizen the open thread's first sender is, or NULL with c->err. */
static const json_t *sender_or_fail(struct cmd_ctx *c)
{
	const json_t *first = json_array_get(mail_messages(c->desk), 0);
	const char *addr = jtext(first, "from_addr");
	const json_t *who = mail_citizen_of(c->desk, addr);
	if (!who)
		cmd_fail(c, mail_sender_known(c->desk, addr)
				    ? _("%s n'est pas un usager connu : new-citizen d'abord")
				    : _("%s : le serveur n'a pas encore dit qui c'est ; réessayez"),
			 addr);
	return who;
}

static json_t *queued_result(struct desk *d, const struct job *j)
{
	(void)d;
	(void)j;
	return json_pack("{sb}", "recorded", true);
}

CMD(cmd_link)
{
	(void)argc;
	const char *t = thread_or_fail(c);
	if (!t)
		return -1;
	if (strspn(argv[1], "0123456789-") != strlen(argv[1]))
		return cmd_fail(c, _("link : un dossier s'écrit 2026-000123 (ou son numéro)"));
	cmd_wants(c, queued_result, NULL);
	sync_mail_link(c->desk, t, argv[1], c->job);
	return 0;
}

CMD(cmd_link_new)
{
	(void)argc;
	char service[64];
	const char *t = thread_or_fail(c), *rest = argv[1];
	size_t n = strcspn(rest, " ");
	if (!t)
		return -1;
	const json_t *who = sender_or_fail(c);
	if (!who)
		return -1;
	if (n >= sizeof(service))
		return cmd_fail(c, _("link-new : service inconnu"));
	snprintf(service, sizeof(service), "%.*s", (int)n, rest);
	rest += n + strspn(rest + n, " ");
	const char *subject = *rest ? rest : jtext(json_array_get(mail_messages(c->desk), 0), "subject");
	cmd_wants(c, queued_result, NULL);
	sync_mail_new_case(c->desk, t, jint(who, "id"), service, *subject ? subject : service, c->job);
	return 0;
}

CMD(cmd_reply)
{
	if (!thread_or_fail(c))
		return -1;
	return mail_reply(c->desk, argc > 1 ? argv[1] : NULL, c->job, c->err, c->errlen);
}

CMD(cmd_save)
{
	(void)argc;
	char *end;
	long msg = 0, n = strtol(argv[1], &end, 10);
	if (*end == '.') { /* MSG.N */
		msg = n;
		n = strtol(end + 1, &end, 10);
	}
	if (*end || n < 1 || msg < 0)
		return cmd_fail(c, _("save : N ou MESSAGE.N, puis le fichier"));
	if (!thread_or_fail(c))
		return -1;
	if (mail_save(c->desk, (int)msg, (int)n, argv[2], c->err, c->errlen) < 0)
		return -1;
	desk_say(c->desk, _("pièce jointe enregistrée : %s"), argv[2]);
	return 0;
}

/* The sender's display name as given and family names: "Éloïse
 * Lœuvre-Çaïd" -> Éloïse / Lœuvre-Çaïd; one word is the family name. */
static void split_name(const char *name, char *given, size_t gn, char *family, size_t fn)
{
	const char *sp = strrchr(name, ' ');
	if (sp) {
		snprintf(given, gn, "%.*s", (int)(sp - name), name);
		snprintf(family, fn, "%s", sp + 1);
	} else {
		snprintf(given, gn, "%s", "");
		snprintf(family, fn, "%s", name);
	}
}

CMD(cmd_new_citizen)
{
	char given[128], family[128];
	if (cmd_phone_has_unknown(c->desk) && c->desk->screen != SCREEN_THREAD)
		return cmd_phone_new_citizen(c, argc, argv);
	if (!thread_or_fail(c))
		return -1;
	const json_t *first = json_array_get(mail_messages(c->desk), 0);
	const char *addr = jtext(first, "from_addr");
	if (!*addr)
		return cmd_fail(c, _("new-citizen : ce courriel n'a pas d'expéditeur"));
	if (mail_citizen_of(c->desk, addr))
		return cmd_fail(c, _("new-citizen : %s est déjà un usager"), addr);
	if (argc > 2) {
		snprintf(given, sizeof(given), "%s", argv[1]);
		snprintf(family, sizeof(family), "%s", argv[2]);
	} else {
		split_name(*jtext(first, "from_name") ? jtext(first, "from_name") : addr, given,
			   sizeof(given), family, sizeof(family));
	}
	sync_mail_citizen(c->desk, given, family, addr, c->job);
	return 0;
}

CMD(cmd_handled)
{
	(void)argc;
	(void)argv;
	char q[96];
	const char *t = thread_or_fail(c);
	if (!t)
		return -1;
	snprintf(q, sizeof(q), "thread:%s", t);
	if (mail_tag(c->desk, q, MAIL_TAG_DONE, NULL, c->err, c->errlen) < 0)
		return -1;
	desk_say(c->desk, _("courriel classé : traité sans réponse"));
	mail_work_refresh(c->desk);
	return 0;
}

CMD(cmd_quotes)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	if (d->screen != SCREEN_THREAD || !mail_messages(d))
		return cmd_fail(c, _("quotes : sur un courriel ouvert"));
	d->mail->unfold = !d->mail->unfold;
	mail_relines(d);
	return 0;
}
