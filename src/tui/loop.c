/* The desk on the client's loop (client/loop.h): the terminal is one more
 * fd there and SIGWINCH one more signal, beside the network's sockets and
 * timers.  Keys are turned into key codes and looked up in the key
 * tables; the screen is drawn once per turn when something changed.  A
 * key is never blocked by the network: answers come later, in the loop. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/keymap.h"
#include "client/keyspec.h"
#include "client/loop.h"
#include "client/sync.h"
#include "client/worklist.h"
#include "tui/tui.h"

#define DRAIN_TURNS 64 /* at most, before a frame: keys still come in time */

/* curses function keys as key codes (keyspec.h). */
static const struct { int curses, key; } fkeys[] = {
	{ KEY_UP, KS_UP },         { KEY_DOWN, KS_DOWN },     { KEY_LEFT, KS_LEFT },
	{ KEY_RIGHT, KS_RIGHT },   { KEY_HOME, KS_HOME },     { KEY_END, KS_END },
	{ KEY_PPAGE, KS_PGUP },    { KEY_NPAGE, KS_PGDN },    { KEY_IC, KS_INSERT },
	{ KEY_DC, KS_DELETE },     { KEY_BACKSPACE, KS_BACKSPACE }, { KEY_ENTER, KS_ENTER },
	{ KEY_BTAB, KS_BACKTAB },  { KEY_RESIZE, KS_RESIZE },
};

static int from_curses(int kc)
{
	for (size_t i = 0; i < sizeof(fkeys) / sizeof(fkeys[0]); i++)
		if (fkeys[i].curses == kc)
			return fkeys[i].key;
	if (kc >= KEY_F(1) && kc <= KEY_F(24))
		return KS_F1 + (kc - KEY_F(1));
	return -1;
}

/* A character as a key code: control characters become C-x. */
static int from_char(wint_t wc)
{
	if (wc == '\r' || wc == '\n')
		return KS_ENTER;
	if (wc == '\t')
		return KS_TAB;
	if (wc == 0x1b)
		return KS_ESCAPE;
	if (wc == 0x7f)
		return KS_BACKSPACE;
	if (wc == 0)
		return KEY_MOD_CTRL | ' ';
	if (wc <= 26)
		return KEY_MOD_CTRL | (int)('a' + wc - 1); /* 0x08 is C-h */
	if (wc < 0x20)
		return KEY_MOD_CTRL | (int)(wc + 0x40);    /* C-\ C-] C-^ C-_ */
	return (int)wc;
}

/* Bracketed paste: the text between ESC [ 200 ~ and ESC [ 201 ~ goes into
 * the prompt as text; none of it runs as a key. */
static const char PASTE_START[] = "[200~", PASTE_END[] = "\033[201~";

static void paste(struct tui *t)
{
	size_t matched = 0;
	wint_t wc;
	int kc;
	if (!t->prompting)
		prompt_open(t, "");
	nodelay(stdscr, FALSE);
	while ((kc = get_wch(&wc)) != ERR) {
		if (kc == KEY_CODE_YES)
			continue;
		matched = (wc == (wint_t)(unsigned char)PASTE_END[matched]) ? matched + 1
			: (wc == 0x1b) ? 1 : 0;
		if (matched == sizeof(PASTE_END) - 1)
			break;
		if (!matched && wc >= 0x20 && wc != 0x7f)
			prompt_key(t, (int)wc);
	}
	nodelay(stdscr, TRUE);
	t->dirty = true;
}

/* After ESC: a paste, M-x, or ESC itself. */
static int after_escape(struct tui *t)
{
	wint_t wc;
	int kc = get_wch(&wc);
	if (kc == ERR)
		return KS_ESCAPE;
	if (kc == OK && wc == '[') {
		char seq[8] = "[";
		size_t n = 1;
		while (n < 5 && get_wch(&wc) == OK)
			seq[n++] = (char)wc;
		seq[n] = '\0';
		if (strcmp(seq, PASTE_START) == 0) {
			paste(t);
			return -1;
		}
		return -1; /* an escape sequence curses did not know: dropped */
	}
	int k = kc == KEY_CODE_YES ? from_curses((int)wc) : from_char(wc);
	return k < 0 ? -1 : KEY_MOD_META | k;
}

