/*
 * utc.h - UTC time and intervals.
 *
 * mdx_time is milliseconds since 1970-01-01T00:00:00Z.  Everything is UTC;
 * there are no time zones anywhere in mdx.
 */
#ifndef MDX_UTC_H
#define MDX_UTC_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t mdx_time;

#define MDX_TIME_BUFSZ 32
#define MDX_MS_MINUTE INT64_C(60000)
#define MDX_MS_HOUR INT64_C(3600000)
#define MDX_MS_DAY INT64_C(86400000)

/*
 * The times a record may carry: from 1970-01-01T00:00:00Z up to, not
 * including, 10000-01-01T00:00:00Z.  Every program checks a record's times
 * against this one range (mdx-records(5)), so that whatever mdx-transform
 * passes, mdx-load can store: the warehouse's timestamptz, the lake's
 * date partitions and the monthly candle partitions all hold these years.
 */
#define MDX_TIME_FIRST INT64_C(0)
#define MDX_TIME_END INT64_C(253402300800000)
#define MDX_TIME_STORABLE(t) ((t) >= MDX_TIME_FIRST && (t) < MDX_TIME_END)

/*
 * The current time.  MDX_NOW in the environment (any form mdx_time_parse
 * accepts but relative ones) overrides the clock, so tests and the
 * simulated cron day run on a clock of their own.
 */
mdx_time mdx_now(void);

/* RFC 3339: "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123Z",
 * "2024-01-01T02:00:00+02:00", "2024-01-01" (midnight).  0 ok, -1 bad
 * (also an offset that moves the instant out of the years 0000-9999). */
int mdx_time_parse_rfc3339(const char *s, size_t n, mdx_time *t);

/*
 * Converts an epoch number to mdx_time, telling the unit by magnitude:
 * below 10^11 seconds, below 10^14 milliseconds, below 10^17 microseconds,
 * else nanoseconds.  (Binance's spot archives switched from ms to µs on
 * 2025-01-01.)  Sub-millisecond parts are rounded down (towards the past).
 */
mdx_time mdx_time_from_epoch(int64_t v);

/*
 * Parses any user-facing time: RFC 3339, an epoch number (unit by
 * magnitude), "now", or a time relative to now such as "-2d", "-90m",
 * "+1h", "-1w" (units s m h d w).  0 ok, -1 bad.
 */
int mdx_time_parse(const char *s, mdx_time *t);

/* Formats as RFC 3339 UTC: "2024-01-01T00:00:00Z", with ".mmm" only when
 * the milliseconds are not zero.  buf has MDX_TIME_BUFSZ bytes; returns the
 * length. */
int mdx_time_format(mdx_time t, char *buf);
/* "2024-01-01": the UTC date, for lake partitions. */
int mdx_time_format_date(mdx_time t, char *buf);

/*
 * Times to the microsecond, for trades: an int64_t of microseconds since
 * the epoch.  mdx_us_from_epoch() converts an epoch number as
 * mdx_time_from_epoch() does (unit by magnitude) but keeps the
 * microseconds.  mdx_time_format_us() formats as RFC 3339 UTC with the
 * fraction in 3 digits when the sub-millisecond part is zero, 6 otherwise,
 * and none when the fraction is zero ("2025-01-02T00:00:07.221126Z"); buf
 * has MDX_TIME_BUFSZ bytes; returns the length.  It keeps the date of the
 * last call, so that a run of times of one day is formatted without
 * calendar arithmetic (not thread-safe).  Times before the epoch lose
 * their microseconds.
 */
int64_t mdx_us_from_epoch(int64_t v);
int mdx_time_format_us(int64_t us, char *buf);

/*
 * Parses s[0..n), a non-negative decimal number of seconds since the
 * epoch such as "1688669597.8277369" (Kraken's trade times), into
 * nanoseconds; fraction digits past the ninth are dropped (towards the
 * past).  0 ok, -1 when it is not such a number (a sign, an exponent, no
 * digits) or lies past the year 2262.
 */
int mdx_epoch_seconds_ns(const char *s, size_t n, int64_t *ns);

/* a / b rounded towards minus infinity (b != 0), for calendar and bucket
 * arithmetic on times before the epoch. */
int64_t mdx_floordiv(int64_t a, int64_t b);

/* Breaks t into UTC calendar fields (month 1-12, wday 0 = Sunday). */
struct mdx_tm {
	int year, month, day, hour, min, sec, ms, wday;
};
void mdx_time_split(mdx_time t, struct mdx_tm *tm);
mdx_time mdx_time_join(int year, int month, int day, int hour, int min,
    int sec, int ms);

/*
 * Interval codes: 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M.
 * Fixed intervals have ms > 0 and are aligned to the epoch, except 1w,
 * which starts on Monday 00:00Z (Binance's convention).  1M has ms == 0 and
 * months == 1 and starts on the 1st at 00:00Z.
 */
struct mdx_interval {
	const char *code;
	int64_t ms;	/* length in ms; 0 for months */
	int months;	/* 1 for 1M, else 0 */
};

/* The interval for a code, or NULL when unknown (codes are case-sensitive:
 * "1m" is a minute, "1M" a month). */
const struct mdx_interval *mdx_interval_lookup(const char *code);
/* All intervals, shortest first, ending with a NULL code. */
extern const struct mdx_interval mdx_intervals[];
/* The start of the interval holding t. */
mdx_time mdx_interval_floor(const struct mdx_interval *iv, mdx_time t);
/* The start of the next interval after the one holding t. */
mdx_time mdx_interval_next(const struct mdx_interval *iv, mdx_time t);
/* Whether t is the start of an interval. */
int mdx_interval_aligned(const struct mdx_interval *iv, mdx_time t);
/* Number of interval starts in [from, to); from should be aligned. */
int64_t mdx_interval_count(const struct mdx_interval *iv, mdx_time from,
    mdx_time to);
/* Whether every `big` bucket is a whole number of `small` buckets with the
 * same alignment (1m -> 1h yes, 1h -> 1w yes, 1d -> 1M yes, 1w -> 1M no,
 * 3d -> 1w no). */
int mdx_interval_divides(const struct mdx_interval *small,
    const struct mdx_interval *big);

#endif /* MDX_UTC_H */
