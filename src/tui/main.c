/* guichet: the agent's desk in the terminal.  Reads the options; start-up
 * (guichetrc, the server, the login) is client/app.c; then either the
 * screens run until quit, or (--batch, -e) the commands of a script run
 * headless (client/batch.c) and guichet exits with their status. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <sys/stat.h>

#include "client/app.h"
#include "client/batch.h"
#include "client/command.h"
#include "client/i18n.h"
#include "client/keyspec.h"
#include "client/notify.h"
#include "client/options.h"
#include "client/spawn.h"
#include "client/sync.h"
#include "tui/tui.h"

extern const char DEFAULT_KEYS[];

static const char USAGE[] =
	"usage: guichet [--server URL --cacert FILE] [--login LOGIN] [-F guichetrc]\n"
	"       guichet --demo\n"
	"       guichet --monitor [--server URL ...]\n"
	"       guichet [--server URL ...] (--batch | -e CMD...) [--format json|csv|text] [--wait[=S]]\n"
	"       guichet ... --passphrase-fd N\n"
	"\n"
	"  --server URL      guichetd's address (https://host:port); also `set server` in guichetrc\n"
	"  --cacert FILE     the CA certificate that signed the server's\n"
	"  --login LOGIN     who logs in (asked when needed; GUICHET_TOKEN skips the login)\n"
	"  --demo            start a demo guichetd with live simulated traffic, log in as alice\n"
	"                    (with no server at all: a guichetd of its own over\n"
	"                    $XDG_DATA_HOME/guichet, created the first time)\n"
	"  --monitor         open on the supervisor's wallboard (supervisor or admin)\n"
	"  -F FILE           read FILE instead of $XDG_CONFIG_HOME/guichet/guichetrc\n"
	"  --passphrase-fd N with `set cache_passphrase yes`: read the passphrase as one\n"
	"                    line from file descriptor N instead of the terminal (scripts)\n"
	"  --theme NAME      default, dsfr, high-contrast, mono\n"
	"  --size RxC --script FILE\n"
	"                    no terminal: run FILE's commands (\"key K\" presses K) on a\n"
	"                    screen of R rows and C columns, then print it (screen tests)\n"
	"  --dump-roles      after the screen, print the colour role of every cell\n"
	"  --batch           headless: run the commands read from stdin, one per line\n"
	"  -e CMD            headless: run CMD (repeatable; before those of --batch)\n"
	"  --format FMT      headless output: json (default, one record per command), csv, text\n"
	"  --wait[=SECONDS]  headless: at the end, wait for the outbox to empty (default 30 s)\n"
	"                    exit: 0 ok, 1 a command failed, 2 usage, 3 no session,\n"
	"                    4 server unreachable, 5 changes still waiting in the outbox\n"
	"  --help, --version\n";

#define EXPRS_MAX 64

struct args {
	struct app_args app;
	const char *theme, *script;
	bool dump_roles, batch, monitor;
	int rows, cols;
	const char *exprs[EXPRS_MAX];
	size_t nexprs;
	enum batch_format format;
	int wait_s;
};

/* --wait's value: whole seconds, 0 to a day. */
static int parse_wait(const char *v, int *out)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 30;
	if (v && (end == v || *end || n < 0 || n > 86400))
		return -1;
	*out = (int)n;
	return 0;
}

/* --passphrase-fd's value: an open descriptor, closed when guichet starts
 * another program (the embedded guichetd must not inherit it). */
