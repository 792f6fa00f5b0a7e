/* A command's result, for whoever waits for it: the headless mode prints
 * it and turns it into an exit code; the screen shows its message.  A
 * command that asks the network hands its job to each request it makes
 * (one "part" each); the job is done when the last part has landed, with
 * the first failure's message if any.  Reference counted: the dispatcher,
 * the waiter and every request in flight each hold one. */
#ifndef GUICHET_CLIENT_JOB_H
#define GUICHET_CLIENT_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Why a job failed, for the exit code of headless mode (guichet(1)). */
enum job_why {
	JOB_OK,
	JOB_FAILED,        /* refused, bad arguments, unknown command: 1 */
	JOB_AUTH,          /* the session is refused (401): 3 */
	JOB_UNREACHABLE,   /* no answer from the server: 4 */
};

struct desk;
struct job;

/* What the result is, read from the store when the job is done (so that a
 * result says what the desk now holds, events included). */
typedef json_t *(*job_build_fn)(struct desk *d, const struct job *j);

struct job {
	int refs;
	int parts;                /* requests still to land */
	bool done;
	bool cached;              /* answered offline from the cache */
	bool printed;             /* the command wrote its output itself (an
				     export to stdout): headless prints nothing */
	enum job_why why;
	char error[512];
	json_t *result;           /* owned: the result record or list, or NULL */
	job_build_fn build;       /* NULL: result is what the parts put there */
	int64_t id;               /* what build reads: a record's id... */
	char query[256];          /* ...or a list's query */
	struct desk *desk;
};

/* A new job (one reference, the caller's), or NULL. */
struct job *job_new(struct desk *d);
/* NULL is fine for both. */
struct job *job_ref(struct job *j);
void job_unref(struct job *j);

/* A request is made for j (NULL: nobody waits): one part more, and one
 * reference, which job_part_done gives back. */
void job_part_begin(struct job *j);
/* A part landed: ok, or failed with why and a message (printf-like).  The
 * last part makes the job done (its result built). */
void job_part_done(struct job *j, enum job_why why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Take a result (the reference v) for a job that builds none. */
void job_set_result(struct job *j, json_t *v);

/* The dispatcher, after the command returned: a job with no part in
 * flight is done now (rc 0: success; -1: failed with msg). */
void job_settle(struct job *j, int rc, const char *msg);

#endif
