/* Colour roles and the theme that fills them.  Screens name a role, never
 * a colour (htop's scheme); a theme file is a script of `color ROLE FG
 * [BG [ATTRS]]` lines, read like any guichetrc.  The terminal side turns
 * the colours into what the terminal can show (palette.h fallbacks). */
#ifndef GUICHET_CLIENT_THEME_H
#define GUICHET_CLIENT_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "client/palette.h"

enum role {
	ROLE_NORMAL,
	ROLE_TITLE,       /* the screen's title line */
	ROLE_STATUS,      /* the status bar */
	ROLE_SELECTED,    /* the selected line */
	ROLE_LABEL,       /* "Téléphone :" */
	ROLE_MUTED,       /* dates, secondary text */
	ROLE_OVERDUE,     /* a due date past (also said in words) */
	ROLE_SOON,        /* due within a day */
	ROLE_OFFER,       /* a chat or call waiting for me */
	ROLE_MESSAGE,     /* the message line */
	ROLE_ERROR,       /* the message line, for an error */
	ROLE_COUNT
};

/* "normal", "title", "status"... as theme files write them. */
extern const char *const ROLE_NAMES[ROLE_COUNT];

/* The role of a name, or -1. */
int theme_role_find(const char *name);

struct theme_entry {
	struct color fg, bg;
	int attrs;         /* ATTR_* */
	bool set;
};

struct theme {
	struct theme_entry role[ROLE_COUNT];
};

/* Every role at the terminal's default colours, no attribute. */
void theme_clear(struct theme *t);

/* The path of theme `name`: the first of dirs (a NULL-terminated list of
 * directories) holding NAME.theme, written into out.  Returns 0, or -1
 * when none does or the name is not a plain word. */
int theme_find(const char *name, const char *const *dirs, char *out, size_t n);

#endif
