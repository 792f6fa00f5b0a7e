/* Internals shared by the PostgreSQL implementation of the store
 * (store_pg*.c): the per-thread connection, its prepared statements, the
 * parameters of a statement and the row-to-JSON conventions, the same as
 * SQLite's (store_sqlite.h): a column named x_json holds JSON and comes
 * out as x; an integer column named x_at (or at) is epoch seconds and
 * comes out as an ISO 8601 string.  Not for the API code.
 *
 * SQL is written with $1, $2…; every statement is a string literal whose
 * address keys its prepared statement on the connection. */
#ifndef GUICHET_SERVER_STORE_PG_H
#define GUICHET_SERVER_STORE_PG_H

#include <libpq-fe.h>

#include "server/store.h"
#include "server/store_cursor.h"

#define PG_STMT_CACHE 256
#define PG_MAX_PARAMS 24

struct pg_stmt {
	const char *sql;          /* the literal's address is the key */
	char name[12];
};

struct pgtx {
	struct store_tx base;     /* first: a store_tx * is a pgtx * */
	PGconn *conn;
	struct pg_stmt cache[PG_STMT_CACHE];
	int nprepared;
	char err[256];
	bool in_tx;
	bool group;               /* inside group_begin: transactions are savepoints */
	bool in_item;             /* the group's savepoint "item" is open */
	bool emitted;             /* events appended: NOTIFY the other nodes after commit */
	/* Events and audit records appended, written when the transaction
	 * commits (store_pg_log.c): the rows that every writer serialises on
	 * are then locked for one round trip, not for the whole request. */
	json_t *events;
	json_t *audits;
	size_t item_events, item_audits; /* how many when the group's item began */
	bool leading;             /* holds the routing lead (session advisory lock) */
	struct pgtx *next;        /* the store's list of connections */
};

#define PGT(tx) ((struct pgtx *)(tx))

/* The parameters of one statement, as text (bytes for bytea); NULL is
 * SQL NULL.  Filled by pg_arg_*, consumed (freed) by the pg_exec family. */
struct pg_args {
	int n;
	bool overflow;            /* more than PG_MAX_PARAMS: the statement fails */
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS];
	int fmt[PG_MAX_PARAMS];   /* 1: binary (bytea) */
	char num[PG_MAX_PARAMS][24];
	char *owned[PG_MAX_PARAMS];
};

void pg_arg_text(struct pg_args *a, const char *s);        /* NULL: NULL */
void pg_arg_int(struct pg_args *a, int64_t v);
void pg_arg_id(struct pg_args *a, int64_t v);              /* 0: NULL */
void pg_arg_real(struct pg_args *a, double v);
void pg_arg_bool(struct pg_args *a, bool v);
void pg_arg_bytes(struct pg_args *a, const unsigned char *p, size_t n);
/* from a JSON object's member: a string, an integer, an ISO 8601 time as
 * epoch seconds, any value as JSON text; NULL when absent or of another type */
void pg_arg_str(struct pg_args *a, const json_t *obj, const char *field);
void pg_arg_jint(struct pg_args *a, const json_t *obj, const char *field);
void pg_arg_time(struct pg_args *a, const json_t *obj, const char *field);
void pg_arg_json(struct pg_args *a, const json_t *obj, const char *field);
/* a JSON array of rows as one text parameter (json_to_recordset($n));
 * false when it cannot be dumped or there is no room: fail the statement */
bool pg_arg_rows(struct pg_args *a, const json_t *rows);
void pg_args_free(struct pg_args *a);

/* Run sql with a's parameters (a may be NULL; it is freed either way).
 * pg_exec: *changed = rows affected (may be NULL).  pg_rows: every row as
 * a JSON object.  pg_one: the single row, NOT_FOUND when none.  pg_int:
 * the first column of the first row (RETURNING id), NOT_FOUND when none.
 * Errors map to STORE_* with the message in t->err. */
int pg_exec(struct pgtx *t, const char *sql, struct pg_args *a, int64_t *changed);
int pg_rows(struct pgtx *t, const char *sql, struct pg_args *a, json_t **items);
int pg_one(struct pgtx *t, const char *sql, struct pg_args *a, json_t **out);
int pg_int(struct pgtx *t, const char *sql, struct pg_args *a, int64_t *out);
/* Like pg_exec, the result kept for the caller (PQclear it); NULL with
 * *rc set on error. */
PGresult *pg_result(struct pgtx *t, const char *sql, struct pg_args *a, int *rc);

/* Statements sent together in one round trip (libpq's pipeline mode) and
 * run in order; the first that fails stops the rest and gives the error.
 * Each step's args are consumed; its result is kept in res when keep is
 * set (the caller PQclears it), NULL otherwise. */
