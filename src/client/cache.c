/* The offline cache (see cache.h).  Entries hold each record's JSON text,
 * as it was sealed: pointing into the buffer the file was read into, or
 * malloc'd when written from the store.  The store is the hot part; the
 * entries are what goes to disk at the next save. */
#include "client/cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sodium.h>

#include "client/cache_impl.h"
#include "client/i18n.h"
#include "core/json_get.h"

static int vec_add(struct vec *v, const struct entry *e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct entry *ne = realloc(v->e, cap * sizeof(*ne));
		if (!ne)
			return -1;
		v->e = ne;
		v->cap = cap;
	}
	v->e[v->n++] = *e;
	return 0;
}

/* Free the entries' keys, and their data when free_own. */
static void vec_free(struct vec *v, bool free_own)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->e[i].key);
		if (free_own && v->e[i].own) {
			sodium_memzero(v->e[i].own, v->e[i].len);
			free(v->e[i].own);
		}
	}
	free(v->e);
	*v = (struct vec){ 0 };
}

static int reindex(struct cache *c)
{
	json_object_clear(c->index);
	for (size_t i = 0; i < c->v.n; i++)
		if (json_object_set_new(c->index, c->v.e[i].key, json_integer((json_int_t)i)) < 0)
			return -1;
	return 0;
}

/* The search's decoded citizens are no longer all in the cache. */
static void search_forget(struct cache *c)
{
	json_decref(c->found);
	json_decref(c->refs);
	json_decref(c->case_ids);
	c->found = c->refs = c->case_ids = NULL;
}

static struct entry *entry_of(const struct cache *c, const char *key)
{
	json_t *i = json_object_get(c->index, key);
	return i ? &c->v.e[json_integer_value(i)] : NULL;
}

/* --- opening ------------------------------------------------------------------------ */

static int take(void *arg, const struct cache_rec *r)
{
	struct cache *c = arg;
	struct entry e = { strdup(r->key), r->version, r->used, r->data, r->len, NULL };
	if (!e.key || vec_add(&c->v, &e) < 0) {
		free(e.key);
		return -1;
	}
	return 0;
}

/* One desk writes a cache at a time (a second desk of the same agent, or
 * a script, only reads it): else each would put back what it holds over
 * the other's snapshots. */
static void take_lock(struct cache *c)
{
	char lock[1200];
	snprintf(lock, sizeof(lock), "%s.lock", c->path);
	c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lock_fd >= 0 && flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		close(c->lock_fd);
		c->lock_fd = -1;
	}
}

bool cache_read_only(const struct cache *c) { return c->lock_fd < 0; }

struct cache *cache_open(const char *path, const unsigned char key[CACHE_FILE_KEY_BYTES],
			 size_t max_bytes, struct cache_file_info *info, char *err, size_t errlen)
{
	struct cache *c = calloc(1, sizeof(*c));
	if (c)
		c->lock_fd = -1;
	if (!c || !(c->key = sodium_malloc(CACHE_FILE_KEY_BYTES)) || !(c->index = json_object()))
		goto oom;
	memcpy(c->key, key, CACHE_FILE_KEY_BYTES);
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->max_bytes = max_bytes;
	if (!(c->left = json_object()))
		goto oom;
	take_lock(c);
	if (cache_file_read(path, key, &c->buf, &c->buflen, take, c, info, err, errlen) < 0)
		goto fail;
	if (info->absent || info->set_aside)
		randombytes_buf(c->id, sizeof(c->id));
	else {
		memcpy(c->id, info->id, sizeof(c->id));
		c->gen = info->gen;
		c->bytes = c->buflen;
	}
	if (reindex(c) < 0)
		goto oom;
	return c;
oom:
	snprintf(err, errlen, _("cache : mémoire épuisée"));
fail:
	cache_close(c);
	return NULL;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	vec_free(&c->v, true);
	cache_file_buf_free(c->buf, c->buflen);
	json_decref(c->index);
	json_decref(c->left);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	json_decref(c->found);
	json_decref(c->refs);
	json_decref(c->case_ids);
	sodium_free(c->key);
	free(c);
}

void cache_set_max(struct cache *c, size_t max_bytes) { c->max_bytes = max_bytes; }
size_t cache_records(const struct cache *c) { return c->v.n; }
size_t cache_bytes(const struct cache *c) { return c->bytes; }

/* --- the store asks ----------------------------------------------------------------- */

/* A list's entry into the store. */
static void give_list(struct store *s, const char *query, json_t *j)
{
	json_t *items = json_object_get(j, "items");
	if (json_is_array(items))
		store_list_set(s, query, json_incref(items), jstr(j, "next"));
}

/* A record's entry into the store, if it is what its key says. */
static void give_record(struct store *s, const char *key, const struct entry *e, json_t *j)
{
	const char *colon = strchr(key, ':');
	char type[16];
	if (!colon || (size_t)(colon - key) >= sizeof(type) || !json_is_object(j))
		return;
	snprintf(type, sizeof(type), "%.*s", (int)(colon - key), key);
	int t = store_type_find(type);
	if (t < 0 || jint(j, "id") != strtoll(colon + 1, NULL, 10) ||
	    (uint64_t)jint(j, "version") != e->version)
		return;
	store_put(s, (enum store_type)t, json_incref(j));
}

