/* The desk's phone (see phone.h): the softphone's events and answers made
 * into calls, the agent's actions made into softphone commands, and the
 * end of each call into a wrap-up and a recording. */
#include "client/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "client/options.h"
#include "client/softphone.h"
#include "client/sync.h"
#include "core/json_get.h"
#include "core/model.h"

#define WAIT_MAX_S 40 /* under headless mode's own deadline for a command */

enum op { OP_NONE, OP_LIST, OP_CALLSTAT, OP_ACCEPT, OP_HANGUP, OP_HOLD, OP_RESUME, OP_TRANSFER,
	  OP_DIAL };

static const char *const STATE_NAMES[] = { "ringing", "dialling", "talking", "held", "ended" };

static struct desk_phone *ph(const struct desk *d)
{
	return d->phone;
}

static void changed(struct desk *d);
static bool number_asked(const struct desk *d, const char *number);

/* --- the calls ------------------------------------------------------------------------- */

static struct phone_call *find_id(struct desk_phone *p, const char *id)
{
	for (int i = 0; i < p->ncalls; i++)
		if (*id && strcmp(p->calls[i].id, id) == 0)
			return &p->calls[i];
	return NULL;
}

/* A call learned from `listcalls` has no id until an event names it: the
 * same peer, then. */
static struct phone_call *find_peer(struct desk_phone *p, const char *peeruri)
{
	for (int i = 0; i < p->ncalls; i++)
		if (!p->calls[i].id[0] && strcmp(p->calls[i].peeruri, peeruri) == 0)
			return &p->calls[i];
	return NULL;
}

static struct phone_call *new_call(struct desk *d, const char *id, const char *peeruri,
				   const char *peername, bool outgoing, enum call_state st)
{
	struct desk_phone *p = ph(d);
	if (p->ncalls == PHONE_CALLS_MAX)
		return NULL; /* a fifth line at once: the softphone still has it */
	struct phone_call *c = &p->calls[p->ncalls++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->peeruri, sizeof(c->peeruri), "%s", peeruri);
	snprintf(c->peername, sizeof(c->peername), "%s", peername);
	if (sp_uri_number(peeruri, c->number) < 0)
		c->number[0] = '\0';
	c->outgoing = outgoing;
	c->state = st;
	c->begun_s = (int64_t)time(NULL);
	if (outgoing && p->dialling[0] && strcmp(p->dialling, c->number) == 0) {
		c->citizen_id = p->dial_citizen; /* the agent called them from their file */
		c->citizen_chosen = c->citizen_id > 0;
		p->dialling[0] = '\0';
	}
	if (c->number[0] && !c->citizen_chosen) {
		json_t *who = phone_citizen_of(d, c->number);
		if (who)
			c->citizen_id = jint(who, "id");
		else if (!number_asked(d, c->number))
			sync_phone_caller(d, c->number);
	}
	return c;
}

static void drop_call(struct desk_phone *p, struct phone_call *c)
{
	int i = (int)(c - p->calls);
	memmove(&p->calls[i], &p->calls[i + 1], (size_t)(p->ncalls - i - 1) * sizeof(*c));
	p->ncalls--;
}

static bool talking(const struct desk_phone *p)
{
	for (int i = 0; i < p->ncalls; i++)
		if (p->calls[i].talk_ms)
			return true;
	return false;
}

/* --- presence follows the calls -------------------------------------------------- */

static void presence_busy(struct desk *d)
{
	struct desk_phone *p = ph(d);
	if (strcmp(d->presence, "busy") == 0)
		return;
	if (strcmp(d->presence, "wrap-up") != 0) {
		snprintf(p->presence_before, sizeof(p->presence_before), "%s", d->presence);
		snprintf(p->reason_before, sizeof(p->reason_before), "%s", d->presence_reason);
	}
	snprintf(d->presence, sizeof(d->presence), "busy");
	sync_presence_quiet(d, "busy", NULL);
}

static void presence_set(struct desk *d, const char *state)
{
	if (strcmp(d->presence, state) == 0)
		return;
	snprintf(d->presence, sizeof(d->presence), "%s", state);
	sync_presence_quiet(d, state, NULL);
}

