/* What a screen of the desk is, apart from how it is drawn: its name, the
 * list it shows, what Enter does on a line, what "refresh" reads again,
 * and the record it has open (for collision marks).  One row per screen
 * in SCREENS (screen.c), indexed by enum desk_screen; the terminal's draw
 * table (tui/screens.c) is indexed by the same enum, so that a new screen
 * is one row here and one draw function there (tig's view_ops). */
#ifndef GUICHET_CLIENT_SCREEN_H
#define GUICHET_CLIENT_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"
#include "client/job.h"

struct cmd_ctx;

struct screen_ops {
	const char *name;     /* `bind SCREEN …`, the help screen: stable */
	const char *title;    /* French, shown through _() */
	/* The list the screen moves in (borrowed), or NULL. */
	json_t *(*list)(const struct desk *d);
	/* Enter on the selected item it: 0, or -1 with a message in c->err.
	 * NULL: nothing to open here. */
	int (*open)(struct cmd_ctx *c, json_t *it);
	/* Read what the screen shows again (j: who waits, may be NULL). */
	void (*refresh)(struct desk *d, struct job *j);
	/* The record on screen, for my collision mark: true with its type
	 * ("case" or "citizen") and id; NULL: none. */
	bool (*marks)(const struct desk *d, const char **type, int64_t *id);
};

extern const struct screen_ops SCREENS[SCREEN_COUNT];

/* Open a mail thread on the thread screen: 0, or -1 with c->err. */
int screen_open_thread(struct cmd_ctx *c, const char *thread);

#endif
