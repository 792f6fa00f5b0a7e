/* Errors returned to where the command came from: a message written into
 * the caller's buffer, and -1, in one call (`return errbuf_set(err, n,
 * _("…"), …);`).  No I/O. */
#ifndef GUICHET_CLIENT_ERRBUF_H
#define GUICHET_CLIENT_ERRBUF_H

#include <stddef.h>

/* Format into err (errlen bytes, always terminated; NULL or 0: nothing)
 * and return -1. */
__attribute__((format(printf, 3, 4)))
int errbuf_set(char *err, size_t errlen, const char *fmt, ...);

#endif
