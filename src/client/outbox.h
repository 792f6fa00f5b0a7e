/* The outbox: every write of the desk is an entry here before it is a
 * request, so that nothing the agent did is lost when the network is not
 * there.  An entry is plain data (kind, method, path, body, the version it
 * was made against, the Idempotency-Key made once when the agent acted):
 * sending it again after a timeout or a reconnection never makes a second
 * note.  Entries go out in the order they were made, one request at a
 * time: an entry, or a run of entries that may be batched (notes, chat
 * messages: after a reconnection, up to 100 in one request); one
 * that gets no answer is tried again with a backoff (0.5 s doubling to
 * 30 s, plus up to a quarter of jitter), at once when the connection comes
 * back.  A 412 keeps the agent's change and the server's current record
 * side by side as a conflict, which the agent reapplies on top or drops;
 * a refusal (4xx) is kept too, with its reason.  Nothing leaves the outbox
 * without being delivered or dropped by the agent.
 *
 * What an entry does once delivered is found by its kind in the table
 * given at creation (struct outbox_kind).  The outbox lives in memory
 * until outbox_persist gives it a journal (journal.h): from then on, an
 * entry is on disk before outbox_add returns, every change to it is
 * written down, and the next run sends what this one could not. */
#ifndef GUICHET_CLIENT_OUTBOX_H
#define GUICHET_CLIENT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/job.h"
#include "client/journal.h"
#include "client/net.h"
#include "client/store.h"

enum outbox_state {
	OUTBOX_QUEUED,      /* waiting for its turn or for the network */
	OUTBOX_SENDING,     /* the request is in flight */
	OUTBOX_CONFLICT,    /* 412: the record changed on the server */
	OUTBOX_REJECTED,    /* refused by the server (4xx): kept with its reason */
};

/* "queued", "sending", "conflict", "rejected": as headless mode prints them. */
extern const char *const OUTBOX_STATE_NAMES[];

struct outbox_entry {
	uint64_t id;               /* 1, 2… in the order the agent acted */
	char kind[24];             /* "case.note", "case.patch", "chat.say"… */
	char method[8];
	char path[256];
	json_t *body;              /* owned; NULL for none */
	int64_t base_version;      /* sent as If-Match; 0: none */
	char key[40];              /* Idempotency-Key */
	char ref[40];              /* its name in the journal: its first key */
	enum store_type target_type; /* the record it changes (pending in the store) */
	int64_t target_id;         /* 0: none */
	char what[160];            /* for the agent: "note · 2026-000123" */
	enum outbox_state state;
	int attempts;
	int64_t next_try_ms;       /* loop_now_ms() time of the next try */
	int status;                /* the last answer's HTTP status (0: none) */
	char error[256];           /* the last failure, for the agent */
	json_t *current;           /* owned: on a conflict, the server's record */
	struct job *job;           /* who waits for it (a reference), or NULL */
	struct outbox_entry *next;
};

/* What a kind of entry does when delivered (2xx): update the store, say it
 * on the message line, reload what depends on it.  res as in net.h. */
struct outbox_kind {
	const char *kind;
	void (*delivered)(void *ctx, const struct outbox_entry *e, const struct net_result *res);
	bool batch;                /* may go to the server in a batch (io.send_batch) */
	bool fleeting;             /* only worth doing now (taking an offer): refused,
				      it is said and forgotten, not kept to reapply */
};

/* How the outbox reaches the world.  send queues the request of e and
 * arranges for done(done_arg, res) to be called once later (as
 * net_request does); 0, or -1 when nothing was queued. */
struct outbox_io {
	int (*send)(void *arg, const struct outbox_entry *e, net_done_fn done, void *done_arg);
	void *arg;
	const struct outbox_kind *kinds;
	size_t nkinds;
	void *ctx;                 /* given to delivered() */
	struct store *store;       /* pending counts; may be NULL */
	/* Any other answer, once the entry's state says what became of it
	 * (queued again, conflict, rejected); may be NULL. */
	void (*answered)(void *ctx, const struct outbox_entry *e, const struct net_result *res);
	/* The journal could not be written after the entry was saved (a
	 * change to it, its delivery): said to the agent; may be NULL. */
	void (*failed)(void *ctx, const char *why);
	/* Send a batch (POST /api/v1/batch, body borrowed) as send does;
	 * may be NULL: entries then go one at a time. */
	int (*send_batch)(void *arg, const json_t *body, net_done_fn done, void *done_arg);
};

