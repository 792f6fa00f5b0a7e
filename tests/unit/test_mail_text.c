/* Unit tests of the e-mail text module (src/client/mail_text.c): encoded
 * subjects and Latin-1 bodies read as the citizen wrote them; the plain
 * part of an alternative is shown, HTML goes through the built-in stripper
 * or the configured filter (and back to the stripper when the filter fails
 * or hangs); attachments are listed and saved byte for byte, never over an
 * existing file; escape sequences and header injections are neutralised;
 * hostile messages (garbage, 10 MB attachments, 200 nested multiparts, an
 * unclosed boundary) neither crash nor hang; the reply draft and the
 * message sent from it are right, and the sent message reads back. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <glib.h>

#include "tmpdir.h"
#include "client/mail_text.h"

/* Every string in v (recursively) is free of ESC, C0 but '\n', and C1. */
static void assert_terminal_safe(const json_t *v)
{
	if (json_is_string(v)) {
		const unsigned char *s = (const unsigned char *)json_string_value(v);
		for (size_t i = 0; s[i]; i++) {
			assert_false(s[i] == 0x1b);
			assert_true(s[i] >= 0x20 || s[i] == '\n');
			assert_false(s[i] == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F);
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			assert_terminal_safe(json_array_get(v, i));
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e)
			assert_terminal_safe(e);
	}
}

static json_t *parse_opts(const char *m, const struct mail_text_opts *o)
{
	char err[256] = "";
	json_t *j = mail_text_parse(m, strlen(m), o, err, sizeof(err));
	if (!j)
		fail_msg("parse failed: %s", err);
	assert_terminal_safe(j);
	return j;
}

static json_t *parse(const char *m)
{
	return parse_opts(m, NULL);
}

static const char *get(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	assert_non_null(s);
	return s;
}

/* "=?UTF-8?B?...?=" for s. */
static char *b_word(const char *s)
{
	gchar *b = g_base64_encode((const guchar *)s, strlen(s));
	char *w = g_strdup_printf("=?UTF-8?B?%s?=", b);
	g_free(b);
	return w;
}

static void test_encoded_headers(void **state)
{
	(void)state;
	char *w = b_word("Demande d'acte de naissance — état civil");
	char *name = b_word("Amélie Lefèvre");
	char *m = g_strdup_printf("From: %s <Amelie.Lefevre@Exemple.FR>\n"
				  "To: =?ISO-8859-1?Q?Mairie_de_S=E8vres?= <etat-civil@mairie.example>\n"
				  "Subject: %s\nMessage-ID: <abc@exemple.fr>\n"
				  "Date: Thu, 03 Dec 2026 13:05:00 +0000\n\nBonjour\n", name, w);
	json_t *j = parse(m);
	assert_string_equal(get(j, "subject"), "Demande d'acte de naissance — état civil");
	assert_string_equal(get(j, "from_name"), "Amélie Lefèvre");
	assert_string_equal(get(j, "from_addr"), "amelie.lefevre@exemple.fr");
	assert_string_equal(get(j, "from"), "Amélie Lefèvre <amelie.lefevre@exemple.fr>");
	assert_non_null(strstr(get(j, "to"), "Mairie de Sèvres"));
	assert_string_equal(get(j, "message_id"), "<abc@exemple.fr>");
	assert_int_equal(json_integer_value(json_object_get(j, "date")), 1796303100);
	assert_string_equal(get(j, "body"), "Bonjour");
	assert_false(json_is_true(json_object_get(j, "html")));
	json_decref(j);
	g_free(m);

	j = parse("Subject: =?ISO-8859-1?Q?Demande_d'acte_=E9tat_civil?=\n\nx\n");
	assert_string_equal(get(j, "subject"), "Demande d'acte état civil");
	json_decref(j);
	/* raw 8-bit headers: UTF-8 when it is, else windows-1252 */
	j = parse("Subject: \xc3\xa9tat civil\nFrom: Ren\xe9 <r@x.fr>\n\nx\n");
	assert_string_equal(get(j, "subject"), "état civil");
	assert_string_equal(get(j, "from_name"), "René");
	json_decref(j);
	g_free(w);
	g_free(name);
}

