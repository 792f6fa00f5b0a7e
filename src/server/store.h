/* The store interface: everything guichetd keeps, behind one table of
 * operations, so that the API code holds no SQL and a second back end
 * (PostgreSQL, DESIGN.md section 7) is a second table, not a second
 * program.  store_sqlite*.c is the embedded implementation.
 *
 * Records cross this interface as JSON objects with the wire's field names
 * (core/model.h); the store owns its own ids, versions and timestamps.
 *
 * Threads: a `struct store_tx` is one connection, used by one thread at a
 * time (store_tx_get gives each thread its own).  Every write happens
 * between begin_write and commit; a failed operation leaves the transaction
 * open for the caller to roll back. */
#ifndef GUICHET_SERVER_STORE_H
#define GUICHET_SERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Results of every operation. */
enum store_rc {
	STORE_OK = 0,
	STORE_NOT_FOUND = -1,
	STORE_CONFLICT = -2,   /* stale version */
	STORE_EXISTS = -3,     /* unique key taken */
	STORE_INVALID = -4,    /* refused by a rule (message in store_tx_error) */
	STORE_BUSY = -5,       /* lock not had within the busy timeout */
	STORE_ERROR = -6,      /* I/O or internal error (logged) */
};

struct store;
struct store_tx;

/* Filters of a case list. */
struct case_filter {
	const char *status;      /* NULL: any; "open" also accepts "active" = not closed/resolved */
	int64_t service_id;      /* 0: any */
	int64_t assignee_id;     /* 0: any */
	int64_t citizen_id;      /* 0: any */
	const char *cursor;      /* NULL: first page */
	int limit;
	bool by_due;             /* sort by due date (then id) instead of newest first */
};

/* One audit record before it is chained. */
struct audit_entry {
	int64_t actor_id;
	const char *actor;       /* login, or "public", "system" */
	const char *action;      /* "citizen.read", "case.update"... */
	const char *target_type; /* "citizen", "case", "agent"... */
	int64_t target_id;
	int64_t citizen_id;      /* 0 when none */
	const char *client_addr;
	int result;              /* HTTP status */
};

/* Who may see an event (hub.c filters on this). */
struct event_scope {
	int64_t service_id;      /* agents of this service */
	int64_t agent_id;        /* this agent */
	int64_t chat_id;         /* this chat's public token, when is_public */
	bool staff;              /* every agent */
	bool is_public;
};

/* What the supervisor's snapshot is computed for (monitor_snapshot). */
struct monitor_query {
	int64_t day_start;       /* local (Paris) midnight: "today" starts here */
	int64_t now;
	int64_t horizon;         /* commitments: open cases due before this are "due soon" */
	int target_s;            /* service level: answered within this many seconds */
	int short_abandon_s;     /* abandoned after less than this: not counted */
};

/* A running Idempotency-Key claim this old is a dead node's: a retry may
 * take it over (no request runs this long: writes are bounded by the
 * store's busy timeout and the connection timeout). */
#define IDEM_STALE_S 60

/* A stored idempotency record. */
struct idem_record {
	int state;               /* 0 running, 1 done */
	unsigned char hash[32];
	int status;
	char *body;              /* malloc'd, caller frees */
	char etag[32];
	char location[160];
};

struct store_ops {
	const char *name;

	/* --- transactions ---------------------------------------------- */
	int (*begin_write)(struct store_tx *tx); /* BEGIN IMMEDIATE */
	int (*begin_read)(struct store_tx *tx);
	int (*commit)(struct store_tx *tx);
	void (*rollback)(struct store_tx *tx);
	/* A group: several requests (the items of a batch) made durable by
	 * one commit, since the commit (an fsync) is what a small write costs.
	 * group_begin opens one write transaction; until group_end, every
	 * begin_write/begin_read opens a nested part of it (a savepoint),
	 * commit keeps that part and rollback undoes only that part, and
	 * idem_claim writes into the group, not on its own.  group_end
	 * commits the whole group (commit true) or undoes it; a failed final
	 * commit undoes it too.  BUSY when the write lock is not had. */
	int (*group_begin)(struct store_tx *tx);
	int (*group_end)(struct store_tx *tx, bool commit);

