/* The desk's directories, after the XDG Base Directory specification: one
 * place that says where guichet keeps its data (the outbox, its key, the
 * embedded guichetd), its state (the session token), its cache and its
 * configuration.  $XDG_*_HOME wins when it is an absolute path; a relative
 * one is ignored, as the specification asks, and the default under $HOME
 * is used instead.  No curl, no curses. */
#ifndef GUICHET_CLIENT_PATHS_H
#define GUICHET_CLIENT_PATHS_H

#include <stddef.h>

enum paths_kind {
	PATHS_DATA,   /* $XDG_DATA_HOME/guichet, or ~/.local/share/guichet */
	PATHS_STATE,  /* $XDG_STATE_HOME/guichet, or ~/.local/state/guichet */
	PATHS_CACHE,  /* $XDG_CACHE_HOME/guichet, or ~/.cache/guichet */
	PATHS_CONFIG, /* $XDG_CONFIG_HOME/guichet, or ~/.config/guichet */
};

/* Write the directory of kind k into out (n bytes) and make it, with the
 * parents it lacks, mode 0700 (one that exists is left as it is).  0, or
 * -1 with err set (in French, through _()): neither the variable nor
 * $HOME is usable, the path does not fit in out, or a directory cannot be
 * made (or a file is in the way).  out is the caller's; on failure it
 * holds nothing useful. */
int paths_dir(enum paths_kind k, char *out, size_t n, char *err, size_t errlen);

/* The file of one agent on one server in dir: "DIR/PREFIX-HASH SUFFIX",
 * HASH a BLAKE2b of identity (the server as the saved session names it)
 * and login, so that the name says neither.  0, or -1 when it does not fit. */
int paths_agent_file(const char *dir, const char *prefix, const char *identity,
		     const char *login, const char *suffix, char *out, size_t n);

#endif
