/* Unit tests: key names (src/client/keyspec.c) -- parsing every form of
 * name, the control keys a terminal sends as other keys, every error, and
 * format -> parse round trips for every named key with every modifier. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>

#include "client/keyspec.h"

#define CTRL KEY_MOD_CTRL
#define META KEY_MOD_META

static int parse(const char *s)
{
	char err[100] = "";
	int key = -1;
	if (keyspec_parse(s, &key, err, sizeof(err)) != 0)
		fail_msg("keyspec_parse(%s): %s", s, err);
	return key;
}

static void expect_error(const char *s, const char *what)
{
	char err[100] = "";
	int key = 12345;
	if (keyspec_parse(s, &key, err, sizeof(err)) != -1)
		fail_msg("\"%s\" parses as %#x", s, (unsigned)key);
	assert_int_equal(key, 12345); /* untouched */
	if (!strstr(err, what))
		fail_msg("error for \"%s\" is \"%s\", wanted \"%s\"", s, err, what);
}

static void expect_name(int key, const char *name)
{
	char out[32];
	int n = keyspec_format(key, out, sizeof(out));
	if (n < 0)
		fail_msg("keyspec_format(%#x) failed", (unsigned)key);
	assert_int_equal(n, (int)strlen(name));
	assert_string_equal(out, name);
}

/* format(key) parses back to key, and formatting that gives the same name. */
static void round_trip(int key)
{
	char a[32], b[32];
	if (keyspec_format(key, a, sizeof(a)) < 0)
		fail_msg("keyspec_format(%#x) failed", (unsigned)key);
	int back = parse(a);
	if (back != key)
		fail_msg("%#x -> \"%s\" -> %#x", (unsigned)key, a, (unsigned)back);
	assert_true(keyspec_format(back, b, sizeof(b)) > 0);
	assert_string_equal(a, b);
}

static void test_printable(void **state)
{
	(void)state;
	assert_int_equal(parse("j"), 'j');
	assert_int_equal(parse("J"), 'J');
	assert_int_equal(parse("é"), 0xE9);
	assert_int_equal(parse("É"), 0xC9);
	assert_int_equal(parse("€"), 0x20AC);
	assert_int_equal(parse("😀"), 0x1F600);
	assert_int_equal(parse(" "), ' ');
	assert_int_equal(parse("\xC2\xA0"), 0xA0); /* no-break space */
	/* characters that also mean something in a name, alone */
	assert_int_equal(parse("<"), '<');
	assert_int_equal(parse(">"), '>');
	assert_int_equal(parse("^"), '^');
	assert_int_equal(parse("-"), '-');
	assert_int_equal(parse("C"), 'C');
	assert_int_equal(parse("M"), 'M');
	assert_int_equal(parse("#"), '#');
	assert_int_equal(parse("?"), '?');
}

static void test_modifiers(void **state)
{
	(void)state;
	assert_int_equal(parse("C-x"), CTRL | 'x');
	assert_int_equal(parse("C-X"), CTRL | 'x'); /* control letters ignore case */
	assert_int_equal(parse("C-l"), CTRL | 'l');
	assert_int_equal(parse("M-x"), META | 'x');
	assert_int_equal(parse("M-X"), META | 'X'); /* meta keeps it */
	assert_int_equal(parse("C-M-x"), CTRL | META | 'x');
	assert_int_equal(parse("M-C-x"), CTRL | META | 'x');
	assert_int_equal(parse("C-M-X"), CTRL | META | 'x');
	assert_int_equal(parse("^X"), CTRL | 'x');
	assert_int_equal(parse("^x"), CTRL | 'x');
	assert_int_equal(parse("M-^X"), CTRL | META | 'x');
	assert_int_equal(parse("^^"), CTRL | '^');
	assert_int_equal(parse("C-^"), CTRL | '^');
	assert_int_equal(parse("C--"), CTRL | '-');
	assert_int_equal(parse("M--"), META | '-');
	assert_int_equal(parse("M-<"), META | '<'); /* emacs.keys */
	assert_int_equal(parse("M->"), META | '>');
	assert_int_equal(parse("C-é"), CTRL | 0xE9);
	assert_int_equal(parse("C-1"), CTRL | '1');
	assert_int_equal(parse("C-<Up>"), CTRL | KS_UP);
	assert_int_equal(parse("M-<Enter>"), META | KS_ENTER);
	assert_int_equal(parse("C-M-<PgDn>"), CTRL | META | KS_PGDN);
	assert_int_equal(parse("M-<lt>"), META | '<');
	assert_int_equal(parse("C-<Space>"), CTRL | ' ');
	assert_int_equal(parse("C- "), CTRL | ' ');
	assert_int_equal(parse("M-C"), META | 'C');
	/* what the desk's loop makes of byte 0x01 .. 0x1a */
	assert_int_equal(parse("C-a"), CTRL | 'a');
	assert_int_equal(parse("C-z"), CTRL | 'z');
}

