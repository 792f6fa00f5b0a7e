/* Answering a thread (see mail_send.h): the draft in the agent's editor,
 * the message through the sendmail command, its copy in the Maildir's
 * Sent folder indexed by notmuch, the thread tagged, the answer recorded
 * on guichetd for the citizen. */
#include "client/mail_send.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/i18n.h"
#include "client/mail.h"
#include "client/mail_text.h"
#include "client/mailbox.h"
#include "client/options.h"
#include "client/spawn.h"
#include "client/sync.h"
#include "client/template.h"
#include "core/json_get.h"

#define DRAFT_MAX (1 << 20)
#define SENDMAIL_TIMEOUT_MS 60000

/* The message the answer is to: the last one not from the service. */
static const json_t *answered_message(struct desk *d, const json_t *msgs)
{
	for (size_t i = json_array_size(msgs); i-- > 0;) {
		const json_t *m = json_array_get(msgs, i);
		if (!mail_is_ours(d, jtext(m, "from_addr")))
			return m;
	}
	return json_array_get(msgs, json_array_size(msgs) - 1);
}

/* The draft in a file of its own (0600, mkstemp's): 0, or -1. */
static int write_draft(const char *text, char *path, size_t n, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(path, n, "%s/guichet-reponse-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0) {
		snprintf(err, errlen, _("reply : brouillon impossible à écrire (%s)"), strerror(errno));
		if (fd >= 0)
			unlink(path);
		return -1;
	}
	return 0;
}

static char *read_draft(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = f ? malloc(DRAFT_MAX + 1) : NULL;
	*len = buf ? fread(buf, 1, DRAFT_MAX, f) : 0;
	if (f)
		fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

/* The agent's editor on the draft, through the terminal's hook when there
 * is a terminal (the screen is given back after).  Its exit status. */
static int edit(struct desk *d, const char *path)
{
	char *const argv[] = { "/bin/sh", "-c", "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"",
			       "guichet-editor", (char *)path, NULL };
	if (d->ui && d->ui->run)
		return d->ui->run(d->ui->arg, argv);
	return spawn_wait(argv);
}

/* The copy of what was sent, in the Sent folder (created when missing),
 * delivered the Maildir way (tmp/ then cur/) and indexed.  0, or -1. */
static int keep_sent(struct desk *d, const char *msg, size_t len, char *err, size_t errlen)
{
	static unsigned seq;
	char dir[1300], tmp[1500], cur[1500];
	const char *sub[] = { "", "/cur", "/new", "/tmp" };
	const char *tags[] = { "sent", MAIL_TAG_REPLIED, NULL };
	snprintf(dir, sizeof(dir), "%s/%s", mailbox_path(d->mail->box),
		 options_get(d->opts, "mail_sent"));
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(tmp, sizeof(tmp), "%s%s", dir, sub[i]);
		mkdir(tmp, 0700);
	}
	snprintf(tmp, sizeof(tmp), "%s/tmp/%lld.%d_%u.guichet", dir, (long long)time(NULL),
		 (int)getpid(), ++seq);
	snprintf(cur, sizeof(cur), "%s/cur/%lld.%d_%u.guichet:2,S", dir, (long long)time(NULL),
		 (int)getpid(), seq);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	bool ok = fd >= 0 && write(fd, msg, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0 && close(fd) < 0)
		ok = false;
	if (!ok || rename(tmp, cur) < 0) {
		snprintf(err, errlen, _("reply : envoyé, mais la copie n'a pas pu être gardée (%s)"),
			 strerror(errno));
		unlink(tmp);
		return -1;
	}
	return mailbox_index(d->mail->box, cur, tags, err, errlen);
}

/* The case the thread was recorded in, from its tags (guichet/case/ID). */
static int64_t case_of(const json_t *msgs)
{
	const json_t *m, *t;
	size_t i, k;
	json_array_foreach(msgs, i, m) {
		json_array_foreach(json_object_get(m, "tags"), k, t) {
			const char *s = json_string_value(t);
			if (s && strncmp(s, "guichet/case/", 13) == 0 && atoll(s + 13) > 0)
				return atoll(s + 13);
		}
	}
	return 0;
}

