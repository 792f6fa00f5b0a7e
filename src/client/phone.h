/* The desk's phone: the calls of the agent's softphone (softphone.h), as
 * the agent works them.  A call that rings pops over every screen with
 * the citizen its number presumably belongs to (a number can be spoofed)
 * and their open cases; answering opens that citizen's file; the call is
 * timed, notes are taken during it, and at its end a wrap-up code is
 * asked, then the call is recorded on guichetd as a phone interaction
 * (direction, start, end, notes, wrap-up, citizen, case) through the
 * outbox.  Presence follows: busy during a call, wrap-up after it, then
 * back to what it was.
 *
 * The softphone keeps no event for a desk that is not listening: each
 * time the link comes up, the calls are asked again (`listcalls`, and
 * `callstat` for the current one's id) and what the desk had is made to
 * agree with it: a call no longer there ended when the link went.
 *
 * Without the option `phone` nothing here runs; a softphone that is not
 * there is said in the status bar and the desk works on. */
#ifndef GUICHET_CLIENT_PHONE_H
#define GUICHET_CLIENT_PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"
#include "client/job.h"

#define PHONE_CALLS_MAX 4
#define PHONE_NOTES_MAX 1900 /* the interaction's summary takes 2,000 */

enum call_state { CALL_RINGING, CALL_DIALING, CALL_TALKING, CALL_HELD, CALL_ENDED };

struct phone_call {
	char id[128];           /* the softphone's id (the SIP Call-ID); "" until known */
	char peeruri[256];
	char peername[128];
	char number[17];        /* E.164, "" when the URI holds no number */
	bool outgoing;
	enum call_state state;
	int64_t begun_s;        /* wall clock: it rang, or was dialled */
	int64_t talk_ms, talk_s;/* established (monotonic, wall); 0: never */
	int64_t end_ms;         /* ended (monotonic); 0: not yet */
	char notes[PHONE_NOTES_MAX + 1];
	char transferred[128];  /* where it was sent, "" when not */
	int64_t citizen_id;     /* chosen by the agent or matched by number; 0: none */
	bool citizen_chosen;    /* by the agent: the match does not override it */
	int64_t case_id;
};

struct desk_phone {
	struct softphone *sp;
	char address[300];      /* the option it was opened for */
	bool up;
	int64_t down_ms;        /* when the link last went (calls it loses ended then) */
	char why[256];
	struct phone_call calls[PHONE_CALLS_MAX];
	int ncalls;
	struct phone_call wrap; /* the call that ended, waiting for its wrap-up */
	bool wrapping;
	char presence_before[16], reason_before[64];
	/* what the answers of the softphone are for */
	struct { char token[24]; int op; char call[128]; char arg[128]; } pending[16];
	/* a number being dialled, with the citizen it is for */
	char dialling[17];
	int64_t dial_citizen;
	/* `phone wait`: the job, what it waits for, and its timer */
	struct job *waiter;
	char wait_for[16];
	int wait_timer;
	unsigned changes;       /* counts changes: the screen redraws when it moved */
};

/* Follow the option `phone`: open, change or close the link (cheap; the
 * desk calls it every turn). */
void phone_follow(struct desk *d);
void phone_free(struct desk *d);

/* The calls, newest last (borrowed; NULL when none), and the one the
 * agent acts on: the ringing one first, else the current one. */
struct phone_call *phone_call_current(const struct desk *d);
struct phone_call *phone_call_ringing(const struct desk *d);
int phone_calls(const struct desk *d, struct phone_call **calls);
/* The ended call waiting for its wrap-up, or NULL. */
struct phone_call *phone_wrapping(const struct desk *d);
/* Whether a softphone is configured, and whether its link is up; why not. */
bool phone_configured(const struct desk *d);
bool phone_up(const struct desk *d);
const char *phone_why(const struct desk *d);

/* The agent's actions.  0, or -1 with err. */
int phone_answer(struct desk *d, char *err, size_t errlen);
int phone_hangup(struct desk *d, char *err, size_t errlen);
int phone_hold(struct desk *d, bool hold, char *err, size_t errlen);
int phone_transfer(struct desk *d, const char *target, char *err, size_t errlen);
/* number: anything model_phone_e164 takes, or a sip: URI; citizen: who it
 * is for (0: the one matched when the call starts). */
int phone_dial(struct desk *d, const char *number, int64_t citizen_id, char *err, size_t errlen);
int phone_note(struct desk *d, const char *text, char *err, size_t errlen);
/* The citizen or case the call is about (0 leaves it as is). */
int phone_file_under(struct desk *d, int64_t citizen_id, int64_t case_id, char *err,
		     size_t errlen);
/* End the wrap-up: the call is recorded with code (a slug), in case_id
 * when > 0; presence goes back.  j waits for the recording. */
int phone_wrapup(struct desk *d, const char *code, int64_t case_id, struct job *j, char *err,
		 size_t errlen);

/* The phone's state as a record (a new object): link, calls, wrap-up. */
json_t *phone_state(struct desk *d);

/* Wait (j) until what is true: "ringing", "talking", "held", "idle" (no
 * call), "wrapup", "up", "down"; at most seconds.  0, or -1 with err. */
int phone_wait(struct desk *d, const char *what, int seconds, struct job *j, char *err,
	       size_t errlen);

/* The citizen matched to a number (borrowed), or NULL: none, or not
 * answered yet; and whether guichetd answered. */
json_t *phone_citizen_of(const struct desk *d, const char *number);
bool phone_number_known(const struct desk *d, const char *number);
/* guichetd answered who has this number (sync_phone.c): the calls from it
 * are that citizen's, unless the agent chose another. */
void phone_caller_answered(struct desk *d, const char *number);
/* A citizen was made for a caller (sync_phone.c): the call is theirs. */
void phone_citizen_made(struct desk *d, const json_t *citizen);

#endif
