/*
 * fuzz-time.c - UTC time and intervals (lib/utc.c).
 *
 * The input is taken two ways:
 * - as text: mdx_time_parse_rfc3339() must accept exactly what an
 *   independent reading of RFC 3339 (as lib/mdx.h restricts it) accepts,
 *   with the instant timegm(3) gives; the instant formats to a text that
 *   parses back to it and formats the same again.  mdx_time_parse() (on a
 *   fixed MDX_NOW) must not crash and must agree with the RFC 3339 parser
 *   and mdx_time_from_epoch();
 * - as an instant (its first 8 bytes): mdx_time_split() agrees with
 *   gmtime_r(3) and mdx_time_join(); for every interval, floor(t) <= t <
 *   next(t), floor(t) is aligned and is a bucket start by the interval's
 *   own rule (Monday for 1w, the 1st for 1M), next(floor(t)) == next(t),
 *   next(t) - floor(t) is the interval's length, count() counts one bucket.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

/* About 35,000 years either side of 1970: far beyond any market data,
 * and within the range where the arithmetic cannot overflow. */
#define SPAN (INT64_C(1) << 50)
/* 1970-01-01 minus 0000-01-01 and 9999-12-31T23:59:59.999Z, in ms. */
#define YEAR0 INT64_C(-62167219200000)
#define YEAR9999 INT64_C(253402300799999)

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int
dig(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/*
 * The oracle: YYYY-MM-DD, optionally followed by [Tt ]HH:MM:SS, an
 * optional fraction of 1 to 9 digits, and Z, z or +HH:MM / -HH:MM.
 * Returns 0 with the instant, or -1.
 */
static int
oracle(const char *s, size_t n, int64_t *t)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, oh, om, i;
	size_t p;
	int64_t off = 0;
	time_t secs;

	if (n < 10 || dig(s, 4, &y) || s[4] != '-' || dig(s + 5, 2, &mo) ||
	    s[7] != '-' || dig(s + 8, 2, &d))
		return -1;
	if (n > 10) {
		if (n < 20 || strchr("Tt ", s[10]) == NULL || s[10] == '\0' ||
		    dig(s + 11, 2, &h) || s[13] != ':' || dig(s + 14, 2, &mi) ||
		    s[16] != ':' || dig(s + 17, 2, &sec))
			return -1;
		p = 19;
		if (s[p] == '.') {
			for (i = 0, p++; p < n && s[p] >= '0' && s[p] <= '9';
			    p++, i++)
				if (i < 3)
					ms = ms * 10 + (s[p] - '0');
			if (i == 0 || i > 9)
				return -1;
			for (; i < 3; i++)
				ms *= 10;
		}
		if (p == n - 1 && (s[p] == 'Z' || s[p] == 'z'))
			;
		else if (p + 6 == n && (s[p] == '+' || s[p] == '-') &&
		    dig(s + p + 1, 2, &oh) == 0 && s[p + 3] == ':' &&
		    dig(s + p + 4, 2, &om) == 0 && oh <= 23 && om <= 59)
			off = (s[p] == '+' ? -1 : 1) *
			    (oh * INT64_C(3600000) + om * INT64_C(60000));
		else
			return -1;
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	errno = 0;
	secs = timegm(&tm);
	/* timegm() normalises 02-30 into March; the day must stay. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*t = (int64_t)secs * 1000 + ms + off;
	/* An offset must not carry the instant out of the years 0000 to
	 * 9999, which RFC 3339 cannot write in UTC. */
	return *t < YEAR0 || *t > YEAR9999 ? -1 : 0;
}

/* Whether z is an optional '-' and one or more digits. */
static int
int_text(const char *z)
{
	if (*z == '-')
		z++;
	return *z != '\0' && z[strspn(z, "0123456789")] == '\0';
}

static void
check_split(mdx_time t)
{
	struct mdx_tm m;
	struct tm g;
	time_t secs = (time_t)floordiv(t, 1000);

	mdx_time_split(t, &m);
	FUZZ_CHECK(gmtime_r(&secs, &g) != NULL, "gmtime_r failed");
	FUZZ_CHECK(m.year == g.tm_year + 1900 && m.month == g.tm_mon + 1 &&
	    m.day == g.tm_mday && m.hour == g.tm_hour && m.min == g.tm_min &&
	    m.sec == g.tm_sec && m.wday == g.tm_wday &&
	    m.ms == (int)(t - floordiv(t, 1000) * 1000),
	    "split of %lld: %d-%d-%d %d:%d:%d.%d wday %d", (long long)t,
	    m.year, m.month, m.day, m.hour, m.min, m.sec, m.ms, m.wday);
	FUZZ_CHECK(mdx_time_join(m.year, m.month, m.day, m.hour, m.min,
	    m.sec, m.ms) == t, "join(split(%lld))", (long long)t);
}

/* Format, parse back, format again; only for 4-digit years unless must
 * (a parsed instant) is set. */
static void
check_format(mdx_time t, int must)
{
	char a[MDX_TIME_BUFSZ], b[MDX_TIME_BUFSZ];
	mdx_time u;
	int n;

	n = mdx_time_format(t, a);
	FUZZ_CHECK(n > 0 && n < MDX_TIME_BUFSZ && (size_t)n == strlen(a),
	    "format length %d", n);
	if (!must && (t < YEAR0 || t > YEAR9999))
		return;
	FUZZ_CHECK(mdx_time_parse_rfc3339(a, n, &u) == 0, "'%s' (%lld) "
	    "does not parse", a, (long long)t);
	FUZZ_CHECK(u == t, "'%s' parses to %lld, not %lld", a,
	    (long long)u, (long long)t);
	mdx_time_format(u, b);
	FUZZ_CHECK(strcmp(a, b) == 0, "'%s' formats again as '%s'", a, b);
	n = mdx_time_format_date(t, b);
	FUZZ_CHECK(n == 10 && memcmp(a, b, 10) == 0, "date '%s' of '%s'", b,
	    a);
}

static void
check_intervals(mdx_time t)
{
	const struct mdx_interval *iv;
	struct mdx_tm m;
	mdx_time f, nx;

	for (iv = mdx_intervals; iv->code != NULL; iv++) {
		f = mdx_interval_floor(iv, t);
		nx = mdx_interval_next(iv, t);
		FUZZ_CHECK(f <= t && t < nx, "%s: floor %lld, t %lld, next "
		    "%lld", iv->code, (long long)f, (long long)t,
		    (long long)nx);
		FUZZ_CHECK(mdx_interval_aligned(iv, f), "%s: floor %lld not "
		    "aligned", iv->code, (long long)f);
		FUZZ_CHECK(mdx_interval_aligned(iv, t) == (f == t),
		    "%s: aligned(%lld)", iv->code, (long long)t);
		FUZZ_CHECK(mdx_interval_floor(iv, nx) == nx, "%s: next not "
		    "aligned", iv->code);
		FUZZ_CHECK(mdx_interval_next(iv, f) == nx, "%s: next(floor)",
		    iv->code);
		FUZZ_CHECK(mdx_interval_floor(iv, nx - 1) == f,
		    "%s: floor(next - 1)", iv->code);
		FUZZ_CHECK(mdx_interval_count(iv, f, nx) == 1 &&
		    mdx_interval_count(iv, f, t + 1) == 1 &&
		    mdx_interval_count(iv, f, mdx_interval_next(iv, nx)) == 2 &&
		    mdx_interval_count(iv, nx, f) == 0,
		    "%s: count", iv->code);
		mdx_time_split(f, &m);
		if (iv->months) {
			FUZZ_CHECK(m.day == 1 && m.hour == 0 && m.min == 0 &&
			    m.sec == 0 && m.ms == 0, "1M floor is not the 1st");
			FUZZ_CHECK(nx - f >= 28 * MDX_MS_DAY &&
			    nx - f <= 31 * MDX_MS_DAY, "1M length");
			continue;
		}
		FUZZ_CHECK(nx - f == iv->ms, "%s: length %lld", iv->code,
		    (long long)(nx - f));
		if (iv->ms == 7 * MDX_MS_DAY)
			FUZZ_CHECK(m.wday == 1 && m.hour == 0 && m.min == 0 &&
			    m.sec == 0 && m.ms == 0,
			    "1w floor is not Monday 00:00");
		else
			FUZZ_CHECK(f % iv->ms == 0, "%s: not epoch-aligned",
			    iv->code);
	}
}

static void
fuzz_setup(void)
{
	setenv("MDX_NOW", "2024-03-01T12:00:00Z", 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t v, want;
	mdx_time t, u;
	char *z;
	int rc, orc;

	/* As text. */
	rc = mdx_time_parse_rfc3339(s, size, &t);
	orc = oracle(s, size, &want);
	FUZZ_CHECK(rc == orc, "parse says %d, the oracle %d", rc, orc);
	if (rc == 0) {
		FUZZ_CHECK(t == want, "parsed %lld, the oracle %lld",
		    (long long)t, (long long)want);
		check_format(t, 1);
	}
	if (size < 64 && memchr(s, '\0', size) == NULL) {
		z = mdx_strndup(s, size);
		if (mdx_time_parse(z, &u) == 0) {
			char *end;

			if (rc == 0)
				FUZZ_CHECK(u == t, "mdx_time_parse differs from "
				    "the RFC 3339 parser");
			errno = 0;
			v = strtoll(z, &end, 10);
			if (int_text(z) && *end == '\0' && errno == 0)
				FUZZ_CHECK(u == mdx_time_from_epoch(v),
				    "epoch %lld", (long long)v);
		}
		free(z);
	}

	/* As an instant. */
	if (size < 8)
		return 0;
	memcpy(&v, data, 8);
	(void)mdx_time_from_epoch(v);
	t = v % SPAN;
	check_split(t);
	check_format(t, 0);
	check_intervals(t);
	return 0;
}
