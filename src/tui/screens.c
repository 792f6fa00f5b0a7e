/* The screens, as a table of draw functions (tig's views, htop's panels):
 * each draws the desk's state between the title line and the status bar;
 * the frame (title, status bar, message line) is drawn around them.  The
 * terminal cursor is left on the selected line, so that screen readers and
 * braille displays follow the agent. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/keymap.h"
#include "client/keyspec.h"
#include "client/outbox.h"
#include "client/screen.h"
#include "client/viewing.h"
#include "client/worklist.h"
#include "client/mail.h"
#include "client/sync.h"
#include "core/calendar.h"
#include "tui/call_view.h"
#include "tui/monitor_view.h"
#include "tui/tui.h"
#include "tui/mail_view.h"

/* The area a screen draws in, and where it wants the cursor. */
struct area {
	int top, rows, cols;
	int cursor_y;
	int list_x;       /* the column the list starts at (the cursor goes there) */
};

/* A channel as one mark, so a line says its channel without colour. */
static const char *channel_mark(const char *ch)
{
	static const struct { const char *channel, *mark; } marks[] = {
		{ "email", "@" }, { "phone", "T" }, { "chat", "C" }, { "sms", "S" },
		{ "counter", "G" }, { "letter", "L" }, { "web", "W" }, { "note", "N" },
	};
	for (size_t i = 0; ch && i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strcmp(marks[i].channel, ch) == 0)
			return marks[i].mark;
	return " ";
}

/* Paris time of an instant: its day (days since the epoch) and the second
 * of that day.  Every time the desk shows is in Paris time, like the due
 * dates' working hours. */
static int64_t paris_day(int64_t t, int64_t *sec)
{
	int64_t local = t + cal_paris_offset(t);
	*sec = ((local % 86400) + 86400) % 86400;
	return (local - *sec) / 86400;
}

/* "12/03/26 14:05" in Paris time, from an ISO-8601 instant. */
static void short_date(const char *iso, char *out, size_t n)
{
	int64_t t, s;
	out[0] = '\0';
	if (!iso || iso8601_parse(iso, &t) < 0)
		return;
	int y, m, d;
	cal_civil_from_days(paris_day(t, &s), &y, &m, &d);
	snprintf(out, n, "%02d/%02d/%02d %02d:%02d", d, m, y % 100, (int)(s / 3600),
		 (int)(s / 60 % 60));
}

/* Keep the selection visible; returns the first line shown. */
static int keep_visible(struct desk_cursor *c, int n, int rows)
{
	if (c->selected >= n)
		c->selected = n > 0 ? n - 1 : 0;
	if (c->selected < c->top)
		c->top = c->selected;
	if (c->selected >= c->top + rows)
		c->top = c->selected - rows + 1;
	if (c->top < 0)
		c->top = 0;
	return c->top;
}

/* Draw a list: one line per item through line(); the selected one in the
 * selection role, the cursor on it. */
static void draw_list(struct tui *t, struct area *a, int y0, json_t *items, enum desk_screen s,
		      void (*line)(struct tui *, int y, int cols, const json_t *it, bool sel))
{
	int rows = a->top + a->rows - y0, n = (int)json_array_size(items);
	struct desk_cursor *c = &t->desk->cur[s];
	t->desk->page_lines = rows > 1 ? rows : 1; /* a page-down skips no line */
	int top = keep_visible(c, n, rows);
	for (int i = 0; i < rows && top + i < n; i++) {
		bool sel = top + i == c->selected;
		line(t, y0 + i, a->cols, json_array_get(items, (size_t)(top + i)), sel);
		if (sel)
			a->cursor_y = y0 + i;
	}
	if (!n)
		draw_text(y0, a->list_x + 1, a->cols - a->list_x - 2, ROLE_MUTED,
			  items ? _("(rien)") : _("chargement…"), false);
}

/* --- work list -------------------------------------------------------------- */

static void case_row(struct tui *t, int y, int cols, const json_t *c, bool sel);

