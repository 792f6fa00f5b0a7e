/* The screens of the desk as a table (see screen.h): for each, the list
 * it moves in, what Enter opens, what refresh reads again, the record it
 * marks as viewed. */
#include "client/screen.h"

#include <stdio.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/mail.h"
#include "client/mailbox.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "core/json_get.h"

/* --- lists ------------------------------------------------------------------------ */

static json_t *worklist_list(const struct desk *d) { return d->worklist; }
static json_t *timeline_list(const struct desk *d)
{
	return desk_items(d, "timeline:%lld", (long long)d->citizen_id);
}
static json_t *events_list(const struct desk *d)
{
	return d->case_id > 0 ? desk_items(d, "events:%lld", (long long)d->case_id) : NULL;
}
static json_t *search_list(const struct desk *d) { return desk_items(d, "search:%s", d->search_query); }
static json_t *cases_list(const struct desk *d) { return desk_items(d, "cases:%s", d->cases_query); }
static json_t *monitor_list(const struct desk *d) { return desk_items(d, "monitor"); }
static json_t *chat_list(const struct desk *d) { return json_object_get(desk_chat(d), "messages"); }
static json_t *mail_list(const struct desk *d) { return desk_items(d, MAIL_LIST); }
static json_t *thread_list(const struct desk *d) { return mail_thread_lines(d); }

/* The outbox screen shows a list made afresh from the outbox itself: kept
 * in the store under "outbox" so that it is borrowed like every list. */
static json_t *outbox_list(const struct desk *d)
{
	if (!d->outbox)
		return NULL;
	json_t *items = outbox_to_json(d->outbox);
	struct store_list *l = store_list(d->store, "outbox");
	if (l && json_equal(l->items, items)) {
		json_decref(items);
		return l->items;
	}
	store_list_set(d->store, "outbox", items, NULL);
	l = store_list(d->store, "outbox");
	return l ? l->items : NULL;
}

/* --- Enter ------------------------------------------------------------------------- */

static int open_case_id(struct cmd_ctx *c, int64_t id)
{
	char s[32];
	if (id <= 0)
		return cmd_fail(c, _("rien à ouvrir ici"));
	snprintf(s, sizeof(s), "%lld", (long long)id);
	sync_open_case(c->desk, s, c->job);
	return 0;
}

static int worklist_open(struct cmd_ctx *c, json_t *it)
{
	if (strcmp(jtext(it, "kind"), "offer") == 0)
		return cmd_fail(c, _("une offre s'accepte (accept) ou se refuse (decline)"));
	if (strcmp(jtext(it, "kind"), "mail") == 0)
		return screen_open_thread(c, jtext(json_object_get(it, "mail"), "thread"));
	if (strcmp(jtext(it, "kind"), "more-mail") == 0)
		return cmd_run_nested(c, "mail", "worklist");
	return open_case_id(c, jint(json_object_get(it, "case"), "id"));
}

/* An email of the timeline opens its thread when this desk's mailbox has
 * it (by Message-ID); any other entry opens its case. */
static int timeline_open(struct cmd_ctx *c, json_t *it)
{
	char thread[72], err[512];
	const char *ref = jtext(it, "external_ref");
	size_t n = strlen(ref);
	if (strcmp(jtext(it, "channel"), "email") == 0 && n > 2 && ref[0] == '<' && n < 300 &&
	    mail_box(c->desk, err, sizeof(err))) {
		char id[300];
		snprintf(id, sizeof(id), "%.*s", (int)n - 2, ref + 1);
		if (mailbox_thread_of(c->desk->mail->box, id, thread, sizeof(thread)) == 0)
			return screen_open_thread(c, thread);
	}
	return open_case_id(c, jint(it, "case_id"));
}
static int cases_open(struct cmd_ctx *c, json_t *it) { return open_case_id(c, jint(it, "id")); }

