/* The PostgreSQL store: connecting (one connection per thread), bringing
 * the schema up to date under an advisory lock (several nodes may start
 * at once), transactions and groups, prepared statements, parameters and
 * the row-to-JSON conventions the other store_pg_*.c files share.
 *
 * Where SQLite relied on its single writer, the PostgreSQL statements
 * take explicit row locks (see store_pg_log.c for the event log and the
 * audit chain); transactions are READ COMMITTED, reads that must see one
 * snapshot (the supervisor's) are REPEATABLE READ. */
#include "server/store_pg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/json_bounded.h"
#include "server/store_audit.h"
#include "server/store_driver.h"
#include "server/store_pg_schema.h"

struct pg_store {
	struct store base;       /* first: a store * is a pg_store * */
	char conninfo[1024];
	pthread_mutex_t lock;    /* guards conns and listener */
	struct pgtx *conns;
	pthread_key_t key;
	unsigned char audit_key[32];
	void *listener;          /* store_pg_notify.c */
};

#define PGS(st) ((struct pg_store *)(st))

/* Any key; the same on every node: only one of them migrates at a time. */
#define MIGRATION_LOCK 0x6775696368657401LL

const unsigned char *pg_audit_key(struct pgtx *t)
{
	return PGS(t->base.store)->audit_key;
}

/* A password in the URI would be in argv, the environment or a unit
 * file, and in `ps`: it belongs in a 0600 file (PGPASSFILE or ?passfile=). */
static bool has_password(const char *uri, char *err, size_t errlen)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &perr);
	if (!opts) {
		snprintf(err, errlen, "%s", perr ? perr : "not a PostgreSQL URI");
		PQfreemem(perr);
		return true;
	}
	bool found = false;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			found = true;
	PQconninfoFree(opts);
	if (found)
		snprintf(err, errlen, "the store's URI holds a password: put it in a 0600 file"
				      " (PGPASSFILE, or ?passfile=FILE in the URI)");
	return found;
}

static PGconn *connect_to(const char *conninfo, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(conninfo);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "postgresql: %s", c ? PQerrorMessage(c) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		PQfinish(c);
		return NULL;
	}
	PGresult *r = PQexec(c, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	PQclear(r);
	return c;
}

static bool ok_cmd(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
	if (!ok) {
		snprintf(err, errlen, "postgresql: %s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(r);
	return ok;
}

static int schema_version_of(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_version");
	int v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
			? atoi(PQgetvalue(r, 0, 0))
			: -1;
	PQclear(r);
	return v;
}

/* Bring the database to the newest schema, one transaction per step, the
 * other nodes waiting on the advisory lock. */
static int migrate(PGconn *c, char *err, size_t errlen)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%lld)", MIGRATION_LOCK);
	if (!ok_cmd(c, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER PRIMARY KEY,"
		       " applied_at BIGINT NOT NULL)", err, errlen))
		return -1;
	int want = store_pg_schema_count();
	for (;;) {
		if (!ok_cmd(c, "BEGIN", err, errlen) || !ok_cmd(c, sql, err, errlen))
			goto fail;
		int have = schema_version_of(c);
		if (have < 0 || have > want) {
			snprintf(err, errlen, "database schema version %d is newer than this guichetd (%d)",
				 have, want);
			goto fail;
		}
		if (have == want)
			return ok_cmd(c, "COMMIT", err, errlen) ? 0 : -1;
		char done[160];
		snprintf(done, sizeof(done), "INSERT INTO schema_version VALUES(%d,"
					     " extract(epoch FROM now())::bigint)", have + 1);
		if (!ok_cmd(c, store_pg_schema_migration(have + 1), err, errlen) ||
		    !ok_cmd(c, done, err, errlen) || !ok_cmd(c, "COMMIT", err, errlen)) {
			char why[400];
			snprintf(why, sizeof(why), "migration %d: %s", have + 1, err);
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
	}
fail:
	PQclear(PQexec(c, "ROLLBACK"));
	return -1;
}

/* Every node signs the one audit chain with the same key: a node without
 * one may make it only for a database with no audit record yet, or its
 * records would break the chain. */
static int key_fits(PGconn *c, const char *key_dir, char *err, size_t errlen)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/audit.key", key_dir);
	if (access(path, F_OK) == 0)
		return 0;
	PGresult *r = PQexec(c, "SELECT EXISTS(SELECT 1 FROM audit) OR EXISTS(SELECT 1 FROM audit_anchor)");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQerrorMessage(c));
		rc = -1;
	} else if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
		snprintf(err, errlen, "%s: missing, and this database already holds an audit chain:"
				      " copy the key of the nodes that serve it", path);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

