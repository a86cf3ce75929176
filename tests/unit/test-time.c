/*
 * test-time.c - UTC time parsing and formatting, epoch units, relative
 * times and interval arithmetic.  Expected instants are written out
 * literally (taken from date(1)); the randomised part checks
 * mdx_time_split() against the C library's gmtime_r().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdx.h"
#include "tap.h"

/* Parses RFC 3339 text; returns the instant, or INT64_MIN when bad. */
static mdx_time
rfc(const char *s)
{
	mdx_time t;

	if (mdx_time_parse_rfc3339(s, strlen(s), &t) == -1)
		return INT64_MIN;
	return t;
}

static mdx_time
tp(const char *s)
{
	mdx_time t;

	if (mdx_time_parse(s, &t) == -1)
		return INT64_MIN;
	return t;
}

static const char *
fmt(mdx_time t)
{
	static char buf[4][MDX_TIME_BUFSZ];
	static int i;

	i = (i + 1) % 4;
	mdx_time_format(t, buf[i]);
	return buf[i];
}

static const struct mdx_interval *
iv(const char *code)
{
	const struct mdx_interval *v = mdx_interval_lookup(code);

	if (v == NULL) {
		printf("# unknown interval %s\n", code);
		exit(2);
	}
	return v;
}

/* Whether interval small rolls up into big: 1 or 0. */
static int
divides(const char *small, const char *big)
{
	return mdx_interval_divides(iv(small), iv(big)) != 0;
}

static void
test_rfc3339(void)
{
	static const struct tap_int_row rfcs[] = {
		{ "2024-01-01T00:00:00Z", 1704067200000,
		    "Z" },
		{ "2024-01-01t00:00:00z", 1704067200000,
		    "lowercase t and z" },
		{ "2024-01-01 00:00:00Z", 1704067200000,
		    "space separator" },
		{ "2024-01-01", 1704067200000,
		    "date only" },
		{ "1970-01-01T00:00:00Z", 0,
		    "the epoch" },
		{ "1969-12-31T23:59:59.999Z", -1,
		    "just before the epoch" },
		{ "2024-01-01T00:00:00.123Z", 1704067200123,
		    "milliseconds" },
		{ "2024-01-01T00:00:00.1Z", 1704067200100,
		    "one fraction digit" },
		{ "2024-01-01T00:00:00.12Z", 1704067200120,
		    "two fraction digits" },
		{ "2024-01-01T00:00:00.123456789Z", 1704067200123,
		    "nanoseconds truncated" },
		{ "2024-01-01T00:00:00.999999Z", 1704067200999,
		    "microseconds truncated, not rounded" },
		{ "2024-01-01T02:00:00+02:00", 1704067200000,
		    "positive offset" },
		{ "2023-12-31T19:00:00-05:00", 1704067200000,
		    "negative offset across the year" },
		{ "2024-01-01T11:00:00+05:30", 1704087000000,
		    "half-hour offset" },
		{ "2024-01-01T00:00:00-00:00", 1704067200000,
		    "-00:00" },
		{ "2024-02-29", 1709164800000,
		    "leap day 2024" },
		{ "2024-02-29T12:34:56Z", 1709210096000,
		    "leap day with time" },
		{ "2000-02-29", 951782400000,
		    "leap day 2000 (divisible by 400)" },
		{ "2023-03-01", 1677628800000,
		    "2023-03-01" },
		{ "2024-12-31T23:59:59.999Z", 1735689599999,
		    "last millisecond of 2024" },
		{ "2025-01-01T00:00:00Z", 1735689600000,
		    "first of 2025" },
		{ "1900-01-01", -2208988800000,
		    "1900-01-01" },
		{ "9999-12-31T23:59:59Z", 253402300799000,
		    "year 9999" },
		{ "2023-02-29", INT64_MIN,
		    "2023-02-29 is not a date" },
		{ "1900-02-29", INT64_MIN,
		    "1900-02-29 is not a date" },
		{ "2100-02-29", INT64_MIN,
		    "2100-02-29 is not a date" },
		{ "2024-04-31", INT64_MIN,
		    "April has 30 days" },
		{ "2024-01-32", INT64_MIN,
		    "day 32" },
		{ "2024-01-00", INT64_MIN,
		    "day 0" },
		{ "2024-13-01", INT64_MIN,
		    "month 13" },
		{ "2024-00-10", INT64_MIN,
		    "month 0" },
		{ "2024-01-01T24:00:00Z", INT64_MIN,
		    "hour 24" },
		{ "2024-01-01T23:60:00Z", INT64_MIN,
		    "minute 60" },
		{ "2016-12-31T23:59:60Z", INT64_MIN,
		    "leap second rejected" },
		{ "2024-01-01T00:00:00", INT64_MIN,
		    "no offset" },
		{ "2024-01-01T00:00Z", INT64_MIN,
		    "no seconds" },
		{ "2024-01-01T00:00:00.Z", INT64_MIN,
		    "empty fraction" },
		{ "2024-01-01T00:00:00.1234567890Z", INT64_MIN,
		    "ten fraction digits" },
		{ "2024-01-01T00:00:00+2:00", INT64_MIN,
		    "short offset" },
		{ "2024-01-01T00:00:00+0200", INT64_MIN,
		    "offset without colon" },
		{ "2024-01-01T00:00:00+02:60", INT64_MIN,
		    "offset minute 60" },
		{ "2024-01-01T00:00:00+24:00", INT64_MIN,
		    "offset hour 24" },
		{ "2024-01-01X00:00:00Z", INT64_MIN,
		    "bad separator" },
		{ "2024-01-01T00:00:00Z ", INT64_MIN,
		    "trailing blank" },
		{ " 2024-01-01", INT64_MIN,
		    "leading blank" },
		{ "2024-01-01T00:00:00ZZ", INT64_MIN,
		    "two Zs" },
		{ "2024-1-01", INT64_MIN,
		    "one-digit month" },
		{ "2024/01/01", INT64_MIN,
		    "slashes" },
		{ "24-01-01", INT64_MIN,
		    "two-digit year" },
		{ "2024-01-01T", INT64_MIN,
		    "T alone" },
		{ "", INT64_MIN,
		    "empty" },
		{ "1704067200", INT64_MIN,
		    "epoch is not RFC 3339" },
	};
	mdx_time t;

	is_int_rows(rfc, rfcs);
	ok(mdx_time_parse_rfc3339("2024-01-01T00:00:00Z", 10, &t) == 0 &&
	    t == INT64_C(1704067200000), "only n bytes are read");
}

