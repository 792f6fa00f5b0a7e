/* Unit tests: UTF-8 decoding, terminal sanitizing of hostile input (escape
 * sequences, C1 controls, bidi overrides, malformed UTF-8), NFC composition,
 * the search key of text_fold, and column widths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/text.h"

#define FFFD "\xEF\xBF\xBD"

/* Sanitize s (NUL-terminated unless n says otherwise) and compare. */
static void check_sanitize_n(const char *s, size_t n, unsigned flags, const char *want)
{
	char *out = text_sanitize(s, n, flags);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void check_sanitize(const char *s, unsigned flags, const char *want)
{
	check_sanitize_n(s, strlen(s), flags, want);
}

/* Whatever went in, nothing a terminal could act on may come out. */
static void assert_terminal_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	assert_true(text_utf8_valid(s, n));
	for (size_t i = 0; i < n; i++) {
		assert_true(p[i] >= 0x20 || p[i] == '\n' || p[i] == '\t');
		assert_int_not_equal(p[i], 0x7F);
		/* U+0080..U+009F are C2 80..C2 9F */
		if (p[i] == 0xC2 && i + 1 < n)
			assert_true(p[i + 1] > 0x9F);
	}
	assert_null(strstr(s, "\xE2\x80\xAE")); /* U+202E */
}

static void check_hostile(const char *s, size_t n, const char *want)
{
	for (unsigned flags = 0; flags < 4; flags++) {
		char *out = text_sanitize(s, n, flags);
		assert_non_null(out);
		assert_terminal_safe(out, strlen(out));
		assert_true(text_is_clean(out, strlen(out), flags));
		assert_false(text_is_clean(s, n, flags));
		if (want)
			assert_string_equal(out, want);
		free(out);
	}
}

/* n from the literal, so embedded NULs count */
#define HOSTILE(lit, want) check_hostile((lit), sizeof(lit) - 1, (want))

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("abc", 3));
	assert_true(text_utf8_valid("\xC3\xA9t\xC3\xA9", 6));        /* été */
	assert_true(text_utf8_valid("\xE6\xBC\xA2", 3));             /* 漢 */
	assert_true(text_utf8_valid("\xF0\x9F\x98\x80", 4));         /* 😀 */
	assert_true(text_utf8_valid("\xF4\x8F\xBF\xBF", 4));         /* U+10FFFF */
	assert_true(text_utf8_valid("\xED\x9F\xBF", 3));             /* U+D7FF */
	assert_true(text_utf8_valid("a\0b", 3)); /* NUL is valid UTF-8 */
	assert_false(text_utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
	assert_false(text_utf8_valid("\xC1\xBF", 2));         /* overlong */
	assert_false(text_utf8_valid("\xE0\x80\xAF", 3));     /* overlong '/' */
	assert_false(text_utf8_valid("\xF0\x80\x80\xAF", 4)); /* overlong '/' */
	assert_false(text_utf8_valid("\xED\xA0\x80", 3));     /* U+D800 */
	assert_false(text_utf8_valid("\xED\xBF\xBF", 3));     /* U+DFFF */
	assert_false(text_utf8_valid("\xF4\x90\x80\x80", 4)); /* U+110000 */
	assert_false(text_utf8_valid("\xF5\x80\x80\x80", 4));
	assert_false(text_utf8_valid("\xFF", 1));
	assert_false(text_utf8_valid("\x80", 1));             /* lone continuation */
	assert_false(text_utf8_valid("\x9B", 1));
	assert_false(text_utf8_valid("\xC3", 1));             /* truncated */
	assert_false(text_utf8_valid("\xE6\xBC", 2));
	assert_false(text_utf8_valid("\xF0\x9F\x98", 3));
	assert_false(text_utf8_valid("\xC3" "A", 2));
	/* len is honoured: the valid prefix of a longer buffer */
	assert_true(text_utf8_valid("ab\xFF", 2));
}

