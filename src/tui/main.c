/* guichet: the agent's desk in the terminal.  Reads the options and
 * guichetrc, finds a server (--server, guichetrc, or --demo: a guichetd of
 * its own), logs in, then runs the screens until quit. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <sys/stat.h>

#include "client/command.h"
#include "core/model.h"
#include "client/i18n.h"
#include "client/keyspec.h"
#include "client/local_server.h"
#include "client/net.h"
#include "client/notify.h"
#include "client/options.h"
#include "client/session.h"
#include "client/sync.h"
#include "tui/tui.h"

extern const char DEFAULT_KEYS[];

static const char USAGE[] =
	"usage: guichet [--server URL --cacert FILE] [--login LOGIN] [-F guichetrc]\n"
	"       guichet --demo\n"
	"\n"
	"  --server URL      guichetd's address (https://host:port); also `set server` in guichetrc\n"
	"  --cacert FILE     the CA certificate that signed the server's\n"
	"  --login LOGIN     who logs in (asked when needed; GUICHET_TOKEN skips the login)\n"
	"  --demo            start a demo guichetd with live simulated traffic, log in as alice\n"
	"                    (with no server at all: a guichetd of its own over\n"
	"                    $XDG_DATA_HOME/guichet, created the first time)\n"
	"  -F FILE           read FILE instead of $XDG_CONFIG_HOME/guichet/guichetrc\n"
	"  --theme NAME      default, dsfr, high-contrast, mono\n"
	"  --size RxC --script FILE\n"
	"                    no terminal: run FILE's commands (\"key K\" presses K) on a\n"
	"                    screen of R rows and C columns, then print it (screen tests)\n"
	"  --dump-roles      after the screen, print the colour role of every cell\n"
	"  --help, --version\n";

struct args {
	const char *server, *cacert, *login, *rc, *theme, *script;
	bool demo, dump_roles;
	int rows, cols;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { O_SERVER = 256, O_CACERT, O_LOGIN, O_DEMO, O_THEME, O_SIZE, O_SCRIPT, O_HELP,
	       O_VERSION, O_ROLES };
	static const struct option opts[] = {
		{ "server", 1, NULL, O_SERVER }, { "cacert", 1, NULL, O_CACERT },
		{ "login", 1, NULL, O_LOGIN },   { "demo", 0, NULL, O_DEMO },
		{ "theme", 1, NULL, O_THEME },   { "size", 1, NULL, O_SIZE },
		{ "script", 1, NULL, O_SCRIPT }, { "help", 0, NULL, O_HELP },
		{ "version", 0, NULL, O_VERSION }, { "dump-roles", 0, NULL, O_ROLES },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "F:", opts, NULL)) != -1) {
		switch (c) {
		case O_SERVER: a->server = optarg; break;
		case O_CACERT: a->cacert = optarg; break;
		case O_LOGIN: a->login = optarg; break;
		case O_DEMO: a->demo = true; break;
		case O_ROLES: a->dump_roles = true; break;
		case O_THEME: a->theme = optarg; break;
		case O_SCRIPT: a->script = optarg; break;
		case 'F': a->rc = optarg; break;
		case O_SIZE:
			if (sscanf(optarg, "%dx%d", &a->rows, &a->cols) != 2 || a->rows < 5 ||
			    a->cols < 20 || a->rows > 500 || a->cols > 1000) {
				fprintf(stderr, "guichet: --size ROWSxCOLS, e.g. 24x80\n");
				return 2;
			}
			break;
		case O_HELP: fputs(USAGE, stdout); return 0;
		case O_VERSION: puts("guichet " GUICHET_VERSION); return 0;
		default: fputs(USAGE, stderr); return 2;
		}
	}
	return -1;
}

static void to_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "guichet: %s\n", msg);
}

/* The compiled-in keys, then guichetrc (whose errors go to stderr with
 * their file:line, the rest of the file still read). */
