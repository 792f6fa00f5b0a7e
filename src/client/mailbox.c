/* The shared mailbox through libnotmuch (see mailbox.h). */
#include "client/mailbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <notmuch.h>

#include "client/i18n.h"

#define THREAD_MESSAGES_MAX 500
/* The write lock is tried this many times, waiting twice as long each time
 * from 10 ms: about two seconds in all. */
#define LOCK_TRIES 8

struct mailbox {
	notmuch_database_t *db;   /* read-only */
	char *db_path;            /* as asked (NULL: from the configuration) */
	char *config;
	char path[1024];          /* the database's folder */
};

static void say(char *err, size_t errlen, const char *what, notmuch_status_t st, char *msg)
{
	snprintf(err, errlen, "%s : %s%s%s", what, notmuch_status_to_string(st), msg ? " — " : "",
		 msg ? msg : "");
	if (msg) {
		/* notmuch's message ends with a newline */
		size_t n = strlen(err);
		while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
	}
	free(msg);
}

static notmuch_status_t open_db(struct mailbox *mb, notmuch_database_mode_t mode,
				notmuch_database_t **db, char **msg)
{
	return notmuch_database_open_with_config(mb->db_path, mode, mb->config, NULL, db, msg);
}

int mailbox_open(struct mailbox **out, const char *db_path, const char *config, char *err,
		 size_t errlen)
{
	struct mailbox *mb = calloc(1, sizeof(*mb));
	char *msg = NULL;
	*out = NULL;
	if (!mb || (db_path && *db_path && !(mb->db_path = strdup(db_path))) ||
	    (config && *config && !(mb->config = strdup(config)))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto fail;
	}
	notmuch_status_t st = open_db(mb, NOTMUCH_DATABASE_MODE_READ_ONLY, &mb->db, &msg);
	if (st != NOTMUCH_STATUS_SUCCESS) {
		say(err, errlen, _("courriel : index notmuch illisible"), st, msg);
		goto fail;
	}
	snprintf(mb->path, sizeof(mb->path), "%s", notmuch_database_get_path(mb->db));
	g_mime_init();
	*out = mb;
	return 0;
fail:
	mailbox_close(mb);
	return -1;
}

void mailbox_close(struct mailbox *mb)
{
	if (!mb)
		return;
	if (mb->db)
		notmuch_database_destroy(mb->db);
	free(mb->db_path);
	free(mb->config);
	free(mb);
}

void mailbox_user(const struct mailbox *mb, char *out, size_t n)
{
	const char *name = notmuch_config_get(mb->db, NOTMUCH_CONFIG_USER_NAME);
	const char *addr = notmuch_config_get(mb->db, NOTMUCH_CONFIG_PRIMARY_EMAIL);
	if (!addr || !*addr)
		snprintf(out, n, "%s", "");
	else if (name && *name)
		snprintf(out, n, "\"%s\" <%s>", name, addr);
	else
		snprintf(out, n, "%s", addr);
}

const char *mailbox_path(const struct mailbox *mb)
{
	return mb->path;
}

/* A reader sees the index as it was when opened: look again before each
 * read, so that what `notmuch new` added since is there. */
static void refresh(struct mailbox *mb)
{
	if (notmuch_database_reopen(mb->db, NOTMUCH_DATABASE_MODE_READ_ONLY) !=
	    NOTMUCH_STATUS_SUCCESS) {
		notmuch_database_t *db = NULL;
		if (open_db(mb, NOTMUCH_DATABASE_MODE_READ_ONLY, &db, NULL) == NOTMUCH_STATUS_SUCCESS) {
			notmuch_database_destroy(mb->db);
			mb->db = db;
		}
	}
}

