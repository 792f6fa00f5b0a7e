/* The durable outbox's place on disk (see outbox_file.h). */
#include "client/outbox_file.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/journal.h"
#include "client/outbox.h"
#include "client/paths.h"

/* What the file held, said to the agent. */
static void tell(struct desk *d, int restored, const struct journal_report *rep)
{
	if (rep->set_aside)
		desk_error(d, _("envoi : le fichier de l'envoi était illisible ; mis de côté dans %s"),
			   rep->aside_path);
	else if (outbox_unreadable(d->outbox))
		desk_error(d, _("envoi : %zu action(s) du fichier de l'envoi non comprise(s) (une autre "
				"version de guichet ?) : gardée(s) dans le fichier, non envoyée(s)"),
			   outbox_unreadable(d->outbox));
	else if (restored > 0)
		desk_say(d, _("%d action(s) d'une session précédente reprise(s) dans l'envoi"),
			 restored);
}

int outbox_file_attach(struct desk *d, const char *identity, const char *login, char *err,
		       size_t errlen)
{
	char dir[1000], path[1100];
	struct journal_report rep = { 0 };
	if (!d->outbox || outbox_durable(d->outbox) || !login || !*login)
		return 0;
	if (!d->key) {
		snprintf(err, errlen, "%s", _("pas de clé pour sceller l'envoi"));
		return -1;
	}
	if (paths_dir(PATHS_DATA, dir, sizeof(dir), err, errlen) < 0)
		return -1;
	if (paths_agent_file(dir, "outbox", identity ? identity : "", login, ".journal", path,
			     sizeof(path)) < 0) {
		snprintf(err, errlen, "%s", _("envoi : chemin trop long"));
		return -1;
	}
	int n = outbox_persist(d->outbox, path, d->key, &rep, err, errlen);
	if (n < 0)
		return -1;
	tell(d, n, &rep);
	return 0;
}
