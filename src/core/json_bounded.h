/* Bounded JSON parsing: every JSON text from the network, a file or a
 * citizen goes through here before any decoder looks at it.  Size, nesting
 * depth, string length, array length and node count are capped before and
 * after jansson parses, and duplicate keys are rejected. */
#ifndef GUICHET_CORE_JSON_BOUNDED_H
#define GUICHET_CORE_JSON_BOUNDED_H

#include <stddef.h>
#include <jansson.h>

struct json_bounds {
	size_t max_bytes;   /* whole text */
	int max_depth;      /* nesting of arrays and objects; 1 = a flat object */
	size_t max_string;  /* bytes in one string (keys included) */
	size_t max_array;   /* elements in one array or members in one object */
	size_t max_nodes;   /* values in the whole document */
};

/* Bounds for request bodies and API answers. */
extern const struct json_bounds JSON_BOUNDS_DEFAULT;

/* Why a parse failed, for choosing the HTTP status. */
enum json_bounded_error {
	JSONB_OK = 0,
	JSONB_SYNTAX,     /* not JSON, or not UTF-8, or a duplicate key */
	JSONB_TOO_BIG,    /* over max_bytes */
	JSONB_TOO_DEEP,   /* over max_depth */
	JSONB_TOO_LONG,   /* a string, an array or the node count over its bound */
};

/* Parse buf[0..len) within bounds b (JSON_BOUNDS_DEFAULT when NULL).  The
 * top level must be an object or an array.  Returns a new reference (caller
 * owns it) or NULL with *why set and a message in err (errlen bytes, may be
 * 0). */
json_t *json_bounded_parse(const char *buf, size_t len, const struct json_bounds *b,
			   enum json_bounded_error *why, char *err, size_t errlen);

/* Depth of the deepest array/object in buf, scanning bytes only (strings
 * skipped); stops counting past `limit` and returns limit + 1. */
int json_bounded_depth(const char *buf, size_t len, int limit);

/* Serialize compactly with keys in insertion order; malloc'd, caller frees. */
char *json_bounded_dump(const json_t *j);

#endif