	/* --- services and agents ------------------------------------------ */
	int (*service_create)(struct store_tx *tx, const json_t *svc, int64_t *id);
	int (*service_list)(struct store_tx *tx, json_t **items);
	/* by slug; *out has id, slug, name, sla, keywords */
	int (*service_get)(struct store_tx *tx, const char *slug, json_t **out);
	int (*service_get_id)(struct store_tx *tx, int64_t id, json_t **out);
	int (*service_set_sla)(struct store_tx *tx, int64_t id, const json_t *sla);

	int (*agent_create)(struct store_tx *tx, const json_t *agent, const char *pw_hash,
			    int64_t *id);
	int (*agent_list)(struct store_tx *tx, json_t **items);
	/* the public record plus "id", "password_hash" (when with_secret) and
	 * "service_ids" */
	int (*agent_get)(struct store_tx *tx, const char *login, bool with_secret, json_t **out);
	int (*agent_get_id)(struct store_tx *tx, int64_t id, json_t **out);
	int (*agent_set_disabled)(struct store_tx *tx, const char *login, bool disabled);
	int (*agent_set_password)(struct store_tx *tx, int64_t id, const char *pw_hash);
	int (*agent_set_presence)(struct store_tx *tx, int64_t id, const char *presence,
				  const char *reason, int64_t at);
	/* replace the agent's skills by the services listed (slugs); INVALID
	 * naming the first unknown slug */
	int (*agent_set_skills)(struct store_tx *tx, int64_t id, const json_t *services);

	/* --- tokens (stored as hashes) ------------------------------------ */
	int (*token_create)(struct store_tx *tx, const unsigned char hash[32], int64_t agent_id,
			    int64_t chat_id, const char *kind, int64_t expires_at, int64_t *id);
	/* fills agent_id, chat_id, role name, login; NOT_FOUND when unknown,
	 * expired or the agent is disabled */
	int (*token_lookup)(struct store_tx *tx, const unsigned char hash[32], int64_t now,
			    int64_t *token_id, int64_t *agent_id, int64_t *chat_id, char role[16],
			    char login[65]);
	int (*token_revoke)(struct store_tx *tx, int64_t token_id);
	int (*agent_service_ids)(struct store_tx *tx, int64_t agent_id, int64_t *ids, int max,
				 int *n);

	/* --- citizens ------------------------------------------------------- */
	/* kind: "name" (q = folded words, each a word prefix), "phone" (E.164),
	 * "email" (normalised) or "ref" (a case reference) */
	int (*citizen_search)(struct store_tx *tx, const char *kind, const char *q,
			      const char *cursor, int limit, json_t **page);
	int (*citizen_create)(struct store_tx *tx, const json_t *c, int64_t now, int64_t *id);
	int (*citizen_get)(struct store_tx *tx, int64_t id, json_t **out);
	int (*citizen_update)(struct store_tx *tx, int64_t id, int64_t version, const json_t *patch,
			      int64_t now, json_t **out);
	/* interactions and case events, newest first */
	int (*citizen_timeline)(struct store_tx *tx, int64_t id, const char *cursor, int limit,
				json_t **page);
	int (*citizen_surveys)(struct store_tx *tx, int64_t id, json_t **items);
	/* merge `dup` into `keep`; returns the merge id */
	int (*citizen_merge)(struct store_tx *tx, int64_t keep, int64_t dup, int64_t agent_id,
			     int64_t now, int64_t *merge_id);
	int (*merge_undo)(struct store_tx *tx, int64_t merge_id, int64_t now, json_t **merge);
	int (*merge_get)(struct store_tx *tx, int64_t merge_id, json_t **merge);

