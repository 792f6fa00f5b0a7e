/* Where the durable outbox lives: one journal per server and agent under
 * $XDG_DATA_HOME/guichet/ (an agent's actions are replayed only with that
 * agent's session), sealed with the desk's key (d->key, loaded at start
 * by keyring.h: the key file or the passphrase).  The file names carry a
 * hash, not the server's address or the login. */
#ifndef GUICHET_CLIENT_OUTBOX_FILE_H
#define GUICHET_CLIENT_OUTBOX_FILE_H

#include <stddef.h>

#include "client/desk.h"

/* Make d's outbox durable for identity (the server as the saved session
 * names it) and login, once: the actions an earlier run left are queued
 * first and said on the message line.  Nothing when already durable or
 * when login is empty.  The journal takes a copy of d->key; without a key
 * (d->key NULL) it fails.  0, or -1 with err set (then the outbox stays in
 * memory: the caller says so). */
int outbox_file_attach(struct desk *d, const char *identity, const char *login, char *err,
		       size_t errlen);

#endif
