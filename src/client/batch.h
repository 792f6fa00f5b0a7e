/* Headless mode: the desk's commands run from a script (`--batch` reads
 * them from stdin, `-e CMD` from the command line), each waited for and
 * its result printed as JSON, CSV or text, with the exit codes of
 * guichet(1).  The same command table as the screen; no curses. */
#ifndef GUICHET_CLIENT_BATCH_H
#define GUICHET_CLIENT_BATCH_H

#include <stdio.h>

#include "client/desk.h"

enum batch_format { BATCH_JSON, BATCH_CSV, BATCH_TEXT };

/* The exit codes (guichet(1), EXIT STATUS). */
enum batch_exit {
	BATCH_OK = 0,
	BATCH_FAILED = 1,        /* a command failed: refused, unknown, bad arguments */
	BATCH_USAGE = 2,
	BATCH_AUTH = 3,          /* no session, or the server refused it */
	BATCH_UNREACHABLE = 4,   /* no answer from the server, and nothing was queued */
	BATCH_QUEUED = 5,        /* changes still wait in the outbox at exit */
};

struct batch_args {
	const char *const *lines;   /* the -e commands, in order (borrowed) */
	size_t nlines;
	int in_fd;                  /* then the lines read there (--batch: stdin), or -1 */
	enum batch_format format;
	int wait_s;                 /* at the end, wait this long for the outbox; < 0: not */
	FILE *out, *err;            /* results; errors */
};

/* "json", "csv" or "text": 0 with *f, or -1. */
int batch_format_parse(const char *s, enum batch_format *f);

/* Run every command in order on d (connected: app_start), each to its
 * end; print the results; returns an enum batch_exit. */
int batch_run(struct desk *d, const struct batch_args *b);

#endif
