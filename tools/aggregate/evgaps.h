/*
 * evgaps.h - the gaps of funding events and open-interest samples in the
 * stream mode of mdx-aggregate --gaps (evgaps.c).  The records of each
 * series are kept (a time and an interval each) and judged at the end of
 * input by the rules of the warehouse's mdx.funding_gaps and
 * mdx.open_interest_gaps views (mdx-warehouse(7)), so both modes find the
 * same gaps.
 */
#ifndef MDX_EVGAPS_H
#define MDX_EVGAPS_H

#include <stdint.h>

#include "json.h"
#include "utc.h"

struct mdx_evgaps;

/* Called for each gap found, series "funding" or "open_interest". */
typedef void mdx_evgap_fn(void *arg, const char *exchange, const char *market,
    const char *symbol, const char *series, const char *interval,
    mdx_time from, mdx_time to, int64_t count);

struct mdx_evgaps *mdx_evgaps_new(void);

/*
 * Offers a parsed record.  Returns 0 when it is a funding event or an
 * open-interest sample and was kept, -1 with the reason in why when it is
 * one but a bad one, and 1 when it is neither (a candle or anything else:
 * the caller decides).
 */
int mdx_evgaps_add(struct mdx_evgaps *g, const struct mdx_json *obj,
    char *why, size_t whysz);

/*
 * Finds the gaps of every series kept, series by series in the order of
 * exchange, market, symbol, series and interval, each series in time
 * order, and hands them to fn.  Returns the number of gaps.
 */
uint64_t mdx_evgaps_finish(struct mdx_evgaps *g, mdx_evgap_fn *fn, void *arg);

/* The records kept so far. */
uint64_t mdx_evgaps_count(const struct mdx_evgaps *g);

void mdx_evgaps_free(struct mdx_evgaps *g);

#endif /* MDX_EVGAPS_H */
