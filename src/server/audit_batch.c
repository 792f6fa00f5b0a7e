/* Group commit of read audit records (see audit_batch.h).  The queue is a
 * bounded array: a reader that finds it full waits for room, so memory
 * stays fixed however many requests arrive at once. */
#include "server/audit_batch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 512

/* One waiting record, with its own copies of the entry's strings. */
struct pending {
	struct audit_entry e;
	int64_t now;
	void (*done)(void *arg, bool ok); /* the author's, called outside the lock */
	void *arg;
	char actor[72], action[48], target_type[24], client_addr[64];
};

struct audit_batch {
	struct store *store;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, room;     /* records waiting; room in the queue */
	bool stopping;
	size_t n;
	struct pending queue[QUEUE_MAX];
	struct pending batch[QUEUE_MAX]; /* the writer's copy, outside the lock */
};

/* Point p's entry at p's own copies of its strings. */
static void own_strings(struct pending *p)
{
	p->e.actor = p->actor;
	p->e.action = p->action;
	p->e.target_type = p->target_type;
	p->e.client_addr = p->client_addr;
}

/* Append the batch in one write transaction.  Returns 1 or -1 for all. */
static int commit_batch(struct audit_batch *b, size_t n)
{
	struct store_tx *tx = store_tx_get(b->store);
	if (!tx || tx->ops->begin_write(tx) != STORE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (tx->ops->audit_append(tx, &b->batch[i].e, b->batch[i].now) != STORE_OK) {
			tx->ops->rollback(tx);
			return -1;
		}
	}
	if (tx->ops->commit(tx) != STORE_OK) {
		tx->ops->rollback(tx);
		return -1;
	}
	return 1;
}

static void *writer(void *arg)
{
	struct audit_batch *b = arg;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->n && !b->stopping)
			pthread_cond_wait(&b->work, &b->mu);
		if (!b->n && b->stopping)
			break;
		size_t n = b->n;
		memcpy(b->batch, b->queue, n * sizeof(b->queue[0]));
		for (size_t i = 0; i < n; i++)
			own_strings(&b->batch[i]); /* the queue's slots are reused at once */
		b->n = 0;
		pthread_cond_broadcast(&b->room); /* room in the queue again */
		pthread_mutex_unlock(&b->mu);
		int result = commit_batch(b, n);
		for (size_t i = 0; i < n; i++)
			if (b->batch[i].done)
				b->batch[i].done(b->batch[i].arg, result > 0);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

struct audit_batch *audit_batch_new(struct store *st)
{
	struct audit_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->store = st;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->room, NULL);
	if (pthread_create(&b->thread, NULL, writer, b) != 0) {
		pthread_cond_destroy(&b->room);
		pthread_cond_destroy(&b->work);
		pthread_mutex_destroy(&b->mu);
		free(b);
		return NULL;
	}
	return b;
}

void audit_batch_free(struct audit_batch *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stopping = true;
	pthread_cond_broadcast(&b->work);
	pthread_cond_broadcast(&b->room);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->room);
	pthread_cond_destroy(&b->work);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Copy e into p, pointing its strings at p's own buffers. */
static void copy_entry(struct pending *p, const struct audit_entry *e, int64_t now)
{
	p->e = *e;
	p->now = now;
	snprintf(p->actor, sizeof(p->actor), "%s", e->actor ? e->actor : "");
	snprintf(p->action, sizeof(p->action), "%s", e->action ? e->action : "");
	snprintf(p->target_type, sizeof(p->target_type), "%s", e->target_type ? e->target_type : "");
	snprintf(p->client_addr, sizeof(p->client_addr), "%s", e->client_addr ? e->client_addr : "");
	own_strings(p);
}

/* Queue e, waiting for room, with b->mu held (and still held on return).
 * Returns 0, or -1 when the writer is stopping. */
static int enqueue(struct audit_batch *b, const struct audit_entry *e, int64_t now,
		   void (*done)(void *arg, bool ok), void *arg)
{
	while (b->n == QUEUE_MAX && !b->stopping)
		pthread_cond_wait(&b->room, &b->mu);
	if (b->stopping)
		return -1;
	struct pending *p = &b->queue[b->n++];
	copy_entry(p, e, now);
	p->done = done;
	p->arg = arg;
	pthread_cond_signal(&b->work);
	return 0;
}

int audit_batch_submit(struct audit_batch *b, const struct audit_entry *e, int64_t now,
		       void (*done)(void *arg, bool ok), void *arg)
{
	pthread_mutex_lock(&b->mu);
	int rc = enqueue(b, e, now, done, arg);
	pthread_mutex_unlock(&b->mu);
	return rc;
}