static void test_latin1_body(void **state)
{
	(void)state;
	json_t *j = parse("Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n"
			  "Content-Transfer-Encoding: 8bit\n\nL'\xe9tat civil \x80 100\n");
	assert_string_equal(get(j, "body"), "L'état civil € 100");
	json_decref(j);
	j = parse("Content-Type: text/plain; charset=iso-8859-1\n"
		  "Content-Transfer-Encoding: quoted-printable\n\nd=E9c=E8s=\n soft\n");
	assert_string_equal(get(j, "body"), "décès soft");
	json_decref(j);
	/* unknown charset, and UTF-8 mislabelled: never fails, é survives */
	j = parse("Content-Type: text/plain; charset=x-klingon\n\n\xc3\xa9t\xc3\xa9\n");
	assert_string_equal(get(j, "body"), "été");
	json_decref(j);
	j = parse("Content-Type: text/plain; charset=utf-8\n\n\xe9t\xe9\n");
	assert_string_equal(get(j, "body"), "été");
	json_decref(j);
	j = parse("Content-Type: text/plain; charset=iso-8859-15\n\n\xa4 \xe9\n");
	assert_string_equal(get(j, "body"), "€ é");
	json_decref(j);
	/* a NUL byte does not end the text */
	const char nul[] = "Subject: x\n\navant\0apr\xc3\xa8s\n";
	char err[256];
	j = mail_text_parse(nul, sizeof(nul) - 1, NULL, err, sizeof(err));
	assert_string_equal(get(j, "body"), "avant\xef\xbf\xbd" "après");
	json_decref(j);
	/* tabs expanded, CR dropped */
	j = parse("Subject: x\n\na\tb\r\nc\r\n");
	assert_string_equal(get(j, "body"), "a       b\nc");
	json_decref(j);
}

static const char ALTERNATIVE[] =
	"Subject: alt\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=XX\n\n"
	"--XX\nContent-Type: text/html; charset=utf-8\n\n<p>version <b>HTML</b></p>\n"
	"--XX\nContent-Type: text/plain; charset=utf-8\n\nversion texte\n--XX--\n";

static void test_alternative_prefers_plain(void **state)
{
	(void)state;
	json_t *j = parse(ALTERNATIVE);
	assert_string_equal(get(j, "body"), "version texte");
	assert_false(json_is_true(json_object_get(j, "html")));
	assert_int_equal(json_array_size(json_object_get(j, "attachments")), 0);
	json_decref(j);
}

static const char HTML_ONLY[] =
	"Subject: html\nContent-Type: text/html; charset=utf-8\n\n"
	"<html><head><style>p { color: red }</style><script>alert('x')</script></head>\n"
	"<body><p>Bonjour,</p><p>Je souhaite un acte de naissance&nbsp;: l&#8217;&eacute;tat "
	"civil &amp; la mairie &lt;ici&gt; &#233;&#xE9; &quot;vite&quot;<br>Merci</p>"
	"<!-- <p>commentaire</p> --><ul><li>un</li><li>deux</li></ul></body></html>\n";

static void test_html_stripper(void **state)
{
	(void)state;
	json_t *j = parse(HTML_ONLY);
	const char *b = get(j, "body");
	assert_true(json_is_true(json_object_get(j, "html")));
	assert_null(strstr(b, "<p"));
	assert_null(strstr(b, "<b"));
	assert_null(strstr(b, "<!"));
	assert_null(strstr(b, "alert"));
	assert_null(strstr(b, "color"));
	assert_null(strstr(b, "commentaire"));
	assert_string_equal(b, "Bonjour,\nJe souhaite un acte de naissance : l’état civil & la "
			       "mairie <ici> éé \"vite\"\nMerci\nun\ndeux");
	json_decref(j);
	j = parse("Content-Type: text/html\n\n<p>si a < b et c > d</p><p>fin<br/>ok</p>\n");
	assert_string_equal(get(j, "body"), "si a < b et c > d\nfin\nok");
	json_decref(j);
}

static bool have(const char *prog)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

