/* Key names to key codes and back (the names are in keyspec.h).  One
 * table of named keys serves both directions: the first name of a key is
 * the one written, the others are read only.  Function keys are counted,
 * not listed.  A second table says which control keys a terminal sends
 * as another key, so a binding names the code the desk really receives.
 * ASCII-only case folding: no locale is consulted. */
#include "client/keyspec.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define MODS (KEY_MOD_CTRL | KEY_MOD_META)
#define N_FKEYS 24

static const struct {
	const char *name;
	int key;
} named[] = {
	/* written names, one per key */
	{ "Up", KS_UP },           { "Down", KS_DOWN },       { "Left", KS_LEFT },
	{ "Right", KS_RIGHT },     { "Home", KS_HOME },       { "End", KS_END },
	{ "PgUp", KS_PGUP },       { "PgDn", KS_PGDN },       { "Ins", KS_INSERT },
	{ "Del", KS_DELETE },      { "BS", KS_BACKSPACE },    { "Enter", KS_ENTER },
	{ "Tab", KS_TAB },         { "S-Tab", KS_BACKTAB },   { "Esc", KS_ESCAPE },
	{ "Resize", KS_RESIZE },   { "Space", ' ' },          { "lt", '<' },
	/* aliases, read only */
	{ "PageUp", KS_PGUP },     { "PageDown", KS_PGDN },   { "Insert", KS_INSERT },
	{ "Delete", KS_DELETE },   { "Backspace", KS_BACKSPACE }, { "Return", KS_ENTER },
	{ "BackTab", KS_BACKTAB }, { "Escape", KS_ESCAPE },
};

/* Control keys that arrive as another key: the terminal sends C-i as a
 * tab, C-m as a carriage return, C-[ as an escape, C-@ as NUL (which the
 * desk reads as C-<Space>).  Letters are already folded to lower case. */
static const struct {
	int ch, key;
} ctrl_same[] = {
	{ 'i', KS_TAB }, { 'm', KS_ENTER }, { '[', KS_ESCAPE }, { '@', KEY_MOD_CTRL | ' ' },
};

/* Write why into err (when given); returns -1. */
static int fail(char *err, size_t errlen, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -1;
}

/* Lower case for ASCII letters only: tolower() would consult the locale. */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when s[0..n) is name, ignoring ASCII case. */
static bool name_is(const char *name, const char *s, size_t n)
{
	if (strlen(name) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(name[i]) != ascii_lower(s[i]))
			return false;
	return true;
}

/* Controls (C0, DEL, C1) are keys only under a name: a literal one in a
 * keymap is a typo or a copy-paste accident. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

/* True for a key code without its modifiers: a printable scalar value or
 * a named key. */
static bool valid_base(int k)
{
	if (k >= KS_UP && k <= KS_RESIZE)
		return true;
	return k >= 0x20 && k <= 0x10FFFF && !is_control((uint32_t)k) &&
	       !(k >= 0xD800 && k <= 0xDFFF);
}

/* The code a key arrives as: C- folds letters and may turn into a named
 * key (ctrl_same); M- is kept as it is. */
static int canonical(int key)
{
	int base = key & ~MODS;
	if (!(key & KEY_MOD_CTRL))
		return key;
	if (base >= 'A' && base <= 'Z')
		base += 'a' - 'A';
	for (size_t i = 0; i < N_ELEMS(ctrl_same); i++)
		if (ctrl_same[i].ch == base)
			return (key & KEY_MOD_META) | ctrl_same[i].key;
	return (key & MODS) | base;
}

/* F1..F24 (digits without a leading zero), or -1. */
static int parse_fkey(const char *s, size_t n)
{
	if (n < 2 || n > 3 || ascii_lower(s[0]) != 'f' || s[1] == '0')
		return -1;
	int f = 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		f = f * 10 + (s[i] - '0');
	}
	return f <= N_FKEYS ? KS_F1 + f - 1 : -1;
}

/* The inside of <...>, or -1. */
static int parse_named(const char *s, size_t n)
{
	for (size_t i = 0; i < N_ELEMS(named); i++)
		if (name_is(named[i].name, s, n))
			return named[i].key;
	return parse_fkey(s, n);
}

/* The key after the modifiers: <Name> or one printable character. */
static int parse_base(const char *s, int *key, char *err, size_t errlen)
{
	size_t n = strlen(s);
	if (s[0] == '<' && n > 1) {
		int k = n > 2 && s[n - 1] == '>' ? parse_named(s + 1, n - 2) : -1;
		if (k < 0)
			return fail(err, errlen, "unknown key name");
		*key = k;
		return 0;
	}
	uint32_t cp;
	if (text_utf8_decode(s, n, &cp) != n)
		return fail(err, errlen, "more than one key (write < as <lt>)");
	if (is_control(cp))
		return fail(err, errlen, "control character: write it as C-x or <Name>");
	*key = (int)cp;
	return 0;
}

/* The modifier a prefix of s stands for ("C-", "M-", then "^" before
 * exactly one more character), or 0; *len gets the prefix length. */
static int modifier_at(const char *s, size_t *len)
{
	if ((s[0] == 'C' || s[0] == 'M') && s[1] == '-') {
		*len = 2;
		return s[0] == 'C' ? KEY_MOD_CTRL : KEY_MOD_META;
	}
	uint32_t cp;
	size_t rest = strlen(s + 1);
	if (s[0] == '^' && rest && text_utf8_decode(s + 1, rest, &cp) == rest) {
		*len = 1;
		return KEY_MOD_CTRL;
	}
	return 0;
}

int keyspec_parse(const char *s, int *key, char *err, size_t errlen)
{
	if (!*s)
		return fail(err, errlen, "empty key name");
	if (!text_utf8_valid(s, strlen(s)))
		return fail(err, errlen, "invalid UTF-8");
	int mods = 0, m;
	size_t skip;
	while ((m = modifier_at(s, &skip)) != 0) {
		if (mods & m)
			return fail(err, errlen, "modifier given twice");
		mods |= m;
		s += skip;
		if (!*s)
			return fail(err, errlen, "no key after the modifier");
	}
	int base;
	if (parse_base(s, &base, err, errlen) < 0)
		return -1;
	*key = canonical(mods | base);
	return 0;
}

/* The name of a key without modifiers, into out[0..32). */
static void base_name(int base, char out[32])
{
	for (size_t i = 0; i < N_ELEMS(named); i++) {
		if (named[i].key == base) {
			snprintf(out, 32, "<%s>", named[i].name);
			return;
		}
	}
	if (base >= KS_F1 && base < KS_F1 + N_FKEYS) {
		snprintf(out, 32, "<F%d>", base - KS_F1 + 1);
		return;
	}
	out[text_utf8_encode((uint32_t)base, out)] = '\0';
}

int keyspec_format(int key, char *out, size_t outlen)
{
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (key < 0 || (key & ~(MODS | 0xFFFFFF)) || !valid_base(key & ~MODS))
		return -1;
	key = canonical(key);
	char base[32];
	base_name(key & ~MODS, base);
	int n = snprintf(out, outlen, "%s%s%s", key & KEY_MOD_CTRL ? "C-" : "",
			 key & KEY_MOD_META ? "M-" : "", base);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return -1;
	}
	return n;
}
