/* Drawing text that comes from data (see tui.h).  Every string a citizen,
 * an agent or the server wrote goes through text_sanitize here: no escape
 * sequence, control or bidi override reaches the terminal, and a line is
 * cut by display width without splitting a character. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "tui/tui.h"

/* The role of every cell drawn since the last draw_roles_reset, for the
 * screen tests (draw_roles_dump): what curses keeps is attributes, and
 * two roles may share them (the mono theme). */
static unsigned char *roles;
static int roles_rows, roles_cols;

int draw_roles_reset(int rows, int cols)
{
	if (rows != roles_rows || cols != roles_cols) {
		free(roles);
		roles = calloc((size_t)rows * (size_t)cols, 1);
		roles_rows = roles ? rows : 0;
		roles_cols = roles ? cols : 0;
		return roles ? 0 : -1;
	}
	if (roles)
		memset(roles, ROLE_NORMAL, (size_t)rows * (size_t)cols);
	return 0;
}

static void note_roles(int y, int x, int width, enum role r)
{
	if (!roles || y < 0 || y >= roles_rows)
		return;
	for (int c = x < 0 ? 0 : x; c < x + width && c < roles_cols; c++)
		roles[(size_t)y * (size_t)roles_cols + (size_t)c] = (unsigned char)r;
}

void draw_roles_dump(FILE *out)
{
	/* one character per role, in the order of enum role */
	static const char marks[ROLE_COUNT + 1] = ".TBSLmOsoME";
	for (int y = 0; y < roles_rows; y++) {
		int end = roles_cols;
		while (end > 0 && roles[(size_t)y * (size_t)roles_cols + (size_t)end - 1] == ROLE_NORMAL)
			end--;
		for (int x = 0; x < end; x++)
			fputc(marks[roles[(size_t)y * (size_t)roles_cols + (size_t)x]], out);
		fputc('\n', out);
	}
}

int draw_text(int y, int x, int width, enum role r, const char *s, bool pad)
{
	if (width <= 0)
		return 0;
	char *clean = text_sanitize(s ? s : "", s ? strlen(s) : 0, 0);
	size_t used = 0;
	attrset(term_attr(r));
	if (clean) {
		size_t n = text_fit(clean, strlen(clean), (size_t)width, &used);
		mvaddnstr(y, x, clean, (int)n);
		free(clean);
	}
	if (pad)
		for (int c = (int)used; c < width; c++)
			mvaddch(y, x + c, ' ');
	attrset(A_NORMAL);
	note_roles(y, x, pad ? width : (int)used, r);
	return pad ? width : (int)used;
}

int draw_field(int y, int x, int width, const char *label, const char *value)
{
	int used = draw_text(y, x, width, ROLE_LABEL, label, false);
	if (used < width)
		used += draw_text(y, x + used + 1, width - used - 1, ROLE_NORMAL, value, false) + 1;
	return used;
}