static void test_html_filter(void **state)
{
	(void)state;
	struct mail_text_opts o = {.html_filter = "cat"};
	json_t *j = parse_opts(HTML_ONLY, &o);
	assert_non_null(strstr(get(j, "body"), "<p>Bonjour,</p>")); /* cat ran */
	assert_true(json_is_true(json_object_get(j, "html")));
	json_decref(j);
	if (have("w3m")) {
		o.html_filter = "w3m -dump -T text/html -O UTF-8 -I UTF-8";
		j = parse_opts(HTML_ONLY, &o);
		assert_null(strstr(get(j, "body"), "<p>"));
		assert_non_null(strstr(get(j, "body"), "Bonjour,"));
		assert_null(strstr(get(j, "body"), "alert"));
		json_decref(j);
	}
	/* missing program, failing program, one that reads nothing: stripper */
	const char *bad[] = {"/nonexistent/filter -x", "false", "true", "   "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.html_filter = bad[i];
		j = parse_opts(HTML_ONLY, &o);
		assert_non_null(strstr(get(j, "body"), "Bonjour,\nJe souhaite"));
		json_decref(j);
	}
}

/* A filter that never reads nor exits is killed after 5 s; a big HTML
 * body fed to a filter that exits at once does not kill us by SIGPIPE. */
static void test_html_filter_hang_and_sigpipe(void **state)
{
	(void)state;
	GString *m = g_string_new("Content-Type: text/html\n\n<p>d&eacute;but</p>");
	for (int i = 0; i < 40000; i++)
		g_string_append(m, "<p>ligne de texte</p>\n");
	struct mail_text_opts o = {.html_filter = "true"};
	json_t *j = parse_opts(m->str, &o);
	assert_true(strncmp(get(j, "body"), "début\nligne", 12) == 0);
	json_decref(j);
	o.html_filter = "sleep 30";
	time_t t0 = time(NULL);
	j = parse_opts(m->str, &o);
	assert_true(time(NULL) - t0 <= 7);
	assert_true(strncmp(get(j, "body"), "début", 6) == 0);
	json_decref(j);
	g_string_free(m, TRUE);
}

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || tmpdir_make(f->dir, sizeof(f->dir), "test_mail_text") < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static char *read_file(const char *path, size_t *n)
{
	gchar *s = NULL;
	gsize len = 0;
	assert_true(g_file_get_contents(path, &s, &len, NULL));
	*n = len;
	return s;
}

static void test_attachment_listed_and_saved(void **state)
{
	struct fx *f = *state;
	unsigned char pdf[3000];
	for (size_t i = 0; i < sizeof(pdf); i++)
		pdf[i] = (unsigned char)(i * 7 + 3);
	gchar *b64 = g_base64_encode(pdf, sizeof(pdf));
	GString *wrapped = g_string_new("");
	for (size_t i = 0; i < strlen(b64); i += 76)
		g_string_append_printf(wrapped, "%.76s\n", b64 + i);
	char *m = g_strdup_printf(
		"Subject: pj\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\n"
		"Content-Type: text/plain\n\nVoir la pièce jointe.\n--b1\n"
		"Content-Type: application/pdf; name=\"acte.pdf\"\n"
		"Content-Disposition: attachment; filename=\"acte.pdf\"\n"
		"Content-Transfer-Encoding: base64\n\n%s--b1\n"
		"Content-Type: image/png\nContent-Disposition: inline\n"
		"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b1--\n", wrapped->str);
	char path[128], dest[128], err[256];
	snprintf(path, sizeof(path), "%s/msg", f->dir);
	write_file(path, m, strlen(m));
	json_t *j = mail_text_file(path, NULL, err, sizeof(err));
	assert_non_null(j);
	assert_string_equal(get(j, "body"), "Voir la pièce jointe.");
	json_t *att = json_object_get(j, "attachments");
	assert_int_equal(json_array_size(att), 2);
	json_t *a = json_array_get(att, 0);
	assert_int_equal(json_integer_value(json_object_get(a, "n")), 1);
	assert_string_equal(get(a, "filename"), "acte.pdf");
	assert_string_equal(get(a, "type"), "application/pdf");
	assert_int_equal(json_integer_value(json_object_get(a, "size")), sizeof(pdf));
	assert_string_equal(get(json_array_get(att, 1), "type"), "image/png");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(att, 1), "size")), 8);
	json_decref(j);

	snprintf(dest, sizeof(dest), "%s/acte.pdf", f->dir);
	assert_int_equal(mail_text_save_part(path, 1, dest, err, sizeof(err)), 0);
	size_t n;
	char *got = read_file(dest, &n);
	assert_int_equal(n, sizeof(pdf));
	assert_memory_equal(got, pdf, sizeof(pdf));
	g_free(got);
	struct stat st;
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* never overwritten, not through a symlink either */
	err[0] = '\0';
	assert_int_equal(mail_text_save_part(path, 2, dest, err, sizeof(err)), -1);
	assert_true(err[0]);
	got = read_file(dest, &n);
	assert_int_equal(n, sizeof(pdf));
	g_free(got);
	char link[160], target[160];
	snprintf(link, sizeof(link), "%s/lien", f->dir);
	snprintf(target, sizeof(target), "%s/cible", f->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(mail_text_save_part(path, 1, link, err, sizeof(err)), -1);
	assert_int_equal(access(target, F_OK), -1);
	/* no such attachment */
	snprintf(dest, sizeof(dest), "%s/autre", f->dir);
	assert_int_equal(mail_text_save_part(path, 3, dest, err, sizeof(err)), -1);
	assert_int_equal(mail_text_save_part(path, 0, dest, err, sizeof(err)), -1);
	assert_int_equal(access(dest, F_OK), -1);
	g_free(m);
	g_free(b64);
	g_string_free(wrapped, TRUE);
}