static void worklist_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	char buf[512];
	draw_text(y, 0, cols, base, "", true);
	const char *kind = jtext(it, "kind");
	if (strcmp(kind, "offer") == 0) {
		const json_t *o = json_object_get(it, "offer");
		bool call = strcmp(jtext(o, "kind"), "call") == 0;
		snprintf(buf, sizeof(buf), "%s %s — %s (%s)", call ? _("APPEL") : _("CHAT"),
			 jtext(o, "subject")[0] ? jtext(o, "subject") : _("sans objet"), jtext(o, "from"),
			 jtext(o, "service"));
		draw_text(y, 0, 2, sel ? ROLE_SELECTED : ROLE_OFFER, "»", true);
		draw_text(y, 2, cols - 2, sel ? ROLE_SELECTED : ROLE_OFFER, buf, true);
		return;
	}
	if (strcmp(kind, "mail") == 0)
		mail_thread_row(t, y, cols, json_object_get(it, "mail"), sel);
	else if (strcmp(kind, "more-mail") == 0)
		mail_more_row(t, y, cols, it, sel);
	else
		case_row(t, y, cols, json_object_get(it, "case"), sel);
}

/* One case on a line: channel, reference, subject, citizen, countdown; a
 * change of mine still waiting in the outbox is marked "↑". */
static void case_row(struct tui *t, int y, int cols, const json_t *c, bool sel)
{
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	char when[32];
	int64_t due;
	bool late = false;
	when[0] = '\0';
	if (iso8601_parse(jtext(c, "due_at"), &due) == 0)
		late = worklist_countdown(due, t->desk->now, when, sizeof(when));
	int wcol = cols >= 60 ? 14 : 11, x = 0;
	bool pending = store_pending(t->desk->store, STORE_CASE, jint(c, "id"));
	x += draw_text(y, x, 2, base, pending ? "↑" : channel_mark(jtext(c, "channel")), true);
	x += draw_text(y, x, 12, base, jtext(c, "ref"), true);
	int rest = cols - x - wcol - 1;
	int namew = rest > 50 ? 20 : rest > 36 ? 14 : 0;
	draw_text(y, x, rest - namew - 1, base, jtext(c, "subject"), true);
	if (namew)
		draw_text(y, x + rest - namew, namew - 1, sel ? base : ROLE_MUTED,
			  jtext(c, "citizen_name"), true);
	enum role r = sel ? base : late ? ROLE_OVERDUE : due - t->desk->now < 86400 ? ROLE_SOON
										: ROLE_MUTED;
	draw_text(y, cols - wcol, wcol, r, when, true);
}

static void draw_worklist(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	char head[160];
	json_t *offers = desk_items(d, "offers"), *mine = desk_items(d, "mine");
	long mail = d->mail ? d->mail->work_total : 0;
	if (mail > 0)
		snprintf(head, sizeof(head),
			 _("%zu offre(s), %ld courriel(s), %zu dossier(s) — Entrée : ouvrir, a : accepter"),
			 json_array_size(offers), mail, json_array_size(mine));
	else
		snprintf(head, sizeof(head), _("%zu offre(s), %zu dossier(s) — Entrée : ouvrir, a : accepter"),
			 json_array_size(offers), json_array_size(mine));
	draw_text(a->top, 1, a->cols - 1, ROLE_MUTED, head, true);
	draw_list(t, a, a->top + 1, mine || offers ? d->worklist : NULL, SCREEN_WORKLIST,
		  worklist_line);
}

/* --- cases: a filtered list ------------------------------------------------------- */

static void cases_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	draw_text(y, 0, cols, sel ? ROLE_SELECTED : ROLE_NORMAL, "", true);
	case_row(t, y, cols, it, sel);
}

static void draw_cases(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	char head[320];
	struct store_list *l = desk_store_list(d, "cases:%s", d->cases_query);
	snprintf(head, sizeof(head), _("Filtres : %s — %zu dossier(s)%s"),
		 d->cases_query[0] ? d->cases_query : _("aucun"), l ? json_array_size(l->items) : 0,
		 l && l->next[0] ? "+" : "");
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, head, true);
	if (l && l->state == LIST_FAILED)
		draw_text(a->top + 1, 1, a->cols - 1, ROLE_ERROR, l->error, true);
	else
		draw_list(t, a, a->top + 1, l && l->state == LIST_LOADED ? l->items : NULL,
			  SCREEN_CASES, cases_line);
}

/* --- outbox: what waits for the server ------------------------------------------------ */

static const char *entry_state_words(const char *state)
{
	static const struct { const char *state, *words; } names[] = {
		{ "queued", N_("en attente") }, { "sending", N_("envoi…") },
		{ "conflict", N_("CONFLIT") },   { "rejected", N_("REFUSÉ") },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].state, state) == 0)
			return _(names[i].words);
	return state;
}

