/* Demo and first-run certificates: a private certificate authority and a
 * server certificate for loopback (localhost, 127.0.0.1, ::1), made with
 * GnuTLS so that the demo and the tests speak real, verified HTTPS. */
#ifndef GUICHET_SERVER_TLS_CERT_H
#define GUICHET_SERVER_TLS_CERT_H

#include <stddef.h>

/* File names created inside the data directory. */
#define TLS_CA_CERT     "ca.pem"          /* 0644: give this to clients (--cacert) */
#define TLS_CA_KEY      "ca-key.pem"      /* 0600 */
#define TLS_SERVER_CERT "server.pem"      /* 0644: server cert followed by the CA cert */
#define TLS_SERVER_KEY  "server-key.pem"  /* 0600 */

/* Make sure dir holds a CA and a server certificate signed by it, valid for
 * `days` days for the names localhost, 127.0.0.1 and ::1 (plus the extra
 * DNS names or IP addresses in `extra_names`, comma-separated, may be NULL).
 * Existing files are kept as they are.  Keys are ECDSA P-256, written 0600
 * atomically (temporary file, fsync, rename).  Returns 0, or -1 with a
 * message in err (errlen bytes). */
int tls_cert_ensure(const char *dir, const char *extra_names, int days,
		    char *err, size_t errlen);

/* Read a whole PEM file into a malloc'd NUL-terminated buffer (caller
 * frees); at most 1 MiB.  Returns NULL with a message in err on failure. */
char *tls_cert_read_pem(const char *path, char *err, size_t errlen);

#endif