/* C-i, C-m, C-[ and C-@ arrive as Tab, CR, ESC and NUL. */
static void test_terminal_equivalents(void **state)
{
	(void)state;
	assert_int_equal(parse("C-i"), KS_TAB);
	assert_int_equal(parse("C-I"), KS_TAB);
	assert_int_equal(parse("^I"), KS_TAB);
	assert_int_equal(parse("C-m"), KS_ENTER);
	assert_int_equal(parse("^M"), KS_ENTER);
	assert_int_equal(parse("C-["), KS_ESCAPE);
	assert_int_equal(parse("^["), KS_ESCAPE);
	assert_int_equal(parse("C-@"), CTRL | ' ');
	assert_int_equal(parse("^@"), CTRL | ' ');
	assert_int_equal(parse("C-M-i"), META | KS_TAB);
	assert_int_equal(parse("M-^M"), META | KS_ENTER);
	assert_int_equal(parse("M-C-["), META | KS_ESCAPE);
	/* a named key under C- stays itself */
	assert_int_equal(parse("C-<Tab>"), CTRL | KS_TAB);
}

static void test_named(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int key;
	} cases[] = {
		{ "<Up>", KS_UP },             { "<Down>", KS_DOWN },       { "<Left>", KS_LEFT },
		{ "<Right>", KS_RIGHT },       { "<Home>", KS_HOME },       { "<End>", KS_END },
		{ "<PgUp>", KS_PGUP },         { "<PageUp>", KS_PGUP },     { "<PgDn>", KS_PGDN },
		{ "<PageDown>", KS_PGDN },     { "<Ins>", KS_INSERT },      { "<Insert>", KS_INSERT },
		{ "<Del>", KS_DELETE },        { "<Delete>", KS_DELETE },   { "<BS>", KS_BACKSPACE },
		{ "<Backspace>", KS_BACKSPACE }, { "<Enter>", KS_ENTER },   { "<Return>", KS_ENTER },
		{ "<Tab>", KS_TAB },           { "<S-Tab>", KS_BACKTAB },   { "<BackTab>", KS_BACKTAB },
		{ "<Esc>", KS_ESCAPE },        { "<Escape>", KS_ESCAPE },   { "<Space>", ' ' },
		{ "<lt>", '<' },               { "<Resize>", KS_RESIZE },   { "<F1>", KS_F1 },
		{ "<F5>", KS_F1 + 4 },         { "<F10>", KS_F1 + 9 },      { "<F24>", KS_F1 + 23 },
		/* case-insensitive inside <> */
		{ "<enter>", KS_ENTER },       { "<ENTER>", KS_ENTER },     { "<pgdn>", KS_PGDN },
		{ "<pAgEdOwN>", KS_PGDN },     { "<s-tab>", KS_BACKTAB },   { "<f5>", KS_F1 + 4 },
		{ "<LT>", '<' },               { "<space>", ' ' },          { "<esc>", KS_ESCAPE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int key = parse(cases[i].name);
		if (key != cases[i].key)
			fail_msg("%s is %#x, wanted %#x", cases[i].name, (unsigned)key,
				 (unsigned)cases[i].key);
	}
	for (int f = 1; f <= 24; f++) {
		char name[16];
		snprintf(name, sizeof(name), "<F%d>", f);
		assert_int_equal(parse(name), KS_F1 + f - 1);
	}
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *s, *what;
	} cases[] = {
		{ "", "empty" },
		{ "jj", "more than one key" },
		{ "ab", "more than one key" },
		{ "éé", "more than one key" },
		{ "<Enter>x", "unknown key name" },
		{ "x<Enter>", "more than one key" },
		{ "c-x", "more than one key" },          /* modifiers are upper case */
		{ "^xy", "more than one key" },
		{ "^^x", "more than one key" },
		{ "<Foo>", "unknown key name" },
		{ "<>", "unknown key name" },
		{ "<Up", "unknown key name" },
		{ "<<Up>>", "unknown key name" },
		{ "<F0>", "unknown key name" },
		{ "<F25>", "unknown key name" },
		{ "<F05>", "unknown key name" },
		{ "<F>", "unknown key name" },
		{ "<F1x>", "unknown key name" },
		{ "<F123>", "unknown key name" },
		{ "<C-x>", "unknown key name" },
		{ "< Up>", "unknown key name" },
		{ "C-", "no key after" },
		{ "M-", "no key after" },
		{ "C-M-", "no key after" },
		{ "C-C-x", "twice" },
		{ "M-M-x", "twice" },
		{ "C-^x", "twice" },
		{ "^C-x", "more than one key" },
		{ "\t", "control" },
		{ "\x01", "control" },
		{ "\x1b", "control" },
		{ "\x7f", "control" },
		{ "\xC2\x85", "control" },               /* C1 */
		{ "C-\x01", "control" },
		{ "^\x01", "control" },
		{ "\xff", "UTF-8" },
		{ "\xC3", "UTF-8" },
		{ "\xC0\xAF", "UTF-8" },
		{ "\xED\xA0\x80", "UTF-8" },
		{ "C-\xE9", "UTF-8" },                   /* Latin-1 é */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].s, cases[i].what);
	/* err may be NULL or short */
	int key;
	assert_int_equal(keyspec_parse("jj", &key, NULL, 0), -1);
	char small[5];
	assert_int_equal(keyspec_parse("", &key, small, sizeof(small)), -1);
	assert_string_equal(small, "empt");
}