static void outbox_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	char buf[700], id[24], what[200];
	const char *state = jtext(it, "state");
	bool blocked = strcmp(state, "conflict") == 0 || strcmp(state, "rejected") == 0;
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	draw_text(y, 0, cols, base, "", true);
	snprintf(id, sizeof(id), "%lld", (long long)jint(it, "id"));
	int x = draw_text(y, 1, 5, sel ? base : ROLE_MUTED, id, true) + 1;
	x += draw_text(y, x, 11, sel ? base : blocked ? ROLE_OVERDUE : ROLE_SOON,
		       entry_state_words(state), true);
	/* which record: a case by its reference, when the store has it */
	const json_t *k = strcmp(jtext(it, "target"), "case") == 0
		? store_get(t->desk->store, STORE_CASE, jint(it, "target_id")) : NULL;
	snprintf(what, sizeof(what), "%s%s%s", jtext(it, "what"), k ? " · " : "", k ? jtext(k, "ref") : "");
	const json_t *cur = json_object_get(it, "current");
	if (blocked && cur)
		snprintf(buf, sizeof(buf), _("%s — actuel : %s, v%lld — %s"), what,
			 jtext(cur, "status"), (long long)jint(cur, "version"), jtext(it, "error"));
	else if (*jtext(it, "error"))
		snprintf(buf, sizeof(buf), _("%s — essai %lld : %s"), what,
			 (long long)jint(it, "attempts"), jtext(it, "error"));
	else
		snprintf(buf, sizeof(buf), "%s", what);
	draw_text(y, x, cols - x, base, buf, true);
}

static void draw_outbox(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	char head[200];
	json_t *items = SCREENS[SCREEN_OUTBOX].list(d);
	snprintf(head, sizeof(head),
		 _("%zu en attente, %zu à reprendre — reapply N : reprendre, drop N : abandonner"),
		 d->outbox ? outbox_waiting(d->outbox) : 0, d->outbox ? outbox_blocked(d->outbox) : 0);
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, head, true);
	if (json_array_size(items))
		draw_list(t, a, a->top + 1, items, SCREEN_OUTBOX, outbox_line);
	else
		draw_text(a->top + 1, 1, a->cols - 2, ROLE_MUTED,
			  _("(rien : tout est arrivé au serveur)"), true);
}

/* --- citizen 360° ------------------------------------------------------------- */

static void join_strings(const json_t *arr, char *out, size_t n)
{
	size_t i, o = 0;
	json_t *v;
	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && o + 3 < n)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", json_string_value(v));
	}
}

/* The identity block; returns the next free line. */
static int citizen_identity(const json_t *c, int y, int x, int w, int maxy)
{
	char buf[512];
	static const struct { const char *label, *field; } lists[] = {
		{ N_("Téléphones :"), "phones" }, { N_("Courriels :"), "emails" },
		{ N_("Consentements :"), "consents" }, { N_("Étiquettes :"), "tags" },
	};
	snprintf(buf, sizeof(buf), "%s %s", jtext(c, "given_name"), jtext(c, "family_name"));
	draw_text(y++, x, w, ROLE_LABEL, buf, false);
	if (y < maxy && *jtext(c, "address"))
		draw_text(y++, x, w, ROLE_NORMAL, jtext(c, "address"), false);
	if (y < maxy && *jtext(c, "birth_date"))
		draw_field(y++, x, w, _("Né(e) le :"), jtext(c, "birth_date"));
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && y < maxy; i++) {
		join_strings(json_object_get(c, lists[i].field), buf, sizeof(buf));
		if (buf[0])
			draw_field(y++, x, w, _(lists[i].label), buf);
	}
	if (y < maxy && *jtext(c, "preferred_channel"))
		draw_field(y++, x, w, _("Canal préféré :"), jtext(c, "preferred_channel"));
	return y;
}

