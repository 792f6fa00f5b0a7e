/* What the desk asks of guichetd and how answers and events change the
 * desk's state.  Every call returns at once: the answer arrives later,
 * through the network layer's loop, and lands in struct desk (then the
 * screens draw it).  Writes go through the outbox (outbox.h) with their
 * Idempotency-Key.  Errors end up on the desk's message line. */
#ifndef GUICHET_CLIENT_SYNC_H
#define GUICHET_CLIENT_SYNC_H

#include <stdint.h>

#include "client/desk.h"

/* Fetch who I am, my work list, the templates; follow the event stream. */
int sync_start(struct desk *d);

/* Follow the event stream (offers, changes to my cases); the connection
 * state lands in d->conn. */
int sync_follow(struct desk *d);

/* Reload the work list (my cases and pending offers). */
void sync_worklist(struct desk *d);

/* Open a citizen (360° view and timeline) or a case (by id or reference)
 * and go to its screen. */
void sync_open_citizen(struct desk *d, int64_t id);
void sync_open_case(struct desk *d, const char *id_or_ref);

/* Search citizens (name, phone, mail or case reference). */
void sync_search(struct desk *d, const char *query);

/* Writes on the open case (answered on the message line; a stale version
 * shows the current value). */
void sync_case_note(struct desk *d, const char *text);
void sync_case_patch(struct desk *d, const char *field, const char *value);
void sync_case_transfer(struct desk *d, const char *service, const char *agent);

/* Open a chat (its messages follow live); write in it; end it with a
 * wrap-up code. */
void sync_open_chat(struct desk *d, int64_t id);
void sync_chat_say(struct desk *d, const char *text);
void sync_chat_end(struct desk *d, const char *wrapup);

/* Merging duplicates: show the record `id` beside the open citizen, merge
 * it into the open citizen (the server moves cases, interactions and
 * contacts), undo a merge. */
void sync_merge_show(struct desk *d, int64_t id);
void sync_merge(struct desk *d);
void sync_unmerge(struct desk *d, int64_t merge_id);

/* Accept or decline the first pending offer; change my presence. */
void sync_offer(struct desk *d, bool accept);
void sync_presence(struct desk *d, const char *state, const char *reason);

/* One turn of the loop: wait at most timeout_ms for the network or for fd
 * (the terminal) to have something, and run what the network brought.
 * Returns 1 when fd is readable, 0 otherwise, -1 on a fatal error. */
int sync_wait(struct desk *d, int fd, int timeout_ms);

/* My collision mark follows the record on screen: put, renewed before it
 * expires, "writing" while d->writing, removed when the record leaves the
 * screen (sync_unmark: at quit).  Cheap when nothing changed: call it
 * after every turn of the loop. */
void sync_marks(struct desk *d);
/* Ask for the next page of the open citizen's timeline when the agent comes
 * near the end of what is loaded.  Cheap: call it after every turn too. */
void sync_ahead(struct desk *d);
void sync_unmark(struct desk *d);

/* Take who I am from an agent record (GET /api/v1/me, or the answer to a
 * presence change): login, role, presence and its reason. */
void sync_take_me(struct desk *d, const json_t *me);

/* An event from the stream (type and JSON data). */
void sync_event(struct desk *d, const char *type, const char *data, size_t len);

#endif
