/* A thread as the lines the thread screen moves through: for each message
 * its heading, its text wrapped to the screen's width, quoted text folded
 * into one line (unless unfolded), its attachments.  One item per line,
 * so that the screen scrolls like every list of the desk and Enter acts
 * on the line (a fold opens, an attachment is saved).  Pure: no I/O. */
#ifndef GUICHET_CLIENT_MAIL_LINES_H
#define GUICHET_CLIENT_MAIL_LINES_H

#include <stdbool.h>
#include <jansson.h>

/* Quoted lines in a run shorter than this are shown as they are. */
#define MAIL_FOLD_MIN 3

/* The lines of msgs (messages read into text, mail_text.h), wrapped at
 * width columns (at least 20): a new array of
 *   {"kind": "head", "msg": N, "from", "date", "subject"}   (N from 1)
 *   {"kind": "text" | "quote", "msg": N, "text"}
 *   {"kind": "fold", "msg": N, "count": lines hidden}
 *   {"kind": "attachment", "msg": N, "n": K, "filename", "type", "size"}
 *   {"kind": "blank"}
 * or NULL when out of memory.  Texts are as the messages hold them
 * (already sanitized by mail_text). */
json_t *mail_lines(const json_t *msgs, bool unfold, int width);

#endif
