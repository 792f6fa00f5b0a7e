/* SQLite store: the append-only logs.  Events (the sequence every client
 * follows, purged oldest first once past their retention), the audit trail
 * (hash-chained with a keyed BLAKE2b, so that an edit, a deletion or a
 * recomputed chain without the key is detected), and idempotency records. */
#include "server/store_sqlite.h"
#include "server/store_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

int sq_event_append(struct store_tx *tx, const char *type, const json_t *payload,
		    const struct event_scope *scope, int64_t now)
{
	struct sqtx *t = SQ(tx);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO events(type, data_json, service_id, agent_id,"
				      " chat_id, staff, public, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, type);
	json_t *w = json_pack("{sO}", "d", (json_t *)payload);
	sq_bind_json(st, 2, w, "d");
	json_decref(w);
	sq_bind_id(st, 3, scope->service_id);
	sq_bind_id(st, 4, scope->agent_id);
	sq_bind_id(st, 5, scope->chat_id);
	sqlite3_bind_int(st, 6, scope->staff);
	sqlite3_bind_int(st, 7, scope->is_public);
	sqlite3_bind_int64(st, 8, now);
	return sq_exec_stmt(t, st);
}

int sq_events_since(struct store_tx *tx, int64_t after, int limit, json_t **items)
{
	/* data stays JSON text: the hub sends it as it is */
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT seq, type, data_json AS data, service_id,"
					   " agent_id, chat_id, staff, public FROM events"
					   " WHERE seq > ? ORDER BY seq LIMIT ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	return sq_rows(SQ(tx), st, items);
}

int sq_event_last_seq(struct store_tx *tx, int64_t *seq)
{
	/* sqlite_sequence (events.seq is AUTOINCREMENT) still knows the newest
	 * seq when a purge has emptied the table. */
	sqlite3_stmt *st = sq_prep(SQ(tx), "SELECT max(coalesce((SELECT max(seq) FROM events), 0),"
					   " coalesce((SELECT seq FROM sqlite_sequence"
					   " WHERE name = 'events'), 0))");
	if (!st)
		return STORE_ERROR;
	int rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	int r = sq_rc(SQ(tx), rc);
	sqlite3_reset(st);
	return r;
}

/* The purge boundary lives in kv as "SEQ:AT": the newest seq deleted and
 * the newest time among the deleted events. */
#define EVENTS_PURGED_KEY "events_purged"

int sq_event_purged(struct store_tx *tx, int64_t *purged, int64_t *purged_at)
{
	*purged = *purged_at = 0;
	char *v = NULL;
	int rc = sq_kv_get(tx, EVENTS_PURGED_KEY, &v);
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	char *end;
	long long seq = strtoll(v, &end, 10), at = 0;
	if (*end == ':')
		at = strtoll(end + 1, &end, 10);
	if (*end || seq < 0) { /* unreadable: an error, rather than guess and skip events */
		snprintf(SQ(tx)->err, sizeof(SQ(tx)->err), "kv %s: bad value", EVENTS_PURGED_KEY);
		fprintf(stderr, "guichetd: store: %s\n", SQ(tx)->err);
		free(v);
		return STORE_ERROR;
	}
	free(v);
	*purged = seq;
	*purged_at = at;
	return STORE_OK;
}

/* The longest run of at most limit events, oldest first, all older than
 * before: *last = its newest seq, *newest_at = its newest time. */
static int purge_run(struct sqtx *t, int64_t before, int limit, int64_t *last,
		     int64_t *newest_at, int64_t *n)
{
	sqlite3_stmt *st = sq_prep(t, "SELECT seq, at FROM events ORDER BY seq LIMIT ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(st, 1);
		if (at >= before)
			break;
		*last = sqlite3_column_int64(st, 0);
		if (at > *newest_at)
			*newest_at = at;
		(*n)++;
	}
	int r = sq_rc(t, rc);
	sqlite3_reset(st);
	return r;
}

int sq_events_purge(struct store_tx *tx, int64_t before, int limit, int64_t *n)
{
	struct sqtx *t = SQ(tx);
	int64_t old = 0, old_at = 0, last = 0;
	*n = 0;
	int rc = sq_event_purged(tx, &old, &old_at);
	int64_t newest_at = old_at;
	if (rc == STORE_OK)
		rc = purge_run(t, before, limit, &last, &newest_at, n);
	if (rc != STORE_OK || *n == 0)
		return rc;
	/* seq is the rowid: a range delete walks the table's own b-tree */
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM events WHERE seq <= ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, last);
	rc = sq_exec_stmt(t, del);
	if (rc != STORE_OK)
		return rc;
	char val[48];
	snprintf(val, sizeof(val), "%lld:%lld", (long long)(last > old ? last : old),
		 (long long)newest_at);
	return sq_kv_set(tx, EVENTS_PURGED_KEY, val);
}

