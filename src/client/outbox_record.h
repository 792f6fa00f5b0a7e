/* What the durable outbox writes down: an entry as a JSON record and back.
 * Two kinds of record, both keyed by the entry's ref (the Idempotency-Key
 * it was first given, which stays its name when a reapply gives it a new
 * key): "put" holds the whole entry as the agent made it (or last
 * changed it), "del" says it is delivered or dropped.  Reading a record
 * checks every field as strictly as a network answer: the file is
 * authenticated, but a bug or an old version must not become a request
 * to the wrong place. */
#ifndef GUICHET_CLIENT_OUTBOX_RECORD_H
#define GUICHET_CLIENT_OUTBOX_RECORD_H

#include <stddef.h>

#include "client/outbox.h"

/* The record of e: "put" (with everything needed to send it again), or
 * "del".  A new string (free()), or NULL when out of memory. */
char *outbox_record_put(const struct outbox_entry *e);
char *outbox_record_del(const struct outbox_entry *e);

enum outbox_record_op { OUTBOX_RECORD_PUT, OUTBOX_RECORD_DEL };

/* Read data (len bytes): *op and *e filled (e's body is new: the caller
 * owns it; id, state, job, next are left 0).  0, or -1 when the record is
 * not one of ours (unknown op, a field missing, too long, of the wrong
 * type; a path that is not an /api/v1/ path; a method not POST, PUT,
 * PATCH or DELETE). */
int outbox_record_read(const void *data, size_t len, enum outbox_record_op *op,
		       struct outbox_entry *e);

#endif
