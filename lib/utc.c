/*
 * utc.c - UTC time as milliseconds since the epoch, and interval codes.
 *
 * Calendar arithmetic is done here with the days-from-civil algorithm
 * rather than timegm()/gmtime_r(): it is exact over the whole proleptic
 * Gregorian calendar, does not depend on TZ, and is fast enough for the
 * millions of timestamps mdx-transform parses and formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "utc.h"

#define MS_SECOND INT64_C(1000)
#define MS_WEEK (7 * MDX_MS_DAY)
/* 1970-01-05, the first Monday after the epoch (which was a Thursday). */
#define WEEK_ORIGIN (4 * MDX_MS_DAY)

int64_t
mdx_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int64_t
floormod(int64_t a, int64_t b)
{
	return a - mdx_floordiv(a, b) * b;
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1-12): count
 * in eras of 400 years starting on March 1, so that the leap day is the
 * last day of its year.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = mdx_floordiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int *year, int *month, int *day)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = mdx_floordiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(y + (*month <= 2));
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

void
mdx_time_split(mdx_time t, struct mdx_tm *tm)
{
	int64_t days = mdx_floordiv(t, MDX_MS_DAY);
	int64_t rem = t - days * MDX_MS_DAY;

	civil_from_days(days, &tm->year, &tm->month, &tm->day);
	tm->hour = (int)(rem / MDX_MS_HOUR);
	rem %= MDX_MS_HOUR;
	tm->min = (int)(rem / MDX_MS_MINUTE);
	rem %= MDX_MS_MINUTE;
	tm->sec = (int)(rem / MS_SECOND);
	tm->ms = (int)(rem % MS_SECOND);
	/* Day 0 was a Thursday. */
	tm->wday = (int)floormod(days + 4, 7);
}

mdx_time
mdx_time_join(int year, int month, int day, int hour, int min, int sec,
    int ms)
{
	return days_from_civil(year, month, day) * MDX_MS_DAY +
	    hour * MDX_MS_HOUR + min * MDX_MS_MINUTE + sec * MS_SECOND + ms;
}

/* Reads exactly n digits at s into *v; 0 ok, -1 if one is not a digit. */
static int
digits(const char *s, int n, int *v)
{
	int x = 0, i;

	for (i = 0; i < n; i++) {
		if ((unsigned)(s[i] - '0') > 9)
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/*
 * RFC 3339 date-time (section 5.6) with 'T', 't' or a space between date
 * and time, or a full-date alone.  A leap second (60) is rejected: mdx has
 * no use for it and no exchange sends it.
 */
int
mdx_time_parse_rfc3339(const char *s, size_t n, mdx_time *t)
{
	const char *p, *end = s + n;
	int y, mo, d, h, mi, sec, ms = 0, oh, om, i;
	int64_t off = 0, v;

	if (n < 10 || digits(s, 4, &y) == -1 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) == -1 || s[7] != '-' ||
	    digits(s + 8, 2, &d) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (n == 10) {
		*t = days_from_civil(y, mo, d) * MDX_MS_DAY;
		return 0;
	}
	p = s + 10;
	if (end - p < 9 || (*p != 'T' && *p != 't' && *p != ' ') ||
	    digits(p + 1, 2, &h) == -1 || p[3] != ':' ||
	    digits(p + 4, 2, &mi) == -1 || p[6] != ':' ||
	    digits(p + 7, 2, &sec) == -1)
		return -1;
	if (h > 23 || mi > 59 || sec > 59)
		return -1;
	p += 9;
	if (p < end && *p == '.') {
		p++;
		/* 1 to 9 digits; those beyond milliseconds are truncated. */
		for (i = 0; p < end && (unsigned)(*p - '0') <= 9; i++, p++)
			if (i < 3)
				ms = ms * 10 + (*p - '0');
		if (i == 0 || i > 9)
			return -1;
		for (; i < 3; i++)
			ms *= 10;
	}
	if (p == end)
		return -1;
	if (*p == 'Z' || *p == 'z') {
		if (++p != end)
			return -1;
	} else if (*p == '+' || *p == '-') {
		if (end - p != 6 || digits(p + 1, 2, &oh) == -1 ||
		    p[3] != ':' || digits(p + 4, 2, &om) == -1 ||
		    oh > 23 || om > 59)
			return -1;
		off = oh * MDX_MS_HOUR + om * MDX_MS_MINUTE;
		if (*p == '+')
			off = -off;
	} else
		return -1;
	v = days_from_civil(y, mo, d) * MDX_MS_DAY + h * MDX_MS_HOUR +
	    mi * MDX_MS_MINUTE + sec * MS_SECOND + ms + off;
	/*
	 * An offset can carry the instant out of the years 0000 to 9999
	 * ("0000-01-01T00:00:00+01:00"), where mdx_time_format() cannot
	 * write it in a form read here; reject it rather than let a record
	 * be written that no program reads back.
	 */
	if (v < days_from_civil(0, 1, 1) * MDX_MS_DAY ||
	    v >= days_from_civil(10000, 1, 1) * MDX_MS_DAY)
		return -1;
	*t = v;
	return 0;
}

mdx_time
mdx_time_from_epoch(int64_t v)
{
	if (v > -INT64_C(100000000000) && v < INT64_C(100000000000))
		return v * MS_SECOND;
	if (v > -INT64_C(100000000000000) && v < INT64_C(100000000000000))
		return v;
	if (v > -INT64_C(100000000000000000) &&
	    v < INT64_C(100000000000000000))
		return mdx_floordiv(v, 1000);
	return mdx_floordiv(v, 1000000);
}

/* An optional '-' and digits that fit in int64_t, nothing else; 0 ok, -1
 * not one. */
static int
parse_int(const char *s, int64_t *v)
{
	uint64_t x = 0, lim;
	int neg = 0, i, c;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned)(c = s[i] - '0') > 9 || i == 19 ||
		    x > (lim - c) / 10)
			return -1;
		x = x * 10 + c;
	}
	if (i == 0)
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