struct outbox;

/* A new, empty outbox; io is copied (what it points to stays the
 * caller's and must outlive the outbox).  NULL when out of memory. */
struct outbox *outbox_new(const struct outbox_io *io);
/* Free every entry (their jobs released) and close the journal; requests
 * in flight must have been cancelled first (net_free). */
void outbox_free(struct outbox *ob);

/* Make the outbox durable in the journal at path, sealed with key: the
 * entries an earlier run left there are queued first, in their order,
 * each with the Idempotency-Key it was given when the agent acted (so a
 * request the server did get is not done twice); the entries already
 * queued follow and are written down.  From here on an entry is on disk
 * before outbox_add returns.  rep says what reading the file found (may be
 * NULL).  Returns how many entries came back (>= 0), or -1 with err set:
 * then the outbox stays in memory, as it was. */
int outbox_persist(struct outbox *ob, const char *path, const unsigned char key[JOURNAL_KEY_BYTES],
		   struct journal_report *rep, char *err, size_t errlen);
/* Whether the outbox is on disk (outbox_persist succeeded). */
bool outbox_durable(const struct outbox *ob);
/* Records of the file that authenticated but were not understood (a
 * later version's): kept in the file, which is then never compacted. */
size_t outbox_unreadable(const struct outbox *ob);
/* Entries still to be sent (queued or in flight) that change this record:
 * parked ones (conflict, refused) are not counted. */
size_t outbox_in_progress(const struct outbox *ob, enum store_type t, int64_t id);
/* Why the last outbox_add failed ("" when it did not). */
const char *outbox_error(const struct outbox *ob);

/* Queue an action: body is borrowed (a copy is kept), the key is made
 * now; when durable, written down and synced first.  job (may be NULL) gets one part, done when the entry is
 * delivered, refused, in conflict, or queued without an answer (then its
 * result says {"queued": true, "outbox_id": N}).  Returns the entry's id,
 * or 0 when out of memory, an argument does not fit or the journal could
 * not be written (outbox_error says which): then nothing is queued. */
uint64_t outbox_add(struct outbox *ob, const char *kind, const char *method, const char *path,
		    const json_t *body, int64_t base_version, enum store_type target_type,
		    int64_t target_id, const char *what, struct job *job);

/* Send the oldest queued entry when nothing is in flight and its time has
 * come.  Returns the ms until the next try is due (0: something is in
 * flight or due now, -1: nothing waits). */
int64_t outbox_pump(struct outbox *ob, int64_t now_ms);
/* The connection is back (or the agent asked): every queued entry may go
 * now. */
void outbox_retry_now(struct outbox *ob);
/* The server refused the session: nothing is sent until outbox_resume. */
bool outbox_refused(const struct outbox *ob);
void outbox_resume(struct outbox *ob);

/* An entry is on its way (sent, not answered yet). */
bool outbox_busy(const struct outbox *ob);
/* Entries queued or sending; entries in conflict or refused. */
size_t outbox_waiting(const struct outbox *ob);
size_t outbox_blocked(const struct outbox *ob);

/* The entries in order (borrowed; valid until the next outbox call that
 * changes it). */
const struct outbox_entry *outbox_first(const struct outbox *ob);
const struct outbox_entry *outbox_find(const struct outbox *ob, uint64_t id);

/* A conflict sent again on top of the server's current version (with a
 * new key: it is a new decision); a refused entry sent again as it was.
 * 0, or -1 with a message. */
int outbox_reapply(struct outbox *ob, uint64_t id, char *err, size_t errlen);
/* The agent gives the entry up (not one in flight).  0, or -1. */
int outbox_drop(struct outbox *ob, uint64_t id, char *err, size_t errlen);

/* The entries as a JSON array (a new reference): id, kind, what, state,
 * attempts, status, error, method, path, target ("case"…), target_id,
 * and on a conflict "current". */
json_t *outbox_to_json(const struct outbox *ob);

/* A new Idempotency-Key: 22 characters of base64url from 16 random bytes. */
void outbox_new_key(char key[32]);

#endif
