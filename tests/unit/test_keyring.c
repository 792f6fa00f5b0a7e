/* Unit tests of the desk's key (src/client/keyring.c), the secret lines it
 * reads (secret_in.c) and the directories it lives in (paths.c): the same
 * passphrase gives the same key and a wrong one is refused and said; a
 * passphrase file open to others, damaged anywhere, or forged to weaken
 * the key is refused; the key file works as it did; a passphrase is one
 * line from an fd and nothing more is taken; paths_dir honours the XDG
 * variables, ignores relative ones and makes what is missing, 0700.
 * Argon2id runs with the _MIN limits (fast, also under valgrind).  Real
 * files in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "tmpdir.h"
#include <sodium.h>

#include "client/keyring.h"
#include "client/paths.h"
#include "client/secret_in.h"

#define OPS crypto_pwhash_OPSLIMIT_MIN
#define MEM crypto_pwhash_MEMLIMIT_MIN
#define PASS "correct horse battery staple"

struct fx {
	char dir[64], path[256];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	if (!fx || tmpdir_make(fx->dir, sizeof(fx->dir), "keyring-test") < 0)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/passphrase", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(tmpdir_remove(fx->dir), 0);
	free(fx);
	return 0;
}

static size_t slurp(const char *path, unsigned char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t got = fread(buf, 1, n, f);
	fclose(f);
	return got;
}

static void spill(const char *path, const unsigned char *buf, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A passphrase file at fx->path for PASS; its key goes to out. */
static void make(const struct fx *fx, unsigned char out[KEYRING_KEY_BYTES])
{
	char err[512] = "";
	unsigned char *key = NULL;
	if (keyring_pass_create(fx->path, PASS, strlen(PASS), OPS, MEM, &key, err, sizeof(err)) != 0)
		fail_msg("keyring_pass_create: %s", err);
	assert_non_null(key);
	memcpy(out, key, KEYRING_KEY_BYTES);
	keyring_free(key);
}

/* keyring_pass_open of pass: its return; err gets the message. */
static int try_open(const struct fx *fx, const char *pass, char *err, size_t errlen)
{
	unsigned char *key = (unsigned char *)"not touched";
	err[0] = '\0';
	int rc = keyring_pass_open(fx->path, pass, strlen(pass), &key, err, errlen);
	if (rc != KEYRING_OK)
		assert_null(key);
	keyring_free(key);
	return rc;
}

/* --- the passphrase file ------------------------------------------------------------ */

static void test_same_passphrase_same_key(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES], other[KEYRING_KEY_BYTES];
	unsigned char *key = NULL;
	char err[512] = "", path2[160];
	struct stat st;
	mode_t old = umask(022);
	make(fx, made);
	umask(old);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, KEYRING_PASS_FILE_LEN);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(keyring_pass_open(fx->path, PASS, strlen(PASS), &key, err,
						   sizeof(err)), KEYRING_OK);
		assert_memory_equal(key, made, KEYRING_KEY_BYTES);
		keyring_free(key);
	}
	/* Nothing secret on disk: neither the passphrase nor the key. */
	unsigned char buf[256];
	size_t n = slurp(fx->path, buf, sizeof(buf));
	assert_null(memmem(buf, n, "horse", 5));
	assert_null(memmem(buf, n, made, 8));
	/* Another file for the same passphrase: another salt, another key. */
	snprintf(path2, sizeof(path2), "%s/passphrase2", fx->dir);
	assert_int_equal(keyring_pass_create(path2, PASS, strlen(PASS), OPS, MEM, &key, err,
					     sizeof(err)), KEYRING_OK);
	memcpy(other, key, KEYRING_KEY_BYTES);
	keyring_free(key);
	assert_memory_not_equal(other, made, KEYRING_KEY_BYTES);
}

static void test_wrong_passphrase_refused(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES];
	char err[512];
	make(fx, made);
	assert_int_equal(try_open(fx, "correct horse battery stapler", err, sizeof(err)),
			 KEYRING_WRONG);
	assert_non_null(strstr(err, "phrase de passe incorrecte"));
	assert_int_equal(try_open(fx, "", err, sizeof(err)), KEYRING_FAILED);
	assert_non_null(strstr(err, "vide"));
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_OK);
}

