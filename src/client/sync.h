/* What the desk asks of guichetd and how answers and events land in its
 * store.  Every call returns at once: the answer arrives later, through
 * the loop, and lands in d->store (then the screens draw it).  Writes
 * are entries of the outbox (outbox.h) and survive a server that does not
 * answer.  Each call takes a job (job.h; NULL when nobody waits) that is
 * done when what was asked has landed, with the first error if any;
 * errors also go to the desk's message line. */
#ifndef GUICHET_CLIENT_SYNC_H
#define GUICHET_CLIENT_SYNC_H

#include <stdint.h>

#include "client/desk.h"
#include "client/job.h"

/* The outbox of the desk, over d->net (called once d->net is set).
 * 0, or -1 when out of memory. */
int sync_setup(struct desk *d);

/* Fetch who I am, my work list, the templates; follow the event stream. */
int sync_start(struct desk *d, struct job *j);

/* Follow the event stream (offers, changes to my cases); the connection
 * state lands in d->conn. */
int sync_follow(struct desk *d);

/* Reload the answer templates. */
void sync_templates(struct desk *d, struct job *j);

/* Reload the work list (my cases and pending offers). */
void sync_worklist(struct desk *d, struct job *j);

/* Open a citizen (360° view and timeline), a case (by id or reference:
 * the caller checks its form) or a chat, and go to its screen. */
void sync_open_citizen(struct desk *d, int64_t id, struct job *j);
void sync_open_case(struct desk *d, const char *id_or_ref, struct job *j);
void sync_open_chat(struct desk *d, int64_t id, struct job *j);

/* Search citizens (name, phone, mail or case reference). */
void sync_search(struct desk *d, const char *query, struct job *j);
/* The cases matching a query string already checked and encoded
 * ("status=open&service=voirie"), on the case list screen. */
void sync_cases(struct desk *d, const char *qs, struct job *j);
/* A citizen's timeline, `limit` entries (headless `timeline`). */
void sync_timeline(struct desk *d, int64_t citizen_id, int limit, struct job *j);

/* Writes on the open case (a stale version is kept as a conflict in the
 * outbox, and the current record is shown). */
void sync_case_note(struct desk *d, const char *text, struct job *j);
void sync_case_patch(struct desk *d, const char *field, const char *value, struct job *j);
void sync_case_transfer(struct desk *d, const char *service, const char *agent, struct job *j);
/* A new case for a citizen (opened once created). */
void sync_case_create(struct desk *d, int64_t citizen_id, const char *service,
		      const char *subject, struct job *j);

/* Write in the open chat; end it with a wrap-up code. */
void sync_chat_say(struct desk *d, const char *text, struct job *j);
void sync_chat_end(struct desk *d, const char *wrapup, struct job *j);

/* Merging duplicates: show the record `id` beside the open citizen, merge
 * it into the open citizen (the server moves cases, interactions and
 * contacts), undo a merge. */
void sync_merge_show(struct desk *d, int64_t id, struct job *j);
void sync_merge(struct desk *d, struct job *j);
void sync_unmerge(struct desk *d, int64_t merge_id, struct job *j);

/* Accept or decline the first pending offer; take the waiting chat
 * chat_id (queued, or offered to me) whether or not its offer reached this
 * desk; change my presence. */
void sync_offer(struct desk *d, bool accept, struct job *j);
void sync_take_chat(struct desk *d, int64_t chat_id, struct job *j);
void sync_presence(struct desk *d, const char *state, const char *reason, struct job *j);
/* The same, as the phone does it (busy, wrap-up, back): said to no one. */
void sync_presence_quiet(struct desk *d, const char *state, const char *reason);

/* The supervisor's wallboard (sync_monitor.c): read the snapshot now (j
 * waits for it), or, without j, once more after the read in flight; an
 * event of the stream that may move its figures reads it again while
 * d->monitoring.  The snapshot itself (borrowed, NULL until read). */
