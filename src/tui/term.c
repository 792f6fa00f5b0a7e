/* Curses set-up and the colour roles (see tui.h).  Themes fill roles with
 * colours; a terminal with 256 colours gets the themes' exact shades, one
 * with 8 the nearest basic colours, and NO_COLOR or a monochrome terminal
 * gets attributes only (bold, reverse, underline), so no meaning is lost
 * without colour. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

const char *const ROLE_NAMES[ROLE_COUNT] = {
	"normal", "title", "status", "selected", "label", "muted",
	"overdue", "soon", "offer", "message", "error",
};

/* A role in a theme: colours for 256-colour terminals, for 8-colour ones,
 * and the attributes kept in every case. */
struct role_style {
	short fg256, bg256, fg8, bg8;
	int attrs;
};

struct theme {
	const char *name;
	struct role_style r[ROLE_COUNT];
};

#define D (-1) /* the terminal's default colour */

static const struct theme themes[] = {
	{ "default", {
		[ROLE_NORMAL] = { D, D, D, D, 0 },
		[ROLE_TITLE] = { 231, 24, COLOR_WHITE, COLOR_BLUE, A_BOLD },
		[ROLE_STATUS] = { 231, 238, COLOR_WHITE, COLOR_BLUE, 0 },
		[ROLE_SELECTED] = { 16, 153, COLOR_BLACK, COLOR_CYAN, A_BOLD },
		[ROLE_LABEL] = { 110, D, COLOR_CYAN, D, 0 },
		[ROLE_MUTED] = { 245, D, D, D, A_DIM },
		[ROLE_OVERDUE] = { 196, D, COLOR_RED, D, A_BOLD },
		[ROLE_SOON] = { 214, D, COLOR_YELLOW, D, 0 },
		[ROLE_OFFER] = { 16, 220, COLOR_BLACK, COLOR_YELLOW, A_BOLD },
		[ROLE_MESSAGE] = { D, D, D, D, 0 },
		[ROLE_ERROR] = { 196, D, COLOR_RED, D, A_BOLD },
	} },
	/* The French state's palette: bleu France #000091, rouge Marianne
	 * #E1000F, greys of the DSFR. */
	{ "dsfr", {
		[ROLE_NORMAL] = { 16, 231, COLOR_BLACK, COLOR_WHITE, 0 },
		[ROLE_TITLE] = { 231, 18, COLOR_WHITE, COLOR_BLUE, A_BOLD },
		[ROLE_STATUS] = { 231, 18, COLOR_WHITE, COLOR_BLUE, 0 },
		[ROLE_SELECTED] = { 18, 189, COLOR_BLUE, COLOR_WHITE, A_BOLD },
		[ROLE_LABEL] = { 18, 231, COLOR_BLUE, COLOR_WHITE, 0 },
		[ROLE_MUTED] = { 242, 231, COLOR_BLACK, COLOR_WHITE, 0 },
		[ROLE_OVERDUE] = { 160, 231, COLOR_RED, COLOR_WHITE, A_BOLD },
		[ROLE_SOON] = { 130, 231, COLOR_YELLOW, COLOR_WHITE, 0 },
		[ROLE_OFFER] = { 231, 160, COLOR_WHITE, COLOR_RED, A_BOLD },
		[ROLE_MESSAGE] = { 16, 231, COLOR_BLACK, COLOR_WHITE, 0 },
		[ROLE_ERROR] = { 160, 231, COLOR_RED, COLOR_WHITE, A_BOLD },
	} },
	{ "high-contrast", {
		[ROLE_NORMAL] = { 231, 16, COLOR_WHITE, COLOR_BLACK, 0 },
		[ROLE_TITLE] = { 16, 226, COLOR_BLACK, COLOR_YELLOW, A_BOLD },
		[ROLE_STATUS] = { 16, 231, COLOR_BLACK, COLOR_WHITE, A_BOLD },
		[ROLE_SELECTED] = { 16, 226, COLOR_BLACK, COLOR_YELLOW, A_BOLD },
		[ROLE_LABEL] = { 226, 16, COLOR_YELLOW, COLOR_BLACK, A_BOLD },
		[ROLE_MUTED] = { 231, 16, COLOR_WHITE, COLOR_BLACK, 0 },
		[ROLE_OVERDUE] = { 16, 231, COLOR_BLACK, COLOR_WHITE, A_BOLD | A_UNDERLINE },
		[ROLE_SOON] = { 226, 16, COLOR_YELLOW, COLOR_BLACK, A_BOLD },
		[ROLE_OFFER] = { 16, 226, COLOR_BLACK, COLOR_YELLOW, A_BOLD },
		[ROLE_MESSAGE] = { 231, 16, COLOR_WHITE, COLOR_BLACK, A_BOLD },
		[ROLE_ERROR] = { 16, 231, COLOR_BLACK, COLOR_WHITE, A_BOLD },
	} },
	/* Attributes only. */
	{ "mono", {
		[ROLE_NORMAL] = { D, D, D, D, 0 },
		[ROLE_TITLE] = { D, D, D, D, A_BOLD | A_REVERSE },
		[ROLE_STATUS] = { D, D, D, D, A_REVERSE },
		[ROLE_SELECTED] = { D, D, D, D, A_REVERSE | A_BOLD },
		[ROLE_LABEL] = { D, D, D, D, A_BOLD },
		[ROLE_MUTED] = { D, D, D, D, 0 },
		[ROLE_OVERDUE] = { D, D, D, D, A_BOLD | A_UNDERLINE },
		[ROLE_SOON] = { D, D, D, D, A_UNDERLINE },
		[ROLE_OFFER] = { D, D, D, D, A_REVERSE | A_BOLD },
		[ROLE_MESSAGE] = { D, D, D, D, 0 },
		[ROLE_ERROR] = { D, D, D, D, A_BOLD },
	} },
};

static int role_attr[ROLE_COUNT];
static SCREEN *scr;
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
		/* Bracketed paste: pasted text arrives framed and is taken as
		 * text, never as keys. */
		fputs("\033[?2004h", stdout);
		fflush(stdout);
	}
	term_theme("default");
	return 0;
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

static const struct theme *find_theme(const char *name)
{
	for (size_t i = 0; i < sizeof(themes) / sizeof(themes[0]); i++)
		if (strcmp(themes[i].name, name) == 0)
			return &themes[i];
	return NULL;
}

void term_theme(const char *name)
{
	const struct theme *t = find_theme(name);
	const char *no_color = getenv("NO_COLOR");
	bool colour = has_colors() && COLORS >= 8 && !(no_color && *no_color);
	if (!t || !colour)
		t = !colour ? find_theme("mono") : find_theme("default");
	bool rich = COLORS >= 256;
	for (int i = 0; i < ROLE_COUNT; i++) {
		const struct role_style *s = &t->r[i];
		short fg = rich ? s->fg256 : s->fg8, bg = rich ? s->bg256 : s->bg8;
		role_attr[i] = s->attrs;
		if (colour && (fg != D || bg != D) && init_pair((short)(i + 1), fg, bg) == OK)
			role_attr[i] |= COLOR_PAIR(i + 1);
	}
}

int term_attr(enum role r)
{
	return role_attr[r];
}
