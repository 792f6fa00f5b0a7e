/* One e-mail message for the thread screen and the reply (see mail_text.h). */
#include "client/mail_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <sodium.h>

#include "client/i18n.h"
#include "client/spawn.h"
#include "core/calendar.h"
#include "core/strbuf.h"
#include "core/text.h"

enum {
	FILTER_OUT_MAX = 4 << 20,     /* bytes read back from an HTML filter */
	FILTER_MS = 5000,             /* time an HTML filter gets */
	DRAFT_REFS_MAX = 20,
	HEADER_FOLD = 78,
	LINE_MAX_SMTP = 998,
	BOUNDARY_LINES_MAX = 20000,
};

static const char REPLACEMENT[] = "\xEF\xBF\xBD";

/* --- small helpers -------------------------------------------------------- */

static void seterr(char *err, size_t n, const char *msg)
{
	if (err && n)
		snprintf(err, n, "%s", msg);
}

__attribute__((format(printf, 3, 4)))
static void seterrf(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	if (!err || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

static void sb_cp(struct strbuf *b, uint32_t cp)
{
	char u[4];
	strbuf_add(b, u, text_utf8_encode(cp, u));
}

/* Only spaces, tabs and line breaks. */
static bool blank(const char *s)
{
	return s[strspn(s, " \t\n")] == '\0';
}

static bool ieq(const char *a, const char *b)
{
	return a && strcasecmp(a, b) == 0;
}

/* GMime keeps global tables; the desk is single-threaded when it first
 * reads mail, so a plain flag is enough. */
static GMimeParserOptions *gmime_ready(void)
{
	static GMimeParserOptions *po;
	static const char *fallback[] = {"utf-8", "windows-1252", NULL};
	if (!po) {
		g_mime_init();
		po = g_mime_parser_options_new();
		g_mime_parser_options_set_fallback_charsets(po, fallback);
		g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
	}
	return po;
}

/* --- charsets ------------------------------------------------------------- */

/* windows-1252's 0x80..0x9F; the rest of the byte range is Latin-1.  Used
 * for iso-8859-1 too: mail labelled Latin-1 is nearly always 1252. */
static const uint16_t CP1252[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void from_cp1252(const char *s, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			strbuf_putc(out, (char)c);
		else
			sb_cp(out, c < 0xA0 ? CP1252[c - 0x80] : c);
	}
}

/* iconv that never gives up halfway: a bad byte becomes U+FFFD, a
 * character cut at the end is dropped.  False when iconv does not know cs. */
static bool from_iconv(const char *cs, const char *s, size_t n, struct strbuf *out)
{
	GIConv cd = g_iconv_open("UTF-8", g_mime_charset_iconv_name(cs));
	if (cd == (GIConv)-1)
		return false;
	gchar *ip = (gchar *)s;
	gsize il = n;
	char tmp[4096];
	for (;;) {
		gchar *op = tmp;
		gsize ol = sizeof(tmp);
		gsize r = g_iconv(cd, il ? &ip : NULL, il ? &il : NULL, &op, &ol);
		strbuf_add(out, tmp, (size_t)(op - tmp));
		if (r != (gsize)-1 && !il)
			break;
		if (r != (gsize)-1 || errno == E2BIG)
			continue;
		if (errno != EILSEQ || !il)
			break;
		strbuf_puts(out, REPLACEMENT);
		ip++;
		il--;
	}
	g_iconv_close(cd);
	return true;
}

/* s[0..n) in charset cs (NULL: unlabelled) as UTF-8 (possibly holding
 * controls: sanitized later).  Never fails but for memory. */
static void to_utf8(const char *cs, const char *s, size_t n, struct strbuf *out)
{
	bool latin = ieq(cs, "iso-8859-1") || ieq(cs, "latin1") || ieq(cs, "iso8859-1")
		|| ieq(cs, "windows-1252") || ieq(cs, "cp1252");
	bool utf8 = !cs || !*cs || ieq(cs, "utf-8") || ieq(cs, "utf8") || ieq(cs, "us-ascii")
		|| ieq(cs, "ascii");
	if (latin)
		from_cp1252(s, n, out);
	else if (!utf8 && from_iconv(cs, s, n, out))
		return;
	else if (text_utf8_valid(s, n))
		strbuf_add(out, s, n);
	else
		from_cp1252(s, n, out);
}

/* --- HTML to text --------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t cp;
} ENTITIES[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	{"nbsp", ' '}, {"eacute", 0xE9}, {"egrave", 0xE8}, {"ecirc", 0xEA},
	{"euml", 0xEB}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2},
	{"auml", 0xE4}, {"ccedil", 0xE7}, {"icirc", 0xEE}, {"iuml", 0xEF},
	{"ocirc", 0xF4}, {"ouml", 0xF6}, {"ugrave", 0xF9}, {"ucirc", 0xFB},
	{"uuml", 0xFC}, {"yuml", 0xFF}, {"aelig", 0xE6}, {"oelig", 0x153},
	{"Eacute", 0xC9}, {"Egrave", 0xC8}, {"Ecirc", 0xCA}, {"Agrave", 0xC0},
	{"Acirc", 0xC2}, {"Ccedil", 0xC7}, {"Icirc", 0xCE}, {"Ocirc", 0xD4},
	{"Ugrave", 0xD9}, {"Ucirc", 0xDB}, {"OElig", 0x152}, {"laquo", 0xAB},
	{"raquo", 0xBB}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
	{"rdquo", 0x201D}, {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014},
	{"euro", 0x20AC}, {"copy", 0xA9}, {"reg", 0xAE}, {"deg", 0xB0},
	{"middot", 0xB7}, {"bull", 0x2022}, {"sect", 0xA7}, {"times", 0xD7},
};

/* Decodes the entity at s[0] == '&'; returns the bytes used (1 when it is
 * no entity: the '&' is then literal). */
static size_t html_entity(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 1;
	uint32_t cp = 0;
	if (i < n && s[i] == '#') {
		bool hex = ++i < n && (s[i] == 'x' || s[i] == 'X');
		i += hex;
		size_t start = i;
		while (i < n && i - start < 8 && (hex ? g_ascii_isxdigit(s[i]) : g_ascii_isdigit(s[i])))
			cp = cp * (hex ? 16 : 10) + (uint32_t)g_ascii_xdigit_value(s[i++]);
		if (i == start)
			return 1;
		if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		sb_cp(out, cp);
		return i < n && s[i] == ';' ? i + 1 : i;
	}
	while (i < n && i < 10 && g_ascii_isalnum(s[i]))
		i++;
	if (i >= n || s[i] != ';')
		return 1;
	for (size_t k = 0; k < G_N_ELEMENTS(ENTITIES); k++)
		if (strlen(ENTITIES[k].name) == i - 1 && memcmp(ENTITIES[k].name, s + 1, i - 1) == 0) {
			sb_cp(out, ENTITIES[k].cp);
			return i + 1;
		}
	return 1;
}

/* Where needle (lowercase) starts in s[0..n), case-insensitively; n if not. */
static size_t find_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (g_ascii_strncasecmp(s + i, needle, k) == 0)
			return i;
	return n;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* Skips the tag at s[0] == '<'; returns the bytes used, writing the line
 * break or space the tag stands for. */
static size_t html_tag(const char *s, size_t n, struct strbuf *out)
{
	static const char *const breaks_open[] = {"br", "hr", NULL};
	static const char *const breaks_close[] = {"p", "div", "li", "tr", "h1", "h2", "h3",
						   "h4", "h5", "h6", "table", "ul", "ol", NULL};
	if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
		size_t e = find_ci(s + 4, n - 4, "-->");
		return e == n - 4 ? n : 4 + e + 3;
	}
	size_t i = 1;
	bool closing = i < n && s[i] == '/';
	i += closing;
	char name[16];
	size_t k = 0;
	while (i < n && g_ascii_isalnum(s[i]) && k < sizeof(name) - 1)
		name[k++] = g_ascii_tolower(s[i++]);
	name[k] = '\0';
	if (!k && (i >= n || (s[i] != '!' && s[i] != '?'))) { /* "a < b" is text */
		strbuf_putc(out, '<');
		return 1;
	}
	const char *gt = memchr(s + i, '>', n - i);
	size_t end = gt ? (size_t)(gt - s) + 1 : n;
	if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0)) {
		char close[24];
		snprintf(close, sizeof(close), "</%s", name);
		size_t c = end + find_ci(s + end, n - end, close);
		const char *cgt = c < n ? memchr(s + c, '>', n - c) : NULL;
		return cgt ? (size_t)(cgt - s) + 1 : n;
	}
	if (name_in(name, closing ? breaks_close : breaks_open))
		strbuf_putc(out, '\n');
	else if (closing && (strcmp(name, "td") == 0 || strcmp(name, "th") == 0))
		strbuf_putc(out, ' ');
	return end;
}

