/* Desktop notifications as terminal escape sequences (an offer, an SLA
 * alert): the bell, OSC 9 (iTerm2, WezTerm), OSC 777 (urxvt, foot), OSC 99
 * (kitty), wrapped for tmux's passthrough when inside tmux.  Only the
 * bytes are made here; the caller writes them.  Title and body come from
 * data: they are cleaned first so that they cannot end or alter the
 * sequence. */
#ifndef GUICHET_CLIENT_NOTIFY_H
#define GUICHET_CLIENT_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

enum notify_method { NOTIFY_NONE, NOTIFY_BELL, NOTIFY_OSC9, NOTIFY_OSC777, NOTIFY_OSC99 };

/* "none", "bell", "osc9", "osc777", "osc99" -> method, -1 when unknown. */
int notify_method_parse(const char *name);
const char *notify_method_name(enum notify_method m);

/* The bytes showing title and body by method, into out.  Returns their
 * count (0 for NOTIFY_NONE), or -1 when out is too small. */
int notify_format(enum notify_method method, bool in_tmux, const char *title, const char *body,
		  char *out, size_t outlen);

#endif