/* Hand the message to the sendmail command: 0, or -1 with err. */
static int send_message(struct desk *d, const char *msg, size_t len, char *err, size_t errlen)
{
	char why[256];
	int st = spawn_pipe(options_get(d->opts, "sendmail"), msg, len, 0, SENDMAIL_TIMEOUT_MS,
			    NULL, NULL, why, sizeof(why));
	if (st == 0)
		return 0;
	if (st > 0)
		snprintf(err, errlen, _("reply : l'envoi a échoué (%s a rendu %d) ; rien n'est parti"),
			 options_get(d->opts, "sendmail"), st);
	else
		snprintf(err, errlen, _("reply : l'envoi a échoué (%s)"), why);
	return -1;
}

/* After sending: the copy kept, the thread tagged, the answer recorded. */
static void after_send(struct desk *d, const json_t *msgs, const json_t *to, const char *msg,
		       size_t len, struct job *j)
{
	char err[512], q[128];
	if (keep_sent(d, msg, len, err, sizeof(err)) < 0)
		desk_error(d, "%s", err);
	snprintf(q, sizeof(q), "thread:%s", d->mail->thread);
	if (mail_tag(d, q, MAIL_TAG_REPLIED, NULL, err, sizeof(err)) < 0)
		desk_error(d, "%s", err);
	json_t *sent = mail_text_parse(msg, len, NULL, err, sizeof(err));
	const json_t *who = mail_citizen_of(d, jtext(to, "from_addr"));
	if (sent && who)
		sync_mail_record(d, sent, jint(who, "id"), case_of(msgs), j);
	else
		desk_say(d, _("réponse envoyée ; l'expéditeur n'est pas un usager connu : rien "
			      "d'enregistré sur le serveur"));
	json_decref(sent);
	mail_work_refresh(d);
}

int mail_reply(struct desk *d, const char *template_name, struct job *j, char *err, size_t errlen)
{
	char path[600], top[2048] = "", msgid[256], from[600];
	const json_t *msgs = mail_messages(d), *to = answered_message(d, msgs);
	mail_from(d, from, sizeof(from));
	size_t len = 0, outlen = 0;
	char *draft = NULL, *edited = NULL, *out = NULL;
	int rc = -1;
	if (!to) {
		snprintf(err, errlen, _("reply : aucun courriel ouvert"));
		return -1;
	}
	if (!*from) {
		snprintf(err, errlen, _("reply : réglez d'abord l'adresse du service (set mail_from)"));
		return -1;
	}
	if (template_name && template_fill(d, template_name, top, sizeof(top)) < 0) {
		snprintf(err, errlen, _("reply : pas de modèle « %s »"), template_name);
		return -1;
	}
	if (!(draft = mail_text_reply_draft(to, from, top)) ||
	    write_draft(draft, path, sizeof(path), err, errlen) < 0)
		goto done;
	int st = edit(d, path);
	edited = read_draft(path, &len);
	unlink(path);
	if (st != 0 || !edited || strcmp(edited, draft) == 0) {
		snprintf(err, errlen, st != 0 ? _("reply : l'éditeur a échoué ; rien n'est parti")
					      : _("reply : brouillon laissé tel quel ; rien n'est parti"));
		goto done;
	}
	if (!(out = mail_text_finish_draft(edited, len, msgid, &outlen, err, errlen)) ||
	    send_message(d, out, outlen, err, errlen) < 0)
		goto done;
	desk_say(d, _("réponse envoyée à %s"), jtext(to, "from_addr"));
	if (j)
		job_set_result(j, json_pack("{ssss}", "message_id", msgid, "to", jtext(to, "from_addr")));
	after_send(d, msgs, to, out, outlen, j);
	/* the answer in its thread, as notmuch now has it (msgs and to go) */
	char thread[72];
	snprintf(thread, sizeof(thread), "%s", d->mail->thread);
	if (mail_open(d, thread, NULL, path, sizeof(path)) < 0)
		desk_error(d, "%s", path);
	rc = 0;
done:
	free(draft);
	free(edited);
	free(out);
	return rc;
}
