/* guichetd migrate (store_migrate.h): table by table, every SQLite row
 * goes into the PostgreSQL table of the same name, column by column,
 * each value cast to its PostgreSQL type; then the counters SQLite kept
 * elsewhere (identities, the event log's tail) are set, and the copy is
 * checked.  A SQLite table or column that has no place in PostgreSQL
 * stops the copy: nothing is dropped silently. */
#include "server/store_migrate.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "server/store.h"

/* In an order that their references allow. */
static const char *const tables[] = {
	"services", "agents",	     "agent_skills", "tokens",	     "citizens",
	"citizen_contacts",	     "citizen_words", "cases",	     "case_refs",
	"case_events",		     "interactions", "merges",	     "surveys",
	"events",		     "audit",	     "audit_anchor", "idempotency",
	"kv",			     "chats",	     "chat_messages", "calls",
	"templates",		     "kb_articles",  "viewing",
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))
#define MAXCOLS 32

/* SQLite's own and derived tables (the full-text index is rebuilt from
 * citizens by the PostgreSQL store's own words table). */
static bool derived(const char *name)
{
	return strncmp(name, "sqlite_", 7) == 0 || strncmp(name, "citizen_fts", 11) == 0;
}

struct column {
	char name[64], sq_name[64], type[32];
	bool later; /* a reference to a row of the same table: set after */
};

struct copy {
	sqlite3 *db;
	PGconn *pg;
	FILE *report;
	char *err;
	size_t errlen;
};

static int pg_failed(struct copy *c, PGresult *r, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s", what, PQerrorMessage(c->pg));
	PQclear(r);
	return -1;
}

static int pg_run(struct copy *c, const char *sql)
{
	PGresult *r = PQexec(c->pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return pg_failed(c, r, sql);
	PQclear(r);
	return 0;
}

static bool known_table(const char *name)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (strcmp(tables[i], name) == 0)
			return true;
	return false;
}

/* Every table of the source is one we copy or one we may leave. */
static int check_source_tables(struct copy *c)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(c->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
			       NULL) != SQLITE_OK)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!derived(name) && !known_table(name)) {
			snprintf(c->err, c->errlen, "table %s has no place in PostgreSQL: not copied",
				 name);
			goto done;
		}
	}
	rc = 0;
	goto done;
fail:
	snprintf(c->err, c->errlen, "%s", sqlite3_errmsg(c->db));
done:
	sqlite3_finalize(st);
	return rc;
}

static bool sq_has_column(struct copy *c, const char *table, const char *col)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?", table);
	sqlite3_stmt *st = NULL;
	bool has = false;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC);
		has = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return has;
}

/* The source column of a target column: the same name, except the event
 * log's data, kept as text in PostgreSQL (store_pg_schema.c). */
static void source_name(const char *table, const char *col, char out[64])
{
	if (strcmp(table, "events") == 0 && strcmp(col, "data") == 0)
		snprintf(out, 64, "data_json");
	else
		snprintf(out, 64, "%s", col);
}

