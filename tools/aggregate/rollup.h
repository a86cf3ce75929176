/*
 * rollup.h - rollups (mdx-aggregate).  One engine turns base candles into
 * coarser buckets, finds the missing base intervals and makes synthetic
 * ones; the stream mode feeds it NDJSON lines, the warehouse mode rows read
 * with COPY, so both modes share one definition of the results.
 */
#ifndef MDX_ROLLUP_H
#define MDX_ROLLUP_H

#include "buf.h"
#include "utc.h"
#include "candle.h"

#define MDX_ROLLUP_MAXTO 16

/* Appends a gap record (HACKING.md "Gap range") to b, no newline; the
 * gap of a mark, index or premium series has "price" after "interval". */
void mdx_rollup_format_gap(struct mdx_buf *b, const struct mdx_candle *series,
    mdx_time from, mdx_time to, int64_t count);
/* Appends the gap record of a funding or open-interest series (series
 * "funding" or "open_interest", interval the funding interval in force or
 * the sampling period) to b, no newline. */
void mdx_rollup_format_series_gap(struct mdx_buf *b, const char *exchange,
    const char *market, const char *symbol, const char *series,
    const char *interval, mdx_time from, mdx_time to, int64_t count);

struct mdx_rollup_opts {
	const struct mdx_interval *to[MDX_ROLLUP_MAXTO]; /* targets */
	int nto;
	int64_t window;		/* out-of-order tolerance, base intervals */
	int gaps;		/* report missing base ranges */
	int fill;		/* make synthetic candles for missing ones */
	/*
	 * The unit of base_count and base_expected; NULL counts candles of
	 * each series' own interval.  The warehouse sets its base interval,
	 * so a 1d rollup built from 1h rollups counts 1m candles.
	 */
	const struct mdx_interval *unit;
	/*
	 * When not 0, a candle opening after this time is rejected: one
	 * candle dated far ahead (2100) would otherwise move its series'
	 * window there, and every later real candle would be "older than
	 * the window".  The stream mode sets it to now plus a day.
	 */
	mdx_time latest;
	/* Output.  line gets input lines passed through (--fill alone). */
	void (*candle)(void *arg, const struct mdx_candle *c);
	void (*line)(void *arg, const char *line, size_t len);
	void (*gap)(void *arg, const struct mdx_candle *series, mdx_time from,
	    mdx_time to, int64_t count);
	void *arg;
};

struct mdx_rollup_stats {
	uint64_t used, dup, rejected;	/* input candles */
	uint64_t out, partial, gaps, gap_candles, filled;
	/* Buckets not emitted because a sum overflows (38 digits, or 2^63-1
	 * trades), and targets skipped for a series because its interval
	 * does not divide them; each reported once on standard error. */
	uint64_t bad_buckets, skipped_targets;
};

enum mdx_rollup_res {
	MDX_ROLLUP_USED = 0,
	MDX_ROLLUP_DUP = 1,		/* same series and open time seen */
	MDX_ROLLUP_REJECT = -1		/* reason in why */
};

struct mdx_rollup;

struct mdx_rollup *mdx_rollup_new(const struct mdx_rollup_opts *o);
/*
 * Adds one candle (line, len: its input text, kept only for --fill alone).
 * Returns an mdx_rollup_res; on MDX_ROLLUP_REJECT the reason is in why, or
 * why is empty when the reason was given once already (a series whose
 * interval divides none of the targets: said when the series was first
 * seen).  A target the series' interval does not divide is skipped for
 * that series, with one message, and the others are built.
 */
int mdx_rollup_add(struct mdx_rollup *r, const struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz);
/* End of input: resolves and emits everything still open. */
void mdx_rollup_finish(struct mdx_rollup *r);
const struct mdx_rollup_stats *mdx_rollup_stats(const struct mdx_rollup *r);
/* Open buckets and series now held (memory is in proportion to these). */
size_t mdx_rollup_open_buckets(const struct mdx_rollup *r);
void mdx_rollup_free(struct mdx_rollup *r);

/*
 * Parses a comma-separated interval list ("1h,1d,1w") into out (at most
 * MDX_ROLLUP_MAXTO), sorted shortest first without repeats.  Returns the
 * count, or -1 with the reason in why ("\"7m\" is not an interval").
 */
int mdx_rollup_parse_intervals(const char *s,
    const struct mdx_interval **out, char *why, size_t whysz);

/*
 * The warehouse mode of mdx-aggregate (rollup_db.c): incremental
 * rollups, the gap table, filling and reconciling.  mdx-aggregate(1) is the
 * reference; both functions connect, do the work and return an exit status.
 */
struct mdx_agg_db {
	const struct mdx_interval *base;	/* NULL: 1m */
	const struct mdx_interval *to[MDX_ROLLUP_MAXTO]; /* none: 1h,1d */
	int nto;
	int gaps;		/* print the open gaps (after updating them) */
	int mark;		/* ... and mark them refetched */
	int confirm;		/* refetched gaps still missing: confirmed */
	int fill;		/* fill the confirmed-empty gaps */
	int rebuild;		/* forget the watermarks: from scratch */
	mdx_time since, until;	/* --gaps: only gaps overlapping these */
	int argc;		/* --reconcile: input files */
	char **argv;
};

int mdx_agg_db_run(const struct mdx_agg_db *o);
int mdx_agg_db_reconcile(const struct mdx_agg_db *o);

#endif /* MDX_ROLLUP_H */
