/* Drawing text that comes from data (see tui.h).  Every string a citizen,
 * an agent or the server wrote goes through text_sanitize here: no escape
 * sequence, control or bidi override reaches the terminal, and a line is
 * cut by display width without splitting a character. */
#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "tui/tui.h"

const char *jtext(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
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
	return pad ? width : (int)used;
}

int draw_field(int y, int x, int width, const char *label, const char *value)
{
	int used = draw_text(y, x, width, ROLE_LABEL, label, false);
	if (used < width)
		used += draw_text(y, x + used + 1, width - used - 1, ROLE_NORMAL, value, false) + 1;
	return used;
}
