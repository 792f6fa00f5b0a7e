/* The SQLite store: opening the database file in WAL mode, migrating it,
 * one connection per thread, the statement cache, and the helpers the other
 * store_sqlite_*.c files share.  Durability: synchronous=FULL, so a commit
 * returns only once the write-ahead log is on disk. */
#include "server/store_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/calendar.h"
#include "core/json_bounded.h"
#include "server/store_audit.h"
#include "server/store_driver.h"
#include "server/store_schema.h"

struct sq_store {
	struct store base;       /* first: a store * is an sq_store * */
	char path[1100];
	pthread_mutex_t lock;    /* guards conns */
	struct sqtx *conns;
	pthread_key_t key;
	unsigned char audit_key[32];
};

#define SQS(st) ((struct sq_store *)(st))

const unsigned char *sq_audit_key(struct sqtx *t)
{
	return SQS(t->base.store)->audit_key;
}

static int sq_open_conn(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_extended_result_codes(db, 1);
	/* 8 MiB of page cache per connection (each worker thread has one):
	 * the hot part of a town hall's database stays in memory.  No mmap:
	 * the audit log grows the file, and remapping cost more than it saved. */
	const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
			      "PRAGMA cache_size=-8192;";
	char *msg = NULL;
	if (sqlite3_exec(db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "cannot set pragmas");
		sqlite3_free(msg);
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Bring the database to the newest schema, one transaction per step. */
static int migrate(sqlite3 *db, char *err, size_t errlen)
{
	int have = user_version(db), want = store_schema_count();
	if (have < 0 || have > want) {
		snprintf(err, errlen, "database schema version %d is newer than this guichetd (%d)",
			 have, want);
		return -1;
	}
	for (int v = have + 1; v <= want; v++) {
		char set[64], *msg = NULL;
		snprintf(set, sizeof(set), "PRAGMA user_version=%d;", v);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, store_schema_migration(v), NULL, NULL, &msg) != SQLITE_OK ||
		    (v == STORE_SCHEMA_NAME_INDEX && sq_names_backfill(db) < 0) ||
		    sqlite3_exec(db, set, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "migration %d: %s", v, msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

static struct store *sq_open(const char *data_dir, const char *key_dir, char *err,
			     size_t errlen)
{
	/* SQLite counts every allocation under one global mutex unless told
	 * not to: with a connection per worker thread, that mutex was where
	 * the threads queued.  Must precede SQLite's initialisation. */
	static bool configured;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	struct sq_store *st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->base.driver = &store_sqlite_driver;
	snprintf(st->path, sizeof(st->path), "%s/guichet.db", data_dir);
	pthread_mutex_init(&st->lock, NULL);
	pthread_key_create(&st->key, NULL);
	sqlite3 *db = NULL;
	if (store_audit_key_load(key_dir, st->audit_key, err, errlen) < 0)
		goto fail;
	if (sq_open_conn(st->path, &db, err, errlen) < 0)
		goto fail;
	int rc = migrate(db, err, errlen);
	/* A request that was running when the last process stopped never
	 * finished: let its retry run again. */
	if (rc == 0)
		sqlite3_exec(db, "DELETE FROM idempotency WHERE state = 0", NULL, NULL, NULL);
	sqlite3_close(db);
	if (rc < 0)
		goto fail;
	return &st->base;
fail:
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->lock);
	free(st);
	return NULL;
}

static void close_conn(struct sqtx *t)
{
	for (int i = 0; i < SQ_STMT_CACHE; i++)
		sqlite3_finalize(t->cache[i].st);
	sqlite3_close(t->db);
	free(t);
}

static void sq_close(struct store *base)
{
	struct sq_store *st = SQS(base);
	struct sqtx *t = st->conns;
	while (t) {
		struct sqtx *next = t->next;
		close_conn(t);
		t = next;
	}
	pthread_key_delete(st->key);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static struct store_tx *sq_tx_get(struct store *base)
{
	struct sq_store *st = SQS(base);
	struct sqtx *t = pthread_getspecific(st->key);
	if (t)
		return &t->base;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	char err[256];
	if (sq_open_conn(st->path, &t->db, err, sizeof(err)) < 0) {
		fprintf(stderr, "guichetd: %s\n", err);
		free(t);
		return NULL;
	}
	t->base.ops = &sq_ops;
	t->base.store = base;
	pthread_mutex_lock(&st->lock);
	t->next = st->conns;
	st->conns = t;
	pthread_mutex_unlock(&st->lock);
	pthread_setspecific(st->key, t);
	return &t->base;
}

static const char *sq_tx_error(struct store_tx *tx)
{
	return SQ(tx)->err;
}

static int sq_schema_version(struct store *st)
{
	struct store_tx *tx = sq_tx_get(st);
	return tx ? user_version(SQ(tx)->db) : -1;
}

/* --- statements --------------------------------------------------------- */

sqlite3_stmt *sq_prep(struct sqtx *t, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % SQ_STMT_CACHE;
	for (size_t n = 0; n < SQ_STMT_CACHE; n++, h = (h + 1) % SQ_STMT_CACHE) {
		struct sq_stmt *c = &t->cache[h];
		if (c->sql == sql) {
			sqlite3_reset(c->st);
			sqlite3_clear_bindings(c->st);
			return c->st;
		}
		if (!c->sql) {
			if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st,
					       NULL) != SQLITE_OK) {
				snprintf(t->err, sizeof(t->err), "%s", sqlite3_errmsg(t->db));
				c->st = NULL;
				return NULL;
			}
			c->sql = sql;
			return c->st;
		}
	}
	snprintf(t->err, sizeof(t->err), "statement cache full");
	return NULL;
}

int sq_rc(struct sqtx *t, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_CONSTRAINT:
		snprintf(t->err, sizeof(t->err), "%s", sqlite3_errmsg(t->db));
		return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			       ? STORE_EXISTS
			       : STORE_INVALID;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		snprintf(t->err, sizeof(t->err), "database busy");
		return STORE_BUSY;
	default:
		snprintf(t->err, sizeof(t->err), "%s", sqlite3_errmsg(t->db));
		fprintf(stderr, "guichetd: store: %s\n", t->err);
		return STORE_ERROR;
	}
}

int sq_exec_stmt(struct sqtx *t, sqlite3_stmt *st)
{
	if (!st)
		return STORE_ERROR;
	int rc = sqlite3_step(st);
	int out = sq_rc(t, rc);
	sqlite3_reset(st);
	return out;
}

/* --- transactions --------------------------------------------------------- */

static int exec_simple(struct sqtx *t, const char *sql)
{
	return sq_exec_stmt(t, sq_prep(t, sql));
}

/* Inside a group, a request's transaction is the savepoint "item".  The
 * group's own transaction must still be open: SQLite ends it by itself on
 * some errors (disk full, I/O), and a savepoint opened then would be a
 * transaction of its own, committed by its RELEASE, outside the group. */
static int item_begin(struct sqtx *t)
{
	if (t->in_item || sqlite3_get_autocommit(t->db)) {
		snprintf(t->err, sizeof(t->err), "the group's transaction is no longer open");
		return STORE_ERROR;
	}
	int rc = exec_simple(t, "SAVEPOINT item");
	t->in_item = rc == STORE_OK;
	return rc;
}

static void item_rollback(struct sqtx *t)
{
	if (!t->in_item)
		return;
	t->in_item = false;
	if (sqlite3_get_autocommit(t->db) == 0) {
		exec_simple(t, "ROLLBACK TO item");
		exec_simple(t, "RELEASE item");
	}
}

static int item_commit(struct sqtx *t)
{
	if (!t->in_item) {
		snprintf(t->err, sizeof(t->err), "no transaction to commit");
		return STORE_ERROR;
	}
	int rc = exec_simple(t, "RELEASE item");
	if (rc == STORE_OK)
		t->in_item = false;
	else
		item_rollback(t);
	return rc;
}

static int sq_begin_write(struct store_tx *tx)
{
	if (SQ(tx)->group)
		return item_begin(SQ(tx));
	int rc = exec_simple(SQ(tx), "BEGIN IMMEDIATE");
	SQ(tx)->in_tx = rc == STORE_OK;
	return rc;
}

static int sq_begin_read(struct store_tx *tx)
{
	if (SQ(tx)->group)
		return item_begin(SQ(tx));
	int rc = exec_simple(SQ(tx), "BEGIN");
	SQ(tx)->in_tx = rc == STORE_OK;
	return rc;
}

static int sq_commit(struct store_tx *tx)
{
	if (SQ(tx)->group)
		return item_commit(SQ(tx));
	int rc = exec_simple(SQ(tx), "COMMIT");
	if (rc != STORE_OK)
		exec_simple(SQ(tx), "ROLLBACK");
	SQ(tx)->in_tx = 0;
	return rc;
}

static void sq_rollback(struct store_tx *tx)
{
	if (SQ(tx)->group) {
		item_rollback(SQ(tx));
		return;
	}
	if (SQ(tx)->in_tx && sqlite3_get_autocommit(SQ(tx)->db) == 0)
		exec_simple(SQ(tx), "ROLLBACK");
	SQ(tx)->in_tx = 0;
}

static int sq_group_begin(struct store_tx *tx)
{
	struct sqtx *t = SQ(tx);
	if (t->group || sqlite3_get_autocommit(t->db) == 0) {
		snprintf(t->err, sizeof(t->err), "a transaction is already open");
		return STORE_ERROR;
	}
	int rc = exec_simple(t, "BEGIN IMMEDIATE");
	t->group = rc == STORE_OK;
	t->in_tx = t->group;
	return rc;
}

static int sq_group_end(struct store_tx *tx, bool commit)
{
	struct sqtx *t = SQ(tx);
	if (!t->group) {
		snprintf(t->err, sizeof(t->err), "no group to end");
		return STORE_ERROR;
	}
	item_rollback(t); /* a part left open was not kept by its request */
	int rc = STORE_OK;
	if (sqlite3_get_autocommit(t->db)) { /* SQLite ended it (disk full, I/O) */
		snprintf(t->err, sizeof(t->err), "the group's transaction was lost");
		rc = STORE_ERROR;
	} else if (commit) {
		rc = exec_simple(t, "COMMIT");
	}
	if ((!commit || rc != STORE_OK) && sqlite3_get_autocommit(t->db) == 0)
		exec_simple(t, "ROLLBACK");
	t->group = false;
	t->in_tx = 0;
	return rc;
}

/* --- binding and reading ---------------------------------------------------- */

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void sq_bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

void sq_bind_str(sqlite3_stmt *st, int i, const json_t *obj, const char *field)
{
	sq_bind_text(st, i, json_string_value(json_object_get(obj, field)));
}

void sq_bind_int(sqlite3_stmt *st, int i, const json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);
	if (json_is_integer(v))
		sqlite3_bind_int64(st, i, json_integer_value(v));
	else
		sqlite3_bind_null(st, i);
}

