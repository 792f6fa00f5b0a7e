/* Pages and cursors (see store_cursor.h): no SQL here, every back end
 * pages the same way. */
#include "server/store_cursor.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/json_bounded.h"

json_t *store_page(json_t *items, int limit, char *(*key_fn)(const json_t *item))
{
	json_t *page = json_object();
	char *cursor = NULL;
	if ((int)json_array_size(items) > limit) {
		json_array_remove(items, (size_t)limit);
		cursor = key_fn(json_array_get(items, (size_t)limit - 1));
	}
	json_object_set_new(page, "items", items);
	json_object_set_new(page, "next_cursor", cursor ? json_string(cursor) : json_null());
	free(cursor);
	return page;
}

char *cursor_make(json_t *parts)
{
	char *txt = json_bounded_dump(parts);
	json_decref(parts);
	if (!txt)
		return NULL;
	size_t n = strlen(txt);
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	if (out)
		sodium_bin2base64(out, cap, (const unsigned char *)txt, n,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(txt);
	return out;
}

json_t *cursor_parse(const char *cursor)
{
	unsigned char buf[512];
	size_t n = 0;
	if (!cursor || strlen(cursor) > 600 ||
	    sodium_base642bin(buf, sizeof(buf) - 1, cursor, strlen(cursor), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	json_t *j = json_loadb((const char *)buf, n, 0, NULL);
	if (!json_is_array(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int cursor_at_id(const char *cursor, int64_t *at, int64_t *id)
{
	if (!cursor)
		return 0;
	json_t *cur = cursor_parse(cursor);
	json_t *a = json_array_get(cur, 0), *i = json_array_get(cur, 1);
	int ok = json_array_size(cur) == 2 && json_is_integer(a) && json_is_integer(i);
	if (ok) {
		*at = json_integer_value(a);
		*id = json_integer_value(i);
	}
	json_decref(cur);
	return ok ? 1 : -1;
}

static char *at_id_key(const json_t *item)
{
	return cursor_make(json_pack("[II]", json_integer_value(json_object_get(item, "at_s")),
				     json_integer_value(json_object_get(item, "id"))));
}

json_t *store_page_at_id(json_t *items, int limit)
{
	json_t *page = store_page(items, limit, at_id_key);
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v) json_object_del(v, "at_s");
	return page;
}