static void
test_epoch(void)
{
	static const struct {
		int64_t in;
		mdx_time want;
		const char *name;
	} epochs[] = {
		{ 1704067200, 1704067200000,
		    "seconds" },
		{ 1704067200000, 1704067200000,
		    "milliseconds" },
		{ 1704067200000000, 1704067200000,
		    "microseconds (Binance spot from 2025)" },
		{ 1704067200000000000, 1704067200000,
		    "nanoseconds" },
		{ 1735689600123456, 1735689600123,
		    "microseconds truncated to ms" },
		{ 99999999999, 99999999999000,
		    "10^11 - 1 is seconds" },
		{ 100000000000, 100000000000,
		    "10^11 is milliseconds" },
		{ 99999999999999, 99999999999999,
		    "10^14 - 1 is milliseconds" },
		{ 100000000000000, 100000000000,
		    "10^14 is microseconds" },
		{ 100000000000000000, 100000000000,
		    "10^17 is nanoseconds" },
		{ 0, 0,
		    "zero" },
		{ -1, -1000,
		    "-1 second" },
		{ -2208988800, -2208988800000,
		    "1900 in seconds" },
		{ -2208988800000, -2208988800000,
		    "1900 in milliseconds" },
		{ -1500, -1500000,
		    "-1500 is seconds" },
		{ -100000000000001, -100000000001,
		    "negative microseconds round down" },
		{ -99999999999, -99999999999000,
		    "-(10^11 - 1) is seconds" },
		{ -100000000000, -100000000000,
		    "-10^11 is milliseconds" },
		{ INT64_MIN, INT64_MIN / 1000000 - 1,
		    "INT64_MIN does not overflow" },
	};

	is_int_rows(mdx_time_from_epoch, epochs);
}

/* mdx_now(), for tap_stderr_of(). */
static void
now(void *arg)
{
	mdx_now();
}

