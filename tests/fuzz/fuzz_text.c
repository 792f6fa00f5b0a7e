/* libFuzzer target: every text helper on arbitrary bytes.  Checks that
 * sanitized text is valid UTF-8 holding nothing a terminal acts on, that
 * text_is_clean says exactly when sanitizing changes nothing, that
 * sanitizing, composing and folding are stable when applied twice, that
 * folding ignores composition, and that text_fit never splits a character
 * nor exceeds its columns. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Independent of text.c's own classification: scan the bytes for C0
 * (other than kept \n \t), DEL, C1 (C2 80..C2 9F) and the bidi controls. */
static void check_terminal_safe(const char *s, size_t n, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = p[i];
		if (b == '\n')
			check(flags & TEXT_KEEP_NEWLINES);
		else if (b == '\t')
			check(flags & TEXT_KEEP_TABS);
		else
			check(b >= 0x20 && b != 0x7F);
		if (b == 0xC2 && i + 1 < n)
			check(p[i + 1] > 0x9F);
		if (b == 0xD8 && i + 1 < n)
			check(p[i + 1] != 0x9C); /* U+061C */
		if (b == 0xE2 && i + 2 < n) {
			unsigned c = (unsigned)p[i + 1] << 8 | p[i + 2];
			check(c != 0x808E && c != 0x808F);              /* U+200E/F */
			check(c < 0x80A8 || c > 0x80AE);                 /* U+2028..202E */
			check(c < 0x81A6 || c > 0x81A9);                 /* U+2066..2069 */
		}
	}
}

static void fuzz_sanitize(const char *s, size_t size, bool valid, bool has_nul)
{
	for (unsigned flags = 0; flags < 4; flags++) {
		char *out = text_sanitize(s, size, flags);
		if (!out)
			continue;
		size_t n = strlen(out);
		check(text_utf8_valid(out, n));
		check(text_is_clean(out, n, flags));
		check_terminal_safe(out, n, flags);
		bool same = valid && !has_nul && n == size && memcmp(out, s, n) == 0;
		check(text_is_clean(s, size, flags) == same);
		char *again = text_sanitize(out, n, flags);
		if (again)
			check(strcmp(again, out) == 0);
		free(again);
		free(out);
	}
}

static void fuzz_nfc_fold(const char *s, size_t size, bool valid, bool has_nul)
{
	char *nfc = text_nfc(s, size);
	char *fold = text_fold(s, size);
	if (nfc && !has_nul) {
		size_t n = strlen(nfc);
		check(n <= size);
		check(!valid || text_utf8_valid(nfc, n));
		char *nfc2 = text_nfc(nfc, n);
		if (nfc2)
			check(strcmp(nfc2, nfc) == 0);
		free(nfc2);
		/* composing must not change the search key */
		char *fold_nfc = text_fold(nfc, n);
		if (fold && fold_nfc)
			check(strcmp(fold, fold_nfc) == 0);
		free(fold_nfc);
	}
	if (fold) {
		size_t n = strlen(fold);
		check(text_utf8_valid(fold, n));
		char *fold2 = text_fold(fold, n);
		if (fold2)
			check(strcmp(fold2, fold) == 0);
		free(fold2);
	}
	free(nfc);
	free(fold);
}

/* Marks the start of every character as the decoder walks s. */
static bool *boundaries(const char *s, size_t size)
{
	bool *at = calloc(size + 1, sizeof(*at));
	if (!at)
		return NULL;
	for (size_t i = 0; i < size;) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, size - i, &cp);
		check(n >= 1 && n <= 4 && n <= size - i);
		int w = text_cp_width(cp);
		check(w >= -1 && w <= 2);
		if (n > 1) { /* well-formed: re-encoding gives the same bytes */
			char buf[4];
			check(text_utf8_encode(cp, buf) == n && memcmp(buf, s + i, n) == 0);
		}
		at[i] = true;
		i += n;
	}
	at[size] = true;
	return at;
}

static void fuzz_fit(const char *s, size_t size)
{
	bool *at = boundaries(s, size);
	if (!at)
		return;
	size_t total = text_width(s, size);
	size_t cols_list[] = {0, 1, 2, 3, 7, total / 2, total, size ? (uint8_t)s[0] : 5};
	for (size_t k = 0; k < sizeof(cols_list) / sizeof(cols_list[0]); k++) {
		size_t cols = cols_list[k], used = 0;
		size_t n = text_fit(s, size, cols, &used);
		check(n <= size && at[n]);
		check(used <= cols);
		check(text_width(s, n) == used);
		check(text_fit(s, size, cols, NULL) == n);
		if (n < size) /* longest: the next character did not fit */
			check(text_fit(s + n, size - n, cols - used, NULL) == 0);
		else
			check(used == total);
	}
	free(at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool valid = text_utf8_valid(s, size);
	bool has_nul = size && memchr(s, '\0', size) != NULL;

	fuzz_sanitize(s, size, valid, has_nul);
	fuzz_nfc_fold(s, size, valid, has_nul);
	fuzz_fit(s, size);
	return 0;
}
