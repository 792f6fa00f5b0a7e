/* Time helpers (see calendar.h): ISO-8601 parsing and formatting, civil
 * date arithmetic, the Paris offset from the EU summer-time rule, French
 * public holidays and working-day / working-minute arithmetic for SLA due
 * dates.
 *
 * Everything is integer arithmetic on seconds since the epoch: no libc time
 * functions, no TZ database, no locale, so results are the same on every
 * host and under every TZ setting.
 *
 * Domain: instants are clamped to years 0000..9999 (what ISO8601_LEN can
 * show).  A due date that would fall after 9999-12-31 saturates to
 * INT64_MAX ("never"), so absurd durations cost a bounded amount of work
 * and never overflow.
 *
 * Working time is counted on the Paris wall clock: a desk open 08:30-12:00
 * is open 210 minutes every working day, including the two days a year the
 * clocks change.  Instants are mapped to wall time with cal_paris_offset
 * and back with to_utc(). */
#include "core/calendar.h"

#include <stddef.h>

#define DAY 86400

/* 08:30-12:00 and 13:30-17:30. */
const struct cal_hours CAL_DEFAULT_HOURS = { 510, 720, 810, 1050 };

/* Days from 0000-03-01 (the start of a March-based 400-year cycle) to
 * 1970-01-01, and the length of that cycle. */
#define EPOCH_SHIFT 719468
#define CYCLE_DAYS 146097

/* Day numbers of 0000-01-01 and 10000-01-01: the representable range. */
#define MIN_DAY (-719528)
#define END_DAY 2932897
#define MIN_T ((int64_t)MIN_DAY * DAY)
#define END_T ((int64_t)END_DAY * DAY)

/* Keeps civil_from_days' year inside an int whatever day number it gets. */
#define DAY_CLAMP 700000000000LL

/* ---- integer helpers ------------------------------------------------- */

/* Division rounding toward minus infinity: C's '/' truncates, which would
 * put 1969-12-31T23:59:59Z on day 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Written from '%' rather than a - floor_div(a, b) * b, whose product
 * overflows for a near INT64_MIN. */
static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	if (r != 0 && ((r < 0) != (b < 0)))
		r += b;
	return r;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- civil dates ----------------------------------------------------- */

static bool is_leap(int64_t y)
{
	return floor_mod(y, 4) == 0 && (floor_mod(y, 100) != 0 || floor_mod(y, 400) == 0);
}

static int days_in_month(int64_t y, int m)
{
	static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

static bool valid_date(int y, int m, int d)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Day of a March-based year (March 1 = 0) for a March-based month
 * (March = 0 .. February = 11): the month lengths 31,30,31,30,31 repeat
 * every five months, 153 days, so a linear formula rounds onto them. */
static int64_t march_day_of_year(int64_t mm, int64_t d)
{
	return (153 * mm + 2) / 5 + d - 1;
}

/* Out-of-range months carry into the year (month 13 is January of the next
 * year) and days are added linearly, so any input is well defined. */
int64_t cal_days_from_civil(int y, int m, int d)
{
	int64_t year = (int64_t)y + floor_div((int64_t)m - 1, 12);
	int64_t month = floor_mod((int64_t)m - 1, 12) + 1;
	/* Count years from March so the leap day ends the year. */
	int64_t my = year - (month <= 2);
	int64_t mm = (month + 9) % 12;
	int64_t cycle = floor_div(my, 400);
	int64_t yoc = my - cycle * 400; /* 0..399 */
	int64_t doc = yoc * 365 + yoc / 4 - yoc / 100 + march_day_of_year(mm, 1);
	return cycle * CYCLE_DAYS + doc - EPOCH_SHIFT + ((int64_t)d - 1);
}

/* How many whole units of `len` days fit in n days, at most `max`: the cap
 * lets the last unit of a group be one day longer than the others. */
static int64_t units(int64_t n, int64_t len, int64_t max)
{
	int64_t u = n / len;
	return u > max ? max : u;
}

void cal_civil_from_days(int64_t days, int *y, int *m, int *d)
{
	int64_t z = clamp64(days, -DAY_CLAMP, DAY_CLAMP) + EPOCH_SHIFT;
	int64_t cycle = floor_div(z, CYCLE_DAYS);
	int64_t doc = z - cycle * CYCLE_DAYS; /* 0..146096 */
	/* In a March-based cycle the first three centuries have 36524 days and
	 * the fourth 36525 (it ends on the 400-year leap day); likewise a
	 * four-year group has 1461 days except the last one of a plain century,
	 * and only the fourth year of a group has 366 days. */
	int64_t cent = units(doc, 36524, 3);
	int64_t rest = doc - cent * 36524;
	int64_t quad = rest / 1461;
	rest -= quad * 1461;
	int64_t yr = units(rest, 365, 3);
	int64_t doy = rest - yr * 365; /* 0 = March 1 */
	int64_t mm = (5 * doy + 2) / 153;
	int64_t month = mm < 10 ? mm + 3 : mm - 9;
	*d = (int)(doy - march_day_of_year(mm, 1) + 1);
	*m = (int)month;
	*y = (int)(cycle * 400 + cent * 100 + quad * 4 + yr + (month <= 2));
}

int cal_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (3). */
	return (int)((floor_mod(days, 7) + 3) % 7);
}

