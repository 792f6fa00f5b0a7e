/* The shared mailbox as notmuch indexes it (the Maildir mbsync or
 * offlineimap fill, as mutt and aerc users have it).  The desk reads it
 * through a read-only handle, which never waits for `notmuch new` and is
 * reopened when the index moved under it; tags are written through a
 * read-write handle held only for the change, retried while another
 * writer has the lock.  Nothing here knows the desk: records come back as
 * jansson values, strings untrusted (whoever draws them sanitizes).
 *
 * Ownership: every json_t handed back is new (the caller json_decref's). */
#ifndef GUICHET_CLIENT_MAILBOX_H
#define GUICHET_CLIENT_MAILBOX_H

#include <stddef.h>
#include <jansson.h>

struct mailbox;

/* Open the index: its database path (NULL: what the configuration says)
 * and the notmuch configuration file (NULL: notmuch's own default,
 * NOTMUCH_CONFIG or ~/.notmuch-config).  0, or -1 with a message in err. */
int mailbox_open(struct mailbox **out, const char *db_path, const char *config, char *err,
		 size_t errlen);
void mailbox_close(struct mailbox *mb);

/* The address notmuch's configuration gives its user ("Name <addr>", or
 * just the address; "" when none), into out. */
void mailbox_user(const struct mailbox *mb, char *out, size_t n);

/* The database's folder (where the Maildir is), borrowed. */
const char *mailbox_path(const struct mailbox *mb);

/* At most `limit` threads matching query, oldest first, skipping the
 * first `offset`: [{"thread", "subject", "authors", "from_name",
 * "from_addr" (the first message's sender, lowercased), "message_id" and
 * "filename" (the first message's), "date" (oldest, Unix seconds),
 * "newest", "count", "matched", "tags": [...]}].  *total (may be NULL) gets
 * how many messages match.  0, or -1 with err. */
int mailbox_threads(struct mailbox *mb, const char *query, int offset, int limit,
		    json_t **items, long *total, char *err, size_t errlen);

/* The messages of a thread in thread order (oldest first), at most 500:
 * [{"message_id", "filename", "date", "from", "subject", "tags": [...]}].
 * 0, or -1 with err (no such thread: an empty array). */
int mailbox_thread(struct mailbox *mb, const char *thread_id, json_t **msgs, char *err,
		   size_t errlen);

/* At most `limit` messages matching query, oldest first, each as in
 * mailbox_thread with its "thread".  0, or -1 with err. */
int mailbox_messages(struct mailbox *mb, const char *query, int limit, json_t **msgs, char *err,
		     size_t errlen);

/* The thread a Message-ID (without <>) belongs to, into out (at least 64
 * bytes).  0, or -1 when the index does not hold it. */
int mailbox_thread_of(struct mailbox *mb, const char *message_id, char *out, size_t n);

/* The index's revision, seen afresh: it moves with every change
 * (`notmuch new`, a tag).  0 when it cannot be read. */
unsigned long mailbox_revision(struct mailbox *mb);

/* Add and remove tags (NULL-terminated lists, either may be NULL) on every
 * message matching query.  Takes the write lock for the change only,
 * trying again for up to about two seconds while another program holds
 * it.  Returns how many messages were changed, or -1 with err. */
long mailbox_tag(struct mailbox *mb, const char *query, const char *const *add,
		 const char *const *remove, char *err, size_t errlen);

/* Index a file of the Maildir (the copy of a message sent), with tags;
 * a file already there keeps its record and gets the tags.  0, or -1. */
int mailbox_index(struct mailbox *mb, const char *path, const char *const *tags, char *err,
		  size_t errlen);

/* Split an address header ("Name <a@b>", RFC 2047 words decoded) into
 * name and lowercased address; either may come out empty. */
void mailbox_split_address(const char *header, char *name, size_t nn, char *addr, size_t na);

#endif
