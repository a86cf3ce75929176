/*
 * test-time.c - UTC time parsing and formatting, epoch units, relative
 * times and interval arithmetic.  Expected instants are written out
 * literally (taken from date(1)); the randomised part checks
 * mdx_time_split() against the C library's gmtime_r().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static void
test_rfc3339(void)
{
	mdx_time t;

	is_int(rfc("2024-01-01T00:00:00Z"), INT64_C(1704067200000), "Z");
	is_int(rfc("2024-01-01t00:00:00z"), INT64_C(1704067200000),
	    "lowercase t and z");
	is_int(rfc("2024-01-01 00:00:00Z"), INT64_C(1704067200000),
	    "space separator");
	is_int(rfc("2024-01-01"), INT64_C(1704067200000), "date only");
	is_int(rfc("1970-01-01T00:00:00Z"), 0, "the epoch");
	is_int(rfc("1969-12-31T23:59:59.999Z"), -1, "just before the epoch");
	is_int(rfc("2024-01-01T00:00:00.123Z"), INT64_C(1704067200123),
	    "milliseconds");
	is_int(rfc("2024-01-01T00:00:00.1Z"), INT64_C(1704067200100),
	    "one fraction digit");
	is_int(rfc("2024-01-01T00:00:00.12Z"), INT64_C(1704067200120),
	    "two fraction digits");
	is_int(rfc("2024-01-01T00:00:00.123456789Z"), INT64_C(1704067200123),
	    "nanoseconds truncated");
	is_int(rfc("2024-01-01T00:00:00.999999Z"), INT64_C(1704067200999),
	    "microseconds truncated, not rounded");
	is_int(rfc("2024-01-01T02:00:00+02:00"), INT64_C(1704067200000),
	    "positive offset");
	is_int(rfc("2023-12-31T19:00:00-05:00"), INT64_C(1704067200000),
	    "negative offset across the year");
	is_int(rfc("2024-01-01T11:00:00+05:30"), INT64_C(1704087000000),
	    "half-hour offset");
	is_int(rfc("2024-01-01T00:00:00-00:00"), INT64_C(1704067200000),
	    "-00:00");
	is_int(rfc("2024-02-29"), INT64_C(1709164800000), "leap day 2024");
	is_int(rfc("2024-02-29T12:34:56Z"), INT64_C(1709210096000),
	    "leap day with time");
	is_int(rfc("2000-02-29"), INT64_C(951782400000),
	    "leap day 2000 (divisible by 400)");
	is_int(rfc("2023-03-01"), INT64_C(1677628800000), "2023-03-01");
	is_int(rfc("2024-12-31T23:59:59.999Z"), INT64_C(1735689599999),
	    "last millisecond of 2024");
	is_int(rfc("2025-01-01T00:00:00Z"), INT64_C(1735689600000),
	    "first of 2025");
	is_int(rfc("1900-01-01"), INT64_C(-2208988800000), "1900-01-01");
	is_int(rfc("9999-12-31T23:59:59Z"), INT64_C(253402300799000),
	    "year 9999");

	is_int(rfc("2023-02-29"), INT64_MIN, "2023-02-29 is not a date");
	is_int(rfc("1900-02-29"), INT64_MIN, "1900-02-29 is not a date");
	is_int(rfc("2100-02-29"), INT64_MIN, "2100-02-29 is not a date");
	is_int(rfc("2024-04-31"), INT64_MIN, "April has 30 days");
	is_int(rfc("2024-01-32"), INT64_MIN, "day 32");
	is_int(rfc("2024-01-00"), INT64_MIN, "day 0");
	is_int(rfc("2024-13-01"), INT64_MIN, "month 13");
	is_int(rfc("2024-00-10"), INT64_MIN, "month 0");
	is_int(rfc("2024-01-01T24:00:00Z"), INT64_MIN, "hour 24");
	is_int(rfc("2024-01-01T23:60:00Z"), INT64_MIN, "minute 60");
	is_int(rfc("2016-12-31T23:59:60Z"), INT64_MIN,
	    "leap second rejected");
	is_int(rfc("2024-01-01T00:00:00"), INT64_MIN, "no offset");
	is_int(rfc("2024-01-01T00:00Z"), INT64_MIN, "no seconds");
	is_int(rfc("2024-01-01T00:00:00.Z"), INT64_MIN, "empty fraction");
	is_int(rfc("2024-01-01T00:00:00.1234567890Z"), INT64_MIN,
	    "ten fraction digits");
	is_int(rfc("2024-01-01T00:00:00+2:00"), INT64_MIN, "short offset");
	is_int(rfc("2024-01-01T00:00:00+0200"), INT64_MIN,
	    "offset without colon");
	is_int(rfc("2024-01-01T00:00:00+02:60"), INT64_MIN, "offset minute 60");
	is_int(rfc("2024-01-01T00:00:00+24:00"), INT64_MIN, "offset hour 24");
	is_int(rfc("2024-01-01X00:00:00Z"), INT64_MIN, "bad separator");
	is_int(rfc("2024-01-01T00:00:00Z "), INT64_MIN, "trailing blank");
	is_int(rfc(" 2024-01-01"), INT64_MIN, "leading blank");
	is_int(rfc("2024-01-01T00:00:00ZZ"), INT64_MIN, "two Zs");
	is_int(rfc("2024-1-01"), INT64_MIN, "one-digit month");
	is_int(rfc("2024/01/01"), INT64_MIN, "slashes");
	is_int(rfc("24-01-01"), INT64_MIN, "two-digit year");
	is_int(rfc("2024-01-01T"), INT64_MIN, "T alone");
	is_int(rfc(""), INT64_MIN, "empty");
	is_int(rfc("1704067200"), INT64_MIN, "epoch is not RFC 3339");
	ok(mdx_time_parse_rfc3339("2024-01-01T00:00:00Z", 10, &t) == 0 &&
	    t == INT64_C(1704067200000), "only n bytes are read");
}

static void
test_epoch(void)
{
	is_int(mdx_time_from_epoch(INT64_C(1704067200)),
	    INT64_C(1704067200000), "seconds");
	is_int(mdx_time_from_epoch(INT64_C(1704067200000)),
	    INT64_C(1704067200000), "milliseconds");
	is_int(mdx_time_from_epoch(INT64_C(1704067200000000)),
	    INT64_C(1704067200000), "microseconds (Binance spot from 2025)");
	is_int(mdx_time_from_epoch(INT64_C(1704067200000000000)),
	    INT64_C(1704067200000), "nanoseconds");
	is_int(mdx_time_from_epoch(INT64_C(1735689600123456)),
	    INT64_C(1735689600123), "microseconds truncated to ms");
	is_int(mdx_time_from_epoch(INT64_C(99999999999)),
	    INT64_C(99999999999000), "10^11 - 1 is seconds");
	is_int(mdx_time_from_epoch(INT64_C(100000000000)),
	    INT64_C(100000000000), "10^11 is milliseconds");
	is_int(mdx_time_from_epoch(INT64_C(99999999999999)),
	    INT64_C(99999999999999), "10^14 - 1 is milliseconds");
	is_int(mdx_time_from_epoch(INT64_C(100000000000000)),
	    INT64_C(100000000000), "10^14 is microseconds");
	is_int(mdx_time_from_epoch(INT64_C(100000000000000000)),
	    INT64_C(100000000000), "10^17 is nanoseconds");
	is_int(mdx_time_from_epoch(0), 0, "zero");
	is_int(mdx_time_from_epoch(-1), -1000, "-1 second");
	is_int(mdx_time_from_epoch(INT64_C(-2208988800)),
	    INT64_C(-2208988800000), "1900 in seconds");
	is_int(mdx_time_from_epoch(INT64_C(-2208988800000)),
	    INT64_C(-2208988800000), "1900 in milliseconds");
	is_int(mdx_time_from_epoch(INT64_C(-1500)), -1500000,
	    "-1500 is seconds");
	is_int(mdx_time_from_epoch(INT64_C(-100000000000001)),
	    INT64_C(-100000000001), "negative microseconds round down");
	is_int(mdx_time_from_epoch(INT64_C(-99999999999)),
	    INT64_C(-99999999999000), "-(10^11 - 1) is seconds");
	is_int(mdx_time_from_epoch(INT64_C(-100000000000)),
	    INT64_C(-100000000000), "-10^11 is milliseconds");
	is_int(mdx_time_from_epoch(INT64_MIN), INT64_MIN / 1000000 - 1,
	    "INT64_MIN does not overflow");
}

/* Runs mdx_now() in a child with stderr on a pipe; returns the status. */
static int
now_in_child(char *msg, size_t msgsz)
{
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(fd[1], 2);
		mdx_now();
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], msg, msgsz - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_parse_now(void)
{
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
	is_int(tp("now"), INT64_C(1704067200000), "now");
	is_int(tp("-2d"), INT64_C(1703894400000), "-2d");
	is_int(tp("+1h"), INT64_C(1704070800000), "+1h");
	is_int(tp("-90m"), INT64_C(1704061800000), "-90m");
	is_int(tp("-30s"), INT64_C(1704067170000), "-30s");
	is_int(tp("-1w"), INT64_C(1703462400000), "-1w");
	is_int(tp("+0d"), INT64_C(1704067200000), "+0d");
	is_int(tp("-366d"), INT64_C(1672444800000), "-366d");
	is_int(tp("1704067200"), INT64_C(1704067200000), "epoch seconds");
	is_int(tp("1704067200000"), INT64_C(1704067200000), "epoch ms");
	is_int(tp("1704067200000000"), INT64_C(1704067200000), "epoch µs");
	is_int(tp("1704067200000000000"), INT64_C(1704067200000),
	    "epoch ns");
	is_int(tp("-86400"), INT64_C(-86400000), "negative epoch seconds");
	is_int(tp("2024-02-29T00:00:00Z"), INT64_C(1709164800000),
	    "RFC 3339 through mdx_time_parse");
	is_int(tp("2024-02-29"), INT64_C(1709164800000), "date only");
	is_int(tp("2d"), INT64_MIN, "relative without sign");
	is_int(tp("-2y"), INT64_MIN, "unknown unit");
	is_int(tp("-2M"), INT64_MIN, "months are not a relative unit");
	is_int(tp("-d"), INT64_MIN, "no number");
	is_int(tp("-"), INT64_MIN, "sign alone");
	is_int(tp("now "), INT64_MIN, "now with a blank");
	is_int(tp("NOW"), INT64_MIN, "NOW is not now");
	is_int(tp(""), INT64_MIN, "empty");
	is_int(tp("-2.5d"), INT64_MIN, "fractional relative");
	is_int(tp("17040672000000000000"), INT64_MIN, "epoch beyond int64");
	is_int(tp("1704067200.5"), INT64_MIN, "fractional epoch");
	is_int(tp("yesterday"), INT64_MIN, "words");

	setenv("MDX_NOW", "1704067200000", 1);
	is_int(mdx_now(), INT64_C(1704067200000), "MDX_NOW as epoch ms");
	setenv("MDX_NOW", "1704067200", 1);
	is_int(tp("-1d"), INT64_C(1703980800000), "MDX_NOW as epoch seconds");

	setenv("MDX_NOW", "-2d", 1);
	is_int(now_in_child(msg, sizeof(msg)), MDX_EX_CONFIG,
	    "relative MDX_NOW is a configuration error");
	ok(strstr(msg, "MDX_NOW") != NULL && strstr(msg, "-2d") != NULL,
	    "the message names MDX_NOW and its value");
	setenv("MDX_NOW", "2023-02-29", 1);
	is_int(now_in_child(msg, sizeof(msg)), MDX_EX_CONFIG,
	    "bad MDX_NOW date");
	unsetenv("MDX_NOW");
}

