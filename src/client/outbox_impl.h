/* Inside the outbox: what outbox.c and outbox_batch.c share.  Nothing
 * outside these two files includes it. */
#ifndef GUICHET_CLIENT_OUTBOX_IMPL_H
#define GUICHET_CLIENT_OUTBOX_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/outbox.h"

/* At most this many entries in one batch (guichetd's limit too). */
#define OUTBOX_BATCH_MAX 100
/* ...and about this many bytes of bodies and paths (a quarter of what
 * guichetd takes by default, for the JSON escapes of the bodies' text) */
#define OUTBOX_BATCH_BYTES (256u << 10)

/* The context of the one request in flight (an entry, or a batch of
 * them), kept in the outbox itself (the network may be freed with it
 * unanswered: nothing to leak).  An entry may be dropped while it flies
 * only by outbox_free, which needs the network gone first. */
struct flight {
	struct outbox *ob;
	uint64_t ids[OUTBOX_BATCH_MAX];
	size_t n;
};

struct outbox {
	struct outbox_io io;
	struct outbox_entry *head, **tail;
	uint64_t next_id;
	bool in_flight;            /* then flight says which entries */
	struct flight flight;
	bool refused;              /* 401: wait for a new session */
	bool no_batch;             /* the server does not take batches: one at a time */
	struct journal *journal;   /* owned; NULL: in memory only */
	size_t unreadable;         /* records of the file not understood: kept, never compacted away */
	char *dels[OUTBOX_BATCH_MAX]; /* "del" records waiting to be written (owned) */
	size_t ndels;
	bool defer_dels;           /* a batch's answers are being sorted */
	char error[256];           /* why the last outbox_add failed */
};

struct outbox_entry *outbox_entry_find(const struct outbox *ob, uint64_t id);
const struct outbox_kind *outbox_kind_of(const struct outbox *ob, const char *kind);

/* Sort the answer res of e: delivered (e is freed), queued again,
 * conflict or refused; whoever waits for it is told. */
void outbox_settle(struct outbox *ob, struct outbox_entry *e, const struct net_result *res);

/* No answer, or one that says "later" (try again). */
bool outbox_transient(const struct net_result *res);

/* Write down the "del" records deferred while a batch was sorted. */
void outbox_dels_flush(struct outbox *ob);

/* Send first and the queued entries right after it as one batch, when
 * there are two or more that may go in one (their kind says so, none
 * carries a version) and the server takes batches.  0 when the batch is
 * in flight; -1 when there is none to send (then send first alone). */
int outbox_batch_send(struct outbox *ob, struct outbox_entry *first, int64_t now_ms);

#endif