/* Back to what it was before the call, unless the agent changed it. */
static void presence_back(struct desk *d)
{
	struct desk_phone *p = ph(d);
	if (strcmp(d->presence, "busy") != 0 && strcmp(d->presence, "wrap-up") != 0)
		return;
	const char *was = p->presence_before[0] && strcmp(p->presence_before, "offline") != 0
				  ? p->presence_before
				  : "available";
	snprintf(d->presence, sizeof(d->presence), "%s", was);
	snprintf(d->presence_reason, sizeof(d->presence_reason), "%s",
		 strcmp(was, "paused") == 0 ? p->reason_before : "");
	sync_presence_quiet(d, was, strcmp(was, "paused") == 0 ? p->reason_before : NULL);
}

/* --- a call ends ------------------------------------------------------------------------ */

/* A call never answered: recorded at once when its citizen is known
 * (a missed call is one to return). */
static void ended_unanswered(struct desk *d, struct phone_call *c)
{
	if (c->citizen_id > 0)
		sync_phone_record(d, c, NULL, NULL);
	if (c->outgoing)
		desk_say(d, _("appel sans réponse : %s"), c->number[0] ? c->number : c->peeruri);
	else
		desk_say(d, _("appel manqué : %s"), c->number[0] ? c->number : c->peeruri);
}

static void ended(struct desk *d, struct phone_call *c, int64_t at_ms)
{
	struct desk_phone *p = ph(d);
	c->state = CALL_ENDED;
	c->end_ms = at_ms;
	if (!c->talk_ms) {
		ended_unanswered(d, c);
	} else {
		if (p->wrapping) /* the one before was never wrapped up: recorded without a code */
			sync_phone_record(d, &p->wrap, NULL, NULL);
		p->wrap = *c;
		p->wrapping = true;
		long s = (long)((c->end_ms - c->talk_ms + 500) / 1000);
		desk_say(d, _("appel terminé (%ld:%02ld) — code de clôture : wrapup CODE"), s / 60,
			 s % 60);
		if (!talking(p) || p->ncalls == 1)
			presence_set(d, "wrap-up");
		if (d->ui && d->ui->suggest)
			d->ui->suggest(d->ui->arg, "wrapup ");
	}
	drop_call(p, c);
	if (!p->wrapping && !talking(p))
		presence_back(d);
}

/* --- events ------------------------------------------------------------------------------ */

static void ev_incoming(struct desk *d, const struct sp_msg *m)
{
	struct desk_phone *p = ph(d);
	if (find_id(p, m->id))
		return;
	struct phone_call *c = find_peer(p, m->peeruri);
	if (c) {
		snprintf(c->id, sizeof(c->id), "%s", m->id);
		return;
	}
	c = new_call(d, m->id, m->peeruri, m->peername, false, CALL_RINGING);
	if (c && d->ui && d->ui->notify)
		d->ui->notify(d->ui->arg, _("Appel entrant"), c->number[0] ? c->number : c->peeruri);
}

/* The other end rings, or answers early: an outgoing call the desk may
 * not have seen start (dialled on the softphone itself). */
static struct phone_call *ev_call(struct desk *d, const struct sp_msg *m)
{
	struct desk_phone *p = ph(d);
	struct phone_call *c = find_id(p, m->id);
	if (!c && (c = find_peer(p, m->peeruri)))
		snprintf(c->id, sizeof(c->id), "%s", m->id);
	if (!c)
		c = new_call(d, m->id, m->peeruri, m->peername, strcmp(m->direction, "incoming") != 0,
			     strcmp(m->direction, "incoming") != 0 ? CALL_DIALING : CALL_RINGING);
	return c;
}

static void ev_progress(struct desk *d, const struct sp_msg *m)
{
	ev_call(d, m);
}