void sq_bind_time(sqlite3_stmt *st, int i, const json_t *obj, const char *field)
{
	int64_t t;
	const char *s = json_string_value(json_object_get(obj, field));
	if (s && iso8601_parse(s, &t) == 0)
		sqlite3_bind_int64(st, i, t);
	else
		sqlite3_bind_null(st, i);
}

void sq_bind_json(sqlite3_stmt *st, int i, const json_t *obj, const char *field)
{
	json_t *v = json_object_get(obj, field);
	char *s = v ? json_bounded_dump(v) : NULL;
	if (s)
		sqlite3_bind_text(st, i, s, -1, free);
	else
		sqlite3_bind_null(st, i);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static json_t *column_value(sqlite3_stmt *st, int i, const char *name, char *key, size_t keylen)
{
	snprintf(key, keylen, "%s", name);
	int type = sqlite3_column_type(st, i);
	if (type == SQLITE_NULL)
		return json_null();
	if (ends_with(name, "_json")) {
		key[strlen(name) - 5] = '\0';
		const char *txt = (const char *)sqlite3_column_text(st, i);
		json_t *v = json_loads(txt ? txt : "null", JSON_DECODE_ANY, NULL);
		return v ? v : json_null();
	}
	if ((ends_with(name, "_at") || strcmp(name, "at") == 0) && type == SQLITE_INTEGER) {
		char iso[ISO8601_LEN];
		iso8601_format(sqlite3_column_int64(st, i), iso);
		return json_string(iso);
	}
	switch (type) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	default:
		return json_stringn((const char *)sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
	}
}

json_t *sq_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);
	for (int i = 0; o && i < n; i++) {
		char key[64];
		json_t *v = column_value(st, i, sqlite3_column_name(st, i), key, sizeof(key));
		if (!v || json_object_set_new(o, key, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int sq_rows(struct sqtx *t, sqlite3_stmt *st, json_t **items)
{
	if (!st)
		return STORE_ERROR;
	json_t *a = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = sq_row(st);
		if (!row || json_array_append_new(a, row) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	int out = sq_rc(t, rc);
	sqlite3_reset(st);
	if (out != STORE_OK) {
		json_decref(a);
		return out;
	}
	*items = a;
	return STORE_OK;
}

int sq_one(struct sqtx *t, sqlite3_stmt *st, json_t **out)
{
	if (!st)
		return STORE_ERROR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sq_row(st);
		sqlite3_reset(st);
		return *out ? STORE_OK : STORE_ERROR;
	}
	int r = sq_rc(t, rc);
	sqlite3_reset(st);
	return r == STORE_OK ? STORE_NOT_FOUND : r;
}

/* One process serves a SQLite store: it leads. */
static int sq_lead(struct store_tx *tx, bool *leader)
{
	(void)tx;
	*leader = true;
	return STORE_OK;
}

const struct store_ops sq_ops = {
	.name = "sqlite",
	.begin_write = sq_begin_write,
	.begin_read = sq_begin_read,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.group_begin = sq_group_begin,
	.group_end = sq_group_end,
	.service_create = sq_service_create,
	.service_list = sq_service_list,
	.service_get = sq_service_get,
	.service_get_id = sq_service_get_id,
	.service_set_sla = sq_service_set_sla,
	.agent_create = sq_agent_create,
	.agent_list = sq_agent_list,
	.agent_get = sq_agent_get,
	.agent_get_id = sq_agent_get_id,
	.agent_set_disabled = sq_agent_set_disabled,
	.agent_set_password = sq_agent_set_password,
	.agent_set_presence = sq_agent_set_presence,
	.agent_set_skills = sq_agent_set_skills,
	.token_create = sq_token_create,
	.token_lookup = sq_token_lookup,
	.token_revoke = sq_token_revoke,
	.agent_service_ids = sq_agent_service_ids,
	.citizen_search = sq_citizen_search,
	.citizen_create = sq_citizen_create,
	.citizen_get = sq_citizen_get,
	.citizen_update = sq_citizen_update,
	.citizen_timeline = sq_citizen_timeline,
	.citizen_surveys = sq_citizen_surveys,
	.citizen_merge = sq_citizen_merge,
	.merge_undo = sq_merge_undo,
	.merge_get = sq_merge_get,
	.case_list = sq_case_list,
	.case_create = sq_case_create,
	.case_get = sq_case_get,
	.case_get_ref = sq_case_get_ref,
	.case_update = sq_case_update,
	.case_event_add = sq_case_event_add,
	.case_events = sq_case_events,
	.interaction_create = sq_interaction_create,
	.interaction_get = sq_interaction_get,
	.interaction_find_ref = sq_interaction_find_ref,
	.interaction_set_case = sq_interaction_set_case,
	.viewing_set = sq_viewing_set,
	.viewing_clear = sq_viewing_clear,
	.viewing_list = sq_viewing_list,
	.event_append = sq_event_append,
	.events_since = sq_events_since,
	.event_last_seq = sq_event_last_seq,
	.event_purged = sq_event_purged,
	.events_purge = sq_events_purge,
	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.audit_verify = sq_audit_verify,
	.audit_purge = sq_audit_purge,
	.idem_claim = sq_idem_claim,
	.idem_finish = sq_idem_finish,
	.idem_release = sq_idem_release,
	.idem_purge = sq_idem_purge,
	.chat_create = sq_chat_create,
	.chat_get = sq_chat_get,
	.chat_list = sq_chat_list,
	.chat_messages = sq_chat_messages,
	.chat_message_add = sq_chat_message_add,
	.chat_set = sq_chat_set,
	.chat_queue_position = sq_chat_queue_position,
	.call_get_ext = sq_call_get_ext,
	.call_get = sq_call_get,
	.call_create = sq_call_create,
	.call_set = sq_call_set,
	.call_list = sq_call_list,
	.routing_waiting = sq_routing_waiting,
	.routing_candidates = sq_routing_candidates,
	.queue_sizes = sq_queue_sizes,
	.lead = sq_lead,
	.kv_get = sq_kv_get,
	.kv_set = sq_kv_set,
	.template_create = sq_template_create,
	.template_list = sq_template_list,
	.kb_create = sq_kb_create,
	.kb_search = sq_kb_search,
	.survey_add = sq_survey_add,
	.monitor_snapshot = sq_monitor_snapshot,
	.quality_period = sq_quality_period,
};

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.tx_get = sq_tx_get,
	.tx_error = sq_tx_error,
	.schema_version = sq_schema_version,
};
