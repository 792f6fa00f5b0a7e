/* Collision marks of the other agents: who else has a case or a citizen's
 * file open, or is writing in it.  They come from the answer to my own mark
 * (sync_marks) and from "viewing" events, and last until their expiry
 * unless renewed.  Kept in d->viewers as {target, id, agent, mode, until}. */
#ifndef GUICHET_CLIENT_VIEWING_H
#define GUICHET_CLIENT_VIEWING_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"

/* A "viewing" event: {target, id, agent, mode ("left" removes), expires_at}.
 * My own marks are not kept. */
void viewing_event(struct desk *d, const json_t *ev);

/* The answer to my mark on (type, id): its viewers list replaces what was
 * known of that record. */
void viewing_answer(struct desk *d, const char *type, int64_t id, const json_t *viewers);

/* Describe the live marks of others on (type, id) for a header:
 * "sophie (écrit), karim".  Returns how many there are (0: buf is ""). */
int viewing_describe(const struct desk *d, const char *type, int64_t id, char *buf, size_t n);

#endif