struct pg_step {
	const char *sql;
	struct pg_args a;
	bool keep;
	PGresult *res;
};
#define PG_MAX_STEPS 4
int pg_pipeline(struct pgtx *t, struct pg_step *steps, int n);

/* A row of a result as JSON, by the conventions above. */
json_t *pg_row(const PGresult *res, int row);

extern const struct store_ops pg_ops;

/* After a commit that appended events: wake the other nodes
 * (store_pg_notify.c). */
void pg_notify_committed(struct pgtx *t);

/* store_pg_log.c: the transaction's events and audit records, written
 * with its COMMIT; the marks, kept and dropped, for a group's items. */
int pg_log_commit(struct pgtx *t);
void pg_log_mark(struct pgtx *t);
void pg_log_drop_to_mark(struct pgtx *t);
void pg_log_drop(struct pgtx *t);

/* store_pg_notify.c */
int pg_listen(struct store *st, void (*woken)(void *arg, unsigned news), void *arg);
void pg_unlisten(struct store *st);
void pg_tell_routing(struct store *st);
const char *pg_conninfo(struct store *st);
/* The listener, held (NULL when none) until released: pg_set_listener
 * waits for every holder, so one who holds it may use it. */
void *pg_listener_hold(struct store *st);
void pg_listener_release(struct store *st);
void pg_set_listener(struct store *st, void *l);
int pg_lead(struct store_tx *, bool *);

/* The node's audit key (shared by every node: see guichetd(8)). */
const unsigned char *pg_audit_key(struct pgtx *t);

/* --- the ops, by file ------------------------------------------------------ */

/* store_pg_people.c */
int pg_service_create(struct store_tx *, const json_t *, int64_t *);
int pg_service_list(struct store_tx *, json_t **);
int pg_service_get(struct store_tx *, const char *, json_t **);
int pg_service_get_id(struct store_tx *, int64_t, json_t **);
int pg_service_set_sla(struct store_tx *, int64_t, const json_t *);
int pg_agent_create(struct store_tx *, const json_t *, const char *, int64_t *);
int pg_agent_list(struct store_tx *, json_t **);
int pg_agent_get(struct store_tx *, const char *, bool, json_t **);
int pg_agent_get_id(struct store_tx *, int64_t, json_t **);
int pg_agent_set_disabled(struct store_tx *, const char *, bool);
int pg_agent_set_password(struct store_tx *, int64_t, const char *);
int pg_agent_set_presence(struct store_tx *, int64_t, const char *, const char *, int64_t);
int pg_agent_set_skills(struct store_tx *, int64_t, const json_t *);
int pg_token_create(struct store_tx *, const unsigned char *, int64_t, int64_t, const char *,
		    int64_t, int64_t *);
int pg_token_lookup(struct store_tx *, const unsigned char *, int64_t, int64_t *, int64_t *,
		    int64_t *, char *, char *);
int pg_token_revoke(struct store_tx *, int64_t);
int pg_agent_service_ids(struct store_tx *, int64_t, int64_t *, int, int *);

/* store_pg_log.c: events, audit, idempotency, kv */
int pg_event_append(struct store_tx *, const char *, const json_t *, const struct event_scope *,
		    int64_t);
int pg_events_since(struct store_tx *, int64_t, int, json_t **);
int pg_event_last_seq(struct store_tx *, int64_t *);
int pg_event_purged(struct store_tx *, int64_t *, int64_t *);
int pg_events_purge(struct store_tx *, int64_t, int, int64_t *);
int pg_audit_append(struct store_tx *, const struct audit_entry *, int64_t);
int pg_audit_list(struct store_tx *, int64_t, const char *, const char *, int, json_t **);
int pg_audit_verify(struct store_tx *, int64_t *, int64_t *, char *, size_t);
int pg_audit_purge(struct store_tx *, int64_t, int64_t *);
int pg_idem_claim(struct store_tx *, const char *, const char *, const unsigned char *, int64_t,
		  struct idem_record *);
int pg_idem_finish(struct store_tx *, const char *, const char *, int64_t, int, const char *,
		   const char *, const char *);
int pg_idem_release(struct store_tx *, const char *, const char *, int64_t);
int pg_idem_purge(struct store_tx *, int64_t);
int pg_kv_get(struct store_tx *, const char *, char **);
int pg_kv_set(struct store_tx *, const char *, const char *);

/* store_pg_citizens.c, store_pg_merge.c: citizens, their names, merges */
int pg_citizen_search(struct store_tx *, const char *, const char *, const char *, int,
		      json_t **);
int pg_citizen_create(struct store_tx *, const json_t *, int64_t, int64_t *);
int pg_citizen_get(struct store_tx *, int64_t, json_t **);
int pg_citizen_update(struct store_tx *, int64_t, int64_t, const json_t *, int64_t, json_t **);
int pg_citizen_timeline(struct store_tx *, int64_t, const char *, int, json_t **);
int pg_citizen_surveys(struct store_tx *, int64_t, json_t **);
int pg_citizen_merge(struct store_tx *, int64_t, int64_t, int64_t, int64_t, int64_t *);
int pg_merge_undo(struct store_tx *, int64_t, int64_t, json_t **);
int pg_merge_get(struct store_tx *, int64_t, json_t **);


