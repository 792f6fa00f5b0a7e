/* Unit tests: the bounded JSON parser, the model schemas and their
 * normalisation, the case status machine, SLA due dates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/calendar.h"
#include "core/json_bounded.h"
#include "core/model.h"
#include "core/sla.h"

static json_t *parse(const char *s, enum json_bounded_error *why)
{
	return json_bounded_parse(s, strlen(s), NULL, why, NULL, 0);
}

static void test_json_depth(void **state)
{
	(void)state;
	enum json_bounded_error why;
	char deep[200] = "";
	for (int i = 0; i < 17; i++)
		strcat(deep, "[");
	assert_null(parse(deep, &why));
	assert_int_equal(why, JSONB_TOO_DEEP);
	/* brackets inside strings do not count */
	json_t *j = parse("{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[\"}", &why);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(json_bounded_depth("[\"\\\"[\"]", 7, 10), 1);
}

static void test_json_rejects(void **state)
{
	(void)state;
	enum json_bounded_error why;
	assert_null(parse("{\"a\":1,\"a\":2}", &why));
	assert_int_equal(why, JSONB_SYNTAX);
	assert_null(parse("42", &why)); /* top level must be an object or array */
	assert_null(parse("{\"a\":\"\\u0000\"}", &why)); /* NUL in a string */
	assert_null(parse("{\"a\":\"\xff\"}", &why));     /* not UTF-8 */
	struct json_bounds b = JSON_BOUNDS_DEFAULT;
	b.max_string = 4;
	assert_null(json_bounded_parse("{\"a\":\"12345\"}", 13, &b, &why, NULL, 0));
	assert_int_equal(why, JSONB_TOO_LONG);
	b = JSON_BOUNDS_DEFAULT;
	b.max_bytes = 5;
	assert_null(json_bounded_parse("{\"a\":1}", 7, &b, &why, NULL, 0));
	assert_int_equal(why, JSONB_TOO_BIG);
}

static void test_phone(void **state)
{
	(void)state;
	char out[17];
	assert_int_equal(model_phone_e164("06 12 34 56 78", out), 0);
	assert_string_equal(out, "+33612345678");
	assert_int_equal(model_phone_e164("01.45.45.45.45", out), 0);
	assert_string_equal(out, "+33145454545");
	assert_int_equal(model_phone_e164("0033 6 12 34 56 78", out), 0);
	assert_string_equal(out, "+33612345678");
	assert_int_equal(model_phone_e164("+33 (0)6", out), -1);
	assert_int_equal(model_phone_e164("612345678", out), -1); /* no country */
	assert_int_equal(model_phone_e164("+1234567890123456", out), -1);
	assert_int_equal(model_phone_e164("06 12 ab", out), -1);
}

static void test_email(void **state)
{
	(void)state;
	char out[255];
	assert_int_equal(model_email_normalize("Jean.Dupont@Mairie.FR", out), 0);
	assert_string_equal(out, "Jean.Dupont@mairie.fr");
	assert_int_equal(model_email_normalize("a@b", out), -1);
	assert_int_equal(model_email_normalize("a b@c.fr", out), -1);
	assert_int_equal(model_email_normalize("a@@c.fr", out), -1);
	assert_int_equal(model_email_normalize("<a@c.fr>", out), -1);
}