/* Open cases and satisfaction, under the identity. */
static int citizen_cases(const json_t *c, int y, int x, int w, int maxy)
{
	size_t i;
	json_t *k;
	char buf[400];
	if (y < maxy)
		draw_text(y++, x, w, ROLE_LABEL, _("Dossiers :"), false);
	json_array_foreach(json_object_get(c, "cases"), i, k) {
		if (y >= maxy)
			break;
		snprintf(buf, sizeof(buf), "%s %-16s %s", jtext(k, "ref"), jtext(k, "status"),
			 json_is_true(json_object_get(k, "restricted")) ? jtext(k, "service")
								       : jtext(k, "subject"));
		draw_text(y++, x + 1, w - 1, ROLE_NORMAL, buf, false);
	}
	json_array_foreach(json_object_get(c, "surveys"), i, k) {
		if (y >= maxy || i >= 3)
			break;
		snprintf(buf, sizeof(buf), _("Avis : %lld/5 %s"), (long long)jint(k, "csat"),
			 jtext(k, "comment"));
		draw_text(y++, x, w, ROLE_MUTED, buf, false);
	}
	return y;
}

/* Who else has this record open or is writing in it, on the screen's first
 * line (the rest of the screen moves down one).  Said in words, so that it
 * does not rest on colour. */
static void draw_collision(struct tui *t, struct area *a, const char *type, int64_t id)
{
	char who[300], buf[400];
	if (a->rows < 3 || viewing_describe(t->desk, type, id, who, sizeof(who)) == 0)
		return;
	snprintf(buf, sizeof(buf), _("Aussi ouvert par : %s"), who);
	draw_text(a->top, 1, a->cols - 1, ROLE_SOON, buf, true);
	a->top++;
	a->rows--;
}

/* Where the timeline column starts: beside the identity on a wide
 * terminal, under it on a narrow one (set by draw_citizen). */
static int tl_x;

static void timeline_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char when[32], buf[600];
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	short_date(jtext(it, "at"), when, sizeof(when));
	const char *kind = jtext(it, "kind");
	const json_t *data = json_object_get(it, "data");
	const char *ev = jtext(it, "event");
	if (strcmp(kind, "case_event") == 0 && strcmp(ev, "note") == 0 && *jtext(data, "text"))
		snprintf(buf, sizeof(buf), _("%s note : %s"), jtext(it, "case_ref"), jtext(data, "text"));
	else if (strcmp(kind, "case_event") == 0 && strcmp(ev, "status") == 0 && *jtext(data, "to"))
		snprintf(buf, sizeof(buf), _("%s état %s → %s"), jtext(it, "case_ref"),
			 jtext(data, "from"), jtext(data, "to"));
	else if (strcmp(kind, "case_event") == 0 && strcmp(ev, "created") == 0)
		snprintf(buf, sizeof(buf), _("%s dossier créé, service %s"), jtext(it, "case_ref"),
			 jtext(it, "service"));
	else if (strcmp(kind, "case_event") == 0)
		snprintf(buf, sizeof(buf), "%s %s %s", jtext(it, "case_ref"), ev, jtext(it, "service"));
	else
		snprintf(buf, sizeof(buf), "%s%s%s", jtext(it, "summary"),
			 *jtext(it, "case_ref") ? "  " : "", jtext(it, "case_ref"));
	int x = tl_x;
	draw_text(y, x, cols - x, base, "", true);
	const char *mark = strcmp(kind, "case_event") == 0 ? "#" : channel_mark(jtext(it, "channel"));
	x += draw_text(y, x, 2, base, mark, true);
	x += draw_text(y, x, 15, sel ? base : ROLE_MUTED, when, true);
	draw_text(y, x, cols - x, base, buf, true);
}

static void draw_citizen(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	int maxy = a->top + a->rows;
	const json_t *who = desk_citizen(d);
	if (!who) {
		draw_text(a->top, 1, a->cols - 1, ROLE_MUTED, _("chargement…"), false);
		return;
	}
	draw_collision(t, a, "citizen", jint(who, "id"));
	bool wide = a->cols >= 100;
	int leftw = wide ? 38 : a->cols - 2;
	int idmax = wide ? maxy : a->top + (a->rows > 12 ? 6 : 3);
	int y = citizen_identity(who, a->top, 1, leftw, idmax);
	if (wide)
		citizen_cases(who, y + 1, 1, leftw, maxy);
	tl_x = wide ? 40 : 0;
	int ty = wide ? a->top : y;
	/* where I am in it; the count once all of it is read ("…" until then,
	 * so that a page read ahead changes nothing on the screen) */
	char head[200], total[24];
	struct store_list *tl = desk_store_list(d, "timeline:%lld", (long long)d->citizen_id);
	json_t *items = tl && tl->state != LIST_LOADING ? tl->items : NULL;
	int n = (int)json_array_size(items);
	snprintf(total, sizeof(total), "%d", n);
	snprintf(head, sizeof(head), _("Historique, tous canaux (récent d'abord) : %d/%s"),
		 n ? d->cur[SCREEN_CITIZEN].selected + 1 : 0, tl && tl->next[0] ? "…" : total);
	draw_text(ty, tl_x, a->cols - tl_x, ROLE_LABEL, head, true);
	a->list_x = tl_x;
	draw_list(t, a, ty + 1, items, SCREEN_CITIZEN, timeline_line);
}

