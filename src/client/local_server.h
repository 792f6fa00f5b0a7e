/* A guichetd started by the desk itself: `guichet --demo` runs one with
 * demo data and simulated traffic in a temporary directory and stops it on
 * exit.  The server is a child process on a free loopback port; the desk
 * learns its address and CA from the ready file it writes. */
#ifndef GUICHET_CLIENT_LOCAL_SERVER_H
#define GUICHET_CLIENT_LOCAL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct local_server {
	pid_t pid;
	bool keep_dir;       /* the embedded server's data: never removed */
	char dir[512];       /* the temporary directory (removed by stop) */
	char url[256];
	char cacert[1024];
};

/* Start `guichetd --demo [--simulate]` (found next to the running program,
 * else on PATH) and wait, at most timeout_ms, until it accepts
 * connections.  Returns 0, or -1 with a message in err. */
int local_server_start_demo(struct local_server *s, const char *self, bool simulate,
			    int timeout_ms, char *err, size_t errlen);

/* The embedded default for a one-desk office: `guichetd serve` over the
 * data directory dir (created with `guichetd init` and one administrator,
 * login and password, the first time: password may be NULL afterwards).
 * Returns 0, or -1 with a message in err. */
int local_server_start_embedded(struct local_server *s, const char *self, const char *dir,
				const char *login, const char *password, int timeout_ms,
				char *err, size_t errlen);

/* True when dir already holds a guichetd database. */
bool local_server_exists(const char *dir);

/* Stop the server (SIGTERM, then SIGKILL after a grace period) and remove
 * its directory (not an embedded server's). */
void local_server_stop(struct local_server *s);

#endif
