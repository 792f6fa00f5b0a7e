/* PostgreSQL store: the name index, as store_sqlite_names.c: every word
 * of each citizen's folded "family given" key with the key itself, in
 * citizen_words(word, sort_key, id), both COLLATE "C" (SQLite's byte
 * order).  A search for one word prefix reads, for each word of the index
 * that starts with it, the first page in name order straight from the
 * index, and merges those short lists.  What SQLite asks of its full-text
 * index (several words, or a prefix too broad) is asked of the same table
 * here: a record matches when each word of the query starts one of its
 * words.  Merged records are not in the index. */
#include "server/store_pg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

#define WORDS_MAX 64       /* distinct words under one prefix before the broad path is used */
#define WORD_MAX  64
#define RANGE_LEN (WORD_MAX + 8)

/* Letters and digits of a folded key; bytes of multi-byte characters
 * count as letters. */
static bool word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c & 0x80);
}

/* The next word at or after *p (*n its length), NULL at the end. */
static const char *next_word(const char **p, size_t *n)
{
	const char *s = *p;
	while (*s && !word_byte(*s))
		s++;
	const char *w = s;
	while (word_byte(*s))
		s++;
	*p = s;
	*n = (size_t)(s - w);
	return s > w ? w : NULL;
}

/* One element of a text[] literal; "{" already there. */
static void array_put(struct strbuf *b, const char *s, size_t n)
{
	if (b->n > 1)
		strbuf_putc(b, ',');
	strbuf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			strbuf_putc(b, '\\');
		strbuf_putc(b, s[i]);
	}
	strbuf_putc(b, '"');
}

int pg_names_write(struct pgtx *t, int64_t id, const char *key)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, id);
	int rc = pg_exec(t, "DELETE FROM citizen_words WHERE id = $1", &a, NULL);
	if (rc != STORE_OK || !key)
		return rc;
	struct strbuf b = { 0 };
	strbuf_putc(&b, '{');
	size_t n;
	for (const char *p = key, *w; (w = next_word(&p, &n));)
		if (n <= WORD_MAX)
			array_put(&b, w, n);
	strbuf_putc(&b, '}');
	char *words = strbuf_take(&b);
	if (!words)
		return STORE_ERROR;
	pg_arg_text(&a, words);
	pg_arg_text(&a, key);
	pg_arg_int(&a, id);
	/* a word twice in one key is one row, as SQLite's INSERT OR IGNORE */
	rc = pg_exec(t, "INSERT INTO citizen_words(word, sort_key, id)"
			" SELECT DISTINCT w, $2::text, $3::bigint FROM unnest($1::text[]) AS w"
			" ON CONFLICT DO NOTHING", &a, NULL);
	free(words);
	return rc;
}

static size_t utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The code point of the (valid) character that ends s[0..*n); *n becomes
 * its start. */
