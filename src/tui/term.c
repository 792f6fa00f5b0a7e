/* Curses set-up and the colour roles (see tui.h).  Themes fill roles with
 * colours; a terminal with 256 colours gets the themes' exact shades, one
 * with 8 the nearest basic colours, and NO_COLOR, a monochrome terminal
 * or `set low_bandwidth` get attributes only (bold, reverse, underline), so
 * no meaning is lost without colour. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/palette.h"
#include "tui/tui.h"

static int role_attr[ROLE_COUNT];
static SCREEN *scr;
/* The theme asked for (--theme, `set theme`), kept while low bandwidth
 * draws without colour, to come back to. */
static char theme_name[1024] = "default";
static bool attrs_only;         /* term_low_bandwidth */
static FILE *null_out, *null_in;

int term_start(int rows, int cols)
{
	if (rows > 0 && cols > 0) {
		/* The screen tests: curses on /dev/null at a fixed size, read back
		 * with the dump, as tig's tests do. */
		null_out = fopen("/dev/null", "w");
		null_in = fopen("/dev/null", "r");
		if (!null_out || !null_in)
			return -1;
		scr = newterm("xterm-256color", null_out, null_in);
		if (!scr)
			return -1;
		resizeterm(rows, cols);
	} else if (!initscr()) {
		return -1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	leaveok(stdscr, FALSE);
	if (has_colors()) {
		start_color();
		use_default_colors();
	}
	if (!(rows > 0 && cols > 0)) {
		/* Until a first endwin(), ncurses counts the screen as not yet
		 * set up and flushes at every cursor move: a hundred writes for
		 * one page-down at 160x48, each waking the terminal.  Leaving and
		 * coming back once makes a frame go out in one piece. */
		endwin();
		refresh();
		/* Bracketed paste: pasted text arrives framed and is taken as
		 * text, never as keys. */
		fputs("\033[?2004h", stdout);
		fflush(stdout);
	}
	return 0;
}

void term_resize(void)
{
	struct winsize ws;
	if (scr) /* the screen tests' fixed size */
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

void term_stop(void)
{
	if (!scr) {
		fputs("\033[?2004l", stdout);
		fflush(stdout);
	}
	endwin();
	if (scr) {
		delscreen(scr);
		scr = NULL;
	}
	if (null_out)
		fclose(null_out);
	if (null_in)
		fclose(null_in);
	null_out = null_in = NULL;
}

/* curses attributes of the ATTR_* bits of a theme. */
static int curses_attrs(int attrs)
{
	static const struct { int attr; attr_t curses; } map[] = {
		{ ATTR_BOLD, A_BOLD },       { ATTR_UNDERLINE, A_UNDERLINE },
		{ ATTR_REVERSE, A_REVERSE }, { ATTR_DIM, A_DIM },
		{ ATTR_ITALIC, A_ITALIC },   { ATTR_STANDOUT, A_STANDOUT },
	};
	int out = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (attrs & map[i].attr)
			out |= (int)map[i].curses;
	return out;
}

/* A theme colour as a curses colour number (-1: the default). */
static short curses_color(struct color c, int depth)
{
	c = color_fallback(c, depth);
	return c.kind == COLOR_INDEX ? (short)c.index : -1;
}

/* Where theme files are looked for: the agent's own, the build tree's
 * (next to the program), the installed ones. */
static void theme_dirs(char dirs[3][1024])
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char exe[900];
	if (xdg && *xdg)
		snprintf(dirs[0], 1024, "%.900s/guichet/themes", xdg);
	else
		snprintf(dirs[0], 1024, "%.900s/.config/guichet/themes", home ? home : ".");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	if (slash)
		*slash = '\0';
	snprintf(dirs[1], 1024, "%s/../themes", slash ? exe : ".");
	snprintf(dirs[2], 1024, "%s/themes", DATADIR);
}

static void report(void *arg, const char *msg)
{
	desk_error(arg, "%s", msg);
}

/* Read the theme file of name into d->theme; false when there is none. */
static bool load_theme(struct desk *d, const char *name)
{
	char dirs[3][1024], path[1100], err[512];
	theme_dirs(dirs);
	const char *list[] = { dirs[0], dirs[1], dirs[2], NULL };
	if (theme_find(name, list, path, sizeof(path)) < 0)
		return false;
	struct cmd_ctx c = { d, path, 0, err, sizeof(err), NULL };
	theme_clear(&d->theme);
	return cmd_run_file(&c, path, report, d) >= 0;
}

void term_theme(struct desk *d, const char *name)
{
	const char *no_color = getenv("NO_COLOR");
	if (name != theme_name)
		snprintf(theme_name, sizeof(theme_name), "%s", name);
	bool colour = has_colors() && COLORS >= 8 && !(no_color && *no_color) && !attrs_only;
	bool found = colour && load_theme(d, name);
	if (colour && !found)
		desk_error(d, _("thème introuvable : %s (le thème default est pris)"), name);
	if (!found && !load_theme(d, colour ? "default" : "mono")) {
		/* no theme file at all: reverse video keeps the selection and
		 * the bars visible */
		theme_clear(&d->theme);
		d->theme.role[ROLE_SELECTED].attrs = ATTR_REVERSE | ATTR_BOLD;
		d->theme.role[ROLE_STATUS].attrs = ATTR_REVERSE;
		d->theme.role[ROLE_TITLE].attrs = ATTR_REVERSE | ATTR_BOLD;
		d->theme.role[ROLE_OFFER].attrs = ATTR_REVERSE | ATTR_BOLD;
	}
	int depth = COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : COLORS >= 8 ? 8 : 0;
	for (int i = 0; i < ROLE_COUNT; i++) {
		const struct theme_entry *e = &d->theme.role[i];
		short fg = curses_color(e->fg, depth), bg = curses_color(e->bg, depth);
		role_attr[i] = curses_attrs(e->attrs);
		if (colour && init_pair((short)(i + 1), fg, bg) == OK)
			role_attr[i] |= COLOR_PAIR(i + 1);
	}
}

void term_low_bandwidth(struct desk *d, bool on)
{
	if (on == attrs_only)
		return;
	attrs_only = on;
	term_theme(d, theme_name);
}

int term_attr(enum role r)
{
	return role_attr[r];
}
