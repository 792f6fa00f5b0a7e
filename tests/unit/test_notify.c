/* Unit tests: the notification sequences, byte for byte for each method,
 * tmux's passthrough, and hostile titles and bodies (escape sequences,
 * C1 controls, bidi overrides, separators, malformed UTF-8, oversized
 * text) that must never reach the terminal as anything but plain text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "client/notify.h"
#include "core/text.h"

#define FFFD     "\xEF\xBF\xBD"
#define ELLIPSIS "\xE2\x80\xA6"

static char out[4096];

/* Format into out and check the count matches the NUL-terminated text. */
static const char *fmt(enum notify_method m, bool tmux, const char *t, const char *b)
{
	memset(out, 'X', sizeof(out));
	int n = notify_format(m, tmux, t, b, out, sizeof(out));
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

/* The field between `after` and the next `end` byte of out. */
static char *field(const char *s, const char *after, char end)
{
	static char f[1024];
	const char *p = strstr(s, after);
	assert_non_null(p);
	p += strlen(after);
	const char *q = strchr(p, end);
	assert_non_null(q);
	assert_true((size_t)(q - p) < sizeof(f));
	memcpy(f, p, (size_t)(q - p));
	f[q - p] = '\0';
	return f;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	for (const char *p = strstr(s, needle); p; p = strstr(p + k, needle))
		n++;
	return n;
}

static void test_method_names(void **state)
{
	(void)state;
	static const char *const names[] = { "none", "bell", "osc9", "osc777", "osc99" };
	for (int i = 0; i < 5; i++) {
		assert_int_equal(notify_method_parse(names[i]), i);
		assert_string_equal(notify_method_name((enum notify_method)i), names[i]);
	}
	assert_int_equal(notify_method_parse("OSC9"), -1);
	assert_int_equal(notify_method_parse("osc"), -1);
	assert_int_equal(notify_method_parse(""), -1);
	assert_int_equal(notify_method_parse(NULL), -1);
	assert_string_equal(notify_method_name((enum notify_method)42), "none");
}

static void test_exact_bytes(void **state)
{
	(void)state;
	const char *t = "Chat offert", *b = "Mme Dupont: délai, réponse";
	assert_string_equal(fmt(NOTIFY_NONE, false, t, b), "");
	assert_string_equal(fmt(NOTIFY_BELL, false, t, b), "\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, t, b),
			    "\033]9;Chat offert: Mme Dupont: délai, réponse\a");
	assert_string_equal(fmt(NOTIFY_OSC777, false, t, b),
			    "\033]777;notify;Chat offert;Mme Dupont: délai, réponse\a");
	assert_string_equal(fmt(NOTIFY_OSC99, false, t, b),
			    "\033]99;i=1:d=0;Chat offert\033\\"
			    "\033]99;i=1:d=1:p=body;Mme Dupont: délai, réponse\033\\");
	/* OSC 9 has one text: no dangling ": " when a part is missing */
	assert_string_equal(fmt(NOTIFY_OSC9, false, t, ""), "\033]9;Chat offert\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, NULL, b),
			    "\033]9;Mme Dupont: délai, réponse\a");
	assert_string_equal(fmt(NOTIFY_OSC777, false, NULL, NULL), "\033]777;notify;;\a");
	/* an unknown method writes nothing */
	assert_int_equal(notify_format((enum notify_method)9, false, t, b, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_tmux(void **state)
{
	(void)state;
	assert_string_equal(fmt(NOTIFY_OSC9, true, "Appel", "0612"),
			    "\033Ptmux;\033\033]9;Appel: 0612\a\033\\");
	assert_string_equal(fmt(NOTIFY_OSC777, true, "Appel", "0612"),
			    "\033Ptmux;\033\033]777;notify;Appel;0612\a\033\\");
	assert_string_equal(fmt(NOTIFY_OSC99, true, "Appel", "0612"),
			    "\033Ptmux;"
			    "\033\033]99;i=1:d=0;Appel\033\033\\"
			    "\033\033]99;i=1:d=1:p=body;0612\033\033\\"
			    "\033\\");
	/* tmux rings the bell itself; nothing to pass through */
	assert_string_equal(fmt(NOTIFY_BELL, true, "Appel", "0612"), "\a");
	assert_string_equal(fmt(NOTIFY_NONE, true, "Appel", "0612"), "");
}

/* Inside the passthrough every ESC but the final ST's is doubled: undouble
 * and the bare sequence comes back. */
static void test_tmux_undoubles(void **state)
{
	(void)state;
	const char *t = "Alerte \033]52;c;eA==\a SLA", *b = "dossier 2026-000123";
	for (int m = NOTIFY_OSC9; m <= NOTIFY_OSC99; m++) {
		char bare[1024], wrapped[1024], undone[1024];
		size_t k = 0;
		int nb = notify_format((enum notify_method)m, false, t, b, bare, sizeof(bare));
		int nw = notify_format((enum notify_method)m, true, t, b, wrapped, sizeof(wrapped));
		assert_true(nb > 0);
		assert_true(nw > nb);
		assert_memory_equal(wrapped, "\033Ptmux;", 7);
		assert_memory_equal(wrapped + nw - 2, "\033\\", 2);
		for (int i = 7; i < nw - 2; i++) {
			if (wrapped[i] == '\033') {
				assert_int_equal(wrapped[i + 1], '\033');
				i++;
			}
			undone[k++] = wrapped[i];
		}
		assert_int_equal(k, (size_t)nb);
		assert_memory_equal(undone, bare, k);
	}
}

/* Everything a citizen could type to take over the agent's terminal. */
static const char hostile_title[] =
	"Appel\033]52;c;cm0gLXJmIH4K\a urgent\xC2\x9B" "31m;\xE2\x80\xAEtxt.exe";
static const char hostile_body[] =
	"x\033[2J\033[H\x07y\x7F\x1B\\z\xC2\x9D" "8;;http://evil\xC2\x9C w\xE2\x81\xA6";

static void test_hostile(void **state)
{
	(void)state;
	const char *s = fmt(NOTIFY_OSC777, false, hostile_title, hostile_body);
	assert_string_equal(s, "\033]777;notify;Appel]52,c,cm0gLXJmIH4K urgent31m,txt.exe;"
			       "x[2J[Hy\\z8;;http://evil w\a");
	s = fmt(NOTIFY_OSC9, false, hostile_title, hostile_body);
	assert_string_equal(s, "\033]9;Appel]52;c;cm0gLXJmIH4K urgent31m;txt.exe: "
			       "x[2J[Hy\\z8;;http://evil w\a");
	s = fmt(NOTIFY_OSC99, false, hostile_title, hostile_body);
	assert_string_equal(s, "\033]99;i=1:d=0;Appel]52;c;cm0gLXJmIH4K urgent31m;txt.exe\033\\"
			       "\033]99;i=1:d=1:p=body;x[2J[Hy\\z8;;http://evil w\033\\");

	/* whatever the method, only the template's own ESC and BEL remain */
	static const size_t esc[] = { 0, 0, 1, 1, 4 }, bel[] = { 0, 1, 1, 1, 0 };
	for (int m = NOTIFY_NONE; m <= NOTIFY_OSC99; m++) {
		s = fmt((enum notify_method)m, false, hostile_title, hostile_body);
		assert_int_equal(count(s, "\033"), esc[m]);
		assert_int_equal(count(s, "\a"), bel[m]);
		assert_null(strstr(s, "\xC2\x9B")); /* C1 CSI */
		assert_null(strstr(s, "\xC2\x9D")); /* C1 OSC */
		assert_null(strstr(s, "\xC2\x9C")); /* C1 ST */
		assert_null(strstr(s, "\xE2\x80\xAE")); /* RIGHT-TO-LEFT OVERRIDE */
		assert_null(strstr(s, "\xE2\x81\xA6")); /* LEFT-TO-RIGHT ISOLATE */
		assert_null(strstr(s, "\x7F"));
		assert_null(strstr(s, FFFD)); /* controls are dropped, not shown */
		assert_true(text_utf8_valid(s, strlen(s)));
	}
}

/* ';' ends the OSC 777 title; a number then ';' starts a ConEmu command. */
static void test_separators(void **state)
{
	(void)state;
	assert_string_equal(fmt(NOTIFY_OSC777, false, "Dupont; Jean", "rappel; demain"),
			    "\033]777;notify;Dupont, Jean;rappel; demain\a");
	assert_string_equal(fmt(NOTIFY_OSC99, false, "a;b:c", "d;e:f"),
			    "\033]99;i=1:d=0;a;b:c\033\\\033]99;i=1:d=1:p=body;d;e:f\033\\");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "Dupont; Jean", "x"),
			    "\033]9;Dupont; Jean: x\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "4;1;50", ""), "\033]9;4,1;50\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "", "2;rm -rf"), "\033]9;2,rm -rf\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "5", ""), "\033]9;5.\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "12", "appels"), "\033]9;12: appels\a");
	assert_string_equal(fmt(NOTIFY_OSC9, false, "3 appels", ""), "\033]9;3 appels\a");
}

