/* Desktop notifications as terminal escape sequences: how the desk tells
 * an agent who is looking at another window that a chat or a call is
 * offered or that an SLA is about to be missed.  The method is the
 * `notify` option: the bell, OSC 9 (iTerm2, ConEmu, WezTerm), OSC 777
 * (urxvt, foot, Ghostty) or OSC 99 (kitty), wrapped for tmux's passthrough
 * when the desk runs inside tmux (which needs `allow-passthrough on`, else
 * tmux drops it).
 *
 * Only the bytes are made here, no I/O: the caller writes them to the
 * terminal.  Title and body come from citizens' data, so they are cleaned
 * first and can never end, extend or change the sequence they ride in. */
#ifndef GUICHET_CLIENT_NOTIFY_H
#define GUICHET_CLIENT_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

enum notify_method { NOTIFY_NONE, NOTIFY_BELL, NOTIFY_OSC9, NOTIFY_OSC777, NOTIFY_OSC99 };

/* Longest title or body kept, in bytes of UTF-8, after cleaning. */
#define NOTIFY_FIELD_MAX 200

/* "none", "bell", "osc9", "osc777", "osc99" -> the method; -1 when name is
 * unknown or NULL. */
int notify_method_parse(const char *name);

/* The option value naming m (a static string); "none" for a value outside
 * the enum. */
const char *notify_method_name(enum notify_method m);

/* Write into out[0..outlen) the bytes that show title and body by method,
 * followed by a NUL (not counted) so tests can compare strings.  When
 * in_tmux, the OSC sequences are wrapped in tmux's passthrough
 * (ESC P tmux; ... ESC \, every ESC inside doubled); the bell is not, tmux
 * handles a bell itself.
 *
 * title and body (NULL reads as "") are untrusted.  Each is cleaned: C0
 * and C1 controls, ESC, BEL, DEL and bidi controls are dropped (tab, line
 * feed and the Unicode line separators become a space), malformed UTF-8
 * becomes U+FFFD, decomposed accents are composed, the separators the
 * protocol would misread are replaced, and the text is cut at a character
 * boundary to at most NOTIFY_FIELD_MAX bytes, ending in "…" when cut.
 *
 * Returns the number of bytes written (0 for NOTIFY_NONE or an unknown
 * method), or -1 when out is too small or memory runs out; what out holds
 * then is unspecified.  The arguments are only borrowed. */
int notify_format(enum notify_method method, bool in_tmux, const char *title, const char *body,
		  char *out, size_t outlen);

#endif
