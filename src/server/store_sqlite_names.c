/* SQLite store: the name index, every word of each citizen's folded
 * "family given" key with the key itself, ordered (word, key, id).  A
 * search for one word prefix ("martin") reads, for each word of the index
 * that starts with it (martin, martinez...), the first page in name order
 * straight from the index, and merges those short lists: no sort of the
 * thousands of records a common name matches.  Merged records are not in
 * the index.  Searches of several words use the full-text index. */
#include "server/store_sqlite.h"

#include <stdlib.h>
#include <string.h>

#define WORDS_MAX 64       /* distinct words under one prefix before the FTS path is used */
#define WORD_MAX  64

/* Call fn for each word of a folded key: runs of letters and digits
 * (bytes of multi-byte characters count as letters). */
static void each_word(const char *key, void (*fn)(const char *w, size_t n, void *arg), void *arg)
{
	const char *p = key;
	while (*p) {
		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p & 0x80)))
			p++;
		const char *w = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || (*p & 0x80))
			p++;
		if (p > w && (size_t)(p - w) <= WORD_MAX)
			fn(w, (size_t)(p - w), arg);
	}
}

struct insert {
	sqlite3_stmt *st;
	int64_t id;
	const char *key;
	int rc;
};

static void insert_word(const char *w, size_t n, void *arg)
{
	struct insert *in = arg;
	if (in->rc != SQLITE_DONE)
		return;
	sqlite3_reset(in->st);
	sqlite3_bind_text(in->st, 1, w, (int)n, SQLITE_TRANSIENT);
	sqlite3_bind_text(in->st, 2, in->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(in->st, 3, in->id);
	in->rc = sqlite3_step(in->st);
}

#define INSERT_SQL "INSERT OR IGNORE INTO citizen_words(word, sort_key, id) VALUES(?, ?, ?)"

int sq_names_write(struct sqtx *t, int64_t id, const char *key)
{
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM citizen_words WHERE id = ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, id);
	int rc = sq_exec_stmt(t, del);
	if (rc != STORE_OK || !key)
		return rc;
	struct insert in = { sq_prep(t, INSERT_SQL), id, key, SQLITE_DONE };
	if (!in.st)
		return STORE_ERROR;
	each_word(key, insert_word, &in);
	sqlite3_reset(in.st);
	return in.rc == SQLITE_DONE ? STORE_OK : sq_rc(t, in.rc);
}

int sq_names_backfill(sqlite3 *db)
{
	sqlite3_stmt *rows = NULL;
	struct insert in = { NULL, 0, NULL, SQLITE_DONE };
	int rc = sqlite3_prepare_v2(db, "SELECT id, sort_key FROM citizens WHERE merged_into IS NULL",
				    -1, &rows, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, INSERT_SQL, -1, &in.st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(rows)) == SQLITE_ROW) {
		in.id = sqlite3_column_int64(rows, 0);
		in.key = (const char *)sqlite3_column_text(rows, 1);
		each_word(in.key ? in.key : "", insert_word, &in);
		rc = in.rc == SQLITE_DONE ? SQLITE_OK : in.rc;
	}
	sqlite3_finalize(rows);
	sqlite3_finalize(in.st);
	return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 : -1;
}

/* One hit of the merge: a record and its place in name order. */
struct hit {
	char *key;
	int64_t id;
};

static int by_name(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The first n records of one exact word, after the cursor, appended to
 * hits. */
static int word_page(struct sqtx *t, const char *word, const json_t *cur, int n, struct hit *hits,
		     int *nhits, int cap)
{
	sqlite3_stmt *st = sq_prep(t, "SELECT sort_key, id FROM citizen_words WHERE word = ?1"
				      " AND (?2 IS NULL OR (sort_key, id) > (?2, ?3))"
				      " ORDER BY sort_key, id LIMIT ?4");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, word);
	if (cur) {
		sq_bind_text(st, 2, json_string_value(json_array_get(cur, 0)));
		sqlite3_bind_int64(st, 3, json_integer_value(json_array_get(cur, 1)));
	}
	sqlite3_bind_int(st, 4, n);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *nhits < cap) {
		char *k = strdup((const char *)sqlite3_column_text(st, 0));
		if (!k)
			break;
		hits[(*nhits)++] = (struct hit){ k, sqlite3_column_int64(st, 1) };
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_rc(t, rc);
}

/* The distinct words of the index that start with prefix, at most
 * WORDS_MAX + 1 (more means: use the full-text index).  One index seek per
 * word, rather than a walk over every record they hold. */
static int words_under(struct sqtx *t, const char *prefix, char words[][WORD_MAX + 1], int *n)
{
	char hi[WORD_MAX + 2];
	size_t len = strlen(prefix);
	memcpy(hi, prefix, len + 1);
	hi[len - 1]++; /* the first string past every word starting with prefix */
	sqlite3_stmt *st = sq_prep(t, "SELECT word FROM citizen_words WHERE word >= ?1 AND word < ?2"
				      " AND (?3 IS NULL OR word > ?3) ORDER BY word LIMIT 1");
	if (!st)
		return STORE_ERROR;
	*n = 0;
	int rc = SQLITE_ROW;
	while (*n <= WORDS_MAX) {
		sqlite3_reset(st);
		sq_bind_text(st, 1, prefix);
		sq_bind_text(st, 2, hi);
		sq_bind_text(st, 3, *n ? words[*n - 1] : NULL);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			break;
		snprintf(words[(*n)++], WORD_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : sq_rc(t, rc);
}

/* Keep the first `keep` distinct records of the sorted hits in ids. */
static void take(struct hit *hits, int n, int keep, json_t *ids)
{
	qsort(hits, (size_t)n, sizeof(*hits), by_name);
	for (int i = 0; i < n && (int)json_array_size(ids) < keep; i++)
		if (i == 0 || hits[i].id != hits[i - 1].id)
			json_array_append_new(ids, json_integer(hits[i].id));
}

int sq_names_search(struct sqtx *t, const char *word, const json_t *cur, int limit, json_t **ids)
{
	char (*list)[WORD_MAX + 1] = malloc((WORDS_MAX + 1) * sizeof(*list));
	int n = 0, nhits = 0, rc;
	*ids = NULL;
	if (!list)
		return STORE_ERROR;
	size_t len = strlen(word);
	if (!len || len > WORD_MAX || (unsigned char)word[len - 1] == 0xff ||
	    (rc = words_under(t, word, list, &n)) != STORE_OK || n > WORDS_MAX) {
		free(list);
		return STORE_OK; /* *ids NULL: not handled here */
	}
	int cap = n * (limit + 1);
	struct hit *hits = cap ? calloc((size_t)cap, sizeof(*hits)) : NULL;
	rc = STORE_OK;
	for (int i = 0; i < n && rc == STORE_OK && hits; i++)
		rc = word_page(t, list[i], cur, limit + 1, hits, &nhits, cap);
	*ids = json_array();
	if (rc == STORE_OK && *ids)
		take(hits, nhits, limit + 1, *ids);
	for (int i = 0; i < nhits; i++)
		free(hits[i].key);
	free(hits);
	free(list);
	if (rc != STORE_OK || !*ids) {
		json_decref(*ids);
		*ids = NULL;
		return rc != STORE_OK ? rc : STORE_ERROR;
	}
	return STORE_OK;
}