/* store_pg_cases.c: cases and interactions; store_pg_viewing.c: collision marks */
int pg_case_list(struct store_tx *, const struct case_filter *, json_t **);
int pg_case_create(struct store_tx *, const json_t *, int64_t, int64_t, int64_t, int64_t,
		   int64_t, int64_t *);
int pg_case_get(struct store_tx *, int64_t, json_t **);
int pg_case_get_ref(struct store_tx *, const char *, json_t **);
int pg_case_update(struct store_tx *, int64_t, int64_t, const json_t *, int64_t);
int pg_case_event_add(struct store_tx *, int64_t, const char *, int64_t, json_t *, int64_t,
		      int64_t *);
int pg_case_events(struct store_tx *, int64_t, const char *, int, json_t **);
int pg_interaction_create(struct store_tx *, const json_t *, int64_t, int64_t, int64_t *);
int pg_interaction_get(struct store_tx *, int64_t, json_t **);
int pg_interaction_find_ref(struct store_tx *, const char *, const char *, json_t **);
int pg_interaction_set_case(struct store_tx *, int64_t, int64_t);

int pg_viewing_set(struct store_tx *, int64_t, const char *, int64_t, const char *, int64_t,
		   int64_t);
int pg_viewing_clear(struct store_tx *, int64_t, const char *, int64_t, bool *);
int pg_viewing_list(struct store_tx *, const char *, int64_t, int64_t, json_t **);

/* store_pg_chats.c: chats, calls, routing */
int pg_chat_create(struct store_tx *, const json_t *, int64_t, int64_t, const char *, double,
		   int64_t, int64_t *);
int pg_chat_get(struct store_tx *, int64_t, json_t **);
int pg_chat_list(struct store_tx *, const char *, int64_t, json_t **);
int pg_chat_messages(struct store_tx *, int64_t, json_t **);
int pg_chat_message_add(struct store_tx *, int64_t, const char *, int64_t, const char *, int64_t,
			int64_t *);
int pg_chat_set(struct store_tx *, int64_t, const json_t *);
int pg_chat_queue_position(struct store_tx *, int64_t, int *);
int pg_call_get_ext(struct store_tx *, const char *, json_t **);
int pg_call_get(struct store_tx *, int64_t, json_t **);
int pg_call_create(struct store_tx *, const json_t *, int64_t, int64_t, const char *, int64_t,
		   int64_t *);
int pg_call_set(struct store_tx *, int64_t, const json_t *);
int pg_call_list(struct store_tx *, json_t **);
int pg_routing_waiting(struct store_tx *, json_t **);
int pg_routing_candidates(struct store_tx *, int64_t, json_t **);
int pg_queue_sizes(struct store_tx *, json_t **);

/* store_pg_knowledge.c, store_pg_monitor*.c, store_pg_quality.c */
int pg_template_create(struct store_tx *, const json_t *, int64_t, int64_t *);
int pg_template_list(struct store_tx *, json_t **);
int pg_kb_create(struct store_tx *, const json_t *, int64_t, const char *, int64_t, int64_t *);
int pg_kb_search(struct store_tx *, const char *, int, json_t **);
int pg_survey_add(struct store_tx *, const json_t *, int64_t, int64_t, int64_t, int64_t, int64_t,
		  int64_t *);
int pg_monitor_snapshot(struct store_tx *, const struct monitor_query *, json_t **);
/* store_pg_monitor2.c: the parts of the snapshot past today's figures */
int pg_monitor_queue_stats(struct pgtx *, const struct monitor_query *, json_t **);
int pg_monitor_commitments(struct pgtx *, const struct monitor_query *, json_t **);
int pg_monitor_satisfaction(struct pgtx *, const struct monitor_query *, json_t **);
int pg_monitor_comments(struct pgtx *, json_t **);
int pg_quality_period(struct store_tx *, int64_t, int64_t, int64_t, json_t **);

/* store_pg_names.c: the name index.  Write a citizen's words (key NULL:
 * remove them); the one-word search: *ids gets the page's ids in name
 * order (limit + 1 at most), or stays NULL when the prefix is too broad
 * for it; the search of every word (SQLite's full-text path): ids whose
 * words each query word starts. */
int pg_names_write(struct pgtx *t, int64_t id, const char *key);
int pg_names_search(struct pgtx *t, const char *word, const json_t *cur, int limit, json_t **ids);
int pg_names_match(struct pgtx *t, const char *q, const json_t *cur, int limit, json_t **ids);

#endif
