/* Token buckets for the public chat API (see rate.h). */
#include "server/rate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 80
#define PROBE 8 /* slots looked at per key: the stalest of them is reused */

struct bucket {
	char key[KEY_MAX];
	double tokens;
	uint64_t at_ms; /* when tokens was last brought up to date; 0: free */
};

struct rate_table {
	pthread_mutex_t mu;
	unsigned mask;
	struct bucket *b;
};

struct rate_table *rate_table_new(unsigned slots)
{
	unsigned n = PROBE;
	while (n < slots)
		n <<= 1;
	struct rate_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->b = calloc(n, sizeof(*t->b));
	if (!t->b) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void rate_table_free(struct rate_table *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->b);
	free(t);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* key's bucket, or the stalest one of its probe window made new for it. */
static struct bucket *find(struct rate_table *t, const char *key, const struct rate_limit *l,
			   uint64_t now_ms)
{
	uint32_t h = fnv1a(key);
	struct bucket *stalest = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct bucket *b = &t->b[(h + i) & t->mask];
		if (b->at_ms && strcmp(b->key, key) == 0)
			return b;
		if (!stalest || b->at_ms < stalest->at_ms)
			stalest = b;
	}
	snprintf(stalest->key, sizeof(stalest->key), "%s", key);
	stalest->tokens = l->burst;
	stalest->at_ms = now_ms ? now_ms : 1;
	return stalest;
}

unsigned rate_take(struct rate_table *t, const char *key, const struct rate_limit *l,
		   uint64_t now_ms)
{
	pthread_mutex_lock(&t->mu);
	struct bucket *b = find(t, key, l, now_ms);
	if (now_ms > b->at_ms) {
		b->tokens += (double)(now_ms - b->at_ms) / l->per_ms;
		if (b->tokens > l->burst)
			b->tokens = l->burst;
		b->at_ms = now_ms;
	}
	unsigned wait = 0;
	if (b->tokens >= 1)
		b->tokens -= 1;
	else
		wait = (unsigned)(((1 - b->tokens) * l->per_ms + 999) / 1000);
	pthread_mutex_unlock(&t->mu);
	return wait;
}