/* ---- ISO-8601 -------------------------------------------------------- */

/* Reads exactly n decimal digits; -1 if any is not a digit.  Stops at the
 * first non-digit, so it never reads past the terminating NUL. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Parses "Z", "+HH:MM" or "-HH:MM" followed by the end of the string into
 * seconds east of UTC. */
static int parse_zone(const char *s, int64_t *off)
{
	if (s[0] == 'Z' && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		return -1;
	int hh = digits(s + 1, 2);
	if (hh < 0 || s[3] != ':')
		return -1;
	int mi = digits(s + 4, 2);
	if (mi < 0 || s[6] != '\0' || hh > 23 || mi > 59)
		return -1;
	*off = (s[0] == '-' ? -1 : 1) * (int64_t)(hh * 3600 + mi * 60);
	return 0;
}

/* Parses "THH:MM:SS[.fff]" and the zone into seconds after midnight UTC.
 * The fraction (1 to 9 digits: up to nanoseconds) is checked, then
 * dropped: times are whole seconds. */
static int parse_time(const char *s, int64_t *secs)
{
	if (s[0] != 'T')
		return -1;
	int hh = digits(s + 1, 2);
	if (hh < 0 || s[3] != ':')
		return -1;
	int mi = digits(s + 4, 2);
	if (mi < 0 || s[6] != ':')
		return -1;
	int ss = digits(s + 7, 2);
	if (ss < 0 || hh > 23 || mi > 59 || ss > 59)
		return -1;
	const char *p = s + 9;
	if (*p == '.') {
		int n = 0;
		while (n < 10 && p[1 + n] >= '0' && p[1 + n] <= '9')
			n++;
		if (n < 1 || n > 9)
			return -1;
		p += 1 + n;
	}
	int64_t off;
	if (parse_zone(p, &off) < 0)
		return -1;
	*secs = hh * 3600 + mi * 60 + ss - off;
	return 0;
}

int iso8601_parse(const char *s, int64_t *out)
{
	if (!s || !out)
		return -1;
	int y = digits(s, 4);
	if (y < 0 || s[4] != '-')
		return -1;
	int m = digits(s + 5, 2);
	if (m < 0 || s[7] != '-')
		return -1;
	int d = digits(s + 8, 2);
	if (d < 0 || !valid_date(y, m, d))
		return -1;
	int64_t secs = 0;
	if (s[10] != '\0' && parse_time(s + 10, &secs) < 0)
		return -1;
	/* *out is only written on success: callers keep a default on failure. */
	*out = cal_days_from_civil(y, m, d) * DAY + secs;
	return 0;
}

/* Writes v as exactly n decimal digits (v is in range by construction). */
static char *put(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

void iso8601_format(int64_t t, char buf[ISO8601_LEN])
{
	/* Outside years 0000..9999 the text would not fit: show the nearest
	 * representable instant instead. */
	t = clamp64(t, MIN_T, END_T - 1);
	int64_t days = floor_div(t, DAY);
	int sec = (int)(t - days * DAY);
	int y, m, d;
	cal_civil_from_days(days, &y, &m, &d);
	char *p = put(buf, y, 4);
	*p++ = '-';
	p = put(p, m, 2);
	*p++ = '-';
	p = put(p, d, 2);
	*p++ = 'T';
	p = put(p, sec / 3600, 2);
	*p++ = ':';
	p = put(p, sec / 60 % 60, 2);
	*p++ = ':';
	p = put(p, sec % 60, 2);
	*p++ = 'Z';
	*p = '\0';
}

/* ---- Paris time -------------------------------------------------------- */

/* Day number of the last Sunday of month m (31 days long) in year y. */
static int64_t last_sunday(int y, int m)
{
	int64_t last = cal_days_from_civil(y, m, 31);
	return last - (cal_weekday(last) + 1) % 7;
}

/* The EU rule (in force since 1996, applied to every year here): summer
 * time from the last Sunday of March to the last Sunday of October, both
 * switches at 01:00 UTC. */
int cal_paris_offset(int64_t t)
{
	int y, m, d;
	cal_civil_from_days(floor_div(t, DAY), &y, &m, &d);
	int64_t start = last_sunday(y, 3) * DAY + 3600;
	int64_t end = last_sunday(y, 10) * DAY + 3600;
	return t >= start && t < end ? 7200 : 3600;
}

/* Wall-clock seconds since the epoch in Paris, for an instant in range. */
static int64_t to_local(int64_t t)
{
	return t + cal_paris_offset(t);
}

/* Inverse of to_local.  A wall time in the autumn's repeated hour has two
 * instants: take the first (summer time).  One in the spring gap has none:
 * read it with winter time, which lands just after the gap. */
static int64_t to_utc(int64_t local)
{
	int64_t summer = local - 7200;
	if (cal_paris_offset(summer) == 7200)
		return summer;
	return local - 3600;
}

/* ---- holidays ---------------------------------------------------------- */

/* Gregorian computus.  The ecclesiastical full moon after the equinox is
 * March 21 plus the lunar age implied by the epact, where the epact comes
 * from the golden number corrected for the Gregorian leap-year rule (solar
 * equation) and for the drift of the Metonic cycle (lunar equation).
 * Easter is the first Sunday strictly after that full moon. */
int64_t cal_easter(int y)
{
	int64_t golden = floor_mod(y, 19);
	int64_t century = floor_div(y, 100);
	int64_t solar = century - floor_div(century, 4);
	int64_t lunar = floor_div(8 * century + 13, 25);
	int64_t base = floor_mod(15 + solar - lunar, 30);
	int64_t age = floor_mod(19 * golden + base, 30);
	/* The tables never put the full moon after April 18: age 29 becomes
	 * 28, and age 28 becomes 27 in the second half of the Metonic cycle so
	 * that two golden numbers of one century never share a date. */
	if (age == 29 || (age == 28 && golden > 10))
		age--;
	int64_t moon = cal_days_from_civil(y, 3, 21) + age;
	return moon + 7 - (cal_weekday(moon) + 1) % 7;
}

/* Holidays of year y as day numbers, without duplicates (Ascension can
 * fall on 1 or 8 May).  Returns the count (at most 13). */
static int year_holidays(int y, enum cal_region region, int64_t out[13])
{
	static const signed char fixed[][2] = {
		{ 1, 1 }, { 5, 1 }, { 5, 8 }, { 7, 14 }, { 8, 15 }, { 11, 1 }, { 11, 11 }, { 12, 25 },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		out[n++] = cal_days_from_civil(y, fixed[i][0], fixed[i][1]);
	int64_t easter = cal_easter(y);
	int64_t ascension = easter + 39;
	out[n++] = easter + 1;  /* Easter Monday */
	out[n++] = easter + 50; /* Whit Monday */
	if (ascension != out[1] && ascension != out[2])
		out[n++] = ascension;
	if (region == CAL_ALSACE_MOSELLE) {
		out[n++] = easter - 2; /* Good Friday */
		out[n++] = cal_days_from_civil(y, 12, 26);
	}
	return n;
}

static bool holiday_day(int64_t day, int y, enum cal_region region)
{
	int64_t h[13];
	int n = year_holidays(y, region, h);
	for (int i = 0; i < n; i++)
		if (h[i] == day)
			return true;
	return false;
}

bool cal_is_holiday(int y, int m, int d, enum cal_region region)
{
	if (!valid_date(y, m, d))
		return false;
	return holiday_day(cal_days_from_civil(y, m, d), y, region);
}

/* Working day by day number. */
static bool workday(int64_t day, enum cal_region region)
{
	if (cal_weekday(day) >= 5)
		return false;
	int y, m, d;
	cal_civil_from_days(day, &y, &m, &d);
	return !holiday_day(day, y, region);
}

bool cal_is_working_day(int y, int m, int d, enum cal_region region)
{
	return valid_date(y, m, d) && workday(cal_days_from_civil(y, m, d), region);
}

/* ---- counting working days ------------------------------------------- */

/* Monday..Friday in [from, to): five per whole week, then the remainder. */
static int64_t weekdays(int64_t from, int64_t to)
{
	int64_t n = to - from;
	int64_t count = n / 7 * 5;
	for (int64_t day = from + n / 7 * 7; day < to; day++)
		count += cal_weekday(day) < 5;
	return count;
}

/* Working days in [from, to), one year at a time so that a long span costs
 * a few operations per year, not per day. */
static int64_t workdays(int64_t from, int64_t to, enum cal_region region)
{
	if (to <= from)
		return 0;
	int64_t count = weekdays(from, to);
	int y, m, d, last;
	cal_civil_from_days(from, &y, &m, &d);
	cal_civil_from_days(to - 1, &last, &m, &d);
	for (; y <= last; y++) {
		int64_t h[13];
		int n = year_holidays(y, region, h);
		for (int i = 0; i < n; i++)
			count -= h[i] >= from && h[i] < to && cal_weekday(h[i]) < 5;
	}
	return count;
}

/* The k-th working day (k >= 1) on or after `day`; -1 when it would fall
 * after year 9999. */
static int64_t nth_workday(int64_t day, int64_t k, enum cal_region region)
{
	day = clamp64(day, MIN_DAY, END_DAY);
	/* Skip whole years first, then walk the last one (at most 366 days). */
	while (day < END_DAY) {
		int y, m, d;
		cal_civil_from_days(day, &y, &m, &d);
		int64_t next = cal_days_from_civil(y + 1, 1, 1);
		int64_t c = workdays(day, next, region);
		if (c >= k)
			break;
		k -= c;
		day = next;
	}
	for (; day < END_DAY; day++)
		if (workday(day, region) && --k == 0)
			return day;
	return -1;
}

/* ---- opening hours ----------------------------------------------------- */

/* Opening hours as two ranges of seconds after local midnight, made sane:
 * inside the day, end not before start, afternoon not before morning. */
struct spans {
	int64_t s[2], e[2];
};

static int64_t minute_clamp(int v, int64_t lo)
{
	return clamp64(v, lo, 1440) * 60;
}

static struct spans spans_of(const struct cal_hours *h)
{
	if (!h)
		h = &CAL_DEFAULT_HOURS;
	struct spans o;
	o.s[0] = minute_clamp(h->am_start, 0);
	o.e[0] = minute_clamp(h->am_end, o.s[0] / 60);
	int64_t after = o.e[0] > o.s[0] ? o.e[0] / 60 : 0;
	o.s[1] = minute_clamp(h->pm_start, after);
	o.e[1] = minute_clamp(h->pm_end, o.s[1] / 60);
	return o;
}

static int64_t open_per_day(const struct spans *sp)
{
	return sp->e[0] - sp->s[0] + sp->e[1] - sp->s[1];
}

/* Opening seconds of a working day before time-of-day tod. */
static int64_t open_before(const struct spans *sp, int64_t tod)
{
	int64_t n = 0;
	for (int i = 0; i < 2; i++)
		n += clamp64(tod, sp->s[i], sp->e[i]) - sp->s[i];
	return n;
}

/* Time of day at which `x` opening seconds (0 < x <= open_per_day) have
 * elapsed.  Ending exactly at the end of the morning gives 12:00, not the
 * afternoon opening: the work was done by then. */
static int64_t open_at(const struct spans *sp, int64_t x)
{
	int64_t am = sp->e[0] - sp->s[0];
	return x <= am ? sp->s[0] + x : sp->s[1] + (x - am);
}

/* ---- working-time arithmetic ----------------------------------------- */

int64_t cal_add_working_days(int64_t t, int n, enum cal_region region,
			     const struct cal_hours *hours)
{
	if (n <= 0)
		return t;
	if (t >= END_T)
		return INT64_MAX;
	struct spans sp = spans_of(hours);
	int64_t closing = sp.e[1] > sp.s[1] ? sp.e[1] : sp.e[0];
	int64_t today = floor_div(to_local(clamp64(t, MIN_T, END_T)), DAY);
	int64_t due = nth_workday(today + 1, n, region);
	return due < 0 ? INT64_MAX : to_utc(due * DAY + closing);
}

/* More opening minutes than years 0000..9999 can hold, whatever the hours. */
#define MAX_MINUTES (10000LL * 366 * 1440)

int64_t cal_add_working_minutes(int64_t t, int64_t minutes, enum cal_region region,
				const struct cal_hours *hours)
{
	if (minutes <= 0)
		return t;
	struct spans sp = spans_of(hours);
	int64_t per_day = open_per_day(&sp);
	if (t >= END_T || minutes > MAX_MINUTES || per_day == 0)
		return INT64_MAX; /* never */
	int64_t local = to_local(clamp64(t, MIN_T, END_T));
	int64_t day = floor_div(local, DAY);
	int64_t done = open_before(&sp, local - day * DAY);
	int64_t need = minutes * 60;
	/* Finish today if today is a working day with enough time left. */
	if (workday(day, region)) {
		if (done + need <= per_day)
			return to_utc(day * DAY + open_at(&sp, done + need));
		need -= per_day - done;
	}
	/* Then whole days: the last one takes the remainder, in (0, per_day]. */
	int64_t k = (need + per_day - 1) / per_day;
	int64_t last = nth_workday(day + 1, k, region);
	if (last < 0)
		return INT64_MAX;
	return to_utc(last * DAY + open_at(&sp, need - (k - 1) * per_day));
}

int64_t cal_working_minutes_between(int64_t a, int64_t b, enum cal_region region,
				    const struct cal_hours *hours)
{
	struct spans sp = spans_of(hours);
	int64_t la = to_local(clamp64(a, MIN_T, END_T));
	int64_t lb = to_local(clamp64(b, MIN_T, END_T));
	/* In the autumn's repeated hour a later instant can read an earlier
	 * wall time: that span holds no wall-clock time, hence no work. */
	if (lb <= la)
		return 0;
	int64_t da = floor_div(la, DAY), db = floor_div(lb, DAY);
	int64_t before_a = open_before(&sp, la - da * DAY);
	int64_t before_b = open_before(&sp, lb - db * DAY);
	int64_t secs;
	if (da == db) {
		secs = workday(da, region) ? before_b - before_a : 0;
	} else {
		secs = (workday(da, region) ? open_per_day(&sp) - before_a : 0) +
		       workdays(da + 1, db, region) * open_per_day(&sp) +
		       (workday(db, region) ? before_b : 0);
	}
	return secs / 60;
}
