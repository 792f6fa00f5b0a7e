/* Answering the open mail thread from the desk: a draft (the template,
 * then the citizen's message quoted) in the agent's $VISUAL or $EDITOR,
 * sent through the sendmail command (option sendmail), kept in the
 * Maildir's Sent folder and indexed, the thread tagged guichet/replied,
 * and the answer recorded on guichetd as an outgoing email of the
 * citizen (and of the case the thread was linked to). */
#ifndef GUICHET_CLIENT_MAIL_SEND_H
#define GUICHET_CLIENT_MAIL_SEND_H

#include <stddef.h>

#include "client/desk.h"
#include "client/job.h"

/* Answer the open thread, with the template of that name on top (NULL:
 * none).  A draft left unchanged, or an editor that fails, sends nothing.
 * 0, or -1 with err. */
int mail_reply(struct desk *d, const char *template_name, struct job *j, char *err,
	       size_t errlen);

#endif