static void ev_established(struct desk *d, const struct sp_msg *m)
{
	struct phone_call *c = ev_call(d, m);
	if (!c || c->talk_ms)
		return;
	c->state = CALL_TALKING;
	c->talk_ms = loop_now_ms();
	c->talk_s = (int64_t)time(NULL);
	presence_busy(d);
	if (c->citizen_id > 0 && !c->outgoing) /* the caller's file, on screen */
		sync_open_citizen(d, c->citizen_id, NULL);
}

static void ev_closed(struct desk *d, const struct sp_msg *m)
{
	struct desk_phone *p = ph(d);
	struct phone_call *c = find_id(p, m->id);
	if (!c)
		c = find_peer(p, m->peeruri);
	if (c)
		ended(d, c, loop_now_ms());
}

static void ev_transfer_failed(struct desk *d, const struct sp_msg *m)
{
	struct phone_call *c = find_id(ph(d), m->id);
	if (c)
		c->transferred[0] = '\0';
	desk_error(d, _("transfert refusé : %s"), m->param);
}

static const struct {
	const char *type;
	void (*fn)(struct desk *d, const struct sp_msg *m);
} EVENTS[] = {
	{ "CALL_INCOMING", ev_incoming },
	{ "CALL_RINGING", ev_progress },
	{ "CALL_PROGRESS", ev_progress },
	{ "CALL_ESTABLISHED", ev_established },
	{ "CALL_CLOSED", ev_closed },
	{ "TRANSFER_FAILED", ev_transfer_failed },
};

/* --- reconciling after a connection --------------------------------------------------- */

static void pend(struct desk_phone *p, const char *token, enum op op, const char *call,
		 const char *arg)
{
	int free_slot = -1;
	for (int i = 0; i < (int)(sizeof(p->pending) / sizeof(p->pending[0])); i++)
		if (p->pending[i].op == OP_NONE) {
			free_slot = i;
			break;
		}
	if (free_slot < 0)
		free_slot = 0; /* sixteen unanswered: the oldest is forgotten */
	snprintf(p->pending[free_slot].token, sizeof(p->pending[0].token), "%s", token);
	p->pending[free_slot].op = op;
	snprintf(p->pending[free_slot].call, sizeof(p->pending[0].call), "%s", call ? call : "");
	snprintf(p->pending[free_slot].arg, sizeof(p->pending[0].arg), "%s", arg ? arg : "");
}

static int send_op(struct desk *d, const char *command, const char *params, enum op op,
		   const char *call, char *err, size_t errlen)
{
	struct desk_phone *p = ph(d);
	char token[24];
	if (softphone_send(p->sp, command, params, token) < 0) {
		snprintf(err, errlen, _("téléphone injoignable (%s)"), phone_why(d));
		return -1;
	}
	pend(p, token, op, call, params);
	return 0;
}

static enum call_state state_of(const char *s)
{
	if (strcmp(s, "ESTABLISHED") == 0)
		return CALL_TALKING;
	if (strcmp(s, "INCOMING") == 0)
		return CALL_RINGING;
	return CALL_DIALING; /* OUTGOING, RINGING, EARLY */
}

static bool listed(const struct sp_line *lines, int n, const struct phone_call *c)
{
	for (int i = 0; i < n; i++)
		if (strcmp(lines[i].peeruri, c->peeruri) == 0)
			return true;
	return false;
}

/* The calls the softphone has now: the desk's that are gone ended when
 * the link went; those it did not know are taken in. */
static void reconcile(struct desk *d, const char *data)
{
	struct desk_phone *p = ph(d);
	struct sp_line lines[PHONE_CALLS_MAX];
	int n = sp_listcalls_parse(data, lines, PHONE_CALLS_MAX);
	char err[160];
	if (n < 0)
		return;
	for (int i = p->ncalls - 1; i >= 0; i--)
		if (!listed(lines, n, &p->calls[i]))
			ended(d, &p->calls[i], p->down_ms ? p->down_ms : loop_now_ms());
	for (int i = 0; i < n; i++) {
		bool known = false;
		for (int k = 0; k < p->ncalls; k++)
			known |= strcmp(p->calls[k].peeruri, lines[i].peeruri) == 0;
		enum call_state st = state_of(lines[i].state);
		struct phone_call *c =
			known ? NULL : new_call(d, "", lines[i].peeruri, "", st == CALL_DIALING, st);
		if (c && st == CALL_TALKING) { /* it has lasted that long */
			c->talk_ms = loop_now_ms() - lines[i].seconds * 1000;
			c->talk_s = (int64_t)time(NULL) - lines[i].seconds;
			presence_busy(d);
		}
		if (lines[i].current)
			send_op(d, "callstat", NULL, OP_CALLSTAT, lines[i].peeruri, err, sizeof(err));
	}
}

