/* The phone and guichetd (see phone.h): who a caller is (a citizen search
 * by number, audited on the server like every search, then that
 * citizen's file for the pop-up's open cases), a call recorded as a
 * phone interaction through the outbox, and a citizen made for a caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/outbox.h"
#include "client/phone.h"
#include "client/sync_impl.h"
#include "core/calendar.h"
#include "core/json_get.h"

/* --- who calls ------------------------------------------------------------------------- */

static void caller_answered(struct ticket *t, const struct net_result *res)
{
	(void)res;
	const char *number = t->query + strlen("caller:");
	json_t *who = phone_citizen_of(t->d, number);
	if (who) { /* the open cases, for the pop-up: the citizen's file */
		char path[96];
		struct ticket *f = ticket_new(t->d, NULL, _("fiche"));
		if (f) {
			f->quiet = true;
			f->type = STORE_CITIZEN;
			f->id = jint(who, "id");
			snprintf(path, sizeof(path), "/api/v1/citizens/%lld", (long long)f->id);
			ticket_get(f, path, on_record);
		}
	}
	phone_caller_answered(t->d, number);
}

void sync_phone_caller(struct desk *d, const char *number)
{
	char q[64], path[160];
	sync_url_encode(number, q, sizeof(q));
	snprintf(path, sizeof(path), "/api/v1/citizens?q=%s&limit=5", q);
	struct ticket *t = ticket_new(d, NULL, _("appelant"));
	if (!t)
		return;
	t->quiet = true;
	snprintf(t->query, sizeof(t->query), "caller:%s", number);
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->then = caller_answered;
	store_list_open(d->store, t->query);
	ticket_get(t, path, on_list);
}

/* --- a call recorded ------------------------------------------------------------------ */

/* What the interaction says: the notes, or what happened. */
static void summary_of(const struct phone_call *c, char *out, size_t n)
{
	const char *what = c->notes[0] ? c->notes
			   : !c->talk_ms ? (c->outgoing ? _("Appel sans réponse") : _("Appel manqué"))
			   : c->outgoing ? _("Appel sortant")
					 : _("Appel entrant");
	if (c->transferred[0])
		snprintf(out, n, _("%.1900s\n(transféré vers %.60s)"), what, c->transferred);
	else
		snprintf(out, n, "%s", what);
}

void sync_phone_record(struct desk *d, const struct phone_call *c, const char *wrapup,
		       struct job *j)
{
	char summary[2048], start[ISO8601_LEN], end[ISO8601_LEN], what[160], ref[160];
	/* The duration is the softphone's to the millisecond: the start is the
	 * second it was answered, the end that plus the duration rounded, so
	 * that end − start is the call's length to half a second. */
	int64_t from = c->talk_ms ? c->talk_s : c->begun_s;
	int64_t len = c->talk_ms && c->end_ms ? (c->end_ms - c->talk_ms + 500) / 1000 : 0;
	iso8601_format(from, start);
	iso8601_format(from + len, end);
	summary_of(c, summary, sizeof(summary));
	if (c->id[0])
		snprintf(ref, sizeof(ref), "sip:%s", c->id);
	else
		snprintf(ref, sizeof(ref), "tel:%s;t=%lld", c->number, (long long)from);
	json_t *body = json_pack("{sIssssssssssss}", "citizen_id", (json_int_t)c->citizen_id,
				 "channel", "phone", "direction", c->outgoing ? "out" : "in",
				 "started_at", start, "ended_at", end, "summary", summary,
				 "external_ref", ref);
	if (!body)
		return;
	if (wrapup)
		json_object_set_new(body, "wrapup_code", json_string(wrapup));
	if (c->case_id > 0)
		json_object_set_new(body, "case_id", json_integer(c->case_id));
	snprintf(what, sizeof(what), _("appel · %s"), c->number[0] ? c->number : c->peeruri);
	if (!d->outbox || !outbox_add(d->outbox, "phone.call", "POST", "/api/v1/interactions", body, 0,
				      STORE_CITIZEN, c->citizen_id, what, j)) {
		desk_error(d, _("envoi impossible : %s"), what);
		job_part_begin(j);
		job_part_done(j, JOB_FAILED, _("envoi impossible : %s"), what);
	}
	json_decref(body);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

void sync_phone_recorded(void *ctx, const struct outbox_entry *e, const struct net_result *res)
{
	struct desk *d = ctx;
	(void)res;
	desk_say(d, _("%s : enregistré"), e->what);
	/* the citizen's history on screen has the call now */
	if (d->screen == SCREEN_CITIZEN && d->citizen_id == e->target_id)
		sync_timeline(d, e->target_id, 50, NULL);
}

/* --- a citizen for a caller ---------------------------------------------------------- */

void sync_phone_citizen(struct desk *d, const char *given, const char *family, const char *number,
			struct job *j)
{
	char what[160];
	json_t *body = json_pack("{sssss[s]}", "given_name", given, "family_name", family, "phones",
				 number);
	snprintf(what, sizeof(what), _("nouvel usager · %s"), number);
	if (!body || !d->outbox ||
	    !outbox_add(d->outbox, "phone.citizen", "POST", "/api/v1/citizens", body, 0,
			STORE_CITIZEN, 0, what, j)) {
		desk_error(d, _("envoi impossible : %s"), what);
		job_part_begin(j);
		job_part_done(j, JOB_FAILED, _("envoi impossible : %s"), what);
	}
	json_decref(body);
	if (d->outbox)
		outbox_pump(d->outbox, loop_now_ms());
}

void sync_phone_citizen_created(void *ctx, const struct outbox_entry *e,
				const struct net_result *res)
{
	struct desk *d = ctx;
	(void)e;
	if (!json_is_object(res->body) || jint(res->body, "id") <= 0)
		return;
	store_put(d->store, STORE_CITIZEN, json_incref(res->body));
	desk_say(d, _("usager %s %s créé"), jtext(res->body, "given_name"),
		 jtext(res->body, "family_name"));
	phone_citizen_made(d, res->body);
}
