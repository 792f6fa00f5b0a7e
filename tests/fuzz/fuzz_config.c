/* libFuzzer target: the parsers a guichetrc, keymap or theme file goes
 * through (src/client/cmdline.c, src/client/keyspec.c).
 *
 * The input is read as a file: cut into lines at LF, each line split into
 * words.  Beyond not crashing, every run checks the promises callers rely
 * on, and abort()s when one is broken:
 *   - a split line has 0..CMDLINE_MAX_ARGS NUL-terminated words, argv[argc]
 *     is NULL, a failed split leaves no words and says why;
 *   - each word quotes and splits back to exactly itself (when the quoted
 *     form is within CMDLINE_MAX_LEN; past it the split must say so), and
 *     quoting into a buffer one byte short fails cleanly;
 *   - each word read as a key name: when it parses, its canonical name
 *     parses back to the same code and formats to the same name;
 *   - the first four bytes of each line, as a key code: when it formats,
 *     the name parses and formats to the same name. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmdline.h"
#include "client/keyspec.h"
#include "client/palette.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Worst case of cmdline_quote: each byte a control written \u{XX}. */
#define QUOTED_MAX (6 * CMDLINE_MAX_LEN + 3)

static struct cmdline line_words, back;
static char quoted[QUOTED_MAX];

/* A broken promise is a crash libFuzzer records. */
static void check(int ok)
{
	if (!ok)
		abort();
}

/* What every split, good or bad, leaves in cl. */
static void check_split(int rc, const struct cmdline *cl, const char *err)
{
	check(cl->argc >= 0 && cl->argc <= CMDLINE_MAX_ARGS);
	check(cl->argv[cl->argc] == NULL);
	check(rc == 0 || (cl->argc == 0 && err[0] != '\0'));
}

/* word quotes and splits back to itself. */
static void check_quote(const char *word)
{
	char err[128] = "";
	int n = cmdline_quote(word, quoted, sizeof(quoted));
	check(n > 0 && (size_t)n == strlen(quoted));
	int rc = cmdline_split(quoted, (size_t)n, &back, err, sizeof(err));
	check_split(rc, &back, err);
	if (n > CMDLINE_MAX_LEN) {
		check(rc == -1);
		return;
	}
	check(rc == 0 && back.argc == 1 && strcmp(back.argv[0], word) == 0);
	check(cmdline_quote(word, quoted, (size_t)n) == -1 && quoted[0] == '\0');
}

/* The name of key parses back, and formats to the same name. */
static void check_key_name(int key)
{
	char name[32], again[32], err[128];
	int n = keyspec_format(key, name, sizeof(name));
	check(n > 0 && (size_t)n == strlen(name));
	int key2 = -1;
	check(keyspec_parse(name, &key2, err, sizeof(err)) == 0);
	check(keyspec_format(key2, again, sizeof(again)) == n && strcmp(name, again) == 0);
	check(keyspec_format(key2, again, (size_t)n) == -1);
}

/* word as a key name: rejected with a reason, or read back from its name. */
static void check_key(const char *word)
{
	char err[128] = "";
	int key = -1;
	if (keyspec_parse(word, &key, err, sizeof(err)) < 0) {
		check(key == -1 && err[0] != '\0');
		return;
	}
	char name[32];
	int n = keyspec_format(key, name, sizeof(name));
	check(n > 0);
	int key2 = -1;
	check(keyspec_parse(name, &key2, err, sizeof(err)) == 0 && key2 == key);
	check_key_name(key);
}

/* Four input bytes as a key code. */
static void check_key_code(const uint8_t *p, size_t len)
{
	uint32_t code = 0;
	char name[32];
	if (len < 4)
		return;
	memcpy(&code, p, 4);
	/* fold into the interesting range: modifiers and codes up to KS_RESIZE */
	int key = (int)(code & (KEY_MOD_CTRL | KEY_MOD_META | 0x1FFFFF));
	if (keyspec_format(key, name, sizeof(name)) > 0)
		check_key_name(key);
	keyspec_format((int)code, name, sizeof(name)); /* anything at all: no crash */
}

/* word as a theme colour and as attributes: rejected with a reason, or a
 * colour whose canonical spelling reads back to itself, at every depth. */
static void check_colour(const char *word)
{
	char err[128] = "", text[32];
	struct color c, again;
	if (color_parse(word, &c, err, sizeof(err)) < 0) {
		check(err[0] != '\0');
	} else {
		check(color_format(&c, text, sizeof(text)) > 0);
		check(color_parse(text, &again, err, sizeof(err)) == 0 && again.kind == c.kind);
		static const int depths[] = { 16777216, 256, 16, 8, 0 };
		for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
			struct color f = color_fallback(c, depths[i]);
			check(f.kind != COLOR_INDEX || (f.index >= 0 && f.index < 256));
		}
	}
	attrs_parse(word, err, sizeof(err)); /* any answer, no crash */
}

/* One line of the file, and each of its words. */
static void one_line(const uint8_t *p, size_t len)
{
	char err[128] = "";
	int rc = cmdline_split((const char *)p, len, &line_words, err, sizeof(err));
	check_split(rc, &line_words, err);
	for (int i = 0; i < line_words.argc; i++) {
		check_quote(line_words.argv[i]);
		check_key(line_words.argv[i]);
		check_colour(line_words.argv[i]);
	}
	check_key_code(p, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size > 0) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) + 1 : size; /* the LF is the splitter's to drop */
		one_line(data, len);
		data += len;
		size -= len;
	}
	return 0;
}