static uint32_t utf8_last(const char *s, size_t *n)
{
	size_t i = *n;
	while (i > 1 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	i--;
	unsigned char lead = (unsigned char)s[i];
	uint32_t cp = lead < 0x80 ? lead : lead < 0xE0 ? lead & 0x1Fu : lead < 0xF0 ? lead & 0x0Fu
										      : lead & 0x07u;
	for (size_t k = i + 1; k < *n; k++)
		cp = cp << 6 | ((unsigned char)s[k] & 0x3Fu);
	*n = i;
	return cp;
}

/* [lo, hi): the valid UTF-8 strings that start with the bytes of prefix,
 * which SQLite compares as bytes.  Its last character may be cut short
 * (search_kind cuts the folded query at a byte count): the range is then
 * that of the characters that start so.  With no string past them, hi is
 * longer than any word of the index.  false: no valid string starts so. */
static bool prefix_range(const char *prefix, size_t n, char lo[RANGE_LEN], char hi[RANGE_LEN])
{
	static const uint32_t mask[] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	static const uint32_t most[] = { 0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF };
	size_t s = n;
	while (s > 0 && ((unsigned char)prefix[s - 1] & 0xC0) == 0x80)
		s--;
	if (s == 0 || n > WORD_MAX)
		return false;
	unsigned char lead = (unsigned char)prefix[--s];
	size_t have = n - s, need = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2
				  : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
	if (!need || have > need)
		return false;
	uint32_t min = lead & mask[need], max = min;
	for (size_t i = 1; i < need; i++) {
		uint32_t c = i < have ? (unsigned char)prefix[s + i] & 0x3Fu : 0;
		min = min << 6 | c;
		max = max << 6 | (i < have ? c : 0x3F);
	}
	min = min < least[need] ? least[need] : min >= 0xD800 && min <= 0xDFFF ? 0xE000 : min;
	max = max > most[need] ? most[need] : max >= 0xD800 && max <= 0xDFFF ? 0xD7FF : max;
	if (min > max)
		return false;
	memcpy(lo, prefix, s);
	lo[s + utf8_put(min, lo + s)] = '\0';
	memcpy(hi, prefix, s);
	size_t m = s;
	for (;;) { /* the next character past max, carrying into those before it */
		uint32_t next = max == 0xD7FF ? 0xE000 : max + 1;
		if (next <= 0x10FFFF) {
			m += utf8_put(next, hi + m);
			break;
		}
		if (m == 0) {
			for (int i = 0; i < WORD_MAX / 4 + 1; i++)
				m += utf8_put(0x10FFFF, hi + m);
			break;
		}
		max = utf8_last(hi, &m);
	}
	hi[m] = '\0';
	return true;
}

/* The cursor's (sort_key, id), or ('', 0), before every record: a bound
 * the index can seek to, where "$2 IS NULL OR …" would make it scan. */
static void cursor_args(struct pg_args *a, const json_t *cur)
{
	const char *key = json_string_value(json_array_get(cur, 0));
	pg_arg_text(a, key ? key : "");
	pg_arg_int(a, key ? json_integer_value(json_array_get(cur, 1)) : 0);
}

/* The ids of a result's single ids_json column, as a JSON array. */
static int ids_of(struct pgtx *t, const char *sql, struct pg_args *a, json_t **ids)
{
	json_t *row = NULL;
	int rc = pg_one(t, sql, a, &row);
	if (rc != STORE_OK)
		return rc;
	*ids = json_incref(json_object_get(row, "ids"));
	json_decref(row);
	return *ids ? STORE_OK : STORE_ERROR;
}

/* The distinct words of the index in [lo, hi), WORDS_MAX + 1 at most
 * (more means: the broad path), as a text[] literal: one index seek per
 * word (a recursive skip scan), not a walk over every record they hold. */
static int words_under(struct pgtx *t, const char *lo, const char *hi, char **list, int *n)
{
	struct pg_args a = { 0 };
	int rc;
	pg_arg_text(&a, lo);
	pg_arg_text(&a, hi);
	PGresult *r = pg_result(t,
		"WITH RECURSIVE w(word, n) AS ("
		" (SELECT word, 1 FROM citizen_words WHERE word >= $1::text AND word < $2::text"
		"  ORDER BY word LIMIT 1)"
		" UNION ALL"
		" SELECT (SELECT x.word FROM citizen_words x WHERE x.word > w.word AND x.word < $2"
		"  ORDER BY x.word LIMIT 1), w.n + 1 FROM w WHERE w.word IS NOT NULL AND w.n <= 64)"
		" SELECT count(word), coalesce(array_agg(word ORDER BY word)"
		"  FILTER (WHERE word IS NOT NULL), '{}')::text FROM w", &a, &rc);
	if (!r)
		return rc;
	*n = atoi(PQgetvalue(r, 0, 0));
	*list = strdup(PQgetvalue(r, 0, 1));
	PQclear(r);
	return *list ? STORE_OK : STORE_ERROR;
}

int pg_names_search(struct pgtx *t, const char *word, const json_t *cur, int limit, json_t **ids)
{
	char lo[RANGE_LEN], hi[RANGE_LEN], *list = NULL;
	int n = 0;
	*ids = NULL;
	size_t len = strlen(word);
	if (!len || !prefix_range(word, len, lo, hi))
		return STORE_OK; /* *ids NULL: not handled here */
	int rc = words_under(t, lo, hi, &list, &n);
	if (rc != STORE_OK || n > WORDS_MAX) {
		free(list);
		return rc;
	}
	struct pg_args a = { 0 };
	pg_arg_text(&a, list);
	cursor_args(&a, cur);
	pg_arg_int(&a, limit + 1);
	/* each word's first page from the index, then the first of them all */
	rc = ids_of(t, "SELECT coalesce(json_agg(id ORDER BY sort_key, id), '[]') AS ids_json FROM ("
		       " SELECT p.sort_key, p.id FROM unnest($1::text[]) AS q(word),"
		       " LATERAL (SELECT x.sort_key, x.id FROM citizen_words x WHERE x.word = q.word"
		       "  AND (x.sort_key, x.id) > ($2::text, $3::bigint)"
		       "  ORDER BY x.sort_key, x.id LIMIT $4::bigint) p"
		       " GROUP BY p.sort_key, p.id ORDER BY p.sort_key, p.id LIMIT $4) s", &a, ids);
	free(list);
	return rc;
}

/* The length of w without a last character cut short: SQLite's
 * full-text tokenizer reads one as a separator. */
static size_t whole_chars(const char *w, size_t n)
{
	size_t s = n;
	while (s > 0 && ((unsigned char)w[s - 1] & 0xC0) == 0x80)
		s--;
	if (s == 0)
		return 0;
	unsigned char lead = (unsigned char)w[s - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return n - (s - 1) < need ? s - 1 : n;
}

/* The ranges of the query's words as two text[] literals; false when one
 * of them can match no word of the index. */
static bool query_ranges(const char *q, struct strbuf *los, struct strbuf *his, int *nwords)
{
	char lo[RANGE_LEN], hi[RANGE_LEN];
	size_t n;
	*nwords = 0;
	strbuf_putc(los, '{');
	strbuf_putc(his, '{');
	for (const char *p = q, *w; (w = next_word(&p, &n));) {
		if (!(n = whole_chars(w, n)))
			continue;
		if (!prefix_range(w, n, lo, hi))
			return false;
		(*nwords)++;
		array_put(los, lo, strlen(lo));
		array_put(his, hi, strlen(hi));
	}
	strbuf_putc(los, '}');
	strbuf_putc(his, '}');
	return *nwords > 0;
}

int pg_names_match(struct pgtx *t, const char *q, const json_t *cur, int limit, json_t **ids)
{
	struct strbuf los = { 0 }, his = { 0 };
	int nwords;
	*ids = NULL;
	if (!query_ranges(q, &los, &his, &nwords)) {
		strbuf_free(&los);
		strbuf_free(&his);
		*ids = json_array();
		return *ids ? STORE_OK : STORE_ERROR;
	}
	char *lo = strbuf_take(&los), *hi = strbuf_take(&his);
	int rc = STORE_ERROR;
	if (lo && hi) {
		struct pg_args a = { 0 };
		pg_arg_text(&a, lo);
		pg_arg_text(&a, hi);
		cursor_args(&a, cur);
		pg_arg_int(&a, nwords);
		pg_arg_int(&a, limit + 1);
		rc = ids_of(t, "SELECT coalesce(json_agg(id ORDER BY sort_key, id), '[]') AS ids_json"
			       " FROM (SELECT w.sort_key, w.id"
			       " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS q(lo, hi, n)"
			       " JOIN citizen_words w ON w.word >= q.lo AND w.word < q.hi"
			       " WHERE (w.sort_key, w.id) > ($3::text, $4::bigint)"
			       " GROUP BY w.sort_key, w.id HAVING count(DISTINCT q.n) = $5::bigint"
			       " ORDER BY w.sort_key, w.id LIMIT $6::bigint) s", &a, ids);
	}
	free(lo);
	free(hi);
	return rc;
}
