/* Commands that move around the desk: lines, pages, screens, opening what
 * is selected, searching. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/i18n.h"
#include "client/sync.h"

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

CMD(cmd_worklist)
{
	(void)argc;
	(void)argv;
	desk_go(c->desk, SCREEN_WORKLIST);
	c->desk->nback = 0; /* the work list is home: the way back starts again */
	return 0;
}

static int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Open what the selected line stands for. */
static int open_selected(struct cmd_ctx *c)
{
	struct desk *d = c->desk;
	json_t *it = desk_selected(d);
	char id[32];
	if (!it)
		return cmd_fail(c, _("rien à ouvrir ici"));
	const char *kind = json_string_value(json_object_get(it, "kind"));
	if (d->screen == SCREEN_SEARCH) {
		sync_open_citizen(d, jint(it, "id"));
	} else if (d->screen == SCREEN_WORKLIST && kind && strcmp(kind, "case") == 0) {
		snprintf(id, sizeof(id), "%lld", (long long)jint(json_object_get(it, "case"), "id"));
		sync_open_case(d, id);
	} else if (d->screen == SCREEN_WORKLIST && kind && strcmp(kind, "offer") == 0) {
		return cmd_fail(c, _("une offre s'accepte (accept) ou se refuse (decline)"));
	} else if (d->screen == SCREEN_CITIZEN && jint(it, "case_id")) {
		snprintf(id, sizeof(id), "%lld", (long long)jint(it, "case_id"));
		sync_open_case(d, id);
	} else if (d->screen == SCREEN_CASE && d->kase) {
		sync_open_citizen(d, jint(d->kase, "citizen_id"));
	} else {
		return cmd_fail(c, _("rien à ouvrir ici"));
	}
	return 0;
}

CMD(cmd_open)
{
	if (argc == 1)
		return open_selected(c);
	if (argc != 3)
		return cmd_fail(c, _("usage : open [citizen ID | case REF]"));
	if (strcmp(argv[1], "citizen") == 0) {
		char *end;
		long long id = strtoll(argv[2], &end, 10);
		if (end == argv[2] || *end || id <= 0)
			return cmd_fail(c, _("open citizen : un numéro d'usager, pas « %s »"), argv[2]);
		sync_open_citizen(c->desk, id);
		return 0;
	}
	if (strcmp(argv[1], "case") == 0) {
		sync_open_case(c->desk, argv[2]);
		return 0;
	}
	return cmd_fail(c, _("open : citizen ou case, pas « %s »"), argv[1]);
}

CMD(cmd_search)
{
	(void)argc;
	if (strlen(argv[1]) > 200)
		return cmd_fail(c, _("search : 200 octets au plus"));
	sync_search(c->desk, argv[1]);
	return 0;
}

CMD(cmd_refresh)
{
	(void)argc;
	(void)argv;
	struct desk *d = c->desk;
	char id[32];
	sync_worklist(d);
	if (d->screen == SCREEN_CITIZEN && d->citizen)
		sync_open_citizen(d, jint(d->citizen, "id"));
	if (d->screen == SCREEN_CASE && d->kase) {
		snprintf(id, sizeof(id), "%lld", (long long)jint(d->kase, "id"));
		sync_open_case(d, id);
	}
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