static void take_callstat(struct desk *d, const char *peeruri, const char *data)
{
	char id[128];
	struct phone_call *c = find_peer(ph(d), peeruri);
	if (c && sp_callstat_id(data, id, sizeof(id)) == 0 && !find_id(ph(d), id))
		snprintf(c->id, sizeof(c->id), "%s", id);
}

/* --- answers ----------------------------------------------------------------------------- */

static void answered(struct desk *d, int op, const char *call, const char *arg,
		     const struct sp_msg *m)
{
	struct phone_call *c = find_id(ph(d), call);
	if (op == OP_LIST) {
		reconcile(d, m->data);
	} else if (op == OP_CALLSTAT) {
		take_callstat(d, call, m->data);
	} else if (!m->ok) {
		desk_error(d, _("téléphone : %s"), m->data[0] ? m->data : _("refusé"));
		if (op == OP_TRANSFER && c)
			c->transferred[0] = '\0';
	} else if (c && op == OP_HOLD) {
		c->state = CALL_HELD;
		desk_say(d, _("appel en attente"));
	} else if (c && op == OP_RESUME) {
		c->state = CALL_TALKING;
		desk_say(d, _("appel repris"));
	} else if (op == OP_TRANSFER) {
		desk_say(d, _("appel transféré vers %s"), arg);
	}
}

static void on_message(void *arg, const struct sp_msg *m)
{
	struct desk *d = arg;
	struct desk_phone *p = ph(d);
	if (m->kind == SP_EVENT) {
		for (size_t i = 0; i < sizeof(EVENTS) / sizeof(EVENTS[0]); i++)
			if (strcmp(EVENTS[i].type, m->type) == 0)
				EVENTS[i].fn(d, m);
	} else {
		for (size_t i = 0; i < sizeof(p->pending) / sizeof(p->pending[0]); i++)
			if (p->pending[i].op != OP_NONE && strcmp(p->pending[i].token, m->token) == 0) {
				int op = p->pending[i].op;
				char call[128], parg[128];
				snprintf(call, sizeof(call), "%s", p->pending[i].call);
				snprintf(parg, sizeof(parg), "%s", p->pending[i].arg);
				p->pending[i].op = OP_NONE;
				answered(d, op, call, parg, m);
				break;
			}
	}
	changed(d);
}

static void on_state(void *arg, bool up, const char *why)
{
	struct desk *d = arg;
	struct desk_phone *p = ph(d);
	char err[160];
	p->up = up;
	snprintf(p->why, sizeof(p->why), "%s", why);
	memset(p->pending, 0, sizeof(p->pending)); /* their answers will not come */
	if (up) {
		send_op(d, "listcalls", NULL, OP_LIST, NULL, err, sizeof(err));
		if (p->down_ms)
			desk_say(d, _("téléphone : de nouveau relié à %s"), p->address);
	} else {
		p->down_ms = loop_now_ms();
		desk_error(d, _("téléphone injoignable (%s) : le reste du guichet fonctionne"), why);
	}
	changed(d);
}

/* --- following the option -------------------------------------------------------------- */

void phone_free(struct desk *d)
{
	struct desk_phone *p = ph(d);
	if (!p)
		return;
	softphone_free(p->sp);
	if (p->waiter) {
		loop_timer_del(d->loop, p->wait_timer);
		job_part_done(p->waiter, JOB_FAILED, "%s", _("téléphone fermé"));
	}
	free(p);
	d->phone = NULL;
}