static void test_files_refused(void **state)
{
	struct fx *f = *state;
	char path[128], err[256] = "";
	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_null(mail_text_file(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	snprintf(path, sizeof(path), "%s/huge", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MAIL_TEXT_FILE_MAX + 1), 0);
	close(fd);
	err[0] = '\0';
	assert_null(mail_text_file(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "trop gros"));
	assert_null(mail_text_file(f->dir, NULL, err, sizeof(err)));
}

static void test_escapes_neutralised(void **state)
{
	(void)state;
	char *esc = b_word("\x1b]0;pwned\x07\x1b[2J titre \xc2\x9b" "31m\xe2\x80\xae");
	char *m = g_strdup_printf("From: \"\x1b[31mEvil\x1b[0m\" <e@x.fr>\n"
				  "Subject: \x1b[2J\x1b]8;;http://x\x1b\\lien %s\n"
				  "Content-Type: text/plain; charset=utf-8\n\ncorps \x1b[5m\n", esc);
	json_t *j = parse(m); /* assert_terminal_safe on everything */
	assert_non_null(strstr(get(j, "subject"), "titre"));
	assert_non_null(strstr(get(j, "from_name"), "Evil"));
	assert_null(strstr(get(j, "subject"), "\xe2\x80\xae"));
	json_decref(j);
	g_free(m);
	g_free(esc);
}

static bool has_header_line(const char *text, const char *name)
{
	size_t k = strlen(name);
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (*p == '\n')
			return false; /* end of the headers */
		if (g_ascii_strncasecmp(p, name, k) == 0)
			return true;
	}
	return false;
}

static void test_header_injection(void **state)
{
	(void)state;
	char *subj = b_word("Demande\r\nBcc: espion@evil.example\r\n\r\ncorps forgé");
	char *name = b_word("Jean\r\nBcc: autre@evil.example");
	char *m = g_strdup_printf("From: %s <jean@x.fr>\nSubject: %s\nMessage-ID: <a\r\nBcc: z@evil>\n"
				  "\nbonjour\n", name, subj);
	json_t *j = parse(m);
	char *draft = mail_text_reply_draft(j, "Mairie <etat-civil@mairie.example>", NULL);
	assert_non_null(draft);
	assert_false(has_header_line(draft, "Bcc:"));
	assert_non_null(strstr(draft, "Subject: Re: Demande Bcc: espion@evil.example corps forgé\n"));
	char msgid[256], err[256];
	size_t len;
	char *out = mail_text_finish_draft(draft, strlen(draft), msgid, &len, err, sizeof(err));
	assert_non_null(out);
	assert_false(has_header_line(out, "Bcc:"));
	free(out);
	free(draft);
	json_decref(j);
	g_free(m);
	g_free(subj);
	g_free(name);
}