void tui_key(struct tui *t, int key)
{
	struct desk *d = t->desk;
	char err[512];
	t->dirty = true;
	if (key == KS_RESIZE)
		return;
	if (t->prompting) {
		prompt_key(t, key);
		return;
	}
	const char *cmd = keymap_lookup(d->keys, d->screen, key);
	if (!cmd) {
		char name[32];
		if (keyspec_format(key, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "?");
		desk_error(d, _("touche %s : rien n'y est lié (? pour l'aide)"), name);
		return;
	}
	d->message[0] = '\0';
	if (cmd_run(d, cmd, "key", err, sizeof(err)) < 0)
		desk_error(d, "%s", err);
}

/* Returns how many keys were read. */
static int read_keys(struct tui *t)
{
	wint_t wc;
	int kc, n = 0;
	while ((kc = get_wch(&wc)) != ERR) {
		n++;
		int key = kc == KEY_CODE_YES ? from_curses((int)wc)
			: wc == 0x1b ? after_escape(t) : from_char(wc);
		if (key >= 0)
			tui_key(t, key);
		if (t->desk->quit)
			return n;
	}
	return n;
}

/* The loop's callbacks only note what happened: keys run commands, and
 * a command may wait for the network, which is not allowed from inside
 * the loop's own turn. */
static void on_terminal(void *arg, int fd, short revents)
{
	(void)fd;
	((struct tui *)arg)->input = revents;
}

static void on_winch(void *arg, int signo)
{
	(void)signo;
	((struct tui *)arg)->resized = true;
}

/* One turn: draw what changed, wait for the loop, then act on it. */
static int turn(struct tui *t, time_t *shown)
{
	struct desk *d = t->desk;
	d->now = (int64_t)time(NULL);
	if (d->now / 60 != *shown / 60) /* the clock and the countdowns */
		t->dirty = true;
	if (json_array_size(desk_items(d, "offers")))
		worklist_build(d); /* offers expire */
	sync_marks(d);
	sync_ahead(d);
	if (t->dirty) {
		screens_draw(t);
		refresh();
		t->dirty = false;
		*shown = (time_t)d->now;
	}
	t->input = 0;
	int ran = sync_turn(d, 1000);
	/* An answer arrives in several reads, each a turn: take all that is
	 * already there before drawing, not a whole frame per read. */
	for (int more = 0; ran > 0 && !t->input && !t->resized && more < DRAIN_TURNS; more++)
		if ((ran = sync_turn(d, 0)) < 0)
			break;
	if (ran < 0)
		return -1;
	t->dirty = true; /* the network may have brought something: curses sends only changes */
	if (t->resized) {
		t->resized = false;
		term_resize();
	}
	/* The terminal went away (its window closed, the SSH link cut) while
	 * SIGHUP was ignored: stdin polls as hung up.  Quit rather than spin. */
	if (t->input && read_keys(t) == 0 && (t->input & (POLLHUP | POLLERR | POLLNVAL)))
		d->quit = true;
	return 0;
}

int tui_run(struct tui *t)
{
	struct desk *d = t->desk;
	time_t shown = 0;
	int rc = 0;
	if (!d->loop || loop_fd_set(d->loop, STDIN_FILENO, POLLIN, on_terminal, t) < 0 ||
	    loop_signal(d->loop, SIGWINCH, on_winch, t) < 0)
		return 1;
	t->dirty = true;
	while (!d->quit && rc == 0)
		rc = turn(t, &shown);
	/* t lives on the caller's stack: nothing of the loop may reach it later */
	loop_fd_del(d->loop, STDIN_FILENO);
	loop_signal_del(d->loop, SIGWINCH);
	return rc < 0 ? 1 : 0;
}
