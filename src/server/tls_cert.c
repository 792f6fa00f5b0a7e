/* Demo and first-run certificates (see tls_cert.h): a private certificate
 * authority and a loopback server certificate signed by it, made with
 * GnuTLS, written atomically with private keys never readable by others.
 * This is library code: every failure is reported through err, nothing is
 * printed and nothing exits. */
#include "server/tls_cert.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define PEM_MAX       (1024 * 1024)
#define DAYS_MAX      36500 /* a century is already absurd for a demo */
#define CA_DAYS_MIN   3650  /* outlive the server certs it will re-issue */
#define DNS_NAME_MAX  253
#define SERIAL_BYTES  16
#define KEY_ID_MAX    64
#define BACKDATE_SECS 3600 /* tolerate clients whose clock is a bit behind */

/* A certificate with its private key. */
struct pair {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
};

__attribute__((format(printf, 3, 4)))
static int fail_msg(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int gt_fail(int rc, const char *what, char *err, size_t errlen)
{
	return fail_msg(err, errlen, "gnutls: %s: %s", what, gnutls_strerror(rc));
}

static void pair_free(struct pair *p)
{
	if (p->crt)
		gnutls_x509_crt_deinit(p->crt);
	if (p->key)
		gnutls_x509_privkey_deinit(p->key);
	p->crt = NULL;
	p->key = NULL;
}

/* Exported key material lives in GnuTLS-allocated memory: wipe it before
 * giving it back, so no copy of a private key lingers on the heap. */
static void free_secret(gnutls_datum_t *d)
{
	if (d->data) {
		gnutls_memset(d->data, 0, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

static int join_path(char *out, size_t outlen, const char *dir, const char *name,
		     const char *suffix, char *err, size_t errlen)
{
	int n = snprintf(out, outlen, "%s/%s%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= outlen)
		return fail_msg(err, errlen, "%s/%s: path too long", dir, name);
	return 0;
}

/* 1 if dir/name exists, 0 if not, -1 if we cannot even tell. */
static int present(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	if (join_path(path, sizeof(path), dir, name, "", err, errlen) < 0)
		return -1;
	if (stat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return fail_msg(err, errlen, "%s: %s", path, strerror(errno));
}

/* ----------------------------------------------------------------------
 * Atomic writes: readers (and a crash) see the old state or the new
 * file, never a half-written one. */

static int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The rename is only durable once the directory entry itself is on disk. */
static int sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail_msg(err, errlen, "cannot sync %s: %s", dir, strerror(e));
	}
	close(fd);
	return 0;
}

/* Write the concatenation of parts to dir/name with the given mode. */
static int write_atomic(const char *dir, const char *name, const gnutls_datum_t *parts,
			int nparts, mode_t mode, char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	if (join_path(path, sizeof(path), dir, name, "", err, errlen) < 0 ||
	    join_path(tmp, sizeof(tmp), dir, name, ".tmp", err, errlen) < 0)
		return -1;
	/* O_NOFOLLOW: a planted symlink must not redirect a private key. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		goto fail;
	/* The umask may have narrowed the mode, and a stale .tmp keeps its
	 * old one: set it explicitly before any byte is written. */
	int bad = fchmod(fd, mode) < 0;
	for (int i = 0; !bad && i < nparts; i++)
		bad = write_all(fd, parts[i].data, parts[i].size) < 0;
	if (bad || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto fail;
	return sync_dir(dir, err, errlen);
fail:;
	int e = errno;
	unlink(tmp);
	return fail_msg(err, errlen, "cannot write %s: %s", path, strerror(e));
}

/* ----------------------------------------------------------------------
 * Subject alternative names */

static int add_san(gnutls_x509_crt_t crt, gnutls_x509_subject_alt_name_t type,
		   const void *data, size_t len, char *err, size_t errlen)
{
	if (!crt)
		return 0; /* only checking */
	int rc = gnutls_x509_crt_set_subject_alt_name(crt, type, data, (unsigned)len,
						      GNUTLS_FSAN_APPEND);
	return rc < 0 ? gt_fail(rc, "subject alternative name", err, errlen) : 0;
}

/* ASCII host names only: GnuTLS would otherwise try IDNA conversion, and
 * a stray space or quote is far more likely a typo than a real name. */
static int dns_name_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-._*", *s))
			return 0;
	return 1;
}

/* One entry of the extra_names list: an IP address or a DNS name. */
static int one_name(const char *p, size_t len, gnutls_x509_crt_t crt, char *err,
		    size_t errlen)
{
	char name[DNS_NAME_MAX + 1];
	unsigned char ip[16];
	while (len && isspace((unsigned char)*p))
		p++, len--;
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (!len)
		return fail_msg(err, errlen, "empty entry in the list of extra names");
	if (len > DNS_NAME_MAX)
		return fail_msg(err, errlen, "extra name too long (%zu bytes, at most %d): %.40s...",
				len, DNS_NAME_MAX, p);
	memcpy(name, p, len);
	name[len] = '\0';
	if (inet_pton(AF_INET, name, ip) == 1)
		return add_san(crt, GNUTLS_SAN_IPADDRESS, ip, 4, err, errlen);
	if (inet_pton(AF_INET6, name, ip) == 1)
		return add_san(crt, GNUTLS_SAN_IPADDRESS, ip, 16, err, errlen);
	if (!dns_name_ok(name))
		return fail_msg(err, errlen, "not a DNS name (ASCII) or IP address: %s", name);
	return add_san(crt, GNUTLS_SAN_DNSNAME, name, len, err, errlen);
}

/* Walk the comma-separated names; with crt NULL, only check them, so that a
 * typo is reported before anything is generated. */
static int add_extra_names(const char *names, gnutls_x509_crt_t crt, char *err, size_t errlen)
{
	if (!names || !*names)
		return 0;
	for (const char *p = names;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (one_name(p, len, crt, err, errlen) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int loopback_names(gnutls_x509_crt_t crt, char *err, size_t errlen)
{
	static const unsigned char v4[4] = { 127, 0, 0, 1 };
	static const unsigned char v6[16] = { [15] = 1 };
	if (add_san(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, err, errlen) < 0 ||
	    add_san(crt, GNUTLS_SAN_IPADDRESS, v4, sizeof(v4), err, errlen) < 0 ||
	    add_san(crt, GNUTLS_SAN_IPADDRESS, v6, sizeof(v6), err, errlen) < 0)
		return -1;
	return 0;
}

/* ----------------------------------------------------------------------
 * Building certificates */

static int new_key(gnutls_x509_privkey_t *key, char *err, size_t errlen)
{
	int rc = gnutls_x509_privkey_init(key);
	if (rc < 0) {
		*key = NULL;
		return gt_fail(rc, "private key", err, errlen);
	}
	rc = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
					  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	return rc < 0 ? gt_fail(rc, "generating an ECDSA P-256 key", err, errlen) : 0;
}

/* Random serial: unpredictable, and positive as RFC 5280 requires (hence
 * the cleared top bit; DER would read it as a sign). */
static int set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[SERIAL_BYTES];
	int rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	if (rc < 0)
		return rc;
	serial[0] &= 0x7f;
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

static int set_subject_key_id(gnutls_x509_crt_t crt)
{
	unsigned char id[KEY_ID_MAX];
	size_t len = sizeof(id);
	int rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA1, id, &len);
	return rc < 0 ? rc : gnutls_x509_crt_set_subject_key_id(crt, id, len);
}

/* Fields common to both certificates: version, serial, validity, subject,
 * public key, subject key id. */
static int set_common(struct pair *p, const char *cn, time_t until, char *err, size_t errlen)
{
	time_t now = time(NULL);
	int rc;
	if ((rc = gnutls_x509_crt_set_version(p->crt, 3)) < 0 ||
	    (rc = set_serial(p->crt)) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(p->crt, now - BACKDATE_SECS)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(p->crt, until)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(p->crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						(unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(p->crt, p->key)) < 0 ||
	    (rc = set_subject_key_id(p->crt)) < 0)
		return gt_fail(rc, cn, err, errlen);
	return 0;
}

static int sign(gnutls_x509_crt_t crt, const struct pair *issuer, char *err, size_t errlen)
{
	gnutls_privkey_t pk = NULL;
	int rc;
	if ((rc = gnutls_privkey_init(&pk)) < 0)
		goto fail;
	/* flags 0: pk borrows issuer->key, which stays ours to free */
	if ((rc = gnutls_privkey_import_x509(pk, issuer->key, 0)) < 0)
		goto fail;
	if ((rc = gnutls_x509_crt_privkey_sign(crt, issuer->crt, pk, GNUTLS_DIG_SHA256, 0)) < 0)
		goto fail;
	gnutls_privkey_deinit(pk);
	return 0;
fail:
	if (pk)
		gnutls_privkey_deinit(pk);
	return gt_fail(rc, "signing the certificate", err, errlen);
}

static time_t days_from_now(int days)
{
	return time(NULL) + (time_t)days * 24 * 60 * 60;
}

static int make_ca(struct pair *ca, int days, char *err, size_t errlen)
{
	int rc;
	if (new_key(&ca->key, err, errlen) < 0)
		return -1;
	if ((rc = gnutls_x509_crt_init(&ca->crt)) < 0) {
		ca->crt = NULL;
		return gt_fail(rc, "CA certificate", err, errlen);
	}
	if (set_common(ca, "guichetd demo CA", days_from_now(days > CA_DAYS_MIN ? days : CA_DAYS_MIN),
		       err, errlen) < 0)
		return -1;
	if ((rc = gnutls_x509_crt_set_basic_constraints(ca->crt, 1, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(ca->crt, GNUTLS_KEY_KEY_CERT_SIGN |
								 GNUTLS_KEY_CRL_SIGN)) < 0)
		return gt_fail(rc, "CA extensions", err, errlen);
	return sign(ca->crt, ca, err, errlen);
}

/* Point the server certificate at its issuer's key, so that clients can
 * pick the right CA even when several share a subject. */
static int set_authority_key_id(gnutls_x509_crt_t crt, gnutls_x509_crt_t ca)
{
	unsigned char id[KEY_ID_MAX];
	size_t len = sizeof(id);
	unsigned critical;
	int rc = gnutls_x509_crt_get_subject_key_id(ca, id, &len, &critical);
	if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) { /* a CA made elsewhere */
		len = sizeof(id);
		rc = gnutls_x509_crt_get_key_id(ca, GNUTLS_KEYID_USE_SHA1, id, &len);
	}
	return rc < 0 ? rc : gnutls_x509_crt_set_authority_key_id(crt, id, len);
}

/* A certificate cannot usefully outlive its issuer: stop at the CA's end. */
static int server_until(gnutls_x509_crt_t ca, int days, time_t *until, char *err,
			size_t errlen)
{
	time_t ca_end = gnutls_x509_crt_get_expiration_time(ca);
	*until = days_from_now(days);
	if (ca_end == (time_t)-1)
		return fail_msg(err, errlen, "gnutls: cannot read the CA expiration time");
	if (ca_end <= time(NULL))
		return fail_msg(err, errlen, "the certificate authority (%s) has expired: "
				"remove it and its key to make a new one", TLS_CA_CERT);
	if (*until > ca_end)
		*until = ca_end;
	return 0;
}

static int make_server(const struct pair *ca, const char *names, int days, struct pair *srv,
		       char *err, size_t errlen)
{
	time_t until;
	int rc;
	if (server_until(ca->crt, days, &until, err, errlen) < 0 ||
	    new_key(&srv->key, err, errlen) < 0)
		return -1;
	if ((rc = gnutls_x509_crt_init(&srv->crt)) < 0) {
		srv->crt = NULL;
		return gt_fail(rc, "server certificate", err, errlen);
	}
	if (set_common(srv, "localhost", until, err, errlen) < 0)
		return -1;
	if ((rc = gnutls_x509_crt_set_basic_constraints(srv->crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(srv->crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(srv->crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = set_authority_key_id(srv->crt, ca->crt)) < 0)
		return gt_fail(rc, "server certificate extensions", err, errlen);
	if (loopback_names(srv->crt, err, errlen) < 0 ||
	    add_extra_names(names, srv->crt, err, errlen) < 0)
		return -1;
	return sign(srv->crt, ca, err, errlen);
}

/* ----------------------------------------------------------------------
 * Files */

/* Write key then certificate, as a pair: if the certificate cannot be
 * written, the key goes too.  With chain set, the certificate file also
 * carries the CA certificate, which TLS servers send to complete the
 * chain. */
static int save_pair(const char *dir, const char *key_name, const char *crt_name,
		     const struct pair *p, gnutls_x509_crt_t chain, char *err, size_t errlen)
{
	gnutls_datum_t key = { NULL, 0 }, pem[2] = { { NULL, 0 }, { NULL, 0 } };
	int ret = -1, rc;
	rc = gnutls_x509_privkey_export2_pkcs8(p->key, GNUTLS_X509_FMT_PEM, NULL,
					       GNUTLS_PKCS_PLAIN, &key);
	if (rc < 0) {
		gt_fail(rc, "exporting the private key", err, errlen);
		goto fail;
	}
	if ((rc = gnutls_x509_crt_export2(p->crt, GNUTLS_X509_FMT_PEM, &pem[0])) < 0 ||
	    (chain && (rc = gnutls_x509_crt_export2(chain, GNUTLS_X509_FMT_PEM, &pem[1])) < 0)) {
		gt_fail(rc, "exporting the certificate", err, errlen);
		goto fail;
	}
	if (write_atomic(dir, key_name, &key, 1, 0600, err, errlen) < 0)
		goto fail;
	if (write_atomic(dir, crt_name, pem, chain ? 2 : 1, 0644, err, errlen) < 0) {
		/* We wrote that key a moment ago and nothing uses it: take it
		 * back, so that the next run starts clean instead of finding
		 * half a pair. */
		char path[PATH_MAX];
		if (join_path(path, sizeof(path), dir, key_name, "", NULL, 0) == 0)
			unlink(path);
		goto fail;
	}
	ret = 0;
fail:
	free_secret(&key);
	gnutls_free(pem[0].data);
	gnutls_free(pem[1].data);
	return ret;
}

/* Refuse a CA key that does not belong to the CA certificate: everything
 * it signed would fail verification, far from the cause. */
static int key_matches(const struct pair *p)
{
	unsigned char a[KEY_ID_MAX], b[KEY_ID_MAX];
	size_t alen = sizeof(a), blen = sizeof(b);
	if (gnutls_x509_crt_get_key_id(p->crt, GNUTLS_KEYID_USE_SHA1, a, &alen) < 0 ||
	    gnutls_x509_privkey_get_key_id(p->key, GNUTLS_KEYID_USE_SHA1, b, &blen) < 0)
		return 0;
	return alen == blen && memcmp(a, b, alen) == 0;
}

static int load_ca(const char *dir, struct pair *ca, char *err, size_t errlen)
{
	char cpath[PATH_MAX], kpath[PATH_MAX];
	char *cpem = NULL, *kpem = NULL;
	int ret = -1, rc;
	if (join_path(cpath, sizeof(cpath), dir, TLS_CA_CERT, "", err, errlen) < 0 ||
	    join_path(kpath, sizeof(kpath), dir, TLS_CA_KEY, "", err, errlen) < 0 ||
	    !(cpem = tls_cert_read_pem(cpath, err, errlen)) ||
	    !(kpem = tls_cert_read_pem(kpath, err, errlen)))
		goto fail;
	gnutls_datum_t c = { (unsigned char *)cpem, (unsigned)strlen(cpem) };
	gnutls_datum_t k = { (unsigned char *)kpem, (unsigned)strlen(kpem) };
	if ((rc = gnutls_x509_crt_init(&ca->crt)) < 0) {
		ca->crt = NULL;
		gt_fail(rc, cpath, err, errlen);
		goto fail;
	}
	if ((rc = gnutls_x509_crt_import(ca->crt, &c, GNUTLS_X509_FMT_PEM)) < 0) {
		gt_fail(rc, cpath, err, errlen);
		goto fail;
	}
	if ((rc = gnutls_x509_privkey_init(&ca->key)) < 0) {
		ca->key = NULL;
		gt_fail(rc, kpath, err, errlen);
		goto fail;
	}
	if ((rc = gnutls_x509_privkey_import2(ca->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		gt_fail(rc, kpath, err, errlen);
		goto fail;
	}
	if (!key_matches(ca)) {
		fail_msg(err, errlen, "%s does not belong to %s", kpath, cpath);
		goto fail;
	}
	ret = 0;
fail:
	free(cpem);
	if (kpem)
		gnutls_memset(kpem, 0, strlen(kpem));
	free(kpem);
	return ret;
}

/* Issue a CA (unless one is there) and a server certificate. */
static int issue(const char *dir, int have_ca, const char *names, int days, char *err,
		 size_t errlen)
{
	struct pair ca = { NULL, NULL }, srv = { NULL, NULL };
	int ret = -1;
	if (have_ca) {
		if (load_ca(dir, &ca, err, errlen) < 0)
			goto fail;
	} else if (make_ca(&ca, days, err, errlen) < 0 ||
		   save_pair(dir, TLS_CA_KEY, TLS_CA_CERT, &ca, NULL, err, errlen) < 0) {
		goto fail;
	}
	if (make_server(&ca, names, days, &srv, err, errlen) < 0 ||
	    save_pair(dir, TLS_SERVER_KEY, TLS_SERVER_CERT, &srv, ca.crt, err, errlen) < 0)
		goto fail;
	ret = 0;
fail:
	pair_free(&srv);
	pair_free(&ca);
	return ret;
}

/* A certificate without its key (or the reverse) is not ours to replace:
 * it may be the half the administrator still needs. */
static int whole_pair(const char *dir, const char *a, int have_a, const char *b, int have_b,
		      char *err, size_t errlen)
{
	if (have_a == have_b)
		return 0;
	if (have_b)
		return whole_pair(dir, b, have_b, a, have_a, err, errlen);
	return fail_msg(err, errlen, "%s/%s exists without %s/%s: restore it, or remove both",
			dir, a, dir, b);
}

int tls_cert_ensure(const char *dir, const char *extra_names, int days, char *err,
		    size_t errlen)
{
	static const char *const files[4] = { TLS_CA_CERT, TLS_CA_KEY, TLS_SERVER_CERT,
					      TLS_SERVER_KEY };
	int have[4];
	if (!dir || !*dir)
		return fail_msg(err, errlen, "no directory for the certificates");
	for (int i = 0; i < 4; i++)
		if ((have[i] = present(dir, files[i], err, errlen)) < 0)
			return -1;
	if (have[2] && have[3])
		return 0; /* in place, whoever made it: keep it */
	if (whole_pair(dir, files[2], have[2], files[3], have[3], err, errlen) < 0 ||
	    whole_pair(dir, files[0], have[0], files[1], have[1], err, errlen) < 0)
		return -1;
	if (days < 1 || days > DAYS_MAX)
		return fail_msg(err, errlen, "certificate validity must be 1 to %d days, not %d",
				DAYS_MAX, days);
	if (add_extra_names(extra_names, NULL, err, errlen) < 0)
		return -1;
	return issue(dir, have[0] && have[1], extra_names, days, err, errlen);
}

/* ---------------------------------------------------------------------- */

char *tls_cert_read_pem(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		fail_msg(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > PEM_MAX) {
		fail_msg(err, errlen, "%s: larger than 1 MiB", path);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1)))
		goto fail;
	/* Read at most the size seen by fstat: a file growing meanwhile
	 * cannot push us past the limit. */
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len == 0) {
		fail_msg(err, errlen, "%s: empty file", path);
		goto out;
	}
	close(fd);
	return buf;
fail:
	fail_msg(err, errlen, "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (buf) /* it may be a private key */
		gnutls_memset(buf, 0, len);
	free(buf);
	return NULL;
}