static void test_big_attachment(void **state)
{
	(void)state;
	size_t raw = 10u << 20;
	GString *m = g_string_new("Subject: gros\nContent-Type: multipart/mixed; boundary=zz\n\n"
				  "--zz\nContent-Type: text/plain\n\nci-joint\n--zz\n"
				  "Content-Type: application/octet-stream; name=big.bin\n"
				  "Content-Transfer-Encoding: base64\n\n");
	/* 57 zero bytes per 76-character line */
	for (size_t i = 0; i < raw / 57; i++)
		g_string_append(m, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	g_string_append(m, "--zz--\n");
	clock_t t0 = clock();
	json_t *j = parse(m->str);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	json_t *a = json_array_get(json_object_get(j, "attachments"), 0);
	assert_string_equal(get(a, "filename"), "big.bin");
	assert_int_equal(json_integer_value(json_object_get(a, "size")), raw / 57 * 57);
	json_decref(j);
	g_string_free(m, TRUE);
}

/* Either an object or NULL with a message: never a crash. */
static void survives(const char *m, size_t n)
{
	char err[256] = "";
	json_t *j = mail_text_parse(m, n, NULL, err, sizeof(err));
	if (j) {
		assert_terminal_safe(j);
		char *d = mail_text_reply_draft(j, "a@b.fr", "x");
		assert_non_null(d);
		free(d);
		json_decref(j);
	} else {
		assert_true(err[0]);
	}
}

/* CPU seconds to parse a multipart of n empty parts. */
static double parse_seconds(int n)
{
	GString *m = g_string_new("Subject: parts\nContent-Type: multipart/mixed; boundary=m\n\n");
	for (int i = 0; i < n; i++)
		g_string_append(m, "--m\n\nx\n");
	clock_t t0 = clock();
	json_t *j = parse(m->str);
	double t = (double)(clock() - t0) / CLOCKS_PER_SEC;
	json_decref(j);
	g_string_free(m, TRUE);
	return t;
}

static void survives_s(const char *m)
{
	survives(m, strlen(m));
}

static void test_hostile_messages(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(mail_text_parse("", 0, NULL, err, sizeof(err)));
	assert_true(err[0]);
	assert_null(mail_text_parse(NULL, 0, NULL, err, sizeof(err)));
	unsigned char junk[4096];
	srand(42);
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)rand();
		survives((const char *)junk, sizeof(junk));
	}
	survives_s("Subject: pas de corps\n");
	survives_s("\n\n\n");
	survives_s("Content-Type: multipart/mixed; boundary=never\n\n--never\n"
		 "Content-Type: text/plain\n\njamais fermé\n");
	survives_s("Content-Type: multipart/mixed\n\nsans boundary\n");
	survives_s("Content-Type: text/plain; charset=\"\x1b\"\nContent-Transfer-Encoding: base64\n\n"
		 "!!!!====\n");
	json_t *j = parse("Subject: pas de corps\n");
	assert_string_equal(get(j, "body"), "");
	assert_string_equal(get(j, "message_id"), "");
	assert_int_equal(json_integer_value(json_object_get(j, "date")), 0);
	json_decref(j);

	GString *deep = g_string_new("Subject: profond\n");
	for (int i = 0; i < 200; i++)
		g_string_append_printf(deep, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	g_string_append(deep, "Content-Type: text/plain\n\nau fond\n");
	for (int i = 199; i >= 0; i--)
		g_string_append_printf(deep, "--b%d--\n", i);
	j = parse(deep->str);
	assert_string_equal(get(j, "body"), ""); /* deeper than 32: not looked at */
	json_decref(j);
	g_string_free(deep, TRUE);

	GString *many = g_string_new("Subject: mille\nContent-Type: multipart/mixed; boundary=m\n\n");
	for (int i = 0; i < 5000; i++)
		g_string_append(many, "--m\nContent-Type: application/x-a\n\nx\n");
	g_string_append(many, "--m--\n");
	j = parse(many->str);
	assert_int_equal(json_array_size(json_object_get(j, "attachments")), MAIL_TEXT_ATTACHMENTS_MAX);
	json_decref(j);
	g_string_free(many, TRUE);

	/* a million empty parts cost about what 20,000 do (GMime is not even
	 * given the rest); a ratio, so that valgrind's slowness does not count */
	double t20k = parse_seconds(20000), t1m = parse_seconds(1000000);
	assert_true(t1m < 10 * t20k + 0.05);
}

