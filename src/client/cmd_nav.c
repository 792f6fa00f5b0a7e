/* Commands that move around the desk: lines, pages, screens, opening what
 * is selected, searching. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/sync.h"
#include "client/worklist.h"
#include "core/json_get.h"

int cmd_fail(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

CMD(cmd_down) { (void)argc; (void)argv; desk_move(c->desk, 1); return 0; }
CMD(cmd_up) { (void)argc; (void)argv; desk_move(c->desk, -1); return 0; }
CMD(cmd_top) { (void)argc; (void)argv; desk_move(c->desk, -1000000000); return 0; }
CMD(cmd_bottom) { (void)argc; (void)argv; desk_move(c->desk, 1000000000); return 0; }

CMD(cmd_page_down)
{
	(void)argc;
	(void)argv;
	desk_move(c->desk, c->desk->page_lines > 1 ? c->desk->page_lines - 1 : 1);
	return 0;
}

CMD(cmd_page_up)
{
	(void)argc;
	(void)argv;
	desk_move(c->desk, -(c->desk->page_lines > 1 ? c->desk->page_lines - 1 : 1));
	return 0;
}

CMD(cmd_back) { (void)argc; (void)argv; desk_back(c->desk); return 0; }
CMD(cmd_help) { (void)argc; (void)argv; desk_go(c->desk, SCREEN_HELP); return 0; }
CMD(cmd_quit) { (void)argc; (void)argv; c->desk->quit = true; return 0; }

static json_t *result_worklist(struct desk *d, const struct job *j);

CMD(cmd_worklist)
{
	(void)argc;
	(void)argv;
	desk_go(c->desk, SCREEN_WORKLIST);
	c->desk->nback = 0; /* the work list is home: the way back starts again */
	if (c->job) { /* a script waits for the list as it is now, not as it was */
		cmd_wants(c, result_worklist, NULL);
		sync_worklist(c->desk, c->job);
	}
	return 0;
}

/* --- what a command's job gives back, read from the store once it landed ---- */

static json_t *copy_or_null(const json_t *v) { return v ? json_deep_copy(v) : json_null(); }

static json_t *result_citizen(struct desk *d, const struct job *j)
{
	(void)j;
	return copy_or_null(desk_citizen(d));
}

/* The case with its history, as a script wants it in one record. */
static json_t *result_case(struct desk *d, const struct job *j)
{
	(void)j;
	const json_t *k = desk_case(d);
	if (!k)
		return json_null();
	json_t *r = json_deep_copy(k);
	json_t *ev = desk_items(d, "events:%lld", (long long)d->case_id);
	json_object_set_new(r, "events", ev ? json_deep_copy(ev) : json_array());
	return r;
}

/* The work list: offers first, then my cases by due date. */
static json_t *result_worklist(struct desk *d, const struct job *j)
{
	(void)j;
	worklist_build(d);
	return copy_or_null(d->worklist);
}

static json_t *result_chat(struct desk *d, const struct job *j)
{
	(void)j;
	return copy_or_null(desk_chat(d));
}

/* The list the job asked for (j->query). */
json_t *cmd_result_list(struct desk *d, const struct job *j)
{
	json_t *items = desk_items(d, "%s", j->query);
	return items ? json_deep_copy(items) : json_array();
}

void cmd_wants(struct cmd_ctx *c, job_build_fn build, const char *query)
{
	if (!c->job)
		return;
	c->job->build = build;
	if (query)
		snprintf(c->job->query, sizeof(c->job->query), "%.*s", (int)sizeof(c->job->query) - 1, query);
}

/* --- opening ------------------------------------------------------------------ */

static int open_selected(struct cmd_ctx *c)
{
	struct desk *d = c->desk;
	json_t *it = desk_selected(d);
	const struct screen_ops *s = &SCREENS[d->screen];
	if (!s->open)
		return cmd_fail(c, _("rien à ouvrir ici"));
	return s->open(c, it);
}

/* A positive number, whole: an id. */
int cmd_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* A case reference (2026-000123) or id: digits and at most a few dashes. */
static bool case_key_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 32)
		return false;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '-')
			return false;
	return true;
}

CMD(cmd_open)
{
	int64_t id;
	if (argc == 1)
		return open_selected(c);
	if (argc != 3)
		return cmd_fail(c, _("usage : open [citizen ID | case REF | chat ID]"));
	if (strcmp(argv[1], "case") == 0) {
		if (!case_key_ok(argv[2]))
			return cmd_fail(c, _("open case : une référence (2026-000123) ou un numéro, pas « %s »"),
					argv[2]);
		cmd_wants(c, result_case, NULL);
		sync_open_case(c->desk, argv[2], c->job);
		return 0;
	}
	bool citizen = strcmp(argv[1], "citizen") == 0;
	if (!citizen && strcmp(argv[1], "chat") != 0)
		return cmd_fail(c, _("open : citizen, case ou chat, pas « %s »"), argv[1]);
	if (cmd_id(argv[2], &id) < 0)
		return cmd_fail(c, _("open %s : un numéro, pas « %s »"), argv[1], argv[2]);
	cmd_wants(c, citizen ? result_citizen : result_chat, NULL);
	if (citizen)
		sync_open_citizen(c->desk, id, c->job);
	else
		sync_open_chat(c->desk, id, c->job);
	return 0;
}

CMD(cmd_search)
{
	(void)argc;
	char q[300];
	if (strlen(argv[1]) > 200)
		return cmd_fail(c, _("search : 200 octets au plus"));
	snprintf(q, sizeof(q), "search:%s", argv[1]);
	cmd_wants(c, cmd_result_list, q);
	sync_search(c->desk, argv[1], c->job);
	return 0;
}

CMD(cmd_refresh)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	if (SCREENS[d->screen].refresh)
		SCREENS[d->screen].refresh(d, c->job);
	else
		sync_worklist(d, c->job);
	return 0;
}

CMD(cmd_redraw)
{
	(void)argc;
	(void)argv;
	if (c->desk->ui->redraw)
		c->desk->ui->redraw(c->desk->ui->arg);
	return 0;
}

CMD(cmd_prompt)
{
	if (c->desk->ui->prompt)
		c->desk->ui->prompt(c->desk->ui->arg, argc > 1 ? argv[1] : "");
	return 0;
}
