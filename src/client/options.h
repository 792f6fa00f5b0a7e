/* The desk's options, behind `set NAME VALUE` (guichetrc, the : prompt,
 * headless scripts): one table of name, kind, default, allowed values and
 * help line, which also feeds the help screen and guichetrc(5). */
#ifndef GUICHET_CLIENT_OPTIONS_H
#define GUICHET_CLIENT_OPTIONS_H

#include <stddef.h>

enum option_kind { OPTION_STRING, OPTION_CHOICE, OPTION_NUMBER };

struct option_def {
	const char *name;
	enum option_kind kind;
	const char *def;
	const char *const *choices;   /* OPTION_CHOICE: NULL-terminated */
	long min, max;                /* OPTION_NUMBER */
	const char *help;             /* French; translated through _() when shown */
};

extern const struct option_def OPTION_DEFS[];
extern const size_t OPTION_COUNT;

struct options;

/* Every option at its default; NULL when out of memory. */
struct options *options_new(void);
void options_free(struct options *o);

/* Set name to value (checked against the table).  Returns 0, or -1 with a
 * message in err. */
int options_set(struct options *o, const char *name, const char *value, char *err,
		size_t errlen);

/* The value of an option (owned by o, valid until the next set), or NULL
 * for an unknown name. */
const char *options_get(const struct options *o, const char *name);

#endif
