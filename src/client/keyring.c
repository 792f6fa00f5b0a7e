/* The desk's key from the key file or a passphrase (see keyring.h). */
#include "client/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sodium.h>

#include "client/durable.h"
#include "client/errbuf.h"
#include "client/i18n.h"
#include "client/paths.h"
#include "client/secret_in.h"

#define MAGIC "GUICHP1\n"
#define MAGIC_LEN 8
#define SALT_LEN crypto_pwhash_SALTBYTES
#define HEAD_LEN (MAGIC_LEN + SALT_LEN + 8 + 8)
#define VERIFIER_LEN 32
#define SUM_LEN 16
#define SUMMED_LEN (HEAD_LEN + VERIFIER_LEN)
#define LABEL "guichet: the passphrase file's verifier, version 1"
#define OPS_MAX crypto_pwhash_OPSLIMIT_SENSITIVE
#define MEM_MAX crypto_pwhash_MEMLIMIT_SENSITIVE
#define PATH_LEN 1100

_Static_assert(SALT_LEN == 16, "the file's layout");
_Static_assert(SUMMED_LEN + SUM_LEN == KEYRING_PASS_FILE_LEN, "the file's layout");
_Static_assert(KEYRING_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
	       KEYRING_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX, "the verifier's key");

/* What the passphrase file holds, checked and parsed (nothing secret). */
struct pass_file {
	unsigned char bytes[KEYRING_PASS_FILE_LEN];
	const unsigned char *salt, *verifier;
	uint64_t ops, mem;
};

