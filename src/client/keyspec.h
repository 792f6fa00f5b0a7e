/* Key names, as written in guichetrc and keymap files (`bind worklist j
 * down`), in headless scripts (`key <Enter>`) and on the help screen.
 *
 * A key code is an int: the Unicode code point of a printable key ('j',
 * 'J', 'é', ' '), or a named key in a private range above U+10FFFF, plus
 * the modifier bits KEY_MOD_CTRL and KEY_MOD_META.
 *
 * Names: one character ("j", "é", "<"), or <Name> with the name read
 * case-insensitively: <Up> <Down> <Left> <Right> <Home> <End> <PgUp>
 * (<PageUp>) <PgDn> (<PageDown>) <Ins> (<Insert>) <Del> (<Delete>) <BS>
 * (<Backspace>) <Enter> (<Return>) <Tab> <S-Tab> (<BackTab>) <Esc>
 * (<Escape>) <Space> <lt> (the '<' key) <F1>..<F24> <Resize>.  Before it,
 * "C-" and "M-" in any order, each at most once; "^X" is "C-X".
 *
 * Control keys are read as the key a terminal actually delivers: letters
 * are case-insensitive (C-X is C-x), C-i is <Tab>, C-m is <Enter>, C-[ is
 * <Esc>, C-@ is C-<Space>.  Meta keys keep their case (M-x and M-X
 * differ). */
#ifndef GUICHET_CLIENT_KEYSPEC_H
#define GUICHET_CLIENT_KEYSPEC_H

#include <stddef.h>

enum { KEY_MOD_CTRL = 1 << 24, KEY_MOD_META = 1 << 25 };

enum {
	KS_UP = 0x110000, KS_DOWN, KS_LEFT, KS_RIGHT, KS_HOME, KS_END, KS_PGUP, KS_PGDN,
	KS_INSERT, KS_DELETE, KS_BACKSPACE, KS_ENTER, KS_TAB, KS_BACKTAB, KS_ESCAPE,
	KS_F1, /* F1..F24 are KS_F1 .. KS_F1 + 23 */
	KS_RESIZE = KS_F1 + 24,
};

/* Parse the NUL-terminated key name s.  Returns 0 with *key set, or -1
 * with *key untouched and a short English message in err (truncated to
 * errlen; err may be NULL): empty, more than one key, unknown <name>, a
 * modifier twice or with no key after it, invalid UTF-8, a control
 * character given literally.  Nothing of s is kept. */
int keyspec_parse(const char *s, int *key, char *err, size_t errlen);

/* Write the canonical name of key into out: "j", "C-x", "C-M-x",
 * "M-<Enter>", "<PgDn>", "<F5>", "<Space>", "<lt>".  A code that names
 * the same key as another is written as keyspec_parse would read it
 * (C-I and C-i both come out as "<Tab>"), so keyspec_parse of the result
 * gives the code back for every code keyspec_parse can return.  Returns
 * the bytes written without the NUL, or -1 (not a key code, or out too
 * small) with out set to "" when outlen > 0.  32 bytes are always
 * enough. */
int keyspec_format(int key, char *out, size_t outlen);

#endif
