/* The durable outbox's place on disk (see outbox_file.h). */
#include "client/outbox_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/journal.h"
#include "client/outbox.h"

/* $XDG_DATA_HOME/guichet (default ~/.local/share/guichet), made 0700. */
static int data_dir(char *out, size_t n, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char share[900];
	if (xdg && *xdg) {
		snprintf(share, sizeof(share), "%s", xdg);
	} else if (home && *home) {
		snprintf(share, sizeof(share), "%s/.local", home);
		mkdir(share, 0700);
		snprintf(share, sizeof(share), "%s/.local/share", home);
	} else {
		snprintf(err, errlen, "%s", _("pas de répertoire de données ($XDG_DATA_HOME ou $HOME)"));
		return -1;
	}
	mkdir(share, 0700);
	snprintf(out, n, "%s/guichet", share);
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static void journal_path(const char *dir, const char *identity, const char *login, char *out,
			 size_t n)
{
	unsigned char h[12];
	char hex[2 * sizeof(h) + 1];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)identity, strlen(identity) + 1);
	crypto_generichash_update(&st, (const unsigned char *)login, strlen(login));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, n, "%s/outbox-%s.journal", dir, hex);
}

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
	char dir[1000], keypath[1100], path[1100];
	unsigned char key[JOURNAL_KEY_BYTES];
	struct journal_report rep = { 0 };
	if (!d->outbox || outbox_durable(d->outbox) || !login || !*login)
		return 0;
	if (data_dir(dir, sizeof(dir), err, errlen) < 0)
		return -1;
	snprintf(keypath, sizeof(keypath), "%s/key", dir);
	journal_path(dir, identity ? identity : "", login, path, sizeof(path));
	if (journal_key_load(keypath, key, err, errlen) < 0)
		return -1;
	int n = outbox_persist(d->outbox, path, key, &rep, err, errlen);
	sodium_memzero(key, sizeof(key));
	if (n < 0)
		return -1;
	tell(d, n, &rep);
	return 0;
}