static void
test_parse_now(void)
{
	static const struct tap_int_row tps[] = {
		{ "now", 1704067200000,
		    "now" },
		{ "-2d", 1703894400000,
		    "-2d" },
		{ "+1h", 1704070800000,
		    "+1h" },
		{ "-90m", 1704061800000,
		    "-90m" },
		{ "-30s", 1704067170000,
		    "-30s" },
		{ "-1w", 1703462400000,
		    "-1w" },
		{ "+0d", 1704067200000,
		    "+0d" },
		{ "-366d", 1672444800000,
		    "-366d" },
		{ "1704067200", 1704067200000,
		    "epoch seconds" },
		{ "1704067200000", 1704067200000,
		    "epoch ms" },
		{ "1704067200000000", 1704067200000,
		    "epoch µs" },
		{ "1704067200000000000", 1704067200000,
		    "epoch ns" },
		{ "-86400", -86400000,
		    "negative epoch seconds" },
		{ "2024-02-29T00:00:00Z", 1709164800000,
		    "RFC 3339 through mdx_time_parse" },
		{ "2024-02-29", 1709164800000,
		    "date only" },
		{ "2d", INT64_MIN,
		    "relative without sign" },
		{ "-2y", INT64_MIN,
		    "unknown unit" },
		{ "-2M", INT64_MIN,
		    "months are not a relative unit" },
		{ "-d", INT64_MIN,
		    "no number" },
		{ "-", INT64_MIN,
		    "sign alone" },
		{ "now ", INT64_MIN,
		    "now with a blank" },
		{ "NOW", INT64_MIN,
		    "NOW is not now" },
		{ "", INT64_MIN,
		    "empty" },
		{ "-2.5d", INT64_MIN,
		    "fractional relative" },
		{ "17040672000000000000", INT64_MIN,
		    "epoch beyond int64" },
		{ "1704067200.5", INT64_MIN,
		    "fractional epoch" },
		{ "yesterday", INT64_MIN,
		    "words" },
	};
	char msg[512];
	mdx_time t;
	time_t before, after;

	unsetenv("MDX_NOW");
	before = time(NULL);
	t = mdx_now();
	after = time(NULL);
	ok(t >= (mdx_time)before * 1000 && t < ((mdx_time)after + 1) * 1000,
	    "mdx_now() follows the clock without MDX_NOW");

	setenv("MDX_NOW", "2024-01-01T00:00:00Z", 1);
	is_int(mdx_now(), INT64_C(1704067200000), "MDX_NOW in RFC 3339");
	is_int_rows(tp, tps);

	setenv("MDX_NOW", "1704067200000", 1);
	is_int(mdx_now(), INT64_C(1704067200000), "MDX_NOW as epoch ms");
	setenv("MDX_NOW", "1704067200", 1);
	is_int(tp("-1d"), INT64_C(1703980800000), "MDX_NOW as epoch seconds");

	setenv("MDX_NOW", "-2d", 1);
	is_int(tap_stderr_of(now, NULL, msg, sizeof(msg)), MDX_EX_CONFIG,
	    "relative MDX_NOW is a configuration error");
	ok(strstr(msg, "MDX_NOW") != NULL && strstr(msg, "-2d") != NULL,
	    "the message names MDX_NOW and its value");
	setenv("MDX_NOW", "2023-02-29", 1);
	is_int(tap_stderr_of(now, NULL, msg, sizeof(msg)), MDX_EX_CONFIG,
	    "bad MDX_NOW date");
	unsetenv("MDX_NOW");
}