static void test_body_max(void **state)
{
	(void)state;
	GString *m = g_string_new("Subject: long\n\n");
	for (int i = 0; i < 1000; i++)
		g_string_append(m, "é");
	struct mail_text_opts o = {.body_max = 101};
	json_t *j = parse_opts(m->str, &o);
	assert_string_equal(get(j, "body") + 100, "\n[…]"); /* 50 é, no half character */
	json_decref(j);
	g_string_free(m, TRUE);
}

static void test_reply_draft(void **state)
{
	(void)state;
	json_t *j = parse("From: \"Dupont, Jean\" <Jean.Dupont@Exemple.fr>\n"
			  "Subject: RE: re : Aw: Re[2]: Demande d'acte\n"
			  "Message-ID: <m3@exemple.fr>\nReferences: <m1@exemple.fr> <m2@exemple.fr>\n"
			  "In-Reply-To: <m2@exemple.fr>\nDate: Thu, 03 Dec 2026 13:05:00 +0000\n\n"
			  "Bonjour,\n\n> cité\nMerci\n");
	assert_string_equal(get(j, "in_reply_to"), "<m2@exemple.fr>");
	assert_int_equal(json_array_size(json_object_get(j, "references")), 2);
	char *d = mail_text_reply_draft(j, "Mairie <etat-civil@mairie.example>", "Madame, Monsieur,\n");
	assert_non_null(d);
	assert_string_equal(d,
		"From: Mairie <etat-civil@mairie.example>\n"
		"To: \"Dupont, Jean\" <jean.dupont@exemple.fr>\n"
		"Subject: Re: Demande d'acte\n"
		"In-Reply-To: <m3@exemple.fr>\n"
		"References: <m1@exemple.fr> <m2@exemple.fr> <m3@exemple.fr>\n"
		"\n"
		"Madame, Monsieur,\n"
		"\n"
		"Le 3 décembre 2026 à 14:05, Dupont, Jean a écrit :\n"
		"> Bonjour,\n"
		">\n"
		"> > cité\n"
		"> Merci\n");
	free(d);
	json_decref(j);

	/* Reply-To wins; references capped at 20; no subject, no date */
	GString *m = g_string_new("From: a@x.fr\nReply-To: Guichet <Retour@X.fr>\nMessage-ID: <last@x>\nReferences:");
	for (int i = 0; i < 80; i++)
		g_string_append_printf(m, " <r%d@x>", i);
	g_string_append(m, "\n\nx\n");
	j = parse(m->str);
	assert_int_equal(json_array_size(json_object_get(j, "references")), MAIL_TEXT_REFERENCES_MAX);
	d = mail_text_reply_draft(j, "me@mairie.example", NULL);
	assert_non_null(strstr(d, "\nTo: retour@x.fr\n"));
	assert_non_null(strstr(d, "\nSubject: Re: \n"));
	assert_non_null(strstr(d, "References: <r61@x> <r62@x>"));
	assert_null(strstr(d, "<r60@x>"));
	assert_non_null(strstr(d, "<r79@x> <last@x>\n\n\na@x.fr a écrit :\n> x\n"));
	free(d);
	json_decref(j);
	g_string_free(m, TRUE);
}

/* The header block of a message, up to its blank line. */
static size_t header_len(const char *m)
{
	const char *e = strstr(m, "\n\n");
	assert_non_null(e);
	return (size_t)(e - m);
}