static void test_open_to_others_refused(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES], before[128], after[128];
	char err[512], link_path[160];
	make(fx, made);
	size_t n = slurp(fx->path, before, sizeof(before));
	assert_int_equal(chmod(fx->path, 0644), 0);
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_FAILED);
	assert_non_null(strstr(err, fx->path));
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(fx->path, 0620), 0);
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_FAILED);
	assert_non_null(strstr(err, "chmod 600"));
	/* Refused, not replaced nor mended. */
	assert_int_equal(slurp(fx->path, after, sizeof(after)), n);
	assert_memory_equal(before, after, n);
	assert_int_equal(chmod(fx->path, 0600), 0);
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_OK);

	snprintf(link_path, sizeof(link_path), "%s/link", fx->dir);
	assert_int_equal(symlink(fx->path, link_path), 0);
	unsigned char *key = NULL;
	assert_int_equal(keyring_pass_open(link_path, PASS, strlen(PASS), &key, err, sizeof(err)),
			 KEYRING_FAILED);
	assert_null(key);
	assert_non_null(strstr(err, "lien symbolique"));
}

/* Any byte flipped anywhere: refused as damaged (not as a wrong passphrase,
 * which would send the agent typing it again). */
static void test_every_byte_flip_refused(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES], good[KEYRING_PASS_FILE_LEN], bad[KEYRING_PASS_FILE_LEN];
	char err[512];
	make(fx, made);
	assert_int_equal(slurp(fx->path, good, sizeof(good)), sizeof(good));
	for (size_t i = 0; i < sizeof(good); i++) {
		memcpy(bad, good, sizeof(bad));
		bad[i] ^= (unsigned char)(1u << (i % 8));
		spill(fx->path, bad, sizeof(bad));
		assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_FAILED);
		assert_non_null(strstr(err, "abîmé"));
		assert_non_null(strstr(err, fx->path));
	}
	/* Cut short, or grown. */
	spill(fx->path, good, sizeof(good) - 1);
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_FAILED);
	assert_non_null(strstr(err, "abîmé"));
	spill(fx->path, good, sizeof(good));
	assert_int_equal(truncate(fx->path, sizeof(good) + 1), 0);
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_FAILED);
	spill(fx->path, good, sizeof(good));
	assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_OK);
}

/* Someone who can write the file changes the salt or the limits and mends
 * the checksum: the verifier says no. */
static void test_forged_file_refused(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES], b[KEYRING_PASS_FILE_LEN];
	char err[512];
	make(fx, made);
	static const size_t at[] = { 8, 23, 24, 32, 40, 71 }; /* salt, opslimit, memlimit, verifier */
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		slurp(fx->path, b, sizeof(b));
		if (at[i] == 24)
			b[24] = 2; /* opslimit 1 -> 2: weaker it cannot be, so stronger */
		else
			b[at[i]] ^= 0x10;
		crypto_generichash(b + 72, 16, b, 72, NULL, 0);
		spill(fx->path, b, sizeof(b));
		assert_int_equal(try_open(fx, PASS, err, sizeof(err)), KEYRING_WRONG);
		assert_non_null(strstr(err, "phrase de passe incorrecte"));
		assert_int_equal(unlink(fx->path), 0);
		make(fx, made);
	}
}

static void test_create_refuses(void **state)
{
	struct fx *fx = *state;
	unsigned char made[KEYRING_KEY_BYTES], before[128], after[128];
	unsigned char *key = NULL;
	char err[512] = "";
	/* Limits out of bounds: nothing made. */
	assert_int_equal(keyring_pass_create(fx->path, PASS, strlen(PASS), 0, MEM, &key, err,
					     sizeof(err)), KEYRING_FAILED);
	assert_int_equal(keyring_pass_create(fx->path, PASS, strlen(PASS), OPS, MEM - 1, &key, err,
					     sizeof(err)), KEYRING_FAILED);
	assert_null(key);
	assert_int_equal(access(fx->path, F_OK), -1);
	/* An empty passphrase: nothing made. */
	assert_int_equal(keyring_pass_create(fx->path, "", 0, OPS, MEM, &key, err, sizeof(err)),
			 KEYRING_FAILED);
	assert_int_equal(access(fx->path, F_OK), -1);
	/* There already: left alone, said. */
	make(fx, made);
	size_t n = slurp(fx->path, before, sizeof(before));
	assert_int_equal(keyring_pass_create(fx->path, "autre", 5, OPS, MEM, &key, err, sizeof(err)),
			 KEYRING_EXISTS);
	assert_null(key);
	assert_int_equal(slurp(fx->path, after, sizeof(after)), n);
	assert_memory_equal(before, after, n);
	/* A directory that is not there. */
	char nowhere[200];
	snprintf(nowhere, sizeof(nowhere), "%s/no/such/passphrase", fx->dir);
	assert_int_equal(keyring_pass_create(nowhere, PASS, strlen(PASS), OPS, MEM, &key, err,
					     sizeof(err)), KEYRING_FAILED);
	assert_non_null(strstr(err, nowhere));
}

