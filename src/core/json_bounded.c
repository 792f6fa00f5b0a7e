/* Bounded JSON parsing (see json_bounded.h).  jansson has no depth option
 * of its own that we can lower at run time, so depth is checked on the raw
 * bytes first; the other bounds are checked on the parsed tree. */
#include "core/json_bounded.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const struct json_bounds JSON_BOUNDS_DEFAULT = {
	.max_bytes = 1 << 20,
	.max_depth = 16,
	.max_string = 64 * 1024,
	.max_array = 10000,
	.max_nodes = 100000,
};

int json_bounded_depth(const char *buf, size_t len, int limit)
{
	int depth = 0, deepest = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > deepest)
				deepest = depth;
			if (deepest > limit)
				return limit + 1;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return deepest;
}

struct walk {
	const struct json_bounds *b;
	size_t nodes;
};

/* Check string, array and node bounds over the whole tree; depth is bounded
 * already, so the recursion is too. */
static bool walk_ok(const json_t *j, struct walk *w)
{
	if (++w->nodes > w->b->max_nodes)
		return false;
	if (json_is_string(j))
		return json_string_length(j) <= w->b->max_string;
	if (json_is_array(j)) {
		if (json_array_size(j) > w->b->max_array)
			return false;
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) if (!walk_ok(v, w)) return false;
		return true;
	}
	if (json_is_object(j)) {
		if (json_object_size(j) > w->b->max_array)
			return false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v) {
			if (strlen(k) > w->b->max_string || !walk_ok(v, w))
				return false;
		}
	}
	return true;
}

static json_t *fail(enum json_bounded_error *why, enum json_bounded_error code, char *err,
		    size_t errlen, const char *msg)
{
	if (why)
		*why = code;
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return NULL;
}

json_t *json_bounded_parse(const char *buf, size_t len, const struct json_bounds *b,
			   enum json_bounded_error *why, char *err, size_t errlen)
{
	if (!b)
		b = &JSON_BOUNDS_DEFAULT;
	if (why)
		*why = JSONB_OK;
	if (len > b->max_bytes)
		return fail(why, JSONB_TOO_BIG, err, errlen, "JSON document too large");
	if (json_bounded_depth(buf, len, b->max_depth) > b->max_depth)
		return fail(why, JSONB_TOO_DEEP, err, errlen, "JSON nesting too deep");

	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		if (why)
			*why = JSONB_SYNTAX;
		if (err && errlen)
			snprintf(err, errlen, "invalid JSON at line %d column %d: %s", je.line,
				 je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j) && !json_is_array(j)) {
		json_decref(j);
		return fail(why, JSONB_SYNTAX, err, errlen, "JSON document must be an object or an array");
	}
	struct walk w = { .b = b, .nodes = 0 };
	if (!walk_ok(j, &w)) {
		json_decref(j);
		return fail(why, JSONB_TOO_LONG, err, errlen,
			    "JSON document has a string, array or member count over its bound");
	}
	return j;
}

char *json_bounded_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}