/* Trims every line, keeps at most one blank line in a row, and none at the
 * start or the end. */
static char *tidy_lines(const char *s, size_t n)
{
	struct strbuf out = {0};
	int blanks = 0;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n, a = i, z = e;
		while (a < z && s[a] == ' ')
			a++;
		while (z > a && s[z - 1] == ' ')
			z--;
		if (a == z) {
			blanks++;
		} else {
			if (out.n)
				strbuf_puts(&out, blanks ? "\n\n" : "\n");
			strbuf_add(&out, s + a, z - a);
			blanks = 0;
		}
		i = e + 1;
	}
	return strbuf_take(&out);
}

/* The built-in stripper: text of the HTML, script and style dropped,
 * entities decoded, block ends as line breaks, spacing collapsed. */
static char *html_strip(const char *s, size_t n)
{
	struct strbuf out = {0};
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '<') {
			i += html_tag(s + i, n - i, &out);
		} else if (c == '&') {
			i += html_entity(s + i, n - i, &out);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
			if (out.n && out.p[out.n - 1] != ' ' && out.p[out.n - 1] != '\n')
				strbuf_putc(&out, ' ');
			i++;
		} else {
			strbuf_putc(&out, c);
			i++;
		}
	}
	if (out.bad) {
		free(out.p);
		return NULL;
	}
	char *r = tidy_lines(out.p ? out.p : "", out.n);
	free(out.p);
	return r;
}

/* --- HTML filter ---------------------------------------------------------- */

/* The text the filter command prints for html, or NULL when it could not
 * run, failed or took too long (spawn.h bounds the time, the output and
 * keeps SIGPIPE away from the desk). */
