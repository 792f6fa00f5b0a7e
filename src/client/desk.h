/* The desk without its screens: what the agent sees (work list, citizen,
 * case, search results), where the agent is (the screen, the selected line
 * of each list, the way back), the session and the connection.  Commands
 * change it, the network fills it, screens draw it; nothing here includes
 * curses, which is how headless mode and the screen tests exist.
 *
 * Records are kept as the server sends them (jansson objects with the
 * wire's field names); every string in them is untrusted and is sanitized
 * by whoever draws it. */
#ifndef GUICHET_CLIENT_DESK_H
#define GUICHET_CLIENT_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/theme.h"

struct net;
struct keymap;
struct options;

/* What only a terminal can do, for the commands that need it (NULL
 * members in headless mode, where those commands say so). */
struct desk_ui {
	void (*prompt)(void *arg, const char *initial);  /* open the : prompt */
	void (*redraw)(void *arg);
	void (*notify)(void *arg, const char *title, const char *body);
	void (*theme)(void *arg, const char *name);      /* `set theme` takes effect */
	void *arg;
};

enum desk_screen {
	SCREEN_WORKLIST,
	SCREEN_CITIZEN,
	SCREEN_CASE,
	SCREEN_CHAT,
	SCREEN_MERGE,
	SCREEN_SEARCH,
	SCREEN_HELP,
	SCREEN_COUNT
};

/* Names as used by `bind SCREEN KEY COMMAND` and the help screen. */
extern const char *const DESK_SCREEN_NAMES[SCREEN_COUNT];
/* The screen of a name, or -1. */
int desk_screen_find(const char *name);

/* A scrollable list: the selected line and the first one shown. */
struct desk_cursor {
	int selected;
	int top;
};

/* Connection state, shown in the status bar. */
enum desk_conn { DESK_OFFLINE, DESK_CONNECTING, DESK_ONLINE, DESK_REFUSED };

#define DESK_BACK_MAX 16

struct desk {
	/* --- session ------------------------------------------------------ */
	char login[65];
	char role[16];
	char presence[16];
	char presence_reason[64];
	struct net *net;          /* NULL in tests that feed the state by hand */
	enum desk_conn conn;

	/* --- what the server told us (owned references, NULL when unknown) -- */
	json_t *my_cases;         /* array: my active cases, by due date */
	json_t *offers;           /* array: chats and calls offered to me */
	json_t *citizen;          /* the open citizen's 360° view */
	json_t *timeline;         /* array: the open citizen's timeline */
	char timeline_next[256];  /* the cursor of what follows it ("" : all loaded) */
	unsigned timeline_epoch;  /* bumped when the timeline is replaced */
	bool timeline_more;       /* its next page has been asked for */
	json_t *kase;             /* the open case */
	bool kase_stale;          /* changed on the server since it was read */
	json_t *case_events;      /* array: its history */
	json_t *chat;             /* the open chat (with its "messages") */
	json_t *duplicate;        /* the record shown beside d->citizen before a merge */
	json_t *search;           /* array: search results */
	char search_query[256];
	json_t *worklist;         /* array built by worklist_build: what the list shows */
	json_t *templates;        /* array: answer templates */
	json_t *viewers;          /* array: other agents' marks (viewing.h) */

	/* --- my own collision mark: the record on screen (sync_marks) ------- */
	struct {
		char type[8];     /* "case", "citizen" or "" */
		int64_t id;
		char mode[8];     /* "viewing" or "writing" */
		int64_t renew_at;
	} mark;
	bool writing;             /* a note or a chat answer is being typed */

	/* --- where the agent is ------------------------------------------- */
	enum desk_screen screen;
	enum desk_screen back[DESK_BACK_MAX];
	int nback;
	struct desk_cursor cur[SCREEN_COUNT];
	int help_for;             /* the screen the help screen describes */

	/* --- the message line: what just happened ------------------------- */
	char message[512];
	bool message_error;

	int pending;              /* requests sent and not yet answered */
	int quiet;                /* and those the agent is not told of (read ahead, marks) */
	int page_lines;           /* lines a page-down moves (the screen's height) */
	const struct desk_ui *ui; /* NULL: headless */
	struct keymap *keys;      /* owned */
	struct options *opts;     /* owned */
	struct theme theme;       /* filled by `color` lines (theme files) */
	bool quit;
	int64_t now;              /* the time screens count down from */
};

/* A new, empty desk (on the work list).  Free with desk_free. */
struct desk *desk_new(void);
void desk_free(struct desk *d);

/* Replace a record slot: *slot takes the reference v (may be NULL). */
void desk_set(json_t **slot, json_t *v);

/* Say what happened on the message line (printf-like). */
void desk_say(struct desk *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void desk_error(struct desk *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Go to a screen, remembering the way back; desk_back returns. */
void desk_go(struct desk *d, enum desk_screen s);
void desk_back(struct desk *d);

/* The list a screen shows (NULL for screens without one) and its length. */
json_t *desk_list(const struct desk *d, enum desk_screen s);
int desk_list_len(const struct desk *d, enum desk_screen s);

/* Move the selection of the current screen by delta lines (clamped). */
void desk_move(struct desk *d, int delta);

/* The selected item of the current screen's list, or NULL (borrowed). */
json_t *desk_selected(const struct desk *d);

#endif
