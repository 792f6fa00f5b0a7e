/* The wallboard's drawing (monitor_view.c), for screens.c: one line per
 * row of client/monitor.h, and the summary line above them. */
#ifndef GUICHET_TUI_MONITOR_VIEW_H
#define GUICHET_TUI_MONITOR_VIEW_H

#include "client/worklist.h"
#include "tui/tui.h"

void monitor_line(struct tui *t, int y, int cols, const json_t *it, bool sel);
void monitor_summary(struct tui *t, int y, int cols, const json_t *snap);

#endif