/* Absolute forms: RFC 3339 or an epoch number. */
static int
parse_absolute(const char *s, mdx_time *t)
{
	int64_t v;

	if (parse_int(s, &v) == 0) {
		*t = mdx_time_from_epoch(v);
		return 0;
	}
	return mdx_time_parse_rfc3339(s, strlen(s), t);
}

mdx_time
mdx_now(void)
{
	struct timespec ts;
	const char *env;
	mdx_time t;

	if ((env = getenv("MDX_NOW")) != NULL && *env != '\0') {
		if (parse_absolute(env, &t) == -1)
			mdx_die(MDX_EX_CONFIG, "bad MDX_NOW: '%s' (want "
			    "RFC 3339 or an epoch number)", env);
		return t;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		mdx_die(MDX_EX_FAIL, "clock_gettime failed");
	return (int64_t)ts.tv_sec * MS_SECOND + ts.tv_nsec / 1000000;
}

/*
 * A time relative to now: a sign, 1 to 9 digits and a unit (s m h d w).
 * The sign is required so that "-2d" can never be mistaken for something
 * else and a bare number stays an epoch time.
 */
static int
parse_relative(const char *s, mdx_time *t)
{
	int64_t v = 0, unit;
	size_t n = strlen(s), i;

	if (n < 3 || n > 11 || (s[0] != '-' && s[0] != '+'))
		return -1;
	for (i = 1; i < n - 1; i++) {
		if ((unsigned)(s[i] - '0') > 9)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	switch (s[n - 1]) {
	case 's':
		unit = MS_SECOND;
		break;
	case 'm':
		unit = MDX_MS_MINUTE;
		break;
	case 'h':
		unit = MDX_MS_HOUR;
		break;
	case 'd':
		unit = MDX_MS_DAY;
		break;
	case 'w':
		unit = MS_WEEK;
		break;
	default:
		return -1;
	}
	v *= unit;
	*t = mdx_now() + (s[0] == '-' ? -v : v);
	return 0;
}

int
mdx_time_parse(const char *s, mdx_time *t)
{
	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "now") == 0) {
		*t = mdx_now();
		return 0;
	}
	if (parse_relative(s, t) == 0)
		return 0;
	return parse_absolute(s, t);
}