static void test_finish_draft(void **state)
{
	(void)state;
	char msgid[256], err[256];
	size_t len = 0;
	const char *no_to = "From: a@mairie.example\nSubject: x\n\nbonjour\n";
	err[0] = '\0';
	assert_null(mail_text_finish_draft(no_to, strlen(no_to), msgid, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "destinataire"));
	const char *empty = "From: a@mairie.example\nTo: b@x.fr\nSubject: x\n\n  \n\n";
	assert_null(mail_text_finish_draft(empty, strlen(empty), msgid, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "texte"));
	const char *no_from = "To: b@x.fr\n\nbonjour\n";
	assert_null(mail_text_finish_draft(no_from, strlen(no_from), msgid, &len, err, sizeof(err)));

	const char *draft = "From: Mairie de Sèvres <etat-civil@mairie.example>\r\n"
			    "To: Amélie Lefèvre <amelie@exemple.fr>\nCc: chef@mairie.example\n"
			    "X-Agent: ignoré\nSubject: Re: Demande d'acte — état civil\n"
			    "In-Reply-To: <m3@exemple.fr>\nReferences: <m1@exemple.fr>\n <m3@exemple.fr>\n"
			    "\nMadame,\n\nVotre acte est prêt.\n\n> cité\n";
	char *out = mail_text_finish_draft(draft, strlen(draft), msgid, &len, err, sizeof(err));
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	assert_true(strncmp(msgid, "<guichet.", 9) == 0);
	assert_non_null(strstr(msgid, "@mairie.example>"));
	assert_int_equal(strlen(msgid), strlen("<guichet.") + 10 + 1 + 16 + strlen("@mairie.example>"));
	size_t hl = header_len(out);
	for (size_t i = 0; i < hl; i++)
		assert_true((unsigned char)out[i] < 0x80);
	assert_null(memchr(out, '\r', len));
	assert_non_null(strstr(out, "=?"));
	assert_null(strstr(out, "X-Agent"));
	assert_true(has_header_line(out, "Date: "));
	assert_true(has_header_line(out, "Message-ID: <guichet."));
	assert_true(has_header_line(out, "MIME-Version: 1.0"));
	assert_true(has_header_line(out, "Content-Type: text/plain; charset=utf-8"));
	assert_true(has_header_line(out, "Content-Transfer-Encoding: 8bit"));
	json_t *j = mail_text_parse(out, len, NULL, err, sizeof(err));
	assert_non_null(j);
	assert_string_equal(get(j, "subject"), "Re: Demande d'acte — état civil");
	assert_string_equal(get(j, "body"), "Madame,\n\nVotre acte est prêt.\n\n> cité");
	assert_string_equal(get(j, "from_name"), "Mairie de Sèvres");
	assert_string_equal(get(j, "message_id"), msgid);
	assert_string_equal(get(j, "in_reply_to"), "<m3@exemple.fr>");
	assert_int_equal(json_array_size(json_object_get(j, "references")), 2);
	assert_non_null(strstr(get(j, "to"), "Amélie Lefèvre"));
	assert_true(llabs(json_integer_value(json_object_get(j, "date")) - (long long)time(NULL)) < 5);
	json_decref(j);
	free(out);

	/* a line over 998 bytes: quoted-printable, read back the same */
	GString *d = g_string_new("From: a@mairie.example\nTo: b@x.fr\nSubject: long\n\ndébut ");
	for (int i = 0; i < 300; i++)
		g_string_append(d, "mot ");
	g_string_append(d, "fin\n");
	out = mail_text_finish_draft(d->str, d->len, msgid, &len, err, sizeof(err));
	assert_non_null(out);
	assert_true(has_header_line(out, "Content-Transfer-Encoding: quoted-printable"));
	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		assert_true(n <= 998);
		p += n + (p[n] == '\n');
	}
	j = mail_text_parse(out, len, NULL, err, sizeof(err));
	assert_non_null(j);
	const char *want = strstr(d->str, "\n\n") + 2;
	assert_int_equal(strlen(get(j, "body")), strlen(want) - 1);
	assert_memory_equal(get(j, "body"), want, strlen(want) - 1);
	json_decref(j);
	free(out);
	g_string_free(d, TRUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoded_headers),
		cmocka_unit_test(test_latin1_body),
		cmocka_unit_test(test_alternative_prefers_plain),
		cmocka_unit_test(test_html_stripper),
		cmocka_unit_test(test_html_filter),
		cmocka_unit_test(test_html_filter_hang_and_sigpipe),
		cmocka_unit_test_setup_teardown(test_attachment_listed_and_saved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_refused, setup, teardown),
		cmocka_unit_test(test_escapes_neutralised),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_big_attachment),
		cmocka_unit_test(test_hostile_messages),
		cmocka_unit_test(test_body_max),
		cmocka_unit_test(test_reply_draft),
		cmocka_unit_test(test_finish_draft),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
