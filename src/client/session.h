/* The agent's session token: from GUICHET_TOKEN (scripts), from the token
 * file kept 0600 under $XDG_STATE_HOME/guichet/ (one per server), or from
 * a login.  The token never appears in argv, a log or a message. */
#ifndef GUICHET_CLIENT_SESSION_H
#define GUICHET_CLIENT_SESSION_H

#include <stddef.h>

#include "client/desk.h"

/* The saved token for server: 0 with the token in out and the login it
 * was given to in login (left as it was when the file is older than
 * that), or -1. */
int session_token_load(const char *server, char *out, size_t n, char *login, size_t loginlen);

/* Save the token for server, with the login it belongs to (the directory
 * 0700, the file 0600, written atomically).  0, or -1 with a message in
 * err. */
int session_token_save(const char *server, const char *token, const char *login, char *err,
		       size_t errlen);

/* Log in (POST /api/v1/auth/login), waiting in the desk's loop until the
 * answer: 0 with the token in out, or -1 with a message in err. */
int session_login(struct desk *d, const char *login, const char *password, char *out, size_t n,
		  char *err, size_t errlen);

/* Is the token set on d->net still a session (GET /api/v1/me)?  1 yes,
 * 0 refused (logged out, expired, account disabled), -1 no answer (the
 * desk then starts offline and tries again). */
int session_valid(struct desk *d);

#endif