/* --- case ----------------------------------------------------------------------- */

static void case_event_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char when[32], buf[800];
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	const json_t *data = json_object_get(it, "data");
	short_date(jtext(it, "at"), when, sizeof(when));
	const char *kind = jtext(it, "kind");
	if (strcmp(kind, "note") == 0)
		snprintf(buf, sizeof(buf), _("note de %s : %s"), jtext(it, "agent"), jtext(data, "text"));
	else if (strcmp(kind, "status") == 0)
		snprintf(buf, sizeof(buf), _("état %s → %s (%s)"), jtext(data, "from"), jtext(data, "to"),
			 jtext(it, "agent"));
	else if (strcmp(kind, "transfer") == 0)
		snprintf(buf, sizeof(buf), _("transmis à %s %s (%s)"), jtext(data, "to_service"),
			 jtext(data, "to_agent"), jtext(data, "reason"));
	else if (strcmp(kind, "created") == 0)
		snprintf(buf, sizeof(buf), _("dossier créé (%s)"), jtext(it, "agent"));
	else
		snprintf(buf, sizeof(buf), "%s %s", kind, jtext(it, "agent"));
	int x = draw_text(y, 0, 16, sel ? base : ROLE_MUTED, when, true);
	draw_text(y, x, cols - x, base, buf, true);
}

static void draw_case(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	const json_t *k = desk_case(d);
	char buf[512], left[32] = "";
	if (!k) {
		draw_text(a->top, 1, a->cols - 1, ROLE_MUTED, _("chargement…"), false);
		return;
	}
	draw_collision(t, a, "case", jint(k, "id"));
	int64_t due;
	bool late = iso8601_parse(jtext(k, "due_at"), &due) == 0 &&
		    worklist_countdown(due, d->now, left, sizeof(left));
	snprintf(buf, sizeof(buf), "%s  %s", jtext(k, "ref"), jtext(k, "subject"));
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, buf, true);
	snprintf(buf, sizeof(buf), _("état : %s   service : %s   agent : %s"), jtext(k, "status"),
		 jtext(k, "service"), *jtext(k, "assignee") ? jtext(k, "assignee") : _("personne"));
	draw_text(a->top + 1, 1, a->cols - 1, ROLE_NORMAL, buf, true);
	char when[32];
	short_date(jtext(k, "due_at"), when, sizeof(when));
	snprintf(buf, sizeof(buf), _("échéance : %s (%s)   usager : %s"), when, left,
		 jtext(k, "citizen_name"));
	draw_text(a->top + 2, 1, a->cols - 1, late ? ROLE_OVERDUE : ROLE_NORMAL, buf, true);
	if (d->kase_stale)
		draw_text(a->top + 3, 1, a->cols - 1, ROLE_SOON,
			  _("modifié ailleurs depuis que vous l'avez ouvert : R pour le relire"), true);
	else if (json_is_true(json_object_get(k, "restricted")))
		draw_text(a->top + 3, 1, a->cols - 1, ROLE_MUTED,
			  _("dossier d'un autre service : seuls son état et son échéance sont visibles"),
			  true);
	else
		draw_list(t, a, a->top + 4, SCREENS[SCREEN_CASE].list(d), SCREEN_CASE,
			  case_event_line);
}

/* --- chat ------------------------------------------------------------------------ */

static void chat_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char when[32], who[80];
	bool mine = strcmp(jtext(it, "sender"), "agent") == 0;
	short_date(jtext(it, "at"), when, sizeof(when));
	snprintf(who, sizeof(who), "%s", mine ? jtext(it, "agent") : _("usager"));
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	int x = draw_text(y, 0, 10, sel ? base : ROLE_MUTED, when + 9, true);
	x += draw_text(y, x, 12, sel ? base : mine ? ROLE_MUTED : ROLE_LABEL, who, true);
	draw_text(y, x, cols - x, base, jtext(it, "text"), true);
}