static struct store *pg_open(const char *uri, const char *key_dir, char *err, size_t errlen)
{
	if (has_password(uri, err, errlen))
		return NULL;
	struct pg_store *st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->base.driver = &store_pg_driver;
	snprintf(st->conninfo, sizeof(st->conninfo), "%s", uri);
	pthread_mutex_init(&st->lock, NULL);
	pthread_key_create(&st->key, NULL);
	PGconn *c = NULL;
	if (!(c = connect_to(uri, err, errlen)) || migrate(c, err, errlen) < 0 ||
	    key_fits(c, key_dir, err, errlen) < 0 ||
	    store_audit_key_load(key_dir, st->audit_key, err, errlen) < 0)
		goto fail;
	PQfinish(c);
	return &st->base;
fail:
	PQfinish(c);
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->lock);
	free(st);
	return NULL;
}

const char *pg_conninfo(struct store *st)
{
	return PGS(st)->conninfo;
}

void *pg_listener_hold(struct store *st)
{
	pthread_mutex_lock(&PGS(st)->lock);
	return PGS(st)->listener;
}

void pg_listener_release(struct store *st)
{
	pthread_mutex_unlock(&PGS(st)->lock);
}

void pg_set_listener(struct store *st, void *l)
{
	pthread_mutex_lock(&PGS(st)->lock);
	PGS(st)->listener = l;
	pthread_mutex_unlock(&PGS(st)->lock);
}

static void pg_close(struct store *base)
{
	struct pg_store *st = PGS(base);
	struct pgtx *t = st->conns;
	while (t) {
		struct pgtx *next = t->next;
		PQfinish(t->conn);
		json_decref(t->events);
		json_decref(t->audits);
		free(t);
		t = next;
	}
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static struct store_tx *pg_tx_get(struct store *base)
{
	struct pg_store *st = PGS(base);
	struct pgtx *t = pthread_getspecific(st->key);
	if (t)
		return &t->base;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	char err[512];
	if (!(t->conn = connect_to(st->conninfo, err, sizeof(err)))) {
		fprintf(stderr, "guichetd: %s\n", err);
		free(t);
		return NULL;
	}
	t->base.ops = &pg_ops;
	t->base.store = base;
	pthread_mutex_lock(&st->lock);
	t->next = st->conns;
	st->conns = t;
	pthread_mutex_unlock(&st->lock);
	pthread_setspecific(st->key, t);
	return &t->base;
}

static const char *pg_tx_error(struct store_tx *tx)
{
	return PGT(tx)->err;
}

static int pg_schema_version(struct store *st)
{
	struct store_tx *tx = pg_tx_get(st);
	return tx ? schema_version_of(PGT(tx)->conn) : -1;
}

const struct store_driver store_pg_driver = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.tx_get = pg_tx_get,
	.tx_error = pg_tx_error,
	.schema_version = pg_schema_version,
	.listen = pg_listen,
	.unlisten = pg_unlisten,
	.tell_routing = pg_tell_routing,
};

/* --- parameters ------------------------------------------------------------ */

static char *slot(struct pg_args *a)
{
	if (a->n >= PG_MAX_PARAMS) {
		a->overflow = true;
		return NULL;
	}
	a->len[a->n] = 0;
	a->fmt[a->n] = 0;
	a->owned[a->n] = NULL;
	return a->num[a->n];
}

