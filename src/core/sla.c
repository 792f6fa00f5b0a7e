/* SLA due dates (see sla.h). */
#include "core/sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

static const char DEFAULT_POLICY[] =
	"{\"answer\": {\"default\": \"15d\", \"phone\": \"2d\", \"counter\": \"2d\","
	" \"chat\": \"8h\", \"sms\": \"5d\"},"
	" \"ack\": {\"email\": \"5d\", \"web\": \"5d\", \"sms\": \"5d\", \"letter\": \"10d\"},"
	" \"urgent\": \"8h\", \"high\": \"5d\", \"region\": \"metropole\"}";

json_t *sla_default_policy(void)
{
	return json_loads(DEFAULT_POLICY, 0, NULL);
}

/* Parse "<n>d" or "<n>h" (1..3650 days, 1..10000 hours) into minutes of
 * work or days; returns 0 and sets *n and *unit ('d' or 'h'), or -1. */
static int duration(const char *s, long *n, char *unit)
{
	if (!s)
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || (*end != 'd' && *end != 'h') || end[1] != '\0' || v < 1)
		return -1;
	if ((*end == 'd' && v > 3650) || (*end == 'h' && v > 10000))
		return -1;
	*n = v;
	*unit = *end;
	return 0;
}

static int check_map(const json_t *m, const char *name, char *err, size_t errlen)
{
	if (!json_is_object(m)) {
		snprintf(err, errlen, "%s: must be an object", name);
		return -1;
	}
	const char *k;
	json_t *v;
	long n;
	char u;
	json_object_foreach((json_t *)m, k, v) {
		if (strcmp(k, "default") != 0 && model_enum_index(MODEL_CHANNELS, k) < 0) {
			snprintf(err, errlen, "%s.%s: not a channel", name, k);
			return -1;
		}
		if (duration(json_string_value(v), &n, &u) < 0) {
			snprintf(err, errlen, "%s.%s: give a duration such as \"5d\" or \"8h\"", name, k);
			return -1;
		}
	}
	return 0;
}

int sla_check(const json_t *p, char *err, size_t errlen)
{
	if (!json_is_object(p)) {
		snprintf(err, errlen, "sla: must be an object");
		return -1;
	}
	const char *k;
	json_t *v;
	long n;
	char u;
	json_object_foreach((json_t *)p, k, v) {
		if (strcmp(k, "answer") == 0 || strcmp(k, "ack") == 0) {
			if (check_map(v, k, err, errlen) < 0)
				return -1;
		} else if (strcmp(k, "urgent") == 0 || strcmp(k, "high") == 0) {
			if (duration(json_string_value(v), &n, &u) < 0) {
				snprintf(err, errlen, "%s: give a duration such as \"5d\" or \"8h\"", k);
				return -1;
			}
		} else if (strcmp(k, "region") == 0) {
			const char *s = json_string_value(v);
			if (!s || (strcmp(s, "metropole") != 0 && strcmp(s, "alsace-moselle") != 0)) {
				snprintf(err, errlen, "region: metropole or alsace-moselle");
				return -1;
			}
		} else {
			snprintf(err, errlen, "%s: unknown key", k);
			return -1;
		}
	}
	return 0;
}

/* The duration for key in map `name`, from the policy, else the default
 * policy, else "default" of that map. */
static const char *lookup(const json_t *p, const json_t *def, const char *name, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(p, name), key));
	if (!s)
		s = json_string_value(json_object_get(json_object_get(def, name), key));
	return s;
}

static int64_t add(int64_t t, const char *dur, enum cal_region region)
{
	long n;
	char u;
	if (duration(dur, &n, &u) < 0)
		return t;
	if (u == 'd')
		return cal_add_working_days(t, (int)n, region, &CAL_DEFAULT_HOURS);
	return cal_add_working_minutes(t, (int64_t)n * 60, region, &CAL_DEFAULT_HOURS);
}

int64_t sla_due(const json_t *p, const char *channel, const char *priority, int64_t created,
		int64_t *ack_due)
{
	json_t *def = sla_default_policy();
	const char *reg = json_string_value(json_object_get(p, "region"));
	enum cal_region region = reg && strcmp(reg, "alsace-moselle") == 0 ? CAL_ALSACE_MOSELLE
									    : CAL_METROPOLE;
	const char *ch = channel ? channel : "default";
	const char *answer = NULL;
	if (priority && (strcmp(priority, "urgent") == 0 || strcmp(priority, "high") == 0)) {
		answer = json_string_value(json_object_get(p, priority));
		if (!answer)
			answer = json_string_value(json_object_get(def, priority));
	}
	if (!answer)
		answer = lookup(p, def, "answer", ch);
	if (!answer)
		answer = lookup(p, def, "answer", "default");
	int64_t due = add(created, answer, region);
	const char *ack = lookup(p, def, "ack", ch);
	if (ack_due)
		*ack_due = ack ? add(created, ack, region) : 0;
	json_decref(def);
	return due;
}