static void
test_format(void)
{
	char buf[MDX_TIME_BUFSZ];
	struct mdx_tm tm;

	is_str(fmt(INT64_C(1704067200000)), "2024-01-01T00:00:00Z", "format");
	is_str(fmt(INT64_C(1704067200123)), "2024-01-01T00:00:00.123Z",
	    "format with ms");
	is_str(fmt(INT64_C(1704067200005)), "2024-01-01T00:00:00.005Z",
	    "format with 5 ms");
	is_str(fmt(INT64_C(1704067200050)), "2024-01-01T00:00:00.050Z",
	    "format with 50 ms");
	is_str(fmt(0), "1970-01-01T00:00:00Z", "format the epoch");
	is_str(fmt(-1), "1969-12-31T23:59:59.999Z", "format -1");
	is_str(fmt(INT64_C(1709210096000)), "2024-02-29T12:34:56Z",
	    "format a leap day");
	is_str(fmt(INT64_C(1735689599999)), "2024-12-31T23:59:59.999Z",
	    "format the last ms of a year");
	is_str(fmt(INT64_C(-2208988800000)), "1900-01-01T00:00:00Z",
	    "format 1900");
	is_str(fmt(INT64_C(253402300799999)), "9999-12-31T23:59:59.999Z",
	    "format year 9999");
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
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* 1900-01-01 .. about 2200 */
		t = INT64_C(-2208988800000) +
		    (mdx_time)(x % UINT64_C(9500000000000));
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

#define R(n) (x ^= x << 13, x ^= x >> 7, x ^= x << 17, (int)(x % (n)))
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

		memset(&g, 0, sizeof(g));
		g.tm_year = y - 1900;
		g.tm_mon = mo - 1;
		g.tm_mday = d;
		g.tm_hour = h;
		g.tm_min = mi;
		g.tm_sec = se;
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
	const struct mdx_interval *v;
	const char *codes[] = { "1s", "1m", "3m", "5m", "15m", "30m", "1h",
	    "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M" };
	int i, good = 1;

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
	is_int(mdx_interval_next(iv("1M"), INT64_C(1735689599999)),
	    INT64_C(1735689600000), "1M next of the last ms of 2024");
	is_int(mdx_interval_floor(iv("1M"), INT64_C(1709210096000)),
	    INT64_C(1706745600000), "1M floor on a leap day: Feb 1");
	is_int(mdx_interval_next(iv("1M"), INT64_C(1709210096000)),
	    INT64_C(1709251200000), "1M next on a leap day: Mar 1");
	is_int(mdx_interval_next(iv("1M"), INT64_C(1709251200000)),
	    rfc("2024-04-01"), "1M next of a month start");
	is_int(mdx_interval_floor(iv("1M"), -1), rfc("1969-12-01"),
	    "1M floor before the epoch");
	is_int(mdx_interval_floor(iv("1d"), INT64_C(1709251199999)),
	    INT64_C(1709164800000), "1d floor at the end of a leap day");
	is_int(mdx_interval_next(iv("1d"), INT64_C(1709251199999)),
	    INT64_C(1709251200000), "1d next at the end of a leap day");
	is_int(mdx_interval_next(iv("1d"), rfc("2024-12-31T12:00:00Z")),
	    INT64_C(1735689600000), "1d next on Dec 31");

	/* Weeks start on Monday 00:00Z. */
	is_int(mdx_interval_floor(iv("1w"), rfc("2024-01-03T12:00:00Z")),
	    INT64_C(1704067200000), "2024-01-03 floors to Monday 2024-01-01");
	is_int(mdx_interval_next(iv("1w"), rfc("2024-01-03T12:00:00Z")),
	    INT64_C(1704672000000), "next week: 2024-01-08");
	is_int(mdx_interval_floor(iv("1w"), INT64_C(1704067200000)),
	    INT64_C(1704067200000), "a Monday floors to itself");
	is_int(mdx_interval_floor(iv("1w"), INT64_C(1704067199999)),
	    INT64_C(1703462400000), "Sunday 23:59:59.999 floors to 2023-12-25");
	is_int(mdx_interval_floor(iv("1w"), 0), INT64_C(-259200000),
	    "the epoch (a Thursday) floors to Monday 1969-12-29");
	ok(mdx_interval_aligned(iv("1w"), INT64_C(1704672000000)),
	    "2024-01-08 is a week start");
	ok(!mdx_interval_aligned(iv("1w"), rfc("2024-01-07")),
	    "2024-01-07 (Sunday) is not");

	/* Fixed intervals from the epoch. */
	is_int(mdx_interval_floor(iv("3d"), INT64_C(1704067200000)),
	    INT64_C(1703980800000), "3d floor of 2024-01-01 is 2023-12-31");
	is_int(mdx_interval_next(iv("3d"), INT64_C(1704067200000)),
	    rfc("2024-01-03"), "3d next of 2024-01-01 is 2024-01-03");
	is_int(mdx_interval_floor(iv("4h"), rfc("2024-01-01T05:00:00Z")),
	    rfc("2024-01-01T04:00:00Z"), "4h floor");
	is_int(mdx_interval_next(iv("8h"), rfc("2024-01-01T23:00:00Z")),
	    rfc("2024-01-02"), "8h next across midnight");
	is_int(mdx_interval_floor(iv("15m"), rfc("2024-01-01T00:14:59.999Z")),
	    INT64_C(1704067200000), "15m floor");
	is_int(mdx_interval_floor(iv("1h"), -1), -3600000,
	    "1h floor before the epoch");
	is_int(mdx_interval_floor(iv("1s"), INT64_C(1704067200999)),
	    INT64_C(1704067200000), "1s floor");
	ok(mdx_interval_aligned(iv("1M"), rfc("2024-03-01")),
	    "2024-03-01 is a month start");
	ok(!mdx_interval_aligned(iv("1M"), rfc("2024-03-01") + 1),
	    "one ms later is not");
	ok(!mdx_interval_aligned(iv("1M"), rfc("2024-03-02")),
	    "2024-03-02 is not");

	/* Counts in [from, to). */
	is_int(mdx_interval_count(iv("1m"), rfc("2024-01-01"),
	    rfc("2024-01-02")), 1440, "1440 minutes a day");
	is_int(mdx_interval_count(iv("1d"), rfc("2024-01-01"),
	    rfc("2025-01-01")), 366, "366 days in 2024");
	is_int(mdx_interval_count(iv("1d"), rfc("2023-01-01"),
	    rfc("2024-01-01")), 365, "365 days in 2023");
	is_int(mdx_interval_count(iv("1M"), rfc("2024-01-01"),
	    rfc("2025-01-01")), 12, "12 months");
	is_int(mdx_interval_count(iv("1M"), rfc("2024-01-15"),
	    rfc("2024-03-01")), 1, "one month start in [Jan 15, Mar 1)");
	is_int(mdx_interval_count(iv("1M"), rfc("2023-12-31T23:59:00Z"),
	    rfc("2024-01-01") + 1), 1, "one month start across the year");
	is_int(mdx_interval_count(iv("1w"), rfc("2024-01-01"),
	    rfc("2024-02-01")), 5, "five Mondays in January 2024");
	is_int(mdx_interval_count(iv("1h"), rfc("2024-01-01"),
	    rfc("2024-01-01") + 1), 1, "one start in one ms");
	is_int(mdx_interval_count(iv("1h"), rfc("2024-01-01"),
	    rfc("2024-01-01")), 0, "empty range");
	is_int(mdx_interval_count(iv("1h"), rfc("2024-01-02"),
	    rfc("2024-01-01")), 0, "reversed range");
	is_int(mdx_interval_count(iv("1h"), -1, 1), 1,
	    "across the epoch");

	/* Which intervals roll up into which. */
	ok(mdx_interval_divides(iv("1m"), iv("1h")), "1m divides 1h");
	ok(mdx_interval_divides(iv("1h"), iv("1d")), "1h divides 1d");
	ok(mdx_interval_divides(iv("8h"), iv("1d")), "8h divides 1d");
	ok(mdx_interval_divides(iv("1d"), iv("1w")), "1d divides 1w");
	ok(mdx_interval_divides(iv("1h"), iv("1w")), "1h divides 1w");
	ok(mdx_interval_divides(iv("1d"), iv("1M")), "1d divides 1M");
	ok(mdx_interval_divides(iv("1h"), iv("1M")), "1h divides 1M");
	ok(mdx_interval_divides(iv("1d"), iv("3d")), "1d divides 3d");
	ok(mdx_interval_divides(iv("1M"), iv("1M")), "1M divides 1M");
	ok(mdx_interval_divides(iv("1w"), iv("1w")), "1w divides 1w");
	ok(!mdx_interval_divides(iv("1w"), iv("1M")), "1w does not divide 1M");
	ok(!mdx_interval_divides(iv("3d"), iv("1w")), "3d does not divide 1w");
	ok(!mdx_interval_divides(iv("3d"), iv("1M")), "3d does not divide 1M");
	ok(!mdx_interval_divides(iv("1w"), iv("3d")), "1w does not divide 3d");
	ok(mdx_interval_divides(iv("2h"), iv("3d")),
	    "2h divides 3d");
	ok(!mdx_interval_divides(iv("3m"), iv("5m")), "3m does not divide 5m");
	ok(!mdx_interval_divides(iv("1h"), iv("1m")), "1h does not divide 1m");
	ok(!mdx_interval_divides(iv("1M"), iv("1d")), "1M does not divide 1d");
}

int
main(void)
{
	test_rfc3339();
	test_epoch();
	test_parse_now();
	test_format();
	test_random();
	test_random_text();
	test_intervals();
	return done_testing();
}