/* --- audit -------------------------------------------------------------- */

/* The hash the next record chains to: the newest record's, else the
 * anchor left by a purge, else zeros. */
static int chain_head(struct sqtx *t, int64_t *last_id, unsigned char head[32])
{
	sqlite3_stmt *st = sq_prep(t, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
	if (!st)
		return STORE_ERROR;
	memset(head, 0, 32);
	*last_id = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
		*last_id = sqlite3_column_int64(st, 0);
		memcpy(head, sqlite3_column_blob(st, 1), 32);
		sqlite3_reset(st);
		return STORE_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_rc(t, rc);
	st = sq_prep(t, "SELECT last_id, hash FROM audit_anchor WHERE id = 1");
	if (!st)
		return STORE_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32) {
		*last_id = sqlite3_column_int64(st, 0);
		memcpy(head, sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_reset(st);
	return STORE_OK;
}

/* Remember the newest record in kv, so that cutting the tail is seen too. */
static int write_head(struct sqtx *t, int64_t id, const unsigned char hash[32])
{
	char val[96], hex[65];
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	snprintf(val, sizeof(val), "%lld:%s", (long long)id, hex);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO kv(key, value) VALUES('audit_head', ?)"
				      " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, val);
	return sq_exec_stmt(t, st);
}

int sq_audit_append(struct store_tx *tx, const struct audit_entry *e, int64_t now)
{
	struct sqtx *t = SQ(tx);
	int64_t last = 0;
	unsigned char prev[32], hash[32];
	int rc = chain_head(t, &last, prev);
	if (rc != STORE_OK)
		return rc;
	int64_t id = last + 1;
	store_audit_hash(sq_audit_key(t), prev, id, now, e, hash);
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO audit(id, at, actor_id, actor, action, target_type,"
				      " target_id, citizen_id, client_addr, result, prev_hash, hash)"
				      " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sq_bind_id(st, 3, e->actor_id);
	sq_bind_text(st, 4, e->actor);
	sq_bind_text(st, 5, e->action);
	sq_bind_text(st, 6, e->target_type);
	sq_bind_id(st, 7, e->target_id);
	sq_bind_id(st, 8, e->citizen_id);
	sq_bind_text(st, 9, e->client_addr);
	sqlite3_bind_int(st, 10, e->result);
	sqlite3_bind_blob(st, 11, prev, 32, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 12, hash, 32, SQLITE_TRANSIENT);
	rc = sq_exec_stmt(t, st);
	return rc == STORE_OK ? write_head(t, id, hash) : rc;
}

static char *audit_cursor(const json_t *item)
{
	return cursor_make(json_pack("[I]", json_integer_value(json_object_get(item, "id"))));
}

int sq_audit_list(struct store_tx *tx, int64_t citizen_id, const char *actor, const char *cursor,
		  int limit, json_t **page)
{
	struct sqtx *t = SQ(tx);
	json_t *cur = NULL;
	if (cursor && !(cur = cursor_parse(cursor))) {
		snprintf(t->err, sizeof(t->err), "bad cursor");
		return STORE_INVALID;
	}
	sqlite3_stmt *st = sq_prep(t, "SELECT id, at, actor, action, target_type, target_id,"
				      " citizen_id, client_addr, result FROM audit"
				      " WHERE (?1 IS NULL OR citizen_id = ?1) AND (?2 IS NULL OR actor = ?2)"
				      " AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4");
	if (!st) {
		json_decref(cur);
		return STORE_ERROR;
	}
	sq_bind_id(st, 1, citizen_id);
	sq_bind_text(st, 2, actor);
	if (cur)
		sqlite3_bind_int64(st, 3, json_integer_value(json_array_get(cur, 0)));
	json_decref(cur);
	sqlite3_bind_int(st, 4, limit + 1);
	json_t *items = NULL;
	int rc = sq_rows(t, st, &items);
	if (rc == STORE_OK)
		*page = store_page(items, limit, audit_cursor);
	return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Check the kv head against the newest record seen by the walk. */
static int check_head(struct sqtx *t, int64_t last, const unsigned char hash[32], int64_t *bad,
		      char *why, size_t whylen)
{
	sqlite3_stmt *st = sq_prep(t, "SELECT value FROM kv WHERE key = 'audit_head'");
	if (!st)
		return STORE_ERROR;
	char want[96] = "", hex[65];
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(want, sizeof(want), "%s", col_text(st, 0));
	sqlite3_reset(st);
	if (!*want && last == 0)
		return STORE_OK;
	sodium_bin2hex(hex, sizeof(hex), hash, 32);
	char have[96];
	snprintf(have, sizeof(have), "%lld:%s", (long long)last, hex);
	if (strcmp(want, have) != 0) {
		*bad = last + 1;
		snprintf(why, whylen, "the newest records were removed (the log ends at %lld, the"
				      " chain head says otherwise)", (long long)last);
	}
	return STORE_OK;
}

int sq_audit_verify(struct store_tx *tx, int64_t *checked, int64_t *bad, char *why, size_t whylen)
{
	struct sqtx *t = SQ(tx);
	unsigned char prev[32], hash[32];
	int64_t expect_id = 0;
	*checked = 0;
	*bad = 0;
	memset(prev, 0, 32);
	sqlite3_stmt *an = sq_prep(t, "SELECT last_id, hash FROM audit_anchor WHERE id = 1");
	if (!an)
		return STORE_ERROR;
	if (sqlite3_step(an) == SQLITE_ROW) {
		expect_id = sqlite3_column_int64(an, 0);
		memcpy(prev, sqlite3_column_blob(an, 1), 32);
	}
	sqlite3_reset(an);
	sqlite3_stmt *st = sq_prep(t, "SELECT id, at, actor_id, actor, action, target_type, target_id,"
				      " citizen_id, client_addr, result, prev_hash, hash FROM audit"
				      " ORDER BY id");
	if (!st)
		return STORE_ERROR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		struct audit_entry e = {
			.actor_id = sqlite3_column_int64(st, 2), .actor = col_text(st, 3),
			.action = col_text(st, 4), .target_type = col_text(st, 5),
			.target_id = sqlite3_column_int64(st, 6), .citizen_id = sqlite3_column_int64(st, 7),
			.client_addr = col_text(st, 8), .result = sqlite3_column_int(st, 9),
		};
		store_audit_hash(sq_audit_key(t), prev, id, sqlite3_column_int64(st, 1), &e, hash);
		const char *problem = NULL;
		if (id != expect_id + 1)
			problem = "a record is missing before this one";
		else if (sqlite3_column_bytes(st, 10) != 32 ||
			 memcmp(sqlite3_column_blob(st, 10), prev, 32) != 0)
			problem = "its link to the previous record is broken";
		else if (sqlite3_column_bytes(st, 11) != 32 ||
			 memcmp(sqlite3_column_blob(st, 11), hash, 32) != 0)
			problem = "its content was changed";
		if (problem) {
			*bad = id;
			snprintf(why, whylen, "record %lld: %s", (long long)id, problem);
			sqlite3_reset(st);
			return STORE_OK;
		}
		memcpy(prev, hash, 32);
		expect_id = id;
		(*checked)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_rc(t, rc);
	return check_head(t, expect_id, prev, bad, why, whylen);
}

int sq_audit_purge(struct store_tx *tx, int64_t before, int64_t *purged)
{
	struct sqtx *t = SQ(tx);
	*purged = 0;
	sqlite3_stmt *st = sq_prep(t, "SELECT id, hash FROM audit WHERE at < ? ORDER BY id DESC LIMIT 1");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, before);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return STORE_OK;
	}
	int64_t last = sqlite3_column_int64(st, 0);
	unsigned char hash[32];
	memcpy(hash, sqlite3_column_blob(st, 1), 32);
	sqlite3_reset(st);
	/* The anchor keeps the chain verifiable from the first record kept. */
	sqlite3_stmt *an = sq_prep(t, "INSERT INTO audit_anchor(id, last_id, hash) VALUES(1, ?, ?)"
				      " ON CONFLICT(id) DO UPDATE SET last_id = excluded.last_id,"
				      " hash = excluded.hash");
	if (!an)
		return STORE_ERROR;
	sqlite3_bind_int64(an, 1, last);
	sqlite3_bind_blob(an, 2, hash, 32, SQLITE_TRANSIENT);
	int rc = sq_exec_stmt(t, an);
	if (rc != STORE_OK)
		return rc;
	sqlite3_stmt *del = sq_prep(t, "DELETE FROM audit WHERE id <= ?");
	if (!del)
		return STORE_ERROR;
	sqlite3_bind_int64(del, 1, last);
	rc = sq_exec_stmt(t, del);
	if (rc == STORE_OK)
		*purged = sqlite3_changes64(t->db);
	return rc;
}

/* --- idempotency ------------------------------------------------------------- */

static int idem_read(struct sqtx *t, const char *caller, const char *key, struct idem_record *rec)
{
	sqlite3_stmt *st = sq_prep(t, "SELECT state, hash, status, body, etag, location FROM idempotency"
				      " WHERE caller = ? AND key = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, caller);
	sq_bind_text(st, 2, key);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = sq_rc(t, rc);
		sqlite3_reset(st);
		return r == STORE_OK ? STORE_NOT_FOUND : r;
	}
	memset(rec, 0, sizeof(*rec));
	rec->state = sqlite3_column_int(st, 0);
	if (sqlite3_column_bytes(st, 1) == 32)
		memcpy(rec->hash, sqlite3_column_blob(st, 1), 32);
	rec->status = sqlite3_column_int(st, 2);
	rec->body = col_text(st, 3) ? strdup(col_text(st, 3)) : NULL;
	snprintf(rec->etag, sizeof(rec->etag), "%s", col_text(st, 4) ? col_text(st, 4) : "");
	snprintf(rec->location, sizeof(rec->location), "%s", col_text(st, 5) ? col_text(st, 5) : "");
	sqlite3_reset(st);
	return STORE_OK;
}

int sq_idem_claim(struct store_tx *tx, const char *caller, const char *key,
		  const unsigned char *hash, int64_t now, struct idem_record *rec)
{
	struct sqtx *t = SQ(tx);
	/* the DO UPDATE takes over a dead node's claim of the same request */
	sqlite3_stmt *st = sq_prep(t, "INSERT INTO idempotency(caller, key, hash, created_at)"
				      " VALUES(?, ?, ?, ?) ON CONFLICT(caller, key) DO UPDATE"
				      " SET created_at = excluded.created_at WHERE state = 0"
				      " AND created_at < ? AND hash = excluded.hash");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, caller);
	sq_bind_text(st, 2, key);
	sqlite3_bind_blob(st, 3, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now - IDEM_STALE_S);
	int rc = sq_exec_stmt(t, st);
	if (rc != STORE_OK)
		return rc;
	if (sqlite3_changes(t->db) == 1)
		return STORE_OK;
	rc = idem_read(t, caller, key, rec);
	return rc == STORE_OK ? STORE_EXISTS : rc;
}

int sq_idem_finish(struct store_tx *tx, const char *caller, const char *key, int64_t claimed_at,
		   int status, const char *body, const char *etag, const char *location)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "UPDATE idempotency SET state = 1, status = ?, body = ?,"
					   " etag = ?, location = ? WHERE caller = ? AND key = ?"
					   " AND state = 0 AND created_at = ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, status);
	sq_bind_text(st, 2, body);
	sq_bind_text(st, 3, etag && *etag ? etag : NULL);
	sq_bind_text(st, 4, location && *location ? location : NULL);
	sq_bind_text(st, 5, caller);
	sq_bind_text(st, 6, key);
	sqlite3_bind_int64(st, 7, claimed_at);
	int rc = sq_exec_stmt(SQ(tx), st);
	if (rc == STORE_OK && sqlite3_changes(SQ(tx)->db) != 1)
		rc = STORE_CONFLICT; /* taken over: this run must leave nothing */
	return rc;
}

int sq_idem_release(struct store_tx *tx, const char *caller, const char *key, int64_t claimed_at)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "DELETE FROM idempotency WHERE caller = ? AND key = ?"
					   " AND state = 0 AND created_at = ?");
	if (!st)
		return STORE_ERROR;
	sq_bind_text(st, 1, caller);
	sq_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, claimed_at);
	return sq_exec_stmt(SQ(tx), st);
}

int sq_idem_purge(struct store_tx *tx, int64_t before)
{
	sqlite3_stmt *st = sq_prep(SQ(tx), "DELETE FROM idempotency WHERE created_at < ?");
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, before);
	return sq_exec_stmt(SQ(tx), st);
}
