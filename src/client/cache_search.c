/* Offline search (cache_search in cache.h): the citizens the cache and the
 * store know of, matched the way guichetd matches them (core/search.h).
 * The cache's own citizens are decoded once into c->found (their search
 * fields and a folded name); the store's, fewer and changing, at each
 * search, and they win over the cache's copy. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/cache_impl.h"
#include "core/json_get.h"
#include "core/search.h"
#include "core/text.h"

#define FOLD "_fold"

/* The fields a search shows, and the folded "given family". */
static json_t *summary(const json_t *cit)
{
	static const char *const keep[] = { "id", "given_name", "family_name", "birth_date",
					    "emails", "phones" };
	json_t *out = json_object();
	for (size_t i = 0; out && i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(cit, keep[i]);
		if (v)
			json_object_set(out, keep[i], v);
	}
	char name[600];
	snprintf(name, sizeof(name), "%s %s", jtext(cit, "family_name"), jtext(cit, "given_name"));
	char *f = text_fold(name, strlen(name));
	if (out)
		json_object_set_new(out, FOLD, json_string(f ? f : ""));
	free(f);
	return out;
}

/* What a search and an open by reference need to know of the cache. */
struct known {
	json_t *found;           /* citizen id -> summary */
	json_t *refs;            /* case reference -> citizen id */
	json_t *cases;           /* case reference -> case id */
};

static void note_ref(const struct known *k, const json_t *kase, int64_t citizen)
{
	const char *ref = jtext(kase, "ref");
	if (*ref && citizen > 0)
		json_object_set_new(k->refs, ref, json_integer(citizen));
	if (*ref && jint(kase, "id") > 0)
		json_object_set_new(k->cases, ref, json_integer(jint(kase, "id")));
}

/* A citizen record (the 360° view) into found and its cases into refs. */
static void take_citizen(const struct known *kn, const json_t *cit)
{
	char id[32];
	const json_t *merged = json_object_get(cit, "merged_into");
	if (jint(cit, "id") <= 0 || (merged && !json_is_null(merged)))
		return;
	snprintf(id, sizeof(id), "%lld", (long long)jint(cit, "id"));
	json_object_set_new(kn->found, id, summary(cit));
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(cit, "cases"), i, k) note_ref(kn, k, jint(cit, "id"));
}

static void take(const struct known *k, const char *key, json_t *rec)
{
	if (strncmp(key, "citizen:", 8) == 0)
		take_citizen(k, rec);
	else if (strncmp(key, "case:", 5) == 0)
		note_ref(k, rec, jint(rec, "citizen_id"));
}

/* The cache's citizens and case references, decoded once. */
static int build(struct cache *c)
{
	if (c->found)
		return 0;
	c->found = json_object();
	c->refs = json_object();
	c->case_ids = json_object();
	if (!c->found || !c->refs || !c->case_ids)
		return -1;
	const struct known k = { c->found, c->refs, c->case_ids };
	for (size_t i = 0; i < c->v.n; i++) {
		const struct entry *e = &c->v.e[i];
		if (!e->data ||
		    (strncmp(e->key, "citizen:", 8) != 0 && strncmp(e->key, "case:", 5) != 0))
			continue;
		json_t *j = json_loadb((const char *)e->data, e->len, JSON_REJECT_DUPLICATES, NULL);
		if (json_is_object(j))
			take(&k, e->key, j);
		json_decref(j);
	}
	return 0;
}

int cache_search_prepare(struct cache *c)
{
	return build(c);
}

/* What the store holds now (newer than the cache's copy, or not in it). */
static void hot_rec(void *arg, const char *key, enum store_type t, int64_t id, json_t *r)
{
	(void)id;
	if (t == STORE_CITIZEN || t == STORE_CASE)
		take(arg, key, r);
}

static bool has(const json_t *arr, const char *value, bool nocase)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (s && (nocase ? strcasecmp(s, value) : strcmp(s, value)) == 0)
			return true;
	}
	return false;
}

static bool matches(const json_t *sum, const char *kind, const char *norm, int64_t ref_citizen)
{
	if (strcmp(kind, "name") == 0)
		return search_name_match(jtext(sum, FOLD), norm);
	if (strcmp(kind, "email") == 0)
		return has(json_object_get(sum, "emails"), norm, true);
	if (strcmp(kind, "phone") == 0)
		return has(json_object_get(sum, "phones"), norm, false);
	return jint(sum, "id") == ref_citizen;
}

static int by_name(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(jtext(x, FOLD), jtext(y, FOLD));
	return c ? c : (jint(x, "id") > jint(y, "id")) - (jint(x, "id") < jint(y, "id"));
}

/* The matches of every candidate, sorted as guichetd sorts them. */
static json_t *collect(json_t *cands[], size_t n, const char *kind, const char *norm,
		       int64_t ref_citizen, size_t max)
{
	size_t hits = 0;
	for (size_t i = 0; i < n; i++)
		if (matches(cands[i], kind, norm, ref_citizen))
			cands[hits++] = cands[i];
	qsort(cands, hits, sizeof(*cands), by_name);
	json_t *out = json_array();
	for (size_t i = 0; out && i < hits && i < max; i++) {
		json_t *one = json_deep_copy(cands[i]);
		json_object_del(one, FOLD);
		json_array_append_new(out, one);
	}
	return out;
}

json_t *cache_search(struct cache *c, struct store *s, const char *query, size_t max)
{
	char norm[256];
	const char *kind = search_kind(query, norm, sizeof(norm));
	struct known h = { json_object(), json_object(), json_object() };
	json_t *out = NULL, **cands = NULL;
	if (!h.found || !h.refs || !h.cases || build(c) < 0)
		goto done;
	store_each(s, hot_rec, NULL, &h);
	json_object_update_missing(h.found, c->found);
	json_object_update_missing(h.refs, c->refs);
	int64_t ref_citizen = json_integer_value(json_object_get(h.refs, norm));
	size_t n = json_object_size(h.found), i = 0;
	if (!(cands = malloc((n ? n : 1) * sizeof(*cands))))
		goto done;
	const char *k;
	json_t *v;
	json_object_foreach(h.found, k, v) cands[i++] = v;
	out = collect(cands, n, kind, norm, ref_citizen, max);
done:
	free(cands);
	json_decref(h.found);
	json_decref(h.refs);
	json_decref(h.cases);
	return out;
}

int64_t cache_case_by_ref(struct cache *c, struct store *s, const char *ref)
{
	struct known h = { json_object(), json_object(), json_object() };
	int64_t id = 0;
	if (h.found && h.refs && h.cases && build(c) == 0) {
		store_each(s, hot_rec, NULL, &h);
		json_object_update_missing(h.cases, c->case_ids);
		id = json_integer_value(json_object_get(h.cases, ref));
	}
	json_decref(h.found);
	json_decref(h.refs);
	json_decref(h.cases);
	return id;
}
