/* Inside sync: the ticket every request carries and the helpers that
 * sync.c (reads), sync_write.c (writes through the outbox) and
 * sync_events.c (the event stream) share.  Not for other callers. */
#ifndef GUICHET_CLIENT_SYNC_IMPL_H
#define GUICHET_CLIENT_SYNC_IMPL_H

#include "client/net.h"
#include "client/store.h"
#include "client/sync.h"

/* A request's ticket: what to do with its answer.  Owned by the request;
 * freed by its done function (ticket_free). */
struct ticket {
	struct desk *d;
	struct job *job;          /* a part of it (reference), or NULL */
	bool quiet;               /* done behind the agent's back: not "envoi…" */
	enum store_type type;     /* a record: where it goes */
	int64_t id;
	char query[256];          /* a list: which one */
	char path[1024];          /* a list: where it is read (to read it again) */
	char from[256];           /* a page: the cursor it was read from */
	char what[64];            /* for the message line */
	unsigned ask;             /* which opening of a case it answers */
	bool by_ref;              /* the case was asked for by its reference */
	bool held;                /* no answer, but the store (the cache) holds it */
	/* after a record or list landed (may be NULL) */
	void (*then)(struct ticket *t, const struct net_result *res);
	/* a list did not come (may be NULL); may set held */
	void (*failed)(struct ticket *t, const struct net_result *res);
};

struct ticket *ticket_new(struct desk *d, struct job *j, const char *what);
/* Send a GET for t (which it owns from here, also on failure): 0, or -1
 * when nothing went (t is freed, its job told). */
int ticket_get(struct ticket *t, const char *path, net_done_fn done);
/* The request is over: counts and the job's part.  why/msg as job.h. */
void ticket_end(struct ticket *t, const struct net_result *res);
void ticket_free(struct ticket *t);

/* Done functions: put the record (t->type, its id) in the store; set the
 * list t->query; append the page read from t->from. */
void on_record(void *arg, const struct net_result *res);
void on_list(void *arg, const struct net_result *res);
void on_page(void *arg, const struct net_result *res);

/* The problem's detail (or title), else curl's message. */
const char *sync_why(const struct net_result *res);
/* The job's reason for a failed answer. */
enum job_why sync_job_why(const struct net_result *res);

/* Percent-encode a query value (RFC 3986 unreserved characters kept). */
void sync_url_encode(const char *in, char *out, size_t n);

/* Re-read a case's history, a case (after an event). */
void sync_case_events(struct desk *d, int64_t case_id, struct job *j);
void sync_case_read(struct desk *d, int64_t case_id, struct job *j);
/* A change of mine to a case (e) was answered, delivered or refused (the
 * store has the case's version now): the versions the event stream
 * announced meanwhile were mine, unless one is newer; then the case is
 * marked changed elsewhere. */
struct outbox_entry;
void sync_case_answered(struct desk *d, const struct outbox_entry *e);
/* What mail's outbox entries do once delivered (sync_mail.c): tag the
 * message recorded; record the thread in the case made from it; say the
 * citizen made from a sender. */
struct net_result;
void sync_mail_linked(void *ctx, const struct outbox_entry *e, const struct net_result *res);
void sync_mail_case_created(void *ctx, const struct outbox_entry *e, const struct net_result *res);
void sync_mail_citizen_created(void *ctx, const struct outbox_entry *e,
			       const struct net_result *res);

/* What the phone's outbox entries do once delivered (sync_phone.c). */
void sync_phone_recorded(void *ctx, const struct outbox_entry *e, const struct net_result *res);
void sync_phone_citizen_created(void *ctx, const struct outbox_entry *e,
				const struct net_result *res);

/* Add a chat message to its chat in the store, once. */
void sync_chat_append(struct desk *d, const json_t *m);

#endif