static char *html_filter(const char *cmd, const char *html, size_t len)
{
	char *out = NULL, why[256];
	size_t n = 0;
	if (spawn_pipe(cmd, html, len, FILTER_OUT_MAX, FILTER_MS, &out, &n, why, sizeof(why)) != 0 ||
	    !out || !n) {
		free(out);
		return NULL;
	}
	char *r = tidy_lines(out, n);
	free(out);
	return r;
}

/* --- the MIME tree -------------------------------------------------------- */

/* What a walk of the tree found; pointers borrowed from the message. */
struct walk {
	int visited;
	GMimePart *plain, *html;
	GMimeObject *att[MAIL_TEXT_ATTACHMENTS_MAX];
	int natt;
};

static bool is_type(GMimeObject *o, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	return ct && g_mime_content_type_is_type(ct, type, sub);
}

/* A part the agent saves rather than reads. */
static bool is_attachment(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
	if (d && g_mime_content_disposition_is_attachment(d))
		return true;
	if (g_mime_part_get_filename(GMIME_PART(o)))
		return true;
	return !is_type(o, "text", "plain") && !is_type(o, "text", "html");
}

static void walk(struct walk *w, GMimeObject *o, int depth)
{
	if (!o || depth > MAIL_TEXT_DEPTH_MAX || w->visited >= MAIL_TEXT_PARTS_MAX)
		return;
	w->visited++;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n && w->visited < MAIL_TEXT_PARTS_MAX; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o) || (GMIME_IS_PART(o) && is_attachment(o))) {
		if (w->natt < MAIL_TEXT_ATTACHMENTS_MAX)
			w->att[w->natt++] = o;
	} else if (GMIME_IS_PART(o)) {
		GMimePart **slot = is_type(o, "text", "plain") ? &w->plain : &w->html;
		if (!*slot)
			*slot = GMIME_PART(o);
	}
}

/* The decoded bytes of a part or an attached message, in a mem stream the
 * caller unrefs (NULL when it has no content). */
static GMimeStream *decoded(GMimeObject *o)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	} else {
		GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(o));
		if (dw)
			g_mime_data_wrapper_write_to_stream(dw, mem);
	}
	return mem;
}

static size_t decoded_size(GMimeObject *o)
{
	GMimeStream *mem = decoded(o);
	size_t n = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem))->len;
	g_object_unref(mem);
	return n;
}

/* The text of b as a C string: a NUL byte (UTF-16 mislabelled, binary
 * junk) would end it early, so it becomes U+FFFD like other controls. */
static char *nul_free(struct strbuf *b)
{
	if (b->bad || !b->p || !memchr(b->p, '\0', b->n))
		return strbuf_take(b);
	struct strbuf out = {0};
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i])
			strbuf_putc(&out, b->p[i]);
		else
			strbuf_puts(&out, REPLACEMENT);
	free(b->p);
	return strbuf_take(&out);
}

/* The part's text in UTF-8, its raw bytes cut at `cap` (*cut set then). */
static char *part_text(GMimePart *p, size_t cap, bool *cut)
{
	GMimeStream *mem = decoded(GMIME_OBJECT(p));
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	size_t n = ba->len;
	struct strbuf out = {0};
	if (n > cap) {
		*cut = true;
		n = cap;
		for (int k = 0; k < 3 && n && ((ba->data[n] & 0xC0) == 0x80); k++)
			n--;
	}
	to_utf8(g_mime_object_get_content_type_parameter(GMIME_OBJECT(p), "charset"),
		(const char *)ba->data, n, &out);
	g_object_unref(mem);
	return nul_free(&out);
}

/* Tabs to spaces (8 columns, counting characters), so sanitizing does not
 * squash a table into single spaces. */
static char *expand_tabs(const char *s, size_t n)
{
	struct strbuf out = {0};
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\t') {
			do
				strbuf_putc(&out, ' ');
			while (++col % 8);
			continue;
		}
		strbuf_putc(&out, s[i]);
		if (s[i] == '\n')
			col = 0;
		else if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	}
	return strbuf_take(&out);
}

/* Terminal-safe body, trailing blank space dropped, cut at max bytes (on a
 * character boundary) with the mark of the cut. */
static char *body_final(const char *text, size_t max, bool cut)
{
	char *tabs = expand_tabs(text, strlen(text));
	if (!tabs)
		return NULL;
	char *s = text_sanitize(tabs, strlen(tabs), TEXT_KEEP_NEWLINES);
	free(tabs);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n > max) {
		cut = true;
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	s[n] = '\0';
	if (!cut)
		return s;
	struct strbuf out = {.p = s, .n = n, .cap = strlen(s) + 1};
	strbuf_puts(&out, "\n[…]");
	return strbuf_take(&out);
}

