/* JSON member getters (see json_get.h). */
#include "core/json_get.h"

int64_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *jtext(const json_t *o, const char *k)
{
	const char *s = jstr(o, k);
	return s ? s : "";
}