	/* --- cases ----------------------------------------------------------- */
	int (*case_list)(struct store_tx *tx, const struct case_filter *f, json_t **page);
	/* c has service_id, due_at (epoch), ack_due_at resolved by the caller */
	int (*case_create)(struct store_tx *tx, const json_t *c, int64_t service_id,
			   int64_t assignee_id, int64_t due_at, int64_t ack_due_at, int64_t now,
			   int64_t *id);
	/* the record plus "service_id" and "assignee_id" */
	int (*case_get)(struct store_tx *tx, int64_t id, json_t **out);
	int (*case_get_ref)(struct store_tx *tx, const char *ref, json_t **out);
	/* apply already-validated columns: status, priority, subject,
	 * description, life_event, service_id, assignee_id, due_at; CONFLICT
	 * when version is stale */
	int (*case_update)(struct store_tx *tx, int64_t id, int64_t version, const json_t *set,
			   int64_t now);
	/* data is consumed: the store takes the reference (NULL allowed) */
	int (*case_event_add)(struct store_tx *tx, int64_t case_id, const char *kind,
			      int64_t agent_id, json_t *data, int64_t now, int64_t *id);
	/* a case's history, newest first, a page of limit; *page as for
	 * citizen_timeline; STORE_INVALID: a cursor that is not ours */
	int (*case_events)(struct store_tx *tx, int64_t case_id, const char *cursor, int limit,
			   json_t **page);

	/* --- interactions ---------------------------------------------------- */
	int (*interaction_create)(struct store_tx *tx, const json_t *i, int64_t agent_id,
				  int64_t now, int64_t *id);
	int (*interaction_get)(struct store_tx *tx, int64_t id, json_t **out);
	/* the interaction of a channel with that external_ref (an email's
	 * Message-ID), the oldest if several; NOT_FOUND when none */
	int (*interaction_find_ref)(struct store_tx *tx, const char *channel, const char *ref,
				    json_t **out);
	/* attach an interaction recorded without a case to one */
	int (*interaction_set_case)(struct store_tx *tx, int64_t id, int64_t case_id);

	/* --- collision marks (type "case" or "citizen") ----------------------- */
	/* mark (or renew) agent's mode ("viewing", "writing") on the record
	 * until `until`; NOT_FOUND when the record does not exist */
	int (*viewing_set)(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
			   const char *mode, int64_t until, int64_t now);
	int (*viewing_clear)(struct store_tx *tx, int64_t agent_id, const char *type, int64_t id,
			     bool *removed);
	/* the live marks on a record: login, mode, expires_at; by login */
	int (*viewing_list)(struct store_tx *tx, const char *type, int64_t id, int64_t now,
			    json_t **items);

	/* --- events ------------------------------------------------------------ */
	/* the event's seq is given as the transaction commits, in commit
	 * order (a reader of "seq > last" never passes over one to come) */
	int (*event_append)(struct store_tx *tx, const char *type, const json_t *payload,
			    const struct event_scope *scope, int64_t now);
	/* events with seq > after, at most limit, oldest first: each item has
	 * seq, type, data (JSON text) and the scope columns */
	int (*events_since)(struct store_tx *tx, int64_t after, int limit, json_t **items);
	/* the newest seq ever given, kept or purged (0 when none) */
	int (*event_last_seq)(struct store_tx *tx, int64_t *seq);
	/* what events_purge removed: *purged = the newest seq deleted (every
	 * seq up to it is gone; 0 when nothing ever was), *purged_at = its
	 * time, epoch seconds */
	int (*event_purged)(struct store_tx *tx, int64_t *purged, int64_t *purged_at);
	/* delete, oldest first, at most limit events older than `before`,
	 * stopping at the first that is not (so that what is gone is always
	 * every seq up to a boundary); *n = how many went.  Seqs are never
	 * given again. */
	int (*events_purge)(struct store_tx *tx, int64_t before, int limit, int64_t *n);

	/* --- audit --------------------------------------------------------------- */
	int (*audit_append)(struct store_tx *tx, const struct audit_entry *e, int64_t now);
	int (*audit_list)(struct store_tx *tx, int64_t citizen_id, const char *actor,
			  const char *cursor, int limit, json_t **page);
	/* walks the chain; *bad = id of the first broken record (0 when sound) */
	int (*audit_verify)(struct store_tx *tx, int64_t *checked, int64_t *bad, char *why,
			    size_t whylen);
	int (*audit_purge)(struct store_tx *tx, int64_t before, int64_t *purged);

