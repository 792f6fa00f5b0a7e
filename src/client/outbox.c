/* The outbox (see outbox.h): a queue of plain entries, sent in order, one
 * at a time or a run of them in one batch (outbox_batch.c), each answer
 * sorted into delivered, to be tried again, conflict or refused. */
#include "client/outbox.h"
#include "client/outbox_impl.h"
#include "client/outbox_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/loop.h"
#include "core/json_get.h"
#include "core/text.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define COMPACT_AFTER  256   /* records: an empty outbox starts its file again */

const char *const OUTBOX_STATE_NAMES[] = {
	[OUTBOX_QUEUED] = "queued", [OUTBOX_SENDING] = "sending",
	[OUTBOX_CONFLICT] = "conflict", [OUTBOX_REJECTED] = "rejected",
};

void outbox_new_key(char key[32])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, 32, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Cut s back to its last whole UTF-8 character: a label cut by snprintf
 * must still be text (the journal's record is JSON). */
static void utf8_whole(char *s)
{
	size_t n = strlen(s);
	while (n && !text_utf8_valid(s, n))
		s[--n] = '\0';
}

struct outbox *outbox_new(const struct outbox_io *io)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	if (!ob)
		return NULL;
	ob->io = *io;
	ob->tail = &ob->head;
	ob->next_id = 1;
	return ob;
}

static void entry_free(struct outbox_entry *e)
{
	json_decref(e->body);
	json_decref(e->current);
	job_unref(e->job);
	free(e);
}

void outbox_free(struct outbox *ob)
{
	if (!ob)
		return;
	for (struct outbox_entry *e = ob->head, *n; e; e = n) {
		n = e->next;
		entry_free(e);
	}
	for (size_t i = 0; i < ob->ndels; i++)
		free(ob->dels[i]);
	journal_close(ob->journal);
	free(ob);
}

/* --- the journal: what is written down, and when ------------------------------------ */

/* Write a record (text: new, freed here).  0, or -1 with why in err. */
static int write_record(struct outbox *ob, char *text, char *err, size_t errlen)
{
	int rc = -1;
	if (!ob->journal) {
		free(text);
		return 0;
	}
	if (!text)
		snprintf(err, errlen, "%s", _("mémoire épuisée"));
	else
		rc = journal_append(ob->journal, text, strlen(text), err, errlen);
	free(text);
	return rc;
}

/* A change to an entry already on disk.  Failing here costs nothing that
 * was promised: the record on disk is the agent's action as it was said
 * to be saved, and sending it again is harmless (same key). */
static int write_put(struct outbox *ob, const struct outbox_entry *e)
{
	char err[256];
	if (write_record(ob, outbox_record_put(e), err, sizeof(err)) == 0)
		return 0;
	snprintf(ob->error, sizeof(ob->error), "%s", err);
	if (ob->io.failed)
		ob->io.failed(ob->io.ctx, err);
	return -1;
}

static int nothing_more(void *arg, const void **data, size_t *len)
{
	(void)arg;
	(void)data;
	(void)len;
	return 0;
}

/* Delivered or dropped: not to be sent again by the next run.  While a
 * batch's answers are sorted, the records wait to go down together (one
 * sync for the batch); a record lost with a crash in between costs
 * nothing: the entry is sent again with its key and the server answers
 * what it answered the first time. */
static void write_del(struct outbox *ob, const struct outbox_entry *e)
{
	if (!ob->journal)
		return;
	ob->dels[ob->ndels++] = outbox_record_del(e);
	if (!ob->defer_dels || ob->ndels == OUTBOX_BATCH_MAX)
		outbox_dels_flush(ob);
}

