/*
 * deriv.h - the canonical records of derivatives data (deriv.c): funding
 * events and open-interest samples (HACKING.md "Canonical records",
 * mdx-records(5)), parsed into fixed-size structs, checked and written back
 * as one JSON line.  mdx-transform writes them; mdx-load reads them.
 * Mark, index and premium-index candles are candles (candle.h, with their
 * price type).
 */
#ifndef MDX_DERIV_H
#define MDX_DERIV_H

#include "buf.h"
#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"

/*
 * A funding event: the rate paid at time by longs to shorts (negative:
 * the other way), the funding interval in force when the source says it
 * (else interval is NULL), and the mark price it was computed at when the
 * source gives it.
 */
struct mdx_funding {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	mdx_time time;
	mdx_dec rate;
	const struct mdx_interval *interval;
	mdx_dec mark_price;
	int has_mark_price;
	enum mdx_origin origin;		/* exchange or archive */
	mdx_time fetched_at;
	int has_fetched_at;
};

/*
 * An open-interest sample at time, for the exchange's period: the open
 * interest in contracts as the exchange counts them, and its value in the
 * quote currency when the exchange gives it.
 */
struct mdx_oi {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	mdx_time time;
	const struct mdx_interval *period;
	mdx_dec open_interest;
	mdx_dec value;
	int has_value;
	enum mdx_origin origin;		/* exchange or archive */
	mdx_time fetched_at;
	int has_fetched_at;
};

/*
 * The rules of a funding event: a known exchange and market, time and
 * fetched_at within MDX_TIME_STORABLE, origin exchange or archive, a mark
 * price greater than zero when there is one.  Returns 0, or -1 with the
 * reason in err (MDX_ERRSZ bytes), such as "mark_price not above zero".
 */
int mdx_funding_check(const struct mdx_funding *f, char *err, size_t errsz);
/*
 * Fills f from a canonical funding record ("kind" "funding"; "interval"
 * and "mark_price" may be null, "fetched_at" absent or null) and checks it
 * with mdx_funding_check().  Returns 0, or -1 with the reason in err,
 * naming the member, such as "bad \"rate\": not a decimal number".
 */
int mdx_funding_from_json(struct mdx_funding *f, const struct mdx_json *obj,
    char *err, size_t errsz);
/* Appends f as one canonical JSON line, without the newline, to b. */
void mdx_funding_to_json(const struct mdx_funding *f, struct mdx_buf *b);

/*
 * The rules of an open-interest sample: a known exchange and market, time
 * and fetched_at within MDX_TIME_STORABLE, time aligned to the period,
 * origin exchange or archive, open interest and value not negative.
 * Returns 0, or -1 with the reason in err.
 */
int mdx_oi_check(const struct mdx_oi *s, char *err, size_t errsz);
/* Fills s from a canonical open-interest record ("kind"
 * "open_interest"; "open_interest_value" may be null) and checks it with
 * mdx_oi_check().  Returns 0, or -1 with the reason in err. */
int mdx_oi_from_json(struct mdx_oi *s, const struct mdx_json *obj,
    char *err, size_t errsz);
/* Appends s as one canonical JSON line, without the newline, to b. */
void mdx_oi_to_json(const struct mdx_oi *s, struct mdx_buf *b);

#endif /* MDX_DERIV_H */