void phone_follow(struct desk *d)
{
	const char *want = d->opts ? options_get(d->opts, "phone") : NULL;
	struct desk_phone *p = ph(d);
	if (!want || !d->loop)
		return;
	if (p && strcmp(p->address, want) == 0)
		return;
	if (p && (p->ncalls || p->wrapping)) /* not while a call is on the line */
		return;
	phone_free(d);
	if (!*want)
		return;
	if (!(p = calloc(1, sizeof(*p))))
		return;
	d->phone = p;
	snprintf(p->address, sizeof(p->address), "%s", want);
	struct softphone_cbs cbs = { on_state, on_message, d };
	char err[300];
	if (!(p->sp = softphone_new(d->loop, want, &cbs, err, sizeof(err)))) {
		snprintf(p->why, sizeof(p->why), "%.200s", err);
		desk_error(d, "%s", err);
	} else {
		snprintf(p->why, sizeof(p->why), "%s", softphone_why(p->sp));
	}
}

/* --- what the desk reads ----------------------------------------------------------------- */

struct phone_call *phone_call_ringing(const struct desk *d)
{
	struct desk_phone *p = ph(d);
	for (int i = 0; p && i < p->ncalls; i++)
		if (p->calls[i].state == CALL_RINGING)
			return &p->calls[i];
	return NULL;
}

struct phone_call *phone_call_current(const struct desk *d)
{
	struct desk_phone *p = ph(d);
	struct phone_call *r = phone_call_ringing(d);
	if (r || !p || !p->ncalls)
		return r;
	for (int i = p->ncalls - 1; i >= 0; i--)
		if (p->calls[i].state == CALL_TALKING)
			return &p->calls[i];
	return &p->calls[p->ncalls - 1];
}

int phone_calls(const struct desk *d, struct phone_call **calls)
{
	struct desk_phone *p = ph(d);
	*calls = p ? p->calls : NULL;
	return p ? p->ncalls : 0;
}

struct phone_call *phone_wrapping(const struct desk *d)
{
	struct desk_phone *p = ph(d);
	return p && p->wrapping ? &p->wrap : NULL;
}

bool phone_configured(const struct desk *d)
{
	return ph(d) != NULL;
}

bool phone_up(const struct desk *d)
{
	return ph(d) && ph(d)->up;
}

const char *phone_why(const struct desk *d)
{
	return ph(d) ? ph(d)->why : "";
}

/* --- the agent's actions ------------------------------------------------------------------ */

static int need_phone(struct desk *d, char *err, size_t errlen)
{
	phone_follow(d); /* a `set phone` just before, in the same script */
	if (!ph(d)) {
		snprintf(err, errlen, "%s", _("pas de téléphone : set phone tcp:127.0.0.1:4444"));
		return -1;
	}
	return 0;
}

static struct phone_call *need_call(struct desk *d, char *err, size_t errlen)
{
	struct phone_call *c = need_phone(d, err, errlen) == 0 ? phone_call_current(d) : NULL;
	if (!c && ph(d))
		snprintf(err, errlen, "%s", _("aucun appel en cours"));
	return c;
}

int phone_answer(struct desk *d, char *err, size_t errlen)
{
	if (need_phone(d, err, errlen) < 0)
		return -1;
	struct phone_call *c = phone_call_ringing(d);
	if (!c)
		return snprintf(err, errlen, "%s", _("aucun appel ne sonne")), -1;
	return send_op(d, "accept", NULL, OP_ACCEPT, c->id, err, errlen);
}

int phone_hangup(struct desk *d, char *err, size_t errlen)
{
	struct phone_call *c = need_call(d, err, errlen);
	if (!c)
		return -1;
	/* the current call is the softphone's too: it is the last one that rang or was
	 * taken back, which is the one the agent sees */
	return send_op(d, "hangup", NULL, OP_HANGUP, c->id, err, errlen);
}