static char *body_text(const struct walk *w, const struct mail_text_opts *o, bool *html)
{
	size_t max = o && o->body_max ? o->body_max : MAIL_TEXT_BODY_DEFAULT;
	size_t cap = max > SIZE_MAX / 8 ? SIZE_MAX / 2 : max * 4;
	bool cut = false;
	*html = !w->plain && w->html;
	if (!w->plain && !w->html)
		return strdup("");
	char *raw = part_text(*html ? w->html : w->plain, *html ? cap * 2 : cap, &cut);
	if (!raw)
		return NULL;
	if (*html) {
		char *t = NULL;
		if (o && o->html_filter && *o->html_filter)
			t = html_filter(o->html_filter, raw, strlen(raw));
		if (t && blank(t)) { /* a filter that printed nothing did not understand */
			free(t);
			t = NULL;
		}
		if (!t)
			t = html_strip(raw, strlen(raw));
		free(raw);
		if (!(raw = t))
			return NULL;
	}
	char *r = body_final(raw, max, cut);
	free(raw);
	return r;
}

/* --- the JSON ------------------------------------------------------------- */

static void put_str(json_t *obj, const char *key, const char *s)
{
	char *clean = text_sanitize(s ? s : "", s ? strlen(s) : 0, 0);
	json_object_set_new(obj, key, clean ? json_string(clean) : json_string(""));
	free(clean);
}

static void put_owned(json_t *obj, const char *key, char *s)
{
	put_str(obj, key, s);
	g_free(s);
}

static InternetAddressMailbox *first_mailbox(InternetAddressList *l, int depth)
{
	int n = l ? internet_address_list_length(l) : 0;
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			return INTERNET_ADDRESS_MAILBOX(a);
		if (INTERNET_ADDRESS_IS_GROUP(a) && depth < 2) {
			InternetAddressMailbox *m = first_mailbox(
				internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1);
			if (m)
				return m;
		}
	}
	return NULL;
}

static const char *mailbox_addr(InternetAddressMailbox *m)
{
	const char *a = m ? internet_address_mailbox_get_addr(m) : NULL;
	return a ? a : "";
}

static void put_from(json_t *obj, GMimeMessage *m)
{
	InternetAddressMailbox *mb = first_mailbox(g_mime_message_get_from(m), 0);
	const char *name = mb ? internet_address_get_name(INTERNET_ADDRESS(mb)) : NULL;
	char *addr = g_ascii_strdown(mailbox_addr(mb), -1);
	char *shown = name && *name && *addr ? g_strdup_printf("%s <%s>", name, addr)
					      : g_strdup(name && *name ? name : addr);
	put_owned(obj, "from", shown);
	put_str(obj, "from_name", name);
	put_owned(obj, "from_addr", addr);
	mb = first_mailbox(g_mime_message_get_reply_to(m), 0);
	put_owned(obj, "reply_to", g_ascii_strdown(mailbox_addr(mb), -1));
}

static void put_list(json_t *obj, const char *key, InternetAddressList *l)
{
	put_owned(obj, key, l ? internet_address_list_to_string(l, NULL, FALSE) : NULL);
}

static char *bracketed(const char *id)
{
	return id && *id ? g_strdup_printf("<%s>", id) : g_strdup("");
}

static void put_ids(json_t *obj, GMimeMessage *m)
{
	GMimeObject *mo = GMIME_OBJECT(m);
	const char *irt_h = g_mime_object_get_header(mo, "In-Reply-To");
	const char *refs_h = g_mime_object_get_header(mo, "References");
	GMimeReferences *irt = irt_h ? g_mime_references_parse(NULL, irt_h) : NULL;
	GMimeReferences *refs = refs_h ? g_mime_references_parse(NULL, refs_h) : NULL;
	int n = refs ? g_mime_references_length(refs) : 0;
	json_t *arr = json_array();
	put_owned(obj, "message_id", bracketed(g_mime_message_get_message_id(m)));
	bool has_irt = irt && g_mime_references_length(irt) > 0;
	put_owned(obj, "in_reply_to",
		  bracketed(has_irt ? g_mime_references_get_message_id(irt, 0) : NULL));
	for (int i = n > MAIL_TEXT_REFERENCES_MAX ? n - MAIL_TEXT_REFERENCES_MAX : 0; i < n; i++) {
		char *id = bracketed(g_mime_references_get_message_id(refs, i));
		char *clean = text_sanitize(id, strlen(id), 0);
		if (clean && *clean)
			json_array_append_new(arr, json_string(clean));
		free(clean);
		g_free(id);
	}
	json_object_set_new(obj, "references", arr);
	if (irt)
		g_mime_references_free(irt);
	if (refs)
		g_mime_references_free(refs);
}

static void put_attachments(json_t *obj, const struct walk *w)
{
	json_t *arr = json_array();
	for (int i = 0; i < w->natt; i++) {
		GMimeObject *a = w->att[i];
		json_t *e = json_object();
		GMimeContentType *ct = g_mime_object_get_content_type(a);
		json_object_set_new(e, "n", json_integer(i + 1));
		put_str(e, "filename",
			GMIME_IS_PART(a) ? g_mime_part_get_filename(GMIME_PART(a))
					 : g_mime_object_get_content_disposition_parameter(a, "filename"));
		put_owned(e, "type", ct ? g_mime_content_type_get_mime_type(ct) : NULL);
		json_object_set_new(e, "size", json_integer((json_int_t)decoded_size(a)));
		json_array_append_new(arr, e);
	}
	json_object_set_new(obj, "attachments", arr);
}

/* GMime builds every part before we look at any: a million tiny parts
 * would cost seconds and a gigabyte.  The text is cut before the
 * BOUNDARY_LINES_MAX-th line starting with "--" (base64 never has one),
 * far more than the parts we visit, so only a hostile message loses
 * anything (its tail). */
