/* Time helpers: ISO-8601 timestamps, the Paris time zone (computed from the
 * EU summer-time rule, no tz database), French public holidays and the
 * working-day / working-hour arithmetic behind SLA due dates.
 * Times are int64_t seconds since the Unix epoch, UTC.  No I/O. */
#ifndef GUICHET_CORE_CALENDAR_H
#define GUICHET_CORE_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

/* Buffer size for iso8601_format: "2026-11-22T13:45:00Z" plus NUL. */
#define ISO8601_LEN 21

/* Parse "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" or a date alone
 * "YYYY-MM-DD" (midnight UTC).  Rejects out-of-range fields (month 13,
 * Feb 30, hour 24...).  Returns 0 and sets *out, or -1. */
int iso8601_parse(const char *s, int64_t *out);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (ISO8601_LEN bytes). */
void iso8601_format(int64_t t, char buf[ISO8601_LEN]);

/* Civil date helpers (proleptic Gregorian). */
int64_t cal_days_from_civil(int y, int m, int d);        /* days since 1970-01-01 */
void cal_civil_from_days(int64_t days, int *y, int *m, int *d);
int cal_weekday(int64_t days);                            /* 0 = Monday .. 6 = Sunday */

/* Offset of Paris local time from UTC at instant t, in seconds (3600 or 7200). */
int cal_paris_offset(int64_t t);

/* Easter Sunday of year y (Gregorian computus), as days since the epoch. */
int64_t cal_easter(int y);

/* Holiday sets: metropolitan France has 11 public holidays (1 Jan, Easter
 * Monday, 1 May, 8 May, Ascension, Whit Monday, 14 Jul, 15 Aug, 1 Nov,
 * 11 Nov, 25 Dec); Alsace-Moselle adds Good Friday and 26 Dec. */
enum cal_region { CAL_METROPOLE = 0, CAL_ALSACE_MOSELLE = 1 };

/* True when y-m-d is a public holiday in the region. */
bool cal_is_holiday(int y, int m, int d, enum cal_region region);

/* True when y-m-d is Monday..Friday and not a holiday. */
bool cal_is_working_day(int y, int m, int d, enum cal_region region);

/* Opening hours for working-hour arithmetic, in minutes after local
 * midnight; two ranges a day (morning and afternoon).  A range with
 * start == end is closed. */
struct cal_hours {
	int am_start, am_end, pm_start, pm_end;
};
/* 08:30-12:00 and 13:30-17:30, the usual town-hall hours. */
extern const struct cal_hours CAL_DEFAULT_HOURS;

/* Due date `n` working days after t: the end of the opening hours (local
 * Paris time) of the n-th working day strictly after t's local date.
 * n <= 0 returns t. */
int64_t cal_add_working_days(int64_t t, int n, enum cal_region region,
			     const struct cal_hours *hours);

/* Due date `minutes` working minutes after t, counting only the opening
 * hours of working days (local Paris time).  A start outside opening hours
 * counts from the next opening. */
int64_t cal_add_working_minutes(int64_t t, int64_t minutes, enum cal_region region,
				const struct cal_hours *hours);

/* Working minutes between a and b (0 when b <= a). */
int64_t cal_working_minutes_between(int64_t a, int64_t b, enum cal_region region,
				    const struct cal_hours *hours);

#endif
