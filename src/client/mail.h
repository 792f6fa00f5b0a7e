/* The desk's mail: the shared mailbox (mailbox.h) as the agent works it.
 * The threads to handle (the option mail_query) are the store's list
 * "mail"; the open thread, each message read into text (mail_text.h), is
 * the list "thread:ID".  Senders are matched to citizens by address
 * through guichetd (sync_mail.c); linking a thread to a case records each
 * message as an email interaction keyed by its Message-ID, through the
 * outbox; what was done is written back as notmuch tags, so that mutt and
 * aerc users of the same mailbox see it:
 *
 *   guichet/linked   recorded on guichetd (with a case: guichet/case/ID)
 *   guichet/intake   recorded for its citizen by `mail sync`
 *   guichet/unmatched  `mail sync` found no citizen with that address
 *   guichet/replied  answered from the desk (the answer: sent, guichet/replied)
 *   guichet/done     handled without an answer
 *
 * Reading mail never needs the network; the desk without a notmuch index
 * works as before (the work list has no mail). */
#ifndef GUICHET_CLIENT_MAIL_H
#define GUICHET_CLIENT_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "client/desk.h"
#include "client/job.h"

struct mailbox;

#define MAIL_LIST "mail"
#define MAIL_WORK "mail:work"  /* the first threads to handle, for the work list */
#define MAIL_TAG_LINKED "guichet/linked"
#define MAIL_TAG_INTAKE "guichet/intake"
#define MAIL_TAG_UNMATCHED "guichet/unmatched"
#define MAIL_TAG_REPLIED "guichet/replied"
#define MAIL_TAG_DONE "guichet/done"

/* What the desk holds of its mail (d->mail; owned, freed by mail_free). */
struct desk_mail {
	struct mailbox *box;      /* NULL until opened */
	bool failed;              /* opening failed: not tried again until asked */
	char why[512];            /* ...and why */
	char query[1024];         /* the list on the mail screen ("": mail_query) */
	long total;               /* messages matching it */
	long work_total;          /* messages to handle (the work list's count) */
	unsigned long revision;   /* the index's, when the work list's mail was read */
	int64_t polled_ms;        /* when it was last looked at */
	char thread[72];          /* the open thread ("": none) */
	bool unfold;              /* quoted text shown in full */
	int width;                /* the width its lines were wrapped to */
	/* new cases asked for from a thread, until created: then linked */
	struct { uint64_t outbox_id; char thread[72]; } pending[8];
	/* `mail sync`: messages waiting for guichetd to say who sent them
	 * ({address: [message, …]}, owned), and what became of them */
	struct {
		json_t *waiting;
		long messages, linked, unmatched;
	} intake;
};

void mail_free(struct desk_mail *m);

/* The mailbox, opened on first use from the options mail_database and
 * mail_config: NULL with a message in err when there is none (said once;
 * `mail` tries again). */
struct mailbox *mail_box(struct desk *d, char *err, size_t errlen);
/* Forget the handle and the failure: the options changed. */
void mail_reset(struct desk *d);

/* Read the threads of query (NULL: the mail to handle) into the list
 * "mail" and ask guichetd who their senders are.  0, or -1 with err. */
int mail_refresh(struct desk *d, const char *query, char *err, size_t errlen);

/* The work list's share of the mail: the first threads to handle
 * (option mail_worklist) into the list "mail:work".  Quiet when the desk
 * has no mailbox.  0, or -1. */
int mail_work_refresh(struct desk *d);
/* Look whether the index moved (`notmuch new` brought mail), at most every
 * few seconds; if so read the lists again.  True when they changed. */
bool mail_poll(struct desk *d, int64_t now_ms);

/* Open a thread: every message read into text, on the thread screen,
 * and guichetd asked who its sender is (j, which may be NULL, waits for
 * the answer).  0, or -1 with err. */
int mail_open(struct desk *d, const char *thread, struct job *j, char *err, size_t errlen);

/* One message as notmuch lists it (mailbox.h) read into text, with its
 * tags and file (a new object; an unreadable file gives an object that
 * says so in its body, "unreadable": true).  NULL when out of memory. */
json_t *mail_read_one(struct desk *d, const json_t *m);

/* A thread's messages read into text, as the thread screen has them (a
 * new array, the caller's), or NULL with err. */
json_t *mail_read_thread(struct desk *d, const char *thread, char *err, size_t errlen);

/* The open thread's messages, and its lines (mail_lines.h) as the thread
 * screen shows them (borrowed; NULL when none). */
json_t *mail_messages(const struct desk *d);
json_t *mail_thread_lines(const struct desk *d);
/* Make the lines again: quoted text folded or not, or another width. */
void mail_relines(struct desk *d);
/* The thread the agent means: the open one on the thread screen, the
 * selected line on the mail screen or the work list; NULL when none. */
const char *mail_current_thread(const struct desk *d);

/* The citizen whose address this is, as guichetd answered (borrowed), or
 * NULL (unknown, or not answered yet). */
json_t *mail_citizen_of(const struct desk *d, const char *addr);
/* Whether guichetd was asked about this address and answered. */
bool mail_sender_known(const struct desk *d, const char *addr);

/* Put and take tags on a thread's messages (or any query).  0, or -1. */
int mail_tag(struct desk *d, const char *query, const char *add, const char *remove, char *err,
	     size_t errlen);

/* Save attachment n of the open thread's message (the last one that has
 * attachments when msg is 0; else message number msg, from 1) to dest.
 * 0, or -1 with err. */
int mail_save(struct desk *d, int msg, int n, const char *dest, char *err, size_t errlen);

/* The summary an interaction records for a message: subject and the first
 * lines of its text, without quoted text (out at least 512 bytes). */
void mail_summary(const json_t *msg, char *out, size_t n);

/* The service's address: the option mail_from, else the user notmuch's
 * configuration names ("" when neither), into out. */
void mail_from(struct desk *d, char *out, size_t n);
/* True when addr is the service's own. */
bool mail_is_ours(struct desk *d, const char *addr);

#endif
