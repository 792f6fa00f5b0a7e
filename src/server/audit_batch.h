/* Group commit for the audit records of reads.  Every read of a citizen's
 * file is audited, and its record must be durable before the answer goes
 * out; one fsync per read would cap the server at the disk's sync rate.
 * Readers hand their records to one writer thread, which appends all that
 * are waiting in one transaction (one fsync) and calls their authors back
 * (http.c resumes the connection that waited). */
#ifndef GUICHET_SERVER_AUDIT_BATCH_H
#define GUICHET_SERVER_AUDIT_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "server/store.h"

struct audit_batch;

/* Start the writer over st.  NULL when out of memory or threads.  Free with
 * audit_batch_free (before store_close): it commits what is waiting. */
struct audit_batch *audit_batch_new(struct store *st);
void audit_batch_free(struct audit_batch *b);

/* Append e (its strings are copied) to the next batch: done(arg, ok) is
 * called once, from the writer thread, when the batch is committed (ok)
 * or failed.  Returns 0, or -1 (the writer is stopping: done is not
 * called).  A full queue makes the caller wait for room. */
int audit_batch_submit(struct audit_batch *b, const struct audit_entry *e, int64_t now,
		       void (*done)(void *arg, bool ok), void *arg);

#endif