int phone_hold(struct desk *d, bool hold, char *err, size_t errlen)
{
	struct phone_call *c = need_call(d, err, errlen);
	if (!c)
		return -1;
	if (c->state != (hold ? CALL_TALKING : CALL_HELD))
		return snprintf(err, errlen, "%s",
				hold ? _("l'appel n'est pas en conversation")
				     : _("l'appel n'est pas en attente")),
		       -1;
	return send_op(d, hold ? "hold" : "resume", NULL, hold ? OP_HOLD : OP_RESUME, c->id, err,
		       errlen);
}

/* A number or URI to dial or transfer to, as the softphone takes it. */
static int target_of(struct desk *d, const char *target, char *out, size_t n, char *err,
		     size_t errlen)
{
	char e164[17];
	const char *lines = d->opts ? options_get(d->opts, "phone_lines") : "";
	size_t len = strlen(target);
	/* a named line of the service's (phone_lines: "etat-civil=+33…,accueil=3939") */
	for (const char *p = lines; p && *p;) {
		const char *end = strchr(p, ','), *eq = strchr(p, '=');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (eq && eq < p + l && (size_t)(eq - p) == len && strncmp(p, target, len) == 0) {
			snprintf(out, n, "%.*s", (int)(p + l - eq - 1), eq + 1);
			return 0;
		}
		p = end ? end + 1 : p + l;
	}
	if (strncmp(target, "sip:", 4) == 0 || strncmp(target, "sips:", 5) == 0) {
		for (const char *q = target; *q; q++)
			if ((unsigned char)*q <= ' ' || *q == 0x7f)
				return snprintf(err, errlen, "%s", _("adresse SIP invalide")), -1;
		snprintf(out, n, "%s", target);
		return 0;
	}
	if (model_phone_e164(target, e164) < 0 && !(len >= 2 && len <= 8 &&
						    strspn(target, "0123456789") == len))
		return snprintf(err, errlen, _("« %s » n'est ni un numéro, ni une ligne (phone_lines)"),
				target),
		       -1;
	/* short numbers (an extension, 3939) go as they are */
	snprintf(out, n, "%s", model_phone_e164(target, e164) == 0 ? e164 : target);
	return 0;
}

int phone_transfer(struct desk *d, const char *target, char *err, size_t errlen)
{
	char to[300];
	struct phone_call *c = need_call(d, err, errlen);
	if (!c || target_of(d, target, to, sizeof(to), err, errlen) < 0)
		return -1;
	if (c->state != CALL_TALKING && c->state != CALL_HELD)
		return snprintf(err, errlen, "%s", _("l'appel n'est pas en conversation")), -1;
	snprintf(c->transferred, sizeof(c->transferred), "%s", target);
	return send_op(d, "transfer", to, OP_TRANSFER, c->id, err, errlen);
}

int phone_dial(struct desk *d, const char *number, int64_t citizen_id, char *err, size_t errlen)
{
	char to[300];
	if (need_phone(d, err, errlen) < 0 || target_of(d, number, to, sizeof(to), err, errlen) < 0)
		return -1;
	struct desk_phone *p = ph(d);
	snprintf(p->dialling, sizeof(p->dialling), "%.16s", to[0] == '+' ? to : "");
	p->dial_citizen = citizen_id;
	return send_op(d, "dial", to, OP_DIAL, NULL, err, errlen);
}

int phone_note(struct desk *d, const char *text, char *err, size_t errlen)
{
	struct phone_call *c = ph(d) ? phone_call_current(d) : NULL;
	if (!c)
		c = phone_wrapping(d); /* the notes of a call just ended, before its code */
	if (!c)
		return snprintf(err, errlen, "%s", _("aucun appel en cours")), -1;
	size_t used = strlen(c->notes);
	if (used + strlen(text) + 2 > PHONE_NOTES_MAX)
		return snprintf(err, errlen, "%s", _("notes de l'appel pleines")), -1;
	snprintf(c->notes + used, sizeof(c->notes) - used, "%s%s", used ? "\n" : "", text);
	changed(d);
	return 0;
}