static char *
put2(char *p, int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
	return p + 2;
}

/* Splits t into *tm and writes its date at p as YYYY-MM-DD; returns the
 * end. */
static char *
put_date(char *p, mdx_time t, struct mdx_tm *tm)
{
	mdx_time_split(t, tm);
	if (tm->year < 0 || tm->year > 9999)
		return p + snprintf(p, MDX_TIME_BUFSZ, "%04d-%02d-%02d",
		    tm->year, tm->month, tm->day);
	p = put2(p, tm->year / 100);
	p = put2(p, tm->year % 100);
	*p++ = '-';
	p = put2(p, tm->month);
	*p++ = '-';
	return put2(p, tm->day);
}

int
mdx_time_format_date(mdx_time t, char *buf)
{
	struct mdx_tm tm;
	char *p = put_date(buf, t, &tm);

	*p = '\0';
	return p - buf;
}

int
mdx_time_format(mdx_time t, char *buf)
{
	struct mdx_tm tm;
	char *p = put_date(buf, t, &tm);

	*p++ = 'T';
	p = put2(p, tm.hour);
	*p++ = ':';
	p = put2(p, tm.min);
	*p++ = ':';
	p = put2(p, tm.sec);
	if (tm.ms != 0) {
		*p++ = '.';
		*p++ = '0' + tm.ms / 100;
		p = put2(p, tm.ms % 100);
	}
	*p++ = 'Z';
	*p = '\0';
	return p - buf;
}

int
mdx_epoch_seconds_ns(const char *s, size_t n, int64_t *ns)
{
	const int64_t max = INT64_MAX / 1000000000;
	int64_t sec = 0, frac = 0;
	size_t i = 0;
	int digits = 0, fd = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (sec > max / 10)
			return -1;
		sec = sec * 10 + (s[i] - '0');
	}
	if (digits == 0 || sec >= max)
		return -1;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++)
			if (fd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (fd == 0)
			return -1;
		for (; fd < 9; fd++)
			frac *= 10;
	}
	if (i != n)
		return -1;
	*ns = sec * 1000000000 + frac;
	return 0;
}

const struct mdx_interval mdx_intervals[] = {
	{ "1s", MS_SECOND, 0 },
	{ "1m", MDX_MS_MINUTE, 0 },
	{ "3m", 3 * MDX_MS_MINUTE, 0 },
	{ "5m", 5 * MDX_MS_MINUTE, 0 },
	{ "15m", 15 * MDX_MS_MINUTE, 0 },
	{ "30m", 30 * MDX_MS_MINUTE, 0 },
	{ "1h", MDX_MS_HOUR, 0 },
	{ "2h", 2 * MDX_MS_HOUR, 0 },
	{ "4h", 4 * MDX_MS_HOUR, 0 },
	{ "6h", 6 * MDX_MS_HOUR, 0 },
	{ "8h", 8 * MDX_MS_HOUR, 0 },
	{ "12h", 12 * MDX_MS_HOUR, 0 },
	{ "1d", MDX_MS_DAY, 0 },
	{ "3d", 3 * MDX_MS_DAY, 0 },
	{ "1w", MS_WEEK, 0 },
	{ "1M", 0, 1 },
	{ NULL, 0, 0 }
};

const struct mdx_interval *
mdx_interval_lookup(const char *code)
{
	const struct mdx_interval *iv;

	if (code == NULL)
		return NULL;
	for (iv = mdx_intervals; iv->code != NULL; iv++)
		if (strcmp(iv->code, code) == 0)
			return iv;
	return NULL;
}

/* Where a fixed interval's buckets start: the epoch, or a Monday. */
static int64_t
origin(const struct mdx_interval *iv)
{
	return iv->ms == MS_WEEK ? WEEK_ORIGIN : 0;
}

/* Months since year 0 of the month holding t. */
static int64_t
month_index(mdx_time t)
{
	int y, m, d;

	civil_from_days(mdx_floordiv(t, MDX_MS_DAY), &y, &m, &d);
	return (int64_t)y * 12 + (m - 1);
}

