/* Internals shared by the SQLite implementation of the store
 * (store_sqlite*.c): the per-thread connection, the prepared-statement
 * cache, and the row-to-JSON conventions.  Not for the API code. */
#ifndef GUICHET_SERVER_STORE_SQLITE_H
#define GUICHET_SERVER_STORE_SQLITE_H

#include <sqlite3.h>

#include "server/store.h"
#include "server/store_cursor.h"

#define SQ_STMT_CACHE 128

struct sq_stmt {
	const char *sql;          /* the literal's address is the key */
	sqlite3_stmt *st;
};

struct sqtx {
	struct store_tx base;     /* first: a store_tx * is a sqtx * */
	sqlite3 *db;
	struct sq_stmt cache[SQ_STMT_CACHE];
	char err[256];
	int in_tx;
	bool group;               /* inside group_begin: transactions are savepoints */
	bool in_item;             /* the group's savepoint "item" is open */
	struct sqtx *next;        /* the store's list of connections */
};

#define SQ(tx) ((struct sqtx *)(tx))

/* A cached, reset statement for the SQL literal (bindings cleared), or NULL
 * with the error recorded. */
sqlite3_stmt *sq_prep(struct sqtx *t, const char *sql);

/* The 32-byte key of the audit chain (data_dir/audit.key, 0600). */
const unsigned char *sq_audit_key(struct sqtx *t);

/* Map an SQLite result code to a store code, recording the message. */
int sq_rc(struct sqtx *t, int rc);

/* Step a statement that returns no row; STORE_OK or an error. */
int sq_exec_stmt(struct sqtx *t, sqlite3_stmt *st);

/* Bind helpers; an absent or null JSON member binds NULL. */
void sq_bind_str(sqlite3_stmt *st, int i, const json_t *obj, const char *field);
void sq_bind_int(sqlite3_stmt *st, int i, const json_t *obj, const char *field);
void sq_bind_time(sqlite3_stmt *st, int i, const json_t *obj, const char *field);
void sq_bind_json(sqlite3_stmt *st, int i, const json_t *obj, const char *field);
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);  /* NULL binds NULL */
void sq_bind_id(sqlite3_stmt *st, int i, int64_t v);       /* 0 binds NULL */

/* The current row as a JSON object, by column name: a name ending in "_at"
 * or equal to "at" holds epoch seconds and becomes an ISO-8601 string; a
 * name ending in "_json" holds JSON text and becomes its value under the
 * name without the suffix; other columns keep their SQLite type.  NULL when
 * out of memory. */
json_t *sq_row(sqlite3_stmt *st);

/* All rows of st as a JSON array (st is reset after). */
int sq_rows(struct sqtx *t, sqlite3_stmt *st, json_t **items);

/* One row into *out: STORE_OK, STORE_NOT_FOUND or an error. */
int sq_one(struct sqtx *t, sqlite3_stmt *st, json_t **out);


/* Operations defined in each file, gathered into the ops table. */
extern const struct store_ops sq_ops;

/* people: services, agents, tokens */
int sq_service_create(struct store_tx *, const json_t *, int64_t *);
int sq_service_list(struct store_tx *, json_t **);
int sq_service_get(struct store_tx *, const char *, json_t **);
int sq_service_get_id(struct store_tx *, int64_t, json_t **);
int sq_service_set_sla(struct store_tx *, int64_t, const json_t *);
int sq_agent_create(struct store_tx *, const json_t *, const char *, int64_t *);
int sq_agent_list(struct store_tx *, json_t **);
int sq_agent_get(struct store_tx *, const char *, bool, json_t **);
int sq_agent_get_id(struct store_tx *, int64_t, json_t **);
int sq_agent_set_disabled(struct store_tx *, const char *, bool);
int sq_agent_set_password(struct store_tx *, int64_t, const char *);
int sq_agent_set_presence(struct store_tx *, int64_t, const char *, const char *, int64_t);
int sq_agent_set_skills(struct store_tx *, int64_t, const json_t *);
int sq_token_create(struct store_tx *, const unsigned char *, int64_t, int64_t, const char *,
		    int64_t, int64_t *);
int sq_token_lookup(struct store_tx *, const unsigned char *, int64_t, int64_t *, int64_t *,
		    int64_t *, char *, char *);
int sq_token_revoke(struct store_tx *, int64_t);
int sq_agent_service_ids(struct store_tx *, int64_t, int64_t *, int, int *);

/* citizens */
/* The name index (store_sqlite_names.c): write a citizen's words (key
 * NULL: remove them), fill it from the citizens table (migration), and the
 * one-word search: *ids gets the page's ids in name order (limit + 1 at
 * most), or stays NULL when the prefix is too broad for it. */
int sq_names_write(struct sqtx *t, int64_t id, const char *key);
int sq_names_backfill(sqlite3 *db);
int sq_names_search(struct sqtx *t, const char *word, const json_t *cur, int limit, json_t **ids);

int sq_citizen_search(struct store_tx *, const char *, const char *, const char *, int,
		      json_t **);
int sq_citizen_create(struct store_tx *, const json_t *, int64_t, int64_t *);
int sq_citizen_get(struct store_tx *, int64_t, json_t **);
int sq_citizen_update(struct store_tx *, int64_t, int64_t, const json_t *, int64_t, json_t **);
int sq_citizen_timeline(struct store_tx *, int64_t, const char *, int, json_t **);
int sq_citizen_surveys(struct store_tx *, int64_t, json_t **);
int sq_citizen_merge(struct store_tx *, int64_t, int64_t, int64_t, int64_t, int64_t *);
int sq_merge_undo(struct store_tx *, int64_t, int64_t, json_t **);
int sq_merge_get(struct store_tx *, int64_t, json_t **);