static int fail_io(const char *path, char *err, size_t errlen)
{
	return errbuf_set(err, errlen, _("phrase de passe : %s : %s"), path, strerror(errno));
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void keyring_free(unsigned char *key)
{
	if (!key)
		return;
	sodium_memzero(key, KEYRING_KEY_BYTES);
	sodium_free(key);
}

static unsigned char *key_new(char *err, size_t errlen)
{
	unsigned char *key = sodium_init() < 0 ? NULL : sodium_malloc(KEYRING_KEY_BYTES);
	if (!key)
		errbuf_set(err, errlen, "%s", _("mémoire épuisée"));
	return key;
}

/* --- the key file ---------------------------------------------------------------- */

int keyring_file_key(const char *path, unsigned char **key, char *err, size_t errlen)
{
	if (!(*key = key_new(err, errlen)))
		return KEYRING_FAILED;
	if (journal_key_load(path, *key, err, errlen) < 0) {
		keyring_free(*key);
		*key = NULL;
		return KEYRING_FAILED;
	}
	return KEYRING_OK;
}

/* --- the passphrase file: its bytes ------------------------------------------------- */

static bool limits_ok(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= OPS_MAX &&
	       mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= MEM_MAX;
}

/* The verifier: the derived key's word on the header (salt and limits). */
static void verifier_of(const unsigned char *key, const unsigned char *head,
			unsigned char out[VERIFIER_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, key, KEYRING_KEY_BYTES, VERIFIER_LEN);
	crypto_generichash_update(&st, (const unsigned char *)LABEL, sizeof(LABEL));
	crypto_generichash_update(&st, head, HEAD_LEN);
	crypto_generichash_final(&st, out, VERIFIER_LEN);
	sodium_memzero(&st, sizeof(st));
}

static void checksum_of(const unsigned char *bytes, unsigned char out[SUM_LEN])
{
	crypto_generichash(out, SUM_LEN, bytes, SUMMED_LEN, NULL, 0);
}

/* Parse bytes (the whole file): 0, or -1 when malformed or damaged. */
static int pass_parse(struct pass_file *pf)
{
	unsigned char sum[SUM_LEN];
	const unsigned char *b = pf->bytes;
	checksum_of(b, sum);
	if (memcmp(b, MAGIC, MAGIC_LEN) != 0 || sodium_memcmp(sum, b + SUMMED_LEN, SUM_LEN) != 0)
		return -1;
	pf->salt = b + MAGIC_LEN;
	pf->ops = get_le64(b + MAGIC_LEN + SALT_LEN);
	pf->mem = get_le64(b + MAGIC_LEN + SALT_LEN + 8);
	pf->verifier = b + HEAD_LEN;
	return limits_ok(pf->ops, pf->mem) ? 0 : -1;
}

/* The derived key of pass under pf's salt and limits, into *key. */
static int derive(const struct pass_file *pf, const char *pass, size_t len, unsigned char **key,
		  char *err, size_t errlen)
{
	if (len == 0)
		return errbuf_set(err, errlen, "%s", _("phrase de passe vide : refusée"));
	if (!(*key = key_new(err, errlen)))
		return KEYRING_FAILED;
	if (crypto_pwhash(*key, KEYRING_KEY_BYTES, pass, len, pf->salt, pf->ops, (size_t)pf->mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		keyring_free(*key);
		*key = NULL;
		return errbuf_set(err, errlen, _("mémoire épuisée pour dériver la clé (Argon2id, %llu Kio)"),
			    (unsigned long long)(pf->mem >> 10));
	}
	return KEYRING_OK;
}

/* --- the passphrase file: on disk -------------------------------------------------- */

/* The file at path, whole and the agent's alone: 0; 1 when there is none;
 * KEYRING_FAILED with err set. */
static int pass_read(const char *path, struct pass_file *pf, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = KEYRING_FAILED;
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 && errno == ELOOP)
		return errbuf_set(err, errlen, _("le fichier %s est un lien symbolique : refusé"), path);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fail_io(path, err, errlen);
		goto out;
	}
	if (!S_ISREG(st.st_mode))
		errbuf_set(err, errlen, _("%s n'est pas un fichier ordinaire : refusé"), path);
	else if (st.st_mode & 077)
		errbuf_set(err, errlen, _("le fichier %s est accessible à d'autres : faites chmod 600 %s"),
		     path, path);
	else if (st.st_size != KEYRING_PASS_FILE_LEN ||
		 read(fd, pf->bytes, sizeof(pf->bytes)) != (ssize_t)sizeof(pf->bytes) ||
		 pass_parse(pf) < 0)
		errbuf_set(err, errlen, _("le fichier %s est abîmé ou n'est pas de guichet : remettez le "
				    "bon, ou supprimez-le pour choisir une autre phrase de passe "
				    "(l'envoi gardé sur disque sera alors mis de côté)"), path);
	else
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The derived key of pass, checked against the file's verifier. */
static int pass_unlock(const struct pass_file *pf, const char *pass, size_t len,
		       unsigned char **key, char *err, size_t errlen)
{
	unsigned char v[VERIFIER_LEN];
	if (derive(pf, pass, len, key, err, errlen) < 0)
		return KEYRING_FAILED;
	verifier_of(*key, pf->bytes, v);
	if (sodium_memcmp(v, pf->verifier, VERIFIER_LEN) == 0)
		return KEYRING_OK;
	keyring_free(*key);
	*key = NULL;
	errbuf_set(err, errlen, "%s", _("phrase de passe incorrecte"));
	return KEYRING_WRONG;
}

int keyring_pass_open(const char *path, const char *pass, size_t len, unsigned char **key,
		      char *err, size_t errlen)
{
	struct pass_file pf;
	*key = NULL;
	int rc = pass_read(path, &pf, err, errlen);
	if (rc == 1) {
		errno = ENOENT;
		return fail_io(path, err, errlen);
	}
	return rc < 0 ? rc : pass_unlock(&pf, pass, len, key, err, errlen);
}

/* A new file's bytes for this salt and these limits, sealed by key. */
static void pass_format(struct pass_file *pf, const unsigned char *key)
{
	unsigned char *b = pf->bytes;
	memcpy(b, MAGIC, MAGIC_LEN);
	put_le64(b + MAGIC_LEN + SALT_LEN, pf->ops);
	put_le64(b + MAGIC_LEN + SALT_LEN + 8, pf->mem);
	verifier_of(key, b, b + HEAD_LEN);
	checksum_of(b, b + SUMMED_LEN);
}

/* Write the bytes at path, O_EXCL: 0, KEYRING_EXISTS, or KEYRING_FAILED
 * (then nothing is left at path). */
static int pass_write(const char *path, const struct pass_file *pf, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? KEYRING_EXISTS : fail_io(path, err, errlen);
	ssize_t w = write(fd, pf->bytes, sizeof(pf->bytes));
	if (w != (ssize_t)sizeof(pf->bytes) && w >= 0)
		errno = ENOSPC;
	if (fchmod(fd, 0600) < 0 || w != (ssize_t)sizeof(pf->bytes) || fsync(fd) < 0)
		goto fail;
	int rc = close(fd);
	fd = -1;
	if (rc < 0 || durable_sync_parent(path) < 0)
		goto fail;
	return 0;
fail:
	fail_io(path, err, errlen);
	if (fd >= 0)
		close(fd);
	unlink(path); /* nothing was sealed with it yet */
	return KEYRING_FAILED;
}

int keyring_pass_create(const char *path, const char *pass, size_t len,
			unsigned long long opslimit, size_t memlimit, unsigned char **key,
			char *err, size_t errlen)
{
	struct pass_file pf = { .ops = opslimit, .mem = memlimit };
	*key = NULL;
	if (!limits_ok(opslimit, memlimit))
		return errbuf_set(err, errlen, _("limites d'Argon2id hors bornes : %llu passes, %zu octets"),
			    opslimit, memlimit);
	if (sodium_init() < 0)
		return errbuf_set(err, errlen, "%s", _("libsodium ne s'initialise pas"));
	pf.salt = pf.bytes + MAGIC_LEN;
	randombytes_buf(pf.bytes + MAGIC_LEN, SALT_LEN);
	if (derive(&pf, pass, len, key, err, errlen) < 0)
		return KEYRING_FAILED;
	pass_format(&pf, *key);
	int rc = pass_write(path, &pf, err, errlen);
	if (rc != 0) {
		keyring_free(*key);
		*key = NULL;
	}
	return rc;
}

/* --- where the passphrase comes from ---------------------------------------------- */

/* The passphrase as how says; twice on the terminal when fresh (a new
 * file).  Owned by the caller (secret_in_free), or NULL with err set. */
static char *ask(const struct keyring_how *how, bool fresh, size_t *len, char *err,
		 size_t errlen)
{
	size_t len2;
	if (how->fd >= 0)
		return secret_in_fd(how->fd, len, err, errlen);
	if (how->no_terminal) {
		errbuf_set(err, errlen, "%s", _("sans écran, la phrase de passe du cache se donne par "
					  "--passphrase-fd N"));
		return NULL;
	}
	if (fresh)
		fprintf(stderr, "%s\n", _("Le cache de guichet sera chiffré par une phrase de passe, "
					  "à choisir maintenant (oubliée, elle ne se retrouve pas)."));
	char *pass = secret_in_tty(_("Phrase de passe du cache guichet : "), len, err, errlen);
	if (!pass || !fresh)
		return pass;
	char *again = secret_in_tty(_("Encore : "), &len2, err, errlen);
	bool same = again && len2 == *len && sodium_memcmp(again, pass, *len) == 0;
	if (again && !same)
		errbuf_set(err, errlen, "%s", _("les deux phrases de passe diffèrent"));
	secret_in_free(again);
	if (same)
		return pass;
	secret_in_free(pass);
	return NULL;
}

/* The key of the passphrase file at path, made with the passphrase asked
 * when there is none. */
static int pass_key(const char *path, const struct keyring_how *how, unsigned char **key,
		    char *err, size_t errlen)
{
	struct pass_file pf;
	size_t len;
	int rc = pass_read(path, &pf, err, errlen);
	if (rc < 0)
		return rc;
	char *pass = ask(how, rc == 1, &len, err, errlen);
	if (!pass)
		return KEYRING_FAILED;
	if (rc == 0)
		rc = pass_unlock(&pf, pass, len, key, err, errlen);
	else if ((rc = keyring_pass_create(path, pass, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
					   crypto_pwhash_MEMLIMIT_INTERACTIVE, key, err,
					   errlen)) == KEYRING_EXISTS)
		rc = keyring_pass_open(path, pass, len, key, err, errlen); /* another desk made it */
	secret_in_free(pass);
	return rc;
}

int keyring_load(const struct keyring_how *how, unsigned char **key, char *err, size_t errlen)
{
	char dir[1000], path[PATH_LEN];
	*key = NULL;
	if (paths_dir(PATHS_DATA, dir, sizeof(dir), err, errlen) < 0)
		return KEYRING_FAILED;
	snprintf(path, sizeof(path), "%s/%s", dir, how->passphrase ? "passphrase" : "key");
	return how->passphrase ? pass_key(path, how, key, err, errlen)
			       : keyring_file_key(path, key, err, errlen);
}
