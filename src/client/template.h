/* Answer templates with their placeholders filled from what is open:
 * {citizen.name}, {case.ref}, {case.due}, {case.subject}, {agent.login}.
 * A placeholder with nothing to fill it stays as written, so the agent sees
 * what is missing before sending. */
#ifndef GUICHET_CLIENT_TEMPLATE_H
#define GUICHET_CLIENT_TEMPLATE_H

#include <stddef.h>

#include "client/desk.h"

/* Fill template `name` (from d->templates) into out.  Returns 0, or -1
 * when there is no such template.  The text is cut to fit outlen. */
int template_fill(const struct desk *d, const char *name, char *out, size_t outlen);

/* Fill the placeholders of body (used by template_fill; exposed for
 * tests). */
void template_expand(const struct desk *d, const char *body, char *out, size_t outlen);

#endif