void pg_arg_text(struct pg_args *a, const char *s)
{
	if (slot(a))
		a->v[a->n++] = s;
}

void pg_arg_int(struct pg_args *a, int64_t v)
{
	char *b = slot(a);
	if (!b)
		return;
	snprintf(b, sizeof(a->num[0]), "%" PRId64, v);
	a->v[a->n++] = b;
}

void pg_arg_id(struct pg_args *a, int64_t v)
{
	if (v)
		pg_arg_int(a, v);
	else
		pg_arg_text(a, NULL);
}

void pg_arg_real(struct pg_args *a, double v)
{
	char *b = slot(a);
	if (!b)
		return;
	snprintf(b, sizeof(a->num[0]), "%.17g", v);
	a->v[a->n++] = b;
}

void pg_arg_bool(struct pg_args *a, bool v)
{
	pg_arg_text(a, v ? "true" : "false");
}

void pg_arg_bytes(struct pg_args *a, const unsigned char *p, size_t n)
{
	if (!slot(a))
		return;
	a->len[a->n] = (int)n;
	a->fmt[a->n] = 1;
	a->v[a->n++] = (const char *)p;
}

void pg_arg_str(struct pg_args *a, const json_t *obj, const char *field)
{
	pg_arg_text(a, json_string_value(json_object_get(obj, field)));
}

void pg_arg_jint(struct pg_args *a, const json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);
	if (json_is_integer(v))
		pg_arg_int(a, json_integer_value(v));
	else
		pg_arg_text(a, NULL);
}

void pg_arg_time(struct pg_args *a, const json_t *obj, const char *field)
{
	int64_t t;
	const char *s = json_string_value(json_object_get(obj, field));
	if (s && iso8601_parse(s, &t) == 0)
		pg_arg_int(a, t);
	else
		pg_arg_text(a, NULL);
}

/* s (malloc'd, may be NULL) as the next parameter, freed with the args. */
static bool take(struct pg_args *a, char *s)
{
	if (!slot(a)) {
		free(s);
		return false;
	}
	a->owned[a->n] = s;
	a->v[a->n++] = s;
	return true;
}

void pg_arg_json(struct pg_args *a, const json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);
	take(a, v ? json_bounded_dump(v) : NULL);
}

bool pg_arg_rows(struct pg_args *a, const json_t *rows)
{
	/* not pg_arg_json's NULL on failure: json_to_recordset(NULL) would
	 * write no row, and the transaction's events would go unsaid */
	char *s = json_bounded_dump(rows);
	return s && take(a, s);
}

void pg_args_free(struct pg_args *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n; i++)
		free(a->owned[i]);
	a->n = 0;
}

/* --- statements --------------------------------------------------------------- */

/* The SQLSTATE classes the store tells apart. */
static int map_error(struct pgtx *t, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(t->err, sizeof(t->err), "%s", PQerrorMessage(t->conn));
	t->err[strcspn(t->err, "\n")] = '\0';
	if (state && strcmp(state, "23505") == 0)
		return STORE_EXISTS;
	if (state && strncmp(state, "23", 2) == 0)
		return STORE_INVALID;
	/* serialization failure, deadlock, lock not available: try again */
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0)) {
		snprintf(t->err, sizeof(t->err), "database busy");
		return STORE_BUSY;
	}
	fprintf(stderr, "guichetd: store: %s\n", t->err);
	return STORE_ERROR;
}

/* The name of sql's prepared statement on this connection, preparing it
 * the first time. */
static const char *prepared(struct pgtx *t, const char *sql, int nparams, int *rc)
{
	size_t h = ((uintptr_t)sql >> 3) % PG_STMT_CACHE;
	for (size_t n = 0; n < PG_STMT_CACHE; n++, h = (h + 1) % PG_STMT_CACHE) {
		struct pg_stmt *c = &t->cache[h];
		if (c->sql == sql)
			return c->name;
		if (c->sql)
			continue;
		snprintf(c->name, sizeof(c->name), "g%d", t->nprepared);
		PGresult *r = PQprepare(t->conn, c->name, sql, nparams, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			*rc = map_error(t, r);
			PQclear(r);
			return NULL;
		}
		PQclear(r);
		t->nprepared++;
		c->sql = sql;
		return c->name;
	}
	snprintf(t->err, sizeof(t->err), "statement cache full");
	*rc = STORE_ERROR;
	return NULL;
}

