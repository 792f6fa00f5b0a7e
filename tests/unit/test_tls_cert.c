/* Unit tests: first-run certificates (tls_cert_ensure) checked with
 * GnuTLS itself — files and modes, chain verification, subject alternative
 * names, keeping existing files, errors — and the bounded PEM reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "server/tls_cert.h"

#define MIB (1024 * 1024)

static const char *const files[] = { TLS_CA_CERT, TLS_CA_KEY, TLS_SERVER_CERT, TLS_SERVER_KEY };

/* The group's scratch directory, made by setup and removed by teardown. */
static char tmpdir[] = "/tmp/guichet-tls-XXXXXX";

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);
	assert_true(n > 0 && (size_t)n < len);
}

static void make_subdir(char *out, size_t len, const char *name, mode_t mode)
{
	path_in(out, len, tmpdir, name);
	assert_int_equal(mkdir(out, mode), 0);
}

static char *slurp(const char *dir, const char *name)
{
	char path[512], err[300];
	path_in(path, sizeof(path), dir, name);
	char *s = tls_cert_read_pem(path, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	return s;
}

static void ensure_ok(const char *dir, const char *names)
{
	char err[300] = "";
	if (tls_cert_ensure(dir, names, 825, err, sizeof(err)) != 0)
		fail_msg("tls_cert_ensure: %s", err);
}

static void assert_mode(const char *dir, const char *name, unsigned mode)
{
	char path[512];
	struct stat st;
	path_in(path, sizeof(path), dir, name);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
}

/* server.pem holds the server certificate then the CA certificate. */
static unsigned load_chain(const char *dir, gnutls_x509_crt_t **chain)
{
	char *pem = slurp(dir, TLS_SERVER_CERT);
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)strlen(pem) };
	unsigned n = 0;
	assert_int_equal(gnutls_x509_crt_list_import2(chain, &n, &d, GNUTLS_X509_FMT_PEM, 0), 0);
	free(pem);
	return n;
}

static void free_chain(gnutls_x509_crt_t *chain, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(chain[i]);
	gnutls_free(chain);
}

static int has_san(gnutls_x509_crt_t crt, const char *want)
{
	for (unsigned i = 0;; i++) {
		char buf[300], text[INET6_ADDRSTRLEN];
		size_t len = sizeof(buf) - 1;
		unsigned type;
		int rc = gnutls_x509_crt_get_subject_alt_name2(crt, i, buf, &len, &type, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return 0;
		assert_true(rc >= 0);
		const char *name = buf;
		if (type == GNUTLS_SAN_IPADDRESS)
			name = inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, text, sizeof(text));
		else
			buf[len] = '\0';
		if (name && strcmp(name, want) == 0)
			return 1;
	}
}

static void test_files_and_modes(void **state)
{
	(void)state;
	/* a strict umask must not leak into the public certificates */
	mode_t old = umask(077);
	ensure_ok(tmpdir, NULL);
	umask(old);
	assert_mode(tmpdir, TLS_CA_CERT, 0644);
	assert_mode(tmpdir, TLS_CA_KEY, 0600);
	assert_mode(tmpdir, TLS_SERVER_CERT, 0644);
	assert_mode(tmpdir, TLS_SERVER_KEY, 0600);
	char path[512];
	path_in(path, sizeof(path), tmpdir, TLS_CA_KEY ".tmp");
	assert_int_equal(access(path, F_OK), -1); /* no temporary left over */
}

static void test_chain_verifies(void **state)
{
	(void)state;
	ensure_ok(tmpdir, NULL);
	gnutls_x509_crt_t *chain = NULL, *cas = NULL;
	unsigned n = load_chain(tmpdir, &chain), ncas = 0, status = ~0u;
	assert_int_equal(n, 2);
	char *pem = slurp(tmpdir, TLS_CA_CERT);
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)strlen(pem) };
	assert_int_equal(gnutls_x509_crt_list_import2(&cas, &ncas, &d, GNUTLS_X509_FMT_PEM, 0), 0);
	free(pem);
	gnutls_x509_trust_list_t tl;
	assert_int_equal(gnutls_x509_trust_list_init(&tl, 0), 0);
	/* the trust list now owns the CA certificates */
	assert_int_equal(gnutls_x509_trust_list_add_cas(tl, cas, ncas, 0), (int)ncas);
	gnutls_free(cas);
	gnutls_typed_vdata_st want[] = {
		{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)"localhost", 0 },
		{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
	};
	assert_int_equal(gnutls_x509_trust_list_verify_crt2(tl, chain, n, want, 2, 0, &status, NULL), 0);
	assert_int_equal(status, 0);
	/* the server certificate is no authority */
	assert_int_equal(gnutls_x509_crt_get_basic_constraints(chain[0], NULL, NULL, NULL), 0);
	gnutls_x509_trust_list_deinit(tl, 1);
	free_chain(chain, n);
}

