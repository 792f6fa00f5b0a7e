/* The data model as tables (see model.h): field schemas of each record and
 * request body, the enumerations, the case status machine, and the
 * normalisation of phone numbers and mail addresses. */
#include "core/model.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *const MODEL_CHANNELS[] = { "phone", "email", "chat", "sms", "counter",
				       "letter", "web", "note", NULL };
const char *const MODEL_DIRECTIONS[] = { "in", "out", "internal", NULL };
const char *const MODEL_CASE_STATUSES[] = { "new", "open", "pending-citizen",
					    "pending-internal", "resolved", "closed", NULL };
const char *const MODEL_PRIORITIES[] = { "low", "normal", "high", "urgent", NULL };
const char *const MODEL_ROLES[] = { "agent", "supervisor", "admin", "service", NULL };
const char *const MODEL_PRESENCES[] = { "available", "busy", "paused", "wrap-up", "offline",
					NULL };
const char *const MODEL_CALL_EVENTS[] = { "ringing", "queued", "answered", "transferred",
					  "ended", NULL };
static const char *const CONSENTS[] = { "email", "sms", "phone", "survey", NULL };

#define RO FF_READONLY
#define REQ FF_REQUIRED
#define NUL FF_NULLABLE

static const struct model_field citizen_fields[] = {
	{ "id", F_INT, RO, 1, 0, NULL, 0 },
	{ "given_name", F_STRING, REQ, 1, 100, NULL, 0 },
	{ "family_name", F_STRING, REQ, 1, 100, NULL, 0 },
	{ "emails", F_EMAILS, 0, 0, 10, NULL, 254 },
	{ "phones", F_PHONES, 0, 0, 10, NULL, 32 },
	{ "address", F_STRING, NUL, 0, 300, NULL, 0 },
	{ "birth_date", F_DATE, NUL, 0, 0, NULL, 0 },
	{ "preferred_channel", F_ENUM, NUL, 0, 0, MODEL_CHANNELS, 0 },
	{ "consents", F_STRINGS, 0, 0, 4, CONSENTS, 16 },
	{ "tags", F_STRINGS, 0, 0, 20, NULL, 40 },
	{ "merged_into", F_INT, RO | NUL, 1, 0, NULL, 0 },
	{ "version", F_INT, RO, 1, 0, NULL, 0 },
	{ "created_at", F_TIME, RO, 0, 0, NULL, 0 },
	{ "updated_at", F_TIME, RO, 0, 0, NULL, 0 },
};

static const struct model_field case_fields[] = {
	{ "id", F_INT, RO, 1, 0, NULL, 0 },
	{ "ref", F_STRING, RO, 11, 11, NULL, 0 },
	{ "citizen_id", F_INT, REQ | FF_CREATE, 1, 0, NULL, 0 },
	{ "service", F_SLUG, 0, 0, 0, NULL, 0 },
	{ "subject", F_STRING, REQ, 1, 200, NULL, 0 },
	{ "description", F_STRING, NUL, 0, 10000, NULL, 0 },
	{ "status", F_ENUM, 0, 0, 0, MODEL_CASE_STATUSES, 0 },
	{ "priority", F_ENUM, 0, 0, 0, MODEL_PRIORITIES, 0 },
	{ "assignee", F_LOGIN, NUL, 0, 0, NULL, 0 },
	{ "channel", F_ENUM, FF_CREATE, 0, 0, MODEL_CHANNELS, 0 },
	{ "life_event", F_SLUG, NUL, 0, 0, NULL, 0 },
	{ "due_at", F_TIME, RO, 0, 0, NULL, 0 },
	{ "ack_due_at", F_TIME, RO | NUL, 0, 0, NULL, 0 },
	{ "acknowledged_at", F_TIME, RO | NUL, 0, 0, NULL, 0 },
	{ "version", F_INT, RO, 1, 0, NULL, 0 },
	{ "created_at", F_TIME, RO, 0, 0, NULL, 0 },
	{ "updated_at", F_TIME, RO, 0, 0, NULL, 0 },
	{ "closed_at", F_TIME, RO | NUL, 0, 0, NULL, 0 },
};