static void test_format(void **state)
{
	(void)state;
	expect_name('j', "j");
	expect_name('J', "J");
	expect_name(0xE9, "é");
	expect_name(0x1F600, "😀");
	expect_name(' ', "<Space>");
	expect_name('<', "<lt>");
	expect_name('>', ">");
	expect_name(CTRL | 'x', "C-x");
	expect_name(META | 'x', "M-x");
	expect_name(CTRL | META | 'x', "C-M-x");
	expect_name(META | KS_ENTER, "M-<Enter>");
	expect_name(CTRL | ' ', "C-<Space>");
	expect_name(META | '<', "M-<lt>");
	expect_name(KS_PGDN, "<PgDn>");
	expect_name(KS_F1 + 4, "<F5>");
	expect_name(KS_F1 + 23, "<F24>");
	expect_name(KS_BACKTAB, "<S-Tab>");
	expect_name(KS_BACKSPACE, "<BS>");
	expect_name(KS_DELETE, "<Del>");
	expect_name(KS_INSERT, "<Ins>");
	expect_name(KS_RESIZE, "<Resize>");
	expect_name(CTRL | META | KS_PGDN, "C-M-<PgDn>");
	/* codes that name another key come out under that key's name */
	expect_name(CTRL | 'X', "C-x");
	expect_name(CTRL | 'i', "<Tab>");
	expect_name(CTRL | 'I', "<Tab>");
	expect_name(CTRL | 'm', "<Enter>");
	expect_name(CTRL | '[', "<Esc>");
	expect_name(CTRL | '@', "C-<Space>");
	expect_name(CTRL | META | 'i', "M-<Tab>");
}

static void test_format_errors(void **state)
{
	(void)state;
	static const int bad[] = {
		0, 0x01, '\t', 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9f, 0xD800, 0xDFFF,
		KS_RESIZE + 1, 0xFFFFFF, CTRL | 0x01, META | 0x7f, -1, -5, 1 << 26 | 'x',
		(int)(1u << 31 | 'x'), CTRL | META | (KS_RESIZE + 1),
	};
	char out[32];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (keyspec_format(bad[i], out, sizeof(out)) != -1)
			fail_msg("%#x formats as %s", (unsigned)bad[i], out);
		assert_string_equal(out, "");
	}
	/* "C-M-<PgDn>" is 10 bytes: 11 fit, 10 do not */
	assert_int_equal(keyspec_format(CTRL | META | KS_PGDN, out, 11), 10);
	assert_int_equal(keyspec_format(CTRL | META | KS_PGDN, out, 10), -1);
	assert_string_equal(out, "");
	assert_int_equal(keyspec_format('j', out, 0), -1);
	assert_int_equal(keyspec_format('j', out, 1), -1);
	assert_int_equal(keyspec_format(0x1F600, out, 4), -1); /* 4 bytes + NUL */
	assert_int_equal(keyspec_format(0x1F600, out, 5), 4);
}

static const int mods[] = { 0, CTRL, META, CTRL | META };

/* Every named key, every printable ASCII key and a sample of code points
 * under every modifier: format then parse gives the canonical code. */
static void test_round_trip(void **state)
{
	(void)state;
	static const int sample[] = {
		0xA0, 0xA9, 0xC9, 0xE0, 0xE7, 0xE9, 0xEA, 0xF4, 0xFF, 0x152, 0x153, 0x300,
		0x2019, 0x20AC, 0x202E, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF,
	};
	for (size_t m = 0; m < sizeof(mods) / sizeof(mods[0]); m++) {
		for (int k = KS_UP; k <= KS_RESIZE; k++)
			round_trip(mods[m] | k);
		for (size_t i = 0; i < sizeof(sample) / sizeof(sample[0]); i++)
			round_trip(mods[m] | sample[i]);
		for (int c = 0x20; c < 0x7f; c++) {
			if (mods[m] & CTRL && ((c >= 'A' && c <= 'Z') || c == '[' || c == '@'))
				continue; /* not canonical: covered by test_format */
			if (mods[m] & CTRL && (c == 'i' || c == 'm'))
				continue;
			round_trip(mods[m] | c);
		}
	}
}

/* Every name parses, and formatting then parsing again is stable. */
static void test_names_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = {
		"j", "J", "é", "C-x", "C-X", "M-x", "C-M-x", "^X", "^[", "C-i", "C-m", "C-@",
		"<Enter>", "<Return>", "<Esc>", "<Tab>", "<S-Tab>", "<Space>", "<Up>", "<PgDn>",
		"<PageDown>", "<F5>", "<Del>", "<BS>", "<Home>", "<lt>", "<", "M-<", " ",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int key = parse(names[i]);
		round_trip(key);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable),      cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_terminal_equivalents), cmocka_unit_test(test_named),
		cmocka_unit_test(test_errors),         cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_errors),  cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