	/* --- idempotency ------------------------------------------------------------ */
	/* claim (caller, key) at `now`: STORE_OK when new (a running record is
	 * written and committed, or, inside a group, written into the group),
	 * or when the same request's running claim is older than IDEM_STALE_S
	 * (its node died mid-request: the claim is taken over and stamped
	 * `now`); STORE_EXISTS with *rec filled otherwise.  The claim's stamp
	 * (`now`) names it to idem_finish and idem_release. */
	int (*idem_claim)(struct store_tx *tx, const char *caller, const char *key,
			  const unsigned char hash[32], int64_t now, struct idem_record *rec);
	/* inside the write transaction of the request; STORE_CONFLICT when the
	 * claim stamped claimed_at is no longer running (taken over) */
	int (*idem_finish)(struct store_tx *tx, const char *caller, const char *key,
			   int64_t claimed_at, int status, const char *body, const char *etag,
			   const char *location);
	int (*idem_release)(struct store_tx *tx, const char *caller, const char *key,
			    int64_t claimed_at);
	int (*idem_purge)(struct store_tx *tx, int64_t before);

	/* --- live chat ----------------------------------------------------------- */
	/* start has name, email, subject, text (the first message is added) */
	int (*chat_create)(struct store_tx *tx, const json_t *start, int64_t citizen_id,
			   int64_t service_id, const char *routed_by, double confidence, int64_t now,
			   int64_t *id);
	/* the record: id, status, service, service_id, subject, visitor_name,
	 * citizen_id, agent, agent_id, offered_to, offered_at, declined, case_id,
	 * version, created_at, accepted_at, closed_at */
	int (*chat_get)(struct store_tx *tx, int64_t id, json_t **out);
	/* status NULL: every chat not closed; agent_id 0: any */
	int (*chat_list)(struct store_tx *tx, const char *status, int64_t agent_id, json_t **items);
	int (*chat_messages)(struct store_tx *tx, int64_t id, json_t **items);
	int (*chat_message_add)(struct store_tx *tx, int64_t chat_id, const char *sender,
				int64_t agent_id, const char *text, int64_t now, int64_t *id);
	/* set columns: status, agent_id, offered_to, offered_at, declined (array),
	 * case_id, wrapup_code, citizen_id, accepted_at, closed_at (epoch ints) */
	int (*chat_set)(struct store_tx *tx, int64_t id, const json_t *set);
	/* 1-based place in its service queue (0 when not waiting) */
	int (*chat_queue_position)(struct store_tx *tx, int64_t id, int *pos);

	/* --- calls (CTI) ----------------------------------------------------------- */
	int (*call_get_ext)(struct store_tx *tx, const char *call_id, json_t **out);
	int (*call_get)(struct store_tx *tx, int64_t id, json_t **out);
	/* c has call_id, from, to; citizen and service resolved by the caller */
	int (*call_create)(struct store_tx *tx, const json_t *c, int64_t citizen_id,
			   int64_t service_id, const char *state, int64_t at, int64_t *id);
	/* set columns: state, agent_id, offered_to, offered_at, declined,
	 * answered_at, ended_at, service_id */
	int (*call_set)(struct store_tx *tx, int64_t id, const json_t *set);
	/* calls not ended */
	int (*call_list)(struct store_tx *tx, json_t **items);