PGresult *pg_result(struct pgtx *t, const char *sql, struct pg_args *a, int *rc)
{
	struct pg_args none = { 0 };
	if (!a)
		a = &none;
	PGresult *r = NULL;
	*rc = STORE_ERROR;
	if (a->overflow) {
		snprintf(t->err, sizeof(t->err), "too many parameters");
		goto done;
	}
	const char *name = prepared(t, sql, a->n, rc);
	if (!name)
		goto done;
	r = PQexecPrepared(t->conn, name, a->n, a->v, a->len, a->fmt, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		*rc = STORE_OK;
	} else {
		*rc = map_error(t, r);
		PQclear(r);
		r = NULL;
	}
done:
	pg_args_free(a);
	return r;
}

int pg_exec(struct pgtx *t, const char *sql, struct pg_args *a, int64_t *changed)
{
	int rc;
	PGresult *r = pg_result(t, sql, a, &rc);
	if (r && changed) {
		const char *n = PQcmdTuples(r);
		*changed = n && *n ? strtoll(n, NULL, 10) : 0;
	}
	PQclear(r);
	return rc;
}

int pg_rows(struct pgtx *t, const char *sql, struct pg_args *a, json_t **items)
{
	int rc;
	PGresult *r = pg_result(t, sql, a, &rc);
	if (!r)
		return rc;
	json_t *arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		json_t *row = pg_row(r, i);
		if (!row || json_array_append_new(arr, row) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	PQclear(r);
	if (!arr)
		return STORE_ERROR;
	*items = arr;
	return STORE_OK;
}

int pg_one(struct pgtx *t, const char *sql, struct pg_args *a, json_t **out)
{
	int rc;
	PGresult *r = pg_result(t, sql, a, &rc);
	if (!r)
		return rc;
	rc = PQntuples(r) < 1 ? STORE_NOT_FOUND : (*out = pg_row(r, 0)) ? STORE_OK : STORE_ERROR;
	PQclear(r);
	return rc;
}

int pg_int(struct pgtx *t, const char *sql, struct pg_args *a, int64_t *out)
{
	int rc;
	PGresult *r = pg_result(t, sql, a, &rc);
	if (!r)
		return rc;
	if (PQntuples(r) < 1 || PQnfields(r) < 1)
		rc = STORE_NOT_FOUND;
	else
		*out = PQgetisnull(r, 0, 0) ? 0 : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return rc;
}

/* Every result of a pipeline up to its sync point: the steps' results in
 * order, each ended by a NULL; the first error kept in rc. */
static int pipeline_results(struct pgtx *t, struct pg_step *s, int n)
{
	int rc = STORE_OK, i = 0;
	for (;;) {
		PGresult *r = PQgetResult(t->conn);
		if (!r) {
			if (++i > n || PQstatus(t->conn) != CONNECTION_OK)
				break; /* the connection is gone: nothing more comes */
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (rc == STORE_OK && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			rc = map_error(t, r);
		} else if (rc == STORE_OK && i < n && s[i].keep) {
			s[i].res = r;
			continue;
		}
		PQclear(r);
	}
	if (rc == STORE_OK && i < n) {
		snprintf(t->err, sizeof(t->err), "the connection was lost");
		rc = STORE_ERROR;
	}
	return rc;
}

int pg_pipeline(struct pgtx *t, struct pg_step *s, int n)
{
	const char *names[PG_MAX_STEPS];
	int rc = STORE_OK, sent = 0;
	for (int i = 0; i < n; i++)
		s[i].res = NULL;
	if (n > PG_MAX_STEPS) {
		snprintf(t->err, sizeof(t->err), "too many statements in one pipeline");
		rc = STORE_ERROR;
		goto done;
	}
	/* prepared first: PQprepare waits for its answer, which a pipeline may not */
	for (int i = 0; i < n; i++) {
		if (s[i].a.overflow) {
			snprintf(t->err, sizeof(t->err), "too many parameters");
			rc = STORE_ERROR;
			goto done;
		}
		if (!(names[i] = prepared(t, s[i].sql, s[i].a.n, &rc)))
			goto done;
	}
	if (!PQenterPipelineMode(t->conn)) {
		rc = map_error(t, NULL);
		goto done;
	}
	while (sent < n && PQsendQueryPrepared(t->conn, names[sent], s[sent].a.n, s[sent].a.v,
					       s[sent].a.len, s[sent].a.fmt, 0))
		sent++;
	if (!PQpipelineSync(t->conn) || sent < n)
		rc = map_error(t, NULL);
	int got = pipeline_results(t, s, sent);
	if (rc == STORE_OK)
		rc = got;
	if (!PQexitPipelineMode(t->conn) && rc == STORE_OK)
		rc = map_error(t, NULL);
done:
	for (int i = 0; i < n; i++) {
		pg_args_free(&s[i].a);
		if (rc != STORE_OK) {
			PQclear(s[i].res);
			s[i].res = NULL;
		}
	}
	return rc;
}

/* --- rows ---------------------------------------------------------------------- */

/* Type oids (server/catalog/pg_type_d.h, stable across versions). */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_JSON = 114,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700, OID_JSONB = 3802 };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static json_t *value(const PGresult *res, int row, int col, char *key, size_t keylen)
{
	const char *name = PQfname(res, col), *txt = PQgetvalue(res, row, col);
	Oid type = PQftype(res, col);
	snprintf(key, keylen, "%s", name);
	if (PQgetisnull(res, row, col))
		return json_null();
	if (ends_with(name, "_json") || type == OID_JSON || type == OID_JSONB) {
		if (ends_with(name, "_json"))
			key[strlen(name) - 5] = '\0';
		json_t *v = json_loads(txt, JSON_DECODE_ANY, NULL);
		return v ? v : json_null();
	}
	bool integer = type == OID_INT8 || type == OID_INT4 || type == OID_INT2;
	if (integer && (ends_with(name, "_at") || strcmp(name, "at") == 0)) {
		char iso[ISO8601_LEN];
		iso8601_format(strtoll(txt, NULL, 10), iso);
		return json_string(iso);
	}
	if (integer)
		return json_integer(strtoll(txt, NULL, 10));
	if (type == OID_FLOAT8 || type == OID_FLOAT4 || type == OID_NUMERIC)
		return json_real(strtod(txt, NULL));
	if (type == OID_BOOL)
		return json_integer(txt[0] == 't'); /* as SQLite gives it */
	return json_stringn(txt, (size_t)PQgetlength(res, row, col));
}

json_t *pg_row(const PGresult *res, int row)
{
	json_t *o = json_object();
	for (int i = 0; o && i < PQnfields(res); i++) {
		char key[64];
		json_t *v = value(res, row, i, key, sizeof(key));
		if (!v || json_object_set_new(o, key, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* --- transactions ----------------------------------------------------------------- */

static int simple(struct pgtx *t, const char *sql)
{
	return pg_exec(t, sql, NULL, NULL);
}

static bool conn_in_tx(struct pgtx *t)
{
	PGTransactionStatusType s = PQtransactionStatus(t->conn);
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

/* Inside a group, a request's transaction is the savepoint "item". */
static int item_begin(struct pgtx *t)
{
	if (t->in_item || !conn_in_tx(t)) {
		snprintf(t->err, sizeof(t->err), "the group's transaction is no longer open");
		return STORE_ERROR;
	}
	int rc = simple(t, "SAVEPOINT item");
	t->in_item = rc == STORE_OK;
	pg_log_mark(t);
	return rc;
}

static void item_rollback(struct pgtx *t)
{
	if (!t->in_item)
		return;
	t->in_item = false;
	pg_log_drop_to_mark(t);
	if (conn_in_tx(t)) {
		simple(t, "ROLLBACK TO SAVEPOINT item");
		simple(t, "RELEASE SAVEPOINT item");
	}
}

static int item_commit(struct pgtx *t)
{
	if (!t->in_item) {
		snprintf(t->err, sizeof(t->err), "no transaction to commit");
		return STORE_ERROR;
	}
	int rc = simple(t, "RELEASE SAVEPOINT item");
	if (rc == STORE_OK)
		t->in_item = false;
	else
		item_rollback(t);
	return rc;
}

static int begin(struct store_tx *tx, const char *sql)
{
	struct pgtx *t = PGT(tx);
	if (t->group)
		return item_begin(t);
	if (PQstatus(t->conn) != CONNECTION_OK) { /* the server restarted: a new session */
		PQreset(t->conn);
		memset(t->cache, 0, sizeof(t->cache));
		t->nprepared = 0;
		t->leading = false; /* its advisory lock went with the old session */
	}
	pg_log_drop(t); /* what an unfinished transaction left */
	int rc = simple(t, sql);
	t->in_tx = rc == STORE_OK;
	return rc;
}

static int pg_begin_write(struct store_tx *tx)
{
	return begin(tx, "BEGIN ISOLATION LEVEL READ COMMITTED");
}

static int pg_begin_read(struct store_tx *tx)
{
	return begin(tx, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

static int pg_commit(struct store_tx *tx)
{
	struct pgtx *t = PGT(tx);
	if (t->group)
		return item_commit(t);
	/* COMMIT of a transaction in error answers ROLLBACK, not an error */
	bool failed = PQtransactionStatus(t->conn) == PQTRANS_INERROR;
	if (failed)
		pg_log_drop(t);
	int rc = pg_log_commit(t);
	if (rc == STORE_OK && failed) {
		snprintf(t->err, sizeof(t->err), "the transaction had failed: rolled back");
		rc = STORE_ERROR;
	}
	if (rc != STORE_OK && conn_in_tx(t))
		simple(t, "ROLLBACK");
	if (rc == STORE_OK && t->emitted)
		pg_notify_committed(t);
	t->emitted = false;
	t->in_tx = false;
	return rc;
}

static void pg_rollback(struct store_tx *tx)
{
	struct pgtx *t = PGT(tx);
	if (t->group) {
		item_rollback(t);
		return;
	}
	if (conn_in_tx(t))
		simple(t, "ROLLBACK");
	pg_log_drop(t);
	t->emitted = false;
	t->in_tx = false;
}

static int pg_group_begin(struct store_tx *tx)
{
	struct pgtx *t = PGT(tx);
	if (t->group || conn_in_tx(t)) {
		snprintf(t->err, sizeof(t->err), "a transaction is already open");
		return STORE_ERROR;
	}
	int rc = simple(t, "BEGIN ISOLATION LEVEL READ COMMITTED");
	t->group = rc == STORE_OK;
	t->in_tx = t->group;
	return rc;
}

static int pg_group_end(struct store_tx *tx, bool commit)
{
	struct pgtx *t = PGT(tx);
	if (!t->group) {
		snprintf(t->err, sizeof(t->err), "no group to end");
		return STORE_ERROR;
	}
	item_rollback(t);
	t->group = false;
	int rc = STORE_OK;
	if (!conn_in_tx(t)) {
		snprintf(t->err, sizeof(t->err), "the group's transaction was lost");
		rc = STORE_ERROR;
	} else if (commit) {
		t->in_tx = true;
		rc = pg_commit(tx);
	}
	if (conn_in_tx(t))
		simple(t, "ROLLBACK");
	pg_log_drop(t);
	t->emitted = false;
	t->in_tx = false;
	return rc;
}

const struct store_ops pg_ops = {
	.name = "postgresql",
	.begin_write = pg_begin_write,
	.begin_read = pg_begin_read,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.group_begin = pg_group_begin,
	.group_end = pg_group_end,
#define PG_OP(name) .name = pg_##name,
#include "server/store_pg_ops.h"
#undef PG_OP
};