static void draw_chat(struct tui *t, struct area *a)
{
	const json_t *c = desk_chat(t->desk);
	char buf[512];
	if (!c) {
		draw_text(a->top, 1, a->cols - 1, ROLE_MUTED, _("chargement…"), false);
		return;
	}
	snprintf(buf, sizeof(buf), "%s — %s (%s)", *jtext(c, "visitor_name") ? jtext(c, "visitor_name")
						      : _("visiteur"),
		 *jtext(c, "subject") ? jtext(c, "subject") : _("sans objet"), jtext(c, "service"));
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, buf, true);
	bool closed = strcmp(jtext(c, "status"), "closed") == 0;
	draw_text(a->top + 1, 1, a->cols - 1, closed ? ROLE_MUTED : ROLE_NORMAL,
		  closed ? _("chat terminé") : _("Entrée ou i : écrire   T : modèle   E : terminer"),
		  true);
	draw_list(t, a, a->top + 2, json_object_get(c, "messages"), SCREEN_CHAT, chat_line);
}

/* --- merge: both records side by side --------------------------------------------- */

static void draw_merge(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	const json_t *keep = desk_citizen(d), *dup = desk_duplicate(d);
	int half = a->cols / 2, maxy = a->top + a->rows;
	char buf[160];
	snprintf(buf, sizeof(buf), _("Garder : n° %lld"),
		 (long long)d->citizen_id);
	draw_text(a->top, 1, half - 2, ROLE_LABEL, buf, true);
	snprintf(buf, sizeof(buf), _("Fusionner ici : n° %lld"),
		 (long long)d->duplicate_id);
	draw_text(a->top, half + 1, half - 2, ROLE_LABEL, buf, true);
	if (keep)
		citizen_cases(keep, citizen_identity(keep, a->top + 2, 1, half - 2, maxy),
			      1, half - 2, maxy);
	if (dup)
		citizen_cases(dup, citizen_identity(dup, a->top + 2, half + 1, half - 2, maxy),
			      half + 1, half - 2, maxy);
	else
		draw_text(a->top + 2, half + 1, half - 2, ROLE_MUTED, _("chargement…"), false);
	a->cursor_y = a->top;
}

/* --- search ------------------------------------------------------------------------ */

static void search_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char buf[600], phones[200], mails[300];
	enum role base = sel ? ROLE_SELECTED : ROLE_NORMAL;
	join_strings(json_object_get(it, "phones"), phones, sizeof(phones));
	join_strings(json_object_get(it, "emails"), mails, sizeof(mails));
	snprintf(buf, sizeof(buf), "%s %s", jtext(it, "family_name"), jtext(it, "given_name"));
	int x = draw_text(y, 0, cols >= 60 ? 28 : 22, base, buf, true);
	x += draw_text(y, x, 11, sel ? base : ROLE_MUTED, jtext(it, "birth_date"), true);
	snprintf(buf, sizeof(buf), "%s  %s", phones, mails);
	draw_text(y, x, cols - x, base, buf, true);
}

static void draw_search(struct tui *t, struct area *a)
{
	char head[400];
	snprintf(head, sizeof(head), _("Recherche : %s"), t->desk->search_query);
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, head, true);
	draw_list(t, a, a->top + 1, SCREENS[SCREEN_SEARCH].list(t->desk), SCREEN_SEARCH,
		  search_line);
}

/* --- help: from the command table and the active keymap ------------------------------ */

struct keys_of {
	const char *command;
	char out[64];
};

static void collect_key(int key, const char *command, void *arg)
{
	struct keys_of *k = arg;
	char name[32];
	size_t n = strcspn(command, " ");
	if (strlen(k->command) != n || strncmp(command, k->command, n) != 0)
		return;
	if (keyspec_format(key, name, sizeof(name)) < 0)
		return;
	size_t o = strlen(k->out);
	snprintf(k->out + o, sizeof(k->out) - o, "%s%s", o ? " " : "", name);
}

