/* PostgreSQL store: answer templates and knowledge articles; the same
 * rules as store_sqlite_knowledge.c. */
#include "server/store_pg.h"

#include <stdlib.h>
#include <string.h>

int pg_template_create(struct store_tx *tx, const json_t *t, int64_t service_id, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_str(&a, t, "name");
	pg_arg_str(&a, t, "title");
	pg_arg_str(&a, t, "body");
	pg_arg_id(&a, service_id);
	int rc = pg_int(PGT(tx), "INSERT INTO templates(name, title, body, service_id)"
				 " VALUES($1, $2, $3, $4) RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

int pg_template_list(struct store_tx *tx, json_t **items)
{
	/* COLLATE "C": SQLite's byte order of the names */
	return pg_rows(PGT(tx), "SELECT t.id, t.name, t.title, t.body, s.slug AS service"
				" FROM templates t LEFT JOIN services s ON s.id = t.service_id"
				" ORDER BY t.name COLLATE \"C\"", NULL, items);
}

int pg_kb_create(struct store_tx *tx, const json_t *art, int64_t service_id,
		 const char *search_key, int64_t now, int64_t *id)
{
	struct pg_args a = { 0 };
	int64_t got = 0;
	pg_arg_str(&a, art, "title");
	pg_arg_str(&a, art, "body");
	pg_arg_id(&a, service_id);
	pg_arg_text(&a, search_key);
	pg_arg_int(&a, now);
	int rc = pg_int(PGT(tx), "INSERT INTO kb_articles(title, body, service_id, search_key,"
				 " updated_at) VALUES($1, $2, $3, $4, $5) RETURNING id", &a, &got);
	if (rc == STORE_OK && id)
		*id = got;
	return rc;
}

#define KB_WORDS 5

/* Each word of the folded query (at most KB_WORDS, the rest ignored) a
 * plain substring of the folded key, as SQLite's instr(): strpos is a
 * byte-exact match, neither LIKE's wildcards nor a collation's rules. */
#define KB_WORD(n) " AND ($" #n "::text IS NULL OR strpos(k.search_key, $" #n ") > 0)"

int pg_kb_search(struct store_tx *tx, const char *folded, int limit, json_t **items)
{
	struct pg_args a = { 0 };
	/* the words are cut in a copy: the args point into it until the query ran */
	char *words = strdup(folded ? folded : "");
	if (!words)
		return STORE_ERROR;
	int n = 0;
	char *p = words;
	while (*p && n < KB_WORDS) {
		while (*p == ' ')
			p++;
		char *w = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		if (*w) {
			pg_arg_text(&a, w);
			n++;
		}
	}
	while (n++ < KB_WORDS)
		pg_arg_text(&a, NULL);
	pg_arg_int(&a, limit);
	int rc = pg_rows(PGT(tx), "SELECT k.id, k.title, k.body, s.slug AS service, k.updated_at"
				  " FROM kb_articles k LEFT JOIN services s ON s.id = k.service_id"
				  " WHERE true" KB_WORD(1) KB_WORD(2) KB_WORD(3) KB_WORD(4) KB_WORD(5)
				  " ORDER BY k.updated_at DESC, k.id DESC LIMIT $6", &a, items);
	free(words);
	return rc;
}
