/* Mail and guichetd (see mail.h): who a sender is (a citizen search by
 * address, audited on the server like every search), a thread linked to a
 * case or recorded for its citizen (one email interaction per message,
 * keyed by its Message-ID, through the outbox), a case or a citizen made
 * from a thread, and `mail sync`, the intake a cron job runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/mail.h"
#include "client/mailbox.h"
#include "client/outbox.h"
#include "client/options.h"
#include "client/sync_impl.h"
#include "core/calendar.h"
#include "core/json_get.h"
#include "core/strbuf.h"

/* Messages `mail sync` takes in one run: a cron job's next run takes the rest. */
#define INTAKE_MAX 1000

/* --- who a sender is ------------------------------------------------------------ */

static void ask_sender(struct desk *d, const char *addr, struct job *j,
		       void (*then)(struct ticket *, const struct net_result *))
{
	char q[700], path[800], key[300];
	if (!*addr || strlen(addr) > 250 || mail_is_ours(d, addr))
		return;
	snprintf(key, sizeof(key), "sender:%s", addr);
	sync_url_encode(addr, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/citizens?q=%s&limit=5", q);
	struct ticket *t = ticket_new(d, j, _("expéditeur"));
	if (!t)
		return;
	t->quiet = true;
	snprintf(t->query, sizeof(t->query), "sender:%s", addr);
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->then = then;
	t->failed = then;
	store_list_open(d->store, key);
	ticket_get(t, path, on_list);
}

void sync_mail_senders(struct desk *d, const json_t *threads)
{
	size_t i;
	json_t *v;
	json_array_foreach(threads, i, v) {
		const char *addr = jtext(v, "from_addr");
		/* once per address: the answer is kept (and asked again on opening) */
		if (*addr && !desk_store_list(d, "sender:%s", addr))
			ask_sender(d, addr, NULL, NULL);
	}
}

void sync_mail_senders_of(struct desk *d, const char *addr, struct job *j)
{
	ask_sender(d, addr, j, NULL);
}

/* --- recording messages ------------------------------------------------------------ */

/* One email interaction for msg (a message read into text).  kind:
 * "mail.link" (with a case, or none) or "mail.intake". */
static void record(struct desk *d, const char *kind, const json_t *msg, int64_t citizen_id,
		   int64_t case_id, struct job *j)
{
	char summary[512], when[ISO8601_LEN], what[160];
	const char *mid = jtext(msg, "message_id");
	if (!*mid || strlen(mid) > 200 || citizen_id <= 0)
		return;
	mail_summary(msg, summary, sizeof(summary));
	iso8601_format(jint(msg, "date") > 0 ? jint(msg, "date") : d->now, when);
	json_t *body = json_pack("{sIssssssssss}", "citizen_id", (json_int_t)citizen_id, "channel",
				 "email", "direction",
				 mail_is_ours(d, jtext(msg, "from_addr")) ? "out" : "in", "started_at",
				 when, "summary", summary, "external_ref", mid);
	if (!body)
		return;
	if (case_id > 0)
		json_object_set_new(body, "case_id", json_integer(case_id));
	snprintf(what, sizeof(what), _("courriel · %.100s"), jtext(msg, "subject"));
	if (!d->outbox || !outbox_add(d->outbox, kind, "POST", "/api/v1/interactions", body, 0,
				      STORE_CITIZEN, citizen_id, what, j)) {
		desk_error(d, _("envoi impossible : %s"), what);
		job_part_begin(j);
		job_part_done(j, JOB_FAILED, _("envoi impossible : %s"), what);
	}
	json_decref(body);
}

void sync_mail_record(struct desk *d, const json_t *msg, int64_t citizen_id, int64_t case_id,
		      struct job *j)
{
	record(d, "mail.link", msg, citizen_id, case_id, j);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

static void record_thread(struct desk *d, const char *thread, int64_t citizen_id, int64_t case_id,
			  struct job *j)
{
	char err[512];
	json_t *msgs = mail_read_thread(d, thread, err, sizeof(err)), *m;
	size_t i;
	if (!msgs) {
		desk_error(d, "%s", err);
		job_part_begin(j);
		job_part_done(j, JOB_FAILED, "%s", err);
		return;
	}
	json_array_foreach(msgs, i, m) record(d, "mail.link", m, citizen_id, case_id, j);
	json_decref(msgs);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

/* The case asked for by reference has come: its citizen is the one the
 * thread is recorded for (a daughter may write about her mother's case). */
static void case_for_link(struct ticket *t, const struct net_result *res)
{
	record_thread(t->d, t->query, jint(res->body, "citizen_id"), jint(res->body, "id"), t->job);
}

void sync_mail_link(struct desk *d, const char *thread, const char *case_ref, struct job *j)
{
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/cases/%s", case_ref);
	struct ticket *t = ticket_new(d, j, _("dossier"));
	if (!t)
		return;
	t->type = STORE_CASE;
	t->by_ref = true;
	t->then = case_for_link;
	snprintf(t->query, sizeof(t->query), "%s", thread);
	ticket_get(t, path, on_record);
}

void sync_mail_for_citizen(struct desk *d, const char *thread, int64_t citizen_id, struct job *j)
{
	record_thread(d, thread, citizen_id, 0, j);
}

/* --- delivered ----------------------------------------------------------------------- */

/* The Message-ID of a recording (as sent: "<id>"), as notmuch names it. */
static void query_of(const struct outbox_entry *e, char *q, size_t n)
{
	const char *ref = jtext(e->body, "external_ref");
	size_t len = strlen(ref);
	if (len >= 2 && ref[0] == '<' && ref[len - 1] == '>')
		snprintf(q, n, "id:\"%.*s\"", (int)len - 2, ref + 1);
	else
		snprintf(q, n, "id:\"%s\"", ref);
}

void sync_mail_linked(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	char q[320], err[512], tag[64];
	bool intake = strcmp(e->kind, "mail.intake") == 0;
	query_of(e, q, sizeof(q));
	int64_t case_id = jint(res->body, "case_id");
	snprintf(tag, sizeof(tag), "guichet/case/%lld", (long long)case_id);
	if (mail_tag(d, q, intake ? MAIL_TAG_INTAKE : MAIL_TAG_LINKED, NULL, err, sizeof(err)) < 0 ||
	    (case_id > 0 && mail_tag(d, q, tag, NULL, err, sizeof(err)) < 0))
		desk_error(d, "%s", err);
	else if (!intake)
		desk_say(d, _("%s : enregistré"), e->what);
	if (intake && d->mail)
		d->mail->intake.linked++;
}

/* --- a case from a thread ------------------------------------------------------------ */

void sync_mail_new_case(struct desk *d, const char *thread, int64_t citizen_id,
			const char *service, const char *subject, struct job *j)
{
	char what[160];
	json_t *body = json_pack("{sIssssss}", "citizen_id", (json_int_t)citizen_id, "service",
				 service, "subject", subject, "channel", "email");
	snprintf(what, sizeof(what), _("nouveau dossier · %s"), service);
	uint64_t id = d->outbox ? outbox_add(d->outbox, "mail.case", "POST", "/api/v1/cases", body,
					     0, STORE_CITIZEN, citizen_id, what, j)
				: 0;
	json_decref(body);
	if (!id) {
		desk_error(d, _("envoi impossible : %s"), what);
		return;
	}
	for (size_t i = 0; i < sizeof(d->mail->pending) / sizeof(d->mail->pending[0]); i++) {
		if (!d->mail->pending[i].outbox_id) {
			d->mail->pending[i].outbox_id = id;
			snprintf(d->mail->pending[i].thread, sizeof(d->mail->pending[i].thread), "%s",
				 thread);
			break;
		}
	}
	outbox_pump(d->outbox, loop_now_ms());
}

/* The case made from a thread exists: the thread is recorded in it (if
 * this desk was restarted meanwhile, the agent links it by hand). */
void sync_mail_case_created(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	int64_t id = jint(res->body, "id");
	if (!json_is_object(res->body) || id <= 0)
		return;
	store_put(d->store, STORE_CASE, json_incref(res->body));
	desk_say(d, _("dossier %s créé"), jtext(res->body, "ref"));
	for (size_t i = 0; d->mail && i < sizeof(d->mail->pending) / sizeof(d->mail->pending[0]);
	     i++) {
		if (d->mail->pending[i].outbox_id == e->id) {
			d->mail->pending[i].outbox_id = 0;
			record_thread(d, d->mail->pending[i].thread, jint(res->body, "citizen_id"), id,
				      e->job);
		}
	}
	sync_worklist(d, NULL);
}

/* --- a citizen from a sender --------------------------------------------------------- */

void sync_mail_citizen(struct desk *d, const char *given, const char *family, const char *addr,
		       struct job *j)
{
	char what[160];
	json_t *body = json_pack("{sssss[s]}", "given_name", given, "family_name", family, "emails",
				 addr);
	snprintf(what, sizeof(what), _("nouvel usager · %s"), addr);
	if (!body || !d->outbox ||
	    !outbox_add(d->outbox, "citizen.create", "POST", "/api/v1/citizens", body, 0,
			STORE_CITIZEN, 0, what, j))
		desk_error(d, _("envoi impossible : %s"), what);
	json_decref(body);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

void sync_mail_citizen_created(void *ctx, const struct outbox_entry *e,
			       const struct net_result *res)
{
	struct desk *d = ctx;
	(void)e;
	if (!json_is_object(res->body) || jint(res->body, "id") <= 0)
		return;
	store_put(d->store, STORE_CITIZEN, json_incref(res->body));
	desk_say(d, _("usager %s %s créé"), jtext(res->body, "given_name"),
		 jtext(res->body, "family_name"));
	/* the sender is a citizen now: the mail lines say so */
	const json_t *mail = json_array_get(json_object_get(res->body, "emails"), 0);
	if (json_is_string(mail))
		ask_sender(d, json_string_value(mail), NULL, NULL);
}

/* --- mail sync ----------------------------------------------------------------------- */

/* Tag the messages of ids (notmuch's Message-IDs) unmatched, a hundred to a
 * write: one lock taken per hundred, not per message.  Returns how many
 * were tagged, or -1 with err. */
static long tag_unmatched(struct desk *d, const json_t *ids, char *err, size_t errlen)
{
	struct strbuf q = { 0 };
	size_t i, n = json_array_size(ids);
	long done = 0;
	for (i = 0; i < n; i++) {
		strbuf_printf(&q, "%sid:\"%s\"", q.n ? " or " : "",
			      json_string_value(json_array_get(ids, i)));
		if ((i + 1) % 100 && i + 1 < n)
			continue;
		char *query = strbuf_take(&q);
		int rc = query ? mail_tag(d, query, MAIL_TAG_UNMATCHED, NULL, err, errlen) : -1;
		free(query);
		if (rc < 0)
			return -1;
		done = (long)i + 1;
	}
	return done;
}

/* The messages of one sender, once guichetd said who that is. */
static void intake_sender(struct ticket *t, const struct net_result *res)
{
	struct desk *d = t->d;
	const char *addr = t->query + strlen("sender:");
	json_t *msgs = json_object_get(d->mail ? d->mail->intake.waiting : NULL, addr), *m;
	json_t *c = res->status == 200 ? mail_citizen_of(d, addr) : NULL, *ids = json_array();
	char err[512];
	size_t i;
	if (res->status != 200) {
		json_decref(ids);
		return; /* no answer: these wait for the next run, untouched */
	}
	json_array_foreach(msgs, i, m) {
		if (c)
			record(d, "mail.intake", m, jint(c, "id"), 0, t->job);
		else
			json_array_append(ids, json_object_get(m, "notmuch_id"));
	}
	long n = tag_unmatched(d, ids, err, sizeof(err));
	if (n < 0) {
		job_part_begin(t->job);
		job_part_done(t->job, JOB_FAILED, "%s", err);
	} else {
		d->mail->intake.unmatched += n;
	}
	json_decref(ids);
	json_object_del(d->mail->intake.waiting, addr);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

/* Group what is to take in by sender.  What no citizen can have sent (no
 * sender, the service's own, an address no search takes) is filed as
 * unmatched at once: left untagged, it would come back at every run and,
 * past INTAKE_MAX of them, hold the intake up for good.  0, or -1. */
static int intake_collect(struct desk *d, json_t *found, char *err, size_t errlen)
{
	json_t *v, *none = json_array();
	size_t i;
	json_array_foreach(found, i, v) {
		json_t *m = mail_read_one(d, v);
		const char *addr = m ? jtext(m, "from_addr") : "";
		if (!*addr || strlen(addr) > 250 || mail_is_ours(d, addr)) {
			json_array_append(none, json_object_get(v, "message_id"));
			d->mail->intake.messages++;
			json_decref(m);
			continue;
		}
		json_object_set(m, "notmuch_id", json_object_get(v, "message_id"));
		json_t *list = json_object_get(d->mail->intake.waiting, addr);
		if (!list) {
			list = json_array();
			json_object_set_new(d->mail->intake.waiting, addr, list);
		}
		json_array_append_new(list, m);
		d->mail->intake.messages++;
	}
	long n = tag_unmatched(d, none, err, errlen);
	json_decref(none);
	if (n < 0)
		return -1;
	d->mail->intake.unmatched += n;
	return 0;
}

int sync_mail_intake(struct desk *d, struct job *j, char *err, size_t errlen)
{
	char q[1400];
	json_t *found = NULL;
	const char *k;
	json_t *v;
	struct mailbox *box = mail_box(d, err, errlen);
	if (!box)
		return -1;
	snprintf(q, sizeof(q), "(%s) and not tag:%s and not tag:%s and not tag:%s",
		 options_get(d->opts, "mail_query"), MAIL_TAG_INTAKE, MAIL_TAG_UNMATCHED,
		 MAIL_TAG_LINKED);
	if (mailbox_messages(box, q, INTAKE_MAX, &found, err, errlen) < 0)
		return -1;
	json_decref(d->mail->intake.waiting);
	memset(&d->mail->intake, 0, sizeof(d->mail->intake));
	d->mail->intake.waiting = json_object();
	int rc = intake_collect(d, found, err, errlen);
	json_decref(found);
	if (rc < 0)
		return -1;
	/* a copy of the keys: answers may come while asking (the cache) */
	json_t *addrs = json_array();
	json_object_foreach(d->mail->intake.waiting, k, v) json_array_append_new(addrs, json_string(k));
	size_t i;
	json_array_foreach(addrs, i, v) ask_sender(d, json_string_value(v), j, intake_sender);
	json_decref(addrs);
	return 0;
}
