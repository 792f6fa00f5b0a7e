/* The data model of DESIGN.md section 3, as tables.
 *
 * Records travel as JSON objects (jansson) between the wire, the store and
 * the desk; what a record may hold is one `struct model_schema`: its fields
 * with type, bounds and flags.  model_check() validates an object strictly
 * against a schema (unknown fields, wrong types, out-of-bound lengths and
 * values are errors), for a creation, a partial update or a full record.
 * The enumerations (channels, statuses, roles...) and the case status
 * machine are tables here too, so server and client agree by construction. */
#ifndef GUICHET_CORE_MODEL_H
#define GUICHET_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

enum field_type {
	F_STRING,     /* UTF-8 text, length bounds in bytes */
	F_INT,        /* integer, value bounds */
	F_BOOL,
	F_ENUM,       /* a string from `values` */
	F_STRINGS,    /* array of strings, max = element count, elem_max = element bytes */
	F_TIME,       /* ISO-8601 string */
	F_DATE,       /* YYYY-MM-DD */
	F_EMAIL,      /* a mail address (normalised: domain lowercased) */
	F_EMAILS,     /* array of mail addresses */
	F_PHONE,      /* a phone number, normalised to E.164 */
	F_PHONES,     /* array of phone numbers */
	F_SLUG,       /* [a-z0-9-], 1..64 */
	F_LOGIN,      /* [a-z0-9._-], 1..64 */
	F_OBJECT,     /* any object (bounded by the parser) */
};

enum field_flags {
	FF_REQUIRED = 1 << 0, /* must be present on creation */
	FF_READONLY = 1 << 1, /* set by the server only: rejected in input */
	FF_NULLABLE = 1 << 2, /* JSON null allowed (clears the value) */
	FF_CREATE   = 1 << 3, /* may be given on creation only, not in a PATCH */
};

struct model_field {
	const char *name;
	enum field_type type;
	unsigned flags;
	long long min, max;            /* length (strings) or value (ints); max 0 = default */
	const char *const *values;     /* F_ENUM: NULL-terminated */
	size_t elem_max;               /* F_STRINGS: bytes per element */
};

struct model_schema {
	const char *name;
	const struct model_field *fields;
	size_t nfields;
};

enum model_mode {
	MODEL_CREATE, /* input creating a record */
	MODEL_PATCH,  /* input updating some fields */
	MODEL_RECORD, /* a whole record as the server sends it */
};

/* The records and request bodies of the API. */
extern const struct model_schema MODEL_CITIZEN, MODEL_CASE, MODEL_INTERACTION, MODEL_NOTE,
	MODEL_TRANSFER, MODEL_PRESENCE, MODEL_LOGIN, MODEL_CHAT_START, MODEL_CHAT_MESSAGE,
	MODEL_CHAT_CLOSE, MODEL_SURVEY, MODEL_TELEPHONY_EVENT, MODEL_MERGE, MODEL_SERVICE,
	MODEL_AGENT, MODEL_ROUTE_FEEDBACK, MODEL_VIEWING;

/* Enumerations, NULL-terminated. */
extern const char *const MODEL_CHANNELS[];   /* phone email chat sms counter letter web note */
extern const char *const MODEL_DIRECTIONS[]; /* in out internal */
extern const char *const MODEL_CASE_STATUSES[];
extern const char *const MODEL_PRIORITIES[]; /* low normal high urgent */
extern const char *const MODEL_ROLES[];      /* agent supervisor admin service */
extern const char *const MODEL_PRESENCES[];  /* available busy paused wrap-up offline */
extern const char *const MODEL_CALL_EVENTS[];

/* Validate obj against schema s in the given mode.  In MODEL_CREATE and
 * MODEL_PATCH, email and phone fields are rewritten in place to their
 * normal form (that is why obj is not const).  Returns 0, or -1 with the
 * offending field and reason in err (errlen bytes), e.g.
 * "family_name: longer than 100 bytes". */
int model_check(const struct model_schema *s, json_t *obj, enum model_mode mode, char *err,
		size_t errlen);

/* Field description by name, or NULL. */
const struct model_field *model_field(const struct model_schema *s, const char *name);

/* Index of v in the NULL-terminated list, or -1. */
int model_enum_index(const char *const *values, const char *v);

/* True when a case may go from status `from` to status `to`. */
bool model_case_transition_ok(const char *from, const char *to);

/* Normalise a phone number to E.164 into out (at least 17 bytes): French
 * national numbers (0X XX XX XX XX) get +33; 0033 becomes +33; spaces, dots,
 * dashes and parentheses are dropped.  Returns 0, or -1 when it is not a
 * phone number. */
int model_phone_e164(const char *in, char out[17]);

/* Check a mail address and write its normal form (domain lowercased) into
 * out (at least 255 bytes).  Returns 0 or -1. */
int model_email_normalize(const char *in, char out[255]);

/* True for a slug: 1..64 of [a-z0-9-], not starting or ending with '-'. */
bool model_slug_ok(const char *s);

/* True for a login: 1..64 of [a-z0-9._-], starting with a letter or digit. */
bool model_login_ok(const char *s);

/* True for a case reference "YYYY-NNNNNN". */
bool model_case_ref_ok(const char *s);

#endif
