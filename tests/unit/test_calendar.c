/* Unit tests: ISO-8601 parsing and formatting, civil dates, the Paris
 * offset, Easter and the French holidays, working-day and working-minute
 * arithmetic (checked against a minute-by-minute count). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/calendar.h"

/* Parses an instant the test relies on; a typo fails loudly. */
static int64_t at(const char *s)
{
	int64_t t = -1;
	assert_int_equal(iso8601_parse(s, &t), 0);
	return t;
}

static void assert_time(int64_t t, const char *want)
{
	char buf[ISO8601_LEN];
	iso8601_format(t, buf);
	assert_string_equal(buf, want);
}

static void test_iso_parse(void **state)
{
	(void)state;
	assert_int_equal(at("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(at("1970-01-01"), 0);
	assert_int_equal(at("2026-11-22T13:45:00Z"), 1795355100);
	assert_int_equal(at("2026-11-22T14:45:00+01:00"), 1795355100);
	assert_int_equal(at("2026-11-22T08:15:00-05:30"), 1795355100);
	assert_int_equal(at("2026-11-22T13:45:00.123Z"), 1795355100);
	assert_int_equal(at("2026-11-22T13:45:00.123456789+00:00"), 1795355100);
	assert_int_equal(at("2026-11-22T13:45:00-00:00"), 1795355100);
	assert_int_equal(at("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(at("2000-02-29"), 951782400);
	assert_int_equal(at("0000-01-01"), -62167219200);
	assert_int_equal(at("9999-12-31T23:59:59Z"), 253402300799);
	assert_int_equal(at("2026-01-01T00:30:00+23:59"), at("2025-12-31T00:31:00Z"));
}

static void test_iso_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "2026", "2026-11", "2026-11-2", "2026-11-22T", "2026-11-22T13:45",
		"2026-11-22T13:45:00", "2026-11-22T13:45:00Zx", "2026-11-22 13:45:00Z",
		"2026-11-22x", "2026-11-22T13:45:00.Z", "2026-11-22T13:45:00.1234567890Z",
		"2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "2026-02-29",
		"2026-02-30", "1900-02-29", "2026-11-22T24:00:00Z", "2026-11-22T13:60:00Z",
		"2026-11-22T13:45:60Z", "2026-11-22T13:45:61Z", "2026-11-22T13:45:00+24:00",
		"2026-11-22T13:45:00+01:60", "2026-11-22T13:45:00+0100", "2026-11-22T13:45:00+1",
		"2026-11-22t13:45:00Z", "2026-11-22T13:45:00z", "-001-01-01", "10000-01-01",
		"+2026-11-22", "2026-1a-22", " 2026-11-22", "2026-11-22T1:45:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		if (iso8601_parse(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 42); /* untouched on failure */
	}
	int64_t t;
	assert_int_equal(iso8601_parse(NULL, &t), -1);
	assert_int_equal(iso8601_parse("2026-11-22", NULL), -1);
}

static void test_iso_format(void **state)
{
	(void)state;
	assert_time(0, "1970-01-01T00:00:00Z");
	assert_time(-1, "1969-12-31T23:59:59Z");
	assert_time(951782400, "2000-02-29T00:00:00Z");
	static const char *const round[] = {
		"2026-11-22T13:45:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"2000-02-29T12:34:56Z", "1600-03-01T00:00:00Z", "0004-02-29T23:00:01Z",
	};
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++)
		assert_time(at(round[i]), round[i]);
	/* A round trip through the text is exact for any second in range. */
	char buf[ISO8601_LEN];
	for (int64_t t = -62167219200; t < 253402300800; t += 987654321) {
		iso8601_format(t, buf);
		assert_int_equal(at(buf), t);
	}
	/* Out of range: the nearest representable instant, never overflow. */
	assert_time(INT64_MIN, "0000-01-01T00:00:00Z");
	assert_time(-62167219201, "0000-01-01T00:00:00Z");
	assert_time(INT64_MAX, "9999-12-31T23:59:59Z");
	assert_time(253402300800, "9999-12-31T23:59:59Z");
}

static void test_civil(void **state)
{
	(void)state;
	int y, m, d;
	assert_int_equal(cal_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cal_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(cal_days_from_civil(2026, 11, 23), 20780);
	assert_int_equal(cal_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(cal_weekday(0), 3); /* Thursday */
	assert_int_equal(cal_weekday(20780), 0); /* Monday 23 Nov 2026 */
	assert_int_equal(cal_weekday(-1), 2);
	cal_civil_from_days(11016, &y, &m, &d);
	assert_true(y == 2000 && m == 2 && d == 29);
	cal_civil_from_days(11017, &y, &m, &d);
	assert_true(y == 2000 && m == 3 && d == 1);
	cal_civil_from_days(20780, &y, &m, &d);
	assert_true(y == 2026 && m == 11 && d == 23);
	/* Month 13 carries into the next year. */
	assert_int_equal(cal_days_from_civil(2026, 13, 1), cal_days_from_civil(2027, 1, 1));
	/* Day after day over 0000..9999: consecutive dates, exact inverse. */
	int py = 0, pm = 0, pd = 0;
	cal_civil_from_days(cal_days_from_civil(0, 1, 1) - 1, &py, &pm, &pd);
	assert_true(py == -1 && pm == 12 && pd == 31);
	for (int64_t day = cal_days_from_civil(0, 1, 1); day <= 2932896; day++) {
		cal_civil_from_days(day, &y, &m, &d);
		bool next = (y == py && m == pm && d == pd + 1) ||
			    (y == py && m == pm + 1 && d == 1) || (y == py + 1 && m == 1 && d == 1);
		if (!next || cal_days_from_civil(y, m, d) != day)
			fail_msg("day %lld: %d-%d-%d", (long long)day, y, m, d);
		py = y, pm = m, pd = d;
	}
	assert_true(py == 9999 && pm == 12 && pd == 31);
	/* Absurd inputs stay defined. */
	cal_civil_from_days(INT64_MAX, &y, &m, &d);
	cal_civil_from_days(INT64_MIN, &y, &m, &d);
	assert_in_range(cal_weekday(INT64_MIN), 0, 6);
	assert_in_range(cal_weekday(INT64_MAX), 0, 6);
	(void)cal_days_from_civil(2147483647, 2147483647, 2147483647);
	(void)cal_days_from_civil(-2147483647 - 1, -2147483647 - 1, -2147483647 - 1);
	(void)cal_easter(2147483647);
	(void)cal_easter(-2147483647 - 1);
	assert_false(cal_is_holiday(2147483647, 1, 2, CAL_ALSACE_MOSELLE));
	assert_true(cal_is_holiday(-2147483647 - 1, 1, 1, CAL_METROPOLE));
}

static void test_paris_offset(void **state)
{
	(void)state;
	int64_t spring = at("2026-03-29T01:00:00Z"), autumn = at("2026-10-25T01:00:00Z");
	assert_int_equal(cal_paris_offset(spring - 1), 3600);
	assert_int_equal(cal_paris_offset(spring), 7200);
	assert_int_equal(cal_paris_offset(autumn - 1), 7200);
	assert_int_equal(cal_paris_offset(autumn), 3600);
	assert_int_equal(cal_paris_offset(at("2026-01-15T12:00:00Z")), 3600);
	assert_int_equal(cal_paris_offset(at("2026-07-14T12:00:00Z")), 7200);
	/* 2027: last Sundays are 28 March and 31 October. */
	assert_int_equal(cal_paris_offset(at("2027-03-28T00:59:59Z")), 3600);
	assert_int_equal(cal_paris_offset(at("2027-03-28T01:00:00Z")), 7200);
	assert_int_equal(cal_paris_offset(at("2027-10-31T00:59:59Z")), 7200);
	assert_int_equal(cal_paris_offset(at("2027-10-31T01:00:00Z")), 3600);
	assert_int_equal(cal_paris_offset(INT64_MIN), 3600);
	assert_int_equal(cal_paris_offset(INT64_MAX), 3600);
}

static void assert_easter(int y, int m, int d)
{
	assert_int_equal(cal_easter(y), cal_days_from_civil(y, m, d));
}

static void test_easter(void **state)
{
	(void)state;
	assert_easter(2024, 3, 31);
	assert_easter(2025, 4, 20);
	assert_easter(2026, 4, 5);
	assert_easter(2027, 3, 28);
	assert_easter(1818, 3, 22); /* earliest possible */
	assert_easter(1943, 4, 25); /* latest possible */
	assert_easter(1981, 4, 19); /* full moon moved from 19 to 18 April */
	assert_easter(1954, 4, 18); /* full moon moved from 18 to 17 April */
	assert_easter(2285, 3, 22);
	for (int y = 1583; y <= 9999; y++) {
		int64_t e = cal_easter(y);
		assert_int_equal(cal_weekday(e), 6);
		assert_in_range(e, cal_days_from_civil(y, 3, 22), cal_days_from_civil(y, 4, 25));
	}
}

static void test_holidays(void **state)
{
	(void)state;
	static const int metro[][2] = {
		{ 1, 1 }, { 4, 6 }, { 5, 1 }, { 5, 8 }, { 5, 14 }, { 5, 25 },
		{ 7, 14 }, { 8, 15 }, { 11, 1 }, { 11, 11 }, { 12, 25 },
	};
	int count = 0;
	for (int64_t day = cal_days_from_civil(2026, 1, 1); day < cal_days_from_civil(2027, 1, 1);
	     day++) {
		int y, m, d;
		cal_civil_from_days(day, &y, &m, &d);
		bool want = false;
		for (size_t i = 0; i < sizeof(metro) / sizeof(metro[0]); i++)
			want |= metro[i][0] == m && metro[i][1] == d;
		assert_int_equal(cal_is_holiday(y, m, d, CAL_METROPOLE), want);
		count += cal_is_holiday(y, m, d, CAL_ALSACE_MOSELLE);
		assert_int_equal(cal_is_working_day(y, m, d, CAL_METROPOLE),
				 !want && cal_weekday(day) < 5);
	}
	assert_int_equal(count, 13);
	/* Alsace-Moselle: Good Friday (3 April 2026) and 26 December. */
	assert_false(cal_is_holiday(2026, 4, 3, CAL_METROPOLE));
	assert_true(cal_is_holiday(2026, 4, 3, CAL_ALSACE_MOSELLE));
	assert_true(cal_is_working_day(2026, 4, 3, CAL_METROPOLE));
	assert_false(cal_is_working_day(2026, 4, 3, CAL_ALSACE_MOSELLE));
	assert_false(cal_is_holiday(2025, 12, 26, CAL_METROPOLE));
	assert_true(cal_is_holiday(2025, 12, 26, CAL_ALSACE_MOSELLE));
	assert_true(cal_is_working_day(2025, 12, 26, CAL_METROPOLE));
	assert_false(cal_is_working_day(2025, 12, 26, CAL_ALSACE_MOSELLE));
	/* Ascension on 1 May 2008: still a holiday, counted once. */
	assert_true(cal_is_holiday(2008, 5, 1, CAL_METROPOLE));
	assert_false(cal_is_working_day(2026, 11, 22, CAL_METROPOLE)); /* Sunday */
	assert_false(cal_is_holiday(2026, 2, 30, CAL_METROPOLE));       /* no such day */
	assert_false(cal_is_working_day(2026, 13, 1, CAL_METROPOLE));
}

static int64_t days_m(const char *s, int n)
{
	return cal_add_working_days(at(s), n, CAL_METROPOLE, &CAL_DEFAULT_HOURS);
}

static void test_add_working_days(void **state)
{
	(void)state;
	/* Friday 20 Nov 2026, 10:00 Paris: next working days are Mon and Tue. */
	assert_time(days_m("2026-11-20T09:00:00Z", 1), "2026-11-23T16:30:00Z");
	assert_time(days_m("2026-11-20T09:00:00Z", 2), "2026-11-24T16:30:00Z");
	/* Friday evening, and Saturday 00:30 Paris (still Friday in UTC). */
	assert_time(days_m("2026-11-20T21:30:00Z", 1), "2026-11-23T16:30:00Z");
	assert_time(days_m("2026-11-20T23:30:00Z", 1), "2026-11-23T16:30:00Z");
	/* Monday 00:30 Paris is Sunday in UTC: the local date counts. */
	assert_time(days_m("2026-11-22T23:30:00Z", 1), "2026-11-24T16:30:00Z");
	/* Across Ascension (Thursday 14 May 2026). */
	assert_time(days_m("2026-05-13T08:00:00Z", 1), "2026-05-15T15:30:00Z");
	assert_time(days_m("2026-05-13T08:00:00Z", 2), "2026-05-18T15:30:00Z");
	/* Across Whit Monday and the spring clock change. */
	assert_time(days_m("2026-05-22T08:00:00Z", 1), "2026-05-26T15:30:00Z");
	assert_time(days_m("2026-03-27T08:00:00Z", 1), "2026-03-30T15:30:00Z");
	assert_time(days_m("2026-10-23T08:00:00Z", 1), "2026-10-26T16:30:00Z");
	/* Easter weekend: Alsace-Moselle also stops on Good Friday. */
	int64_t thu = at("2026-04-02T08:00:00Z");
	assert_time(cal_add_working_days(thu, 1, CAL_METROPOLE, &CAL_DEFAULT_HOURS),
		    "2026-04-03T15:30:00Z");
	assert_time(cal_add_working_days(thu, 1, CAL_ALSACE_MOSELLE, &CAL_DEFAULT_HOURS),
		    "2026-04-07T15:30:00Z");
	/* n <= 0 is t itself. */
	assert_int_equal(days_m("2026-11-20T09:00:00Z", 0), at("2026-11-20T09:00:00Z"));
	assert_int_equal(days_m("2026-11-20T09:00:00Z", -3), at("2026-11-20T09:00:00Z"));
	/* A closed afternoon: the day ends with the morning. */
	struct cal_hours mornings = { 540, 720, 0, 0 };
	assert_time(cal_add_working_days(at("2026-11-20T09:00:00Z"), 1, CAL_METROPOLE, &mornings),
		    "2026-11-23T11:00:00Z");
	/* 3650 days, the policy maximum: about 14 years, all holidays skipped. */
	int64_t t = at("2026-01-05T09:00:00Z"), due = days_m("2026-01-05T09:00:00Z", 3650);
	int n = 0;
	int64_t day = cal_days_from_civil(2026, 1, 5);
	while (n < 3650) {
		int y, m, d;
		cal_civil_from_days(++day, &y, &m, &d);
		n += cal_is_working_day(y, m, d, CAL_METROPOLE);
	}
	assert_true(due > t);
	assert_int_equal((due + cal_paris_offset(due)) / 86400, day);
	/* Past year 9999: "never". */
	assert_int_equal(days_m("2026-01-05T09:00:00Z", 2147483647), INT64_MAX);
}

static int64_t mins_m(const char *s, int64_t n)
{
	return cal_add_working_minutes(at(s), n, CAL_METROPOLE, &CAL_DEFAULT_HOURS);
}

static void test_add_working_minutes(void **state)
{
	(void)state;
	/* Monday 23 Nov 2026 (UTC+1). Before opening: counts from 08:30. */
	assert_time(mins_m("2026-11-23T06:00:00Z", 60), "2026-11-23T08:30:00Z");
	/* During lunch: counts from 13:30. */
	assert_time(mins_m("2026-11-23T11:30:00Z", 30), "2026-11-23T13:00:00Z");
	/* Ending exactly at noon or at closing: that end, not the next opening. */
	assert_time(mins_m("2026-11-23T10:00:00Z", 60), "2026-11-23T11:00:00Z");
	assert_time(mins_m("2026-11-23T15:30:00Z", 60), "2026-11-23T16:30:00Z");
	assert_time(mins_m("2026-11-23T07:30:00Z", 450), "2026-11-23T16:30:00Z");
	assert_time(mins_m("2026-11-23T07:30:00Z", 451), "2026-11-24T07:31:00Z");
	assert_time(mins_m("2026-11-23T10:00:00Z", 61), "2026-11-23T12:31:00Z");
	/* The chat example: 4 hours from Wednesday 10:00 (summer time). */
	assert_time(mins_m("2026-05-13T08:00:00Z", 240), "2026-05-13T13:30:00Z");
	/* Over a weekend: 30 minutes Friday, 30 Monday. */
	assert_time(mins_m("2026-11-20T16:00:00Z", 60), "2026-11-23T08:00:00Z");
	/* Started on a Sunday, over a holiday (Wednesday 11 Nov 2026). */
	assert_time(mins_m("2026-11-08T12:00:00Z", 450 * 2 + 10), "2026-11-12T07:40:00Z");
	/* Seconds are kept. */
	assert_time(mins_m("2026-11-23T09:00:30Z", 1), "2026-11-23T09:01:30Z");
	/* minutes <= 0 is t itself, even outside opening hours. */
	assert_int_equal(mins_m("2026-11-22T03:00:00Z", 0), at("2026-11-22T03:00:00Z"));
	assert_int_equal(mins_m("2026-11-22T03:00:00Z", -5), at("2026-11-22T03:00:00Z"));
	/* No opening at all, or more minutes than years 0..9999 hold: never. */
	struct cal_hours closed = { 600, 600, 900, 900 };
	assert_int_equal(cal_add_working_minutes(0, 1, CAL_METROPOLE, &closed), INT64_MAX);
	assert_int_equal(mins_m("2026-11-23T09:00:00Z", INT64_MAX), INT64_MAX);
}

/* Large values skip days arithmetically; checked against a day count. */
static void test_add_working_minutes_large(void **state)
{
	(void)state;
	/* Monday 5 Jan 2026 08:30 Paris; 10^7 minutes = 22222 days of 450
	 * minutes and 100 more: 10:10 on the 22223rd working day. */
	int64_t due = mins_m("2026-01-05T07:30:00Z", 10000000);
	int64_t day = cal_days_from_civil(2026, 1, 5);
	for (int n = 1; n < 22223;) {
		int y, m, d;
		cal_civil_from_days(++day, &y, &m, &d);
		n += cal_is_working_day(y, m, d, CAL_METROPOLE);
	}
	int64_t local = due + cal_paris_offset(due);
	assert_int_equal(local / 86400, day);
	assert_int_equal(local % 86400, 10 * 3600 + 10 * 60);
	assert_int_equal(cal_working_minutes_between(at("2026-01-05T07:30:00Z"), due, CAL_METROPOLE,
						     &CAL_DEFAULT_HOURS),
			 10000000);
}

/* Opening minutes in [a, b), minute by minute: the slow reference. */
static int64_t slow_between(int64_t a, int64_t b, enum cal_region region)
{
	int64_t n = 0;
	for (int64_t t = a; t < b; t += 60) {
		int64_t local = t + cal_paris_offset(t);
		int64_t tod = local % 86400 / 60;
		int y, m, d;
		cal_civil_from_days(local / 86400, &y, &m, &d);
		bool open = (tod >= 510 && tod < 720) || (tod >= 810 && tod < 1050);
		n += open && cal_is_working_day(y, m, d, region);
	}
	return n;
}

static void test_between(void **state)
{
	(void)state;
	const struct cal_hours *h = &CAL_DEFAULT_HOURS;
	int64_t mon = at("2026-11-23T07:30:00Z");
	assert_int_equal(cal_working_minutes_between(mon, mon + 86400, CAL_METROPOLE, h), 450);
	assert_int_equal(cal_working_minutes_between(mon, mon + 7 * 86400, CAL_METROPOLE, h),
			 5 * 450);
	assert_int_equal(cal_working_minutes_between(mon + 60, mon, CAL_METROPOLE, h), 0);
	assert_int_equal(cal_working_minutes_between(mon, mon, CAL_METROPOLE, h), 0);
	/* Two weeks around Ascension, both regions, from odd starts. */
	for (int64_t a = at("2026-05-08T05:17:00Z"); a < at("2026-05-18T00:00:00Z"); a += 11 * 3600 + 23 * 60) {
		int64_t b = a + 5 * 86400 + 7 * 3600;
		assert_int_equal(cal_working_minutes_between(a, b, CAL_METROPOLE, h),
				 slow_between(a, b, CAL_METROPOLE));
	}
	int64_t easter = at("2026-04-01T12:00:00Z");
	assert_int_equal(cal_working_minutes_between(easter, easter + 7 * 86400, CAL_ALSACE_MOSELLE, h),
			 slow_between(easter, easter + 7 * 86400, CAL_ALSACE_MOSELLE));
	/* Spring and autumn clock changes: still 450 minutes a day. */
	int64_t fri = at("2026-03-27T00:00:00Z");
	assert_int_equal(cal_working_minutes_between(fri, fri + 4 * 86400, CAL_METROPOLE, h), 900);
	fri = at("2026-10-23T00:00:00Z");
	assert_int_equal(cal_working_minutes_between(fri, fri + 4 * 86400, CAL_METROPOLE, h), 900);
	/* A whole year: 252 working days in metropolitan France in 2026. */
	assert_int_equal(cal_working_minutes_between(at("2026-01-01"), at("2027-01-01"),
						     CAL_METROPOLE, h),
			 252 * 450);
	/* Extreme bounds are clamped, not overflowed. */
	assert_true(cal_working_minutes_between(INT64_MIN, INT64_MAX, CAL_METROPOLE, h) > 0);
}

/* Property: adding m minutes then measuring gives m back, and one second
 * earlier is one minute short, from many starts and for many m. */
static void test_between_add_property(void **state)
{
	(void)state;
	static const int64_t ms[] = { 1, 59, 209, 210, 211, 240, 449, 450, 451, 900, 1000, 5000, 77777 };
	static const enum cal_region regions[] = { CAL_METROPOLE, CAL_ALSACE_MOSELLE };
	const struct cal_hours *h = &CAL_DEFAULT_HOURS;
	int64_t from = at("2026-03-20T00:00:00Z"), to = at("2026-06-01T00:00:00Z");
	for (int64_t a = from; a < to; a += 7 * 3600 + 37 * 60) {
		for (size_t r = 0; r < 2; r++) {
			for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
				int64_t e = cal_add_working_minutes(a, ms[i], regions[r], h);
				assert_true(e > a);
				assert_int_equal(cal_working_minutes_between(a, e, regions[r], h), ms[i]);
				assert_int_equal(cal_working_minutes_between(a, e - 1, regions[r], h),
						 ms[i] - 1);
			}
		}
	}
	/* Between then add lands no later than b. */
	for (int64_t a = from; a < to; a += 13 * 3600 + 1) {
		int64_t b = a + 3 * 86400 + 3600;
		int64_t n = cal_working_minutes_between(a, b, CAL_METROPOLE, h);
		if (n > 0)
			assert_true(cal_add_working_minutes(a, n, CAL_METROPOLE, h) <= b);
	}
}

/* Any instant, even far outside years 0..9999, gives a defined answer:
 * sanitizers and valgrind watch these. */
static void test_extremes(void **state)
{
	(void)state;
	static const int64_t ts[] = {
		INT64_MIN, INT64_MIN + 1, -62167219201, -62167219200, -1, 0,
		253402300799, 253402300800, INT64_MAX - 1, INT64_MAX,
	};
	const struct cal_hours *h = &CAL_DEFAULT_HOURS;
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		int64_t t = ts[i];
		assert_true(cal_add_working_days(t, 1, CAL_METROPOLE, h) >= t);
		assert_true(cal_add_working_days(t, 2147483647, CAL_METROPOLE, h) >= t);
		assert_true(cal_add_working_minutes(t, 1, CAL_ALSACE_MOSELLE, h) >= t);
		assert_true(cal_add_working_minutes(t, INT64_MAX, CAL_METROPOLE, h) >= t);
		for (size_t j = 0; j < sizeof(ts) / sizeof(ts[0]); j++)
			assert_true(cal_working_minutes_between(t, ts[j], CAL_METROPOLE, h) >= 0);
	}
	/* Silly opening hours are made sane rather than trusted. */
	struct cal_hours silly = { -100, 5000, 600, 300 };
	int64_t mon = at("2026-11-23T00:00:00Z");
	assert_int_equal(cal_working_minutes_between(mon - 3600, mon + 82800, CAL_METROPOLE, &silly),
			 1440);
	assert_int_equal(cal_working_minutes_between(mon - 3600, mon + 82800, CAL_METROPOLE, NULL),
			 450);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_parse),
		cmocka_unit_test(test_iso_rejects),
		cmocka_unit_test(test_iso_format),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_paris_offset),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_holidays),
		cmocka_unit_test(test_add_working_days),
		cmocka_unit_test(test_add_working_minutes),
		cmocka_unit_test(test_add_working_minutes_large),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_between_add_property),
		cmocka_unit_test(test_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
