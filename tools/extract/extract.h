/*
 * extract.h - what the files of mdx-extract share: main.c (the options
 * and the outcome of the run), plan.c (series, windows, state files and
 * planning), rest.c (fetching the series over the exchanges' REST APIs)
 * and archive.c (reading Binance public-data archives).  Private to
 * mdx-extract; nothing else includes it.
 */
#ifndef MDX_EXTRACT_H
#define MDX_EXTRACT_H

#include <libpq-fe.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "utc.h"
#include "trade.h"
#include "exchange.h"
#include "fetch.h"

/*
 * Options and the outcome of the run (main.c).
 */

/*
 * The command line, as parse_options() in main.c leaves it: every other
 * file only reads it.  The symbols and intervals are those of -s and -i
 * (ivs_given tells whether -i was given at all, as 1m is the default);
 * since and until hold only when have_since and have_until say so.
 */
struct opts {
	const char *exchange, *market;
	int kind;
	char **symbols;
	int nsymbols;
	const struct mdx_interval *ivs[32];
	int nivs, ivs_given;
	int have_since, have_until;
	mdx_time since, until;
	int include_open, resume, db;
	const char *watchlist, *ranges;
	char **archives;
	int narchives;
	int depth;
	int canonical;		/* --canonical: canonical trades */
	struct mdx_fetch_opts fo;
	int weight_limit;
	const char *state_dir;
};

/* The options of the run. */
extern struct opts opt;

/* The time at the start of the run (mdx_now()), which every range, state
 * and fetched_at of the run is measured against. */
extern mdx_time extract_now_ms;

/*
 * Records status as an outcome of the run.  The program's exit status is
 * the most telling of all the statuses recorded: a usage or data error,
 * which needs a person, outranks a temporary failure, which needs only a
 * rerun.
 */
void extract_fail(int status);


/*
 * Series and windows (plan.c).
 *
 * A series is what one exchange serves for one market, kind, symbol and
 * interval over [lo, hi).  Klines ranges are cut into windows of one page
 * each (page intervals), fetched several at a time, and written strictly
 * in order: a window is written, and the state advanced past it, only
 * when every window before it has been.  A failure therefore leaves the
 * output and the state ending at the same place, and --resume continues
 * from there with no duplicate and no hole.
 */
struct window {
	struct series *s;
	mdx_time lo, hi;	/* the window */
	mdx_time cur_lo, cur_hi; /* the part still to fetch */
	struct mdx_fetch_req req;
	struct mdx_buf out;	/* its records, ready to write */
	unsigned long rows, rejected;
	mdx_time last;		/* open time of the newest row taken */
	mdx_time stop_at;	/* a candle not yet closed: stop here */
	char *cursor;		/* instruments: the next page */
	int done, failed;
	struct window *next;
};

struct series {
	const struct mdx_market *m;
	int kind;
	char *symbol;		/* NULL: every instrument */
	const struct mdx_interval *iv;
	mdx_time lo, hi;	/* klines: the range asked for, aligned */
	mdx_time plan;		/* start of the next window to plan */
	mdx_time written;	/* everything before it is written */
	int save_state;
	struct window *head, *tail;
	int inflight;
	int finished, failed, stopped, errored;
	unsigned long rows, rejected, requests;
	mdx_time started;
	char cursor[24];	/* trades: Kraken's "since" for the next page
				   (nanoseconds) */
	int64_t last_id;	/* trades: the id of the last trade written,
				   -1 before the first */
	struct series *next;
};

/* Every series of the run, in the order they were planned, linked by
 * their next member. */
extern struct series *extract_series_head;

/* The number of series planned, and of those that are finished. */
extern int extract_nseries, extract_nfinished;

/* The document every JSON text of the run is parsed into: state files,
 * --ranges records and the exchanges' answers.  main() makes it. */
extern struct mdx_json_doc *extract_doc;

/* Returns whether s is a symbol in an exchange's own spelling: 1 to 64
 * letters, digits and "-", "_" or ".". */
int extract_symbol_ok(const char *s);

/* Returns a monotonic clock in milliseconds, for the real elapsed time in
 * summaries and progress (mdx_now() stands still under MDX_NOW). */
mdx_time extract_real_ms(void);

/* Writes t in RFC 3339 into buf, which holds MDX_TIME_BUFSZ bytes. */
void extract_fmt_time(mdx_time t, char *buf);

/* Adds a series of kind for symbol (NULL: every instrument) and interval
 * (NULL unless klines) of market m at the end of the list, and returns it
 * with everything else zero. */
struct series *extract_series_new(const struct mdx_market *m, int kind,
    const char *symbol, const struct mdx_interval *iv);

/*
 * State files (plan.c).
 */

/* Replaces the state file of the klines series s with one saying that
 * everything before s->written is written (trades: everything up to
 * s->cursor and s->last_id).  Ends the program when the file cannot be
 * written. */
void extract_state_write(const struct series *s);
/* Replaces the state file path with b's text atomically (a temporary file
 * renamed), making its directories; ends the program when it cannot. */
void extract_state_replace(char *path, const struct mdx_buf *b);

