/* The desk on the client's loop (client/loop.h): the terminal is one more
 * fd there and SIGWINCH one more signal, beside the network's sockets and
 * timers.  Keys are turned into key codes and looked up in the key
 * tables; the screen is drawn once per turn when something changed.  A
 * key is never blocked by the network: answers come later, in the loop.
 *
 * With `set low_bandwidth` on (lowbw.h) a key is still drawn at once, but
 * the network's news waits for the rest of it (LOWBW_QUIET_MS, at most
 * LOWBW_BATCH_MAX_MS), and a frame goes out only when something besides
 * the clock and the countdowns changed: the minute ticking over draws
 * nothing, and is brought up to date by the next frame drawn anyway. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/keymap.h"
#include "client/keyspec.h"
#include "client/loop.h"
#include "client/mail.h"
#include "client/phone.h"
#include "client/options.h"
#include "client/sync.h"
#include "client/worklist.h"
#include "tui/tui.h"

#define DRAIN_TURNS 64 /* at most, before a frame: keys still come in time */
#define IDLE_MS 1000   /* the longest wait of a turn */
#define CSI_WAIT_MS 50 /* for the rest of a control sequence split by the link */
#define ASK_GIVEUP_MS 30000 /* a position request not answered by then is forgotten */

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

static void answered(struct tui *t);

/* After ESC [: the rest of a control sequence curses did not know (its
 * parameters and intermediates, then one final character), waited for a
 * little when the link brings it in pieces.  A paste begins, the
 * terminal answers a position request (CSI row ; col R), or the sequence
 * is dropped: none of it runs as keys. */
static void after_csi(struct tui *t)
{
	char seq[24] = "[";
	size_t n = 1;
	wint_t wc;
	timeout(CSI_WAIT_MS);
	while (n < sizeof(seq) - 1 && get_wch(&wc) == OK && wc < 0x7f) {
		seq[n++] = (char)wc;
		if (wc >= 0x40) /* the final character */
			break;
	}
	nodelay(stdscr, TRUE);
	seq[n] = '\0';
	int row, col, end = 0;
	if (strcmp(seq, PASTE_START) == 0)
		paste(t);
	else if (sscanf(seq, "[%d;%dR%n", &row, &col, &end) == 2 && end == (int)n)
		answered(t);
}

/* After ESC: a paste, M-x, or ESC itself. */
static int after_escape(struct tui *t)
{
	wint_t wc;
	int kc = get_wch(&wc);
	if (kc == ERR)
		return KS_ESCAPE;
	if (kc == OK && wc == '[') {
		after_csi(t);
		return -1;
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

/* --- low bandwidth ------------------------------------------------------------ */

/* Take up the mode lowbw says: colours or none, and a frame to show it. */
static void apply_mode(struct tui *t)
{
	bool on = lowbw_on(&t->bw);
	if (on == t->lean)
		return;
	t->lean = on;
	term_low_bandwidth(t->desk, on);
	t->dirty = true;
}

/* Follow `set low_bandwidth` (guichetrc, the : prompt): a new value
 * starts the rule over. */
static void follow_option(struct tui *t)
{
	const char *v = options_get(t->desk->opts, "low_bandwidth");
	if (v && strcmp(v, t->bw_value) != 0) {
		snprintf(t->bw_value, sizeof(t->bw_value), "%s", v);
		int m = lowbw_mode_parse(v);
		lowbw_init(&t->bw, m < 0 ? LOWBW_AUTO : (enum lowbw_mode)m,
			   lowbw_over_ssh(getenv("SSH_CONNECTION"), getenv("SSH_TTY")));
	}
	apply_mode(t);
}

/* One measured frame's verdict (lowbw_judge); said once when it turns
 * the mode on. */
static void judge(struct tui *t, bool slow)
{
	t->probe_judged = true;
	if (!lowbw_judge(&t->bw, slow))
		return;
	desk_say(t->desk, _("liaison lente : affichage économe (set low_bandwidth no pour revenir)"));
	apply_mode(t);
}

/* The terminal answered the position request sent after a frame: the
 * frame has crossed the link. */
static void answered(struct tui *t)
{
	if (!t->asked_at)
		return;
	int64_t took = loop_now_ms() - t->asked_at;
	t->asked_at = t->probe_at = 0;
	if (!t->probe_judged && lowbw_probing(&t->bw))
		judge(t, lowbw_frame_slow(t->probe_queued, took));
}

/* After a frame that changed the screen, while probing: ask the terminal
 * where its cursor is (its answer comes once the frame got there), and
 * read the tty's queue LOWBW_PROBE_MS later.  One request at a time. */
static void probe(struct tui *t, int64_t now_ms)
{
	if (t->asked_at && now_ms - t->asked_at < ASK_GIVEUP_MS)
		return;
	fputs("\033[6n", stdout);
	fflush(stdout);
	t->asked_at = now_ms;
	t->probe_at = now_ms + LOWBW_PROBE_MS;
	t->probe_queued = -1;
	t->probe_judged = false;
}

/* The tty's queue, when its time has come. */
static void measure(struct tui *t, int64_t now_ms)
{
	int queued;
	if (!t->probe_at || now_ms < t->probe_at)
		return;
	t->probe_at = 0;
	t->probe_queued = ioctl(STDOUT_FILENO, TIOCOUTQ, &queued) == 0 ? queued : -1;
	if (lowbw_probing(&t->bw) && lowbw_frame_slow(t->probe_queued, -1))
		judge(t, true); /* no need to wait for the answer */
}

/* What the screen shows, as one number: every cell's characters,
 * attributes and colour pair, the cursor, the size.  Two frames with the
 * same fingerprint send nothing. */
static uint64_t fingerprint(void)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	int cy, cx;
	getyx(stdscr, cy, cx);
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211u)
	MIX(LINES);
	MIX(COLS);
	MIX(cy);
	MIX(cx);
	for (int y = 0; y < LINES; y++)
		for (int x = 0; x < COLS; x++) {
			cchar_t c;
			wchar_t w[CCHARW_MAX + 1] = { 0 };
			attr_t a = 0;
			short pair = 0;
			if (mvwin_wch(stdscr, y, x, &c) == ERR || getcchar(&c, w, &a, &pair, NULL) == ERR)
				continue;
			for (int i = 0; i < CCHARW_MAX && w[i]; i++)
				MIX(w[i]);
			MIX(a);
			MIX(pair);
		}
#undef MIX
	move(cy, cx);
	return h;
}