static void
test_format(void)
{
	static const struct {
		mdx_time in;
		const char *want, *name;
	} fmts[] = {
		{ 1704067200000, "2024-01-01T00:00:00Z",
		    "format" },
		{ 1704067200123, "2024-01-01T00:00:00.123Z",
		    "format with ms" },
		{ 1704067200005, "2024-01-01T00:00:00.005Z",
		    "format with 5 ms" },
		{ 1704067200050, "2024-01-01T00:00:00.050Z",
		    "format with 50 ms" },
		{ 0, "1970-01-01T00:00:00Z",
		    "format the epoch" },
		{ -1, "1969-12-31T23:59:59.999Z",
		    "format -1" },
		{ 1709210096000, "2024-02-29T12:34:56Z",
		    "format a leap day" },
		{ 1735689599999, "2024-12-31T23:59:59.999Z",
		    "format the last ms of a year" },
		{ -2208988800000, "1900-01-01T00:00:00Z",
		    "format 1900" },
		{ 253402300799999, "9999-12-31T23:59:59.999Z",
		    "format year 9999" },
	};
	char buf[MDX_TIME_BUFSZ];
	struct mdx_tm tm;

	is_str_rows(fmt, fmts);
	is_int(mdx_time_format(INT64_C(1704067200123), buf), 24,
	    "format returns the length");
	is_int(mdx_time_format_date(INT64_C(1709251199999), buf), 10,
	    "format_date returns the length");
	is_str(buf, "2024-02-29", "format_date");
	mdx_time_format_date(-1, buf);
	is_str(buf, "1969-12-31", "format_date before the epoch");

	mdx_time_split(INT64_C(1709210096789), &tm);
	ok(tm.year == 2024 && tm.month == 2 && tm.day == 29 &&
	    tm.hour == 12 && tm.min == 34 && tm.sec == 56 && tm.ms == 789 &&
	    tm.wday == 4, "split 2024-02-29T12:34:56.789Z (Thursday)");
	mdx_time_split(INT64_C(1704067200000), &tm);
	is_int(tm.wday, 1, "2024-01-01 was a Monday");
	mdx_time_split(0, &tm);
	is_int(tm.wday, 4, "1970-01-01 was a Thursday");
	mdx_time_split(-1, &tm);
	ok(tm.year == 1969 && tm.month == 12 && tm.day == 31 &&
	    tm.hour == 23 && tm.min == 59 && tm.sec == 59 && tm.ms == 999 &&
	    tm.wday == 3, "split -1 (Wednesday)");
	is_int(mdx_time_join(2024, 1, 1, 0, 0, 0, 0), INT64_C(1704067200000),
	    "join 2024-01-01");
	is_int(mdx_time_join(2024, 2, 29, 12, 34, 56, 789),
	    INT64_C(1709210096789), "join a leap day");
	is_int(mdx_time_join(1969, 12, 31, 23, 59, 59, 999), -1,
	    "join before the epoch");
	is_int(mdx_time_join(2100, 3, 1, 0, 0, 0, 0), INT64_C(4107542400000),
	    "join 2100-03-01");
}

/* mdx_time_split() against gmtime_r() and format/parse round trips. */
static void
test_random(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	int i, bad_split = 0, bad_trip = 0;
	struct mdx_tm tm;
	struct tm g;
	mdx_time t, u;
	time_t s;

	for (i = 0; i < 200000; i++) {
		/* 1900-01-01 .. about 2200 */
		t = INT64_C(-2208988800000) +
		    (mdx_time)(tap_xorshift(&x) % UINT64_C(9500000000000));
		if (i % 4 == 0)
			t -= t % 1000;
		mdx_time_split(t, &tm);
		s = (time_t)((t - (((t % 1000) + 1000) % 1000)) / 1000);
		gmtime_r(&s, &g);
		if ((tm.year != g.tm_year + 1900 || tm.month != g.tm_mon + 1 ||
		    tm.day != g.tm_mday || tm.hour != g.tm_hour ||
		    tm.min != g.tm_min || tm.sec != g.tm_sec ||
		    tm.wday != g.tm_wday || tm.ms != ((t % 1000) + 1000) % 1000)
		    && bad_split++ < 5)
			printf("# split %lld differs from gmtime_r\n",
			    (long long)t);
		if ((mdx_time_parse_rfc3339(fmt(t), strlen(fmt(t)), &u) == -1 ||
		    u != t ||
		    mdx_time_join(tm.year, tm.month, tm.day, tm.hour, tm.min,
		    tm.sec, tm.ms) != t) && bad_trip++ < 5)
			printf("# round trip of %lld failed\n", (long long)t);
	}
	ok(bad_split == 0, "split agrees with gmtime_r");
	ok(bad_trip == 0, "format, parse and join round trip");
}

/*
 * Random date-time text with fields in and out of range, against the C
 * library: a date is valid when timegm() and gmtime_r() give back the same
 * fields, and the instant is timegm()'s.
 */