	/* --- routing --------------------------------------------------------------- */
	/* chats and calls waiting for an agent (queued or offered), oldest
	 * first: kind, id, service_id, offered_to, offered_at, declined */
	int (*routing_waiting)(struct store_tx *tx, json_t **items);
	/* available agents with a skill in service_id, longest idle first:
	 * id, login, chat_capacity, active_chats, offers (chats and calls),
	 * call_offers, active_calls, idle_s */
	int (*routing_candidates)(struct store_tx *tx, int64_t service_id, json_t **agents);
	/* waiting chats and calls per service: service, channel, waiting */
	int (*queue_sizes)(struct store_tx *tx, json_t **items);
	/* true in *leader when this process leads the routing of offers: one
	 * process at a time among those sharing the store, the lead passing
	 * to another when its holder dies (SQLite: always, one process) */
	int (*lead)(struct store_tx *tx, bool *leader);
	int (*kv_get)(struct store_tx *tx, const char *key, char **value);
	int (*kv_set)(struct store_tx *tx, const char *key, const char *value);

	/* --- templates, knowledge, surveys, monitor --------------------------------- */
	int (*template_create)(struct store_tx *tx, const json_t *t, int64_t service_id, int64_t *id);
	int (*template_list)(struct store_tx *tx, json_t **items);
	int (*kb_create)(struct store_tx *tx, const json_t *a, int64_t service_id,
			 const char *search_key, int64_t now, int64_t *id);
	/* folded words, each must appear; NULL or "": newest first */
	int (*kb_search)(struct store_tx *tx, const char *folded, int limit, json_t **items);
	int (*survey_add)(struct store_tx *tx, const json_t *s, int64_t citizen_id, int64_t chat_id,
			  int64_t case_id, int64_t service_id, int64_t now, int64_t *id);
	/* queues, agents, today's figures since q->day_start, queue
	 * statistics, commitments, satisfaction (doc/api.md 2.32); one read
	 * transaction of the caller's gives one consistent snapshot */
	int (*monitor_snapshot)(struct store_tx *tx, const struct monitor_query *q, json_t **out);
	/* published quality: raw counts per service (all when service_id is 0)
	 * for [from, to), never a name nor a text (store_sqlite_quality.c) */
	int (*quality_period)(struct store_tx *tx, int64_t from, int64_t to, int64_t service_id,
			      json_t **items);
};

struct store_tx {
	const struct store_ops *ops;
	struct store *store;
};

/* Open (creating and migrating) the store at `where`: a directory or
 * sqlite:DIR (SQLite), or a postgresql:// URI; NULL or "" for SQLite in
 * data_dir.  data_dir holds the node's own files (the audit key).
 * Returns NULL with a message in err.  Free with store_close after every
 * thread is done. */
struct store *store_open(const char *where, const char *data_dir, char *err, size_t errlen);
void store_close(struct store *st);

/* The calling thread's connection to st (opened on first use, closed by
 * store_close).  NULL when it cannot be opened. */
struct store_tx *store_tx_get(struct store *st);

/* The last error message of tx (owned by tx). */
const char *store_tx_error(struct store_tx *tx);

/* The schema version of an open store. */
int store_schema_version(struct store *st);

/* What another process sharing the store may have changed (bits). */
enum store_news {
	STORE_NEWS_EVENTS = 1 << 0,  /* it committed events */
	STORE_NEWS_ROUTING = 1 << 1, /* what routing offers: store_tell_routing */
};

/* Call woken(arg, news) from a thread of the store's whenever another
 * process sharing the store may have changed what news says (PostgreSQL:
 * a NOTIFY, and once a second at the latest both, should one be lost);
 * SQLite, which one process serves, never.  0, or -1 when the thread
 * cannot start.  store_unlisten stops it (before store_close). */
int store_listen(struct store *st, void (*woken)(void *arg, unsigned news), void *arg);
void store_unlisten(struct store *st);

/* Tell the other processes sharing st that what routing offers may have
 * changed (a chat queued, an agent available): their listeners get
 * STORE_NEWS_ROUTING.  Call from a thread with no transaction open.  A
 * case note does not wake the router of every node this way. */
void store_tell_routing(struct store *st);

/* How many operations the store's driver does not have yet (a driver
 * being written: the admin commands work, serving needs them all); -1
 * when no connection can be had. */
int store_ops_missing(struct store *st);

/* "sqlite" or "postgresql". */
const char *store_kind(const struct store *st);

#endif
