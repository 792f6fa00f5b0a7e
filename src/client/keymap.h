/* Key tables: one per screen plus a global one that every screen falls
 * back to (as tmux's key tables).  A binding maps a key code (keyspec.h)
 * to a command string, run through the command table like anything typed
 * at the : prompt, so that keymap files are just scripts of `bind`. */
#ifndef GUICHET_CLIENT_KEYMAP_H
#define GUICHET_CLIENT_KEYMAP_H

#include "client/desk.h"

#define KEYMAP_GLOBAL  (-1)
#define KEYMAP_MAX     512   /* bindings per table */

struct keymap;

/* A new, empty keymap; NULL when out of memory.  Free with keymap_free. */
struct keymap *keymap_new(void);
void keymap_free(struct keymap *k);

/* Bind key on screen (or KEYMAP_GLOBAL) to a copy of command, replacing
 * any binding of that key there.  Returns 0, or -1 (table full, out of
 * memory). */
int keymap_bind(struct keymap *k, int screen, int key, const char *command);

/* Remove a binding: 0, or -1 when the key was not bound there. */
int keymap_unbind(struct keymap *k, int screen, int key);

/* The command for key on screen, else in the global table; NULL when the
 * key is bound nowhere.  Owned by the keymap, valid until it changes. */
const char *keymap_lookup(const struct keymap *k, int screen, int key);

/* Each binding of a table, in the order they were made (for the help
 * screen). */
void keymap_each(const struct keymap *k, int screen,
		 void (*fn)(int key, const char *command, void *arg), void *arg);

#endif