static void test_whitespace_and_utf8(void **state)
{
	(void)state;
	/* line breaks and tabs become spaces, CR goes */
	assert_string_equal(fmt(NOTIFY_OSC777, false, "a\tb", "l1\r\nl2\xE2\x80\xA8l3"),
			    "\033]777;notify;a b;l1 l2 l3\a");
	/* malformed UTF-8 is a lost character: U+FFFD says so */
	assert_string_equal(fmt(NOTIFY_OSC777, false, "caf\xE9", "\xC0\xAF!"),
			    "\033]777;notify;caf" FFFD ";" FFFD FFFD "!\a");
	/* a U+FFFD that was in the text stays */
	assert_string_equal(fmt(NOTIFY_OSC777, false, FFFD, "x"),
			    "\033]777;notify;" FFFD ";x\a");
	/* decomposed accents are composed */
	assert_string_equal(fmt(NOTIFY_OSC777, false, "Re\xCC\x81mi", "Franc\xCC\xA7ois"),
			    "\033]777;notify;Rémi;François\a");
}

/* Check one cut field: at most 200 bytes, well-formed, ends with "…". */
static void check_cut(const char *f, const char *prefix)
{
	size_t n = strlen(f);
	assert_true(n <= NOTIFY_FIELD_MAX);
	assert_true(n > NOTIFY_FIELD_MAX - 8);
	assert_true(text_utf8_valid(f, n));
	assert_memory_equal(f + n - 3, ELLIPSIS, 3);
	assert_memory_equal(f, prefix, strlen(prefix));
}

