/* Start-up and shut-down of the desk (see app.h): what every way of
 * running guichet does before its first command and after its last. */
#include "client/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "client/command.h"
#include "client/desk_cache.h"
#include "client/i18n.h"
#include "client/keyring.h"
#include "client/loop.h"
#include "client/outbox_file.h"
#include "client/net.h"
#include "client/options.h"
#include "client/paths.h"
#include "client/session.h"
#include "client/sync.h"
#include "core/model.h"

static void to_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "guichet: %s\n", msg);
}

/* The compiled-in keys, then guichetrc (whose errors go to stderr with
 * their file:line, the rest of the file still read). */
void app_configure(struct desk *d, const char *default_keys, const char *rc)
{
	char err[512], line[1024];
	const char *p = default_keys ? default_keys : "";
	while (*p) {
		size_t n = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (cmd_run(d, line, "default.keys", err, sizeof(err)) < 0)
			fprintf(stderr, "guichet: default.keys: %s\n", err);
		p += n + (p[n] == '\n');
	}
	char path[1024];
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (rc)
		snprintf(path, sizeof(path), "%s", rc);
	else if (xdg && *xdg)
		snprintf(path, sizeof(path), "%s/guichet/guichetrc", xdg);
	else
		snprintf(path, sizeof(path), "%s/.config/guichet/guichetrc", home ? home : "");
	if (!rc && access(path, R_OK) != 0)
		return;
	struct cmd_ctx c = { d, path, 0, err, sizeof(err), NULL };
	if (cmd_run_file(&c, path, to_stderr, NULL) < 0)
		fprintf(stderr, "guichet: %s\n", err);
}

