/* The desk without its screens: where the agent is (the screen, the
 * selected line of each list, the way back, the records open), the
 * session and the connection.  What the desk knows of guichetd's records
 * is in its store (store.h), filled by the network (sync.h) and read
 * through the accessors below; what the agent changed waits in its outbox
 * (outbox.h).  Nothing here includes curses, which is how headless mode
 * and the screen tests exist.
 *
 * Every string in a record is untrusted and is sanitized by whoever draws
 * it. */
#ifndef GUICHET_CLIENT_DESK_H
#define GUICHET_CLIENT_DESK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/store.h"
#include "client/theme.h"

struct net;
struct outbox;
struct cache;
struct desk_mail;
struct desk_phone;
struct keymap;
struct options;

/* What only a terminal can do, for the commands that need it (NULL
 * members in headless mode, where those commands say so). */
struct desk_ui {
	void (*prompt)(void *arg, const char *initial);  /* open the : prompt */
	/* open it for the agent, unasked (a call's wrap-up), unless they are
	 * typing in it: what they type is never replaced */
	void (*suggest)(void *arg, const char *initial);
	void (*redraw)(void *arg);
	void (*notify)(void *arg, const char *title, const char *body);
	void (*theme)(void *arg, const char *name);      /* `set theme` takes effect */
	/* run a program that takes the terminal (the agent's editor), the
	 * screen given back after: its exit status, or -1 */
	int (*run)(void *arg, char *const argv[]);
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
	SCREEN_CASES,
	SCREEN_OUTBOX,
	SCREEN_MONITOR,
	SCREEN_MAIL,
	SCREEN_THREAD,
	SCREEN_COUNT
};

/* The screen of a name (screen.h), or -1. */
int desk_screen_find(const char *name);

/* A scrollable list: the selected line and the first one shown. */
struct desk_cursor {
	int selected;
	int top;
};

/* Connection state, shown in the status bar. */
enum desk_conn { DESK_OFFLINE, DESK_CONNECTING, DESK_ONLINE, DESK_REFUSED };

#define DESK_BACK_MAX 16

struct loop;

struct desk {
	/* --- session ------------------------------------------------------ */
	char login[65];
	char role[16];
	char presence[16];
	char presence_reason[64];
	struct net *net;          /* NULL in tests that feed the state by hand */
	char identity[1100];      /* the server as the saved session names it; ""
	                           * for the demo, whose outbox stays in memory */
	bool outbox_in_memory;    /* putting it on disk failed: not tried again */
	unsigned char *key;       /* JOURNAL_KEY_BYTES, sodium_malloc'd; NULL until loaded;
	                           * freed by desk_free.  Seals the outbox and the cache
	                           * (keyring.h; app_start loads it, not for the demo) */
	struct loop *loop;        /* borrowed (app.c owns it): the one loop the
	                           * network, the terminal and the script share */
	enum desk_conn conn;

	/* --- what the desk knows and what it has to send ------------------- */
	struct store *store;      /* owned: records and lists */
	struct outbox *outbox;    /* owned, NULL until the network is set up */
	struct cache *cache;      /* the offline cache (desk_cache.h), NULL without one;
	                           * closed by desk_cache_close before desk_free */
	bool cache_failed;        /* its last save failed (said once) */

	/* --- the records open (ids into the store; 0: none) -------------- */
	int64_t citizen_id;       /* the citizen's 360° view and timeline */
	int64_t case_id;          /* the open case (0 while asked for by reference) */
	unsigned case_ask;        /* counts openings: a late answer opens nothing */
	bool kase_stale;          /* changed on the server since it was read */
	int64_t kase_heard;       /* the highest version the event stream announced
	                           * while a change of mine to it was on its way:
	                           * mine, or not (sync_case_answered decides) */
	int64_t chat_id;          /* the open chat (with its "messages") */
	int64_t duplicate_id;     /* the record shown beside the citizen before a merge */
	char search_query[256];
	char cases_query[256];    /* the filters of the case list screen */
	json_t *worklist;         /* array built by worklist_build: what the list shows */

	/* --- my own collision mark: the record on screen (sync_marks) ------- */
	struct {
		char type[8];     /* "case", "citizen" or "" */
		int64_t id;
		char mode[8];     /* "viewing" or "writing" */
		int64_t renew_at;
	} mark;
	bool writing;             /* a note or a chat answer is being typed */
	int64_t typing_told;      /* when the citizen was last told I write (sync_chat_typing) */

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
	bool unreachable;         /* the server's last word was no answer: reads the cache
	                           * holds are answered from it at once */
	int page_lines;           /* lines a page-down moves (the screen's height) */
	int page_cols;            /* the screen's width (a mail's text is wrapped to it) */
	const struct desk_ui *ui; /* NULL: headless */
	struct keymap *keys;      /* owned */
	struct options *opts;     /* owned */
	struct theme theme;       /* filled by `color` lines (theme files) */
	bool quit;
	int64_t now;              /* the time screens count down from */
	bool monitoring;          /* the wallboard follows the event stream (sync_monitor) */
	struct desk_mail *mail;   /* owned (mail.h), NULL until mail is first used */
	struct desk_phone *phone; /* owned (phone.h), NULL without the option phone */
};

/* A new, empty desk (on the work list).  Free with desk_free. */
struct desk *desk_new(void);
void desk_free(struct desk *d);

/* Replace a slot: *slot takes the reference v (may be NULL). */
void desk_set(json_t **slot, json_t *v);

/* The records open, from the store (borrowed; NULL when none is open or
 * it has not arrived yet). */
json_t *desk_citizen(const struct desk *d);
json_t *desk_case(const struct desk *d);
json_t *desk_chat(const struct desk *d);
json_t *desk_duplicate(const struct desk *d);

/* The items of the store's list for a query (printf-like), or NULL when
 * that list was never asked for (borrowed). */
json_t *desk_items(const struct desk *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The list itself, or NULL. */
struct store_list *desk_store_list(const struct desk *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Requests on their way: reads, marks, or an outbox entry sent and not
 * answered yet (what a script waits for before looking at the screen). */
bool desk_busy(const struct desk *d);
/* Only what the agent waits for ("envoi…" in the status bar): not the
 * reads ahead and the marks, which would make it blink at every page. */
bool desk_sending(const struct desk *d);

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