static void
test_random_text(void)
{
	static const char *seps = "TTTTt xT";
	uint64_t x = 0xD1B54A32D192ED03ULL;
	char s[64], frac[16];
	int i, y, mo, d, h, mi, se, oh, om, nf, bad = 0, nvalid = 0;
	int kind, ms, valid;
	struct tm g, back;
	mdx_time want, got;
	time_t tt;

#define R(n) ((int)(tap_xorshift(&x) % (n)))
	for (i = 0; i < 100000; i++) {
		y = 1900 + R(300);
		mo = R(14);
		d = R(33);
		h = R(26);
		mi = R(62);
		se = R(62);
		if (R(2)) {	/* mostly in range */
			mo = 1 + R(12);
			d = 1 + R(31);
			h = R(24);
			mi = R(60);
			se = R(60);
		}
		nf = R(12) - 1;	/* -1: none; 10, 11: too many */
		ms = 0;
		frac[0] = '\0';
		if (nf >= 0) {
			int j;

			frac[0] = '.';
			for (j = 1; j <= nf; j++) {
				frac[j] = '0' + R(10);
				if (j <= 3)
					ms = ms * 10 + (frac[j] - '0');
			}
			frac[nf + 1] = '\0';
			for (j = nf; j < 3; j++)
				ms *= 10;
		}
		kind = R(4);	/* Z, +hh:mm, -hh:mm, none */
		oh = R(26);
		om = R(62);
		snprintf(s, sizeof(s), "%04d-%02d-%02d%c%02d:%02d:%02d%s", y,
		    mo, d, seps[R(8)], h, mi, se, frac);
		if (kind == 0)
			strcat(s, R(2) ? "Z" : "z");
		else if (kind < 3)
			snprintf(s + strlen(s), 8, "%c%02d:%02d",
			    kind == 1 ? '+' : '-', oh, om);

		g = (struct tm){ .tm_year = y - 1900, .tm_mon = mo - 1,
		    .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se };
		tt = timegm(&g);
		gmtime_r(&tt, &back);
		valid = back.tm_year == y - 1900 && back.tm_mon == mo - 1 &&
		    back.tm_mday == d && back.tm_hour == h &&
		    back.tm_min == mi && back.tm_sec == se && nf != 0 &&
		    nf <= 9 && kind != 3 &&
		    (kind == 0 || (oh < 24 && om < 60)) && s[10] != 'x';
		want = (mdx_time)tt * 1000 + ms;
		if (kind == 1)
			want -= (oh * 60 + om) * INT64_C(60000);
		else if (kind == 2)
			want += (oh * 60 + om) * INT64_C(60000);
		got = rfc(s);
		nvalid += valid;
		if ((valid ? got != want : got != INT64_MIN) && bad++ < 5)
			printf("# '%s': %lld, want %s %lld\n", s,
			    (long long)got, valid ? "" : "bad",
			    (long long)want);
	}
#undef R
	printf("# %d of 100000 valid\n", nvalid);
	ok(nvalid > 10000 && nvalid < 90000, "random text is good and bad");
	ok(bad == 0, "random RFC 3339 text agrees with timegm()");
}