/* Read a line from the terminal, without echo for a password. */
static int ask(const char *question, bool secret, char *out, size_t n)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	fputs(question, stderr);
	if (secret && tty) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *ok = fgets(out, (int)n, stdin);
	if (secret && tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* The password just chosen for a new embedded server: the first login
 * uses it rather than asking again; wiped once used. */
static char first_password[512];

/* A token for the desk: GUICHET_TOKEN, the saved one, or a login. */
/* who: the login the session belongs to, as far as known before asking
 * the server ("" with GUICHET_TOKEN and no --login: the server says). */
static int authenticate(struct desk *d, const char *server, const char *login, bool demo,
		bool headless, char *who, size_t whon)
{
	char token[256], err[512], user[128], pw[512];
	const char *env = getenv("GUICHET_TOKEN");
	snprintf(who, whon, "%s", login ? login : "");
	if (env && *env) {
		net_set_token(d->net, env);
		/* whose session it is, before any command: the outbox of that
		 * agent comes back first (--login says it without asking) */
		if (!login)
			d->unreachable = session_valid(d) < 0;
		return 0;
	}
	if (demo) {
		snprintf(who, whon, "alice");
		if (session_login(d, "alice", "demo", token, sizeof(token), err, sizeof(err)) < 0)
			goto fail;
		net_set_token(d->net, token);
		return 0;
	}
	if (session_token_load(server, token, sizeof(token), who, whon) == 0) {
		net_set_token(d->net, token);
		explicit_bzero(token, sizeof(token));
		int valid = session_valid(d);
		/* a session, or no answer: the desk starts offline, on its cache
		 * and its outbox (a script's commands say what they could not do) */
		d->unreachable = valid < 0;
		if (valid != 0)
			return 0;
		fprintf(stderr, _("La session enregistrée a pris fin : reconnectez-vous.\n"));
	}
	if (headless) {
		fprintf(stderr, _("guichet : pas de session ; connectez-vous une fois à l'écran "
				  "(guichet --login LOGIN) ou donnez GUICHET_TOKEN\n"));
		return APP_AUTH;
	}
	snprintf(user, sizeof(user), "%s", login ? login : "");
	snprintf(pw, sizeof(pw), "%s", first_password);
	explicit_bzero(first_password, sizeof(first_password));
	if ((!login && ask(_("Identifiant : "), false, user, sizeof(user)) < 0) ||
	    (!pw[0] && ask(_("Mot de passe : "), true, pw, sizeof(pw)) < 0)) {
		snprintf(err, sizeof(err), _("pas d'identifiant"));
		goto fail;
	}
	int rc = session_login(d, user, pw, token, sizeof(token), err, sizeof(err));
	explicit_bzero(pw, sizeof(pw));
	if (rc < 0)
		goto fail;
	net_set_token(d->net, token);
	snprintf(who, whon, "%s", user);
	if (session_token_save(server, token, user, err, sizeof(err)) < 0)
		fprintf(stderr, "guichet: %s\n", err);
	explicit_bzero(token, sizeof(token));
	return 0;
fail:
	fprintf(stderr, "guichet: %s\n", err);
	return APP_AUTH;
}

/* `set language fr|en` wins over the locale (auto: the locale decides). */
static void apply_language(const struct desk *d)
{
	const char *lang = options_get(d->opts, "language");
	if (lang && strcmp(lang, "auto") != 0)
		setenv("LANGUAGE", lang, 1);
}

/* No server configured: the embedded default for a one-desk office, a
 * guichetd of the desk's own over $XDG_DATA_HOME/guichet.  The first time
 * it is created with one administrator, whose password is asked here. */
static int start_embedded(struct local_server *s, const char *self, const struct app_args *a,
			  const char **login)
{
	static char dir[1024], who[65];
	char pw[512] = "", again[512] = "", err[512];
	const char *user = getenv("USER");
	if (paths_dir(PATHS_DATA, dir, sizeof(dir), err, sizeof(err)) < 0) {
		fprintf(stderr, "guichet: %s\n", err);
		return -1;
	}
	snprintf(who, sizeof(who), "%s", a->login ? a->login : user && model_login_ok(user) ? user
											    : "agent");
	*login = who;
	bool first = !local_server_exists(dir);
	if (first && a->headless) { /* creating it asks for a password: not without a terminal */
		fprintf(stderr, _("guichet : aucun serveur configuré (--server URL, ou set server "
				  "dans guichetrc)\n"));
		return -1;
	}
	if (first) {
		fprintf(stderr, _("Aucun serveur configuré : guichet crée un guichetd local dans %s,\n"
				  "avec le compte administrateur « %s ».\n"),
			dir, who);
		if (ask(_("Mot de passe : "), true, pw, sizeof(pw)) < 0 ||
		    ask(_("Encore : "), true, again, sizeof(again)) < 0 || !pw[0] ||
		    strcmp(pw, again) != 0) {
			fprintf(stderr, _("guichet : pas de mot de passe, ou les deux diffèrent\n"));
			return -1;
		}
	}
	int rc = local_server_start_embedded(s, self, dir, who, first ? pw : NULL, 60000, err,
					     sizeof(err));
	if (rc == 0 && first)
		snprintf(first_password, sizeof(first_password), "%s", pw);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	if (rc < 0)
		fprintf(stderr, "guichet: %s\n", err);
	return rc;
}

/* --- the whole start ------------------------------------------------------------- */

/* The key that seals the outbox and the cache, before anything else is
 * started or asked.  A passphrase that fails stops the desk; a key file
 * that fails leaves the outbox in memory, as it always did. */
static int load_key(struct desk *d, const struct app_args *a)
{
	char err[512];
	const char *opt = options_get(d->opts, "cache_passphrase");
	const struct keyring_how how = { opt && strcmp(opt, "yes") == 0, a->passphrase_fd,
					 a->headless };
	if (keyring_load(&how, &d->key, err, sizeof(err)) == KEYRING_OK)
		return 0;
	if (how.passphrase) {
		fprintf(stderr, "guichet: %s\n", err);
		return APP_FAILED;
	}
	d->outbox_in_memory = true;
	fprintf(stderr, _("guichet : l'envoi reste en mémoire seulement : %s\n"), err);
	return 0;
}

int app_init(struct app *app, const struct app_args *a, const char *default_keys)
{
	memset(app, 0, sizeof(*app));
	if (!(app->desk = desk_new()) || !(app->loop = loop_new())) {
		fprintf(stderr, "guichet: %s\n", _("mémoire épuisée"));
		return APP_FAILED;
	}
	app->desk->loop = app->loop;
	app_configure(app->desk, default_keys, a->rc);
	apply_language(app->desk);
	return 0;
}

/* The demo commune's mailbox, which its guichetd wrote: the desk reads it
 * unless guichetrc names another. */
static void demo_mail(struct desk *d, const struct local_server *s)
{
	char path[700], err[256];
	const char *mine = options_get(d->opts, "mail_config");
	snprintf(path, sizeof(path), "%s/mail/notmuch-config", s->dir);
	if ((!mine || !*mine) && access(path, R_OK) == 0)
		options_set(d->opts, "mail_config", path, err, sizeof(err));
}

/* The server to talk to, started here when it is the demo or the
 * embedded one; *login may become the embedded server's administrator. */
static int find_server(struct app *app, const struct app_args *a, const char *self,
		       const char **server, const char **cacert, const char **login)
{
	struct desk *d = app->desk;
	char err[512];
	if (a->demo) {
		if (local_server_start_demo(&app->server, self, true, 120000, err, sizeof(err)) < 0) {
			fprintf(stderr, "guichet: demo: %s\n", err);
			return APP_FAILED;
		}
		*server = app->server.url;
		*cacert = app->server.cacert;
		demo_mail(d, &app->server);
		return 0;
	}
	*server = a->server ? a->server : options_get(d->opts, "server");
	*cacert = a->cacert ? a->cacert : options_get(d->opts, "cacert");
	if (*server && **server)
		return 0;
	if (start_embedded(&app->server, self, a, login) < 0)
		return APP_FAILED;
	*server = app->server.url;
	*cacert = app->server.cacert;
	return 0;
}

int app_start(struct app *app, const struct app_args *a, const char *self)
{
	struct desk *d = app->desk;
	const char *server = NULL, *cacert = NULL, *login = a->login;
	char err[512];
	int rc = a->demo ? 0 : load_key(d, a); /* the demo's outbox stays in memory */
	if (rc || (rc = find_server(app, a, self, &server, &cacert, &login)) != 0)
		return rc;
	struct net_config nc = { server, cacert && *cacert ? cacert : NULL, 10000, 30000, app->loop };
	if (!(d->net = net_new(&nc, err, sizeof(err))) || sync_setup(d) < 0) {
		fprintf(stderr, "guichet: %s\n", d->net ? _("mémoire épuisée") : err);
		return APP_FAILED;
	}
	/* The token of the embedded server is kept under its directory's name:
	 * its port changes at every start. */
	char identity[1100], who[128];
	snprintf(identity, sizeof(identity), "%s", app->server.keep_dir ? app->server.dir : server);
	if ((rc = authenticate(d, identity, login, a->demo, a->headless, who, sizeof(who))) != 0)
		return rc;
	if (!a->demo) /* a demo's guichetd lives as long as the desk: nothing to replay later */
		snprintf(d->identity, sizeof(d->identity), "%s", identity);
	/* the server's word on who I am wins over what was saved */
	if (d->identity[0] && !d->outbox_in_memory &&
	    outbox_file_attach(d, d->identity, d->login[0] ? d->login : who, err, sizeof(err)) < 0) {
		d->outbox_in_memory = true;
		fprintf(stderr, _("guichet : l'envoi reste en mémoire seulement : %s\n"), err);
	}
	/* what the agent had, on screen before the network answers */
	if (d->identity[0] &&
	    desk_cache_open(d, d->identity, d->login[0] ? d->login : who, err, sizeof(err)) < 0)
		fprintf(stderr, _("guichet : pas de cache hors ligne : %s\n"), err);
	sync_start(d, NULL);
	return 0;
}

void app_stop(struct app *app)
{
	struct desk *d = app->desk;
	if (d && d->net) {
		sync_unmark(d); /* leave no collision mark behind (it would expire anyway) */
		for (time_t dl = time(NULL) + 1; desk_busy(d) && time(NULL) <= dl;)
			sync_turn(d, 50);
		net_free(d->net);
		d->net = NULL;
	}
	if (d)
		desk_cache_close(d);
	desk_free(d);
	loop_free(app->loop);
	if (app->server.pid > 0)
		local_server_stop(&app->server);
	memset(app, 0, sizeof(*app));
}