void mailbox_split_address(const char *header, char *name, size_t nn, char *addr, size_t na)
{
	name[0] = addr[0] = '\0';
	InternetAddressList *l = header ? internet_address_list_parse(NULL, header) : NULL;
	InternetAddress *a = l && internet_address_list_length(l) > 0
				     ? internet_address_list_get_address(l, 0)
				     : NULL;
	if (a && INTERNET_ADDRESS_IS_MAILBOX(a)) {
		const char *n = internet_address_get_name(a);
		const char *m = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		snprintf(name, nn, "%s", n ? n : "");
		snprintf(addr, na, "%s", m ? m : "");
		for (char *p = addr; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else if (header) {
		snprintf(name, nn, "%s", header);
	}
	if (l)
		g_object_unref(l);
}

static json_t *tags_of(notmuch_tags_t *tags)
{
	json_t *a = json_array();
	for (; notmuch_tags_valid(tags); notmuch_tags_move_to_next(tags))
		json_array_append_new(a, json_string(notmuch_tags_get(tags)));
	notmuch_tags_destroy(tags);
	return a;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static json_t *thread_item(notmuch_thread_t *t)
{
	char name[256], addr[256];
	const char *from = "", *mid = "", *file = "";
	notmuch_messages_t *ms = notmuch_thread_get_toplevel_messages(t);
	notmuch_message_t *first = ms && notmuch_messages_valid(ms) ? notmuch_messages_get(ms) : NULL;
	if (first) {
		from = str(notmuch_message_get_header(first, "from"));
		mid = str(notmuch_message_get_message_id(first));
		file = str(notmuch_message_get_filename(first));
	}
	mailbox_split_address(from, name, sizeof(name), addr, sizeof(addr));
	json_t *it = json_pack("{sssssssssssssssIsIsisiso}", "thread",
			       str(notmuch_thread_get_thread_id(t)), "subject",
			       str(notmuch_thread_get_subject(t)), "authors",
			       str(notmuch_thread_get_authors(t)), "from_name", name, "from_addr", addr,
			       "message_id", mid, "filename", file, "date",
			       (json_int_t)notmuch_thread_get_oldest_date(t), "newest",
			       (json_int_t)notmuch_thread_get_newest_date(t), "count",
			       notmuch_thread_get_total_messages(t), "matched",
			       notmuch_thread_get_matched_messages(t), "tags",
			       tags_of(notmuch_thread_get_tags(t)));
	if (ms)
		notmuch_messages_destroy(ms);
	return it;
}

/* Run a thread search, reopening once if the index changed under us. */
static notmuch_status_t search(struct mailbox *mb, const char *query, notmuch_query_t **q,
			       notmuch_threads_t **threads)
{
	notmuch_status_t st = NOTMUCH_STATUS_OUT_OF_MEMORY;
	for (int attempt = 0; attempt < 2; attempt++) {
		refresh(mb);
		*q = notmuch_query_create(mb->db, query);
		if (!*q)
			return NOTMUCH_STATUS_OUT_OF_MEMORY;
		notmuch_query_set_sort(*q, NOTMUCH_SORT_OLDEST_FIRST);
		st = notmuch_query_search_threads(*q, threads);
		if (st == NOTMUCH_STATUS_SUCCESS)
			return st;
		notmuch_query_destroy(*q);
		*q = NULL;
	}
	return st;
}

int mailbox_threads(struct mailbox *mb, const char *query, int offset, int limit,
		    json_t **items, long *total, char *err, size_t errlen)
{
	notmuch_query_t *q = NULL;
	notmuch_threads_t *threads = NULL;
	*items = NULL;
	notmuch_status_t st = search(mb, query, &q, &threads);
	if (st != NOTMUCH_STATUS_SUCCESS) {
		say(err, errlen, _("courriel : recherche refusée"), st, NULL);
		return -1;
	}
	json_t *a = json_array();
	for (int i = 0; notmuch_threads_valid(threads) && i < offset + limit;
	     notmuch_threads_move_to_next(threads), i++) {
		notmuch_thread_t *t = notmuch_threads_get(threads);
		if (i >= offset)
			json_array_append_new(a, thread_item(t));
		notmuch_thread_destroy(t);
	}
	if (total) {
		unsigned n = 0;
		notmuch_query_t *c = notmuch_query_create(mb->db, query);
		*total = c && notmuch_query_count_messages(c, &n) == NOTMUCH_STATUS_SUCCESS ? (long)n
											   : -1;
		if (c)
			notmuch_query_destroy(c);
	}
	notmuch_query_destroy(q);
	*items = a;
	return 0;
}

static json_t *message_item(notmuch_message_t *m)
{
	return json_pack("{sssssIssssso}", "message_id", str(notmuch_message_get_message_id(m)),
			 "filename", str(notmuch_message_get_filename(m)), "date",
			 (json_int_t)notmuch_message_get_date(m), "from",
			 str(notmuch_message_get_header(m, "from")), "subject",
			 str(notmuch_message_get_header(m, "subject")), "tags",
			 tags_of(notmuch_message_get_tags(m)));
}

/* Messages in thread order: each top-level message, then its replies. */
static void walk(notmuch_messages_t *ms, json_t *out, int depth)
{
	for (; notmuch_messages_valid(ms) && json_array_size(out) < THREAD_MESSAGES_MAX;
	     notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		json_t *it = message_item(m);
		if (it) {
			json_object_set_new(it, "depth", json_integer(depth));
			json_array_append_new(out, it);
		}
		/* deep enough for any real thread; a forged one stops here */
		if (depth < 64)
			walk(notmuch_message_get_replies(m), out, depth + 1);
	}
}

int mailbox_thread(struct mailbox *mb, const char *thread_id, json_t **msgs, char *err,
		   size_t errlen)
{
	char query[128];
	notmuch_query_t *q = NULL;
	notmuch_threads_t *threads = NULL;
	*msgs = NULL;
	if (strlen(thread_id) > 64 || strspn(thread_id, "0123456789abcdef") != strlen(thread_id)) {
		snprintf(err, errlen, _("courriel : fil inconnu"));
		return -1;
	}
	snprintf(query, sizeof(query), "thread:%s", thread_id);
	notmuch_status_t st = search(mb, query, &q, &threads);
	if (st != NOTMUCH_STATUS_SUCCESS) {
		say(err, errlen, _("courriel : fil illisible"), st, NULL);
		return -1;
	}
	json_t *a = json_array();
	if (notmuch_threads_valid(threads)) {
		notmuch_thread_t *t = notmuch_threads_get(threads);
		walk(notmuch_thread_get_toplevel_messages(t), a, 0);
		notmuch_thread_destroy(t);
	}
	notmuch_query_destroy(q);
	*msgs = a;
	return 0;
}

int mailbox_messages(struct mailbox *mb, const char *query, int limit, json_t **msgs, char *err,
		     size_t errlen)
{
	notmuch_messages_t *ms = NULL;
	notmuch_status_t st = NOTMUCH_STATUS_OUT_OF_MEMORY;
	notmuch_query_t *q = NULL;
	*msgs = NULL;
	for (int attempt = 0; attempt < 2 && st != NOTMUCH_STATUS_SUCCESS; attempt++) {
		if (q)
			notmuch_query_destroy(q);
		refresh(mb);
		if (!(q = notmuch_query_create(mb->db, query)))
			break;
		notmuch_query_set_sort(q, NOTMUCH_SORT_OLDEST_FIRST);
		st = notmuch_query_search_messages(q, &ms);
	}
	if (st != NOTMUCH_STATUS_SUCCESS) {
		if (q)
			notmuch_query_destroy(q);
		say(err, errlen, _("courriel : recherche refusée"), st, NULL);
		return -1;
	}
	json_t *a = json_array();
	for (; notmuch_messages_valid(ms) && json_array_size(a) < (size_t)limit;
	     notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		json_t *it = message_item(m);
		if (it) {
			json_object_set_new(it, "thread", json_string(str(notmuch_message_get_thread_id(m))));
			json_array_append_new(a, it);
		}
		notmuch_message_destroy(m);
	}
	notmuch_query_destroy(q);
	*msgs = a;
	return 0;
}

int mailbox_thread_of(struct mailbox *mb, const char *message_id, char *out, size_t n)
{
	notmuch_message_t *m = NULL;
	refresh(mb);
	if (notmuch_database_find_message(mb->db, message_id, &m) != NOTMUCH_STATUS_SUCCESS || !m)
		return -1;
	snprintf(out, n, "%s", str(notmuch_message_get_thread_id(m)));
	notmuch_message_destroy(m);
	return 0;
}

unsigned long mailbox_revision(struct mailbox *mb)
{
	const char *uuid;
	refresh(mb);
	return notmuch_database_get_revision(mb->db, &uuid);
}

/* Whether another program holds Xapian's write lock (its flintlock file,
 * locked with fcntl).  libnotmuch waits for the lock as long as it takes,
 * which would freeze the desk behind a long `notmuch new`: we look
 * first, without waiting.  Unknown (no such file) counts as free. */
static bool write_locked(const struct mailbox *mb)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/.notmuch/xapian/flintlock", mb->path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	bool held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	close(fd);
	return held;
}

/* The write lock, waited for a little: `notmuch new` or another desk may
 * hold it for a moment. */
static notmuch_status_t open_writer(struct mailbox *mb, notmuch_database_t **db, char **msg)
{
	notmuch_status_t st = NOTMUCH_STATUS_XAPIAN_EXCEPTION;
	long wait_ms = 10;
	for (int i = 0; i < LOCK_TRIES; i++, wait_ms *= 2) {
		free(*msg);
		*msg = NULL;
		if (!write_locked(mb)) {
			st = open_db(mb, NOTMUCH_DATABASE_MODE_READ_WRITE, db, msg);
			if (st != NOTMUCH_STATUS_XAPIAN_EXCEPTION)
				return st;
		}
		struct timespec ts = { wait_ms / 1000, wait_ms % 1000 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return st;
}

/* Close the writer, which commits: the lock is held for the change only.
 * st is how the change went.  0, or -1 with err saying `what`. */
static int close_writer(notmuch_database_t *db, notmuch_status_t st, const char *what, char *err,
			size_t errlen)
{
	notmuch_status_t cst = notmuch_database_close(db);
	notmuch_database_destroy(db);
	if (st == NOTMUCH_STATUS_SUCCESS)
		st = cst;
	if (st == NOTMUCH_STATUS_SUCCESS)
		return 0;
	say(err, errlen, what, st, NULL);
	return -1;
}

static long tag_all(notmuch_database_t *db, const char *query, const char *const *add,
		    const char *const *remove, notmuch_status_t *st)
{
	notmuch_query_t *q = notmuch_query_create(db, query);
	notmuch_messages_t *ms = NULL;
	long n = 0;
	*st = q ? notmuch_query_search_messages(q, &ms) : NOTMUCH_STATUS_OUT_OF_MEMORY;
	for (; *st == NOTMUCH_STATUS_SUCCESS && notmuch_messages_valid(ms);
	     notmuch_messages_move_to_next(ms)) {
		notmuch_message_t *m = notmuch_messages_get(ms);
		for (size_t i = 0; add && add[i] && *st == NOTMUCH_STATUS_SUCCESS; i++)
			*st = notmuch_message_add_tag(m, add[i]);
		for (size_t i = 0; remove && remove[i] && *st == NOTMUCH_STATUS_SUCCESS; i++)
			*st = notmuch_message_remove_tag(m, remove[i]);
		notmuch_message_destroy(m);
		n++;
	}
	if (q)
		notmuch_query_destroy(q);
	return n;
}

long mailbox_tag(struct mailbox *mb, const char *query, const char *const *add,
		 const char *const *remove, char *err, size_t errlen)
{
	notmuch_database_t *db = NULL;
	char *msg = NULL;
	notmuch_status_t st = open_writer(mb, &db, &msg);
	if (st != NOTMUCH_STATUS_SUCCESS) {
		say(err, errlen, _("courriel : étiquettes non posées (index occupé ?)"), st, msg);
		return -1;
	}
	free(msg);
	long n = tag_all(db, query, add, remove, &st);
	if (close_writer(db, st, _("courriel : étiquettes non posées"), err, errlen) < 0)
		return -1;
	return n;
}

int mailbox_index(struct mailbox *mb, const char *path, const char *const *tags, char *err,
		  size_t errlen)
{
	notmuch_database_t *db = NULL;
	notmuch_message_t *m = NULL;
	char *msg = NULL;
	notmuch_status_t st = open_writer(mb, &db, &msg);
	if (st != NOTMUCH_STATUS_SUCCESS) {
		say(err, errlen, _("courriel : copie envoyée non indexée (index occupé ?)"), st, msg);
		return -1;
	}
	free(msg);
	st = notmuch_database_index_file(db, path, NULL, &m);
	if (st == NOTMUCH_STATUS_DUPLICATE_MESSAGE_ID)
		st = NOTMUCH_STATUS_SUCCESS;
	for (size_t i = 0; m && tags && tags[i] && st == NOTMUCH_STATUS_SUCCESS; i++)
		st = notmuch_message_add_tag(m, tags[i]);
	if (m)
		notmuch_message_destroy(m);
	return close_writer(db, st, _("courriel : copie envoyée non indexée"), err, errlen);
}