static void test_utf8_decode_encode(void **state)
{
	(void)state;
	static const uint32_t cps[] = {0, 0x41, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0x6F22,
				       0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		char buf[4];
		uint32_t back = 0;
		size_t n = text_utf8_encode(cps[i], buf);
		assert_in_range(n, 1, 4);
		assert_true(text_utf8_valid(buf, n));
		assert_int_equal(text_utf8_decode(buf, n, &back), n);
		assert_int_equal(back, cps[i]);
	}
	char buf[4];
	uint32_t cp = 0;
	assert_int_equal(text_utf8_encode(0xE9, buf), 2);
	assert_memory_equal(buf, "\xC3\xA9", 2);
	/* what cannot be encoded becomes U+FFFD, never bad UTF-8 */
	assert_int_equal(text_utf8_encode(0xD800, buf), 3);
	assert_memory_equal(buf, FFFD, 3);
	assert_int_equal(text_utf8_encode(0x110000, buf), 3);
	assert_memory_equal(buf, FFFD, 3);
	/* malformed: one byte, U+FFFD */
	assert_int_equal(text_utf8_decode("\xC0\xAF", 2, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(text_utf8_decode("\xED\xA0\x80", 3, &cp), 1);
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(text_utf8_decode("\xE6\xBC\xA2", 2, &cp), 1); /* cut by len */
	assert_int_equal(cp, 0xFFFD);
	assert_int_equal(text_utf8_decode("\xE6\xBC\xA2", 3, &cp), 3);
	assert_int_equal(cp, 0x6F22);
	assert_int_equal(text_utf8_decode("\xC2\x9B", 2, &cp), 2); /* valid C1 */
	assert_int_equal(cp, 0x9B);
}

static void test_sanitize_osc(void **state)
{
	(void)state;
	/* set the window title */
	HOSTILE("\x1b]0;pwned\x07", FFFD "]0;pwned" FFFD);
	/* OSC 52: write the agent's clipboard, BEL- and ST-terminated */
	HOSTILE("\x1b]52;c;cm0gLXJmIH4K\x07", FFFD "]52;c;cm0gLXJmIH4K" FFFD);
	HOSTILE("x\x1b]52;c;YQ==\x1b\\y", "x" FFFD "]52;c;YQ==" FFFD "\\y");
	/* OSC 8 hyperlink that hides its target */
	HOSTILE("\x1b]8;;http://evil/\x1b\\Impots\x1b]8;;\x1b\\", NULL);
}

static void test_sanitize_csi(void **state)
{
	(void)state;
	/* clear screen, home, move, colour, erase line */
	HOSTILE("\x1b[2J\x1b[H\x1b[10;20HDupont\x1b[31m\x1b[2K",
		      FFFD "[2J" FFFD "[H" FFFD "[10;20HDupont" FFFD "[31m" FFFD "[2K");
	/* C1 CSI as a code point: U+009B is C2 9B */
	HOSTILE("a\xC2\x9B" "31mb", "a" FFFD "31mb");
	/* C1 OSC (U+009D) ... ST (U+009C) */
	HOSTILE("\xC2\x9D" "0;t\xC2\x9C", FFFD "0;t" FFFD);
	/* raw 0x9B byte (not UTF-8): malformed, also replaced */
	HOSTILE("a\x9b" "31mb", "a" FFFD "31mb");
	HOSTILE("\x85\x8d\x90", FFFD FFFD FFFD);
	/* DEL and other C0 controls */
	HOSTILE("a\x7f" "b\x08\x0c\x0e", "a" FFFD "b" FFFD FFFD FFFD);
}

static void test_sanitize_bidi(void **state)
{
	(void)state;
	/* "facture_\u202Efdp.exe" displays as "facture_exe.pdf" */
	HOSTILE("facture_\xE2\x80\xAE" "fdp.exe", "facture_" FFFD "fdp.exe");
	HOSTILE("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD", FFFD FFFD FFFD FFFD);
	HOSTILE("\xE2\x81\xA6x\xE2\x81\xA7x\xE2\x81\xA8x\xE2\x81\xA9",
		      FFFD "x" FFFD "x" FFFD "x" FFFD);
	HOSTILE("\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C", FFFD FFFD FFFD);
}

static void test_sanitize_malformed(void **state)
{
	(void)state;
	/* overlong '/' must not come back as '/' */
	HOSTILE("..\xC0\xAF..", ".." FFFD FFFD "..");
	HOSTILE("\xE0\x80\xAF", FFFD FFFD FFFD);
	/* overlong ESC */
	HOSTILE("\xC0\x9B[2J", FFFD FFFD "[2J");
	/* surrogate */
	HOSTILE("\xED\xA0\x80", FFFD FFFD FFFD);
	/* above U+10FFFF */
	HOSTILE("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	/* truncated sequences, at the end and in the middle */
	HOSTILE("abc\xE2\x82", "abc" FFFD FFFD);
	HOSTILE("\xF0\x9F\x98", FFFD FFFD FFFD);
	HOSTILE("\xC3" "A", FFFD "A");
	HOSTILE("\xE6\xBC" "b", FFFD FFFD "b");
	/* a truncated lead byte must not swallow the ESC after it */
	HOSTILE("\xC3\x1b[H", FFFD FFFD "[H");
	/* NUL inside len */
	HOSTILE("a\0b", "a" FFFD "b");
	HOSTILE("\0", FFFD);
}

static void test_sanitize_whitespace(void **state)
{
	(void)state;
	check_sanitize("a\r\nb\tc", 0, "a b c");
	check_sanitize("a\r\nb\tc", TEXT_KEEP_NEWLINES, "a\nb c");
	check_sanitize("a\r\nb\tc", TEXT_KEEP_TABS, "a b\tc");
	check_sanitize("a\r\nb\tc", TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS, "a\nb\tc");
	check_sanitize("\r\r\r", 0, "");
	/* line / paragraph separators become a space */
	check_sanitize("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", 0, "a b c");
	check_sanitize("a\xE2\x80\xA8" "b", TEXT_KEEP_NEWLINES, "a b");
	/* ordinary text is untouched, including U+FFFD itself */
	check_sanitize("Rendez-vous à 14 h — « OK » " FFFD " 漢字 😀", 0,
		       "Rendez-vous à 14 h — « OK » " FFFD " 漢字 😀");
	check_sanitize_n("", 0, 0, "");
	check_sanitize_n("abc", 0, 0, "");
}

static void test_sanitize_nfc(void **state)
{
	(void)state;
	check_sanitize("Cafe\xCC\x81", 0, "Café");
	check_sanitize("Franc\xCC\xA7ois", 0, "François");
	/* a CR between the letter and its mark is dropped first */
	check_sanitize("e\r\xCC\x81", 0, "é");
	/* a mark after a replaced control does not compose */
	check_sanitize("\x1b\xCC\x81", 0, FFFD "\xCC\x81");
}

/* text_is_clean(s) must be exactly "sanitize leaves s unchanged". */
static void test_is_clean(void **state)
{
	(void)state;
	static const char *const samples[] = {
		"", "Jean Dupont", "Café", "Cafe\xCC\x81", "a\nb", "a\tb", "a\r\nb",
		"\x1b[H", "a\xC2\x9B", "\xE2\x80\xAE", "\xC0\xAF", "\xE2\x80\xA8",
		"q\xCC\x81", "\xC3\xA9\xCC\x81", FFFD, "漢字 😀", "\x7f", "\xC3",
	};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const char *s = samples[i];
		size_t n = strlen(s);
		for (unsigned flags = 0; flags < 4; flags++) {
			char *out = text_sanitize(s, n, flags);
			assert_non_null(out);
			bool same = strcmp(out, s) == 0 && text_utf8_valid(s, n);
			assert_int_equal(text_is_clean(s, n, flags), same);
			free(out);
		}
	}
	assert_true(text_is_clean("Café", strlen("Café"), 0));
	assert_false(text_is_clean("Cafe\xCC\x81", 6, 0));
	assert_false(text_is_clean("a\nb", 3, 0));
	assert_true(text_is_clean("a\nb", 3, TEXT_KEEP_NEWLINES));
	assert_false(text_is_clean("a\0b", 3, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS));
	/* a mark with nothing to compose with is clean */
	assert_true(text_is_clean("q\xCC\x81", 3, 0));
}

static void check_nfc(const char *s, const char *want)
{
	char *out = text_nfc(s, strlen(s));
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_nfc(void **state)
{
	(void)state;
	check_nfc("e\xCC\x81", "é");
	/* every accented letter of French, decomposed then composed */
	check_nfc("a\xCC\x80" "a\xCC\x82" "a\xCC\x88" "e\xCC\x81" "e\xCC\x80" "e\xCC\x82"
		  "e\xCC\x88" "i\xCC\x82" "i\xCC\x88" "o\xCC\x82" "o\xCC\x88" "u\xCC\x80"
		  "u\xCC\x82" "u\xCC\x88" "y\xCC\x88" "c\xCC\xA7",
		  "àâäéèêëîïôöùûüÿç");
	check_nfc("A\xCC\x80" "A\xCC\x82" "A\xCC\x88" "E\xCC\x81" "E\xCC\x80" "E\xCC\x82"
		  "E\xCC\x88" "I\xCC\x82" "I\xCC\x88" "O\xCC\x82" "O\xCC\x88" "U\xCC\x80"
		  "U\xCC\x82" "U\xCC\x88" "Y\xCC\x88" "C\xCC\xA7",
		  "ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ");
	/* tilde, ring, caron, ogonek, and a few of Latin Extended-A */
	check_nfc("n\xCC\x83" "A\xCC\x8A" "S\xCC\x8C" "z\xCC\x8C" "a\xCC\xA8" "E\xCC\xA8",
		  "ñÅŠžąĘ");
	check_nfc("o\xCC\x8B" "z\xCC\x87" "a\xCC\x84" "g\xCC\x86" "c\xCC\x81", "őżāğć");
	/* stacked marks compose in turn: u + diaeresis + acute = ǘ */
	check_nfc("u\xCC\x88\xCC\x81", "\xC7\x98");
	/* Vietnamese: e + circumflex + acute = ế */
	check_nfc("e\xCC\x82\xCC\x81", "\xE1\xBA\xBF");
	/* no composition: kept as is */
	check_nfc("q\xCC\x81", "q\xCC\x81");
	check_nfc("\xCC\x81" "a", "\xCC\x81" "a");
	check_nfc("e\xCC\x81\xCC\x81", "é\xCC\x81");
	check_nfc("œ", "œ");
	check_nfc("déjà", "déjà");
	/* not a sanitizer: other bytes pass through */
	check_nfc("\x1b[H\xFF", "\x1b[H\xFF");
	check_nfc("e\xFF\xCC\x81", "e\xFF\xCC\x81");
}

static void check_fold(const char *s, const char *want)
{
	char *out = text_fold(s, strlen(s));
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_fold(void **state)
{
	(void)state;
	check_fold("Éloïse Lœuvre-Çaïd", "eloise loeuvre-caid");
	check_fold("L’Haÿ-les-Roses", "l hay-les-roses");
	check_fold("L'Haÿ-les-Roses", "l hay-les-roses");
	check_fold("ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ àâäéèêëîïôöùûüÿç", "aaaeeeeiioouuuyc aaaeeeeiioouuuyc");
	check_fold("Œuvre, ŒUVRE, æther, Ærø, Straße", "oeuvre, oeuvre, aether, aero, strasse");
	/* decomposed accents are stripped too */
	check_fold("E\xCC\x81loi\xCC\x88se", "eloise");
	check_fold("Franc\xCC\xA7ois", "francois");
	/* Latin Extended-A */
	check_fold("Łódź Śląsk ŠKODA Őrség İstanbul", "lodz slask skoda orseg istanbul");
	/* punctuation and digits are kept */
	check_fold("N° 12-B, rue (bis) : 75001 ?", "n° 12-b, rue (bis) : 75001 ?");
	/* other scripts: simple lowercase, otherwise unchanged */
	check_fold("ΑΘΗΝΑ Москва 漢字", "αθηνα москва 漢字");
	check_fold("", "");
	/* the key is always valid UTF-8 */
	char *out = text_fold("a\xFF\0b", 4);
	assert_non_null(out);
	assert_string_equal(out, "a" FFFD FFFD "b");
	free(out);
}

/* Precomposed and decomposed spellings must give the same search key. */
static void test_fold_matches_nfc(void **state)
{
	(void)state;
	static const char *const decomposed[] = {
		"He\xCC\x81le\xCC\x80ne", "Noe\xCC\x88l", "A\xCC\x8Angstro\xCC\x88m",
		"u\xCC\x88\xCC\x81", ("Z\xCC\x8Cuz\xCC\x8C" "ek"),
	};
	for (size_t i = 0; i < sizeof(decomposed) / sizeof(decomposed[0]); i++) {
		const char *s = decomposed[i];
		char *nfc = text_nfc(s, strlen(s));
		char *a = text_fold(s, strlen(s));
		char *b = nfc ? text_fold(nfc, strlen(nfc)) : NULL;
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		assert_true(strlen(nfc) < strlen(s)); /* something was composed */
		free(nfc);
		free(a);
		free(b);
	}
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(text_cp_width('a'), 1);
	assert_int_equal(text_cp_width(0xE9), 1);   /* é */
	assert_int_equal(text_cp_width(0x153), 1);  /* œ */
	assert_int_equal(text_cp_width(0x301), 0);  /* combining acute */
	assert_int_equal(text_cp_width(0x327), 0);  /* combining cedilla */
	assert_int_equal(text_cp_width(0x200B), 0); /* zero width space */
	assert_int_equal(text_cp_width(0xFEFF), 0);
	assert_int_equal(text_cp_width(0x2060), 0);
	assert_int_equal(text_cp_width(0x6F22), 2); /* 漢 */
	assert_int_equal(text_cp_width(0xAC00), 2); /* 가 */
	assert_int_equal(text_cp_width(0x1100), 2);
	assert_int_equal(text_cp_width(0x3000), 2);
	assert_int_equal(text_cp_width(0x303F), 1); /* the exception */
	assert_int_equal(text_cp_width(0xFF21), 2); /* fullwidth A */
	assert_int_equal(text_cp_width(0xFF61), 1); /* halfwidth 。 */
	assert_int_equal(text_cp_width(0x1F600), 2);
	assert_int_equal(text_cp_width(0x1F914), 2);
	assert_int_equal(text_cp_width(0x20000), 2);
	assert_int_equal(text_cp_width(0x3099), 0); /* combining kana mark */
	assert_int_equal(text_cp_width(0), -1);
	assert_int_equal(text_cp_width(0x1B), -1);
	assert_int_equal(text_cp_width(0x7F), -1);
	assert_int_equal(text_cp_width(0x9B), -1);
	assert_int_equal(text_cp_width(0xA0), 1);

	assert_int_equal(text_width("\xC3\xA9", 2), 1);  /* é */
	assert_int_equal(text_width("e\xCC\x81", 3), 1); /* e + combining acute */
	assert_int_equal(text_width("\xE6\xBC\xA2", 3), 2);
	assert_int_equal(text_width("漢字ab", strlen("漢字ab")), 6);
	assert_int_equal(text_width("a\x1b", 2), 2);     /* controls count 1 */
	assert_int_equal(text_width("\xE6\xBC", 2), 2);  /* each bad byte: 1 */
	assert_int_equal(text_width("", 0), 0);
}

static void test_fit(void **state)
{
	(void)state;
	const char *s = "ab漢字"; /* widths 1 1 2 2, bytes 1 1 3 3 */
	size_t n = strlen(s), used = 99;
	assert_int_equal(text_fit(s, n, 0, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(text_fit(s, n, 2, &used), 2);
	assert_int_equal(used, 2);
	/* 漢 would cross the limit: left out, not cut */
	assert_int_equal(text_fit(s, n, 3, &used), 2);
	assert_int_equal(used, 2);
	assert_int_equal(text_fit(s, n, 4, &used), 5);
	assert_int_equal(used, 4);
	assert_int_equal(text_fit(s, n, 5, &used), 5);
	assert_int_equal(used, 4);
	assert_int_equal(text_fit(s, n, 6, &used), 8);
	assert_int_equal(used, 6);
	assert_int_equal(text_fit(s, n, 100, NULL), 8);
	/* a wide character alone in one column */
	assert_int_equal(text_fit("漢", 3, 1, &used), 0);
	assert_int_equal(used, 0);
	/* never split a two-byte letter */
	assert_int_equal(text_fit("é", 2, 1, &used), 2);
	assert_int_equal(text_fit("éé", 4, 1, &used), 2);
	/* combining marks stay with their letter */
	assert_int_equal(text_fit("e\xCC\x81x", 4, 1, &used), 3);
	assert_int_equal(used, 1);
	assert_int_equal(text_fit("ae\xCC\x81\xCC\xA7x", 7, 2, &used), 6);
	assert_int_equal(used, 2);
	/* ...and do not come without it */
	assert_int_equal(text_fit("a漢\xCC\x81", 6, 2, &used), 1);
	assert_int_equal(used, 1);
	/* emoji at the boundary */
	assert_int_equal(text_fit("ok😀", 6, 3, &used), 2);
	assert_int_equal(text_fit("ok😀", 6, 4, &used), 6);
	assert_int_equal(used, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_decode_encode),
		cmocka_unit_test(test_sanitize_osc),
		cmocka_unit_test(test_sanitize_csi),
		cmocka_unit_test(test_sanitize_bidi),
		cmocka_unit_test(test_sanitize_malformed),
		cmocka_unit_test(test_sanitize_whitespace),
		cmocka_unit_test(test_sanitize_nfc),
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_fold_matches_nfc),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