static void
test_intervals(void)
{
	/* floor ('f'), next ('n') or aligned ('a', want 1 or 0) of t. */
	const struct {
		const char *code;
		int op;
		mdx_time t, want;
		const char *name;
	} steps[] = {
		/* Month and year ends. */
		{ "1M", 'n', 1735689599999, 1735689600000,
		    "1M next of the last ms of 2024" },
		{ "1M", 'f', 1709210096000, 1706745600000,
		    "1M floor on a leap day: Feb 1" },
		{ "1M", 'n', 1709210096000, 1709251200000,
		    "1M next on a leap day: Mar 1" },
		{ "1M", 'n', 1709251200000, rfc("2024-04-01"),
		    "1M next of a month start" },
		{ "1M", 'f', -1, rfc("1969-12-01"),
		    "1M floor before the epoch" },
		{ "1d", 'f', 1709251199999, 1709164800000,
		    "1d floor at the end of a leap day" },
		{ "1d", 'n', 1709251199999, 1709251200000,
		    "1d next at the end of a leap day" },
		{ "1d", 'n', rfc("2024-12-31T12:00:00Z"), 1735689600000,
		    "1d next on Dec 31" },
		/* Weeks start on Monday 00:00Z. */
		{ "1w", 'f', rfc("2024-01-03T12:00:00Z"), 1704067200000,
		    "2024-01-03 floors to Monday 2024-01-01" },
		{ "1w", 'n', rfc("2024-01-03T12:00:00Z"), 1704672000000,
		    "next week: 2024-01-08" },
		{ "1w", 'f', 1704067200000, 1704067200000,
		    "a Monday floors to itself" },
		{ "1w", 'f', 1704067199999, 1703462400000,
		    "Sunday 23:59:59.999 floors to 2023-12-25" },
		{ "1w", 'f', 0, -259200000,
		    "the epoch (a Thursday) floors to Monday 1969-12-29" },
		{ "1w", 'a', 1704672000000, 1,
		    "2024-01-08 is a week start" },
		{ "1w", 'a', rfc("2024-01-07"), 0,
		    "2024-01-07 (Sunday) is not" },
		/* Fixed intervals from the epoch. */
		{ "3d", 'f', 1704067200000, 1703980800000,
		    "3d floor of 2024-01-01 is 2023-12-31" },
		{ "3d", 'n', 1704067200000, rfc("2024-01-03"),
		    "3d next of 2024-01-01 is 2024-01-03" },
		{ "4h", 'f', rfc("2024-01-01T05:00:00Z"),
		    rfc("2024-01-01T04:00:00Z"),
		    "4h floor" },
		{ "8h", 'n', rfc("2024-01-01T23:00:00Z"), rfc("2024-01-02"),
		    "8h next across midnight" },
		{ "15m", 'f', rfc("2024-01-01T00:14:59.999Z"), 1704067200000,
		    "15m floor" },
		{ "1h", 'f', -1, -3600000,
		    "1h floor before the epoch" },
		{ "1s", 'f', 1704067200999, 1704067200000,
		    "1s floor" },
		{ "1M", 'a', rfc("2024-03-01"), 1,
		    "2024-03-01 is a month start" },
		{ "1M", 'a', rfc("2024-03-01") + 1, 0,
		    "one ms later is not" },
		{ "1M", 'a', rfc("2024-03-02"), 0,
		    "2024-03-02 is not" },
	}, *st;
	/* Counts in [from, to). */
	const struct {
		const char *code;
		mdx_time from, to;
		int want;
		const char *name;
	} counts[] = {
		{ "1m", rfc("2024-01-01"), rfc("2024-01-02"), 1440,
		    "1440 minutes a day" },
		{ "1d", rfc("2024-01-01"), rfc("2025-01-01"), 366,
		    "366 days in 2024" },
		{ "1d", rfc("2023-01-01"), rfc("2024-01-01"), 365,
		    "365 days in 2023" },
		{ "1M", rfc("2024-01-01"), rfc("2025-01-01"), 12,
		    "12 months" },
		{ "1M", rfc("2024-01-15"), rfc("2024-03-01"), 1,
		    "one month start in [Jan 15, Mar 1)" },
		{ "1M", rfc("2023-12-31T23:59:00Z"), rfc("2024-01-01") + 1, 1,
		    "one month start across the year" },
		{ "1w", rfc("2024-01-01"), rfc("2024-02-01"), 5,
		    "five Mondays in January 2024" },
		{ "1h", rfc("2024-01-01"), rfc("2024-01-01") + 1, 1,
		    "one start in one ms" },
		{ "1h", rfc("2024-01-01"), rfc("2024-01-01"), 0,
		    "empty range" },
		{ "1h", rfc("2024-01-02"), rfc("2024-01-01"), 0,
		    "reversed range" },
		{ "1h", -1, 1, 1,
		    "across the epoch" },
	}, *c;
	/* Which intervals roll up into which: 1 or 0. */
	static const struct tap_pair_row rollups[] = {
		{ "1m", "1h", 1, "1m divides 1h" },
		{ "1h", "1d", 1, "1h divides 1d" },
		{ "8h", "1d", 1, "8h divides 1d" },
		{ "1d", "1w", 1, "1d divides 1w" },
		{ "1h", "1w", 1, "1h divides 1w" },
		{ "1d", "1M", 1, "1d divides 1M" },
		{ "1h", "1M", 1, "1h divides 1M" },
		{ "1d", "3d", 1, "1d divides 3d" },
		{ "1M", "1M", 1, "1M divides 1M" },
		{ "1w", "1w", 1, "1w divides 1w" },
		{ "1w", "1M", 0, "1w does not divide 1M" },
		{ "3d", "1w", 0, "3d does not divide 1w" },
		{ "3d", "1M", 0, "3d does not divide 1M" },
		{ "1w", "3d", 0, "1w does not divide 3d" },
		{ "2h", "3d", 1, "2h divides 3d" },
		{ "3m", "5m", 0, "3m does not divide 5m" },
		{ "1h", "1m", 0, "1h does not divide 1m" },
		{ "1M", "1d", 0, "1M does not divide 1d" },
	};
	const struct mdx_interval *v;
	const char *codes[] = { "1s", "1m", "3m", "5m", "15m", "30m", "1h",
	    "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M" };
	int i, good = 1;
	mdx_time got;

	for (i = 0; mdx_intervals[i].code != NULL; i++)
		if (i >= 16 || strcmp(mdx_intervals[i].code, codes[i]) != 0)
			good = 0;
	ok(good && i == 16, "the table holds the 16 codes, shortest first");
	v = mdx_interval_lookup("1m");
	ok(v != NULL && v->ms == 60000 && v->months == 0, "1m is a minute");
	v = mdx_interval_lookup("1M");
	ok(v != NULL && v->ms == 0 && v->months == 1, "1M is a month");
	v = mdx_interval_lookup("1w");
	ok(v != NULL && v->ms == INT64_C(604800000), "1w is a week");
	v = mdx_interval_lookup("12h");
	ok(v != NULL && v->ms == INT64_C(43200000), "12h");
	ok(mdx_interval_lookup("1H") == NULL, "codes are case-sensitive");
	ok(mdx_interval_lookup("2d") == NULL, "2d is unknown");
	ok(mdx_interval_lookup("") == NULL, "empty code");
	ok(mdx_interval_lookup("1m ") == NULL, "code with a blank");
	ok(mdx_interval_lookup(NULL) == NULL, "NULL code");

	/* Month and year ends. */
	is_str(fmt(mdx_interval_floor(iv("1M"), rfc("2024-12-31T23:59:00Z"))),
	    "2024-12-01T00:00:00Z", "1M floor at Dec 31 23:59");
	is_str(fmt(mdx_interval_next(iv("1M"), rfc("2024-12-31T23:59:00Z"))),
	    "2025-01-01T00:00:00Z", "1M next at Dec 31 23:59 is Jan 1");
	for (st = steps; st < steps + TAP_NROWS(steps); st++) {
		v = iv(st->code);
		if (st->op == 'f')
			got = mdx_interval_floor(v, st->t);
		else if (st->op == 'n')
			got = mdx_interval_next(v, st->t);
		else
			got = mdx_interval_aligned(v, st->t) != 0;
		is_int(got, st->want, st->name);
	}
	for (c = counts; c < counts + TAP_NROWS(counts); c++)
		is_int(mdx_interval_count(iv(c->code), c->from, c->to), c->want,
		    c->name);
	is_int_rows2(divides, rollups);
}

