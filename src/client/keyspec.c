/* Key names (see keyspec.h).  One table of named keys serves both ways. */
#include "client/keyspec.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

static const struct {
	const char *name;   /* canonical first, then aliases */
	int key;
} named[] = {
	{ "Up", KS_UP },         { "Down", KS_DOWN },       { "Left", KS_LEFT },
	{ "Right", KS_RIGHT },   { "Home", KS_HOME },       { "End", KS_END },
	{ "PgUp", KS_PGUP },     { "PgDn", KS_PGDN },       { "Ins", KS_INSERT },
	{ "Del", KS_DELETE },    { "BS", KS_BACKSPACE },    { "Enter", KS_ENTER },
	{ "Tab", KS_TAB },       { "S-Tab", KS_BACKTAB },   { "Esc", KS_ESCAPE },
	{ "Space", ' ' },        { "lt", '<' },             { "Resize", KS_RESIZE },
	{ "PageUp", KS_PGUP },   { "PageDown", KS_PGDN },   { "Insert", KS_INSERT },
	{ "Delete", KS_DELETE }, { "Backspace", KS_BACKSPACE }, { "Return", KS_ENTER },
	{ "Escape", KS_ESCAPE }, { "BackTab", KS_BACKTAB },
};
#define NNAMED (sizeof(named) / sizeof(named[0]))

static int fail(char *err, size_t errlen, const char *msg, const char *s)
{
	snprintf(err, errlen, msg, s);
	return -1;
}

/* <Name> or <Fn>: the key, or -1. */
static int parse_named(const char *s, size_t n)
{
	for (size_t i = 0; i < NNAMED; i++)
		if (strlen(named[i].name) == n && strncasecmp(named[i].name, s, n) == 0)
			return named[i].key;
	if ((s[0] == 'F' || s[0] == 'f') && n >= 2 && n <= 3) {
		int f = 0;
		for (size_t i = 1; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			f = f * 10 + (s[i] - '0');
		}
		return f >= 1 && f <= 24 ? KS_F1 + f - 1 : -1;
	}
	return -1;
}

/* Control keys as terminals send them: C-i is Tab, C-m Enter, C-[ Esc;
 * letters are case-insensitive. */
static int ctrl_of(int k)
{
	if (k >= 'A' && k <= 'Z')
		k += 'a' - 'A';
	if (k == 'i')
		return KS_TAB;
	if (k == 'm')
		return KS_ENTER;
	if (k == '[')
		return KS_ESCAPE;
	return k | KEY_MOD_CTRL;
}

/* The base key (after modifiers): one character, or <Name>. */
static int parse_base(const char *s, int *key, char *err, size_t errlen)
{
	size_t n = strlen(s);
	if (n == 0)
		return fail(err, errlen, "empty key name%s", "");
	if (s[0] == '<' && n > 2 && s[n - 1] == '>') {
		int k = parse_named(s + 1, n - 2);
		if (k < 0)
			return fail(err, errlen, "unknown key %s", s);
		*key = k;
		return 0;
	}
	uint32_t cp;
	if (!text_utf8_valid(s, n))
		return fail(err, errlen, "invalid UTF-8 in key name%s", "");
	size_t used = text_utf8_decode(s, n, &cp);
	if (used != n)
		return fail(err, errlen, "one key at a time: %s", s);
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return fail(err, errlen, "write control keys as C-x, not literally%s", "");
	*key = (int)cp;
	return 0;
}

int keyspec_parse(const char *s, int *key, char *err, size_t errlen)
{
	int mods = 0;
	if (s[0] == '^' && s[1] && !s[2]) {
		*key = ctrl_of((unsigned char)s[1]);
		return 0;
	}
	while ((s[0] == 'C' || s[0] == 'M') && s[1] == '-' && s[2]) {
		mods |= s[0] == 'C' ? KEY_MOD_CTRL : KEY_MOD_META;
		s += 2;
	}
	int k;
	if (parse_base(s, &k, err, errlen) < 0)
		return -1;
	if (mods & KEY_MOD_CTRL)
		k = k < 0x80 && k > ' ' ? ctrl_of(k) : (k | KEY_MOD_CTRL);
	*key = k | (mods & KEY_MOD_META);
	return 0;
}

int keyspec_format(int key, char *out, size_t outlen)
{
	char base[32], mods[8] = "";
	int k = key & ~(KEY_MOD_CTRL | KEY_MOD_META);
	if (key & KEY_MOD_CTRL)
		strcat(mods, "C-");
	if (key & KEY_MOD_META)
		strcat(mods, "M-");
	base[0] = '\0';
	for (size_t i = 0; i < NNAMED && !base[0]; i++)
		if (named[i].key == k)
			snprintf(base, sizeof(base), "<%s>", named[i].name);
	if (!base[0] && k >= KS_F1 && k < KS_F1 + 24)
		snprintf(base, sizeof(base), "<F%d>", k - KS_F1 + 1);
	if (!base[0]) {
		if (k <= 0x20 || k == 0x7f || k > 0x10ffff || (k >= 0x80 && k < 0xa0))
			return -1;
		size_t n = text_utf8_encode((uint32_t)k, base);
		base[n] = '\0';
	}
	int n = snprintf(out, outlen, "%s%s", mods, base);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}
