/* The mail screens' drawing (mail_view.c), for screens.c: a thread on a
 * line (the mail list, the work list), the lines of an open thread, and
 * the heading above each. */
#ifndef GUICHET_TUI_MAIL_VIEW_H
#define GUICHET_TUI_MAIL_VIEW_H

#include <stdbool.h>
#include <jansson.h>

#include "tui/tui.h"

void mail_thread_row(struct tui *t, int y, int cols, const json_t *th, bool sel);
void mail_more_row(struct tui *t, int y, int cols, const json_t *it, bool sel);
void mail_line(struct tui *t, int y, int cols, const json_t *it, bool sel);
void mail_list_heading(struct tui *t, int y, int cols);
void mail_thread_heading(struct tui *t, int y, int cols);

#endif
