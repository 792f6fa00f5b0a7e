/* The : prompt: a line where any command is typed, with completion of
 * command names (Tab) and a history (Up, Down).  Enter runs the line
 * through the command table; its error comes back on the message line. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/command.h"
#include "client/i18n.h"
#include "client/keyspec.h"
#include "client/sync.h"
#include "core/text.h"
#include "tui/tui.h"

#define HISTORY_MAX 200

static char *history[HISTORY_MAX];
static int nhistory;

static void remember(const char *line)
{
	if (!*line || (nhistory && strcmp(history[nhistory - 1], line) == 0))
		return;
	if (nhistory == HISTORY_MAX) {
		free(history[0]);
		memmove(history, history + 1, (HISTORY_MAX - 1) * sizeof(history[0]));
		nhistory--;
	}
	char *copy = strdup(line);
	if (copy)
		history[nhistory++] = copy;
}

static void set_line(struct tui *t, const char *s)
{
	snprintf(t->prompt, sizeof(t->prompt), "%s", s);
	t->prompt_len = strlen(t->prompt);
}

/* The others see that I am writing a note or an answer (sync_marks). */
static void update_writing(struct tui *t)
{
	t->desk->writing = t->prompting && (strncmp(t->prompt, "note ", 5) == 0 ||
					    strncmp(t->prompt, "say ", 4) == 0);
}

void prompt_open(struct tui *t, const char *initial)
{
	t->prompting = true;
	t->history_pos = nhistory;
	set_line(t, initial);
	/* "prompt note" opens ready for the text: the space is typed for you */
	if (t->prompt_len && t->prompt_len + 1 < sizeof(t->prompt) &&
	    t->prompt[t->prompt_len - 1] != ' ') {
		t->prompt[t->prompt_len++] = ' ';
		t->prompt[t->prompt_len] = '\0';
	}
	update_writing(t);
	t->dirty = true;
}

/* Complete the command name being typed, when only one fits. */
struct completion {
	const char *only;
	int count;
};

static void count_match(const char *name, void *arg)
{
	struct completion *c = arg;
	c->only = name;
	c->count++;
}

static void complete(struct tui *t)
{
	if (strchr(t->prompt, ' '))
		return;
	struct completion c = { NULL, 0 };
	cmd_complete(t->prompt, count_match, &c);
	if (c.count == 1) {
		char line[128];
		snprintf(line, sizeof(line), "%s ", c.only);
		set_line(t, line);
	} else if (c.count > 1) {
		desk_say(t->desk, _("%d commandes commencent par « %s »"), c.count, t->prompt);
	}
}

static void backspace(struct tui *t)
{
	while (t->prompt_len > 0) {
		unsigned char ch = (unsigned char)t->prompt[--t->prompt_len];
		if ((ch & 0xc0) != 0x80) /* stop at the first byte of a character */
			break;
	}
	t->prompt[t->prompt_len] = '\0';
}

static void run(struct tui *t)
{
	char line[sizeof(t->prompt)], err[512];
	snprintf(line, sizeof(line), "%s", t->prompt);
	t->prompting = false;
	remember(line);
	if (cmd_run(t->desk, line, "prompt", err, sizeof(err)) < 0)
		desk_error(t->desk, "%s", err);
}

static void browse(struct tui *t, int delta)
{
	int to = t->history_pos + delta;
	if (to < 0 || to > nhistory)
		return;
	t->history_pos = to;
	set_line(t, to == nhistory ? "" : history[to]);
}

/* Insert a typed character (a code point) at the end of the line. */
static void insert(struct tui *t, int key)
{
	char utf8[4];
	size_t n = text_utf8_encode((uint32_t)key, utf8);
	if (key < 0x20 || key == 0x7f || (key >= 0x80 && key < 0xa0) || key > 0x10ffff)
		return;
	if (t->prompt_len + n < sizeof(t->prompt)) {
		memcpy(t->prompt + t->prompt_len, utf8, n);
		t->prompt_len += n;
		t->prompt[t->prompt_len] = '\0';
	}
}

void prompt_key(struct tui *t, int key)
{
	t->dirty = true;
	if (key == KS_ENTER)
		run(t);
	else if (key == KS_ESCAPE || key == (KEY_MOD_CTRL | 'g'))
		t->prompting = false;
	else if (key == KS_BACKSPACE || key == (KEY_MOD_CTRL | 'h'))
		backspace(t);
	else if (key == (KEY_MOD_CTRL | 'u'))
		set_line(t, "");
	else if (key == KS_TAB)
		complete(t);
	else if (key == KS_UP)
		browse(t, -1);
	else if (key == KS_DOWN)
		browse(t, 1);
	else if (key < KS_UP)
		insert(t, key);
	update_writing(t);
	if (t->prompting && key < KS_UP && strncmp(t->prompt, "say ", 4) == 0 && t->prompt_len > 4)
		sync_chat_typing(t->desk);
}

void prompt_draw(struct tui *t)
{
	int y = LINES - 1;
	draw_text(y, 0, 1, ROLE_MESSAGE, ":", false);
	/* Show the end of a line longer than the screen. */
	const char *s = t->prompt;
	while (text_width(s, strlen(s)) > (size_t)(COLS - 2) && *s) {
		uint32_t cp;
		s += text_utf8_decode(s, strlen(s), &cp);
	}
	int used = draw_text(y, 1, COLS - 1, ROLE_MESSAGE, s, true);
	move(y, 1 + used);
}
