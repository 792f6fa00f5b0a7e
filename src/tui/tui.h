/* The terminal side of the desk: curses set-up, colour roles, drawing of
 * untrusted text, the screens, the : prompt and the loop that turns keys
 * into commands.  The only part of guichet that includes curses. */
#ifndef GUICHET_TUI_TUI_H
#define GUICHET_TUI_TUI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"
#include "client/theme.h"
#include "core/json_get.h"
#include "tui/lowbw.h"

struct tui {
	struct desk *desk;
	bool prompting;
	char prompt[1024];          /* the line being typed after ':' */
	size_t prompt_len;
	int history_pos;
	bool dirty;                 /* something changed: draw before waiting again */
	short input;                /* the terminal's poll events this turn (0: none) */
	bool resized;               /* SIGWINCH came this turn */
	int rows, cols;

	/* --- set low_bandwidth (lowbw.h), kept by loop.c ------------------- */
	struct lowbw bw;
	char bw_value[8];           /* the option's value bw was set from */
	bool lean;                  /* drawing sparingly now (term_low_bandwidth) */
	int64_t shown;              /* the time the terminal's screen was drawn at */
	uint64_t frame;             /* the fingerprint of that screen (lean or probing) */
	int64_t news_first, news_last; /* what turns brought, not looked at yet (ms; 0: none) */
	int64_t asked_at;           /* the position request out since (ms; 0: none) */
	int64_t probe_at;           /* when to read TIOCOUTQ for it (ms; 0: not to) */
	long probe_queued;          /* what TIOCOUTQ said (-1: not read) */
	bool probe_judged;          /* its frame's verdict is in */
};

/* --- term.c: curses, colours ------------------------------------------------ */
/* Start curses on the terminal (or on /dev/null with a fixed size for the
 * screen tests when rows and cols are > 0).  0 or -1. */
int term_start(int rows, int cols);
void term_stop(void);
/* Take the terminal's new size (after SIGWINCH, which the loop catches:
 * curses' own handler is replaced by the loop's). */
void term_resize(void);
/* Read the theme file of name ("default", "dsfr", "high-contrast",
 * "mono" or the agent's own) into d->theme and give its roles to curses,
 * with the fallback the terminal needs; NO_COLOR and terminals without
 * colour get the mono theme. */
void term_theme(struct desk *d, const char *name);
int term_attr(enum role r);     /* curses attributes of a role */
/* Draw with attributes only (on: the mono theme, no colour pair, whatever
 * the theme asked for), or back to the theme last asked for (off); `set
 * theme` while on is remembered for then.  Nothing when already so. */
void term_low_bandwidth(struct desk *d, bool on);

/* --- draw.c: text ------------------------------------------------------------- */
/* Draw untrusted UTF-8 text at (y, x), at most `width` columns, sanitized
 * (no control, escape or bidi character reaches the terminal), never cut
 * inside a character; pads with spaces to width when pad.  Returns the
 * columns taken: width when padding, else the text's own width. */
int draw_text(int y, int x, int width, enum role r, const char *s, bool pad);
/* The colour role of each cell, for the screen tests: reset at each full
 * draw (0, or -1 when out of memory: then nothing is recorded); dumped as
 * one line of marks per screen line, ". T B S L m O s o M E" for normal,
 * title, status, selected, label, muted, overdue, soon, offer, message,
 * error, trailing normal cells left out. */
int draw_roles_reset(int rows, int cols);
void draw_roles_dump(FILE *out);
/* Draw "label value" on a line; returns the columns used. */
int draw_field(int y, int x, int width, const char *label, const char *value);

/* --- screens.c: one draw function per screen ---------------------------------- */
void screens_draw(struct tui *t);

/* --- prompt.c: the : prompt ------------------------------------------------------ */
void prompt_open(struct tui *t, const char *initial);
/* A key while prompting: edits, completion, history; Enter runs the line. */
void prompt_key(struct tui *t, int key);
void prompt_draw(struct tui *t);

/* --- loop.c ---------------------------------------------------------------------- */
/* Run until quit: keys, network, timers, resize.  Follows `set
 * low_bandwidth` at every turn (lowbw.h).  Returns 0. */
int tui_run(struct tui *t);
/* Handle one key outside the prompt: look it up and run its command. */
void tui_key(struct tui *t, int key);

#endif