/* The screen drawn into curses as it is at time `at` (not sent); its
 * fingerprint when one is needed, else 0. */
static uint64_t compose(struct tui *t, int64_t at)
{
	struct desk *d = t->desk;
	int64_t now = d->now;
	d->now = at;
	screens_draw(t);
	d->now = now;
	return t->lean || lowbw_probing(&t->bw) ? fingerprint() : 0;
}

/* Put the screen on the terminal.  at_once: the agent did something, or
 * the mode changed: drawn as it is now.  Else the network's news: drawn
 * first at the time the terminal's screen was drawn at, which says
 * whether anything but the clock changed; only then drawn again at the
 * time now and sent (when lean; otherwise curses sends only changes). */
static void frame(struct tui *t, bool at_once, int64_t now_ms)
{
	struct desk *d = t->desk;
	t->dirty = false;
	t->news_first = t->news_last = 0;
	if (!at_once && t->lean && compose(t, t->shown) == t->frame)
		return;
	uint64_t h = compose(t, d->now);
	refresh();
	bool changed = h != t->frame;
	t->frame = h;
	t->shown = d->now;
	if (changed && lowbw_probing(&t->bw))
		probe(t, now_ms);
}

/* How long the loop may wait: a second, less for news waiting to be
 * drawn or the tty's queue to read. */
static int wait_ms(const struct tui *t, int64_t now_ms)
{
	int64_t w = IDLE_MS, news = lowbw_batch_wait(t->news_first, t->news_last, now_ms);
	if (news >= 0 && news < w)
		w = news;
	if (t->probe_at && t->probe_at - now_ms < w)
		w = t->probe_at - now_ms;
	return w < 1 ? 1 : (int)w;
}

/* One turn: draw what changed, wait for the loop, then act on it. */
static int turn(struct tui *t)
{
	struct desk *d = t->desk;
	d->now = (int64_t)time(NULL);
	follow_option(t);
	if (!t->lean && d->now / 60 != t->shown / 60) /* the clock and the countdowns */
		t->dirty = true;
	if ((phone_call_current(d) || phone_wrapping(d)) && d->now != t->shown)
		t->dirty = true; /* the call's timer */
	size_t offers = json_array_size(desk_items(d, "offers"));
	if (offers) {
		worklist_build(d); /* offers expire */
		if (json_array_size(desk_items(d, "offers")) != offers)
			t->dirty = true; /* one went: news, not the clock */
	}
	sync_marks(d);
	sync_ahead(d);
	int64_t now_ms = loop_now_ms();
	if (mail_poll(d, now_ms)) /* `notmuch new` brought mail */
		t->dirty = true;
	measure(t, now_ms);
	if (t->dirty)
		frame(t, true, now_ms);
	else if (lowbw_batch_wait(t->news_first, t->news_last, now_ms) == 0)
		frame(t, false, now_ms);
	t->input = 0;
	int wait = wait_ms(t, now_ms);
	int ran = sync_turn(d, wait);
	/* lean: something came, or a whole idle wait went by (what changed
	 * outside the loop's callbacks, the cache's word, is looked at too) */
	bool news = ran > 0 || wait == IDLE_MS;
	/* An answer arrives in several reads, each a turn: take all that is
	 * already there before drawing, not a whole frame per read. */
	for (int more = 0; ran > 0 && !t->input && !t->resized && more < DRAIN_TURNS; more++)
		if ((ran = sync_turn(d, 0)) < 0)
			break;
	if (ran < 0)
		return -1;
	if (!t->lean) {
		t->dirty = true; /* the network may have brought something: curses sends only changes */
	} else if (news) {
		/* Lean: what the turn brought is looked at once it has stopped
		 * coming (lowbw_batch_wait), and sent only when it changed more
		 * than the clock (frame). */
		t->news_last = loop_now_ms();
		if (!t->news_first)
			t->news_first = t->news_last;
	}
	if (t->resized) {
		t->resized = false;
		t->dirty = true;
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
	int rc = 0;
	if (!d->loop || loop_fd_set(d->loop, STDIN_FILENO, POLLIN, on_terminal, t) < 0 ||
	    loop_signal(d->loop, SIGWINCH, on_winch, t) < 0)
		return 1;
	t->dirty = true;
	while (!d->quit && rc == 0)
		rc = turn(t);
	/* t lives on the caller's stack: nothing of the loop may reach it later */
	loop_fd_del(d->loop, STDIN_FILENO);
	loop_signal_del(d->loop, SIGWINCH);
	return rc < 0 ? 1 : 0;
}
