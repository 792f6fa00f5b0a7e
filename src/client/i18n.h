/* Translations: the desk's messages are written in French, the language of
 * most agents, and translated by the catalogs of po/ (English today) when
 * the locale asks for another language. */
#ifndef GUICHET_CLIENT_I18N_H
#define GUICHET_CLIENT_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
