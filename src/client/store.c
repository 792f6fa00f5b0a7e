/* The client store (see store.h).  Records sit in one jansson object keyed
 * "type:id" (a hash table, so a cache of thousands stays O(1) a look-up);
 * lists in a small array, evicted least recently read first. */
#include "client/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_get.h"

const char *const STORE_TYPE_NAMES[STORE_TYPE_COUNT] = {
	[STORE_CITIZEN] = "citizen", [STORE_CASE] = "case", [STORE_INTERACTION] = "interaction",
	[STORE_CHAT] = "chat",       [STORE_TEMPLATE] = "template", [STORE_MARK] = "mark",
};

struct list_slot {
	struct store_list list;
	unsigned used;               /* when it was last read, for eviction */
};

struct store {
	json_t *recs;                /* "type:id" -> record */
	json_t *pending;             /* "type:id" -> count of waiting changes */
	struct list_slot *lists[STORE_LISTS_MAX];
	unsigned clock;
	unsigned gen;
	store_miss_fn miss;
	void *miss_arg;
	bool missing;                /* inside miss: no second call */
};

static int store_type_find_n(const char *name, size_t n)
{
	for (int i = 0; i < STORE_TYPE_COUNT; i++)
		if (strlen(STORE_TYPE_NAMES[i]) == n && memcmp(STORE_TYPE_NAMES[i], name, n) == 0)
			return i;
	return -1;
}

int store_type_find(const char *name)
{
	for (int i = 0; i < STORE_TYPE_COUNT; i++)
		if (strcmp(STORE_TYPE_NAMES[i], name) == 0)
			return i;
	return -1;
}

static void key_of(enum store_type t, int64_t id, char out[48])
{
	snprintf(out, 48, "%s:%lld", STORE_TYPE_NAMES[t], (long long)id);
}

void store_key(enum store_type t, int64_t id, char out[48])
{
	if ((unsigned)t < STORE_TYPE_COUNT)
		key_of(t, id, out);
	else
		out[0] = '\0';
}

void store_set_miss(struct store *s, store_miss_fn fn, void *arg)
{
	s->miss = fn;
	s->miss_arg = arg;
}

/* Ask the miss function for key.  The store is the caller's, not a
 * constant: a read that fills it from the cache is still a read. */
static void ask_miss(const struct store *cs, const char *key)
{
	struct store *s = (struct store *)cs;
	if (!s->miss || s->missing)
		return;
	s->missing = true;
	s->miss(s->miss_arg, s, key);
	s->missing = false;
}

struct store *store_new(void)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->recs = json_object();
	s->pending = json_object();
	if (!s->recs || !s->pending) {
		store_free(s);
		return NULL;
	}
	return s;
}

static void slot_free(struct list_slot *l)
{
	if (l)
		json_decref(l->list.items);
	free(l);
}

void store_free(struct store *s)
{
	if (!s)
		return;
	json_decref(s->recs);
	json_decref(s->pending);
	for (size_t i = 0; i < STORE_LISTS_MAX; i++)
		slot_free(s->lists[i]);
	free(s);
}

int store_put(struct store *s, enum store_type t, json_t *rec)
{
	char k[48];
	int64_t id = jint(rec, "id");
	if (id <= 0 || (unsigned)t >= STORE_TYPE_COUNT) {
		json_decref(rec);
		return -1;
	}
	key_of(t, id, k);
	json_t *old = json_object_get(s->recs, k);
	if (old && old != rec && jint(old, "version") > jint(rec, "version")) {
		json_decref(rec);
		return 0;
	}
	json_object_set_new(s->recs, k, rec);
	s->gen++;
	return 1;
}

json_t *store_get(const struct store *s, enum store_type t, int64_t id)
{
	char k[48];
	if (id <= 0 || (unsigned)t >= STORE_TYPE_COUNT)
		return NULL;
	key_of(t, id, k);
	json_t *r = json_object_get(s->recs, k);
	if (!r && s->miss) {
		ask_miss(s, k);
		r = json_object_get(s->recs, k);
	}
	return r;
}

int64_t store_version(const struct store *s, enum store_type t, int64_t id)
{
	return jint(store_get(s, t, id), "version");
}

void store_drop(struct store *s, enum store_type t, int64_t id)
{
	char k[48];
	if ((unsigned)t >= STORE_TYPE_COUNT)
		return;
	key_of(t, id, k);
	if (json_object_del(s->recs, k) == 0)
		s->gen++;
}

void store_pending_add(struct store *s, enum store_type t, int64_t id, int delta)
{
	char k[48];
	if (id <= 0 || (unsigned)t >= STORE_TYPE_COUNT)
		return;
	key_of(t, id, k);
	json_int_t n = json_integer_value(json_object_get(s->pending, k)) + delta;
	if (n > 0)
		json_object_set_new(s->pending, k, json_integer(n));
	else
		json_object_del(s->pending, k);
	s->gen++;
}

