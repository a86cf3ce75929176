/*
 * deriv.h - the canonical records of derivatives data besides candles
 * (deriv.c): funding events and open-interest samples, as mdx-records(5)
 * describes them, parsed and checked by the same rules in every program
 * that reads them (mdx-load, mdx-aggregate), so that what one accepts the
 * others can use.
 */
#ifndef MDX_DERIV_H
#define MDX_DERIV_H

#include <stddef.h>

#include "json.h"
#include "dec.h"
#include "utc.h"
#include "candle.h"

/*
 * A funding event: the rate paid at time by longs to shorts (negative:
 * the other way), the funding interval in force for this event (the
 * length of the funding period that ends at time; NULL when the source
 * does not say it) and the mark price the payment was computed on.
 */
struct mdx_funding {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	mdx_time time;
	mdx_dec rate;
	const struct mdx_interval *interval;	/* NULL: not given */
	mdx_dec mark_price;
	int has_mark_price;
	enum mdx_origin origin;		/* exchange or archive */
	mdx_time fetched_at;
	int has_fetched_at;
};

/*
 * An open-interest sample: the open interest at time, in contracts as the
 * exchange counts them and, when given, in quote currency, sampled every
 * period.
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
 * Fills f from a parsed funding record ("kind" "funding") and checks it:
 * a known exchange and market, a symbol, "time" and "fetched_at" (null
 * allowed) RFC 3339 times within MDX_TIME_STORABLE, "rate" a decimal
 * string of any sign, "interval" null or a fixed interval code (not 1M),
 * "mark_price" null or a decimal string greater than zero, "origin"
 * exchange or archive.  Returns 0, or -1 with the reason in err.
 */
int mdx_funding_from_json(struct mdx_funding *f, const struct mdx_json *obj,
    char *err, size_t errsz);

/*
 * Fills o from a parsed open-interest record ("kind" "open_interest") and
 * checks it: the names, "time" and "fetched_at" as for funding, "period"
 * a fixed interval code (not 1M), "open_interest" a decimal string of
 * zero or more, "open_interest_value" null or one, "origin" exchange or
 * archive.  Returns 0, or -1 with the reason in err.
 */
int mdx_oi_from_json(struct mdx_oi *o, const struct mdx_json *obj, char *err,
    size_t errsz);

#endif /* MDX_DERIV_H */
