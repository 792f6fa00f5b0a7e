/* The phone on screen (call_view.c), for screens.c: the call that rings,
 * is on the line or waits for its wrap-up, drawn over the bottom of any
 * screen; and the phone's word in the status bar. */
#ifndef GUICHET_TUI_CALL_VIEW_H
#define GUICHET_TUI_CALL_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/tui.h"

/* Draw the call ending at line bottom: true when there was one to draw
 * (then the offers wait their turn). */
bool call_view_draw(struct tui *t, int bottom);
/* " · ☎ en ligne 1:23", " · téléphone injoignable"… into out ("" without
 * a phone). */
void call_view_status(const struct desk *d, char *out, size_t n);

#endif
