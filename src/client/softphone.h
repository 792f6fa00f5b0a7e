/* The link to the agent's softphone: baresip's ctrl_tcp socket, one more
 * fd in the client's loop.  It connects (without blocking), reads the
 * netstring frames into messages (softphone_msg.h), sends commands with a
 * token that their answer carries back, and when the link drops or cannot
 * be made, says so and tries again (1 s, then up to every 5 s) until
 * softphone_free.  baresip keeps no event for a client that is not there:
 * after each connection the caller asks what calls exist (`listcalls`). */
#ifndef GUICHET_CLIENT_SOFTPHONE_H
#define GUICHET_CLIENT_SOFTPHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "client/softphone_msg.h"

struct loop;
struct softphone;

struct softphone_cbs {
	/* the link is up, or down (why: what failed) */
	void (*state)(void *arg, bool up, const char *why);
	/* a message (borrowed, valid during the call) */
	void (*message)(void *arg, const struct sp_msg *m);
	void *arg;
};

/* The link to address ("tcp:HOST:PORT" or "HOST:PORT"), tried at the
 * loop's next turn.  NULL with err when the address is not one, or memory
 * ran out.  Free with softphone_free (closes the socket). */
struct softphone *softphone_new(struct loop *l, const char *address,
				const struct softphone_cbs *cbs, char *err, size_t errlen);
void softphone_free(struct softphone *sp);

bool softphone_up(const struct softphone *sp);
/* The address as given, and why the link is down ("" when up). */
const char *softphone_address(const struct softphone *sp);
const char *softphone_why(const struct softphone *sp);

/* Send a command (params may be NULL); its token (a number, as a string)
 * into token.  0, or -1 when the link is down or the command too long. */
int softphone_send(struct softphone *sp, const char *command, const char *params,
		   char token[24]);

#endif
