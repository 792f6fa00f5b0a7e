/* PostgreSQL store: the append-only logs, made safe for several nodes.
 *
 * Events: each seq is given under the row lock of event_tail, held until
 * the transaction ends, so that seqs become visible in order and a node
 * that tails "seq > last" never passes over one still to commit.  Audit:
 * appends are serialised by a transaction-level advisory lock, so that the
 * chain never forks; it verifies as SQLite's does (store_audit.c).
 * Both locks are wanted by every writer of every node, so a transaction's
 * events and records wait in it (pgtx.events, .audits) and are written
 * with its COMMIT (pg_log_commit): the chain's lock is then held for two
 * round trips, event_tail's for the last one alone.
 * Idempotency records and kv are shared rows. */
#include "server/store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/json_bounded.h"
#include "server/store_audit.h"

#define AUDIT_LOCK 0x6775696368657402LL

/* The event waits in the transaction for its COMMIT (pg_log_commit). */
int pg_event_append(struct store_tx *tx, const char *type, const json_t *payload,
		    const struct event_scope *scope, int64_t now)
{
	struct pgtx *t = PGT(tx);
	char *data = json_bounded_dump(payload);
	json_t *e = data ? json_pack("{sssssIsIsIsisisI}", "type", type, "data", data,
				     "service_id", (json_int_t)scope->service_id,
				     "agent_id", (json_int_t)scope->agent_id,
				     "chat_id", (json_int_t)scope->chat_id, "staff", scope->staff,
				     "public", scope->is_public, "at", (json_int_t)now)
			 : NULL;
	free(data);
	if (!e || (!t->events && !(t->events = json_array())) ||
	    json_array_append_new(t->events, e) < 0) {
		snprintf(t->err, sizeof(t->err), "out of memory");
		return STORE_ERROR;
	}
	t->emitted = true;
	return STORE_OK;
}

int pg_events_since(struct store_tx *tx, int64_t after, int limit, json_t **items)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, after);
	pg_arg_int(&a, limit);
	/* data stays JSON text: the hub sends it as it is */
	return pg_rows(PGT(tx), "SELECT seq, type, data, service_id, agent_id, chat_id, staff, public"
				" FROM events WHERE seq > $1 ORDER BY seq LIMIT $2", &a, items);
}

int pg_event_last_seq(struct store_tx *tx, int64_t *seq)
{
	return pg_int(PGT(tx), "SELECT last_seq FROM event_tail WHERE id = 1", NULL, seq);
}

int pg_event_purged(struct store_tx *tx, int64_t *purged, int64_t *purged_at)
{
	json_t *row = NULL;
	int rc = pg_one(PGT(tx), "SELECT purged_seq, purged_at AS purged FROM event_tail WHERE id = 1",
			NULL, &row);
	if (rc != STORE_OK)
		return rc;
	*purged = json_integer_value(json_object_get(row, "purged_seq"));
	*purged_at = json_integer_value(json_object_get(row, "purged"));
	json_decref(row);
	return STORE_OK;
}

int pg_events_purge(struct store_tx *tx, int64_t before, int limit, int64_t *n)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	*n = 0;
	pg_arg_int(&a, limit);
	pg_arg_int(&a, before);
	/* the longest run, oldest first, of events all older than `before` */
	int rc = pg_one(PGT(tx), "WITH head AS (SELECT seq, at FROM events ORDER BY seq LIMIT $1),"
				 " stop AS (SELECT min(seq) AS seq FROM head WHERE at >= $2)"
				 " SELECT count(*) AS n, max(h.seq) AS last, max(h.at) AS newest"
				 " FROM head h, stop WHERE stop.seq IS NULL OR h.seq < stop.seq", &a, &row);
	if (rc != STORE_OK)
		return rc;
	int64_t count = json_integer_value(json_object_get(row, "n"));
	int64_t last = json_integer_value(json_object_get(row, "last"));
	int64_t newest = json_integer_value(json_object_get(row, "newest"));
	json_decref(row);
	if (count == 0)
		return STORE_OK;
	pg_arg_int(&a, last);
	rc = pg_exec(PGT(tx), "DELETE FROM events WHERE seq <= $1", &a, n);
	if (rc != STORE_OK)
		return rc;
	/* another node may have purged further meanwhile: the boundary only grows */
	pg_arg_int(&a, last);
	pg_arg_int(&a, newest);
	return pg_exec(PGT(tx), "UPDATE event_tail SET purged_seq = greatest(purged_seq, $1),"
				" purged_at = greatest(purged_at, $2) WHERE id = 1", &a, NULL);
}