int store_pending(const struct store *s, enum store_type t, int64_t id)
{
	char k[48];
	if (id <= 0 || (unsigned)t >= STORE_TYPE_COUNT)
		return 0;
	key_of(t, id, k);
	return (int)json_integer_value(json_object_get(s->pending, k));
}

/* --- lists ----------------------------------------------------------------- */

static struct list_slot *find(struct store *s, const char *query)
{
	for (size_t i = 0; i < STORE_LISTS_MAX; i++)
		if (s->lists[i] && strcmp(s->lists[i]->list.query, query) == 0) {
			s->lists[i]->used = ++s->clock;
			return s->lists[i];
		}
	return NULL;
}

/* A list held, or the one the miss function gives. */
static struct list_slot *find_or_miss(struct store *s, const char *query)
{
	struct list_slot *l = find(s, query);
	char k[300];
	if (!l && s->miss && strlen(query) < sizeof(l->list.query)) {
		snprintf(k, sizeof(k), "list:%s", query);
		ask_miss(s, k);
		l = find(s, query);
	}
	return l;
}

struct store_list *store_list(struct store *s, const char *query)
{
	struct list_slot *l = find_or_miss(s, query);
	return l ? &l->list : NULL;
}

/* A free place, or the one read least recently, emptied. */
static size_t place(struct store *s)
{
	size_t best = 0;
	for (size_t i = 0; i < STORE_LISTS_MAX; i++) {
		if (!s->lists[i])
			return i;
		if (s->lists[i]->used < s->lists[best]->used)
			best = i;
	}
	slot_free(s->lists[best]);
	s->lists[best] = NULL;
	return best;
}

struct store_list *store_list_open(struct store *s, const char *query)
{
	struct list_slot *l = find_or_miss(s, query);
	if (l)
		return &l->list;
	if (strlen(query) >= sizeof(l->list.query))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->list.items = json_array())) {
		free(l);
		return NULL;
	}
	snprintf(l->list.query, sizeof(l->list.query), "%s", query);
	l->list.state = LIST_LOADING;
	l->used = ++s->clock;
	s->lists[place(s)] = l;
	s->gen++;
	return &l->list;
}

static void set_next(struct store_list *l, const char *next)
{
	/* a cursor longer than this was not made by guichetd: stop there */
	if (!next || strlen(next) >= sizeof(l->next))
		next = "";
	snprintf(l->next, sizeof(l->next), "%s", next);
}

int store_list_set(struct store *s, const char *query, json_t *items, const char *next)
{
	struct store_list *l = json_is_array(items) ? store_list_open(s, query) : NULL;
	if (!l) {
		json_decref(items);
		return -1;
	}
	json_decref(l->items);
	l->items = items;
	set_next(l, next);
	l->state = LIST_LOADED;
	l->more = false;
	l->error[0] = '\0';
	s->gen++;
	return 0;
}

int store_list_append(struct store *s, const char *query, const char *from, json_t *items,
		      const char *next)
{
	struct store_list *l = store_list(s, query);
	int rc = 0;
	if (l && json_is_array(items) && l->more && from && strcmp(l->next, from) == 0) {
		json_array_extend(l->items, items);
		set_next(l, next);
		l->more = false;
		s->gen++;
		rc = 1;
	}
	json_decref(items);
	return rc;
}

void store_list_fail(struct store *s, const char *query, const char *why)
{
	struct store_list *l = store_list(s, query);
	if (!l)
		return;
	l->state = LIST_FAILED;
	l->more = false;
	snprintf(l->error, sizeof(l->error), "%s", why ? why : "");
	s->gen++;
}

void store_list_drop(struct store *s, const char *query)
{
	for (size_t i = 0; i < STORE_LISTS_MAX; i++)
		if (s->lists[i] && strcmp(s->lists[i]->list.query, query) == 0) {
			slot_free(s->lists[i]);
			s->lists[i] = NULL;
			s->gen++;
		}
}

unsigned store_generation(const struct store *s)
{
	return s->gen;
}

void store_touch(struct store *s)
{
	s->gen++;
}

void store_each(const struct store *s,
		void (*rec)(void *arg, const char *key, enum store_type t, int64_t id, json_t *r),
		void (*list)(void *arg, const char *key, const struct store_list *l), void *arg)
{
	const char *k;
	json_t *r;
	char lk[300];
	json_object_foreach(s->recs, k, r) {
		const char *colon = strchr(k, ':');
		int t = colon ? store_type_find_n(k, (size_t)(colon - k)) : -1;
		if (t >= 0 && rec)
			rec(arg, k, (enum store_type)t, strtoll(colon + 1, NULL, 10), r);
	}
	for (size_t i = 0; list && i < STORE_LISTS_MAX; i++)
		if (s->lists[i]) {
			snprintf(lk, sizeof(lk), "list:%s", s->lists[i]->list.query);
			list(arg, lk, &s->lists[i]->list);
		}
}
