/* The work list: everything waiting for me in one list sorted by urgency:
 * chats and calls offered to me first (someone is waiting at the other
 * end), then my cases by due date, overdue ones first, each with a
 * countdown in words (no meaning carried by colour alone). */
#ifndef GUICHET_CLIENT_WORKLIST_H
#define GUICHET_CLIENT_WORKLIST_H

#include <stddef.h>
#include <stdint.h>

#include "client/desk.h"

/* Rebuild d->worklist from the store's lists "offers" (less those expired
 * at d->now) and "mine" (my cases), keeping the selection on the same item when it is still
 * there. */
void worklist_build(struct desk *d);

/* "retard 3 j", "2 j 4 h", "5 h 10", "45 min" for a due date `due` seen
 * at `now` (seconds); out gets at least 16 bytes.  Returns true when the
 * date is past. */
bool worklist_countdown(int64_t due, int64_t now, char *out, size_t n);

#endif