#define MONITOR_SNAPSHOT "monitor:snapshot"
#define MONITOR_ALERTS "monitor:alerts"
void sync_monitor(struct desk *d, struct job *j);
void sync_monitor_event(struct desk *d, const char *type);
json_t *sync_monitor_snapshot(const struct desk *d);

/* Supervisor's writes (doc/api.md): an agent's presence, an agent's
 * services (skills; services is borrowed), a chat given to another agent. */
void sync_agent_presence(struct desk *d, const char *login, const char *state,
			 const char *reason, struct job *j);
void sync_agent_services(struct desk *d, const char *login, const json_t *services,
			 struct job *j);
void sync_chat_reassign(struct desk *d, int64_t chat_id, const char *agent, struct job *j);

/* Mail and guichetd (sync_mail.c, see mail.h).  Who the senders of these
 * threads are (each address asked once), who this one is (asked again);
 * a thread recorded in a case (by reference or id: its citizen is the
 * case's) or for a citizen; a new case from a thread (then recorded in
 * it); a citizen made from a sender; `mail sync` (0, or -1 with err). */
void sync_mail_senders(struct desk *d, const json_t *threads);
void sync_mail_senders_of(struct desk *d, const char *addr, struct job *j);
void sync_mail_link(struct desk *d, const char *thread, const char *case_ref, struct job *j);
void sync_mail_for_citizen(struct desk *d, const char *thread, int64_t citizen_id, struct job *j);
void sync_mail_new_case(struct desk *d, const char *thread, int64_t citizen_id,
			const char *service, const char *subject, struct job *j);
void sync_mail_citizen(struct desk *d, const char *given, const char *family, const char *addr,
		       struct job *j);
int sync_mail_intake(struct desk *d, struct job *j, char *err, size_t errlen);
/* One message (read into text) recorded for a citizen, and a case (0: none). */
void sync_mail_record(struct desk *d, const json_t *msg, int64_t citizen_id, int64_t case_id,
		      struct job *j);

/* The phone and guichetd (sync_phone.c, see phone.h): who has this number
 * (a citizen search, audited; the first one's file read too); a call
 * recorded as a phone interaction with its wrap-up code (NULL: none, a
 * call not answered); a citizen made for a caller's number. */
struct phone_call;
void sync_phone_caller(struct desk *d, const char *number);
void sync_phone_record(struct desk *d, const struct phone_call *c, const char *wrapup,
		       struct job *j);
void sync_phone_citizen(struct desk *d, const char *given, const char *family, const char *number,
			struct job *j);

/* One turn of the desk's loop (d->loop): wait at most timeout_ms for
 * anything watched there (the network, the terminal, a signal, a timer),
 * run its callbacks, and send what is due in the outbox.  Returns how
 * many callbacks ran (0: none), or -1 on a fatal error.  Not from a loop
 * callback. */
int sync_turn(struct desk *d, int timeout_ms);

/* My collision mark follows the record on screen: put, renewed before it
 * expires, "writing" while d->writing, removed when the record leaves the
 * screen (sync_unmark: at quit).  Cheap when nothing changed: call it
 * after every turn of the loop. */
void sync_marks(struct desk *d);
/* Ask for the next page of the open citizen's timeline when the agent comes
 * near the end of what is loaded.  Cheap: call it after every turn too. */
void sync_ahead(struct desk *d);
void sync_unmark(struct desk *d);

/* The agent typed in an answer to the open chat: the citizen's page shows
 * "… écrit" (at most one request every 3 s; offline, nothing).  Like marks,
 * not a write of the agent's: no outbox. */
void sync_chat_typing(struct desk *d);

/* Take who I am from an agent record (GET /api/v1/me, or the answer to a
 * presence change): login, role, presence and its reason. */
void sync_take_me(struct desk *d, const json_t *me);

/* An event from the stream (type and JSON data). */
void sync_event(struct desk *d, const char *type, const char *data, size_t len);

#endif