static size_t parse_len(const char *buf, size_t len)
{
	size_t seen = 0;
	for (const char *p = buf, *end = buf + len; p && p + 2 <= end;) {
		if (p[0] == '-' && p[1] == '-' && ++seen > BOUNDARY_LINES_MAX)
			return (size_t)(p - buf);
		p = memchr(p, '\n', (size_t)(end - p));
		p = p ? p + 1 : NULL;
	}
	return len;
}

/* The message in buf, or NULL; the caller unrefs it. */
static GMimeMessage *message_load(const char *buf, size_t len)
{
	GMimeParserOptions *po = gmime_ready();
	len = buf ? parse_len(buf, len) : 0;
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(buf ? buf : "", len);
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, po);
	g_object_unref(p);
	g_object_unref(st);
	return m;
}

json_t *mail_text_parse(const char *buf, size_t len, const struct mail_text_opts *o,
			char *err, size_t errlen)
{
	GMimeMessage *m = len ? message_load(buf, len) : NULL;
	struct walk w = {0};
	bool html = false;
	if (!m) {
		seterr(err, errlen, _("Message illisible (vide ou mal formé)"));
		return NULL;
	}
	walk(&w, g_mime_message_get_mime_part(m), 0);
	char *body = body_text(&w, o, &html);
	json_t *obj = body ? json_object() : NULL;
	if (!obj) {
		seterr(err, errlen, _("Mémoire insuffisante pour lire le message"));
		free(body);
		g_object_unref(m);
		return NULL;
	}
	GDateTime *d = g_mime_message_get_date(m);
	gint64 t = d ? g_date_time_to_unix(d) : 0;
	put_ids(obj, m);
	put_from(obj, m);
	put_list(obj, "to", g_mime_message_get_to(m));
	put_list(obj, "cc", g_mime_message_get_cc(m));
	put_str(obj, "subject", g_mime_message_get_subject(m));
	json_object_set_new(obj, "date", json_integer(t > 0 ? t : 0));
	json_object_set_new(obj, "body", json_string(body));
	json_object_set_new(obj, "html", json_boolean(html));
	put_attachments(obj, &w);
	free(body);
	g_object_unref(m);
	return obj;
}

/* --- files ---------------------------------------------------------------- */

/* The whole file (malloc'd, NUL-terminated) or NULL with err. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		seterrf(err, errlen, _("Impossible de lire le message %s : %s"), path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		seterrf(err, errlen, _("%s n'est pas un fichier de message"), path);
		goto fail;
	}
	if (st.st_size > MAIL_TEXT_FILE_MAX) {
		seterrf(err, errlen, _("Message trop gros (%lld Mo, au plus %d Mo) : %s"),
			(long long)(st.st_size >> 20), MAIL_TEXT_FILE_MAX >> 20, path);
		goto fail;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		seterr(err, errlen, _("Mémoire insuffisante pour lire le message"));
		goto fail;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			seterrf(err, errlen, _("Impossible de lire le message %s : %s"), path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

json_t *mail_text_file(const char *path, const struct mail_text_opts *o, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = slurp(path, &len, err, errlen);
	if (!buf)
		return NULL;
	json_t *r = mail_text_parse(buf, len, o, err, errlen);
	free(buf);
	return r;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int mail_text_save_part(const char *path, int n, const char *dest, char *err, size_t errlen)
{
	size_t len = 0;
	char *buf = slurp(path, &len, err, errlen);
	GMimeMessage *m = buf && len ? message_load(buf, len) : NULL;
	struct walk w = {0};
	int rc = -1, fd = -1;
	if (!m) {
		if (buf)
			seterr(err, errlen, _("Message illisible (vide ou mal formé)"));
		goto done;
	}
	walk(&w, g_mime_message_get_mime_part(m), 0);
	if (n < 1 || n > w.natt) {
		seterrf(err, errlen, _("Pas de pièce jointe n° %d dans ce message"), n);
		goto done;
	}
	fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		seterrf(err, errlen, _("Impossible de créer %s : %s"), dest, strerror(errno));
		goto done;
	}
	GMimeStream *mem = decoded(w.att[n - 1]);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	rc = write_all(fd, ba->data, ba->len);
	g_object_unref(mem);
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0) {
		seterrf(err, errlen, _("Impossible d'écrire %s : %s"), dest, strerror(errno));
		unlink(dest);
	}
done:
	if (m)
		g_object_unref(m);
	free(buf);
	return rc;
}

/* --- the reply draft ------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* s on one line: tabs and line breaks become spaces, every other control
 * (C0, DEL, C1) goes, spaces are collapsed and trimmed.  A value that
 * cannot start a new header line. */
static char *header_clean(const char *s)
{
	struct strbuf out = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
			i++;
			continue;
		}
		unsigned char c = p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : p[i];
		if (c < 0x20 || c == 0x7F)
			continue;
		if (c == ' ' && (!out.n || out.p[out.n - 1] == ' '))
			continue;
		strbuf_putc(&out, (char)c);
	}
	while (out.n && out.p[out.n - 1] == ' ')
		out.p[--out.n] = '\0';
	return strbuf_take(&out);
}

