/* The client store: every record the desk knows of, by type and id, with
 * its version and whether a change of the agent's own is still waiting in
 * the outbox; and the lists the desk has asked for, by query ("my cases",
 * the offers, a search, a timeline read a page at a time).  The network
 * fills it (sync.c); screens and commands read it through the accessors
 * below and never look at a network answer.
 *
 * It holds jansson values with the wire's field names, untrusted: whoever
 * draws a string sanitizes it.  It knows no curl and no curses, and its
 * interface is the one the offline cache persists.
 *
 * Ownership: store_put and store_list_set take the reference they are
 * given; every pointer handed back is borrowed from the store and valid
 * until the next change of that record or list (or store_free). */
#ifndef GUICHET_CLIENT_STORE_H
#define GUICHET_CLIENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum store_type {
	STORE_CITIZEN,
	STORE_CASE,
	STORE_INTERACTION,
	STORE_CHAT,
	STORE_TEMPLATE,
	STORE_MARK,
	STORE_TYPE_COUNT
};

/* "citizen", "case", "interaction", "chat", "template", "mark". */
extern const char *const STORE_TYPE_NAMES[STORE_TYPE_COUNT];
/* The type of a name, or -1. */
int store_type_find(const char *name);

struct store;

/* A new, empty store (NULL when out of memory); free with store_free. */
struct store *store_new(void);
void store_free(struct store *s);

/* Put a record of type t; its "id" member (> 0) says which.  Takes the
 * reference rec (released on every path).  A record older than the one
 * held (a lower "version") is not stored: an answer that was overtaken by
 * an event must not take the screen back in time.  Returns 1 when
 * stored, 0 when the held record is newer, -1 when rec has no id. */
int store_put(struct store *s, enum store_type t, json_t *rec);

/* The record, or NULL (borrowed).  It may be changed in place by the one
 * who fills the store (a chat's new message), who then calls
 * store_touch. */
json_t *store_get(const struct store *s, enum store_type t, int64_t id);
/* Its version (0 when unknown or without one). */
int64_t store_version(const struct store *s, enum store_type t, int64_t id);
/* Forget a record. */
void store_drop(struct store *s, enum store_type t, int64_t id);

/* Changes of the agent's own waiting in the outbox for this record: the
 * count goes up when one is queued and down when it is delivered or
 * dropped (never below 0).  A record with pending changes is pinned: the
 * offline cache never evicts it. */
void store_pending_add(struct store *s, enum store_type t, int64_t id, int delta);
/* How many (0: none). */
int store_pending(const struct store *s, enum store_type t, int64_t id);

/* --- lists ----------------------------------------------------------------- */

enum store_list_state { LIST_LOADING, LIST_LOADED, LIST_FAILED };

struct store_list {
	char query[256];             /* "mine", "offers", "search:Dupont", "timeline:12" */
	json_t *items;               /* array, owned by the store (never NULL) */
	char next[256];              /* the cursor of what follows ("" : all of it is here) */
	enum store_list_state state;
	bool more;                   /* the page after it has been asked for */
	char error[256];             /* why it failed (LIST_FAILED) */
	int flying;                  /* requests for it in flight (sync.c) */
	uint64_t flying_path;        /* a hash of the path the last of them asked */
	bool again;                  /* read again once they land: a change was heard meanwhile */
};

/* At most this many lists are kept; past it, the one read least recently
 * goes (a list is cheap to ask for again). */
#define STORE_LISTS_MAX 64

/* The list of a query, or NULL (borrowed). */
struct store_list *store_list(struct store *s, const char *query);
/* The list of a query, made empty and LOADING when it is new; NULL when
 * the query is over 255 bytes or memory ran out. */
struct store_list *store_list_open(struct store *s, const char *query);
/* Replace a list's items (takes the reference items, an array) and its
 * next cursor (NULL or "": complete; a cursor too long to keep: the list
 * is taken as complete); the list becomes LOADED.  0, or -1. */
int store_list_set(struct store *s, const char *query, json_t *items, const char *next);
/* Append the page read from cursor `from` (takes the reference items).
 * Only when the list still waits for exactly that page: an answer to a
 * list that was read again since is dropped.  1 appended, 0 dropped. */
int store_list_append(struct store *s, const char *query, const char *from, json_t *items,
		      const char *next);
/* The list failed to load (its items stay what they were). */
void store_list_fail(struct store *s, const char *query, const char *why);
void store_list_drop(struct store *s, const char *query);

/* --- what is not in memory ---------------------------------------------- */

/* Where a record or list the store does not hold may come from (the
 * offline cache): on a miss, store_get and store_list call fn with the
 * key ("case:12", "list:timeline:5"), and fn may store_put or
 * store_list_set the thing asked for (it must not call store_get or
 * store_list for that key).  NULL: no such source. */
typedef void (*store_miss_fn)(void *arg, struct store *s, const char *key);
void store_set_miss(struct store *s, store_miss_fn fn, void *arg);

/* The key of a record, as the miss function is given it. */
void store_key(enum store_type t, int64_t id, char out[48]);

/* Every record and every list, for the cache to save: rec(arg, key, t,
 * id, record) then list(arg, key, list), keys as above; pointers
 * borrowed for the call. */
void store_each(const struct store *s,
		void (*rec)(void *arg, const char *key, enum store_type t, int64_t id, json_t *r),
		void (*list)(void *arg, const char *key, const struct store_list *l), void *arg);

/* Goes up with every change: a screen drawn at generation g is up to date
 * while store_generation() == g. */
unsigned store_generation(const struct store *s);
/* Say that a record or list was changed in place. */
void store_touch(struct store *s);

#endif