static void test_cut(void **state)
{
	(void)state;
	/* widths 1, 2, 3 and 4: whatever the alignment, no character split */
	static const char *const units[] = { "a", "é", "€", "\xF0\x9F\x93\x9E" };
	for (size_t lead = 0; lead < 4; lead++) {
		for (size_t u = 0; u < 4; u++) {
			char big[1200], prefix[4] = "";
			size_t n = lead;
			memset(prefix, 'z', lead < 3 ? lead : 3);
			memset(big, 'z', lead);
			while (n + 4 < 1000) {
				memcpy(big + n, units[u], strlen(units[u]));
				n += strlen(units[u]);
			}
			big[n] = '\0';
			const char *s = fmt(NOTIFY_OSC777, false, big, big);
			check_cut(field(s, "notify;", ';'), prefix);
			s = fmt(NOTIFY_OSC99, false, big, big);
			check_cut(field(s, "p=body;", '\033'), "");
		}
	}
	/* exactly 200 bytes is kept whole */
	char exact[NOTIFY_FIELD_MAX + 1];
	memset(exact, 'b', NOTIFY_FIELD_MAX);
	exact[NOTIFY_FIELD_MAX] = '\0';
	assert_string_equal(field(fmt(NOTIFY_OSC777, false, exact, ""), "notify;", ';'), exact);
}

/* A huge body made mostly of what gets dropped, then of text. */
static void test_huge(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *big = malloc(n + 2);
	assert_non_null(big);
	memset(big, '\033', n);
	strcpy(big + n, "x");
	assert_string_equal(fmt(NOTIFY_OSC777, false, big, big), "\033]777;notify;x;x\a");
	memset(big, 'a', n);
	const char *s = fmt(NOTIFY_OSC99, false, "t", big);
	check_cut(field(s, "p=body;", '\033'), "aaa");
	free(big);
}

/* Every size short of the whole sequence and its NUL fails. */
static void test_too_small(void **state)
{
	(void)state;
	char buf[1024];
	for (int m = NOTIFY_BELL; m <= NOTIFY_OSC99; m++) {
		for (int tmux = 0; tmux < 2; tmux++) {
			int need = notify_format((enum notify_method)m, tmux, "Appel", "Mme Dupont",
						 buf, sizeof(buf));
			assert_true(need > 0);
			for (int len = 0; len <= need; len++)
				assert_int_equal(notify_format((enum notify_method)m, tmux, "Appel",
							       "Mme Dupont", buf, (size_t)len),
						 -1);
			assert_int_equal(notify_format((enum notify_method)m, tmux, "Appel",
						       "Mme Dupont", buf, (size_t)need + 1),
					 need);
		}
	}
	assert_int_equal(notify_format(NOTIFY_NONE, false, "a", "b", NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_names),  cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_tmux),          cmocka_unit_test(test_tmux_undoubles),
		cmocka_unit_test(test_hostile),       cmocka_unit_test(test_separators),
		cmocka_unit_test(test_whitespace_and_utf8), cmocka_unit_test(test_cut),
		cmocka_unit_test(test_huge),          cmocka_unit_test(test_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