static int parse_fd(const char *v, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
		return -1;
	if (n > STDERR_FILENO)
		fcntl((int)n, F_SETFD, FD_CLOEXEC);
	*out = (int)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { O_SERVER = 256, O_CACERT, O_LOGIN, O_DEMO, O_THEME, O_SIZE, O_SCRIPT, O_HELP,
	       O_VERSION, O_ROLES, O_BATCH, O_FORMAT, O_WAIT, O_PASSFD, O_MONITOR };
	static const struct option opts[] = {
		{ "server", 1, NULL, O_SERVER }, { "cacert", 1, NULL, O_CACERT },
		{ "login", 1, NULL, O_LOGIN },   { "demo", 0, NULL, O_DEMO },
		{ "theme", 1, NULL, O_THEME },   { "size", 1, NULL, O_SIZE },
		{ "script", 1, NULL, O_SCRIPT }, { "help", 0, NULL, O_HELP },
		{ "version", 0, NULL, O_VERSION }, { "dump-roles", 0, NULL, O_ROLES },
		{ "batch", 0, NULL, O_BATCH },   { "format", 1, NULL, O_FORMAT },
		{ "wait", 2, NULL, O_WAIT },     { "passphrase-fd", 1, NULL, O_PASSFD },
		{ "monitor", 0, NULL, O_MONITOR },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	a->wait_s = -1;
	a->app.passphrase_fd = -1;
	while ((c = getopt_long(argc, argv, "F:e:", opts, NULL)) != -1) {
		switch (c) {
		case O_SERVER: a->app.server = optarg; break;
		case O_CACERT: a->app.cacert = optarg; break;
		case O_LOGIN: a->app.login = optarg; break;
		case O_DEMO: a->app.demo = true; break;
		case O_BATCH: a->batch = true; break;
		case O_MONITOR: a->monitor = true; break;
		case 'e':
			if (a->nexprs == EXPRS_MAX) {
				fprintf(stderr, "guichet: -e: %d commands at most\n", EXPRS_MAX);
				return 2;
			}
			a->exprs[a->nexprs++] = optarg;
			break;
		case O_FORMAT:
			if (batch_format_parse(optarg, &a->format) < 0) {
				fprintf(stderr, "guichet: --format json, csv or text\n");
				return 2;
			}
			break;
		case O_WAIT:
			if (parse_wait(optarg, &a->wait_s) < 0) {
				fprintf(stderr, "guichet: --wait=SECONDS (0 to 86400)\n");
				return 2;
			}
			break;
		case O_PASSFD:
			if (parse_fd(optarg, &a->app.passphrase_fd) < 0) {
				fprintf(stderr, "guichet: --passphrase-fd N: an open file descriptor\n");
				return 2;
			}
			break;
		case O_ROLES: a->dump_roles = true; break;
		case O_THEME: a->theme = optarg; break;
		case O_SCRIPT: a->script = optarg; break;
		case 'F': a->app.rc = optarg; break;
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
	if (optind < argc) {
		fprintf(stderr, "guichet: %s: unexpected argument\n%s", argv[optind], USAGE);
		return 2;
	}
	a->app.headless = a->batch || a->nexprs > 0;
	if (a->batch && a->app.passphrase_fd == STDIN_FILENO) {
		fprintf(stderr, "guichet: --batch reads its commands from stdin: not --passphrase-fd 0\n");
		return 2;
	}
	if (a->app.headless && a->monitor) {
		fprintf(stderr, "guichet: --monitor opens the screen; headless, run -e monitor\n");
		return 2;
	}
	if (!a->app.headless && (a->wait_s >= 0 || a->format != BATCH_JSON)) {
		fprintf(stderr, "guichet: --format and --wait go with --batch or -e\n");
		return 2;
	}
	return -1;
}

/* --- the terminal's hooks for commands (struct desk_ui) ---------------------------- */

static void ui_prompt(void *arg, const char *initial) { prompt_open(arg, initial); }
static void ui_suggest(void *arg, const char *initial)
{
	struct tui *t = arg;
	if (!t->prompting)
		prompt_open(t, initial);
}
static void ui_redraw(void *arg) { (void)arg; clearok(curscr, TRUE); }
static void ui_theme(void *arg, const char *name)
{
	struct tui *t = arg;
	term_theme(t->desk, name);
	t->dirty = true;
}

/* The agent's editor takes the terminal; curses gives it back after. */
static int ui_run(void *arg, char *const argv[])
{
	struct tui *t = arg;
	def_prog_mode();
	endwin();
	int st = spawn_wait(argv);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	t->dirty = true;
	return st;
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
		sync_turn(d, 50);
		sync_marks(d);
		sync_ahead(d);
	} while (desk_busy(d) && time(NULL) < deadline);
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
		sync_turn(t->desk, 50);
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

/* --- main --------------------------------------------------------------------------------- */

/* --monitor: the wallboard, once the server has said who we are (an
 * agent is refused here, before any screen, and by guichetd too). */
static int open_monitor(struct desk *d)
{
	char err[512];
	time_t deadline = time(NULL) + 15;
	while (!d->role[0] && !d->unreachable && d->conn != DESK_REFUSED && time(NULL) < deadline)
		sync_turn(d, 50);
	if (cmd_run(d, "monitor", "--monitor", err, sizeof(err)) < 0) {
		fprintf(stderr, "guichet: %s\n", err);
		return 1;
	}
	return 0;
}

static int run_desk(struct desk *d, const struct args *a)
{
	if (a->monitor && open_monitor(d) != 0)
		return 1;
	struct tui t = { .desk = d };
	const struct desk_ui ui = { ui_prompt, ui_suggest, ui_redraw, ui_notify, ui_theme, ui_run, &t };
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

static int run_headless(struct desk *d, const struct args *a)
{
	const struct batch_args b = { a->exprs, a->nexprs, a->batch ? STDIN_FILENO : -1, a->format,
				      a->wait_s, stdout, stderr };
	return batch_run(d, &b);
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct app app;
	setlocale(LC_ALL, "");
	bind_catalogs();
	int done = parse_args(argc, argv, &a);
	if (done >= 0)
		return done;
	int rc = app_init(&app, &a.app, DEFAULT_KEYS);
	if (rc == 0)
		rc = app_start(&app, &a.app, argv[0]);
	if (rc == 0)
		rc = a.app.headless ? run_headless(app.desk, &a) : run_desk(app.desk, &a);
	app_stop(&app);
	return rc;
}