static int target_columns(struct copy *c, const char *table, struct column *cols, int *n)
{
	const char *args[1] = { table };
	PGresult *r = PQexecParams(c->pg,
				   "SELECT column_name, data_type FROM information_schema.columns"
				   " WHERE table_schema = current_schema() AND table_name = $1"
				   " ORDER BY ordinal_position",
				   1, NULL, args, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return pg_failed(c, r, table);
	*n = 0;
	for (int i = 0; i < PQntuples(r) && *n < MAXCOLS; i++) {
		struct column *col = &cols[*n];
		snprintf(col->name, sizeof(col->name), "%s", PQgetvalue(r, i, 0));
		snprintf(col->type, sizeof(col->type), "%s", PQgetvalue(r, i, 1));
		source_name(table, col->name, col->sq_name);
		col->later = strcmp(table, "citizens") == 0 && strcmp(col->name, "merged_into") == 0;
		if (sq_has_column(c, table, col->sq_name))
			(*n)++;
	}
	PQclear(r);
	if (*n == 0) {
		snprintf(c->err, c->errlen, "table %s: missing in PostgreSQL", table);
		return -1;
	}
	return 0;
}

/* Every source column has a target column. */
static int check_source_columns(struct copy *c, const char *table, const struct column *cols,
				int n)
{
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')", table);
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		bool found = false;
		for (int i = 0; i < n && !found; i++)
			found = strcmp(cols[i].sq_name, name) == 0;
		if (!found) {
			snprintf(c->err, c->errlen, "column %s.%s has no place in PostgreSQL", table,
				 name);
			rc = -1;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* One SQLite value as PostgreSQL text input (bytea in hex); *out is
 * NULL for NULL.  buf holds numbers; blobs are allocated in *owned. */
static int value_text(sqlite3_stmt *st, int i, const struct column *col, char buf[40],
		      char **owned, const char **out)
{
	*out = NULL;
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return 0;
	case SQLITE_INTEGER:
		snprintf(buf, 40, "%lld", (long long)sqlite3_column_int64(st, i));
		*out = buf;
		return 0;
	case SQLITE_FLOAT:
		snprintf(buf, 40, "%.17g", sqlite3_column_double(st, i));
		*out = buf;
		return 0;
	case SQLITE_BLOB: {
		if (strcmp(col->type, "bytea") != 0)
			return -1;
		int len = sqlite3_column_bytes(st, i);
		const unsigned char *b = sqlite3_column_blob(st, i);
		char *hex = malloc(2 * (size_t)len + 3);
		if (!hex)
			return -1;
		strcpy(hex, "\\x");
		for (int k = 0; k < len; k++)
			snprintf(hex + 2 + 2 * k, 3, "%02x", b[k]);
		*owned = hex;
		*out = hex;
		return 0;
	}
	default:
		*out = (const char *)sqlite3_column_text(st, i);
		return 0;
	}
}

static void build_sql(const char *table, const struct column *cols, int n, char *sel,
		      size_t selmax, char *ins, size_t insmax)
{
	size_t s = (size_t)snprintf(sel, selmax, "SELECT ");
	size_t k = (size_t)snprintf(ins, insmax, "INSERT INTO %s(", table);
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(ins + k, insmax - k, "%s%s", i ? ", " : "", cols[i].name);
	k += (size_t)snprintf(ins + k, insmax - k, ") VALUES(");
	for (int i = 0; i < n; i++) {
		s += (size_t)snprintf(sel + s, selmax - s, "%s\"%s\"", i ? ", " : "", cols[i].sq_name);
		k += (size_t)snprintf(ins + k, insmax - k, "%s$%d::%s", i ? ", " : "", i + 1,
				      cols[i].type);
	}
	snprintf(sel + s, selmax - s, " FROM \"%s\" ORDER BY 1", table);
	snprintf(ins + k, insmax - k, ")");
}

static int insert_row(struct copy *c, const char *table, sqlite3_stmt *st,
		      const struct column *cols, int n)
{
	const char *vals[MAXCOLS];
	char nums[MAXCOLS][40];
	char *owned[MAXCOLS] = { 0 };
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		rc = value_text(st, i, &cols[i], nums[i], &owned[i], &vals[i]);
		if (cols[i].later)
			vals[i] = NULL;
	}
	PGresult *r = NULL;
	if (rc == 0) {
		r = PQexecPrepared(c->pg, table, n, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_failed(c, r, table), r = NULL;
	} else {
		snprintf(c->err, c->errlen, "table %s: a value of an unexpected type", table);
	}
	PQclear(r);
	for (int i = 0; i < n; i++)
		free(owned[i]);
	return rc;
}

/* citizens.merged_into points at rows that may come later. */
static int set_later(struct copy *c, const char *table)
{
	if (strcmp(table, "citizens") != 0)
		return 0;
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT id, merged_into FROM citizens"
				      " WHERE merged_into IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return snprintf(c->err, c->errlen, "%s", sqlite3_errmsg(c->db)), -1;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char id[24], into[24];
		snprintf(id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 0));
		snprintf(into, sizeof(into), "%lld", (long long)sqlite3_column_int64(st, 1));
		const char *v[2] = { into, id };
		PGresult *r = PQexecParams(c->pg, "UPDATE citizens SET merged_into = $1::bigint"
						  " WHERE id = $2::bigint", 2, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_failed(c, r, "citizens");
		else
			PQclear(r);
	}
	sqlite3_finalize(st);
	return rc;
}

static int copy_table(struct copy *c, const char *table, long long *rows)
{
	struct column cols[MAXCOLS];
	int n;
	char sel[2048], ins[2048];
	sqlite3_stmt *st = NULL;
	*rows = 0;
	if (target_columns(c, table, cols, &n) < 0 || check_source_columns(c, table, cols, n) < 0)
		return -1;
	build_sql(table, cols, n, sel, sizeof(sel), ins, sizeof(ins));
	PGresult *r = PQprepare(c->pg, table, ins, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_failed(c, r, table);
	PQclear(r);
	if (sqlite3_prepare_v2(c->db, sel, -1, &st, NULL) != SQLITE_OK) {
		snprintf(c->err, c->errlen, "%s: %s", table, sqlite3_errmsg(c->db));
		return -1;
	}
	int rc = 0, step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = insert_row(c, table, st, cols, n);
		++*rows;
	}
	if (rc == 0 && step != SQLITE_DONE) {
		snprintf(c->err, c->errlen, "%s: %s", table, sqlite3_errmsg(c->db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : set_later(c, table);
}

static long long sq_number(struct copy *c, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Identities continue after the copied ids; the event log's tail takes
 * SQLite's last seq (kept by AUTOINCREMENT past purged rows) and its
 * purge boundary (kv "events_purged" = "SEQ:AT", store_sqlite_log.c). */
static int set_counters(struct copy *c)
{
	char sql[400];
	for (size_t i = 0; i < NTABLES; i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT setval(pg_get_serial_sequence('%s', 'id'), max(id)) FROM %s"
			 " HAVING max(id) IS NOT NULL AND pg_get_serial_sequence('%s', 'id') IS NOT NULL",
			 tables[i], tables[i], tables[i]);
		if (sq_has_column(c, tables[i], "id") && strcmp(tables[i], "audit_anchor") != 0 &&
		    pg_run(c, sql) < 0)
			return -1;
	}
	long long last = sq_number(c, "SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
				       " WHERE name = 'events'), 0), coalesce((SELECT max(seq)"
				       " FROM events), 0))");
	long long purged = sq_number(c, "SELECT CAST(value AS INTEGER) FROM kv"
					" WHERE key = 'events_purged'");
	long long purged_at = sq_number(c, "SELECT CAST(substr(value, instr(value, ':') + 1)"
					   " AS INTEGER) FROM kv WHERE key = 'events_purged'"
					   " AND instr(value, ':') > 0");
	snprintf(sql, sizeof(sql),
		 "UPDATE event_tail SET last_seq = %lld, purged_seq = %lld, purged_at = %lld;"
		 " DELETE FROM kv WHERE key = 'events_purged'",
		 last, purged, purged_at);
	return pg_run(c, sql);
}

static int target_is_empty(struct copy *c)
{
	PGresult *r = PQexec(c->pg, "SELECT (SELECT count(*) FROM services) + (SELECT count(*)"
				    " FROM agents) + (SELECT count(*) FROM audit)"
				    " + (SELECT count(*) FROM citizens)");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return pg_failed(c, r, "target");
	bool empty = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
	PQclear(r);
	if (!empty) {
		snprintf(c->err, c->errlen, "the target database already holds data: give an empty"
					    " one");
		return -1;
	}
	return 0;
}

static int copy_all(struct copy *c)
{
	if (pg_run(c, "BEGIN ISOLATION LEVEL SERIALIZABLE") < 0)
		return -1;
	/* a node writing meanwhile waits: its appends lock event_tail's row */
	if (pg_run(c, "LOCK TABLE event_tail, audit_anchor IN EXCLUSIVE MODE") < 0 ||
	    target_is_empty(c) < 0)
		goto fail;
	for (size_t i = 0; i < NTABLES; i++) {
		long long rows;
		if (copy_table(c, tables[i], &rows) < 0)
			goto fail;
		fprintf(c->report, "guichetd: %-17s %8lld rows copied\n", tables[i], rows);
	}
	if (set_counters(c) < 0 || pg_run(c, "COMMIT") < 0)
		goto fail;
	return 0;
fail:
	PQclear(PQexec(c->pg, "ROLLBACK"));
	return -1;
}

static long long pg_count(struct copy *c, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	PGresult *r = PQexec(c->pg, sql);
	long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
							    : -1;
	PQclear(r);
	return n;
}

/* The copy, checked: the same number of rows everywhere. */
static int check_counts(struct copy *c)
{
	for (size_t i = 0; i < NTABLES; i++) {
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", tables[i]);
		long long want = sq_number(c, sql);
		if (strcmp(tables[i], "kv") == 0)
			want -= sq_number(c, "SELECT count(*) FROM kv WHERE key = 'events_purged'");
		long long got = pg_count(c, tables[i]);
		if (got != want) {
			snprintf(c->err, c->errlen, "check: %s has %lld rows in PostgreSQL, %lld in"
						    " SQLite", tables[i], got, want);
			return -1;
		}
	}
	fprintf(c->report, "guichetd: every table has as many rows as in SQLite\n");
	return 0;
}

/* The copied audit chain verified by the PostgreSQL store itself, with
 * the source's key. */
static int check_audit(const char *from_dir, const char *to_uri, FILE *report, char *err,
		       size_t errlen)
{
	struct store *st = store_open(to_uri, from_dir, err, errlen);
	if (!st)
		return -1;
	struct store_tx *tx = store_tx_get(st);
	int64_t checked = 0, bad = 0;
	char why[256] = "";
	int rc = -1;
	if (tx && tx->ops->begin_read(tx) == STORE_OK) {
		if (tx->ops->audit_verify(tx, &checked, &bad, why, sizeof(why)) == STORE_OK)
			rc = bad ? -1 : 0;
		tx->ops->rollback(tx);
	}
	if (rc < 0)
		snprintf(err, errlen, "check: the audit chain does not verify on the copy: %s",
			 *why ? why : (tx ? store_tx_error(tx) : "no connection"));
	else
		fprintf(report, "guichetd: audit chain intact on the copy (%lld records)\n",
			(long long)checked);
	store_close(st);
	return rc;
}

int store_migrate(const char *from_dir, const char *to_uri, FILE *report, char *err,
		  size_t errlen)
{
	char path[1100];
	struct copy c = { .report = report, .err = err, .errlen = errlen };
	int rc = -1;
	if (strncmp(to_uri, "postgres", 8) != 0) {
		snprintf(err, errlen, "--to: a postgresql://… database");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/guichet.db", from_dir);
	if (sqlite3_open_v2(path, &c.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, c.db ? sqlite3_errmsg(c.db) : "cannot open");
		goto done;
	}
	/* the chain is signed with the town hall's key: never a new one */
	snprintf(path, sizeof(path), "%s/audit.key", from_dir);
	if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	/* opening it as a store first creates its schema */
	struct store *st = store_open(to_uri, from_dir, err, errlen);
	if (!st)
		goto done;
	store_close(st);
	c.pg = PQconnectdb(to_uri);
	if (PQstatus(c.pg) != CONNECTION_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(c.pg));
		goto done;
	}
	/* one read transaction: the copy is of one moment of the source */
	if (sqlite3_exec(c.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    check_source_tables(&c) < 0 || copy_all(&c) < 0 || check_counts(&c) < 0)
		goto done;
	rc = check_audit(from_dir, to_uri, report, err, errlen);
done:
	PQfinish(c.pg);
	sqlite3_close(c.db);
	return rc;
}