static void sb_header(struct strbuf *b, const char *name, const char *value)
{
	char *v = header_clean(value);
	if (!v) {
		b->bad = true;
		return;
	}
	strbuf_puts(b, name);
	strbuf_puts(b, ": ");
	strbuf_puts(b, v);
	strbuf_putc(b, '\n');
	free(v);
}

/* The subject without its leading "Re:"/"Aw:" (any case, "Re[2]:" too). */
static const char *strip_re(const char *s)
{
	for (;;) {
		while (*s == ' ')
			s++;
		const char *p = s;
		if (g_ascii_strncasecmp(p, "re", 2) != 0 && g_ascii_strncasecmp(p, "aw", 2) != 0)
			return s;
		p += 2;
		if (*p == '[') {
			while (g_ascii_isdigit(*++p))
				;
			if (*p++ != ']')
				return s;
		}
		while (*p == ' ')
			p++;
		if (*p != ':')
			return s;
		s = p + 1;
	}
}

/* "Name <addr>", the name quoted when it holds a character with a meaning
 * in an address. */
static void sb_address(struct strbuf *b, const char *name, const char *addr)
{
	if (!*name) {
		strbuf_puts(b, addr);
		return;
	}
	if (strpbrk(name, "()<>[]:;@\\,.\"")) {
		strbuf_putc(b, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_putc(b, '\\');
			strbuf_putc(b, *p);
		}
		strbuf_putc(b, '"');
	} else {
		strbuf_puts(b, name);
	}
	strbuf_puts(b, " <");
	strbuf_puts(b, addr);
	strbuf_putc(b, '>');
}

static void draft_to(struct strbuf *b, const json_t *msg)
{
	struct strbuf v = {0};
	char *name = header_clean(jstr(msg, "from_name"));
	if (*jstr(msg, "reply_to"))
		strbuf_puts(&v, jstr(msg, "reply_to"));
	else if (name)
		sb_address(&v, name, jstr(msg, "from_addr"));
	sb_header(b, "To", v.p ? v.p : "");
	free(v.p);
	free(name);
}

static void draft_refs(struct strbuf *b, const json_t *msg)
{
	const json_t *refs = json_object_get(msg, "references");
	const char *ids[MAIL_TEXT_REFERENCES_MAX + 1];
	size_t n = 0;
	struct strbuf v = {0};
	for (size_t i = 0; i < json_array_size(refs) && n < MAIL_TEXT_REFERENCES_MAX; i++)
		if (json_string_value(json_array_get(refs, i)))
			ids[n++] = json_string_value(json_array_get(refs, i));
	if (*jstr(msg, "message_id"))
		ids[n++] = jstr(msg, "message_id");
	for (size_t i = n > DRAFT_REFS_MAX ? n - DRAFT_REFS_MAX : 0; i < n; i++) {
		if (v.n)
			strbuf_putc(&v, ' ');
		strbuf_puts(&v, ids[i]);
	}
	if (v.n)
		sb_header(b, "References", v.p);
	free(v.p);
}

/* "Le 3 décembre 2026 à 14:05, Name a écrit :" in Paris time. */
static void attribution(struct strbuf *b, const json_t *msg)
{
	static const char *const months[12] = {"janvier", "février", "mars", "avril", "mai", "juin",
		"juillet", "août", "septembre", "octobre", "novembre", "décembre"};
	json_int_t t = json_integer_value(json_object_get(msg, "date"));
	const char *who = *jstr(msg, "from_name") ? jstr(msg, "from_name") : jstr(msg, "from_addr");
	char *name = header_clean(who), line[160];
	if (t > 0 && t < (json_int_t)1 << 40) {
		int64_t local = (int64_t)t + cal_paris_offset((int64_t)t);
		int y, mo, d;
		cal_civil_from_days(local / 86400, &y, &mo, &d);
		snprintf(line, sizeof(line), "Le %d %s %d à %02d:%02d, ", d, months[mo - 1], y,
			 (int)(local % 86400 / 3600), (int)(local % 3600 / 60));
		strbuf_puts(b, line);
	}
	/* the citizen reads this line, in French whatever the desk speaks */
	strbuf_puts(b, name && *name ? name : "l'usager");
	strbuf_puts(b, " a écrit :");
	strbuf_putc(b, '\n');
	free(name);
}

static void quote_body(struct strbuf *b, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\n");
		strbuf_puts(b, n && !(n == 1 && s[0] == '\r') ? "> " : ">");
		for (size_t i = 0; i < n; i++)
			if (s[i] != '\r')
				strbuf_putc(b, s[i]);
		strbuf_putc(b, '\n');
		s += n + (s[n] == '\n');
	}
}

char *mail_text_reply_draft(const json_t *msg, const char *from, const char *body_top)
{
	struct strbuf b = {0};
	char *subject = header_clean(strip_re(jstr(msg, "subject")));
	sb_header(&b, "From", from);
	draft_to(&b, msg);
	strbuf_puts(&b, "Subject: Re: ");
	strbuf_puts(&b, subject ? subject : "");
	strbuf_putc(&b, '\n');
	free(subject);
	if (*jstr(msg, "message_id"))
		sb_header(&b, "In-Reply-To", jstr(msg, "message_id"));
	draft_refs(&b, msg);
	strbuf_puts(&b, "\n");
	if (body_top) {
		size_t n = strlen(body_top);
		while (n && body_top[n - 1] == '\n')
			n--;
		strbuf_add(&b, body_top, n);
		strbuf_putc(&b, '\n');
	}
	strbuf_putc(&b, '\n');
	attribution(&b, msg);
	quote_body(&b, jstr(msg, "body"));
	return b.bad ? (free(b.p), NULL) : b.p;
}

