/* A secret line in (the cache's passphrase): from the terminal, asked on
 * /dev/tty with its echo off, or from a file descriptor a script gives
 * (--passphrase-fd).  The bytes only ever sit in sodium_malloc'd memory
 * (guarded pages, locked out of swap as far as the system allows) and are
 * wiped when freed.  Read a byte at a time: nothing past the line's end
 * is taken from the fd.  No curl, no curses (the terminal must not be
 * curses' yet).  Not thread-safe (the terminal's signals are caught while
 * the echo is off). */
#ifndef GUICHET_CLIENT_SECRET_IN_H
#define GUICHET_CLIENT_SECRET_IN_H

#include <stddef.h>

#define SECRET_IN_MAX 1024 /* bytes of a secret line, without its end of line */

/* Write prompt on stderr and read a line from /dev/tty with no echo.  A
 * signal that would stop the program (Ctrl-C) puts the echo back first,
 * then is raised again.  Returns the line (NUL-terminated, without "\n"
 * or "\r\n"; *len bytes), owned by the caller (secret_in_free), or NULL
 * with err set (no terminal, end of input, too long). */
char *secret_in_tty(const char *prompt, size_t *len, char *err, size_t errlen);

/* The same from fd (borrowed: left open), with no prompt.  A last line
 * without "\n" counts; nothing at all is an error. */
char *secret_in_fd(int fd, size_t *len, char *err, size_t errlen);

/* Wipe and free a line of secret_in_*.  NULL is fine. */
void secret_in_free(char *s);

#endif
