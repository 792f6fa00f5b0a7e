/* The outbox: every write of the desk goes through here, with an
 * Idempotency-Key made once per action, so that sending it again (after a
 * timeout, a reconnection) never makes a second note or a second case.
 * Today the outbox lives in memory and sends at once; making it durable
 * and encrypted (telework, offline) keeps this interface. */
#ifndef GUICHET_CLIENT_OUTBOX_H
#define GUICHET_CLIENT_OUTBOX_H

#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"
#include "client/net.h"

/* Send a write: method and path, a JSON body (borrowed; may be NULL), the
 * version it was made against (0: no If-Match).  done is called once with
 * the answer (see net.h).  Returns 0, or -1 (nothing sent, done not
 * called; the message line says why). */
int outbox_send(struct desk *d, const char *method, const char *path, const json_t *body,
		int64_t version, net_done_fn done, void *arg);

/* A new Idempotency-Key: 22 characters of base64url from 16 random bytes. */
void outbox_new_key(char key[32]);

#endif