static const struct model_field interaction_fields[] = {
	{ "id", F_INT, RO, 1, 0, NULL, 0 },
	{ "citizen_id", F_INT, REQ, 1, 0, NULL, 0 },
	{ "case_id", F_INT, NUL, 1, 0, NULL, 0 },
	{ "channel", F_ENUM, REQ, 0, 0, MODEL_CHANNELS, 0 },
	{ "direction", F_ENUM, REQ, 0, 0, MODEL_DIRECTIONS, 0 },
	{ "agent", F_LOGIN, RO | NUL, 0, 0, NULL, 0 },
	{ "started_at", F_TIME, 0, 0, 0, NULL, 0 },
	{ "ended_at", F_TIME, NUL, 0, 0, NULL, 0 },
	{ "summary", F_STRING, 0, 0, 2000, NULL, 0 },
	{ "external_ref", F_STRING, NUL, 1, 200, NULL, 0 },
	{ "wrapup_code", F_SLUG, NUL, 0, 0, NULL, 0 },
};

static const struct model_field note_fields[] = {
	{ "text", F_STRING, REQ, 1, 10000, NULL, 0 },
};
static const struct model_field transfer_fields[] = {
	{ "service", F_SLUG, 0, 0, 0, NULL, 0 },
	{ "agent", F_LOGIN, NUL, 0, 0, NULL, 0 },
	{ "reason", F_STRING, 0, 0, 500, NULL, 0 },
};
static const struct model_field presence_fields[] = {
	{ "presence", F_ENUM, REQ, 0, 0, MODEL_PRESENCES, 0 },
	{ "reason", F_STRING, NUL, 0, 100, NULL, 0 },
};
static const char *const VIEWING_MODES[] = { "viewing", "writing", NULL };
static const struct model_field viewing_fields[] = {
	{ "mode", F_ENUM, REQ, 0, 0, VIEWING_MODES, 0 },
};
static const struct model_field login_fields[] = {
	{ "login", F_LOGIN, REQ, 0, 0, NULL, 0 },
	{ "password", F_STRING, REQ, 1, 1024, NULL, 0 },
};
static const struct model_field chat_start_fields[] = {
	{ "name", F_STRING, 0, 0, 100, NULL, 0 },
	{ "email", F_EMAIL, 0, 0, 0, NULL, 0 },
	{ "subject", F_STRING, 0, 0, 200, NULL, 0 },
	{ "service", F_SLUG, 0, 0, 0, NULL, 0 },
	{ "text", F_STRING, REQ, 1, 4000, NULL, 0 },
};
static const struct model_field chat_message_fields[] = {
	{ "text", F_STRING, REQ, 1, 4000, NULL, 0 },
};
static const struct model_field chat_close_fields[] = {
	{ "wrapup_code", F_SLUG, 0, 0, 0, NULL, 0 },
	{ "summary", F_STRING, 0, 0, 2000, NULL, 0 },
	{ "case_id", F_INT, NUL, 1, 0, NULL, 0 },
};
static const struct model_field survey_fields[] = {
	{ "csat", F_INT, 0, 1, 5, NULL, 0 },
	{ "nps", F_INT, 0, 0, 10, NULL, 0 },
	{ "comment", F_STRING, 0, 0, 1000, NULL, 0 },
};
static const struct model_field telephony_fields[] = {
	{ "call_id", F_STRING, REQ, 1, 128, NULL, 0 },
	{ "event", F_ENUM, REQ, 0, 0, MODEL_CALL_EVENTS, 0 },
	{ "from", F_PHONE, 0, 0, 0, NULL, 0 },
	{ "to", F_PHONE, 0, 0, 0, NULL, 0 },
	{ "service", F_SLUG, 0, 0, 0, NULL, 0 },
	{ "agent", F_LOGIN, 0, 0, 0, NULL, 0 },
	{ "at", F_TIME, 0, 0, 0, NULL, 0 },
};
static const struct model_field merge_fields[] = {
	{ "duplicate_id", F_INT, REQ, 1, 0, NULL, 0 },
};
static const struct model_field route_feedback_fields[] = {
	{ "service", F_SLUG, REQ, 0, 0, NULL, 0 },
};
static const struct model_field service_fields[] = {
	{ "slug", F_SLUG, REQ, 0, 0, NULL, 0 },
	{ "name", F_STRING, REQ, 1, 100, NULL, 0 },
	{ "keywords", F_STRINGS, 0, 0, 100, NULL, 60 },
	{ "sla", F_OBJECT, 0, 0, 0, NULL, 0 },
};
static const struct model_field agent_fields[] = {
	{ "login", F_LOGIN, REQ, 0, 0, NULL, 0 },
	{ "display_name", F_STRING, 0, 0, 100, NULL, 0 },
	{ "role", F_ENUM, 0, 0, 0, MODEL_ROLES, 0 },
	{ "services", F_STRINGS, 0, 0, 64, NULL, 64 },
	{ "presence", F_ENUM, RO, 0, 0, MODEL_PRESENCES, 0 },
	{ "chat_capacity", F_INT, 0, 0, 10, NULL, 0 },
};

