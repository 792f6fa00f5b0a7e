/* The demo commune's shared mailbox (guichetd serve --demo --demo-mail DIR):
 * a real Maildir of a few thousand French messages between the demo
 * citizens and contact@ the commune, indexed by notmuch, so that the desk's
 * mail screens have something true to read (threads, accents, encodings,
 * attachments, unknown senders, hostile messages).  Written
 * deterministically from the store's citizens and their email contacts. */
#ifndef GUICHET_SERVER_DEMO_MAIL_H
#define GUICHET_SERVER_DEMO_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The mailbox's address, and the name it writes under. */
#define DEMO_MAIL_NAME "Mairie de Saint-Aubin-sur-Loire"
#define DEMO_MAIL_LOCAL "contact"

/* Create DIR (if needed), DIR/Maildir and DIR/Maildir/Sent (0700),
 * DIR/notmuch-config (0600) and the messages: each email interaction of
 * the store's demo citizens (external_ref <demo.N@domain>) becomes a
 * message with that Message-ID, and more threads fill the mailbox to some
 * 2,000 messages over the six months before `now`.  Indexed with `notmuch
 * new` in three rounds so that each message comes in with its final tags:
 * the commune's "sent", handled citizen mail (older than 30 days, or
 * answered) "guichet/replied" without "inbox", the rest "inbox" (the 40
 * most recent of them unread, in new/).  DIR/notmuch-config is written
 * last (new.tags=unread;inbox;): its presence says the mailbox is whole.
 * DIR must not hold a Maildir yet.  Returns 0, or -1 with a message in
 * err (a half-written DIR may remain; memory is freed). */
int demo_mail_create(struct store *st, const char *dir, int64_t now, char *err, size_t errlen);

/* The simulator's mail: one new citizen message in DIR/Maildir/new (a new
 * thread, or a follow-up In-Reply-To one of the commune's answers), drawn
 * from `seed`, dated `now`, then `notmuch new`, retried a few times over
 * less than a second while another writer holds the database.  Returns 0,
 * or -1 with a message in err (the message stays in new/: the next
 * successful `notmuch new` indexes it). */
int demo_mail_deliver(const char *dir, uint64_t seed, int64_t now, char *err, size_t errlen);

/* For `serve --demo --demo-mail DIR`, before the server starts: open the
 * store (where: as store_open), seed the demo there when it is empty (as
 * the server would), and create the mailbox in DIR.  A kept data directory keeps its
 * mailbox: a DIR with a notmuch-config is then served as it is; a newly
 * seeded one wants a new DIR (the old mail names other citizens).
 * Returns 0, or -1 with a message in err. */
int demo_mail_prepare(const char *where, const char *data_dir, int scale, long timeline,
		      const char *dir, bool quiet, char *err, size_t errlen);

#endif