/* --- audit -------------------------------------------------------------------- */

/* A bytea read as hex (encode(…, 'hex')) into 32 bytes. */
static bool hash_of(const json_t *row, const char *field, unsigned char out[32])
{
	const char *hex = json_string_value(json_object_get(row, field));
	size_t n = 0;
	return hex && sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL) == 0 && n == 32;
}

/* The kv head's value for record id: the newest record, kept beside the
 * chain so that cutting the tail is seen too. */
static void head_value(int64_t id, const unsigned char hash[32], char val[96])
{
	char hex[65];
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	snprintf(val, 96, "%lld:%s", (long long)id, hex);
}

/* The record waits in the transaction for its COMMIT, which chains it. */
int pg_audit_append(struct store_tx *tx, const struct audit_entry *e, int64_t now)
{
	struct pgtx *t = PGT(tx);
	json_t *r = json_pack("{sIsIss?sssssIsIss?si}", "actor_id", (json_int_t)e->actor_id,
			      "at", (json_int_t)now, "actor", e->actor, "action", e->action,
			      "target_type", e->target_type, "target_id", (json_int_t)e->target_id,
			      "citizen_id", (json_int_t)e->citizen_id, "client_addr", e->client_addr,
			      "result", e->result); /* its id comes with the chain's lock */
	if (!r || (!t->audits && !(t->audits = json_array())) ||
	    json_array_append_new(t->audits, r) < 0) {
		snprintf(t->err, sizeof(t->err), r ? "out of memory" : "an audit field is not UTF-8");
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* --- what a transaction writes with its COMMIT ------------------------------------ */

static size_t pending(const json_t *arr)
{
	return arr ? json_array_size(arr) : 0;
}

void pg_log_mark(struct pgtx *t)
{
	t->item_events = pending(t->events);
	t->item_audits = pending(t->audits);
}

static void drop_after(json_t *arr, size_t keep)
{
	while (pending(arr) > keep)
		json_array_remove(arr, json_array_size(arr) - 1);
}

void pg_log_drop_to_mark(struct pgtx *t)
{
	drop_after(t->events, t->item_events);
	drop_after(t->audits, t->item_audits);
}

void pg_log_drop(struct pgtx *t)
{
	drop_after(t->events, 0);
	drop_after(t->audits, 0);
	t->item_events = t->item_audits = 0;
}

/* Take the chain's lock and read the hash the next record chains to (the
 * newest record's, else the anchor left by a purge, else zeros) in one
 * round trip: the head's statement runs once the lock is granted, with a
 * snapshot of its own, so it sees the newest record. */
static int lock_chain(struct pgtx *t, int64_t *last_id, unsigned char head[32])
{
	struct pg_step s[2] = { { .sql = "SELECT pg_advisory_xact_lock($1)" },
				{ .sql = "SELECT id, encode(hash, 'hex') AS hash FROM"
					 " (SELECT id, hash, 0 AS k FROM"
					 "  (SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1) a"
					 "  UNION ALL SELECT last_id, hash, 1 FROM audit_anchor WHERE id = 1) h"
					 " ORDER BY k LIMIT 1", .keep = true } };
	pg_arg_int(&s[0].a, AUDIT_LOCK);
	memset(head, 0, 32);
	*last_id = 0;
	int rc = pg_pipeline(t, s, 2);
	if (rc != STORE_OK)
		return rc;
	if (PQntuples(s[1].res) > 0) {
		json_t *row = pg_row(s[1].res, 0);
		if (row && hash_of(row, "hash", head))
			*last_id = json_integer_value(json_object_get(row, "id"));
		json_decref(row);
	}
	PQclear(s[1].res);
	return STORE_OK;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jnum(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* Number the records from the head and chain them; the new head's kv value
 * into head. */
static int chain_records(struct pgtx *t, json_t *audits, char head[96])
{
	int64_t id = 0;
	unsigned char prev[32], hash[32];
	int rc = lock_chain(t, &id, prev);
	if (rc != STORE_OK)
		return rc;
	size_t i;
	json_t *r;
	json_array_foreach(audits, i, r) {
		struct audit_entry e = { jnum(r, "actor_id"), jstr(r, "actor"), jstr(r, "action"),
					 jstr(r, "target_type"), jnum(r, "target_id"),
					 jnum(r, "citizen_id"), jstr(r, "client_addr"),
					 (int)jnum(r, "result") };
		store_audit_hash(pg_audit_key(t), prev, ++id, jnum(r, "at"), &e, hash);
		char hex[65];
		json_object_set_new(r, "id", json_integer(id));
		json_object_set_new(r, "prev", json_string(sodium_bin2hex(hex, sizeof(hex), prev, 32)));
		json_object_set_new(r, "hash", json_string(sodium_bin2hex(hex, sizeof(hex), hash, 32)));
		memcpy(prev, hash, 32);
	}
	head_value(id, prev, head);
	return STORE_OK;
}

static int no_memory(struct pgtx *t)
{
	snprintf(t->err, sizeof(t->err), "out of memory");
	return STORE_ERROR;
}

/* The records, the head, the events (numbered under event_tail's lock, held
 * until this COMMIT ends) and the COMMIT itself: one round trip. */
int pg_log_commit(struct pgtx *t)
{
	struct pg_step s[PG_MAX_STEPS] = { { 0 } };
	int n = 0, rc = STORE_OK;
	char head[96];
	if (pending(t->audits) && (rc = chain_records(t, t->audits, head)) == STORE_OK) {
		s[n].sql = "WITH rec AS (INSERT INTO audit(id, at, actor_id, actor, action, target_type,"
			   " target_id, citizen_id, client_addr, result, prev_hash, hash)"
			   " SELECT x.id, x.at, nullif(x.actor_id, 0), x.actor, x.action, x.target_type,"
			   " nullif(x.target_id, 0), nullif(x.citizen_id, 0), x.client_addr, x.result,"
			   " decode(x.prev, 'hex'), decode(x.hash, 'hex')"
			   " FROM json_to_recordset($1::json) AS x(id bigint, at bigint, actor_id bigint,"
			   " actor text, action text, target_type text, target_id bigint,"
			   " citizen_id bigint, client_addr text, result int, prev text, hash text)"
			   " RETURNING id)"
			   " INSERT INTO kv(key, value) SELECT 'audit_head', $2 FROM (SELECT 1 FROM rec LIMIT 1) r"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value";
		if (!pg_arg_rows(&s[n].a, t->audits))
			rc = no_memory(t);
		pg_arg_text(&s[n++].a, head);
	}
	if (rc == STORE_OK && pending(t->events)) {
		s[n].sql = "WITH tail AS (UPDATE event_tail SET last_seq = last_seq + $2 WHERE id = 1"
			   " RETURNING last_seq - $2 AS base)"
			   " INSERT INTO events(seq, type, data, service_id, agent_id, chat_id, staff,"
			   " public, at) SELECT tail.base + x.n, x.type, x.data, nullif(x.service_id, 0),"
			   " nullif(x.agent_id, 0), nullif(x.chat_id, 0), x.staff, x.public, x.at"
			   " FROM tail, ROWS FROM (json_to_recordset($1::json) AS (type text, data text,"
			   " service_id bigint, agent_id bigint, chat_id bigint, staff int, public int,"
			   " at bigint)) WITH ORDINALITY AS x(type, data, service_id, agent_id, chat_id,"
			   " staff, public, at, n)";
		if (!pg_arg_rows(&s[n].a, t->events))
			rc = no_memory(t);
		pg_arg_int(&s[n++].a, (int64_t)json_array_size(t->events));
	}
	s[n++].sql = "COMMIT";
	if (rc == STORE_OK)
		rc = pg_pipeline(t, s, n);
	else
		for (int i = 0; i < n; i++)
			pg_args_free(&s[i].a);
	pg_log_drop(t);
	return rc;
}

static char *audit_cursor(const json_t *item)
{
	return cursor_make(json_pack("[I]", json_integer_value(json_object_get(item, "id"))));
}

int pg_audit_list(struct store_tx *tx, int64_t citizen_id, const char *actor, const char *cursor,
		  int limit, json_t **page)
{
	struct pgtx *t = PGT(tx);
	struct pg_args a = { 0 };
	json_t *cur = NULL, *items = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	pg_arg_id(&a, citizen_id);
	pg_arg_text(&a, actor);
	pg_arg_id(&a, cur ? json_integer_value(json_array_get(cur, 0)) : 0);
	pg_arg_int(&a, limit + 1);
	json_decref(cur);
	int rc = pg_rows(t, "SELECT id, at, actor, action, target_type, target_id, citizen_id,"
			    " client_addr, result FROM audit"
			    " WHERE ($1::bigint IS NULL OR citizen_id = $1)"
			    " AND ($2::text IS NULL OR actor = $2)"
			    " AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4", &a, &items);
	if (rc == STORE_OK)
		*page = store_page(items, limit, audit_cursor);
	return rc;
}

/* Check the kv head against the newest record seen by the walk. */
static int check_head(struct pgtx *t, int64_t last, const unsigned char hash[32], int64_t *bad,
		      char *why, size_t whylen)
{
	char *want = NULL, hex[65], have[96];
	int rc = pg_kv_get(&t->base, "audit_head", &want);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return rc;
	if (!want && last == 0)
		return STORE_OK;
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	snprintf(have, sizeof(have), "%lld:%s", (long long)last, hex);
	if (!want || strcmp(want, have) != 0) {
		*bad = last + 1;
		snprintf(why, whylen, "the newest records were removed (the log ends at %lld, the"
				      " chain head says otherwise)", (long long)last);
	}
	free(want);
	return STORE_OK;
}

/* One record of the walk: NULL when it chains to prev, else what is wrong. */
static const char *check_record(struct pgtx *t, const PGresult *r, int i, int64_t expect_id,
				unsigned char prev[32])
{
	json_t *row = pg_row(r, i);
	unsigned char hash[32], stored_prev[32], stored[32];
	const char *problem = NULL;
	int64_t id = json_integer_value(json_object_get(row, "id"));
	struct audit_entry e = {
		.actor_id = json_integer_value(json_object_get(row, "actor_id")),
		.actor = json_string_value(json_object_get(row, "actor")),
		.action = json_string_value(json_object_get(row, "action")),
		.target_type = json_string_value(json_object_get(row, "target_type")),
		.target_id = json_integer_value(json_object_get(row, "target_id")),
		.citizen_id = json_integer_value(json_object_get(row, "citizen_id")),
		.client_addr = json_string_value(json_object_get(row, "client_addr")),
		.result = (int)json_integer_value(json_object_get(row, "result")),
	};
	store_audit_hash(pg_audit_key(t), prev, id,
			 json_integer_value(json_object_get(row, "epoch")), &e, hash);
	if (id != expect_id + 1)
		problem = "a record is missing before this one";
	else if (!hash_of(row, "prev", stored_prev) || memcmp(stored_prev, prev, 32) != 0)
		problem = "its link to the previous record is broken";
	else if (!hash_of(row, "hash", stored) || memcmp(stored, hash, 32) != 0)
		problem = "its content was changed";
	else
		memcpy(prev, hash, 32);
	json_decref(row);
	return problem;
}

#define VERIFY_PAGE 5000

int pg_audit_verify(struct store_tx *tx, int64_t *checked, int64_t *bad, char *why, size_t whylen)
{
	struct pgtx *t = PGT(tx);
	struct pg_args a = { 0 };
	unsigned char prev[32];
	int64_t expect_id = 0;
	json_t *anchor = NULL;
	*checked = *bad = 0;
	memset(prev, 0, 32);
	int rc = pg_one(t, "SELECT last_id, encode(hash, 'hex') AS hash FROM audit_anchor WHERE id = 1",
			NULL, &anchor);
	if (rc == STORE_OK && hash_of(anchor, "hash", prev))
		expect_id = json_integer_value(json_object_get(anchor, "last_id"));
	json_decref(anchor);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return rc;
	for (;;) { /* by pages: the log of a large service does not fit in memory */
		pg_arg_int(&a, expect_id);
		pg_arg_int(&a, VERIFY_PAGE);
		PGresult *r = pg_result(t, "SELECT id, at AS epoch, actor_id, actor, action, target_type,"
					   " target_id, citizen_id, client_addr, result,"
					   " encode(prev_hash, 'hex') AS prev, encode(hash, 'hex') AS hash"
					   " FROM audit WHERE id > $1 ORDER BY id LIMIT $2", &a, &rc);
		if (!r)
			return rc;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			const char *problem = check_record(t, r, i, expect_id, prev);
			int64_t id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
			if (problem) {
				*bad = id;
				snprintf(why, whylen, "record %lld: %s", (long long)id, problem);
				PQclear(r);
				return STORE_OK;
			}
			expect_id = id;
			(*checked)++;
		}
		PQclear(r);
		if (n < VERIFY_PAGE)
			break;
	}
	return check_head(t, expect_id, prev, bad, why, whylen);
}

int pg_audit_purge(struct store_tx *tx, int64_t before, int64_t *purged)
{
	struct pgtx *t = PGT(tx);
	struct pg_args a = { 0 };
	json_t *row = NULL;
	*purged = 0;
	pg_arg_int(&a, AUDIT_LOCK);
	int rc = pg_exec(t, "SELECT pg_advisory_xact_lock($1)", &a, NULL);
	if (rc != STORE_OK)
		return rc;
	pg_arg_int(&a, before);
	rc = pg_one(t, "SELECT id, hash FROM audit WHERE at < $1 ORDER BY id DESC LIMIT 1", &a, &row);
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	int64_t last = json_integer_value(json_object_get(row, "id"));
	json_decref(row);
	/* The anchor keeps the chain verifiable from the first record kept. */
	pg_arg_int(&a, last);
	rc = pg_exec(t, "INSERT INTO audit_anchor(id, last_id, hash)"
			" SELECT 1, id, hash FROM audit WHERE id = $1"
			" ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
		     &a, NULL);
	if (rc != STORE_OK)
		return rc;
	pg_arg_int(&a, last);
	return pg_exec(t, "DELETE FROM audit WHERE id <= $1", &a, purged);
}

/* --- idempotency ---------------------------------------------------------------- */

static void copy_text(char *out, size_t n, const json_t *row, const char *field)
{
	const char *s = json_string_value(json_object_get(row, field));
	snprintf(out, n, "%s", s ? s : "");
}

static int idem_read(struct pgtx *t, const char *caller, const char *key, struct idem_record *rec)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	pg_arg_text(&a, caller);
	pg_arg_text(&a, key);
	int rc = pg_one(t, "SELECT state, encode(hash, 'hex') AS hash, status, body, etag, location"
			   " FROM idempotency WHERE caller = $1 AND key = $2", &a, &row);
	if (rc != STORE_OK)
		return rc;
	memset(rec, 0, sizeof(*rec));
	rec->state = (int)json_integer_value(json_object_get(row, "state"));
	hash_of(row, "hash", rec->hash);
	rec->status = (int)json_integer_value(json_object_get(row, "status"));
	const char *body = json_string_value(json_object_get(row, "body"));
	rec->body = body ? strdup(body) : NULL;
	copy_text(rec->etag, sizeof(rec->etag), row, "etag");
	copy_text(rec->location, sizeof(rec->location), row, "location");
	json_decref(row);
	return STORE_OK;
}

int pg_idem_claim(struct store_tx *tx, const char *caller, const char *key,
		  const unsigned char *hash, int64_t now, struct idem_record *rec)
{
	struct pgtx *t = PGT(tx);
	struct pg_args a = { 0 };
	int64_t n = 0;
	pg_arg_text(&a, caller);
	pg_arg_text(&a, key);
	pg_arg_bytes(&a, hash, 32);
	pg_arg_int(&a, now);
	pg_arg_int(&a, now - IDEM_STALE_S);
	/* the DO UPDATE takes over a dead node's claim of the same request;
	 * two retries racing for it: the row lock lets one through */
	int rc = pg_exec(t, "INSERT INTO idempotency(caller, key, hash, created_at)"
			    " VALUES($1, $2, $3, $4) ON CONFLICT (caller, key) DO UPDATE"
			    " SET created_at = EXCLUDED.created_at WHERE idempotency.state = 0"
			    " AND idempotency.created_at < $5 AND idempotency.hash = EXCLUDED.hash",
			 &a, &n);
	if (rc != STORE_OK)
		return rc;
	if (n == 1)
		return STORE_OK;
	rc = idem_read(t, caller, key, rec);
	return rc == STORE_OK ? STORE_EXISTS : rc;
}

int pg_idem_finish(struct store_tx *tx, const char *caller, const char *key, int64_t claimed_at,
		   int status, const char *body, const char *etag, const char *location)
{
	struct pg_args a = { 0 };
	int64_t n = 0;
	pg_arg_int(&a, status);
	pg_arg_text(&a, body);
	pg_arg_text(&a, etag && *etag ? etag : NULL);
	pg_arg_text(&a, location && *location ? location : NULL);
	pg_arg_text(&a, caller);
	pg_arg_text(&a, key);
	pg_arg_int(&a, claimed_at);
	int rc = pg_exec(PGT(tx), "UPDATE idempotency SET state = 1, status = $1, body = $2, etag = $3,"
				  " location = $4 WHERE caller = $5 AND key = $6 AND state = 0"
				  " AND created_at = $7", &a, &n);
	return rc == STORE_OK && n != 1 ? STORE_CONFLICT : rc; /* taken over: leave nothing */
}

int pg_idem_release(struct store_tx *tx, const char *caller, const char *key, int64_t claimed_at)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, caller);
	pg_arg_text(&a, key);
	pg_arg_int(&a, claimed_at);
	return pg_exec(PGT(tx), "DELETE FROM idempotency WHERE caller = $1 AND key = $2"
				" AND state = 0 AND created_at = $3", &a, NULL);
}

int pg_idem_purge(struct store_tx *tx, int64_t before)
{
	struct pg_args a = { 0 };
	pg_arg_int(&a, before);
	return pg_exec(PGT(tx), "DELETE FROM idempotency WHERE created_at < $1", &a, NULL);
}

/* --- kv ------------------------------------------------------------------------------- */

int pg_kv_get(struct store_tx *tx, const char *key, char **value)
{
	struct pg_args a = { 0 };
	json_t *row = NULL;
	*value = NULL;
	pg_arg_text(&a, key);
	int rc = pg_one(PGT(tx), "SELECT value FROM kv WHERE key = $1", &a, &row);
	if (rc == STORE_OK) {
		*value = strdup(json_string_value(json_object_get(row, "value")));
		json_decref(row);
		if (!*value)
			return STORE_ERROR;
	}
	return rc;
}

int pg_kv_set(struct store_tx *tx, const char *key, const char *value)
{
	struct pg_args a = { 0 };
	pg_arg_text(&a, key);
	pg_arg_text(&a, value);
	return pg_exec(PGT(tx), "INSERT INTO kv(key, value) VALUES($1, $2)"
				" ON CONFLICT(key) DO UPDATE SET value = excluded.value", &a, NULL);
}