int phone_file_under(struct desk *d, int64_t citizen_id, int64_t case_id, char *err,
		     size_t errlen)
{
	struct phone_call *c = ph(d) ? phone_call_current(d) : NULL;
	if (!c)
		c = phone_wrapping(d);
	if (!c)
		return snprintf(err, errlen, "%s", _("aucun appel en cours")), -1;
	if (citizen_id > 0) {
		c->citizen_id = citizen_id;
		c->citizen_chosen = true;
	}
	if (case_id > 0)
		c->case_id = case_id;
	changed(d);
	return 0;
}

int phone_wrapup(struct desk *d, const char *code, int64_t case_id, struct job *j, char *err,
		 size_t errlen)
{
	struct desk_phone *p = ph(d);
	if (!p || !p->wrapping)
		return snprintf(err, errlen, "%s", _("aucun appel à clore")), -1;
	if (!model_slug_ok(code))
		return snprintf(err, errlen, "%s",
				_("wrapup : un code en minuscules (information, dossier, orientation…)")),
		       -1;
	if (case_id > 0)
		p->wrap.case_id = case_id;
	if (p->wrap.citizen_id > 0)
		sync_phone_record(d, &p->wrap, code, j);
	else
		desk_say(d, "%s", _("appel clos sans usager : rien n'est enregistré"));
	p->wrapping = false;
	if (!talking(p))
		presence_back(d);
	changed(d);
	return 0;
}

/* --- the state as a record ------------------------------------------------------------------ */

static json_t *call_record(const struct desk *d, const struct phone_call *c)
{
	int64_t now = loop_now_ms();
	int64_t end = c->end_ms ? c->end_ms : now;
	json_t *o = json_pack("{sssssssssssssI}", "id", c->id, "state", STATE_NAMES[c->state],
			      "peer", c->peeruri, "name", c->peername, "number", c->number,
			      "direction", c->outgoing ? "out" : "in", "seconds",
			      (json_int_t)(c->talk_ms ? (end - c->talk_ms + 500) / 1000 : 0));
	if (!o)
		return NULL;
	json_object_set_new(o, "notes", json_string(c->notes));
	json_object_set_new(o, "citizen_id", c->citizen_id ? json_integer(c->citizen_id) : json_null());
	json_object_set_new(o, "case_id", c->case_id ? json_integer(c->case_id) : json_null());
	json_object_set_new(o, "presumed", json_boolean(c->citizen_id && !c->citizen_chosen));
	if (c->transferred[0])
		json_object_set_new(o, "transferred", json_string(c->transferred));
	(void)d;
	return o;
}

json_t *phone_state(struct desk *d)
{
	struct desk_phone *p = ph(d);
	json_t *calls = json_array();
	for (int i = 0; p && i < p->ncalls; i++)
		json_array_append_new(calls, call_record(d, &p->calls[i]));
	return json_pack("{sssbsssosossss}", "address", p ? p->address : "", "up", p && p->up, "why",
			 p && !p->up ? p->why : "", "calls", calls, "wrapup",
			 p && p->wrapping ? call_record(d, &p->wrap) : json_null(), "presence",
			 d->presence, "state", !p ? "none" : p->up ? "up" : "down");
}

/* --- waiting, for scripts ------------------------------------------------------------------ */

static bool holds(const struct desk *d, const char *what)
{
	const struct desk_phone *p = ph(d);
	if (strcmp(what, "up") == 0)
		return p && p->up;
	if (strcmp(what, "down") == 0)
		return !p || !p->up;
	if (strcmp(what, "wrapup") == 0)
		return p && p->wrapping;
	if (strcmp(what, "idle") == 0)
		return !p || p->ncalls == 0;
	enum call_state want = strcmp(what, "ringing") == 0 ? CALL_RINGING
			       : strcmp(what, "held") == 0  ? CALL_HELD
							    : CALL_TALKING;
	for (int i = 0; p && i < p->ncalls; i++)
		if (p->calls[i].state == want)
			return true;
	return false;
}

static void wait_over(struct desk *d, bool ok)
{
	struct desk_phone *p = ph(d);
	struct job *j = p->waiter;
	p->waiter = NULL;
	if (p->wait_timer)
		loop_timer_del(d->loop, p->wait_timer);
	p->wait_timer = 0;
	if (ok) {
		job_set_result(j, phone_state(d));
		job_part_done(j, JOB_OK, "%s", "");
	} else {
		job_part_done(j, JOB_FAILED, _("phone wait %s : pas dans le délai"), p->wait_for);
	}
}