/* --- the key file, as before ------------------------------------------------------- */

static void test_key_file(void **state)
{
	struct fx *fx = *state;
	char keypath[160], err[512] = "";
	unsigned char *k1 = NULL, *k2 = NULL;
	struct stat st;
	snprintf(keypath, sizeof(keypath), "%s/key", fx->dir);
	assert_int_equal(keyring_file_key(keypath, &k1, err, sizeof(err)), KEYRING_OK);
	assert_int_equal(stat(keypath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, KEYRING_KEY_BYTES);
	assert_int_equal(keyring_file_key(keypath, &k2, err, sizeof(err)), KEYRING_OK);
	assert_memory_equal(k1, k2, KEYRING_KEY_BYTES);
	keyring_free(k2);
	k2 = (unsigned char *)"not touched";
	assert_int_equal(chmod(keypath, 0644), 0);
	assert_int_equal(keyring_file_key(keypath, &k2, err, sizeof(err)), KEYRING_FAILED);
	assert_null(k2);
	assert_non_null(strstr(err, "chmod 600"));
	keyring_free(k1);
}

/* --- keyring_load: the whole way, from $XDG_DATA_HOME and an fd ---------------------- */

/* A pipe holding text; the read end is returned. */
static int pipe_of(const char *text)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
	close(p[1]);
	return p[0];
}

static void test_load(void **state)
{
	struct fx *fx = *state;
	char data[128], err[512] = "", path[200];
	unsigned char made[KEYRING_KEY_BYTES], *key = NULL;
	snprintf(data, sizeof(data), "%s/data", fx->dir);
	setenv("XDG_DATA_HOME", data, 1);

	/* The key file, made where paths_dir says. */
	struct keyring_how how = { false, -1, true };
	assert_int_equal(keyring_load(&how, &key, err, sizeof(err)), KEYRING_OK);
	snprintf(path, sizeof(path), "%s/guichet/key", data);
	assert_int_equal(access(path, R_OK), 0);
	keyring_free(key);

	/* A passphrase, from an fd: headless without one is refused, said. */
	how.passphrase = true;
	key = NULL;
	assert_int_equal(keyring_load(&how, &key, err, sizeof(err)), KEYRING_FAILED);
	assert_null(key);
	assert_non_null(strstr(err, "--passphrase-fd"));
	snprintf(fx->path, sizeof(fx->path), "%s/guichet/passphrase", data);
	assert_int_equal(access(fx->path, F_OK), -1); /* nothing made for nothing */
	make(fx, made); /* the _MIN limits, which keyring_load then reads from the file */

	how.fd = pipe_of(PASS "\r\nthe next line\n");
	assert_int_equal(keyring_load(&how, &key, err, sizeof(err)), KEYRING_OK);
	assert_memory_equal(key, made, KEYRING_KEY_BYTES);
	keyring_free(key);
	char rest[64] = "";
	assert_int_equal(read(how.fd, rest, sizeof(rest) - 1), 14); /* the rest was not taken */
	assert_string_equal(rest, "the next line\n");
	close(how.fd);

	how.fd = pipe_of("guess");
	assert_int_equal(keyring_load(&how, &key, err, sizeof(err)), KEYRING_WRONG);
	assert_null(key);
	assert_non_null(strstr(err, "phrase de passe incorrecte"));
	close(how.fd);
	unsetenv("XDG_DATA_HOME");
}