/* When the outbox is empty the file is started again, so it never grows. */
void outbox_dels_flush(struct outbox *ob)
{
	const void *data[OUTBOX_BATCH_MAX];
	size_t len[OUTBOX_BATCH_MAX], n = 0;
	char err[256] = "";
	if (!ob->ndels)
		return;
	if (!ob->head && !ob->unreadable && journal_records(ob->journal) > COMPACT_AFTER &&
	    journal_rewrite(ob->journal, nothing_more, NULL, err, sizeof(err)) == 0)
		goto done;
	for (size_t i = 0; i < ob->ndels; i++)
		if (ob->dels[i]) {
			data[n] = ob->dels[i];
			len[n++] = strlen(ob->dels[i]);
		}
	if (n < ob->ndels)
		snprintf(err, sizeof(err), "%s", _("mémoire épuisée"));
	if (journal_append_n(ob->journal, data, len, n, err, sizeof(err)) < 0 || n < ob->ndels) {
		snprintf(ob->error, sizeof(ob->error), "%s", err);
		if (ob->io.failed) /* harmless (the next run sends it again, same key): said */
			ob->io.failed(ob->io.ctx, err);
	}
done:
	for (size_t i = 0; i < ob->ndels; i++)
		free(ob->dels[i]);
	ob->ndels = 0;
}

uint64_t outbox_add(struct outbox *ob, const char *kind, const char *method, const char *path,
		    const json_t *body, int64_t base_version, enum store_type target_type,
		    int64_t target_id, const char *what, struct job *job)
{
	struct outbox_entry *e = calloc(1, sizeof(*e));
	if (!e || strlen(kind) >= sizeof(e->kind) || strlen(method) >= sizeof(e->method) ||
	    strlen(path) >= sizeof(e->path) || (body && !(e->body = json_deep_copy(body)))) {
		snprintf(ob->error, sizeof(ob->error), "%s", _("mémoire épuisée"));
		free(e);
		return 0;
	}
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->method, sizeof(e->method), "%s", method);
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->what, sizeof(e->what), "%s", what ? what : kind);
	utf8_whole(e->what); /* the caller's label may have been cut inside a character */
	outbox_new_key(e->key);
	memcpy(e->ref, e->key, sizeof(e->ref));
	e->base_version = base_version;
	e->target_type = target_type;
	e->target_id = target_id;
	ob->error[0] = '\0';
	if (write_record(ob, outbox_record_put(e), ob->error, sizeof(ob->error)) < 0) {
		entry_free(e); /* not on disk: the agent is told it is not saved */
		return 0;
	}
	e->id = ob->next_id++;
	if (job) {
		job_part_begin(job);
		e->job = job;
	}
	*ob->tail = e;
	ob->tail = &e->next;
	if (ob->io.store)
		store_pending_add(ob->io.store, target_type, target_id, 1);
	return e->id;
}