/* --- the message to send -------------------------------------------------- */

enum { H_FROM, H_TO, H_CC, H_BCC, H_SUBJECT, H_IRT, H_REFS, H_COUNT };
static const char *const KEPT[H_COUNT] = {"From", "To", "Cc", "Bcc", "Subject", "In-Reply-To",
					  "References"};

struct draft {
	char *h[H_COUNT];
	const char *body; /* into the normalized copy */
};

static void draft_free(struct draft *d)
{
	for (int i = 0; i < H_COUNT; i++)
		free(d->h[i]);
}

/* Adds value to header k; address headers given twice add up. */
static int draft_set(struct draft *d, int k, const char *v, size_t n)
{
	struct strbuf b = {0};
	if (d->h[k] && k <= H_BCC) {
		strbuf_puts(&b, d->h[k]);
		strbuf_puts(&b, ", ");
	}
	strbuf_add(&b, v, n);
	free(d->h[k]);
	d->h[k] = strbuf_take(&b);
	return d->h[k] ? 0 : -1;
}

/* Splits the LF-only text s into the kept headers and the body. */
static int draft_split(char *s, struct draft *d, char *err, size_t errlen)
{
	int last = -1;
	while (*s && *s != '\n') {
		char *nl = strchr(s, '\n'), *end = nl ? nl : s + strlen(s);
		if (*s == ' ' || *s == '\t') {
			if (last >= 0) {
				char *joined = g_strdup_printf("%s %.*s", d->h[last], (int)(end - s), s);
				free(d->h[last]);
				d->h[last] = strdup(joined);
				g_free(joined);
			}
		} else {
			char *colon = memchr(s, ':', (size_t)(end - s));
			if (!colon) {
				seterrf(err, errlen, _("Ligne d'en-tête invalide dans le brouillon : %.*s"),
					(int)(end - s > 60 ? 60 : end - s), s);
				return -1;
			}
			char *name = g_strstrip(g_strndup(s, (size_t)(colon - s)));
			last = -1;
			for (int k = 0; k < H_COUNT; k++)
				if (g_ascii_strcasecmp(name, KEPT[k]) == 0)
					last = k;
			g_free(name);
			if (last >= 0 && draft_set(d, last, colon + 1, (size_t)(end - colon - 1)) < 0)
				return -1;
		}
		s = nl ? nl + 1 : end;
	}
	d->body = *s ? s + 1 : s;
	return 0;
}

/* The header list in value, RFC 2047-encoded, or NULL when it holds no
 * address GMime can read. */
static char *addresses_encoded(const char *value)
{
	InternetAddressList *l = internet_address_list_parse(gmime_ready(), value);
	char *r = NULL;
	if (l && internet_address_list_length(l) > 0) {
		char *s = internet_address_list_to_string(l, NULL, TRUE);
		r = s ? header_clean(s) : NULL;
		g_free(s);
	}
	if (l)
		g_object_unref(l);
	return r;
}

/* The domain of the first From address (letters, digits, '.', '-'). */
static char *from_domain(const char *value)
{
	InternetAddressList *l = internet_address_list_parse(gmime_ready(), value);
	const char *addr = mailbox_addr(first_mailbox(l, 0)), *at = strrchr(addr, '@');
	struct strbuf b = {0};
	for (const char *p = at ? at + 1 : ""; *p && b.n < 200; p++)
		if (g_ascii_isalnum(*p) || *p == '.' || *p == '-')
			strbuf_putc(&b, *p);
	if (l)
		g_object_unref(l);
	if (!b.n) {
		free(b.p);
		return NULL;
	}
	return strbuf_take(&b);
}

/* "Name: value" folded at spaces to about 78 columns. */
static void sb_folded(struct strbuf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	strbuf_puts(b, name);
	strbuf_puts(b, ": ");
	while (*value) {
		size_t w = strcspn(value + 1, " ") + 1;
		if (*value == ' ' && col + w > HEADER_FOLD && col > strlen(name) + 2) {
			strbuf_puts(b, "\n");
			col = 0;
		}
		strbuf_add(b, value, w);
		col += w;
		value += w;
	}
	strbuf_putc(b, '\n');
}

/* Message ids only: printable ASCII and spaces. */
static char *ids_clean(const char *s)
{
	struct strbuf b = {0};
	for (; *s; s++)
		if ((*s >= 0x21 && *s <= 0x7E) || (*s == ' ' && b.n && b.p[b.n - 1] != ' '))
			strbuf_putc(&b, *s);
	return strbuf_take(&b);
}