static void test_secret_from_fd(void **state)
{
	(void)state;
	char err[512] = "", big[SECRET_IN_MAX + 3];
	size_t len = 99;
	int fd = pipe_of("");
	assert_null(secret_in_fd(fd, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "rien à lire"));
	close(fd);

	fd = pipe_of("sans fin de ligne");
	char *s = secret_in_fd(fd, &len, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "sans fin de ligne");
	assert_int_equal(len, 17);
	secret_in_free(s);
	close(fd);

	memset(big, 'x', SECRET_IN_MAX);
	snprintf(big + SECRET_IN_MAX, 3, "\r\n");
	fd = pipe_of(big); /* the longest taken, with its CR LF */
	s = secret_in_fd(fd, &len, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(len, SECRET_IN_MAX);
	secret_in_free(s);
	close(fd);
	snprintf(big + SECRET_IN_MAX, 3, "x\n");
	fd = pipe_of(big); /* one byte more */
	assert_null(secret_in_fd(fd, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "trop longue"));
	close(fd);

	assert_null(secret_in_fd(-1, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "-1"));
	secret_in_free(NULL);
	keyring_free(NULL);
}

/* --- paths_dir ------------------------------------------------------------------------ */

static void expect_dir(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		fail_msg("%s: not there", path);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_paths(void **state)
{
	struct fx *fx = *state;
	char home[128], want[256], out[256], err[512] = "", *old_home = getenv("HOME");
	old_home = old_home ? strdup(old_home) : NULL;
	snprintf(home, sizeof(home), "%s/home", fx->dir);
	assert_int_equal(mkdir(home, 0755), 0);
	setenv("HOME", home, 1);

	/* An absolute XDG variable wins; the missing parents are made, 0700. */
	snprintf(want, sizeof(want), "%s/x/y/z", fx->dir);
	setenv("XDG_DATA_HOME", want, 1);
	assert_int_equal(paths_dir(PATHS_DATA, out, sizeof(out), err, sizeof(err)), 0);
	strcat(want, "/guichet");
	assert_string_equal(out, want);
	expect_dir(out);
	snprintf(want, sizeof(want), "%s/x/y", fx->dir);
	expect_dir(want);
	assert_int_equal(paths_dir(PATHS_DATA, out, sizeof(out), err, sizeof(err)), 0); /* again */

	/* Relative or empty: ignored, the default under $HOME. */
	static const struct { enum paths_kind k; const char *env, *under; } kinds[] = {
		{ PATHS_DATA, "XDG_DATA_HOME", ".local/share" },
		{ PATHS_STATE, "XDG_STATE_HOME", ".local/state" },
		{ PATHS_CACHE, "XDG_CACHE_HOME", ".cache" },
		{ PATHS_CONFIG, "XDG_CONFIG_HOME", ".config" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		setenv(kinds[i].env, i % 2 ? "relative/dir" : "", 1);
		assert_int_equal(paths_dir(kinds[i].k, out, sizeof(out), err, sizeof(err)), 0);
		snprintf(want, sizeof(want), "%s/%s/guichet", home, kinds[i].under);
		assert_string_equal(out, want);
		expect_dir(out);
		unsetenv(kinds[i].env);
		assert_int_equal(paths_dir(kinds[i].k, out, sizeof(out), err, sizeof(err)), 0);
		assert_string_equal(out, want);
	}
	assert_int_equal(access("relative", F_OK), -1); /* nothing made where we stand */

	/* Too long for the caller's buffer. */
	char small[16];
	assert_int_equal(paths_dir(PATHS_STATE, small, sizeof(small), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trop long"));

	/* A file in the way. */
	snprintf(want, sizeof(want), "%s/file", fx->dir);
	assert_int_equal(close(open(want, O_WRONLY | O_CREAT, 0600)), 0);
	setenv("XDG_CACHE_HOME", want, 1);
	assert_int_equal(paths_dir(PATHS_CACHE, out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, want));
	unsetenv("XDG_CACHE_HOME");

	/* Neither the variable nor $HOME. */
	unsetenv("HOME");
	setenv("XDG_STATE_HOME", "relative", 1);
	assert_int_equal(paths_dir(PATHS_STATE, out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "XDG_STATE_HOME"));
	unsetenv("XDG_STATE_HOME");
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_passphrase_same_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_passphrase_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_to_others_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_flip_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_from_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