static void test_names(void **state)
{
	(void)state;
	ensure_ok(tmpdir, NULL);
	gnutls_x509_crt_t *chain = NULL;
	unsigned n = load_chain(tmpdir, &chain);
	assert_true(has_san(chain[0], "localhost"));
	assert_true(has_san(chain[0], "127.0.0.1"));
	assert_true(has_san(chain[0], "::1"));
	assert_false(has_san(chain[0], "192.0.2.7"));
	assert_true(gnutls_x509_crt_check_hostname(chain[0], "127.0.0.1"));
	free_chain(chain, n);
}

static void test_extra_names(void **state)
{
	(void)state;
	char dir[512], err[300] = "";
	make_subdir(dir, sizeof(dir), "extra", 0700);
	assert_int_equal(tls_cert_ensure(dir, "a.example,,b.example", 825, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(tls_cert_ensure(dir, "bad name", 825, err, sizeof(err)), -1);
	char path[512];
	path_in(path, sizeof(path), dir, TLS_CA_CERT);
	assert_int_equal(access(path, F_OK), -1); /* names are checked first */
	ensure_ok(dir, " guichet.mairie.example, 192.0.2.7 ");
	gnutls_x509_crt_t *chain = NULL;
	unsigned n = load_chain(dir, &chain);
	assert_true(has_san(chain[0], "guichet.mairie.example"));
	assert_true(has_san(chain[0], "192.0.2.7"));
	assert_true(has_san(chain[0], "localhost"));
	free_chain(chain, n);
}

static void test_second_call_keeps_files(void **state)
{
	(void)state;
	ensure_ok(tmpdir, NULL);
	char *before[4], *after[4];
	for (int i = 0; i < 4; i++)
		before[i] = slurp(tmpdir, files[i]);
	ensure_ok(tmpdir, "other.example"); /* existing files win */
	for (int i = 0; i < 4; i++) {
		after[i] = slurp(tmpdir, files[i]);
		assert_string_equal(before[i], after[i]);
		free(before[i]);
		free(after[i]);
	}
}

static void test_reuses_ca(void **state)
{
	(void)state;
	ensure_ok(tmpdir, NULL);
	char *ca = slurp(tmpdir, TLS_CA_CERT), *old = slurp(tmpdir, TLS_SERVER_CERT), path[512];
	path_in(path, sizeof(path), tmpdir, TLS_SERVER_CERT);
	assert_int_equal(unlink(path), 0);
	path_in(path, sizeof(path), tmpdir, TLS_SERVER_KEY);
	assert_int_equal(unlink(path), 0);
	ensure_ok(tmpdir, NULL);
	char *ca2 = slurp(tmpdir, TLS_CA_CERT), *fresh = slurp(tmpdir, TLS_SERVER_CERT);
	assert_string_equal(ca, ca2);
	assert_string_not_equal(old, fresh);
	/* the chain ends with the very same CA certificate */
	assert_non_null(strstr(fresh, ca));
	free(ca);
	free(ca2);
	free(old);
	free(fresh);
}

static void test_read_only_dir(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip(); /* root writes anywhere: the mode proves nothing */
	char dir[512], err[300] = "";
	make_subdir(dir, sizeof(dir), "readonly", 0500);
	int rc = tls_cert_ensure(dir, NULL, 825, err, sizeof(err));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "cannot write"));
	assert_non_null(strstr(err, "Permission denied"));
}

static void write_file(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		assert_int_not_equal(fputc('A', f), EOF);
	assert_int_equal(fclose(f), 0);
}

static void test_read_pem(void **state)
{
	(void)state;
	char path[512], err[300] = "";
	path_in(path, sizeof(path), tmpdir, "big.pem");
	write_file(path, MIB + 1);
	assert_null(tls_cert_read_pem(path, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than 1 MiB"));
	write_file(path, MIB); /* exactly the limit is fine */
	char *s = tls_cert_read_pem(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(strlen(s), MIB);
	free(s);
	path_in(path, sizeof(path), tmpdir, "missing.pem");
	assert_null(tls_cert_read_pem(path, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_and_modes),
		cmocka_unit_test(test_chain_verifies),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_extra_names),
		cmocka_unit_test(test_second_call_keeps_files),
		cmocka_unit_test(test_reuses_ca),
		cmocka_unit_test(test_read_only_dir),
		cmocka_unit_test(test_read_pem),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