static void draw_help(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	char buf[400];
	snprintf(buf, sizeof(buf), _("Aide — écran %s (touches de l'écran, puis globales)"),
		 SCREENS[d->help_for].name);
	draw_text(a->top, 1, a->cols - 1, ROLE_LABEL, buf, true);
	int y = a->top + 1, skip = d->cur[SCREEN_HELP].top;
	for (size_t i = 0; i < CMD_COUNT && y < a->top + a->rows; i++) {
		if ((int)i < skip)
			continue;
		struct keys_of k = { CMD_TABLE[i].name, "" };
		keymap_each(d->keys, d->help_for, collect_key, &k);
		keymap_each(d->keys, KEYMAP_GLOBAL, collect_key, &k);
		int x = 1 + draw_text(y, 1, 14, ROLE_LABEL, k.out, true) + 1; /* a gap after the keys */
		snprintf(buf, sizeof(buf), "%s %s", CMD_TABLE[i].name, CMD_TABLE[i].usage);
		x += draw_text(y, x, a->cols > 90 ? 34 : 24, ROLE_NORMAL, buf, true) + 1;
		draw_text(y, x, a->cols - x, ROLE_MUTED, _(CMD_TABLE[i].help), true);
		y++;
	}
}

/* --- the frame ------------------------------------------------------------------------- */

/* How each screen is drawn, indexed like SCREENS (client/screen.c). */
/* --- the supervisor's wallboard (monitor_view.c) ------------------------------ */

static void draw_monitor(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	struct store_list *l = desk_store_list(d, "monitor");
	monitor_summary(t, a->top, a->cols, sync_monitor_snapshot(d));
	if (l && l->state == LIST_FAILED)
		draw_text(a->top + 1, 1, a->cols - 1, ROLE_ERROR, l->error, true);
	else
		draw_list(t, a, a->top + 1, l && l->state == LIST_LOADED ? l->items : NULL,
			  SCREEN_MONITOR, monitor_line);
}

/* --- mail (mail_view.c) ------------------------------------------------------- */

static void mail_row(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	mail_thread_row(t, y, cols, it, sel);
}

static void draw_mail(struct tui *t, struct area *a)
{
	mail_list_heading(t, a->top, a->cols);
	draw_list(t, a, a->top + 1, desk_items(t->desk, MAIL_LIST), SCREEN_MAIL, mail_row);
}

static void draw_thread(struct tui *t, struct area *a)
{
	struct desk *d = t->desk;
	if (d->mail && d->mail->width != d->page_cols)
		mail_relines(d); /* the terminal changed width: wrap again */
	mail_thread_heading(t, a->top, a->cols);
	draw_list(t, a, a->top + 1, mail_thread_lines(d), SCREEN_THREAD, mail_line);
}

static void (*const screen_draw[SCREEN_COUNT])(struct tui *, struct area *) = {
	[SCREEN_WORKLIST] = draw_worklist, [SCREEN_CITIZEN] = draw_citizen,
	[SCREEN_CASE] = draw_case,         [SCREEN_CHAT] = draw_chat,
	[SCREEN_MERGE] = draw_merge,       [SCREEN_SEARCH] = draw_search,
	[SCREEN_HELP] = draw_help,         [SCREEN_CASES] = draw_cases,
	[SCREEN_OUTBOX] = draw_outbox,     [SCREEN_MONITOR] = draw_monitor,
	[SCREEN_MAIL] = draw_mail,         [SCREEN_THREAD] = draw_thread,
};

/* Offers pop up over any screen, above the status bar: someone is waiting
 * at the other end.  One key takes (a) or declines (x) the first. */
