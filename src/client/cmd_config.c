/* Configuration commands: bind and unbind keys, set options, source
 * files.  guichetrc, keymaps and themes are scripts of these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_impl.h"
#include "client/desk_cache.h"
#include "client/i18n.h"
#include "client/mail.h"
#include "client/keymap.h"
#include "client/keyspec.h"
#include "client/options.h"

/* "global" or a screen name: KEYMAP_GLOBAL, a screen, or -2. */
static int table_of(const char *name)
{
	if (strcmp(name, "global") == 0)
		return KEYMAP_GLOBAL;
	int s = desk_screen_find(name);
	return s >= 0 ? s : -2;
}

static int key_and_table(struct cmd_ctx *c, char **argv, int *table, int *key)
{
	char why[128];
	*table = table_of(argv[1]);
	if (*table == -2)
		return cmd_fail(c, _("écran inconnu : %s"), argv[1]);
	if (keyspec_parse(argv[2], key, why, sizeof(why)) < 0)
		return cmd_fail(c, _("touche « %s » : %s"), argv[2], why);
	return 0;
}

CMD(cmd_bind)
{
	(void)argc;
	int table, key;
	if (key_and_table(c, argv, &table, &key) < 0)
		return -1;
	const char *p = argv[3] + strspn(argv[3], " \t");
	char name[64];
	size_t n = strcspn(p, " \t");
	snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), p);
	if (!cmd_find(name)) /* a typo is caught when the file is read, not when the key is hit */
		return cmd_fail(c, _("bind : commande inconnue « %s »"), name);
	if (keymap_bind(c->desk->keys, table, key, argv[3]) < 0)
		return cmd_fail(c, _("bind : trop de touches liées"));
	return 0;
}

CMD(cmd_unbind)
{
	(void)argc;
	int table, key;
	if (key_and_table(c, argv, &table, &key) < 0)
		return -1;
	if (keymap_unbind(c->desk->keys, table, key) < 0)
		return cmd_fail(c, _("unbind : « %s » n'est pas liée sur %s"), argv[2], argv[1]);
	return 0;
}

CMD(cmd_set)
{
	(void)argc;
	struct desk *d = c->desk;
	if (options_set(d->opts, argv[1], argv[2], c->err, c->errlen) < 0)
		return -1;
	if (strcmp(argv[1], "theme") == 0 && d->ui && d->ui->theme)
		d->ui->theme(d->ui->arg, argv[2]);
	if (strcmp(argv[1], "cache_max_mb") == 0)
		desk_cache_limit(d);
	if (strncmp(argv[1], "mail_", 5) == 0)
		mail_reset(d); /* another index or query: read afresh on next use */
	return 0;
}

/* color ROLE FG [BG [ATTRS]]: one role of the theme. */
CMD(cmd_color)
{
	char why[160];
	int r = theme_role_find(argv[1]);
	struct theme_entry e = { .fg.kind = COLOR_DEFAULT, .bg.kind = COLOR_DEFAULT, .set = true };
	if (r < 0)
		return cmd_fail(c, _("color : rôle inconnu « %s »"), argv[1]);
	if (color_parse(argv[2], &e.fg, why, sizeof(why)) < 0 ||
	    (argc > 3 && color_parse(argv[3], &e.bg, why, sizeof(why)) < 0) ||
	    (argc > 4 && (e.attrs = attrs_parse(argv[4], why, sizeof(why))) < 0))
		return cmd_fail(c, "color %s : %s", argv[1], why);
	c->desk->theme.role[r] = e;
	return 0;
}

/* Keep the first bad line's message: the command fails with it. */
static void first_error(void *arg, const char *msg)
{
	struct cmd_ctx *c = arg;
	if (!c->err[0])
		snprintf(c->err, c->errlen, "%s", msg);
}

CMD(cmd_source)
{
	(void)argc;
	char path[1024];
	const char *home = getenv("HOME");
	if (strncmp(argv[1], "~/", 2) == 0 && home)
		snprintf(path, sizeof(path), "%s/%s", home, argv[1] + 2);
	else
		snprintf(path, sizeof(path), "%s", argv[1]);
	char first[512] = "";
	struct cmd_ctx collect = *c;
	collect.err = first;
	collect.errlen = sizeof(first);
	int bad = cmd_run_file(c, path, first_error, &collect);
	if (bad < 0)
		return -1; /* c->err says why */
	if (bad > 0)
		return cmd_fail(c, "%s", first);
	return 0;
}