static int case_open(struct cmd_ctx *c, json_t *it)
{
	(void)it;
	int64_t citizen = jint(desk_case(c->desk), "citizen_id");
	if (citizen <= 0)
		return cmd_fail(c, _("rien à ouvrir ici"));
	sync_open_citizen(c->desk, citizen, c->job);
	return 0;
}

static int search_open(struct cmd_ctx *c, json_t *it)
{
	if (jint(it, "id") <= 0)
		return cmd_fail(c, _("rien à ouvrir ici"));
	sync_open_citizen(c->desk, jint(it, "id"), c->job);
	return 0;
}

/* An action of the outbox: a conflict opens its record, to see it. */
static int outbox_open(struct cmd_ctx *c, json_t *it)
{
	const json_t *cur = json_object_get(it, "current");
	if (strstr(jtext(it, "path"), "/api/v1/cases/") == jtext(it, "path") && jint(cur, "id"))
		return open_case_id(c, jint(cur, "id"));
	return cmd_fail(c, _("reapply N reprend l'action, drop N l'abandonne"));
}

/* The wallboard: a case at risk opens; an agent's line prompts for what
 * to change; a queue's staffing is shown. */
static int monitor_open(struct cmd_ctx *c, json_t *it)
{
	const char *kind = jtext(it, "kind");
	char line[160];
	if (strcmp(kind, "case") == 0)
		return open_case_id(c, jint(it, "id"));
	if (strcmp(kind, "agent") == 0 && c->desk->ui && c->desk->ui->prompt) {
		snprintf(line, sizeof(line), "agent %s ", jtext(it, "login"));
		c->desk->ui->prompt(c->desk->ui->arg, line);
		return 0;
	}
	if (strcmp(kind, "queue") == 0) {
		return cmd_staffing_of(c, jtext(it, "service"), jtext(it, "channel"), 0, NULL);
	}
	return cmd_fail(c, _("rien à ouvrir ici"));
}

/* A thread of the mail list (or of the work list) opens. */
int screen_open_thread(struct cmd_ctx *c, const char *thread)
{
	char err[512];
	if (!thread || !*thread)
		return cmd_fail(c, _("rien à ouvrir ici"));
	if (mail_open(c->desk, thread, c->job, err, sizeof(err)) < 0)
		return cmd_fail(c, "%s", err);
	c->desk->cur[SCREEN_THREAD] = (struct desk_cursor){ 0, 0 };
	desk_go(c->desk, SCREEN_THREAD);
	char query[96];
	snprintf(query, sizeof(query), "thread:%s", thread);
	cmd_wants(c, cmd_result_list, query);
	return 0;
}

static int mail_open_line(struct cmd_ctx *c, json_t *it)
{
	return screen_open_thread(c, jtext(it, "thread"));
}

/* On a thread: a fold opens (or closes) the quoted text, an attachment
 * asks where to save it. */
static int thread_open(struct cmd_ctx *c, json_t *it)
{
	struct desk *d = c->desk;
	const char *kind = jtext(it, "kind");
	char line[96];
	if (strcmp(kind, "fold") == 0 || strcmp(kind, "quote") == 0) {
		d->mail->unfold = !d->mail->unfold;
		mail_relines(d);
		return 0;
	}
	if (strcmp(kind, "attachment") == 0 && d->ui && d->ui->prompt) {
		snprintf(line, sizeof(line), "save %lld %lld ", (long long)jint(it, "msg"),
			 (long long)jint(it, "n"));
		d->ui->prompt(d->ui->arg, line);
		return 0;
	}
	return cmd_fail(c, _("r : répondre, l : lier à un dossier, N : nouveau dossier"));
}

/* --- refresh ----------------------------------------------------------------------- */