static mdx_time
month_start(int64_t idx)
{
	return days_from_civil(mdx_floordiv(idx, 12), (int)floormod(idx, 12) + 1,
	    1) * MDX_MS_DAY;
}

mdx_time
mdx_interval_floor(const struct mdx_interval *iv, mdx_time t)
{
	int64_t o;

	if (iv->months)
		return month_start(month_index(t));
	o = origin(iv);
	return mdx_floordiv(t - o, iv->ms) * iv->ms + o;
}

mdx_time
mdx_interval_next(const struct mdx_interval *iv, mdx_time t)
{
	if (iv->months)
		return month_start(month_index(t) + iv->months);
	return mdx_interval_floor(iv, t) + iv->ms;
}

int
mdx_interval_aligned(const struct mdx_interval *iv, mdx_time t)
{
	return mdx_interval_floor(iv, t) == t;
}

/* The number of interval starts before t, counted from a fixed origin. */
static int64_t
starts_before(const struct mdx_interval *iv, mdx_time t)
{
	int64_t o;

	if (iv->months)
		return month_index(t) + !mdx_interval_aligned(iv, t);
	o = origin(iv);
	/* ceil((t - o) / ms) */
	return -mdx_floordiv(o - t, iv->ms);
}

int64_t
mdx_interval_count(const struct mdx_interval *iv, mdx_time from, mdx_time to)
{
	if (to <= from)
		return 0;
	return starts_before(iv, to) - starts_before(iv, from);
}

/*
 * Fixed in fixed: the lengths divide and the big origin is a small start.
 * Fixed in months: every month start (midnight) must be a small start and
 * every month length (28 to 31 days) a multiple, so the small interval must
 * divide a day.
 */
int
mdx_interval_divides(const struct mdx_interval *small,
    const struct mdx_interval *big)
{
	if (small->months)
		return big->months && big->months % small->months == 0;
	if (big->months)
		return MDX_MS_DAY % small->ms == 0;
	return big->ms % small->ms == 0 &&
	    floormod(origin(big) - origin(small), small->ms) == 0;
}

/* "00" to "99", the two digits of the numbers below 100. */
static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

int
mdx_time_format_us(int64_t us, char *buf)
{
	static int64_t day = INT64_MIN;
	static char date[16];
	int64_t d;
	uint32_t sod, frac, h, m, k;
	int n;

	if (us < 0)
		return mdx_time_format(mdx_floordiv(us, 1000), buf);
	d = us - us % ((int64_t)MDX_MS_DAY * 1000);
	if (d != day) {
		mdx_time_format_date(d / 1000, date);
		day = d;
	}
	/* The second of the day and the microseconds fit in 32 bits. */
	sod = (uint32_t)((us - d) / 1000000);
	frac = (uint32_t)(us - d - (int64_t)sod * 1000000);
	h = sod / 3600;
	m = sod / 60 % 60;
	memcpy(buf, date, 10);
	buf[10] = 'T';
	memcpy(buf + 11, pairs + 2 * h, 2);
	buf[13] = ':';
	memcpy(buf + 14, pairs + 2 * m, 2);
	buf[16] = ':';
	memcpy(buf + 17, pairs + 2 * (sod % 60), 2);
	n = 19;
	if (frac != 0) {
		buf[n++] = '.';
		if (frac % 1000 == 0)
			frac /= 1000;
		else {
			k = frac / 1000;
			buf[n++] = (char)('0' + k / 100);
			memcpy(buf + n, pairs + 2 * (k % 100), 2);
			n += 2;
			frac %= 1000;
		}
		buf[n++] = (char)('0' + frac / 100);
		memcpy(buf + n, pairs + 2 * (frac % 100), 2);
		n += 2;
	}
	buf[n++] = 'Z';
	buf[n] = '\0';
	return n;
}

int64_t
mdx_us_from_epoch(int64_t v)
{
	if (v >= 100000000000000000LL || v <= -100000000000000000LL)
		return mdx_floordiv(v, 1000);
	if (v >= 100000000000000LL || v <= -100000000000000LL)
		return v;
	if (v >= 100000000000LL || v <= -100000000000LL)
		return v * 1000;
	return v * 1000000;
}