static void on_miss(void *arg, struct store *s, const char *key)
{
	struct cache *c = arg;
	struct entry *e = entry_of(c, key);
	if (!e)
		return;
	json_t *j = json_loadb((const char *)e->data, e->len, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return;
	if (strncmp(key, "list:", 5) == 0)
		give_list(s, key + 5, j);
	else
		give_record(s, key, e, j);
	e->used = (uint64_t)time(NULL);
	json_decref(j);
}

void cache_forget(struct cache *c, const char *key)
{
	struct entry *e = entry_of(c, key);
	if (!e)
		return;
	e->data = NULL; /* left out of the next snapshot, freed then */
	json_object_del(c->index, key);
	search_forget(c);
}

void cache_attach(struct cache *c, struct store *s) { store_set_miss(s, on_miss, c); }
void cache_detach(struct cache *c, struct store *s)
{
	(void)c;
	store_set_miss(s, NULL, NULL);
}

bool cache_due(const struct cache *c, const struct store *s, time_t now, int every)
{
	return (!c->saved || store_generation(s) != c->saved_gen) && now - c->saved_at >= every;
}

/* --- saving ------------------------------------------------------------------------- */

struct saving {
	struct cache *c;
	struct store *s;
	struct vec v;            /* fresh entries first, then the ones carried */
	size_t fresh;            /* how many of v are fresh (their own is theirs) */
	json_t *given;           /* the keys of the fresh ones */
	uint64_t now;
	bool oom;
	size_t next;             /* cache_file_write's walk */
};

/* When an entry was last used: now if it is new or changed (it was just
 * read from the server), else what it was (it was read from the cache, or
 * sat in the store untouched). */
static void hash_of(const char *text, size_t len, char hex[17])
{
	unsigned char h[8];
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
	sodium_bin2hex(hex, 17, h, sizeof(h));
}

static uint64_t used_of(const struct saving *sv, const char *key, const char *text, size_t len)
{
	char hex[17];
	const struct entry *old = entry_of(sv->c, key);
	if (old && old->len == len && memcmp(old->data, text, len) == 0)
		return old->used;
	json_t *left = json_object_get(sv->c->left, key);
	if (left) { /* evicted, the store still holds it: as old as it was */
		hash_of(text, len, hex);
		if (strcmp(json_string_value(json_array_get(left, 1)), hex) == 0)
			return (uint64_t)json_integer_value(json_array_get(left, 0));
	}
	return sv->now;
}

static void add_fresh(struct saving *sv, const char *key, uint64_t version, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;
	struct entry e = { strdup(key), version, text ? used_of(sv, key, text, len) : 0,
			   (unsigned char *)text, len, (unsigned char *)text };
	if (!text || !e.key || e.len > CACHE_REC_MAX || vec_add(&sv->v, &e) < 0) {
		sv->oom = sv->oom || !text || !e.key;
		free(e.key);
		free(text);
	}
}

static void save_rec(void *arg, const char *key, enum store_type t, int64_t id, json_t *r)
{
	struct saving *sv = arg;
	(void)id;
	if (t != STORE_MARK && json_is_object(r))
		add_fresh(sv, key, (uint64_t)jint(r, "version"), r);
}

/* Live lists are asked for again; a search is not kept (what the agent
 * looked for is nobody's business but the server's audit). */
static bool list_kept(const char *query)
{
	return strcmp(query, "mine") == 0 || strcmp(query, "templates") == 0 ||
	       strncmp(query, "timeline:", 9) == 0 || strncmp(query, "events:", 7) == 0;
}

static void save_list(void *arg, const char *key, const struct store_list *l)
{
	struct saving *sv = arg;
	if (l->state != LIST_LOADED || !list_kept(l->query))
		return;
	json_t *j = json_pack("{sOss}", "items", l->items, "next", l->next);
	if (j)
		add_fresh(sv, key, 0, j);
	json_decref(j);
}

/* Keep every entry of the cache that the store did not just give; the
 * keys given are kept in sv->given. */
static int carry_rest(struct saving *sv)
{
	if (!(sv->given = json_object()))
		return -1;
	for (size_t i = 0; i < sv->fresh; i++)
		json_object_set_new(sv->given, sv->v.e[i].key, json_true());
	for (size_t i = 0; i < sv->c->v.n; i++) {
		struct entry e = sv->c->v.e[i];
		if (json_object_get(sv->given, e.key))
			continue;
		if (!(e.key = strdup(e.key)) || vec_add(&sv->v, &e) < 0) {
			free(e.key);
			return -1;
		}
	}
	return 0;
}

static bool pinned(const struct store *s, const char *key)
{
	const char *colon = strchr(key, ':');
	char type[16];
	if (!colon || strncmp(key, "list:", 5) == 0 || (size_t)(colon - key) >= sizeof(type))
		return false;
	snprintf(type, sizeof(type), "%.*s", (int)(colon - key), key);
	int t = store_type_find(type);
	return t >= 0 && store_pending(s, (enum store_type)t, strtoll(colon + 1, NULL, 10)) > 0;
}

struct rank {
	size_t at;
	uint64_t used;
	bool pin;
};

/* Pinned first, then the newest use, then the order of the vector. */
static int by_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	if (x->pin != y->pin)
		return x->pin ? -1 : 1;
	if (x->used != y->used)
		return x->used > y->used ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Past the limit, the entries used longest ago are left out (their data
 * set to NULL), pinned ones never. */
static int evict(struct saving *sv)
{
	struct rank *r = malloc(sv->v.n * sizeof(*r) + 1);
	if (!r)
		return -1;
	for (size_t i = 0; i < sv->v.n; i++)
		r[i] = (struct rank){ i, sv->v.e[i].used, pinned(sv->s, sv->v.e[i].key) };
	qsort(r, sv->v.n, sizeof(*r), by_rank);
	size_t total = 0;
	for (size_t i = 0; i < sv->v.n; i++) {
		struct entry *e = &sv->v.e[r[i].at];
		total += e->len + strlen(e->key) + OVERHEAD;
		if (total > sv->c->max_bytes && !r[i].pin)
			e->data = NULL;
	}
	free(r);
	return 0;
}

static int next_rec(void *arg, struct cache_rec *r)
{
	struct saving *sv = arg;
	while (sv->next < sv->v.n && !sv->v.e[sv->next].data)
		sv->next++;
	if (sv->next == sv->v.n)
		return 0;
	const struct entry *e = &sv->v.e[sv->next++];
	*r = (struct cache_rec){ e->key, e->version, e->used, e->data, e->len };
	return 1;
}

/* The new snapshot is on disk: its entries become the cache's.  A carried
 * entry took its old entry's data with it (the same pointers); an old
 * entry the store gave again is freed, and so is what was evicted. */
static int install(struct saving *sv)
{
	struct cache *c = sv->c;
	for (size_t i = 0; i < c->v.n; i++)
		if (json_object_get(sv->given, c->v.e[i].key) && c->v.e[i].own) {
			sodium_memzero(c->v.e[i].own, c->v.e[i].len);
			free(c->v.e[i].own);
		}
	vec_free(&c->v, false);
	size_t w = 0;
	for (size_t i = 0; i < sv->v.n; i++) {
		if (sv->v.e[i].data) {
			sv->v.e[w++] = sv->v.e[i];
			continue;
		}
		if (strncmp(sv->v.e[i].key, "citizen:", 8) == 0 ||
		    strncmp(sv->v.e[i].key, "case:", 5) == 0)
			search_forget(c); /* evicted: no longer found offline */
		if (i < sv->fresh && sv->v.e[i].own) { /* the store holds it: remember its age */
			char hex[17];
			hash_of((const char *)sv->v.e[i].own, sv->v.e[i].len, hex);
			json_object_set_new(c->left, sv->v.e[i].key,
					    json_pack("[Is]", (json_int_t)sv->v.e[i].used, hex));
		}
		free(sv->v.e[i].key);
		if (sv->v.e[i].own) {
			sodium_memzero(sv->v.e[i].own, sv->v.e[i].len);
			free(sv->v.e[i].own);
		}
	}
	sv->v.n = w;
	c->v = sv->v;
	sv->v = (struct vec){ 0 };
	return reindex(c);
}

int cache_save(struct cache *c, struct store *s, time_t now, char *err, size_t errlen)
{
	struct saving sv = { c, s, { 0 }, 0, NULL, (uint64_t)now, false, 0 };
	size_t written = 0;
	int rc = -1;
	if (cache_read_only(c)) { /* another desk writes it */
		c->saved = true;
		c->saved_gen = store_generation(s);
		c->saved_at = now;
		return 0;
	}
	store_each(s, save_rec, save_list, &sv);
	sv.fresh = sv.v.n;
	if (sv.oom || carry_rest(&sv) < 0 || evict(&sv) < 0) {
		snprintf(err, errlen, _("cache : mémoire épuisée"));
		goto done;
	}
	c->saved_at = now; /* a failure is not tried again at once */
	/* a number per attempt: one that failed after its rename (the
	 * directory not synced) may be on disk, and no two snapshots with
	 * other contents may carry the same */
	c->gen++;
	if (cache_file_write(c->path, c->key, c->id, c->gen, next_rec, &sv, &written, err,
			     errlen) < 0)
		goto done;
	c->bytes = written;
	c->saved = true;
	c->saved_gen = store_generation(s);
	rc = install(&sv);
	if (rc < 0)
		snprintf(err, errlen, _("cache : mémoire épuisée"));
done:
	for (size_t i = sv.fresh; i < sv.v.n; i++)
		sv.v.e[i].own = NULL; /* carried: still the old entries' */
	vec_free(&sv.v, true);
	json_decref(sv.given);
	return rc;
}
