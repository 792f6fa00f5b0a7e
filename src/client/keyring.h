/* The desk's key: the 32 bytes that seal what guichet keeps on disk (the
 * durable outbox's journal, the local cache).  Two ways to get it:
 *
 *   the key file (the default): $XDG_DATA_HOME/guichet/key, 32 random
 *     bytes made at first use, 0600 (journal_key_load);
 *   a passphrase (`set cache_passphrase yes`): the key is derived from it
 *     with Argon2id (libsodium's crypto_pwhash) and the random salt kept
 *     in $XDG_DATA_HOME/guichet/passphrase, nothing secret on disk.
 *
 * The passphrase file (88 bytes, 0600, made at first use with O_EXCL and
 * its directory synced; integers little-endian):
 *   "GUICHP1\n" (8), salt (16), opslimit (8), memlimit (8),
 *   verifier (32: BLAKE2b keyed by the derived key, of a fixed label and
 *             the 40 bytes before it),
 *   checksum (16: BLAKE2b of the 72 bytes before it, unkeyed).
 * The checksum tells a file damaged on disk from a wrong passphrase; the
 * verifier tells a wrong passphrase from the right one (and covers the
 * salt and the limits, so none of them can be changed to weaken the key
 * without it showing).  Changing from one way to the other makes another
 * key: the outbox left by the other way is then set aside (journal.h).
 *
 * Every key handed out lives in sodium_malloc'd memory (guarded, locked
 * out of swap as far as the system allows), owned by the caller and
 * freed with keyring_free, which wipes it.  The passphrase too, while it
 * is used.  Nothing here logs or prints a secret.  No curl, no curses. */
#ifndef GUICHET_CLIENT_KEYRING_H
#define GUICHET_CLIENT_KEYRING_H

#include <stdbool.h>
#include <stddef.h>

#include "client/journal.h"

#define KEYRING_KEY_BYTES JOURNAL_KEY_BYTES
#define KEYRING_PASS_FILE_LEN 88

/* What the functions below return. */
enum keyring_rc {
	KEYRING_OK = 0,
	KEYRING_FAILED = -1,  /* err says why */
	KEYRING_WRONG = -2,   /* the passphrase is not the file's: err says so */
	KEYRING_EXISTS = 1,   /* keyring_pass_create: the file is there already */
};

/* Where the key comes from (app.c fills it from guichetrc and argv). */
struct keyring_how {
	bool passphrase;   /* set cache_passphrase yes */
	int fd;            /* the passphrase is a line read from fd (borrowed);
	                    * -1: asked on /dev/tty */
	bool no_terminal;  /* headless: with fd -1, fail rather than ask */
};

/* The desk's key, as how says, the file under $XDG_DATA_HOME/guichet
 * (paths.h).  On the terminal the passphrase is asked once, twice when
 * the passphrase file is being made (both must match).  A new passphrase
 * file gets the limits crypto_pwhash_OPSLIMIT_INTERACTIVE and
 * MEMLIMIT_INTERACTIVE.  *key: KEYRING_KEY_BYTES, the caller's
 * (keyring_free); NULL on failure.  KEYRING_OK, KEYRING_WRONG or
 * KEYRING_FAILED, with err set (in French, through _()). */
int keyring_load(const struct keyring_how *how, unsigned char **key, char *err, size_t errlen);

/* The key file at path (journal_key_load: read, or made when absent),
 * into guarded memory.  *key as above.  KEYRING_OK or KEYRING_FAILED. */
int keyring_file_key(const char *path, unsigned char **key, char *err, size_t errlen);

/* Make the passphrase file at path for pass (len bytes, at least 1), with
 * a new salt and these Argon2id limits (from crypto_pwhash_*_MIN up to
 * crypto_pwhash_*_SENSITIVE; tests use the _MIN ones), and give its key.
 * KEYRING_OK; KEYRING_EXISTS when path exists (nothing changed, *key
 * NULL: open it instead); KEYRING_FAILED (then nothing is left at path). */
int keyring_pass_create(const char *path, const char *pass, size_t len,
			unsigned long long opslimit, size_t memlimit, unsigned char **key,
			char *err, size_t errlen);

/* The key of pass under the passphrase file at path.  A file that is not
 * a regular file, is a symbolic link, is readable or writable by others,
 * or is malformed or damaged is refused (KEYRING_FAILED) and left as it
 * is; a passphrase that is not the file's is KEYRING_WRONG ("phrase de
 * passe incorrecte").  KEYRING_OK with *key as above. */
int keyring_pass_open(const char *path, const char *pass, size_t len, unsigned char **key,
		      char *err, size_t errlen);

/* Wipe and free a key of this file.  NULL is fine. */
void keyring_free(unsigned char *key);

#endif
