/* Unit tests: splitting command lines into words (src/client/cmdline.c),
 * every rule of cmdline.h, every error, and quoting words so that they
 * split back unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "client/cmdline.h"

static struct cmdline cl; /* 4 KiB: kept off the stack */

/* Split s and check the words; NULL ends the expected list. */
static void expect_words(const char *s, ...)
{
	char err[100] = "";
	va_list ap;
	int i = 0;
	if (cmdline_split(s, strlen(s), &cl, err, sizeof(err)) != 0)
		fail_msg("split(%s): %s", s, err);
	va_start(ap, s);
	for (const char *w; (w = va_arg(ap, const char *)) != NULL; i++) {
		assert_true(i < cl.argc);
		assert_string_equal(cl.argv[i], w);
	}
	va_end(ap);
	assert_int_equal(cl.argc, i);
	assert_null(cl.argv[cl.argc]);
}

/* Split line[0..len) and check that it fails with a message holding what. */
static void expect_error(const char *line, size_t len, const char *what)
{
	char err[100] = "";
	if (cmdline_split(line, len, &cl, err, sizeof(err)) != -1)
		fail_msg("\"%.40s\" splits", line);
	assert_int_equal(cl.argc, 0);
	assert_null(cl.argv[0]);
	if (!strstr(err, what))
		fail_msg("error for \"%.40s\" is \"%s\", wanted \"%s\"", line, err, what);
}

static void expect_quote(const char *word, const char *quoted)
{
	char out[200];
	int n = cmdline_quote(word, out, sizeof(out));
	assert_int_equal(n, (int)strlen(quoted));
	assert_string_equal(out, quoted);
}

/* quote(word) splits back to exactly word. */
static void round_trip(const char *word)
{
	char q[6 * 64 + 3];
	char err[100] = "";
	int n = cmdline_quote(word, q, sizeof(q));
	assert_true(n > 0);
	if (cmdline_split(q, (size_t)n, &cl, err, sizeof(err)) != 0)
		fail_msg("quoted %s does not split: %s", q, err);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.argv[0], word);
}

static void test_words(void **state)
{
	(void)state;
	expect_words("bind worklist j down", "bind", "worklist", "j", "down", NULL);
	expect_words("  set \t theme\tdsfr  ", "set", "theme", "dsfr", NULL);
	expect_words("redraw", "redraw", NULL);
	expect_words("source ~/.config/guichet/keys", "source", "~/.config/guichet/keys", NULL);
	expect_words("set x $HOME*", "set", "x", "$HOME*", NULL); /* no expansion */
}

static void test_blank_and_comment(void **state)
{
	(void)state;
	expect_words("", NULL);
	expect_words(" \t ", NULL);
	expect_words("# the default keys", NULL);
	expect_words("   #indented", NULL);
	expect_words("bind global q quit # leave", "bind", "global", "q", "quit", NULL);
	expect_words("bind global q quit #", "bind", "global", "q", "quit", NULL);
	/* # inside a word, quoted or escaped is a character */
	expect_words("a#b c#", "a#b", "c#", NULL);
	expect_words("color x \"#000091\" '#fff' \\#e1000f", "color", "x", "#000091", "#fff",
		     "#e1000f", NULL);
	expect_words("\"\"#x", "#x", NULL);
	expect_words("a # \"unterminated in a comment", "a", NULL);
}

static void test_double_quotes(void **state)
{
	(void)state;
	expect_words("bind worklist j \"move down\"", "bind", "worklist", "j", "move down", NULL);
	expect_words("\"a\\\"b\" \"c\\\\d\"", "a\"b", "c\\d", NULL);
	expect_words("\"l1\\nl2\\tx\"", "l1\nl2\tx", NULL);
	expect_words("\"\\u{E9}t\\u{e9} \\u{41}\\u{1F600}\\u{10FFFF}\"",
		     "\xC3\xA9t\xC3\xA9 A\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", NULL);
	expect_words("\"\\u{00000A}\"", "\n", NULL); /* six digits */
	/* other backslashes are kept, \u without { too */
	expect_words("\"C:\\dossiers\\x \\u \\uE9\"", "C:\\dossiers\\x \\u \\uE9", NULL);
	expect_words("\"it's\" \"a 'b' c\"", "it's", "a 'b' c", NULL);
	expect_words("\"\" x \"\"", "", "x", "", NULL);
	expect_words("\"#\" \"  \"", "#", "  ", NULL);
	expect_words("a\"b c\"d", "ab cd", NULL);
}

static void test_single_quotes(void **state)
{
	(void)state;
	expect_words("'a\\nb \"c\" #d \\u{41}'", "a\\nb \"c\" #d \\u{41}", NULL);
	expect_words("'' x", "", "x", NULL);
	expect_words("'a\tb'", "a\tb", NULL);
	expect_words("x'y z'\"w\"", "xy zw", NULL);
}

