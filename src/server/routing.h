/* Routing: which service a request belongs to (keyword rules, then the
 * naive Bayes classifier that learns from agents' confirmations and
 * corrections), and which available agent gets a waiting chat or call
 * (longest idle first, with the skill, chat capacity respected), offered
 * and re-offered on decline or timeout by a background thread. */
#ifndef GUICHET_SERVER_ROUTING_H
#define GUICHET_SERVER_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "server/server.h"

struct routing;

/* The store's key-value row holding the learnt model (classifier JSON). */
#define ROUTING_MODEL_KEY "classifier_model"

/* Load the model (rules from the services' keywords, learnt counts from the
 * store).  NULL on failure (message on stderr). */
struct routing *routing_new(struct server *srv);
/* Start the offer thread, once srv->routing points to rt.  0 or -1. */
int routing_start(struct routing *rt);
void routing_stop(struct routing *rt);
void routing_free(struct routing *rt);

/* Classify text: writes the service slug (or "") into service. */
void routing_classify(struct server *srv, const char *text, char service[65], double *confidence,
		      bool *by_rule);

/* An agent confirmed (or corrected to) `service` for text: learn it.  The
 * model is saved by the offer thread, not on the request path. */
void routing_learn(struct server *srv, const char *text, const char *service);

/* Wake the offer thread now (a new chat, an agent became available...),
 * and tell the other nodes sharing the store, whose leader offers.  Call
 * after the change committed. */
void routing_kick(struct server *srv);

/* Wake this node's offer thread only: another node said it kicked. */
void routing_woken(struct server *srv);

/* Tell agent of the offer of w ({kind: "chat" or "call", id}), expiring
 * in timeout seconds: the "offer" event the desk pops up. */
struct store_tx;
int routing_emit_offer(struct store_tx *tx, const json_t *w, int64_t agent, int64_t now,
		       unsigned timeout);

/* Reload keyword rules after a service changed. */
void routing_reload_rules(struct server *srv);

#endif
