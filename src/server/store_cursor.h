/* Pages and their cursors, the same for every store back end: a cursor is
 * the sort key of a page's last item, as a JSON array in URL-safe
 * base64, opaque to clients. */
#ifndef GUICHET_SERVER_STORE_CURSOR_H
#define GUICHET_SERVER_STORE_CURSOR_H

#include <jansson.h>
#include <stdint.h>

/* {"items": items, "next_cursor": …} from limit+1 rows fetched: the extra
 * row, when there, is dropped and the cursor made from the last item kept
 * by key_fn (which returns a malloc'd cursor).  Takes items. */
json_t *store_page(json_t *items, int limit, char *(*key_fn)(const json_t *item));

/* A cursor from the parts of a sort key (takes parts); malloc'd, NULL when
 * out of memory. */
char *cursor_make(json_t *parts);

/* The parts of a cursor (new reference), NULL when it is not one of ours. */
json_t *cursor_parse(const char *cursor);

/* Lists paged newest first on (at, id) (a case's history): the key in a
 * cursor, 1 and *at, *id filled; 0 when cursor is NULL (the first page);
 * -1 when it is not one of ours. */
int cursor_at_id(const char *cursor, int64_t *at, int64_t *id);

/* Such a page from limit+1 rows that carry at_s (epoch seconds, dropped
 * here) and id; takes items. */
json_t *store_page_at_id(json_t *items, int limit);

#endif