static void configure(struct desk *d, const char *rc)
{
	char err[512], line[1024];
	const char *p = DEFAULT_KEYS;
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
	struct cmd_ctx c = { d, path, 0, err, sizeof(err) };
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
static int authenticate(struct desk *d, const char *server, const char *login, bool demo)
{
	char token[256], err[512], user[128], pw[512];
	const char *env = getenv("GUICHET_TOKEN");
	if (env && *env) {
		net_set_token(d->net, env);
		return 0;
	}
	if (demo) {
		if (session_login(d, "alice", "demo", token, sizeof(token), err, sizeof(err)) < 0)
			goto fail;
		net_set_token(d->net, token);
		return 0;
	}
	if (session_token_load(server, token, sizeof(token)) == 0) {
		net_set_token(d->net, token);
		if (session_valid(d) != 0)
			return 0;
		fprintf(stderr, _("La session enregistrée a pris fin : reconnectez-vous.\n"));
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
	if (session_token_save(server, token, err, sizeof(err)) < 0)
		fprintf(stderr, "guichet: %s\n", err);
	return 0;
fail:
	fprintf(stderr, "guichet: %s\n", err);
	return -1;
}

/* --- the terminal's hooks for commands (struct desk_ui) ---------------------------- */

static void ui_prompt(void *arg, const char *initial) { prompt_open(arg, initial); }
static void ui_redraw(void *arg) { (void)arg; clearok(curscr, TRUE); }
static void ui_theme(void *arg, const char *name)
{
	struct tui *t = arg;
	term_theme(t->desk, name);
	t->dirty = true;
}

static void ui_notify(void *arg, const char *title, const char *body)
{
	struct tui *t = arg;
	char buf[1024];
	int m = notify_method_parse(options_get(t->desk->opts, "notify"));
	int n = m < 0 ? -1 : notify_format((enum notify_method)m, getenv("TMUX") != NULL, title,
					     body, buf, sizeof(buf));
	if (n > 0 && isatty(STDOUT_FILENO)) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
}

/* --- screen tests: a script instead of a keyboard ------------------------------------- */

static void settle(struct desk *d)
{
	time_t deadline = time(NULL) + 15;
	do {
		sync_wait(d, -1, 50);
		sync_marks(d);
		sync_ahead(d);
	} while (d->pending + d->quiet > 0 && time(NULL) < deadline);
}

static void dump_screen(void)
{
	wchar_t w[1024];
	char out[4096];
	for (int y = 0; y < LINES; y++) {
		int n = mvinnwstr(y, 0, w, COLS < 1023 ? COLS : 1023);
		w[n > 0 ? n : 0] = L'\0';
		size_t len = wcstombs(out, w, sizeof(out) - 1);
		if (len == (size_t)-1)
			len = 0;
		out[len] = '\0';
		while (len && out[len - 1] == ' ')
			out[--len] = '\0';
		puts(out);
	}
}

static int run_script(struct tui *t, const char *path, bool roles)
{
	FILE *f = fopen(path, "r");
	char line[1100], err[512];
	if (!f) {
		perror(path);
		return 1;
	}
	settle(t->desk);
	/* the event stream too: a script's screens show the connection state */
	time_t deadline = time(NULL) + 15;
	while (t->desk->net && t->desk->conn != DESK_ONLINE && time(NULL) < deadline)
		sync_wait(t->desk, -1, 50);
	while (fgets(line, sizeof(line), f) && !t->desk->quit) {
		line[strcspn(line, "\r\n")] = '\0';
		int key;
		if (strncmp(line, "key ", 4) == 0) {
			if (keyspec_parse(line + 4, &key, err, sizeof(err)) == 0)
				tui_key(t, key);
			else
				fprintf(stderr, "guichet: %s: %s\n", line, err);
		} else if (strncmp(line, "type ", 5) == 0) {
			for (const char *p = line + 5; *p; p++)
				prompt_key(t, (unsigned char)*p);
		} else if (cmd_run(t->desk, line, "script", err, sizeof(err)) < 0) {
			desk_error(t->desk, "%s", err);
		}
		settle(t->desk);
	}
	fclose(f);
	t->desk->now = (int64_t)time(NULL);
	screens_draw(t);
	dump_screen();
	if (roles) {
		puts("--- roles");
		draw_roles_dump(stdout);
	}
	return 0;
}

/* The translations: next to the program in a build tree (build/locale),
 * else where `make install` put them. */
static void bind_catalogs(void)
{
	char exe[1024], dir[1100];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *where = LOCALEDIR;
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%s/locale", exe);
			if (access(dir, R_OK) == 0)
				where = dir;
		}
	}
	bindtextdomain("guichet", where);
	bind_textdomain_codeset("guichet", "UTF-8");
	textdomain("guichet");
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
static int start_embedded(struct local_server *s, const char *self, const struct args *a,
			  const char **login)
{
	static char dir[1024], who[65];
	char pw[512] = "", again[512] = "", err[512];
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME"), *user = getenv("USER");
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/guichet", xdg);
	else
		snprintf(dir, sizeof(dir), "%s/.local/share/guichet", home ? home : ".");
	snprintf(who, sizeof(who), "%s", a->login ? a->login : user && model_login_ok(user) ? user
											    : "agent");
	*login = who;
	bool first = !local_server_exists(dir);
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
		char parent[1100];
		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = '\0';
		mkdir(parent, 0700); /* $XDG_DATA_HOME may not exist yet */
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

/* --- main --------------------------------------------------------------------------------- */

static int run_desk(struct desk *d, const struct args *a)
{
	struct tui t = { .desk = d };
	const struct desk_ui ui = { ui_prompt, ui_redraw, ui_notify, ui_theme, &t };
	d->ui = &ui;
	if (term_start(a->rows, a->cols) < 0) {
		fprintf(stderr, "guichet: cannot start the terminal\n");
		return 1;
	}
	term_theme(d, a->theme ? a->theme : options_get(d->opts, "theme"));
	int rc = a->script ? run_script(&t, a->script, a->dump_roles) : tui_run(&t);
	term_stop();
	d->ui = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct local_server demo = { 0 };
	const char *local_login = NULL;
	char err[512];
	int rc = 1;
	setlocale(LC_ALL, "");
	bind_catalogs();
	int done = parse_args(argc, argv, &a);
	if (done >= 0)
		return done;
	struct desk *d = desk_new();
	if (!d)
		return 1;
	configure(d, a.rc);
	apply_language(d);
	if (a.demo && local_server_start_demo(&demo, argv[0], true, 120000, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichet: demo: %s\n", err);
		goto out;
	}
	const char *server = a.demo ? demo.url : a.server ? a.server : options_get(d->opts, "server");
	const char *cacert = a.demo ? demo.cacert : a.cacert ? a.cacert
							  : options_get(d->opts, "cacert");
	if (!server || !*server) {
		if (start_embedded(&demo, argv[0], &a, &local_login) < 0)
			goto out;
		server = demo.url;
		cacert = demo.cacert;
		a.login = local_login;
	}
	struct net_config nc = { server, cacert && *cacert ? cacert : NULL, 10000, 30000 };
	d->net = net_new(&nc, err, sizeof(err));
	if (!d->net) {
		fprintf(stderr, "guichet: %s\n", err);
		goto out;
	}
	/* The token of the embedded server is kept under its directory's name:
	 * its port changes at every start. */
	char identity[1100];
	snprintf(identity, sizeof(identity), "%s", demo.keep_dir ? demo.dir : server);
	if (authenticate(d, identity, a.login, a.demo) < 0)
		goto out;
	sync_start(d);
	rc = run_desk(d, &a);
	/* Leave no collision mark behind (it would expire anyway). */
	sync_unmark(d);
	for (time_t dl = time(NULL) + 1; d->pending + d->quiet > 0 && time(NULL) <= dl;)
		sync_wait(d, -1, 50);
out:
	if (d->net)
		net_free(d->net);
	d->net = NULL;
	desk_free(d);
	if (demo.pid > 0)
		local_server_stop(&demo);
	return rc;
}