static void test_backslash(void **state)
{
	(void)state;
	expect_words("a\\ b c", "a b", "c", NULL);
	expect_words("\\\" \\' \\\\ \\#", "\"", "'", "\\", "#", NULL);
	expect_words("\\n", "n", NULL); /* no escapes outside double quotes */
	expect_words("\\\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9", NULL);
	expect_words("end\\", "end\\", NULL); /* nothing to escape */
	expect_words("a \\", "a", "\\", NULL);
	expect_words("\\\t", "\t", NULL);
}

static void test_line_ends(void **state)
{
	(void)state;
	expect_words("set theme dsfr\r", "set", "theme", "dsfr", NULL);
	expect_words("set theme dsfr\r\n", "set", "theme", "dsfr", NULL);
	expect_words("set theme dsfr\n", "set", "theme", "dsfr", NULL);
	expect_words("bind x y \"a b\"\r\n", "bind", "x", "y", "a b", NULL);
	expect_words("\r", NULL);
	/* only the line end goes: a second CR, or one inside, is a character */
	expect_words("a\r\r", "a\r", NULL);
	expect_words("a\rb", "a\rb", NULL);
	expect_words("'x\r'", "x\r", NULL);
}

static void test_utf8(void **state)
{
	(void)state;
	expect_words("bind global <F2> \"presence paused déjeuner\"", "bind", "global", "<F2>",
		     "presence paused déjeuner", NULL);
	expect_words("note \"Pièce d'identité reçue\" été", "note", "Pièce d'identité reçue",
		     "été", NULL);
	expect_words("bind worklist é «\u00a0x\u00a0»", "bind", "worklist", "é", "«\u00a0x\u00a0»",
		     NULL);
}

static void test_not_nul_terminated(void **state)
{
	(void)state;
	char err[100];
	const char line[] = "set theme dsfr trailing";
	assert_int_equal(cmdline_split(line, 14, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.argc, 3);
	assert_string_equal(cl.argv[2], "dsfr");
	/* a quote closed only past len is unterminated */
	assert_int_equal(cmdline_split("\"ab\"", 3, &cl, err, sizeof(err)), -1);
	assert_int_equal(cmdline_split("x", 0, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.argc, 0);
}

static void test_limits(void **state)
{
	(void)state;
	char line[CMDLINE_MAX_LEN + 8];
	char err[100];
	/* exactly CMDLINE_MAX_LEN bytes, plus CRLF, in 32 words of 127 bytes */
	memset(line, 'w', sizeof(line));
	for (int i = 1; i < CMDLINE_MAX_ARGS; i++)
		line[i * 128 - 1] = ' ';
	memcpy(line + CMDLINE_MAX_LEN, "\r\n", 2);
	assert_int_equal(cmdline_split(line, CMDLINE_MAX_LEN + 2, &cl, err, sizeof(err)), 0);
	assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
	for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
		assert_int_equal(strlen(cl.argv[i]), i == CMDLINE_MAX_ARGS - 1 ? 128 : 127);
	assert_null(cl.argv[CMDLINE_MAX_ARGS]);
	/* one byte more */
	line[CMDLINE_MAX_LEN] = 'w';
	expect_error(line, CMDLINE_MAX_LEN + 1, "too long");
	/* 32 empty words, then a comment; 33 words */
	char many[200] = "";
	for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
		strcat(many, "'' ");
	strcat(many, "# a comment is not a word");
	expect_words(many, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
		     "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", NULL);
	strcpy(many + 3 * CMDLINE_MAX_ARGS, "x");
	expect_error(many, strlen(many), "too many words");
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *line, *what;
	} cases[] = {
		{ "bind x \"move down", "unterminated double quote" },
		{ "bind x \"move down\\\"", "unterminated double quote" },
		{ "bind x \"move down\\", "unterminated double quote" },
		{ "\"", "unterminated double quote" },
		{ "note 'Pièce d'identité'", "unterminated single quote" },
		{ "'", "unterminated single quote" },
		{ "'abc\r", "unterminated single quote" },
		{ "\"\\u{}\"", "\\u{" },
		{ "\"\\u{110000}\"", "\\u{" },
		{ "\"\\u{D800}\"", "\\u{" },
		{ "\"\\u{DFFF}\"", "\\u{" },
		{ "\"\\u{1234567}\"", "\\u{" },
		{ "\"\\u{0000041}\"", "\\u{" },
		{ "\"\\u{zz}\"", "\\u{" },
		{ "\"\\u{4 1}\"", "\\u{" },
		{ "\"\\u{41", "\\u{" },
		{ "\"\\u{0}\"", "NUL" },
		{ "bad \xff", "UTF-8" },
		{ "\xC3", "UTF-8" },                 /* truncated */
		{ "\xC0\xAF", "UTF-8" },             /* overlong / */
		{ "\xED\xA0\x80", "UTF-8" },         /* surrogate */
		{ "\xF4\x90\x80\x80", "UTF-8" },     /* above U+10FFFF */
		{ "'\xE9t\xE9'", "UTF-8" },          /* Latin-1, even in quotes */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].line, strlen(cases[i].line), cases[i].what);
	expect_error("set x\0y", 7, "NUL");
	expect_error("'\0'", 3, "NUL");
	/* err may be NULL or short */
	assert_int_equal(cmdline_split("\"", 1, &cl, NULL, 0), -1);
	char small[6];
	assert_int_equal(cmdline_split("\"", 1, &cl, small, sizeof(small)), -1);
	assert_string_equal(small, "unter");
	/* a failed split after a good one leaves no words behind */
	expect_words("a b", "a", "b", NULL);
	expect_error("a b '", 5, "unterminated");
}

