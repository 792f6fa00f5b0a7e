/* The wallboard's lines (client/monitor.h): one draw function per kind of
 * row, in a table, and each line as cells of fixed widths so that the
 * columns stay aligned whatever the names hold (draw_text measures and
 * sanitizes every cell).  Figures the snapshot does not have yet show as
 * "—", never as 0. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/i18n.h"
#include "client/monitor.h"
#include "core/calendar.h"
#include "tui/monitor_view.h"

struct cell {
	int width;
	const char *text;
};

/* Draw cells left to right from x = 1; returns nothing, cut at cols. */
static void cells(int y, int cols, enum role r, const struct cell *c, size_t n)
{
	int x = 1;
	draw_text(y, 0, cols, r, "", true);
	for (size_t i = 0; i < n && x < cols; i++) {
		int w = c[i].width < cols - x ? c[i].width : cols - x;
		draw_text(y, x, w, r, c[i].text, true);
		x += w + 1;
	}
}

static const char *number(const json_t *o, const char *k, const char *fmt, double scale,
			  char *buf, size_t n)
{
	const json_t *v = json_object_get(o, k);
	if (!json_is_number(v))
		return "—";
	snprintf(buf, n, fmt, json_number_value(v) * scale);
	return buf;
}

/* Seconds as m:ss, or h:mm past an hour. */
static const char *duration(double s, char *buf, size_t n)
{
	if (isnan(s) || s < 0)
		return "—";
	long v = (long)s;
	if (v >= 3600)
		snprintf(buf, n, "%ldh%02ld", v / 3600, v / 60 % 60);
	else
		snprintf(buf, n, "%ld:%02ld", v / 60, v % 60);
	return buf;
}

/* --- the kinds of row ------------------------------------------------------------ */

static void head_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	static const struct {
		const char *section;
		struct cell c[9];
		size_t n;
	} HEADS[] = {
		{ "queues", { { 24, N_("FILE (service/canal)") }, { 7, N_("attente") },
			      { 8, N_("+ longue") }, { 7, N_("offerts") }, { 8, N_("répondus") },
			      { 8, N_("abandons") }, { 5, N_("NS") }, { 6, N_("DMT") },
			      { 24, N_("effectif (Erlang C)") } }, 9 },
		{ "agents", { { 24, N_("AGENT") }, { 22, N_("présence") }, { 10, N_("activité") },
			      { 7, N_("depuis") }, { 7, N_("traités") }, { 18, N_("dossiers") },
			      { 30, N_("services") } }, 7 },
		{ "services", { { 24, N_("SERVICE") }, { 9, N_("en retard") }, { 10, N_("à échéance") },
				{ 9, N_("CSAT jour") }, { 9, N_("CSAT 30 j") }, { 8, N_("NPS jour") },
				{ 8, N_("NPS 30 j") } }, 7 },
		{ "cases", { { 72, N_("ENGAGEMENTS MENACÉS : en retard, ou à échéance dans 8 h ouvrées") } }, 1 },
		{ "comments", { { 72, N_("DERNIERS AVIS DES USAGERS") } }, 1 },
	};
	for (size_t i = 0; i < sizeof(HEADS) / sizeof(HEADS[0]); i++) {
		if (strcmp(HEADS[i].section, jtext(it, "section")) != 0)
			continue;
		struct cell c[9];
		for (size_t k = 0; k < HEADS[i].n; k++)
			c[k] = (struct cell){ HEADS[i].c[k].width, _(HEADS[i].c[k].text) };
		cells(y, cols, sel ? ROLE_SELECTED : ROLE_LABEL, c, HEADS[i].n);
	}
}

static void alert_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char buf[400];
	snprintf(buf, sizeof(buf), _("ALERTE %s"), jtext(it, "text"));
	cells(y, cols, sel ? ROLE_SELECTED : ROLE_ERROR, (struct cell[]){ { cols, buf } }, 1);
}

