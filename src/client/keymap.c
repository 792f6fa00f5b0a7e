/* Key tables (see keymap.h): small arrays searched linearly, since a table
 * holds tens of bindings and a lookup happens once a key press. */
#include "client/keymap.h"

#include <stdlib.h>
#include <string.h>

struct binding {
	int key;
	char *command;
};

struct table {
	struct binding *b;
	int n, cap;
};

struct keymap {
	struct table t[SCREEN_COUNT + 1]; /* the last is the global table */
};

static struct table *table_of(struct keymap *k, int screen)
{
	if (screen == KEYMAP_GLOBAL)
		return &k->t[SCREEN_COUNT];
	if (screen < 0 || screen >= SCREEN_COUNT)
		return NULL;
	return &k->t[screen];
}

static const struct table *ctable_of(const struct keymap *k, int screen)
{
	return table_of((struct keymap *)k, screen);
}

struct keymap *keymap_new(void)
{
	return calloc(1, sizeof(struct keymap));
}

void keymap_free(struct keymap *k)
{
	if (!k)
		return;
	for (int i = 0; i <= SCREEN_COUNT; i++) {
		for (int j = 0; j < k->t[i].n; j++)
			free(k->t[i].b[j].command);
		free(k->t[i].b);
	}
	free(k);
}

static int find(const struct table *t, int key)
{
	for (int i = 0; i < t->n; i++)
		if (t->b[i].key == key)
			return i;
	return -1;
}

int keymap_bind(struct keymap *k, int screen, int key, const char *command)
{
	struct table *t = table_of(k, screen);
	char *copy = t ? strdup(command) : NULL;
	if (!copy)
		return -1;
	int i = find(t, key);
	if (i >= 0) {
		free(t->b[i].command);
		t->b[i].command = copy;
		return 0;
	}
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		struct binding *nb = cap <= KEYMAP_MAX ? realloc(t->b, (size_t)cap * sizeof(*nb)) : NULL;
		if (!nb) {
			free(copy);
			return -1;
		}
		t->b = nb;
		t->cap = cap;
	}
	t->b[t->n++] = (struct binding){ key, copy };
	return 0;
}

int keymap_unbind(struct keymap *k, int screen, int key)
{
	struct table *t = table_of(k, screen);
	int i = t ? find(t, key) : -1;
	if (i < 0)
		return -1;
	free(t->b[i].command);
	memmove(t->b + i, t->b + i + 1, (size_t)(t->n - i - 1) * sizeof(t->b[0]));
	t->n--;
	return 0;
}

const char *keymap_lookup(const struct keymap *k, int screen, int key)
{
	const struct table *t = ctable_of(k, screen);
	int i = t ? find(t, key) : -1;
	if (i >= 0)
		return t->b[i].command;
	t = ctable_of(k, KEYMAP_GLOBAL);
	i = find(t, key);
	return i >= 0 ? t->b[i].command : NULL;
}

void keymap_each(const struct keymap *k, int screen,
		 void (*fn)(int key, const char *command, void *arg), void *arg)
{
	const struct table *t = ctable_of(k, screen);
	for (int i = 0; t && i < t->n; i++)
		fn(t->b[i].key, t->b[i].command, arg);
}
