/* Running the agent's own programs from the desk: the HTML filter, the
 * sendmail command, the editor.  A command line is split on spaces and run
 * without a shell (no quoting to get wrong with a citizen's text around);
 * every wait is bounded, and SIGPIPE from a program that stops reading
 * never reaches the desk. */
#ifndef GUICHET_CLIENT_SPAWN_H
#define GUICHET_CLIENT_SPAWN_H

#include <stddef.h>

/* Run cmd with in[0..inlen) on its stdin, stderr to /dev/null.  Its stdout
 * is kept in *out (malloc'd, NUL-terminated, at most outmax bytes; the
 * caller frees) when out is not NULL, else dropped.  Killed after
 * timeout_ms.  Returns its exit status (0..255), or -1 when it could not
 * start, was killed by a signal or ran out of time (err says which). */
int spawn_pipe(const char *cmd, const char *in, size_t inlen, size_t outmax, int timeout_ms,
	       char **out, size_t *outlen, char *err, size_t errlen);

/* Run argv with the desk's own stdin, stdout and stderr (an editor) and
 * wait for it.  Its exit status, or -1. */
int spawn_wait(char *const argv[]);

#endif