static void test_schema(void **state)
{
	(void)state;
	char err[128];
	json_t *c = json_loads("{\"given_name\":\"Zoé\",\"family_name\":\"Lœuvre\","
			       "\"phones\":[\"06 12 34 56 78\"],\"consents\":[\"sms\"]}", 0, NULL);
	assert_int_equal(model_check(&MODEL_CITIZEN, c, MODEL_CREATE, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "phones"), 0)),
			    "+33612345678");
	json_object_set_new(c, "id", json_integer(3));
	assert_int_equal(model_check(&MODEL_CITIZEN, c, MODEL_CREATE, err, sizeof(err)), -1);
	assert_string_equal(err, "id: read-only field");
	json_object_del(c, "id");
	json_object_set_new(c, "consents", json_pack("[s]", "telepathy"));
	assert_int_equal(model_check(&MODEL_CITIZEN, c, MODEL_CREATE, err, sizeof(err)), -1);
	json_decref(c);

	json_t *k = json_loads("{\"subject\":\"x\"}", 0, NULL);
	assert_int_equal(model_check(&MODEL_CASE, k, MODEL_CREATE, err, sizeof(err)), -1);
	assert_string_equal(err, "citizen_id: missing");
	assert_int_equal(model_check(&MODEL_CASE, k, MODEL_PATCH, err, sizeof(err)), 0);
	json_object_set_new(k, "citizen_id", json_integer(4));
	assert_int_equal(model_check(&MODEL_CASE, k, MODEL_PATCH, err, sizeof(err)), -1);
	assert_string_equal(err, "citizen_id: cannot be changed");
	json_decref(k);

	json_t *s = json_loads("{\"subject\":\"\"}", 0, NULL);
	assert_int_equal(model_check(&MODEL_CASE, s, MODEL_PATCH, err, sizeof(err)), -1);
	assert_string_equal(err, "subject: must not be empty");
	json_decref(s);
}

static void test_status_machine(void **state)
{
	(void)state;
	assert_true(model_case_transition_ok("new", "open"));
	assert_true(model_case_transition_ok("resolved", "open"));
	assert_true(model_case_transition_ok("pending-citizen", "closed"));
	assert_false(model_case_transition_ok("open", "new"));
	assert_false(model_case_transition_ok("closed", "resolved"));
	assert_false(model_case_transition_ok("nonsense", "open"));
}

static void test_refs(void **state)
{
	(void)state;
	assert_true(model_case_ref_ok("2026-000123"));
	assert_false(model_case_ref_ok("2026-00012"));
	assert_false(model_case_ref_ok("2026_000123"));
	assert_true(model_slug_ok("etat-civil"));
	assert_false(model_slug_ok("-x"));
	assert_false(model_slug_ok("État"));
	assert_true(model_login_ok("j.dupont"));
	assert_false(model_login_ok(".x"));
}

static void test_sla(void **state)
{
	(void)state;
	int64_t t, ack, want;
	/* Wednesday 13 May 2026, 10:00 Paris; Ascension is Thursday 14 May. */
	assert_int_equal(iso8601_parse("2026-05-13T08:00:00Z", &t), 0);
	json_t *p = json_loads("{\"answer\": {\"default\": \"1d\", \"chat\": \"4h\"}}", 0, NULL);
	char err[100];
	assert_int_equal(sla_check(p, err, sizeof(err)), 0);
	int64_t due = sla_due(p, "email", NULL, t, &ack);
	assert_int_equal(iso8601_parse("2026-05-15T15:30:00Z", &want), 0); /* Friday 17:30 */
	assert_int_equal(due, want);
	/* an email is acknowledged within 5 working days (default policy) */
	assert_int_equal(iso8601_parse("2026-05-21T15:30:00Z", &want), 0);
	assert_int_equal(ack, want);
	/* 4 working hours from 10:00: 10-12 then 13:30-15:30 */
	due = sla_due(p, "chat", NULL, t, &ack);
	assert_int_equal(iso8601_parse("2026-05-13T13:30:00Z", &want), 0);
	assert_int_equal(due, want);
	assert_int_equal(ack, 0); /* chat needs no acknowledgement */
	json_decref(p);
	json_t *bad = json_loads("{\"answer\": {\"carrier-pigeon\": \"1d\"}}", 0, NULL);
	assert_int_equal(sla_check(bad, err, sizeof(err)), -1);
	json_decref(bad);
	bad = json_loads("{\"urgent\": \"0h\"}", 0, NULL);
	assert_int_equal(sla_check(bad, err, sizeof(err)), -1);
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_depth),   cmocka_unit_test(test_json_rejects),
		cmocka_unit_test(test_phone),        cmocka_unit_test(test_email),
		cmocka_unit_test(test_schema),       cmocka_unit_test(test_status_machine),
		cmocka_unit_test(test_refs),         cmocka_unit_test(test_sla),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
