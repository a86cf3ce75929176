/*
 * import.h - candle files to canonical candles (import.c): the --import
 * mode of mdx-transform(1).  CSV and TSV files of any column layout,
 * Binance public-data kline CSV, Kraken OHLCVT CSV and freqtrade JSON
 * become the candles mdx-transform writes for the exchanges it fetches
 * from, checked by the same rules (mdx_candle_check()).
 */
#ifndef MDX_IMPORT_H
#define MDX_IMPORT_H

#include <stddef.h>

#include "utc.h"
#include "candle.h"

enum mdx_imp_layout {
	MDX_IMP_CSV,		/* comma-separated, columns by --columns or
				   the header */
	MDX_IMP_TSV,		/* the same, tab-separated */
	MDX_IMP_BINANCE,	/* Binance public-data kline CSV */
	MDX_IMP_KRAKEN,		/* Kraken OHLCVT CSV */
	MDX_IMP_FREQTRADE	/* freqtrade JSON: [[ms, o, h, l, c, v], ...] */
};

enum mdx_imp_time {
	MDX_IMP_TIME_AUTO,	/* an epoch number by magnitude, else RFC 3339 */
	MDX_IMP_TIME_S,
	MDX_IMP_TIME_MS,
	MDX_IMP_TIME_US,
	MDX_IMP_TIME_RFC3339
};

enum mdx_imp_header {
	MDX_IMP_HEADER_AUTO,	/* a first line with no number in it */
	MDX_IMP_HEADER_YES,
	MDX_IMP_HEADER_NO
};

/* The options of an import; NULL (or -1, for the enums that have no AUTO
 * member) leaves a choice to the layout. */
struct mdx_import_opts {
	enum mdx_imp_layout layout;
	const char *columns;		/* --columns */
	enum mdx_imp_header header;
	int timefmt;			/* an mdx_imp_time, or -1 */
	const char *exchange, *market, *symbol;
	const struct mdx_interval *interval;
	const char *names;		/* --names: a file-name pattern */
};

struct mdx_import;

/*
 * What an import gives back for each record of a file: k is MDX_TX_CANDLE
 * (c holds a checked candle), MDX_TX_HEADER (a header line, not a record)
 * or -1 (a rejected record, the reason in why); line is where the record
 * starts, and text[0..len) is the record as the file has it.
 */
typedef void mdx_import_put(void *arg, int k, const struct mdx_candle *c,
    const char *why, unsigned long line, const char *text, size_t len);

/*
 * Parses the layout's choices and the options; returns NULL with the
 * reason in err (a bad --columns list or --names pattern, an option the
 * layout does not take).
 */
struct mdx_import *mdx_import_new(const struct mdx_import_opts *o,
    char *err, size_t errsz);
void mdx_import_free(struct mdx_import *im);
/* The layout named name ("csv", "kraken"), or -1. */
int mdx_import_layout(const char *name);

/*
 * Begins a file: takes the exchange, market, symbol and interval from the
 * options and, for what they leave open, from path by the name pattern;
 * the file's modification time is the candles' fetched_at (the time now
 * for standard input, path "-").  Returns 0, or -1 with the reason in err
 * ("no symbol for 'x.csv' (...)").  put and arg receive the records.
 */
int mdx_import_begin(struct mdx_import *im, const char *path,
    mdx_import_put *put, void *arg, char *err, size_t errsz);
/* One line of the file, as the reader returns it, with its line number. */
void mdx_import_line(struct mdx_import *im, const char *s, size_t len,
    unsigned long line);
/* The end of the file: a freqtrade array left open is a rejected record. */
void mdx_import_end(struct mdx_import *im);

#endif /* MDX_IMPORT_H */