static void rfc5322_date(char *out, size_t n, time_t t)
{
	static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff / 60;
	snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* The address headers, encoded; -1 with err for one GMime cannot read. */
static int put_addresses(struct strbuf *b, struct draft *d, char *err, size_t errlen)
{
	for (int k = H_FROM; k <= H_BCC; k++) {
		char *v = d->h[k] ? header_clean(d->h[k]) : NULL;
		char *enc = v && *v ? addresses_encoded(v) : NULL;
		if (v && *v && !enc) {
			seterrf(err, errlen, _("Adresse illisible dans %s : %s"), KEPT[k], v);
			free(v);
			return -1;
		}
		if (enc)
			sb_folded(b, KEPT[k], enc);
		free(enc);
		free(v);
	}
	return 0;
}

static void put_subject_ids(struct strbuf *b, struct draft *d)
{
	char *subj = header_clean(d->h[H_SUBJECT] ? d->h[H_SUBJECT] : "");
	if (subj && *subj) {
		char *enc = g_mime_utils_header_encode_text(NULL, subj, "utf-8");
		char *one = enc ? header_clean(enc) : NULL;
		if (one)
			sb_folded(b, "Subject", one);
		free(one);
		g_free(enc);
	}
	free(subj);
	for (int k = H_IRT; k <= H_REFS; k++) {
		char *v = d->h[k] ? ids_clean(d->h[k]) : NULL;
		if (v && *v)
			sb_folded(b, KEPT[k], v);
		free(v);
	}
}

static bool has_long_line(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\n");
		if (n > LINE_MAX_SMTP)
			return true;
		if (!s[n])
			return false;
		s += n + 1;
	}
}

static void put_body(struct strbuf *b, const char *body, size_t n)
{
	bool qp = has_long_line(body);
	strbuf_puts(b, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n");
	strbuf_puts(b, qp ? "Content-Transfer-Encoding: quoted-printable\n\n"
		      : "Content-Transfer-Encoding: 8bit\n\n");
	if (!qp) {
		strbuf_add(b, body, n);
		strbuf_putc(b, '\n');
		return;
	}
	GMimeEncoding enc;
	g_mime_encoding_init_encode(&enc, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	char *out = malloc(g_mime_encoding_outlen(&enc, n + 1) + 16);
	if (!out) {
		b->bad = true;
		return;
	}
	char *in = g_strdup_printf("%.*s\n", (int)n, body);
	strbuf_add(b, out, g_mime_encoding_flush(&enc, in, n + 1, out));
	g_free(in);
	free(out);
}

/* Headers and body of the message to send, from the split draft. */
static char *draft_message(struct draft *d, char *msgid_out, char *err, size_t errlen)
{
	struct strbuf b = {0};
	char *domain = d->h[H_FROM] ? from_domain(d->h[H_FROM]) : NULL;
	unsigned char rnd[8];
	char hex[17], date[64];
	size_t n = strlen(d->body);
	if (!domain) {
		seterr(err, errlen, _("Le brouillon n'a pas d'expéditeur (From:) valable"));
		return NULL;
	}
	if (sodium_init() < 0) {
		seterr(err, errlen, _("Générateur aléatoire indisponible"));
		free(domain);
		return NULL;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(msgid_out, 256, "<guichet.%lld.%s@%s>", (long long)time(NULL), hex, domain);
	free(domain);
	rfc5322_date(date, sizeof(date), time(NULL));
	if (put_addresses(&b, d, err, errlen) < 0) {
		free(b.p);
		return NULL;
	}
	put_subject_ids(&b, d);
	sb_header(&b, "Date", date);
	sb_header(&b, "Message-ID", msgid_out);
	while (n && (d->body[n - 1] == '\n' || d->body[n - 1] == ' ' || d->body[n - 1] == '\t'))
		n--;
	put_body(&b, d->body, n);
	if (b.bad)
		seterr(err, errlen, _("Mémoire insuffisante pour préparer le message"));
	return b.bad ? (free(b.p), NULL) : b.p;
}

/* The draft with CR dropped, or NULL (err set) when it is not UTF-8 text. */
static char *draft_normalize(const char *draft, size_t len, char *err, size_t errlen)
{
	if (!draft || memchr(draft, '\0', len) || !text_utf8_valid(draft, len)) {
		seterr(err, errlen, _("Le brouillon n'est pas du texte UTF-8"));
		return NULL;
	}
	char *s = malloc(len + 1);
	size_t o = 0;
	if (!s) {
		seterr(err, errlen, _("Mémoire insuffisante pour préparer le message"));
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		if (draft[i] != '\r')
			s[o++] = draft[i];
	s[o] = '\0';
	return s;
}

char *mail_text_finish_draft(const char *draft, size_t len, char *msgid_out, size_t *len_out,
			     char *err, size_t errlen)
{
	struct draft d = {0};
	char *msg = NULL, *s = draft_normalize(draft, len, err, errlen);
	if (!s || draft_split(s, &d, err, errlen) < 0)
		goto done;
	char *to = d.h[H_TO] ? header_clean(d.h[H_TO]) : NULL;
	bool no_to = !to || !*to;
	free(to);
	if (no_to)
		seterr(err, errlen, _("Le brouillon n'a pas de destinataire (To:)"));
	else if (blank(d.body))
		seterr(err, errlen, _("Le brouillon n'a pas de texte"));
	else if ((msg = draft_message(&d, msgid_out, err, errlen)) && len_out)
		*len_out = strlen(msg);
done:
	draft_free(&d);
	free(s);
	return msg;
}
