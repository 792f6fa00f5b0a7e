/* Who an event reaches, and the index of the streams waiting for one
 * (see hub_audience.h).  Both sides are written as audiences so that what
 * a stream is woken for and what it is then sent are one rule: the hub
 * sends an event to a stream only when they share an audience, and it
 * wakes a suspended stream for exactly those events, which lets a stream
 * skip, while asleep, every event that did not wake it. */
#include "server/hub_audience.h"

#include <stddef.h>

enum kind { K_CHAT = 1, K_AGENT, K_SERVICE, K_STAFF, K_ALL };

static audience aud(enum kind k, int64_t id)
{
	return (audience)k << 56 | ((audience)id & ((1ull << 56) - 1));
}

static enum kind kind_of(audience a)
{
	return (enum kind)(a >> 56);
}

int audiences_of_caller(const struct caller *c, audience out[AUDIENCES_CALLER])
{
	int n = 0;
	if (c->role == ROLE_PUBLIC) {
		out[n++] = aud(K_CHAT, c->chat_id);
		return n;
	}
	if (c->role & ROLES_SUPERVISION) {
		out[n++] = aud(K_ALL, 0);
		return n;
	}
	out[n++] = aud(K_STAFF, 0);
	if (c->agent_id)
		out[n++] = aud(K_AGENT, c->agent_id);
	for (int i = 0; i < c->nservices && i < CALLER_MAX_SERVICES; i++)
		out[n++] = aud(K_SERVICE, c->services[i]);
	return n;
}

int audiences_of_event(const struct event_scope *e, bool by_service, audience out[AUDIENCES_EVENT])
{
	int n = 0;
	out[n++] = aud(K_ALL, 0); /* supervisors and admins see everything */
	if (e->is_public && e->chat_id)
		out[n++] = aud(K_CHAT, e->chat_id);
	if (e->staff && (!by_service || (!e->service_id && !e->agent_id)))
		out[n++] = aud(K_STAFF, 0);
	if (e->agent_id)
		out[n++] = aud(K_AGENT, e->agent_id);
	if (e->service_id)
		out[n++] = aud(K_SERVICE, e->service_id);
	return n;
}

static struct waiter **chain(struct wait_index *ix, audience key)
{
	switch (kind_of(key)) {
	case K_STAFF: return &ix->staff;
	case K_ALL: return &ix->all;
	default: break;
	}
	uint64_t h = key * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing */
	return &ix->chain[h >> 52 & (WAIT_CHAINS - 1)];
}

void wait_join(struct wait_index *ix, struct waiter *w, int n)
{
	for (int i = 0; i < n; i++) {
		struct waiter **head = chain(ix, w[i].key);
		w[i].prev = NULL;
		w[i].next = *head;
		if (*head)
			(*head)->prev = &w[i];
		*head = &w[i];
	}
}

void wait_leave(struct wait_index *ix, struct waiter *w, int n)
{
	for (int i = 0; i < n; i++) {
		if (w[i].prev)
			w[i].prev->next = w[i].next;
		else if (*chain(ix, w[i].key) == &w[i])
			*chain(ix, w[i].key) = w[i].next;
		if (w[i].next)
			w[i].next->prev = w[i].prev;
		w[i].prev = w[i].next = NULL;
	}
}

void wait_wake(struct wait_index *ix, audience key, void (*wake)(void *owner, void *arg), void *arg)
{
	struct waiter *w = *chain(ix, key);
	while (w) {
		/* Waking unlinks every waiter of this owner, some maybe further
		 * down this chain (two audiences can hash alike): step past
		 * them first. */
		struct waiter *next = w->next;
		if (w->key == key) {
			while (next && next->owner == w->owner)
				next = next->next;
			wake(w->owner, arg);
		}
		w = next;
	}
}
