/* Live chat and telephony, as operations on the store that both the API
 * handlers and the demo simulator run: each takes an open write
 * transaction, appends its events, and returns an HTTP status (2xx, or
 * 4xx with a message in err).  The caller audits, commits and then calls
 * hub_notify and routing_kick. */
#ifndef GUICHET_SERVER_CHAT_H
#define GUICHET_SERVER_CHAT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "server/caller.h"
#include "server/store.h"

struct server;

/* Start a chat from a citizen (MODEL_CHAT_START, validated): routes it,
 * makes its token.  *out = {id, token, status, queue_position, service}. */
int chat_start(struct server *srv, struct store_tx *tx, const json_t *in, int64_t now,
	       json_t **out, char *err, size_t errlen);

/* A citizen's message in their chat.  *out = the message. */
int chat_citizen_message(struct store_tx *tx, int64_t chat_id, const char *text, int64_t now,
			 json_t **out, char *err, size_t errlen);

/* A citizen's survey answer (MODEL_SURVEY) once the chat is closed. */
int chat_survey(struct store_tx *tx, int64_t chat_id, const json_t *in, int64_t now,
		json_t **out, char *err, size_t errlen);

/* The citizen's view: status, queue position, agent name, messages. */
int chat_public_view(struct store_tx *tx, int64_t chat_id, json_t **out, char *err,
		     size_t errlen);

/* Agent side: accept, decline, write, close (MODEL_CHAT_CLOSE). */
int chat_accept(struct store_tx *tx, const struct caller *c, int64_t chat_id, int64_t now,
		json_t **out, char *err, size_t errlen);
int chat_decline(struct store_tx *tx, const struct caller *c, int64_t chat_id, int64_t now,
		 json_t **out, char *err, size_t errlen);
int chat_agent_message(struct store_tx *tx, const struct caller *c, int64_t chat_id,
		       const char *text, int64_t now, json_t **out, char *err, size_t errlen);
/* The agent is writing: tells the citizen's page (at most every few
 * seconds; 204 either way). */
int chat_agent_typing(struct store_tx *tx, const struct caller *c, int64_t chat_id, int64_t now,
		      char *err, size_t errlen);
int chat_close(struct server *srv, struct store_tx *tx, const struct caller *c, int64_t chat_id,
	       const json_t *in, int64_t now, json_t **out, char *err, size_t errlen);
/* A supervisor gives the chat to agent_id (named login): an active chat
 * changes agent and stays active, a waiting one is offered to them (the
 * offer expires as routing's do).  409 when closed or already theirs. */
int chat_reassign(struct server *srv, struct store_tx *tx, const struct caller *c, int64_t id,
		  int64_t agent_id, const char *login, int64_t now, json_t **out, char *err,
		  size_t errlen);

/* True when the caller may read the chat (its service, offered to or
 * taken by them, or a supervisor). */
bool chat_visible(const struct caller *c, const json_t *chat);

/* A telephony event (MODEL_TELEPHONY_EVENT, validated) from a PBX bridge:
 * creates or moves the call.  *out = the call. */
int telephony_event(struct store_tx *tx, const json_t *in, int64_t now, json_t **out, char *err,
		    size_t errlen);

/* Agent takes or declines a waiting call. */
int call_accept(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now,
		json_t **out, char *err, size_t errlen);
int call_decline(struct store_tx *tx, const struct caller *c, int64_t id, int64_t now,
		 json_t **out, char *err, size_t errlen);

/* Append an event outside a request (simulator, routing thread). */
int chat_emit(struct store_tx *tx, const char *type, json_t *payload,
	      const struct event_scope *scope, int64_t now);

#endif
