/* The command table: every action of the desk is a named command with an
 * argument spec and a help line.  Keys bind to command strings, the :
 * prompt runs them, guichetrc and keymap files are scripts of them, the
 * headless mode reads them from standard input, and the help screen is
 * generated from this table.  Scripts and keymaps rely on the names: they
 * are documented in guichet(1) and stay stable. */
#ifndef GUICHET_CLIENT_COMMAND_H
#define GUICHET_CLIENT_COMMAND_H

#include <stddef.h>

#include "client/desk.h"
#include "client/job.h"

/* What a command needs before it runs (checked by the dispatcher, as
 * neomutt's function tables carry their preconditions). */
enum cmd_needs {
	CMD_NEEDS_CASE = 1 << 0,      /* a case open */
	CMD_NEEDS_CITIZEN = 1 << 1,   /* a citizen open */
	CMD_NEEDS_SCREEN = 1 << 2,    /* a terminal (not headless) */
	CMD_SUPERVISOR = 1 << 3,      /* supervisor or admin */
	CMD_NEEDS_CHAT = 1 << 4,      /* a chat open */
};

/* Where a command came from, for its errors to go back there. */
struct cmd_ctx {
	struct desk *desk;
	const char *source;   /* "guichetrc:12", "key", "prompt", "batch:3" */
	int depth;            /* nested `source` files */
	char *err;            /* the error, when exec returns -1 */
	size_t errlen;
	struct job *job;      /* the result, for whoever waits (NULL: nobody) */
};

struct cmd_entry {
	const char *name;
	const char *usage;    /* arguments, as shown in help: "TEXT", "SCREEN KEY COMMAND" */
	int min_args, max_args; /* -1: any number (the rest of the line is one text) */
	unsigned needs;       /* enum cmd_needs */
	const char *help;     /* French; translated through _() when shown */
	int (*exec)(struct cmd_ctx *c, int argc, char **argv);
};

extern const struct cmd_entry CMD_TABLE[];
extern const size_t CMD_COUNT;

/* The entry of a command name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Split and run one command line from `source`.  Returns 0 (also for a
 * blank or comment line), or -1 with a message in err. */
int cmd_run(struct desk *d, const char *line, const char *source, char *err, size_t errlen);

/* The same, with a job that receives the result: done when the command
 * has finished, which may be later, once the network has answered (the
 * caller waits for j->done in the loop). */
int cmd_run_job(struct desk *d, const char *line, const char *source, struct job *j, char *err,
		size_t errlen);

/* The same, inside a script being read (keeps the `source` depth). */
int cmd_run_nested(struct cmd_ctx *parent, const char *line, const char *source);

/* Run every line of a file (guichetrc, a keymap, a theme).  A bad line is
 * reported as "FILE:LINE: message" through report() and the rest still
 * runs (as tmux does).  Returns the number of bad lines, or -1 when the
 * file cannot be read (message in err). */
int cmd_run_file(struct cmd_ctx *c, const char *path,
	       void (*report)(void *arg, const char *msg), void *arg);

/* Names of the commands starting with prefix, for completion: calls fn for
 * each, in table order. */
void cmd_complete(const char *prefix, void (*fn)(const char *name, void *arg), void *arg);

#endif