#define SCHEMA(var, nm, arr) const struct model_schema var = { nm, arr, N(arr) }
SCHEMA(MODEL_CITIZEN, "citizen", citizen_fields);
SCHEMA(MODEL_CASE, "case", case_fields);
SCHEMA(MODEL_INTERACTION, "interaction", interaction_fields);
SCHEMA(MODEL_NOTE, "note", note_fields);
SCHEMA(MODEL_TRANSFER, "transfer", transfer_fields);
SCHEMA(MODEL_PRESENCE, "presence", presence_fields);
SCHEMA(MODEL_LOGIN, "login", login_fields);
SCHEMA(MODEL_VIEWING, "viewing mark", viewing_fields);
SCHEMA(MODEL_CHAT_START, "chat", chat_start_fields);
SCHEMA(MODEL_CHAT_MESSAGE, "message", chat_message_fields);
SCHEMA(MODEL_CHAT_CLOSE, "chat close", chat_close_fields);
SCHEMA(MODEL_SURVEY, "survey", survey_fields);
SCHEMA(MODEL_TELEPHONY_EVENT, "telephony event", telephony_fields);
SCHEMA(MODEL_MERGE, "merge", merge_fields);
SCHEMA(MODEL_ROUTE_FEEDBACK, "routing feedback", route_feedback_fields);
SCHEMA(MODEL_SERVICE, "service", service_fields);
SCHEMA(MODEL_AGENT, "agent", agent_fields);

/* Allowed case status changes: from -> the statuses it may go to. */
static const struct {
	const char *from;
	const char *const to[5];
} case_transitions[] = {
	{ "new", { "open", "pending-citizen", "pending-internal", "resolved", "closed" } },
	{ "open", { "pending-citizen", "pending-internal", "resolved", NULL } },
	{ "pending-citizen", { "open", "resolved", "closed", NULL } },
	{ "pending-internal", { "open", "resolved", NULL } },
	{ "resolved", { "closed", "open", NULL } },
	{ "closed", { "open", NULL } },
};

bool model_case_transition_ok(const char *from, const char *to)
{
	for (size_t i = 0; i < N(case_transitions); i++) {
		if (strcmp(case_transitions[i].from, from) != 0)
			continue;
		for (size_t k = 0; k < 5 && case_transitions[i].to[k]; k++)
			if (strcmp(case_transitions[i].to[k], to) == 0)
				return true;
		return false;
	}
	return false;
}

int model_enum_index(const char *const *values, const char *v)
{
	for (int i = 0; values && values[i]; i++)
		if (strcmp(values[i], v) == 0)
			return i;
	return -1;
}

const struct model_field *model_field(const struct model_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	return NULL;
}

static bool charset_ok(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(extra, c)))
			return false;
	}
	return true;
}