static void worklist_refresh(struct desk *d, struct job *j) { sync_worklist(d, j); }
static void citizen_refresh(struct desk *d, struct job *j)
{
	sync_worklist(d, NULL);
	if (d->citizen_id > 0)
		sync_open_citizen(d, d->citizen_id, j);
}
static void case_refresh(struct desk *d, struct job *j)
{
	char id[32];
	sync_worklist(d, NULL);
	if (d->case_id > 0) {
		snprintf(id, sizeof(id), "%lld", (long long)d->case_id);
		sync_open_case(d, id, j);
	}
}
static void chat_refresh(struct desk *d, struct job *j)
{
	if (d->chat_id > 0)
		sync_open_chat(d, d->chat_id, j);
}
static void search_refresh(struct desk *d, struct job *j)
{
	if (d->search_query[0])
		sync_search(d, d->search_query, j);
}
static void cases_refresh(struct desk *d, struct job *j) { sync_cases(d, d->cases_query, j); }
static void monitor_refresh(struct desk *d, struct job *j) { sync_monitor(d, j); }
static void mail_refresh_screen(struct desk *d, struct job *j)
{
	char err[512];
	if (mail_refresh(d, NULL, err, sizeof(err)) < 0) {
		desk_error(d, "%s", err);
		(void)j; /* said on the message line: the screen keeps what it had */
	}
}
static void thread_refresh(struct desk *d, struct job *j)
{
	char err[512], thread[72];
	snprintf(thread, sizeof(thread), "%s", d->mail ? d->mail->thread : "");
	if (*thread && mail_open(d, thread, j, err, sizeof(err)) < 0) {
		desk_error(d, "%s", err);
		(void)j; /* said on the message line: the screen keeps what it had */
	}
}
static void outbox_refresh(struct desk *d, struct job *j)
{
	(void)j;
	if (d->outbox)
		outbox_retry_now(d->outbox); /* the agent asks: try now */
}

/* --- marks ------------------------------------------------------------------------- */

static bool citizen_marks(const struct desk *d, const char **type, int64_t *id)
{
	*type = "citizen";
	*id = jint(desk_citizen(d), "id");
	return *id > 0;
}

static bool case_marks(const struct desk *d, const char **type, int64_t *id)
{
	*type = "case";
	*id = jint(desk_case(d), "id");
	return *id > 0;
}

const struct screen_ops SCREENS[SCREEN_COUNT] = {
	[SCREEN_WORKLIST] = { "worklist", N_("Liste de travail"), worklist_list, worklist_open,
			      worklist_refresh, NULL },
	[SCREEN_CITIZEN] = { "citizen", N_("Usager — vue 360°"), timeline_list, timeline_open,
			     citizen_refresh, citizen_marks },
	[SCREEN_CASE] = { "case", N_("Dossier"), events_list, case_open, case_refresh, case_marks },
	[SCREEN_CHAT] = { "chat", N_("Chat"), chat_list, NULL, chat_refresh, NULL },
	[SCREEN_MERGE] = { "merge", N_("Fusion de doublons"), NULL, NULL, citizen_refresh,
			   citizen_marks },
	[SCREEN_SEARCH] = { "search", N_("Recherche"), search_list, search_open, search_refresh, NULL },
	[SCREEN_HELP] = { "help", N_("Aide"), NULL, NULL, NULL, NULL },
	[SCREEN_CASES] = { "cases", N_("Dossiers"), cases_list, cases_open, cases_refresh, NULL },
	[SCREEN_OUTBOX] = { "outbox", N_("Envoi : actions en attente"), outbox_list, outbox_open,
			    outbox_refresh, NULL },
	[SCREEN_MONITOR] = { "monitor", N_("Supervision : files, agents, engagements"), monitor_list,
			     monitor_open, monitor_refresh, NULL },
	[SCREEN_MAIL] = { "mail", N_("Courriels à traiter"), mail_list, mail_open_line,
			  mail_refresh_screen, NULL },
	[SCREEN_THREAD] = { "thread", N_("Courriel"), thread_list, thread_open, thread_refresh,
			    NULL },
};

int desk_screen_find(const char *name)
{
	for (int i = 0; i < SCREEN_COUNT; i++)
		if (strcmp(SCREENS[i].name, name) == 0)
			return i;
	return -1;
}