/* cases and interactions */
int sq_case_list(struct store_tx *, const struct case_filter *, json_t **);
int sq_case_create(struct store_tx *, const json_t *, int64_t, int64_t, int64_t, int64_t,
		   int64_t, int64_t *);
int sq_case_get(struct store_tx *, int64_t, json_t **);
int sq_case_get_ref(struct store_tx *, const char *, json_t **);
int sq_case_update(struct store_tx *, int64_t, int64_t, const json_t *, int64_t);
int sq_case_event_add(struct store_tx *, int64_t, const char *, int64_t, json_t *, int64_t,
		      int64_t *);
int sq_case_events(struct store_tx *, int64_t, const char *, int, json_t **);
int sq_interaction_create(struct store_tx *, const json_t *, int64_t, int64_t, int64_t *);
int sq_interaction_get(struct store_tx *, int64_t, json_t **);
int sq_interaction_find_ref(struct store_tx *, const char *, const char *, json_t **);
int sq_interaction_set_case(struct store_tx *, int64_t, int64_t);

/* collision marks */
int sq_viewing_set(struct store_tx *, int64_t, const char *, int64_t, const char *, int64_t,
		   int64_t);
int sq_viewing_clear(struct store_tx *, int64_t, const char *, int64_t, bool *);
int sq_viewing_list(struct store_tx *, const char *, int64_t, int64_t, json_t **);
/* log: events, audit, idempotency */
int sq_event_append(struct store_tx *, const char *, const json_t *, const struct event_scope *,
		    int64_t);
int sq_events_since(struct store_tx *, int64_t, int, json_t **);
int sq_event_last_seq(struct store_tx *, int64_t *);
int sq_event_purged(struct store_tx *, int64_t *, int64_t *);
int sq_events_purge(struct store_tx *, int64_t, int, int64_t *);
int sq_audit_append(struct store_tx *, const struct audit_entry *, int64_t);
int sq_audit_list(struct store_tx *, int64_t, const char *, const char *, int, json_t **);
int sq_audit_verify(struct store_tx *, int64_t *, int64_t *, char *, size_t);
int sq_audit_purge(struct store_tx *, int64_t, int64_t *);
int sq_idem_claim(struct store_tx *, const char *, const char *, const unsigned char *, int64_t,
		  struct idem_record *);
int sq_idem_finish(struct store_tx *, const char *, const char *, int64_t, int, const char *,
		   const char *, const char *);
int sq_idem_release(struct store_tx *, const char *, const char *, int64_t);
int sq_idem_purge(struct store_tx *, int64_t);

/* chats, calls, routing */
int sq_chat_create(struct store_tx *, const json_t *, int64_t, int64_t, const char *, double,
		   int64_t, int64_t *);
int sq_chat_get(struct store_tx *, int64_t, json_t **);
int sq_chat_list(struct store_tx *, const char *, int64_t, json_t **);
int sq_chat_messages(struct store_tx *, int64_t, json_t **);
int sq_chat_message_add(struct store_tx *, int64_t, const char *, int64_t, const char *, int64_t,
			int64_t *);
int sq_chat_set(struct store_tx *, int64_t, const json_t *);
int sq_chat_queue_position(struct store_tx *, int64_t, int *);
int sq_call_get_ext(struct store_tx *, const char *, json_t **);
int sq_call_get(struct store_tx *, int64_t, json_t **);
int sq_call_create(struct store_tx *, const json_t *, int64_t, int64_t, const char *, int64_t,
		   int64_t *);
int sq_call_set(struct store_tx *, int64_t, const json_t *);
int sq_call_list(struct store_tx *, json_t **);
int sq_routing_waiting(struct store_tx *, json_t **);
int sq_routing_candidates(struct store_tx *, int64_t, json_t **);
int sq_queue_sizes(struct store_tx *, json_t **);
int sq_kv_get(struct store_tx *, const char *, char **);
int sq_kv_set(struct store_tx *, const char *, const char *);

/* templates, knowledge, surveys, monitor */
int sq_template_create(struct store_tx *, const json_t *, int64_t, int64_t *);
int sq_template_list(struct store_tx *, json_t **);
int sq_kb_create(struct store_tx *, const json_t *, int64_t, const char *, int64_t, int64_t *);
int sq_kb_search(struct store_tx *, const char *, int, json_t **);
int sq_survey_add(struct store_tx *, const json_t *, int64_t, int64_t, int64_t, int64_t, int64_t,
		  int64_t *);
int sq_monitor_snapshot(struct store_tx *, const struct monitor_query *, json_t **);
/* store_sqlite_monitor2.c: the parts of the snapshot past today's figures */
int sq_monitor_queue_stats(struct sqtx *, const struct monitor_query *, json_t **);
int sq_monitor_commitments(struct sqtx *, const struct monitor_query *, json_t **);
int sq_monitor_satisfaction(struct sqtx *, const struct monitor_query *, json_t **);
int sq_monitor_comments(struct sqtx *, json_t **);
int sq_quality_period(struct store_tx *, int64_t, int64_t, int64_t, json_t **);

#endif