static void wait_timeout(void *arg, int id)
{
	struct desk *d = arg;
	(void)id;
	ph(d)->wait_timer = 0;
	if (ph(d)->waiter)
		wait_over(d, false);
}

static void changed(struct desk *d)
{
	struct desk_phone *p = ph(d);
	p->changes++;
	if (p->waiter && holds(d, p->wait_for))
		wait_over(d, true);
}

int phone_wait(struct desk *d, const char *what, int seconds, struct job *j, char *err,
	       size_t errlen)
{
	static const char *const whats[] = { "ringing", "talking", "held", "idle", "wrapup", "up", "down" };
	bool ok = false;
	for (size_t i = 0; i < sizeof(whats) / sizeof(whats[0]); i++)
		ok |= strcmp(whats[i], what) == 0;
	if (!ok)
		return snprintf(err, errlen, "%s",
				_("phone wait : ringing, talking, held, idle, wrapup, up ou down")),
		       -1;
	if (need_phone(d, err, errlen) < 0)
		return -1;
	struct desk_phone *p = ph(d);
	if (p->waiter)
		return snprintf(err, errlen, "%s", _("phone wait : déjà en attente")), -1;
	if (holds(d, what)) {
		job_set_result(j, phone_state(d));
		return 0;
	}
	if (!j)
		return 0;
	snprintf(p->wait_for, sizeof(p->wait_for), "%s", what);
	job_part_begin(j);
	p->waiter = j;
	int s = seconds > 0 && seconds < WAIT_MAX_S ? seconds : WAIT_MAX_S;
	p->wait_timer = loop_timer_add(d->loop, (int64_t)s * 1000, wait_timeout, d);
	return 0;
}

/* --- who calls ------------------------------------------------------------------------------ */

json_t *phone_citizen_of(const struct desk *d, const char *number)
{
	json_t *items = desk_items(d, "caller:%s", number);
	json_t *first = json_array_get(items, 0);
	return json_is_object(first) ? first : NULL;
}

bool phone_number_known(const struct desk *d, const char *number)
{
	const struct store_list *l = desk_store_list(d, "caller:%s", number);
	return l && l->state == LIST_LOADED;
}

/* Asked, and not refused: the answer is on its way or here. */
static bool number_asked(const struct desk *d, const char *number)
{
	const struct store_list *l = desk_store_list(d, "caller:%s", number);
	return l && l->state != LIST_FAILED;
}

void phone_caller_answered(struct desk *d, const char *number)
{
	struct desk_phone *p = ph(d);
	json_t *who = phone_citizen_of(d, number);
	if (!p || !who)
		return;
	for (int i = 0; i < p->ncalls; i++)
		if (strcmp(p->calls[i].number, number) == 0 && !p->calls[i].citizen_chosen)
			p->calls[i].citizen_id = jint(who, "id");
	if (p->wrapping && strcmp(p->wrap.number, number) == 0 && !p->wrap.citizen_chosen)
		p->wrap.citizen_id = jint(who, "id");
	changed(d);
}

void phone_citizen_made(struct desk *d, const json_t *citizen)
{
	struct desk_phone *p = ph(d);
	const json_t *num = json_array_get(json_object_get(citizen, "phones"), 0);
	if (!p || !json_is_string(num))
		return;
	for (int i = 0; i < p->ncalls; i++)
		if (strcmp(p->calls[i].number, json_string_value(num)) == 0 && !p->calls[i].citizen_id)
			p->calls[i].citizen_id = jint(citizen, "id"), p->calls[i].citizen_chosen = true;
	if (p->wrapping && strcmp(p->wrap.number, json_string_value(num)) == 0 && !p->wrap.citizen_id)
		p->wrap.citizen_id = jint(citizen, "id"), p->wrap.citizen_chosen = true;
	changed(d);
}
