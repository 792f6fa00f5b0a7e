/* Key names, as written in keymaps and shown in help: "j", "é", "C-x",
 * "M-x", "C-M-x", "^X", "<Enter>", "<PgDn>", "<F5>", "<S-Tab>", "<lt>".
 * A key code is a Unicode code point for a printable key, a named key in
 * a private range above U+10FFFF, plus modifier bits. */
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

/* Parse a key name.  Returns 0 with *key set, or -1 with a message. */
int keyspec_parse(const char *s, int *key, char *err, size_t errlen);

/* The canonical name of a key (round-trips through keyspec_parse).
 * Returns the bytes written, or -1 (unknown code, or out too small). */
int keyspec_format(int key, char *out, size_t outlen);

#endif