static void draw_offers(struct tui *t, int bottom)
{
	json_t *offers = desk_items(t->desk, "offers");
	size_t n = json_array_size(offers);
	if (!n || bottom < 4)
		return;
	const json_t *o = json_array_get(offers, 0);
	bool call = strcmp(jtext(o, "kind"), "call") == 0;
	char buf[512];
	snprintf(buf, sizeof(buf), _(" %s en attente — %s — %s (%s)%s"),
		 call ? _("APPEL") : _("CHAT"), jtext(o, "from")[0] ? jtext(o, "from") : _("anonyme"),
		 jtext(o, "subject")[0] ? jtext(o, "subject") : _("sans objet"), jtext(o, "service"),
		 n > 1 ? _(" (et d'autres)") : "");
	const json_t *who = json_object_get(o, "citizen");
	if (who && bottom >= 5) { /* the matched citizen and their open cases */
		char cases[300] = "";
		size_t i, used = 0;
		const json_t *k;
		json_array_foreach(json_object_get(who, "cases"), i, k) {
			int w = snprintf(cases + used, sizeof(cases) - used, "%s%s (%s)", i ? ", " : "",
					 jtext(k, "ref"), jtext(k, "status"));
			if (w < 0 || (size_t)w >= sizeof(cases) - used)
				break;
			used += (size_t)w;
		}
		char line[512];
		/* matched by what the caller typed (a chat's mail) or sent (a call's
		 * number): a presumption, to be checked before saying anything */
		snprintf(line, sizeof(line),
			 call ? _(" usager présumé (numéro appelant) : %s — dossiers ouverts : %s")
			      : _(" usager présumé (courriel déclaré, non vérifié) : %s — dossiers ouverts : %s"),
			 jtext(who, "name"), cases[0] ? cases : _("aucun"));
		draw_text(bottom - 2, 0, COLS, ROLE_OFFER, buf, true);
		draw_text(bottom - 1, 0, COLS, ROLE_OFFER, line, true);
	} else {
		draw_text(bottom - 1, 0, COLS, ROLE_OFFER, buf, true);
	}
	draw_text(bottom, 0, COLS, ROLE_OFFER, _(" a : accepter    x : refuser"), true);
}

/* My presence in words: "offline" beside "en ligne" read as a
 * contradiction. */
static const char *presence_words(const char *p)
{
	static const struct { const char *state, *words; } names[] = {
		{ "available", N_("disponible") }, { "busy", N_("occupé") },
		{ "paused", N_("en pause") },      { "wrap-up", N_("en clôture") },
		{ "offline", N_("absent") },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].state, p) == 0)
			return _(names[i].words);
	return p;
}

static void draw_status(struct tui *t, int y)
{
	struct desk *d = t->desk;
	static const char *const conn[] = { N_("hors ligne"), N_("connexion…"), N_("en ligne"),
					    N_("session terminée") };
	char buf[400], clock[8], queued[64] = "", phone[64];
	int64_t sec;
	size_t waiting = d->outbox ? outbox_waiting(d->outbox) : 0;
	size_t blocked = d->outbox ? outbox_blocked(d->outbox) : 0;
	if (blocked)
		snprintf(queued, sizeof(queued), _(" · %zu conflit(s) : outbox"), blocked);
	else if (waiting && !outbox_durable(d->outbox))
		snprintf(queued, sizeof(queued), _(" · %zu en attente (en mémoire seulement)"), waiting);
	else if (waiting)
		snprintf(queued, sizeof(queued), _(" · %zu en attente"), waiting);
	paris_day(d->now, &sec);
	snprintf(clock, sizeof(clock), "%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60));
	call_view_status(d, phone, sizeof(phone));
	snprintf(buf, sizeof(buf), " %s (%s) · %s%s%s · %s%s%s%s · %s", d->login[0] ? d->login : "?",
		 d->role, presence_words(d->presence), d->presence_reason[0] ? " : " : "",
		 d->presence_reason,
		 /* online with actions waiting: the outbox is replaying them */
		 d->conn == DESK_ONLINE && waiting ? _("synchro…") : _(conn[d->conn]), queued,
		 desk_sending(d) && !waiting ? _(" · envoi…") : "", phone, clock);
	draw_text(y, 0, COLS, ROLE_STATUS, buf, true);
}

void screens_draw(struct tui *t)
{
	struct desk *d = t->desk;
	erase();
	draw_roles_reset(LINES, COLS);
	char title[160];
	snprintf(title, sizeof(title), " guichet — %s", _(SCREENS[d->screen].title));
	draw_text(0, 0, COLS, ROLE_TITLE, title, true);
	struct area a = { 1, LINES - 3, COLS, 1, 0 };
	d->page_lines = a.rows > 2 ? a.rows - 1 : 1;
	d->page_cols = COLS;
	if (a.rows > 0)
		screen_draw[d->screen](t, &a);
	/* the phone first: a caller hears it ring */
	if (!call_view_draw(t, LINES - 3) && d->screen != SCREEN_WORKLIST)
		draw_offers(t, LINES - 3);
	draw_status(t, LINES - 2);
	if (t->prompting) {
		prompt_draw(t);
		return;
	}
	draw_text(LINES - 1, 0, COLS, d->message_error ? ROLE_ERROR : ROLE_MESSAGE, d->message, true);
	move(a.cursor_y, a.list_x);
}