bool model_slug_ok(const char *s)
{
	size_t n = strlen(s);
	return charset_ok(s, "-", 64) && s[0] != '-' && s[n - 1] != '-';
}

bool model_login_ok(const char *s)
{
	return charset_ok(s, "._-", 64) && isalnum((unsigned char)s[0]);
}

bool model_case_ref_ok(const char *s)
{
	if (strlen(s) != 11 || s[4] != '-')
		return false;
	for (int i = 0; i < 11; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int model_phone_e164(const char *in, char out[17])
{
	char digits[40];
	size_t n = 0;
	bool plus = false;

	for (const char *p = in; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n >= sizeof(digits) - 1)
				return -1;
			digits[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = true;
		} else if (!strchr(" .-()", *p)) {
			return -1;
		}
	}
	digits[n] = '\0';
	const char *d = digits;
	char tmp[48];
	if (!plus && n >= 4 && strncmp(d, "00", 2) == 0) {
		d += 2; /* international prefix */
	} else if (!plus && n == 10 && d[0] == '0' && d[1] != '0') {
		snprintf(tmp, sizeof(tmp), "33%s", d + 1); /* French national number */
		d = tmp;
	} else if (!plus) {
		return -1;
	}
	size_t len = strlen(d);
	if (len < 8 || len > 15 || d[0] == '0')
		return -1;
	out[0] = '+';
	memcpy(out + 1, d, len + 1);
	return 0;
}

int model_email_normalize(const char *in, char out[255])
{
	size_t n = strlen(in);
	const char *at = strrchr(in, '@');
	if (n < 3 || n > 254 || !at || at == in || at - in > 64 || strchr(in, '@') != at)
		return -1;
	const char *dom = at + 1;
	if (!*dom || !strchr(dom, '.') || dom[0] == '.' || dom[strlen(dom) - 1] == '.')
		return -1;
	for (const char *p = in; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || strchr("<>()[]\\,;:\"", c))
			return -1;
	}
	size_t i = 0;
	for (const char *p = in; *p; p++, i++)
		out[i] = p > at ? (char)tolower((unsigned char)*p) : *p;
	out[i] = '\0';
	return 0;
}

static int errf(char *err, size_t errlen, const char *field, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", field, msg);
	return -1;
}

static long long default_max(enum field_type t)
{
	return t == F_INT ? 9007199254740991LL : 1000;
}

/* Check (and normalise) one string element of an email or phone field. */
static int check_contact(json_t *v, enum field_type t, char *why, size_t whylen, json_t **norm)
{
	char buf[255];
	if (!json_is_string(v))
		return snprintf(why, whylen, "must be a string"), -1;
	const char *s = json_string_value(v);
	int rc = (t == F_EMAIL || t == F_EMAILS) ? model_email_normalize(s, buf)
						   : model_phone_e164(s, buf);
	if (rc < 0)
		return snprintf(why, whylen, "%s", (t == F_EMAIL || t == F_EMAILS)
							    ? "not a mail address"
							    : "not a phone number"),
		       -1;
	*norm = json_string(buf);
	return *norm ? 0 : (snprintf(why, whylen, "out of memory"), -1);
}

static int check_string(const struct model_field *f, json_t *v, char *why, size_t whylen)
{
	if (!json_is_string(v))
		return snprintf(why, whylen, "must be a string"), -1;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	long long max = f->max ? f->max : default_max(f->type);
	int64_t t;
	switch (f->type) {
	case F_STRING:
		if ((long long)n < f->min)
			return snprintf(why, whylen, f->min == 1 ? "must not be empty"
								: "shorter than %lld bytes", f->min), -1;
		if ((long long)n > max)
			return snprintf(why, whylen, "longer than %lld bytes", max), -1;
		return 0;
	case F_ENUM:
		if (model_enum_index(f->values, s) < 0)
			return snprintf(why, whylen, "unknown value"), -1;
		return 0;
	case F_TIME:
		if (iso8601_parse(s, &t) < 0 || n < 20)
			return snprintf(why, whylen, "not an ISO-8601 time"), -1;
		return 0;
	case F_DATE:
		if (n != 10 || iso8601_parse(s, &t) < 0)
			return snprintf(why, whylen, "not a date (YYYY-MM-DD)"), -1;
		return 0;
	case F_SLUG:
		return model_slug_ok(s) ? 0 : (snprintf(why, whylen, "not a slug ([a-z0-9-])"), -1);
	case F_LOGIN:
		return model_login_ok(s) ? 0 : (snprintf(why, whylen, "not a login"), -1);
	default:
		return snprintf(why, whylen, "bad schema"), -1;
	}
}