/* The agents needed and the service level with one less and one more. */
static const char *staffing_cell(const json_t *s, char *buf, size_t n)
{
	const json_t *opts = json_object_get(s, "options");
	if (!s || !jint(s, "agents_needed"))
		return "—";
	size_t used = (size_t)snprintf(buf, n, "%lld", (long long)jint(s, "agents_needed"));
	for (size_t i = 0; i < json_array_size(opts) && used < n; i++) {
		const json_t *o = json_array_get(opts, i);
		if (jint(o, "agents") == jint(s, "agents_needed"))
			continue;
		used += (size_t)snprintf(buf + used, n - used, " %lld:%.0f%%", (long long)jint(o, "agents"),
					 100 * monitor_num(o, "service_level"));
	}
	return buf;
}

static void queue_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char name[160], wait[16], longest[48], off[16], ans[16], ab[16], sl[16], aht[48], st[64];
	snprintf(name, sizeof(name), "%s/%s", jtext(it, "service"), jtext(it, "channel"));
	const struct cell c[] = {
		{ 24, name },
		{ 7, number(it, "waiting", "%.0f", 1, wait, sizeof(wait)) },
		{ 8, jint(it, "waiting") ? duration(monitor_num(it, "longest_wait_s"), longest, sizeof(longest))
					 : "—" },
		{ 7, number(it, "offered", "%.0f", 1, off, sizeof(off)) },
		{ 8, number(it, "answered", "%.0f", 1, ans, sizeof(ans)) },
		{ 8, number(it, "abandoned", "%.0f", 1, ab, sizeof(ab)) },
		{ 5, number(it, "service_level", "%.0f%%", 100, sl, sizeof(sl)) },
		{ 6, duration(monitor_num(it, "aht_s"), aht, sizeof(aht)) },
		{ 24, staffing_cell(json_object_get(it, "staffing"), st, sizeof(st)) },
	};
	cells(y, cols, sel ? ROLE_SELECTED : ROLE_NORMAL, c, sizeof(c) / sizeof(c[0]));
}

static const char *services_cell(const json_t *arr, char *buf, size_t n)
{
	size_t i, used = 0;
	const json_t *v;
	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? "," : "", json_string_value(v) ?: "");
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

static void agent_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	char who[200], pres[200], since[48], handled[16], cases[40], svcs[300];
	int64_t at = 0;
	snprintf(who, sizeof(who), "%s (%s)", jtext(it, "display_name"), jtext(it, "login"));
	snprintf(pres, sizeof(pres), "%s%s%s", jtext(it, "presence"),
		 *jtext(it, "presence_reason") ? " : " : "", jtext(it, "presence_reason"));
	bool has_since = iso8601_parse(jtext(it, "activity_since_at"), &at) == 0;
	snprintf(cases, sizeof(cases), _("%lld (%lld en retard)"), (long long)jint(it, "open_cases"),
		 (long long)jint(it, "overdue_cases"));
	const struct cell c[] = {
		{ 24, who },
		{ 22, pres },
		{ 10, *jtext(it, "activity") ? jtext(it, "activity") : "—" },
		{ 7, has_since ? duration((double)(t->desk->now - at), since, sizeof(since)) : "—" },
		{ 7, number(it, "handled_today", "%.0f", 1, handled, sizeof(handled)) },
		{ 18, cases },
		{ 30, services_cell(json_object_get(it, "services"), svcs, sizeof(svcs)) },
	};
	enum role r = sel ? ROLE_SELECTED
			  : strcmp(jtext(it, "presence"), "offline") == 0 ? ROLE_MUTED : ROLE_NORMAL;
	cells(y, cols, r, c, sizeof(c) / sizeof(c[0]));
}

static void service_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char late[16], soon[16], ct[16], c30[16], nt[16], n30[16];
	const struct cell c[] = {
		{ 24, jtext(it, "service") },
		{ 9, number(it, "overdue", "%.0f", 1, late, sizeof(late)) },
		{ 10, number(it, "due_soon", "%.0f", 1, soon, sizeof(soon)) },
		{ 9, number(it, "csat_today", "%.1f/5", 1, ct, sizeof(ct)) },
		{ 9, number(it, "csat_30d", "%.1f/5", 1, c30, sizeof(c30)) },
		{ 8, number(it, "nps_today", "%+.0f", 1, nt, sizeof(nt)) },
		{ 8, number(it, "nps_30d", "%+.0f", 1, n30, sizeof(n30)) },
	};
	enum role r = sel ? ROLE_SELECTED : jint(it, "overdue") > 0 ? ROLE_OVERDUE : ROLE_NORMAL;
	cells(y, cols, r, c, sizeof(c) / sizeof(c[0]));
}