static void test_quote(void **state)
{
	(void)state;
	expect_quote("move", "move");
	expect_quote("~/.config/guichet/keys", "~/.config/guichet/keys");
	expect_quote("déjeuner", "déjeuner");
	expect_quote("a#b", "a#b");
	expect_quote("C-l", "C-l");
	expect_quote("", "\"\"");
	expect_quote("move down", "\"move down\"");
	expect_quote("#000091", "\"#000091\"");
	expect_quote("Pièce d'identité", "\"Pièce d'identité\"");
	expect_quote("it's", "\"it's\"");
	expect_quote("say \"hi\"", "'say \"hi\"'");
	expect_quote("C:\\dossiers", "'C:\\dossiers'");
	expect_quote("it's \"x\"", "\"it's \\\"x\\\"\"");
	expect_quote("l1\nl2", "\"l1\\nl2\"");
	expect_quote("a\tb", "\"a\\tb\"");
	expect_quote("a\rb\x1b[0m\x7f", "\"a\\u{D}b\\u{1B}[0m\\u{7F}\"");
	expect_quote("\xC2\x85", "\"\\u{85}\"");          /* C1 NEL */
	expect_quote("\\\n", "\"\\\\\\n\"");
	expect_quote("\xC2\xA0", "\xC2\xA0"); /* no-break space is printable */
}

static void test_quote_errors(void **state)
{
	(void)state;
	char out[16];
	/* every style: n+1 bytes fit, n do not, and a failure leaves "" */
	static const char *const words[] = { "move", "a b", "say \"hi\"", "it's \"x\"\n" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		int n = cmdline_quote(words[i], out, sizeof(out));
		assert_true(n > 0 && n < (int)sizeof(out));
		assert_int_equal(cmdline_quote(words[i], out, (size_t)n + 1), n);
		assert_int_equal(cmdline_quote(words[i], out, (size_t)n), -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(cmdline_quote("x", out, 0), -1);
	assert_int_equal(cmdline_quote("", out, 2), -1);
	assert_int_equal(cmdline_quote("\xff", out, sizeof(out)), -1); /* cannot split back */
	assert_int_equal(cmdline_quote("\xC3", out, sizeof(out)), -1);
}

static void test_round_trip(void **state)
{
	(void)state;
	static const char *const words[] = {
		"", "#", "##", "a#", "\\", "\"", "'", "''", "\"\"", "\\\"", "'\"", " ", "\t", "\n",
		"\r", "x\r", "\r\n", "\\u{41}", "\\u", "é", "œuvre", "« x »", "😀", "\x01",
		"\x7f", "\xC2\x9F", "C:\\", "a b\tc\nd", "~", "$HOME", "#000091 default bold",
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		round_trip(words[i]);
	/* every byte 1..127 alone, and between letters */
	for (int c = 1; c < 128; c++) {
		char w[4] = { (char)c, 0 }, v[4] = { 'a', (char)c, 'b', 0 };
		round_trip(w);
		round_trip(v);
	}
	/* words drawn from the awkward characters, deterministically */
	static const char *const parts[] = { "a", " ", "\t", "\"", "'", "\\", "#", "\n", "\r",
					     "é", "\x1b", "u", "{", "}", "\xC2\x85", "€" };
	uint32_t seed = 12345;
	for (int i = 0; i < 5000; i++) {
		char w[64] = "";
		int len = (int)(seed >> 28);
		for (int j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			strcat(w, parts[(seed >> 16) % (sizeof(parts) / sizeof(parts[0]))]);
		}
		seed = seed * 1103515245u + 12345u;
		round_trip(w);
	}
}

/* Quoted words joined by spaces (a `bind` listing, history) split back
 * into the same words. */
static void test_round_trip_line(void **state)
{
	(void)state;
	static const char *const words[] = { "bind", "case", "N", "prompt note \"Rappel\" :",
					     "", "#x", "it's", "a\\b", "\n" };
	char line[512] = "", q[64];
	size_t n = sizeof(words) / sizeof(words[0]);
	for (size_t i = 0; i < n; i++) {
		assert_true(cmdline_quote(words[i], q, sizeof(q)) > 0);
		strcat(line, i ? " " : "");
		strcat(line, q);
	}
	expect_words(line, "bind", "case", "N", "prompt note \"Rappel\" :", "", "#x", "it's",
		     "a\\b", "\n", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),           cmocka_unit_test(test_blank_and_comment),
		cmocka_unit_test(test_double_quotes),   cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_backslash),       cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_utf8),            cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_limits),          cmocka_unit_test(test_errors),
		cmocka_unit_test(test_quote),           cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_round_trip_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
