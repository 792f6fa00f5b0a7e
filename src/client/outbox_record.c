/* An outbox entry as a record of the durable outbox, and back (see
 * outbox_record.h).  The record is JSON: it is sealed by the journal, so
 * its readability costs nothing, and the strict reader below is the one
 * place where a record becomes a request again. */
#include "client/outbox_record.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_bounded.h"
#include "core/json_get.h"

char *outbox_record_put(const struct outbox_entry *e)
{
	json_t *o = json_pack("{ss ss ss ss ss sO* sI ss sI ss}", "op", "put", "ref", e->ref,
			      "key", e->key, "kind", e->kind, "method", e->method, "body", e->body,
			      "base_version", (json_int_t)e->base_version, "target",
			      STORE_TYPE_NAMES[e->target_type], "target_id", (json_int_t)e->target_id,
			      "what", e->what);
	if (!o)
		return NULL;
	json_object_set_new(o, "path", json_string(e->path));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

char *outbox_record_del(const struct outbox_entry *e)
{
	json_t *o = json_pack("{ssss}", "op", "del", "ref", e->ref);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

/* Copy the string field name of o into out (size n): false when it is
 * missing, not a string, empty (unless may_be_empty) or too long. */
static bool text(const json_t *o, const char *name, char *out, size_t n, bool may_be_empty)
{
	const json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);
	if (!s || strlen(s) >= n || (!*s && !may_be_empty))
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static bool method_ok(const char *m)
{
	static const char *const ok[] = { "POST", "PUT", "PATCH", "DELETE" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

/* Only our API, and nothing that could leave it ("..", a scheme, a host). */
static bool path_ok(const char *p)
{
	return strncmp(p, "/api/v1/", 8) == 0 && !strstr(p, "..") && !strstr(p, "//") &&
	       !strpbrk(p, " \t\r\n#\\");
}

static int read_put(const json_t *o, struct outbox_entry *e)
{
	char target[24];
	const json_t *body = json_object_get(o, "body");
	const json_t *bv = json_object_get(o, "base_version"), *tid = json_object_get(o, "target_id");
	if (!text(o, "key", e->key, sizeof(e->key), false) ||
	    !text(o, "kind", e->kind, sizeof(e->kind), false) ||
	    !text(o, "method", e->method, sizeof(e->method), false) || !method_ok(e->method) ||
	    !text(o, "path", e->path, sizeof(e->path), false) || !path_ok(e->path) ||
	    !text(o, "what", e->what, sizeof(e->what), true) ||
	    !text(o, "target", target, sizeof(target), false) || store_type_find(target) < 0 ||
	    !json_is_integer(bv) || json_integer_value(bv) < 0 || !json_is_integer(tid) ||
	    json_integer_value(tid) < 0 || (body && !json_is_object(body) && !json_is_array(body)))
		return -1;
	e->target_type = (enum store_type)store_type_find(target);
	e->base_version = json_integer_value(bv);
	e->target_id = json_integer_value(tid);
	e->body = body ? json_deep_copy(body) : NULL;
	return body && !e->body ? -1 : 0;
}

int outbox_record_read(const void *data, size_t len, enum outbox_record_op *op,
		       struct outbox_entry *e)
{
	char what[8];
	int rc = -1;
	memset(e, 0, sizeof(*e));
	json_t *o = json_bounded_parse(data, len, NULL, NULL, NULL, 0);
	if (!json_is_object(o) || !text(o, "op", what, sizeof(what), false) ||
	    !text(o, "ref", e->ref, sizeof(e->ref), false))
		goto done;
	if (strcmp(what, "del") == 0) {
		*op = OUTBOX_RECORD_DEL;
		rc = 0;
	} else if (strcmp(what, "put") == 0 && read_put(o, e) == 0) {
		*op = OUTBOX_RECORD_PUT;
		rc = 0;
	}
done:
	if (rc < 0) {
		json_decref(e->body);
		e->body = NULL;
	}
	json_decref(o);
	return rc;
}
