/* Splitting one command line into words, for the command table: words
 * separated by spaces or tabs; double quotes group words and take the
 * escapes \" \\ \n \t; single quotes take everything literally; a
 * backslash outside quotes escapes the next character; # at the start of
 * a word begins a comment; a trailing CR (a file written on Windows) is
 * ignored.  No expansion of any kind.  No allocation: the words live in
 * the struct. */
#ifndef GUICHET_CLIENT_CMDLINE_H
#define GUICHET_CLIENT_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_ARGS 32
#define CMDLINE_MAX_LEN  4096

struct cmdline {
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1];   /* argv[argc] == NULL; point into buf */
	char buf[CMDLINE_MAX_LEN + CMDLINE_MAX_ARGS + 1];
};

/* Split line[0..len).  Returns 0 (argc is 0 for a blank or comment line),
 * or -1 with a message in err: unterminated quote, line too long, too many
 * words, a NUL byte, invalid UTF-8. */
int cmdline_split(const char *line, size_t len, struct cmdline *out, char *err, size_t errlen);

/* Write word quoted so that cmdline_split gives it back unchanged.
 * Returns the bytes written (without the NUL), or -1 if out is too small. */
int cmdline_quote(const char *word, char *out, size_t outlen);

#endif