struct outbox_entry *outbox_entry_find(const struct outbox *ob, uint64_t id)
{
	for (struct outbox_entry *e = ob->head; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

const struct outbox_entry *outbox_first(const struct outbox *ob) { return ob->head; }
const struct outbox_entry *outbox_find(const struct outbox *ob, uint64_t id)
{
	return outbox_entry_find(ob, id);
}

static void unlink_entry(struct outbox *ob, struct outbox_entry *e)
{
	struct outbox_entry **p = &ob->head;
	while (*p && *p != e)
		p = &(*p)->next;
	if (!*p)
		return;
	*p = e->next;
	if (ob->tail == &e->next)
		ob->tail = p;
	if (ob->io.store)
		store_pending_add(ob->io.store, e->target_type, e->target_id, -1);
	write_del(ob, e);
	entry_free(e);
}

/* Tell whoever waits, once: the entry keeps living in the outbox. */
static void answer_job(struct outbox_entry *e, enum job_why why, const char *msg, json_t *result)
{
	struct job *j = e->job;
	e->job = NULL;
	if (!j) {
		json_decref(result);
		return;
	}
	if (result && why == JOB_OK)
		job_set_result(j, result);
	else
		json_decref(result);
	job_part_done(j, why, "%s", msg ? msg : "");
}

const struct outbox_kind *outbox_kind_of(const struct outbox *ob, const char *kind)
{
	for (size_t i = 0; i < ob->io.nkinds; i++)
		if (strcmp(ob->io.kinds[i].kind, kind) == 0)
			return &ob->io.kinds[i];
	return NULL;
}

/* Later entries on the same record were made on top of this one: they
 * follow it to the version it produced, rather than conflict with the
 * agent's own change. */
static void rebase_followers(struct outbox *ob, const struct outbox_entry *e, const json_t *rec)
{
	int64_t v = jint(rec, "version");
	if (!e->base_version || !v || jint(rec, "id") != e->target_id)
		return;
	for (struct outbox_entry *f = e->next; f; f = f->next)
		if (f->state == OUTBOX_QUEUED && f->target_type == e->target_type &&
		    f->target_id == e->target_id && f->base_version == e->base_version) {
			f->base_version = v;
			write_put(ob, f);
		}
}

static void schedule_retry(struct outbox_entry *e)
{
	int64_t delay = BACKOFF_FIRST_MS;
	for (int i = 1; i < e->attempts && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	delay += randombytes_uniform((uint32_t)(delay / 4 + 1));
	e->next_try_ms = loop_now_ms() + delay;
	e->state = OUTBOX_QUEUED;
}

/* No answer, or an answer that says "later": keep it, try again.  A 409
 * is "later" only while the first request with the same key still runs;
 * any other conflict (a chat no longer waiting, a merged record) stays. */
bool outbox_transient(const struct net_result *res)
{
	int st = res->status;
	if (st == 409)
		return strcmp(jtext(res->body, "title"), "Request in progress") == 0;
	return st == 0 || st == 408 || st == 429 || st >= 500;
}

static void answer_queued(struct outbox *ob, struct outbox_entry *e)
{
	answer_job(e, JOB_OK, NULL,
		   json_pack("{sbsIsb}", "queued", 1, "outbox_id", (json_int_t)e->id, "durable",
			     ob->journal != NULL));
}

/* The entries behind one that waits for the network wait too: whoever
 * waits for them is told so now rather than when their turn comes (a
 * script queueing ten notes offline hears about the ten at once). */
static void answer_followers(struct outbox *ob, struct outbox_entry *e)
{
	for (struct outbox_entry *f = e->next; f; f = f->next)
		if (f->job && f->state == OUTBOX_QUEUED)
			answer_queued(ob, f);
}

void outbox_settle(struct outbox *ob, struct outbox_entry *e, const struct net_result *res)
{
	e->status = res->status;
	snprintf(e->error, sizeof(e->error), "%s", res->status >= 200 && res->status < 300 ? ""
						 : net_why(res));
	if (res->status >= 200 && res->status < 300) {
		const struct outbox_kind *k = outbox_kind_of(ob, e->kind);
		if (k && k->delivered)
			k->delivered(ob->io.ctx, e, res);
		rebase_followers(ob, e, res->body);
		answer_job(e, JOB_OK, NULL, res->body ? json_incref(res->body) : json_object());
		unlink_entry(ob, e);
		return;
	}
	if (res->status == 401) {
		ob->refused = true;
		e->state = OUTBOX_QUEUED;
		answer_job(e, JOB_AUTH, e->error, NULL);
	} else if (res->status == 412) {
		e->state = OUTBOX_CONFLICT;
		json_decref(e->current);
		e->current = json_incref(json_object_get(res->body, "current"));
		answer_job(e, JOB_FAILED, e->error, NULL);
	} else if (outbox_transient(res)) {
		schedule_retry(e);
		/* whoever waits is told it is saved and queued: the agent goes on */
		answer_queued(ob, e);
		answer_followers(ob, e);
	} else {
		e->state = OUTBOX_REJECTED;
		answer_job(e, JOB_FAILED, e->error, NULL);
	}
	if (ob->io.answered)
		ob->io.answered(ob->io.ctx, e, res);
	const struct outbox_kind *k = outbox_kind_of(ob, e->kind);
	if (e->state == OUTBOX_REJECTED && k && k->fleeting)
		unlink_entry(ob, e);
}

static void on_sent(void *arg, const struct net_result *res)
{
	struct flight *f = arg;
	struct outbox *ob = f->ob;
	struct outbox_entry *e = outbox_entry_find(ob, f->ids[0]);
	ob->in_flight = false;
	if (!e)
		return;
	outbox_settle(ob, e, res);
	outbox_pump(ob, loop_now_ms());
}

static int send_entry(struct outbox *ob, struct outbox_entry *e)
{
	struct flight *f = &ob->flight;
	f->ob = ob;
	f->ids[0] = e->id;
	f->n = 1;
	e->state = OUTBOX_SENDING;
	e->attempts++;
	ob->in_flight = true;
	if (ob->io.send(ob->io.arg, e, on_sent, f) < 0) {
		ob->in_flight = false;
		snprintf(e->error, sizeof(e->error), "%s", _("envoi impossible"));
		schedule_retry(e);
		return -1;
	}
	return 0;
}

int64_t outbox_pump(struct outbox *ob, int64_t now_ms)
{
	if (ob->in_flight)
		return 0;
	if (ob->refused)
		return -1;
	for (struct outbox_entry *e = ob->head; e; e = e->next) {
		if (e->state != OUTBOX_QUEUED)
			continue; /* parked: waits for the agent */
		if (e->next_try_ms > now_ms) {
			if (e->attempts > 0) /* it found no server: what came after waits too */
				answer_followers(ob, e);
			return e->next_try_ms - now_ms;
		}
		if (outbox_batch_send(ob, e, now_ms) == 0 || send_entry(ob, e) == 0)
			return 0;
		return e->next_try_ms - now_ms;
	}
	return -1;
}

void outbox_retry_now(struct outbox *ob)
{
	for (struct outbox_entry *e = ob->head; e; e = e->next)
		if (e->state == OUTBOX_QUEUED)
			e->next_try_ms = 0;
}

bool outbox_refused(const struct outbox *ob) { return ob->refused; }
void outbox_resume(struct outbox *ob) { ob->refused = false; outbox_retry_now(ob); }

bool outbox_busy(const struct outbox *ob)
{
	return ob->in_flight;
}

size_t outbox_waiting(const struct outbox *ob)
{
	size_t n = 0;
	for (const struct outbox_entry *e = ob->head; e; e = e->next)
		n += e->state == OUTBOX_QUEUED || e->state == OUTBOX_SENDING;
	return n;
}

size_t outbox_blocked(const struct outbox *ob)
{
	size_t n = 0;
	for (const struct outbox_entry *e = ob->head; e; e = e->next)
		n += e->state == OUTBOX_CONFLICT || e->state == OUTBOX_REJECTED;
	return n;
}

int outbox_reapply(struct outbox *ob, uint64_t id, char *err, size_t errlen)
{
	struct outbox_entry *e = outbox_entry_find(ob, id);
	if (!e || (e->state != OUTBOX_CONFLICT && e->state != OUTBOX_REJECTED)) {
		snprintf(err, errlen, _("reapply : pas d'action %llu en conflit ou refusée"),
			 (unsigned long long)id);
		return -1;
	}
	if (e->state == OUTBOX_CONFLICT) {
		int64_t v = jint(e->current, "version");
		if (v <= 0) {
			snprintf(err, errlen, _("reapply : la version actuelle n'est pas connue"));
			return -1;
		}
		e->base_version = v;
	}
	/* the server keeps the answer of a key: a new decision needs a new one */
	outbox_new_key(e->key);
	json_decref(e->current);
	e->current = NULL;
	e->attempts = 0;
	e->next_try_ms = 0;
	e->state = OUTBOX_QUEUED;
	write_put(ob, e); /* the next run sends the new decision, not the old */
	return 0;
}

int outbox_drop(struct outbox *ob, uint64_t id, char *err, size_t errlen)
{
	struct outbox_entry *e = outbox_entry_find(ob, id);
	if (!e) {
		snprintf(err, errlen, _("drop : pas d'action %llu"), (unsigned long long)id);
		return -1;
	}
	if (e->state == OUTBOX_SENDING) {
		snprintf(err, errlen, _("drop : l'action %llu est en cours d'envoi"),
			 (unsigned long long)id);
		return -1;
	}
	answer_job(e, JOB_FAILED, _("abandonnée"), NULL);
	unlink_entry(ob, e);
	return 0;
}

json_t *outbox_to_json(const struct outbox *ob)
{
	json_t *a = json_array();
	for (const struct outbox_entry *e = ob->head; a && e; e = e->next) {
		json_t *o = json_pack("{sIsssssssIsIssssss}", "id", (json_int_t)e->id, "kind", e->kind,
				      "what", e->what, "state", OUTBOX_STATE_NAMES[e->state],
				      "attempts", (json_int_t)e->attempts, "status",
				      (json_int_t)e->status, "error", e->error, "method", e->method,
				      "path", e->path);
		if (o) {
			json_object_set_new(o, "target", json_string(STORE_TYPE_NAMES[e->target_type]));
			json_object_set_new(o, "target_id", json_integer(e->target_id));
		}
		if (o && e->current)
			json_object_set(o, "current", e->current);
		if (o && e->base_version)
			json_object_set_new(o, "base_version", json_integer(e->base_version));
		json_array_append_new(a, o);
	}
	return a;
}

/* --- coming back from the journal ----------------------------------------------------- */

/* The entries read back, in the order they were first made. */
struct restore {
	struct outbox_entry *head, **tail;
	size_t unreadable;         /* authenticated, but not a record of ours */
};

static struct outbox_entry **restore_find(struct restore *r, const char *ref)
{
	struct outbox_entry **p = &r->head;
	while (*p && strcmp((*p)->ref, ref) != 0)
		p = &(*p)->next;
	return p;
}

static int restore_one(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct restore *r = arg;
	struct outbox_entry rec, **at, *e;
	enum outbox_record_op op;
	(void)seq;
	if (outbox_record_read(data, len, &op, &rec) < 0) {
		r->unreadable++;
		return 0;
	}
	at = restore_find(r, rec.ref);
	if ((e = *at) && op == OUTBOX_RECORD_PUT) { /* changed (a reapply): in its place */
		rec.next = e->next;
		json_decref(e->body);
		*e = rec;
		return 0;
	}
	if (e) { /* delivered or dropped */
		*at = e->next;
		if (r->tail == &e->next)
			r->tail = at;
		entry_free(e);
	}
	if (op == OUTBOX_RECORD_DEL)
		return 0;
	if (!(e = malloc(sizeof(*e)))) {
		json_decref(rec.body);
		return -1;
	}
	*e = rec;
	*r->tail = e;
	r->tail = &e->next;
	return 0;
}

static void restore_free(struct restore *r)
{
	for (struct outbox_entry *e = r->head, *n; e; e = n) {
		n = e->next;
		entry_free(e);
	}
	r->head = NULL;
}

/* The entries of an earlier run go first, then those of this one. */
static size_t restore_queue(struct outbox *ob, struct restore *r)
{
	size_t n = 0;
	struct outbox_entry *mine = ob->head;
	ob->head = r->head;
	for (struct outbox_entry *e = ob->head; e; e = e->next, n++) {
		e->id = ob->next_id++;
		e->state = OUTBOX_QUEUED;
		if (ob->io.store)
			store_pending_add(ob->io.store, e->target_type, e->target_id, 1);
	}
	*(r->head ? r->tail : &ob->head) = mine;
	if (!mine)
		ob->tail = r->head ? r->tail : &ob->head;
	return n;
}

int outbox_persist(struct outbox *ob, const char *path, const unsigned char key[JOURNAL_KEY_BYTES],
		   struct journal_report *rep, char *err, size_t errlen)
{
	struct restore r = { NULL, &r.head, 0 };
	if (ob->journal) {
		snprintf(err, errlen, "%s", _("l'envoi est déjà gardé sur disque"));
		return -1;
	}
	struct journal *j = journal_open(path, key, restore_one, &r, rep, err, errlen);
	if (!j) {
		restore_free(&r);
		return -1;
	}
	/* queued before the disk was there: written now, or the outbox stays
	 * in memory (never durable with some of it not on disk) */
	struct outbox_entry *mine = ob->head;
	ob->journal = j;
	for (struct outbox_entry *e = mine; e; e = e->next)
		if (write_put(ob, e) < 0) {
			snprintf(err, errlen, "%s", ob->error);
			ob->journal = NULL;
			journal_close(j);
			restore_free(&r);
			return -1;
		}
	ob->unreadable = r.unreadable;
	return (int)restore_queue(ob, &r);
}

bool outbox_durable(const struct outbox *ob) { return ob->journal != NULL; }
size_t outbox_unreadable(const struct outbox *ob) { return ob->unreadable; }

size_t outbox_in_progress(const struct outbox *ob, enum store_type t, int64_t id)
{
	size_t n = 0;
	for (const struct outbox_entry *e = ob->head; e; e = e->next)
		n += e->target_type == t && e->target_id == id &&
		     (e->state == OUTBOX_QUEUED || e->state == OUTBOX_SENDING);
	return n;
}
const char *outbox_error(const struct outbox *ob) { return ob->error; }
