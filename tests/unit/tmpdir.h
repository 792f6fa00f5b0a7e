/* A temporary directory for a unit test that writes real files (the
 * journal, the durable outbox): made under $TMPDIR (or /tmp), removed
 * with everything in it at teardown.  Header-only: each test is one
 * program. */
#ifndef GUICHET_TESTS_TMPDIR_H
#define GUICHET_TESTS_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

/* dir (n bytes) becomes "$TMPDIR/NAME.XXXXXX", made 0700.  0 or -1. */
static inline int tmpdir_make(char *dir, size_t n, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, n, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	return mkdtemp(dir) ? 0 : -1;
}

/* rm -rf dir: 0, or the shell's status. */
static inline int tmpdir_remove(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#endif