static void case_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	char due[32] = "—";
	int64_t at;
	bool late = json_is_true(json_object_get(it, "overdue"));
	if (iso8601_parse(jtext(it, "due_at"), &at) == 0)
		late = worklist_countdown(at, t->desk->now, due, sizeof(due)) || late;
	const struct cell c[] = {
		{ 13, jtext(it, "ref") },
		{ 18, jtext(it, "service") },
		{ 34, *jtext(it, "subject") ? jtext(it, "subject") : jtext(it, "title") },
		{ 14, *jtext(it, "assignee") ? jtext(it, "assignee") : _("personne") },
		{ 14, due },
	};
	cells(y, cols, sel ? ROLE_SELECTED : late ? ROLE_OVERDUE : ROLE_SOON, c,
	      sizeof(c) / sizeof(c[0]));
}

static void comment_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	(void)t;
	char mark[16], quoted[1100];
	snprintf(quoted, sizeof(quoted), "« %s »", jtext(it, "comment"));
	const struct cell c[] = {
		{ 18, jtext(it, "service") },
		{ 5, number(it, "csat", "%.0f/5", 1, mark, sizeof(mark)) },
		{ cols, quoted },
	};
	cells(y, cols, sel ? ROLE_SELECTED : ROLE_NORMAL, c, sizeof(c) / sizeof(c[0]));
}

static const struct {
	const char *kind;
	void (*line)(struct tui *, int, int, const json_t *, bool);
} LINES_BY_KIND[] = {
	{ "head", head_line },       { "alert", alert_line }, { "queue", queue_line },
	{ "agent", agent_line },     { "service", service_line }, { "case", case_line },
	{ "comment", comment_line },
};

void monitor_line(struct tui *t, int y, int cols, const json_t *it, bool sel)
{
	for (size_t i = 0; i < sizeof(LINES_BY_KIND) / sizeof(LINES_BY_KIND[0]); i++)
		if (strcmp(LINES_BY_KIND[i].kind, jtext(it, "kind")) == 0) {
			LINES_BY_KIND[i].line(t, y, cols, it, sel);
			return;
		}
	draw_text(y, 0, cols, sel ? ROLE_SELECTED : ROLE_NORMAL, "", true);
}

/* Today in one line: what came, what was answered, how citizens feel, and
 * which service-level definition the NS column uses. */
void monitor_summary(struct tui *t, int y, int cols, const json_t *snap)
{
	(void)t;
	const json_t *d = json_object_get(snap, "today");
	char buf[600], csat[16], nps[16], sl[200] = "—";
	/* said in the desk's language from the figures guichetd used */
	if (json_is_integer(json_object_get(snap, "target_s")))
		snprintf(sl, sizeof(sl), _("répondu en %lld s ÷ (répondu + abandonné après %lld s ou plus)"),
			 (long long)jint(snap, "target_s"), (long long)jint(snap, "short_abandon_s"));
	snprintf(buf, sizeof(buf),
		 _("Aujourd'hui : %lld chats (%lld pris), %lld appels (%lld pris, %lld abandons) · "
		   "CSAT %s · NPS %s · NS = %s"),
		 (long long)jint(d, "chats"), (long long)jint(d, "chats_answered"),
		 (long long)jint(d, "calls"), (long long)jint(d, "calls_answered"),
		 (long long)jint(d, "calls_abandoned"), number(d, "csat_avg", "%.1f/5", 1, csat, sizeof(csat)),
		 number(d, "nps", "%+.0f", 1, nps, sizeof(nps)), sl);
	draw_text(y, 1, cols - 1, ROLE_MUTED, buf, true);
}
