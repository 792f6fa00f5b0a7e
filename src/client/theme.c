/* Colour roles and themes (see theme.h). */
#include "client/theme.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const ROLE_NAMES[ROLE_COUNT] = {
	"normal", "title", "status", "selected", "label", "muted",
	"overdue", "soon", "offer", "message", "error",
};

int theme_role_find(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (strcmp(ROLE_NAMES[i], name) == 0)
			return i;
	return -1;
}

void theme_clear(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < ROLE_COUNT; i++)
		t->role[i].fg.kind = t->role[i].bg.kind = COLOR_DEFAULT;
}

int theme_find(const char *name, const char *const *dirs, char *out, size_t n)
{
	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(name))
		return -1;
	for (size_t i = 0; dirs[i]; i++) {
		int k = snprintf(out, n, "%s/%s.theme", dirs[i], name);
		if (k > 0 && (size_t)k < n && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}
