/* The small getters every reader of a JSON record uses, in one place, so
 * that "a member as an integer" means the same on both sides of the wire.
 * None of them allocates; a string returned is borrowed from the object
 * and lives as long as the object does. */
#ifndef GUICHET_CORE_JSON_GET_H
#define GUICHET_CORE_JSON_GET_H

#include <stdint.h>
#include <jansson.h>

/* The integer member k of o (0 when o is not an object, k is absent or is
 * not an integer). */
int64_t jint(const json_t *o, const char *k);

/* The string member k of o, or NULL when absent or not a string. */
const char *jstr(const json_t *o, const char *k);

/* The same, but "" instead of NULL: for text that is shown or compared. */
const char *jtext(const json_t *o, const char *k);

#endif
