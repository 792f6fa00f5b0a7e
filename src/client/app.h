/* Start-up and shut-down of the desk, shared by the screens and headless
 * mode: the compiled-in keys and guichetrc, the language, finding a
 * server (--server, guichetrc, --demo, or the embedded one), the network
 * on the desk's loop, the login and the saved token.  No curses here: the
 * terminal is the caller's business. */
#ifndef GUICHET_CLIENT_APP_H
#define GUICHET_CLIENT_APP_H

#include <stdbool.h>

#include "client/desk.h"
#include "client/local_server.h"

struct loop;

struct app_args {
	const char *server, *cacert, *login, *rc; /* NULL: from guichetrc or defaults */
	bool demo;
	bool headless;           /* never ask anything on the terminal */
	int passphrase_fd;       /* --passphrase-fd N: the cache's passphrase is a
	                          * line read from N (borrowed); -1: asked on the
	                          * terminal when `set cache_passphrase yes` */
};

struct app {
	struct desk *desk;       /* owned */
	struct loop *loop;       /* owned: the network runs on it */
	struct local_server server; /* a guichetd the desk started (pid 0: none) */
};

/* What app_start returns besides 0: the exit codes of guichet(1). */
enum app_fail { APP_FAILED = 1, APP_AUTH = 3, APP_UNREACHABLE = 4 };

/* Make the desk and its loop and read the configuration (default_keys:
 * the compiled-in keymap, a line per command).  0, or APP_FAILED. */
int app_init(struct app *app, const struct app_args *a, const char *default_keys);

/* Connect: load the desk's key (d->key: the key file, or the passphrase,
 * asked before anything else so that a wrong one stops the desk with
 * nothing started or changed; not for the demo), start a server if
 * needed (self: argv[0], to find guichetd), log in or take the saved
 * token, and start following guichetd.  Every error is said on stderr.
 * 0, or an enum app_fail.  In headless mode no question is asked: without
 * a token the answer is APP_AUTH; without --passphrase-fd a passphrase is
 * APP_FAILED.  The terminal must still be the caller's (not curses'). */
int app_start(struct app *app, const struct app_args *a, const char *self);

/* Remove my collision mark, give pending requests a second, free
 * everything and stop the server app_start started.  Safe after a
 * failed app_init or app_start. */
void app_stop(struct app *app);

/* Run the commands of default_keys (a line each); errors on stderr. */
void app_configure(struct desk *d, const char *default_keys, const char *rc);

#endif