static int check_list(const struct model_field *f, json_t *v, char *why, size_t whylen)
{
	if (!json_is_array(v))
		return snprintf(why, whylen, "must be an array"), -1;
	if ((long long)json_array_size(v) > (f->max ? f->max : 100))
		return snprintf(why, whylen, "more than %lld elements", f->max), -1;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (f->type == F_STRINGS) {
			if (!json_is_string(e) || json_string_length(e) == 0 ||
			    json_string_length(e) > f->elem_max)
				return snprintf(why, whylen, "element %zu: must be a string of 1 to %zu bytes",
						i, f->elem_max), -1;
			if (f->values && model_enum_index(f->values, json_string_value(e)) < 0)
				return snprintf(why, whylen, "element %zu: unknown value", i), -1;
			continue;
		}
		json_t *norm = NULL;
		if (check_contact(e, f->type, why, whylen, &norm) < 0)
			return -1;
		json_array_set_new(v, i, norm);
	}
	return 0;
}

static int check_value(const struct model_field *f, json_t *v, char *why, size_t whylen)
{
	json_t *norm = NULL;
	switch (f->type) {
	case F_INT: {
		if (!json_is_integer(v))
			return snprintf(why, whylen, "must be an integer"), -1;
		long long x = json_integer_value(v), max = f->max ? f->max : default_max(F_INT);
		if (x < f->min || x > max)
			return snprintf(why, whylen, "must be between %lld and %lld", f->min, max), -1;
		return 0;
	}
	case F_BOOL:
		return json_is_boolean(v) ? 0 : (snprintf(why, whylen, "must be true or false"), -1);
	case F_OBJECT:
		return json_is_object(v) ? 0 : (snprintf(why, whylen, "must be an object"), -1);
	case F_STRINGS:
	case F_EMAILS:
	case F_PHONES:
		return check_list(f, v, why, whylen);
	case F_EMAIL:
	case F_PHONE:
		if (check_contact(v, f->type, why, whylen, &norm) < 0)
			return -1;
		json_string_set(v, json_string_value(norm));
		json_decref(norm);
		return 0;
	default:
		return check_string(f, v, why, whylen);
	}
}

int model_check(const struct model_schema *s, json_t *obj, enum model_mode mode, char *err,
		size_t errlen)
{
	char why[128];
	if (!json_is_object(obj))
		return errf(err, errlen, s->name, "must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const struct model_field *f = model_field(s, key);
		if (!f)
			return errf(err, errlen, key, "unknown field");
		if (mode != MODEL_RECORD && (f->flags & FF_READONLY))
			return errf(err, errlen, key, "read-only field");
		if (mode == MODEL_PATCH && (f->flags & FF_CREATE))
			return errf(err, errlen, key, "cannot be changed");
		if (json_is_null(v)) {
			if (f->flags & FF_NULLABLE)
				continue;
			return errf(err, errlen, key, "must not be null");
		}
		if (check_value(f, v, why, sizeof(why)) < 0)
			return errf(err, errlen, key, why);
	}
	if (mode == MODEL_PATCH)
		return 0;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct model_field *f = &s->fields[i];
		bool need = (f->flags & FF_REQUIRED) || (mode == MODEL_RECORD && f->flags & FF_READONLY &&
							 !(f->flags & FF_NULLABLE));
		if (need && !json_object_get(obj, f->name))
			return errf(err, errlen, f->name, "missing");
	}
	return 0;
}
