/* The command dispatcher (see command.h): find the entry, check its
 * arguments and preconditions, run it, and send its error back to where
 * the line came from.  The table itself is in command_table.c. */
#include "client/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmdline.h"
#include "client/i18n.h"

#define SOURCE_DEPTH_MAX 8
#define SCRIPT_LINE_MAX  4096

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < CMD_COUNT; i++)
		if (strcmp(CMD_TABLE[i].name, name) == 0)
			return &CMD_TABLE[i];
	return NULL;
}

void cmd_complete(const char *prefix, void (*fn)(const char *name, void *arg), void *arg)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < CMD_COUNT; i++)
		if (strncmp(CMD_TABLE[i].name, prefix, n) == 0)
			fn(CMD_TABLE[i].name, arg);
}

static int fail(struct cmd_ctx *c, const char *fmt, const char *arg)
{
	snprintf(c->err, c->errlen, fmt, arg);
	return -1;
}

/* The preconditions of e, checked before it runs. */
static int check_needs(struct cmd_ctx *c, const struct cmd_entry *e)
{
	const struct desk *d = c->desk;
	if ((e->needs & CMD_NEEDS_CASE) && !desk_case(d))
		return fail(c, d->screen == SCREEN_CASE ? _("%s : le dossier se charge encore")
							: _("%s : ouvrez d'abord un dossier"),
			    e->name);
	if ((e->needs & CMD_NEEDS_CITIZEN) && !desk_citizen(d))
		return fail(c, _("%s : ouvrez d'abord la fiche d'un usager"), e->name);
	if ((e->needs & CMD_NEEDS_CHAT) && !desk_chat(d))
		return fail(c, _("%s : ouvrez d'abord un chat"), e->name);
	if ((e->needs & CMD_NEEDS_SCREEN) && !d->ui)
		return fail(c, _("%s : seulement à l'écran"), e->name);
	if ((e->needs & CMD_SUPERVISOR) && strcmp(d->role, "supervisor") != 0 &&
	    strcmp(d->role, "admin") != 0)
		return fail(c, _("%s : réservé aux superviseurs"), e->name);
	return 0;
}

/* A command taking free text gets the rest of the line as it was typed:
 * an apostrophe in "Pièce d'identité reçue" is a letter, not a quote. */
static int run_text(struct cmd_ctx *c, const struct cmd_entry *e, const char *rest)
{
	char buf[CMDLINE_MAX_LEN + 1];
	snprintf(buf, sizeof(buf), "%s", rest);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r' ||
		     buf[n - 1] == '\n'))
		buf[--n] = '\0';
	char *argv[3] = { (char *)e->name, buf, NULL };
	int argc = n ? 2 : 1;
	if (argc - 1 < e->min_args)
		return fail(c, _("usage : %s"), e->usage);
	return e->exec(c, argc, argv);
}

static int run_words(struct cmd_ctx *c, const struct cmd_entry *e, const char *line)
{
	struct cmdline *cl = malloc(sizeof(*cl));
	if (!cl)
		return fail(c, "%s", strerror(ENOMEM));
	int rc = -1;
	if (cmdline_split(line, strlen(line), cl, c->err, c->errlen) < 0)
		goto out;
	int nargs = cl->argc - 1;
	if (nargs < e->min_args || (e->max_args >= 0 && nargs > e->max_args)) {
		char usage[256];
		snprintf(usage, sizeof(usage), "%s %s", e->name, e->usage);
		rc = fail(c, _("usage : %s"), usage);
		goto out;
	}
	rc = e->exec(c, cl->argc, cl->argv);
out:
	free(cl);
	return rc;
}

static int dispatch(struct cmd_ctx *c, const char *line)
{
	const char *p = line + strspn(line, " \t");
	if (!*p || *p == '#' || *p == '\r' || *p == '\n')
		return 0;
	size_t n = strcspn(p, " \t\r\n");
	char name[64];
	if (n >= sizeof(name))
		return fail(c, _("commande inconnue : %s"), "…");
	memcpy(name, p, n);
	name[n] = '\0';
	const struct cmd_entry *e = cmd_find(name);
	if (!e)
		return fail(c, _("commande inconnue : %s"), name);
	if (check_needs(c, e) < 0)
		return -1;
	if (e->max_args < 0)
		return run_text(c, e, p + n + strspn(p + n, " \t"));
	return run_words(c, e, p);
}

int cmd_run(struct desk *d, const char *line, const char *source, char *err, size_t errlen)
{
	return cmd_run_job(d, line, source, NULL, err, errlen);
}

int cmd_run_job(struct desk *d, const char *line, const char *source, struct job *j, char *err,
		size_t errlen)
{
	struct cmd_ctx c = { d, source, 0, err, errlen, j };
	err[0] = '\0';
	int rc = dispatch(&c, line);
	job_settle(j, rc, err);
	return rc;
}

int cmd_run_nested(struct cmd_ctx *parent, const char *line, const char *source)
{
	struct cmd_ctx c = *parent;
	c.source = source;
	c.err[0] = '\0';
	return dispatch(&c, line);
}

int cmd_run_file(struct cmd_ctx *c, const char *path,
	       void (*report)(void *arg, const char *msg), void *arg)
{
	if (c->depth >= SOURCE_DEPTH_MAX)
		return fail(c, _("%s : trop de fichiers imbriqués"), path);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(c->err, c->errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[SCRIPT_LINE_MAX], where[1100], msg[1400];
	struct cmd_ctx sub = *c;
	sub.depth = c->depth + 1;
	int bad = 0, lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		bool cut = !strchr(line, '\n') && !feof(f);
		if (cut) { /* skip the rest of an over-long line */
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
		}
		sub.source = where;
		if (cut)
			snprintf(sub.err, sub.errlen, _("ligne trop longue"));
		if (cut || dispatch(&sub, line) < 0) {
			bad++;
			snprintf(msg, sizeof(msg), "%s: %s", where, sub.err);
			if (report)
				report(arg, msg);
		}
	}
	fclose(f);
	c->err[0] = '\0';
	return bad;
}