/*
 * Planning (plan.c).
 */

/*
 * Adds the series of symbol on market m: one per interval of ivs[0..nivs)
 * for klines, each with its range planned from the options (and, with
 * --resume, from its state file or the warehouse), else one for the kind
 * of the options.  *conn is the warehouse connection, opened on first need
 * when it is NULL; the caller closes it.
 */
void extract_add_series(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *const *ivs, int nivs, PGconn **conn);

/* Adds the series of every entry of the --watchlist file, as
 * extract_add_series() does. */
void extract_plan_watchlist(PGconn **conn);

/* Adds a series for every gap record of the --ranges file, each of the
 * kind the record says and over its own range, outside the state files. */
void extract_plan_ranges(void);

/* One gap record of --ranges: a market, interval and symbol mdx knows
 * and the candles from "from" up to "to"; kind is klines, or the kind a
 * "price" (mark, index or premium klines) or a "series" (funding or
 * open_interest, iv its interval in force or period) says. */
struct extract_range {
	const struct mdx_market *m;
	const struct mdx_interval *iv;
	enum mdx_kind kind;
	char symbol[65];
	mdx_time from, to;
};

/* Reads the gap record in ln[0..len) (parsed into extract_doc) into r.
 * Returns 0, or -1 with the reason in err, such as "bad from 'x' or to
 * 'y'". */
int extract_range_parse(const char *ln, size_t len, struct extract_range *r,
    char *err, size_t errsz);

/*
 * The REST fetching (rest.c).
 */

/* With -k instruments and -s, which of the symbols asked for have been
 * seen among the instruments: one byte each, set by the caller before
 * extract_run_rest() (NULL: -s was not given). */
extern unsigned char *extract_inst_seen;

/* Fetches every series planned and writes its records to standard output,
 * in order within each series. */
void extract_run_rest(void);

/* Appends the raw JSON text of v: its source text when it is one line,
 * else the same value written compactly (numbers and strings unchanged). */
void extract_add_raw(struct mdx_buf *b, const struct mdx_json *v);

/*
 * Binance public-data archives (archive.c).
 */

/*
 * The rows of one CSV file of an archive: extract_csv_begin() starts one
 * for the archive named base (its file name, for the requests and the
 * messages) of symbol and interval iv (NULL for funding), of the kind of
 * the options (klines, mark, index or premium klines, funding from a
 * fundingRate archive, open interest from a metrics archive), read at the
 * time fetched (RFC 3339); extract_csv_line() takes each line, without its
 * newline, in order.  A row becomes a raw record appended to out (written
 * to standard output whenever out passes 1 MiB) and counted in rows; a
 * row outside --since and --until is counted in skipped; a blank line and
 * the known header as the first line are passed over; any other row is
 * counted in rejected, with a message naming base and the line, and makes
 * the run end with MDX_EX_DATAERR.  extract_csv_end() frees the buffers.
 */
struct extract_csv {
	const char *base;
	const char *symbol;
	const struct mdx_interval *iv;
	int kind;
	struct mdx_buf pre, req, mid, out;
	unsigned long line, rows, rejected, skipped;
};

void extract_csv_begin(struct extract_csv *c, const char *base,
    const char *symbol, const struct mdx_interval *iv, const char *fetched);
void extract_csv_line(struct extract_csv *c, const char *s, size_t n);
void extract_csv_end(struct extract_csv *c);

/* Reads the archives of --archive, files or directories of them, and
 * writes the rows of the kind wanted to standard output. */
void extract_run_archives(void);

/*
 * The rows of one trade archive (tradecsv.c), as struct extract_csv for
 * klines: a Binance aggTrades CSV (bybit 0) or a Bybit trading-history
 * CSV (bybit 1).  Each row becomes a raw trades record in the REST shape
 * (with --canonical: the canonical trade mdx-transform makes of it);
 * a row outside --since and --until is counted in skipped; the known
 * header as the first line and blank lines are passed over; any other row
 * is rejected with a message naming base and the line, and makes the run
 * end with MDX_EX_DATAERR.  A Binance aggregate id that does not follow
 * the one before is reported as a hole (counted in holes; not an error:
 * the exchange's data has them).
 */
struct extract_tcsv {
	const char *base;
	int bybit;
	const char *symbol;
	char fetched[MDX_TIME_BUFSZ];
	struct mdx_buf pre, req, mid, out;
	struct mdx_trade tr;	/* --canonical: the trade of the row */
	unsigned long line, rows, rejected, skipped, holes;
	int64_t last_id;
};

void extract_tcsv_begin(struct extract_tcsv *c, const char *base,
    const char *symbol, int bybit, const char *fetched);
void extract_tcsv_line(struct extract_tcsv *c, const char *s, size_t n);
void extract_tcsv_end(struct extract_tcsv *c);

/*
 * Trades over the REST APIs (trades.c): every -s symbol of the market,
 * from --since (or the state file with --resume) up to --until or now,
 * oldest first.  Binance pages by aggregate id; Bybit serves only its
 * latest trades; OKX pages back by trade id.
 */
void extract_run_trades(void);

#endif