/* Trade times: microseconds, and Kraken's seconds with a fraction. */
static void
test_us(void)
{
	char buf[MDX_TIME_BUFSZ];
	int64_t ns;

	mdx_time_format_us(INT64_C(1704067200000000), buf);
	is_str(buf, "2024-01-01T00:00:00Z", "us: a whole second");
	mdx_time_format_us(INT64_C(1704067200123000), buf);
	is_str(buf, "2024-01-01T00:00:00.123Z", "us: milliseconds only");
	mdx_time_format_us(INT64_C(1704067200123456), buf);
	is_str(buf, "2024-01-01T00:00:00.123456Z", "us: microseconds");
	mdx_time_format_us(INT64_C(1704067200000007), buf);
	is_str(buf, "2024-01-01T00:00:00.000007Z", "us: 7 us past a second");
	ok(mdx_epoch_seconds_ns("1688669597.8277369", 18, &ns) == 0 &&
	    ns == INT64_C(1688669597827736900), "seconds with 7 digits");
	ok(mdx_epoch_seconds_ns("1688669597", 10, &ns) == 0 &&
	    ns == INT64_C(1688669597000000000), "whole seconds");
	ok(mdx_epoch_seconds_ns("1.0000000019", 12, &ns) == 0 &&
	    ns == INT64_C(1000000001), "past 9 digits: dropped");
	ok(mdx_epoch_seconds_ns("1e9", 3, &ns) == -1, "no exponent");
	ok(mdx_epoch_seconds_ns("-1.5", 4, &ns) == -1, "no sign");
	ok(mdx_epoch_seconds_ns("1.", 2, &ns) == -1, "no empty fraction");
	ok(mdx_epoch_seconds_ns("99999999999", 11, &ns) == -1,
	    "past 2262");
}

int
main(void)
{
	test_us();
	test_rfc3339();
	test_epoch();
	test_parse_now();
	test_format();
	test_random();
	test_random_text();
	test_intervals();
	return done_testing();
}
