/*
 * mdx.h - the one public header of libmdx, the library shared by the mdx
 * programs (mdx-extract, mdx-lake, mdx-transform, mdx-load, mdx-aggregate
 * and mdx-indicators).
 *
 * Every function and type here has an mdx_ prefix.  Functions that can only
 * fail through a programming error or memory exhaustion do not return an
 * error: they end the program with a message (memory exhaustion exits 1).
 * Functions whose failure depends on input return a status the caller must
 * check, and leave a human-readable reason where the comment says so.
 *
 * The library is linked statically into each program; it is not installed.
 */
#ifndef MDX_H
#define MDX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MDX_VERSION "0.1.0"

/*
 * The schema version of the warehouse this build was made for.  The Makefile
 * defines it as the number of the newest migration in sql/, so a program
 * and the migrations it carries can never disagree.
 */
#ifndef MDX_SCHEMA_VERSION
#define MDX_SCHEMA_VERSION 0
#endif

#if defined(__GNUC__)
#define MDX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MDX_NORETURN __attribute__((noreturn))
#else
#define MDX_PRINTF(f, a)
#define MDX_NORETURN
#endif

/* ------------------------------------------------------------------------
 * Exit status.  One table for every program; man/mdx.7 documents it.
 */
enum mdx_exit {
	MDX_EX_OK = 0,		/* success */
	MDX_EX_FAIL = 1,	/* any other failure */
	MDX_EX_USAGE = 64,	/* bad command line */
	MDX_EX_DATAERR = 65,	/* bad input data */
	MDX_EX_UNAVAILABLE = 69, /* a service (database, exchange, S3) refused */
	MDX_EX_IOERR = 74,	/* reading or writing a file or stream failed */
	MDX_EX_TEMPFAIL = 75,	/* temporary failure: a rerun may succeed */
	MDX_EX_CONFIG = 78	/* configuration error */
};

/* Returns a short lowercase name for an exit status ("usage", "tempfail"). */
const char *mdx_exit_name(int status);

/* ------------------------------------------------------------------------
 * Errors and logging.
 *
 * Messages go to stderr as "PROGNAME: message".  Call mdx_init() first in
 * main(): it records the program name, restores the default SIGPIPE action
 * (so that a closed pipe ends the program quietly, as with any Unix filter)
 * and reads MDX_VERBOSE.
 */
extern const char *mdx_progname;
extern int mdx_verbose;	/* 0 quiet, 1 normal (default), 2 debug */

void mdx_init(const char *argv0);

/* Prints "PROGNAME: message" on stderr. */
void mdx_warn(const char *fmt, ...) MDX_PRINTF(1, 2);

/* Prints "PROGNAME: message" on stderr and exits with status. */
void mdx_die(int status, const char *fmt, ...) MDX_PRINTF(2, 3) MDX_NORETURN;

/* Prints only when mdx_verbose >= 2 (-v twice, or MDX_VERBOSE=2). */
void mdx_debug(const char *fmt, ...) MDX_PRINTF(1, 2);

/*
 * Formats a reason into err[errsz] and returns -1: the one-line failure
 * report of functions that leave the wording of an error to their caller.
 */
int mdx_errf(char *err, size_t errsz, const char *fmt, ...) MDX_PRINTF(3, 4);

/* Creates the directories of path up to its last slash (path is changed
 * and restored); 0 ok, -1 with errno set. */
int mdx_mkdirs(char *path);

/* Whether stderr is a terminal; progress output is shown only then. */
int mdx_stderr_is_tty(void);

/* Allocation that ends the program (exit 1) when memory is exhausted. */
void *mdx_malloc(size_t n);
void *mdx_calloc(size_t n, size_t size);
void *mdx_realloc(void *p, size_t n);
char *mdx_strdup(const char *s);
char *mdx_strndup(const char *s, size_t n);

/*
 * An input position: a file name ("stdin" for standard input) and a 1-based
 * line number.  Messages about input print it as "(at NAME:LINE)".
 */
struct mdx_pos {
	const char *name;
	unsigned long line;
};

/* ------------------------------------------------------------------------
 * The growable buffer.  The one buffer type of the project: build strings,
 * JSON lines and request bodies in it.  data is always NUL-terminated after
 * any mdx_buf_* call, so it can be used as a C string when it holds text.
 */
struct mdx_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define MDX_BUF_INIT { NULL, 0, 0 }

void mdx_buf_init(struct mdx_buf *b);
void mdx_buf_free(struct mdx_buf *b);
/* Empties the buffer but keeps its memory. */
void mdx_buf_reset(struct mdx_buf *b);
/* Makes room for at least n more bytes (plus the terminating NUL). */
void mdx_buf_grow(struct mdx_buf *b, size_t n);
void mdx_buf_add(struct mdx_buf *b, const void *p, size_t n);
void mdx_buf_addstr(struct mdx_buf *b, const char *s);
void mdx_buf_addch(struct mdx_buf *b, int c);
void mdx_buf_printf(struct mdx_buf *b, const char *fmt, ...) MDX_PRINTF(2, 3);
void mdx_buf_vprintf(struct mdx_buf *b, const char *fmt, va_list ap);
/* Appends s (n bytes) as a JSON string, quotes included. */
void mdx_buf_add_json_str(struct mdx_buf *b, const char *s, size_t n);
/* Appends "KEY":"VALUE" (both escaped), preceded by a comma if not first. */
void mdx_buf_add_json_kv(struct mdx_buf *b, int first, const char *key,
    const char *val);
/* Detaches the data (the caller frees it) and leaves the buffer empty. */
char *mdx_buf_detach(struct mdx_buf *b, size_t *len);

/* ------------------------------------------------------------------------
 * The NDJSON reader.
 *
 * Reads lines from standard input or a list of files, one after the other.
 * Compressed input (gzip, zstd, xz, bzip2) is recognised by its magic bytes
 * and decompressed through libarchive.  A trailing CR is removed (CRLF
 * input).  Blank lines (empty, or only spaces and tabs) are skipped but
 * counted.  A line longer than the maximum (not counting its newline and
 * CR), with invalid UTF-8 or an embedded NUL is reported as bad, with the
 * reason, and reading goes on at the next line.  The last line of an input
 * needs no newline.  Line numbers start at 1 in each input.
 *
 * Bad-line reasons: "line too long (more than N bytes)", "invalid UTF-8 at
 * column C", "NUL byte at column C" (C counts bytes from 1).  Input errors
 * name the input: "cannot open 'F': ...", "read error on 'F': ...",
 * "cannot read 'F': truncated gzip input", and for bytes after the last
 * compressed member that are not a whole member (a cut or garbage):
 * "cannot read 'F': truncated or corrupt compressed data after byte N".
 *
 * After MDX_RD_ERR the rest of that input is skipped, and the next call
 * goes on with the next input; a program that must not lose data ends with
 * mdx_reader_error_status() instead:
 *
 *	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
 *		if (rc == MDX_RD_ERR)
 *			mdx_die(mdx_reader_error_status(r), "%s",
 *			    mdx_reader_error(r));
 *		pos = mdx_reader_pos(r);
 *		if (rc == MDX_RD_BAD) {
 *			mdx_warn("bad line: %s (at %s:%lu)",
 *			    mdx_reader_error(r), pos.name, pos.line);
 *			continue;
 *		}
 *		...
 *	}
 */
#define MDX_MAXLINE_DEFAULT (1024 * 1024)

enum mdx_rd {
	MDX_RD_EOF = 0,		/* no more lines in any input */
	MDX_RD_LINE = 1,	/* *line holds a good line */
	MDX_RD_BAD = -1,	/* this line is bad; see mdx_reader_error() */
	MDX_RD_ERR = -2		/* the input cannot be read further (I/O
				   error, truncated or corrupt compression);
				   see mdx_reader_error() and
				   mdx_reader_error_status() */
};

struct mdx_reader;

/*
 * Opens a reader over paths[0..n-1]; "-" means standard input, and n == 0
 * reads standard input alone.  A file that cannot be opened is reported by
 * mdx_reader_next() as MDX_RD_ERR when the reader reaches it.
 */
struct mdx_reader *mdx_reader_open(char *const *paths, int n);
void mdx_reader_close(struct mdx_reader *r);
/* Sets the maximum line length in bytes (default MDX_MAXLINE_DEFAULT). */
void mdx_reader_set_maxline(struct mdx_reader *r, size_t max);

/*
 * Returns the next line.  On MDX_RD_LINE, *line points to the line without
 * its newline, NUL-terminated, valid until the next call; *len is its
 * length.  On MDX_RD_BAD, *line and *len hold the bad line (cut at the
 * maximum length) so it can be passed to a rejects stream.
 */
int mdx_reader_next(struct mdx_reader *r, const char **line, size_t *len);

/* The position of the line last returned ("stdin" or the path as given);
 * after MDX_RD_ERR, of the line that could not be read. */
struct mdx_pos mdx_reader_pos(const struct mdx_reader *r);

/* The reason for the last MDX_RD_BAD or MDX_RD_ERR ("line too long"). */
const char *mdx_reader_error(const struct mdx_reader *r);

/* The exit status an MDX_RD_ERR calls for: MDX_EX_IOERR for I/O errors,
 * MDX_EX_DATAERR for corrupt or truncated compressed data. */
int mdx_reader_error_status(const struct mdx_reader *r);

/* Checks that s[0..n) is valid UTF-8 without NUL; returns the offset of the
 * first bad byte, or -1 when the text is good. */
long mdx_utf8_check(const char *s, size_t n);

/* ------------------------------------------------------------------------
 * The checked writer.
 *
 * Buffered writes to a file descriptor.  Every write is checked: EPIPE ends
 * the program quietly with the status a SIGPIPE gives (141), any other
 * error exits MDX_EX_IOERR naming the output ("write error on 'stdout':
 * No space left on device").  Nothing is flushed at exit on its own:
 * programs call mdx_writer_close(mdx_stdout()) before they return from
 * main(), so a failed last write is still reported and changes the exit
 * status.  mdx_die() does not flush these writers.
 */
struct mdx_writer;

struct mdx_writer *mdx_writer_fd(int fd, const char *name);
/* The writer for standard output, created on first use. */
struct mdx_writer *mdx_stdout(void);
void mdx_write(struct mdx_writer *w, const void *p, size_t n);
/* Writes p[0..n) and a newline. */
void mdx_write_line(struct mdx_writer *w, const void *p, size_t n);
void mdx_writer_flush(struct mdx_writer *w);
/* Flushes and closes (standard output is flushed, not closed). */
void mdx_writer_close(struct mdx_writer *w);

/* ------------------------------------------------------------------------
 * The JSON line parser.
 *
 * A small, fast parser for one JSON text (one NDJSON line) into a tree of
 * nodes that point into the line.  Numbers are kept as their source text,
 * so decimals are never rounded through double.  Strings are kept raw
 * (escapes undone on demand by mdx_json_str()).  Nesting depth is limited
 * to 64.
 */
enum mdx_json_type {
	MDX_JSON_NULL,
	MDX_JSON_FALSE,
	MDX_JSON_TRUE,
	MDX_JSON_NUMBER,
	MDX_JSON_STRING,
	MDX_JSON_ARRAY,
	MDX_JSON_OBJECT
};

struct mdx_json {
	enum mdx_json_type type;
	const char *key;	/* raw key text when the parent is an object */
	size_t keylen;
	const char *text;	/* number: its text; string: raw content
				   between the quotes, escapes not undone;
				   array, object: its whole source text,
				   brackets included; literals: their text */
	size_t len;
	int escaped;		/* string contains backslash escapes */
	unsigned nchild;	/* array or object: number of children */
	struct mdx_json *child;	/* first child */
	struct mdx_json *next;	/* next sibling */
};

struct mdx_json_doc;	/* owns the nodes; reuse it line after line */

struct mdx_json_doc *mdx_json_doc_new(void);
void mdx_json_doc_free(struct mdx_json_doc *d);

/*
 * Parses s[0..n).  Returns the root, or NULL with a reason ("unexpected
 * character 'x' at column 17", "unterminated string at column 3",
 * "trailing characters at column 40"; columns count bytes from 1) in
 * mdx_json_error(d).  Any value may be the root.  The nodes stay valid until
 * the next parse with the same doc; s must stay unchanged meanwhile.
 * Strings must be valid UTF-8; s need not be NUL-terminated.
 */
struct mdx_json *mdx_json_parse(struct mdx_json_doc *d, const char *s,
    size_t n);
const char *mdx_json_error(const struct mdx_json_doc *d);
/*
 * The first byte in p[0..end) that a JSON string scanner must look at: a
 * quote, a backslash, a control character or a non-ASCII byte; end when
 * there is none.  Never reads past end.
 */
const char *mdx_json_skip_plain(const char *p, const char *end);

/* The member named key of an object, or NULL. */
struct mdx_json *mdx_json_get(const struct mdx_json *obj, const char *key);
/* The i-th element of an array (0-based), or NULL. */
struct mdx_json *mdx_json_at(const struct mdx_json *arr, unsigned i);
/*
 * The value of a string node with escapes undone, in buf (reset first);
 * returns buf->data, or NULL if the node is not a string or holds an
 * invalid escape.
 */
const char *mdx_json_str(const struct mdx_json *v, struct mdx_buf *buf);
/* Whether a string node equals the C string s (escapes undone). */
int mdx_json_str_eq(const struct mdx_json *v, const char *s);
/* An integer from a number without fraction or exponent, or a string
 * holding an optional '-' and digits; 0 ok, -1 not one or out of int64_t
 * range. */
int mdx_json_int(const struct mdx_json *v, int64_t *out);
/* Appends the node re-serialised compactly (its exact source text for
 * scalars) to buf. */
void mdx_json_dump(const struct mdx_json *v, struct mdx_buf *buf);

/* ------------------------------------------------------------------------
 * Exact decimals.
 *
 * A decimal is coef * 10^-scale, with |coef| < 10^38 (38 significant
 * digits) and 0 <= scale <= MDX_DEC_MAXSCALE.  Parsing and formatting never
 * go through double.  Formatting keeps the scale, so "42283.58000000"
 * formats back to exactly that text; arithmetic results take the larger
 * scale of their operands (products the sum of the scales).  Trailing
 * fractional zeros are dropped only where a value would otherwise not fit
 * in 38 digits or scale 38, which keeps it exact.  Negative zero is zero.
 */
#define MDX_DEC_MAXDIGITS 38
#define MDX_DEC_MAXSCALE 38
#define MDX_DEC_BUFSZ 48	/* enough for any formatted decimal */

typedef struct mdx_dec {
	__int128 coef;
	int scale;
} mdx_dec;

enum mdx_dec_err {
	MDX_DEC_OK = 0,
	MDX_DEC_SYNTAX = -1,	/* not a decimal number, NaN, Infinity */
	MDX_DEC_OVERFLOW = -2	/* more than 38 significant digits, or a
				   scale beyond MDX_DEC_MAXSCALE */
};

/*
 * Parses s[0..n): an optional '-', digits with an optional fraction, and
 * an optional exponent ("1e-8", "2.5E+3").  JSON number text and the
 * decimal strings exchanges send both parse; leading zeros are allowed, but
 * "+1", "1.", ".5", blanks, NaN and Infinity are not.  Returns an
 * mdx_dec_err.
 */
int mdx_dec_parse(mdx_dec *d, const char *s, size_t n);
/* Parses a string or number JSON node (a string with escapes is a
 * syntax error). */
int mdx_dec_from_json(mdx_dec *d, const struct mdx_json *v);
/* A readable reason for an mdx_dec_err. */
const char *mdx_dec_strerror(int err);
mdx_dec mdx_dec_from_int(int64_t v);
/* Formats into buf (at least MDX_DEC_BUFSZ bytes, all of which it may
 * write); returns the length. */
int mdx_dec_format(const mdx_dec *d, char *buf);
/* Appends the formatted decimal to b. */
void mdx_dec_add_to_buf(struct mdx_buf *b, const mdx_dec *d);
/* Compares numerically: <0, 0, >0. "1.0" equals "1". */
int mdx_dec_cmp(const mdx_dec *a, const mdx_dec *b);
/*
 * mdx_dec_cmp() for hot loops: when the scales agree, as the prices of one
 * candle or one series nearly always do, the coefficients are compared
 * without a call.
 */
static inline int
mdx_dec_cmp_fast(const mdx_dec *a, const mdx_dec *b)
{
	if (a->scale == b->scale)
		return (a->coef > b->coef) - (a->coef < b->coef);
	return mdx_dec_cmp(a, b);
}
/* *r = a + b; returns MDX_DEC_OK or MDX_DEC_OVERFLOW (then *r unchanged). */
int mdx_dec_add(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
int mdx_dec_sub(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
/* *r = a * b exactly; MDX_DEC_OVERFLOW when it does not fit. */
int mdx_dec_mul(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
const mdx_dec *mdx_dec_min(const mdx_dec *a, const mdx_dec *b);
const mdx_dec *mdx_dec_max(const mdx_dec *a, const mdx_dec *b);
int mdx_dec_sign(const mdx_dec *d);
int mdx_dec_is_zero(const mdx_dec *d);
/* Removes trailing fractional zeros ("1.500" -> "1.5", "2.00" -> "2"). */
void mdx_dec_normalize(mdx_dec *d);
/* The nearest double, for indicators only (never for sums or storage). */
double mdx_dec_to_double(const mdx_dec *d);

/* ------------------------------------------------------------------------
 * UTC time and intervals.
 *
 * mdx_time is milliseconds since 1970-01-01T00:00:00Z.  Everything is UTC;
 * there are no time zones anywhere in mdx.
 */
typedef int64_t mdx_time;

#define MDX_TIME_BUFSZ 32
#define MDX_MS_MINUTE INT64_C(60000)
#define MDX_MS_HOUR INT64_C(3600000)
#define MDX_MS_DAY INT64_C(86400000)

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

/* ------------------------------------------------------------------------
 * The warehouse connection.
 *
 * mdx_db_connect() connects with MDX_DB as a libpq conninfo string or URI
 * when set, else with libpq's own PG* variables and service files.  It sets
 * the session time zone to UTC and application_name to the program name.
 * When the server is down or unreachable it ends the program with a clear
 * message and MDX_EX_UNAVAILABLE, or MDX_EX_TEMPFAIL when the server said
 * it is starting up, shutting down or out of connections; authentication
 * and unknown databases exit MDX_EX_CONFIG.  Passwords never appear in
 * messages.
 */
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

PGconn *mdx_db_connect(void);
void mdx_db_close(PGconn *c);

/*
 * The exit status for a failed command: MDX_EX_TEMPFAIL when the
 * connection was lost or the error is transient (SQLSTATE classes 08, 40,
 * 53, 57), MDX_EX_DATAERR for data exceptions (class 22, 23), else
 * MDX_EX_FAIL.  res may be NULL.
 */
int mdx_db_error_status(PGconn *c, const PGresult *res);

/* Runs a command without parameters; on failure ends the program with the
 * server's message and mdx_db_error_status().  Returns the result (the
 * caller PQclear()s it). */
PGresult *mdx_db_exec(PGconn *c, const char *sql);
/* The same with text parameters ($1..$n); never paste data into SQL. */
PGresult *mdx_db_execp(PGconn *c, const char *sql, int n,
    const char *const *params);

/*
 * The schema version of the warehouse: the highest version in
 * mdx.schema_migrations, 0 when the schema does not exist yet.  A
 * warehouse at the newest version may still lack a lower-numbered
 * migration; mdx_db_check_schema compares the whole sets.
 */
int mdx_db_schema_version(PGconn *c);

/*
 * Called by every program before it writes: ends the program with
 * MDX_EX_CONFIG when a migration built into it is missing from
 * mdx.schema_migrations, whatever its number (the message names the first
 * missing one: run `mdx-load --migrate`), or when the warehouse has a
 * migration this build does not know (a newer mdx migrated it).
 */
void mdx_db_check_schema(PGconn *c);

/*
 * Applies every migration built into the program (sql/NNN_name.sql) that
 * mdx.schema_migrations lacks, in version order, each in its own
 * transaction, recording each there; one numbered below the newest
 * applied is applied too, with a warning.  Refuses (MDX_EX_CONFIG) a
 * warehouse with a migration this build does not know.  Concurrent runs
 * are serialised with an advisory lock.  Returns the number applied.
 */
int mdx_db_migrate(PGconn *c);

/* The migrations built in from sql/ by the Makefile. */
struct mdx_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct mdx_migration mdx_migrations[];
extern const int mdx_nmigrations;

/* ------------------------------------------------------------------------
 * COPY text rows (lib/copy.c), for bulk loads into the warehouse.  In
 * COPY's text format backslash, tab, newline and carriage return are
 * escaped and \N is NULL; fields are separated by tabs, rows end with a
 * newline.
 */

/* Appends s[0..n) escaped as the content of one field. */
void mdx_copy_text(struct mdx_buf *b, const char *s, size_t n);
/* Appends a tab and the decimal, or a tab and \N when !present. */
void mdx_copy_dec(struct mdx_buf *b, const mdx_dec *d, int present);

/*
 * COPY binary rows (FORMAT binary): a stream is MDX_COPY_BIN_HEADER, then
 * rows, each a 16-bit field count and the fields, then
 * MDX_COPY_BIN_TRAILER.  A field is its 32-bit length (-1 for NULL) and
 * the value in the type's binary form, big-endian.  The server parses
 * none of it, which makes a bulk load much cheaper than the text format.
 */
#define MDX_COPY_BIN_HEADER "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0"
#define MDX_COPY_BIN_HEADER_LEN 19
#define MDX_COPY_BIN_TRAILER "\377\377"
#define MDX_COPY_BIN_TRAILER_LEN 2
/* A row's field count. */
void mdx_copy_bin_row(struct mdx_buf *b, int nfields);
void mdx_copy_bin_null(struct mdx_buf *b);
/* bigint, integer, boolean, text (s[0..n), UTF-8) fields. */
void mdx_copy_bin_int8(struct mdx_buf *b, int64_t v);
void mdx_copy_bin_int4(struct mdx_buf *b, int32_t v);
void mdx_copy_bin_bool(struct mdx_buf *b, int v);
void mdx_copy_bin_text(struct mdx_buf *b, const char *s, size_t n);
/* A timestamptz field. */
void mdx_copy_bin_time(struct mdx_buf *b, mdx_time t);
/* A numeric field: the decimal exactly, its scale kept as the numeric's
 * display scale, its base-10000 digits without leading or trailing zero
 * digits (the form PostgreSQL stores and sends). */
void mdx_copy_bin_dec(struct mdx_buf *b, const mdx_dec *d);
/* Reading binary COPY fields (COPY TO in binary, or binary results):
 * an n-byte big-endian integer (cast it to the signed type of the field);
 * a timestamptz as Unix milliseconds (microseconds floored); a numeric of
 * len bytes as an mdx_dec, exactly what mdx_dec_parse() makes of its text,
 * scale included: returns 0, or -1 for bytes that are not a numeric an
 * mdx_dec can hold. */
uint64_t mdx_copy_bin_get(const void *p, size_t n);
mdx_time mdx_copy_bin_get_time(const void *p);
int mdx_copy_bin_get_dec(const void *p, size_t len, mdx_dec *out);

/* ------------------------------------------------------------------------
 * The watchlist.  See mdx-watchlist(5).  One entry per line:
 *
 *	# exchange  market  symbol   intervals
 *	binance     spot    BTCUSDT  1m,1h
 *	okx         swap    BTC-USDT-SWAP 1m
 *	bybit       linear  BTCUSDT
 *
 * Blank lines and lines starting with # are ignored; # after a blank
 * starts a comment.  The intervals may be left out: ninterval is then 0
 * and the program's own interval option applies.
 */
#define MDX_WATCH_MAXIV 16

struct mdx_watch {
	char exchange[32];
	char market[16];
	char symbol[64];
	int ninterval;
	const struct mdx_interval *interval[MDX_WATCH_MAXIV];
	struct mdx_pos pos;
};

/*
 * Reads a watchlist ("-" is standard input).  Returns the number of
 * entries, in file order, and sets *out (free it with free(); the entries'
 * pos.name lives in the same allocation), or -1 with *out NULL after
 * printing every bad line as "PROGNAME: bad watchlist entry: REASON (at
 * FILE:LINE)", or a message when the file cannot be read.
 */
int mdx_watchlist_read(const char *path, struct mdx_watch **out);

/* Whether exchange/market is a combination mdx knows (binance spot|usdm,
 * bybit spot|linear|inverse, okx spot|swap). */
int mdx_market_known(const char *exchange, const char *market);

/* ------------------------------------------------------------------------
 * Indicators (lib/ta.c, lib/ind.c).  See mdx-indicators(1).
 *
 * The kernels are streaming: each keeps a small state (ring buffers sized
 * by its period, never by the length of the series), is fed one value or
 * candle at a time in time order, and reproduces TA-Lib's results exactly:
 * the same lookback, the same seeding, the same floating-point operations
 * in the same order, and TA-Lib's default parameters.  An update returns 1
 * when out[] holds the values for this input, 0 while the kernel is still
 * in its lookback (warm-up).  Kernels with ring buffers allocate them in
 * init; mdx_ind_free() (or the kernel's own free) releases them.
 *
 * The TA-Lib kernels also have an array form, mdx_ta_NAME_run(): it feeds
 * n inputs (the volume array may be NULL for atr and stoch), writes the
 * values produced to out[0][k], out[1][k] ... (one array per value, as
 * TA-Lib's functions do) and returns how many it wrote.  It is the same
 * computation as n updates, faster.
 */
struct mdx_ta_bar {
	mdx_time t;		/* open time */
	double open, high, low, close, volume;
};

/* Simple moving average over n >= 1 values; lookback n - 1. */
struct mdx_ta_sma {
	int n, pos;
	int64_t count;
	double sum;		/* the last n - 1 values, as TA-Lib keeps it */
	double *ring;
};
void mdx_ta_sma_init(struct mdx_ta_sma *s, int n);
int mdx_ta_sma_update(struct mdx_ta_sma *s, double x, double *out);
size_t mdx_ta_sma_run(struct mdx_ta_sma *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_sma_free(struct mdx_ta_sma *s);

/* Exponential moving average, k = 2 / (n + 1), seeded with the SMA of the
 * first n values (TA-Lib's default compatibility); lookback n - 1. */
struct mdx_ta_ema {
	int n;
	int64_t count;
	double k, sum, prev;
};
void mdx_ta_ema_init(struct mdx_ta_ema *s, int n);
int mdx_ta_ema_update(struct mdx_ta_ema *s, double x, double *out);
size_t mdx_ta_ema_run(struct mdx_ta_ema *s, const double *x, size_t n,
    double *const *out);

/* Weighted moving average, weights 1..n; lookback n - 1. */
struct mdx_ta_wma {
	int n, pos;
	int64_t count;
	double sum, sub, trail;
	double *ring;
};
void mdx_ta_wma_init(struct mdx_ta_wma *s, int n);
int mdx_ta_wma_update(struct mdx_ta_wma *s, double x, double *out);
size_t mdx_ta_wma_run(struct mdx_ta_wma *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_wma_free(struct mdx_ta_wma *s);

/* Wilder's RSI; lookback n (TA-Lib's unstable period 0). */
struct mdx_ta_rsi {
	int n;
	int64_t count;
	double prev, gain, loss;
};
void mdx_ta_rsi_init(struct mdx_ta_rsi *s, int n);
int mdx_ta_rsi_update(struct mdx_ta_rsi *s, double x, double *out);
size_t mdx_ta_rsi_run(struct mdx_ta_rsi *s, const double *x, size_t n,
    double *const *out);

/* MACD: out[0] macd, out[1] signal, out[2] hist.  The fast EMA is seeded
 * on the same bar as the slow one, as TA-Lib does; lookback
 * slow - 1 + signal - 1. */
struct mdx_ta_macd {
	int fast, slow;
	int64_t count;
	double kfast, kslow, fsum, ssum, fema, sema;
	struct mdx_ta_ema sig;
};
void mdx_ta_macd_init(struct mdx_ta_macd *s, int fast, int slow, int signal);
int mdx_ta_macd_update(struct mdx_ta_macd *s, double x, double *out);
size_t mdx_ta_macd_run(struct mdx_ta_macd *s, const double *x, size_t n,
    double *const *out);

/* Bollinger Bands on an SMA with the population standard deviation:
 * out[0] upper, out[1] middle, out[2] lower; lookback n - 1. */
struct mdx_ta_bbands {
	int n, pos;
	int64_t count;
	double up, dn, sum, sumsq;
	double *ring;
};
void mdx_ta_bbands_init(struct mdx_ta_bbands *s, int n, double up, double dn);
int mdx_ta_bbands_update(struct mdx_ta_bbands *s, double x, double *out);
size_t mdx_ta_bbands_run(struct mdx_ta_bbands *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_bbands_free(struct mdx_ta_bbands *s);

/* Wilder's average true range; lookback n. */
struct mdx_ta_atr {
	int n;
	int64_t count;
	double pclose, sum, atr;
};
void mdx_ta_atr_init(struct mdx_ta_atr *s, int n);
int mdx_ta_atr_update(struct mdx_ta_atr *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_atr_run(struct mdx_ta_atr *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);

/* A sliding-window maximum (or minimum) in a monotonic deque holding at
 * most cap entries: push a (key, value), evict the keys <= a limit. */
struct mdx_ta_deque {
	int cap, head, len, max;
	int64_t *key;
	double *val;
};
void mdx_ta_deque_init(struct mdx_ta_deque *q, int cap, int max);
void mdx_ta_deque_push(struct mdx_ta_deque *q, int64_t key, double v);
void mdx_ta_deque_evict(struct mdx_ta_deque *q, int64_t limit);
double mdx_ta_deque_top(const struct mdx_ta_deque *q);
void mdx_ta_deque_free(struct mdx_ta_deque *q);

/* Slow stochastic: out[0] slowk, out[1] slowd (SMA smoothing); lookback
 * fastk - 1 + slowk - 1 + slowd - 1. */
struct mdx_ta_stoch {
	int fastk, pos;
	int64_t count, hhi, lli;	/* where the extremes are */
	double hh, ll;
	double *hr, *lr;		/* the last fastk highs and lows */
	struct mdx_ta_sma k, d;
};
void mdx_ta_stoch_init(struct mdx_ta_stoch *s, int fastk, int slowk,
    int slowd);
int mdx_ta_stoch_update(struct mdx_ta_stoch *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_stoch_run(struct mdx_ta_stoch *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);
void mdx_ta_stoch_free(struct mdx_ta_stoch *s);

/* On-balance volume, starting at the first candle's volume; lookback 0. */
struct mdx_ta_obv {
	int64_t count;
	double pclose, obv;
};
void mdx_ta_obv_init(struct mdx_ta_obv *s);
int mdx_ta_obv_update(struct mdx_ta_obv *s, const struct mdx_ta_bar *b,
    double *out);
size_t mdx_ta_obv_run(struct mdx_ta_obv *s, const double *high,
    const double *low, const double *close, const double *volume, size_t n,
    double *const *out);

/* Rate of change in per cent, ((x / x[n ago]) - 1) * 100; lookback n. */
struct mdx_ta_roc {
	int n, pos;
	int64_t count;
	double *ring;
};
void mdx_ta_roc_init(struct mdx_ta_roc *s, int n);
int mdx_ta_roc_update(struct mdx_ta_roc *s, double x, double *out);
size_t mdx_ta_roc_run(struct mdx_ta_roc *s, const double *x, size_t n,
    double *const *out);
void mdx_ta_roc_free(struct mdx_ta_roc *s);

/* Volume-weighted average of the typical price (h + l + c) / 3: per UTC
 * day (n == 0, restarting at 00:00Z) or over the last n candles.  No value
 * while the volume summed is zero. */
struct mdx_ta_vwap {
	int n, pos, resum;
	int64_t count, day;
	double pv, v;
	double *rpv, *rv;
};
void mdx_ta_vwap_init(struct mdx_ta_vwap *s, int n);
int mdx_ta_vwap_update(struct mdx_ta_vwap *s, const struct mdx_ta_bar *b,
    double *out);
void mdx_ta_vwap_free(struct mdx_ta_vwap *s);

/* Statistics over the candles that lie within the 24 hours ending at the
 * close of the current one: out[0] last, out[1] change, out[2] change_pct,
 * out[3] high, out[4] low, out[5] volume.  Values start once the series
 * covers 24 hours.  iv is the series' interval. */
struct mdx_ta_stats24 {
	int cap, head, len, resum;
	int64_t span;		/* interval length in ms (0 for months) */
	mdx_time first;
	double vsum;
	mdx_time *t;
	double *open, *vol;
	struct mdx_ta_deque hi, lo;
};
void mdx_ta_stats24_init(struct mdx_ta_stats24 *s,
    const struct mdx_interval *iv);
int mdx_ta_stats24_update(struct mdx_ta_stats24 *s,
    const struct mdx_ta_bar *b, double *out);
void mdx_ta_stats24_free(struct mdx_ta_stats24 *s);

/* Enigma levels: out[0] all-time high, out[1] all-time low (of the series
 * so far), out[2] the close's position between them in per cent (0 when
 * they are equal), out[3..9] the levels low + (high - low) * p for p = 0,
 * 23.6, 38.2, 50, 61.8, 78.6 and 100 %; lookback 0. */
struct mdx_ta_enigma {
	int64_t count;
	double ath, atl;
};
void mdx_ta_enigma_init(struct mdx_ta_enigma *s);
int mdx_ta_enigma_update(struct mdx_ta_enigma *s, const struct mdx_ta_bar *b,
    double *out);

/*
 * Indicator specs and instances (lib/ind.c).  A spec list is
 * "rsi:14,macd:12:26:9,bbands:20:2": names with colon-separated
 * parameters, missing parameters taking TA-Lib's defaults.
 */
#define MDX_IND_MAXOUT 10

enum mdx_ind_kind {
	MDX_IND_SMA, MDX_IND_EMA, MDX_IND_WMA, MDX_IND_RSI, MDX_IND_MACD,
	MDX_IND_BBANDS, MDX_IND_ATR, MDX_IND_STOCH, MDX_IND_OBV, MDX_IND_ROC,
	MDX_IND_VWAP, MDX_IND_STATS24H, MDX_IND_ENIGMA
};

struct mdx_ind_spec {
	enum mdx_ind_kind kind;
	const char *name;	/* "macd" */
	char params[64];	/* normalised, defaults filled in: "12:26:9" */
	char field[80];		/* --merge field name: "macd_12_26_9" */
	int p[3];
	double d[2];
	int nout;
	const char *const *out;	/* value names: "macd", "signal", "hist" */
};

/*
 * Parses a spec list into *specs (free() it); returns the number of specs,
 * or -1 with a reason in err ("unknown indicator 'foo'").
 */
int mdx_ind_parse(const char *list, struct mdx_ind_spec **specs,
    char *err, size_t errsz);

/* One indicator on one series. */
struct mdx_ind {
	const struct mdx_ind_spec *spec;
	const struct mdx_interval *iv;
	union {
		struct mdx_ta_sma sma;
		struct mdx_ta_ema ema;
		struct mdx_ta_wma wma;
		struct mdx_ta_rsi rsi;
		struct mdx_ta_macd macd;
		struct mdx_ta_bbands bbands;
		struct mdx_ta_atr atr;
		struct mdx_ta_stoch stoch;
		struct mdx_ta_obv obv;
		struct mdx_ta_roc roc;
		struct mdx_ta_vwap vwap;
		struct mdx_ta_stats24 stats24;
		struct mdx_ta_enigma enigma;
	} u;
};

void mdx_ind_init(struct mdx_ind *in, const struct mdx_ind_spec *spec,
    const struct mdx_interval *iv);
void mdx_ind_free(struct mdx_ind *in);
/* Starts the series over (after a gap). */
void mdx_ind_reset(struct mdx_ind *in);
/* Feeds one candle; returns 1 with spec->nout values in out, 0 in the
 * warm-up. */
int mdx_ind_update(struct mdx_ind *in, const struct mdx_ta_bar *b,
    double *out);
/*
 * The state as text (exact: doubles in hexadecimal), to resume a series
 * later with identical results; mdx_ind_load() returns 0, or -1 when the
 * text does not belong to this spec or is damaged.
 */
void mdx_ind_save(struct mdx_ind *in, struct mdx_buf *b);
int mdx_ind_load(struct mdx_ind *in, const char *text);

/*
 * Formats a double with 17 significant digits, as printf("%.17g") does
 * (enough for strtod() to give back the same double), but several times
 * faster; NaN and infinities print as "null".  buf has at least
 * MDX_DBL_BUFSZ bytes; returns the length.
 */
#define MDX_DBL_BUFSZ 32
int mdx_fmt_double(double v, char *buf);
/*
 * The same for n values at once, several times faster per value than
 * one by one (their work overlaps): value i's text at buf + i *
 * MDX_DBL_BUFSZ (n * MDX_DBL_BUFSZ bytes), its length in len[i].  Each
 * slot's bytes after the text and its NUL are undefined.
 */
#define MDX_FMT_BATCH 16
void mdx_fmt_doubles(const double *v, int n, char *buf, int *len);

/* ------------------------------------------------------------------------
 * Canonical records (lib/candle.c): the candle record of HACKING.md
 * "Canonical records", parsed into a fixed-size struct (no allocation per
 * record), validated and written back as one JSON line.  mdx-transform
 * writes them; mdx-load, mdx-aggregate and mdx-indicators read them.
 */
#define MDX_SYMBOL_MAX 128	/* bytes of a symbol, NUL included */
#define MDX_NAME_MAX 16		/* bytes of an exchange or market code */
#define MDX_ERRSZ 160		/* room for a reason these functions give */

enum mdx_origin {
	MDX_ORIGIN_EXCHANGE,	/* an exchange's REST API */
	MDX_ORIGIN_ARCHIVE,	/* an exchange's public-data archive */
	MDX_ORIGIN_ROLLUP,	/* built from finer candles */
	MDX_ORIGIN_FILLED	/* a gap filled by mdx-aggregate */
};

/* Bits of mdx_candle.has: the optional members that are present (not
 * absent and not null). */
#define MDX_C_VOLUME		0x01
#define MDX_C_QUOTE_VOLUME	0x02
#define MDX_C_TRADES		0x04
#define MDX_C_TAKER_BUY_VOLUME	0x08
#define MDX_C_TAKER_BUY_QUOTE_VOLUME 0x10
#define MDX_C_FETCHED_AT	0x20
#define MDX_C_BASE_COUNT	0x40	/* base_count and base_expected */
#define MDX_C_PARTIAL		0x80	/* "partial":true */

struct mdx_candle {
	char exchange[MDX_NAME_MAX];
	char market[MDX_NAME_MAX];
	char symbol[MDX_SYMBOL_MAX];
	const struct mdx_interval *interval;
	mdx_time open_time;
	mdx_dec open, high, low, close;
	mdx_dec volume;			/* base units */
	mdx_dec quote_volume;		/* quote units */
	int64_t trades;
	mdx_dec taker_buy_volume;
	mdx_dec taker_buy_quote_volume;
	int closed;
	enum mdx_origin origin;
	mdx_time fetched_at;
	int base_count, base_expected;
	unsigned has;			/* MDX_C_* bits */
};

/*
 * Copies a JSON string node into dst (dstsz bytes, NUL included), escapes
 * undone.  Returns -1 for a non-string, an empty string, one that does not
 * fit and one holding a NUL (which no C string and no PostgreSQL text can
 * carry).
 */
int mdx_json_strcpy(const struct mdx_json *v, char *dst, size_t dstsz);

/* "exchange", "archive", "rollup", "filled". */
const char *mdx_origin_name(enum mdx_origin o);
/* The origin named s[0..n), or -1. */
int mdx_origin_parse(const char *s, size_t n);

/*
 * Fills c from a parsed canonical candle record (an object whose "kind",
 * when present, is "candle").  Unknown members are ignored.  Returns 0, or
 * -1 with a reason naming the member in err (MDX_ERRSZ bytes), such as
 * "bad \"high\": not a decimal number".  Only the syntax is checked here;
 * mdx_candle_check() applies the rules.
 */
int mdx_candle_from_json(struct mdx_candle *c, const struct mdx_json *obj,
    char *err, size_t errsz);

/*
 * Parses one canonical candle line into c (lib/candlescan.c) and
 * checks it with mdx_candle_check().  A fast scanner reads the flat
 * objects mdx-transform writes without building a tree; anything else
 * goes through mdx_json and mdx_candle_from_json(), which also word the
 * reasons.  Returns 0, or -1 with a reason in why.  doc is reused line
 * after line.
 */
int mdx_candle_parse(struct mdx_candle *c, const char *line, size_t len,
    struct mdx_json_doc *doc, char *why, size_t whysz);
/*
 * mdx_candle_parse() for a stream of lines (lib/candlescan.c): the
 * scanner remembers the names, interval and date of the line before, so
 * that a line of the same series and day does not read them again.  The
 * same results, line for line, as mdx_candle_parse().
 */
struct mdx_candle_scan *mdx_candle_scan_new(void);
int mdx_candle_scan(struct mdx_candle_scan *sc, struct mdx_candle *c,
    const char *line, size_t len, char *why, size_t whysz);
void mdx_candle_scan_free(struct mdx_candle_scan *sc);

/*
 * The validation rules of a candle: a known exchange and market, open_time
 * aligned to the interval, high >= max(open, close), low <= min(open,
 * close), no negative price, volume, trade count or base count.  Returns 0,
 * or -1 with the reason ("high < close") in err.
 */
int mdx_candle_check(const struct mdx_candle *c, char *err, size_t errsz);

/* Appends c as one canonical JSON line, without the newline, to b.  Absent
 * volume and quote_volume are written as null; other absent optional
 * members are left out. */
void mdx_candle_to_json(const struct mdx_candle *c, struct mdx_buf *b);

/* Whether a and b are the same candle: exchange, market, symbol, interval
 * and open_time equal. */
int mdx_candle_same_key(const struct mdx_candle *a, const struct mdx_candle *b);
/* A hash of that key, for hash tables. */
uint64_t mdx_candle_key_hash(const struct mdx_candle *c);

/*
 * The duplicate rule, shared by every program that drops duplicates: whether
 * the candle b, seen after a with the same key, replaces a.  A closed
 * candle wins over an open one; between two closed or two open ones, the
 * later fetched_at wins, and when that does not decide, the later one (b).
 */
int mdx_candle_supersedes(const struct mdx_candle *b,
    const struct mdx_candle *a);

/*
 * Dropping duplicates from a candle stream in bounded memory (lib/dedup.c):
 * the last `window` distinct candles are held (about 500 bytes each); a
 * candle with the key of a held one is a duplicate and replaces it when
 * mdx_candle_supersedes() says so.  Candles come out in the order their
 * keys first appeared, at most `window` candles late.
 */
struct mdx_dedup;

struct mdx_dedup *mdx_dedup_new(size_t window);
void mdx_dedup_free(struct mdx_dedup *d);
/*
 * Offers c.  Returns 1 when c was a duplicate (then dropped or kept in the
 * place of the held one), else 0.  *evicted is set to the oldest candle
 * when it had to leave to make room (write it out), else NULL; it stays
 * valid until the next call.
 */
int mdx_dedup_put(struct mdx_dedup *d, const struct mdx_candle *c,
    const struct mdx_candle **evicted);
/* At the end of input: the held candles, oldest first, then NULL. */
const struct mdx_candle *mdx_dedup_pop(struct mdx_dedup *d);

/* ------------------------------------------------------------------------
 * Raw to canonical (lib/transform.c): the mapping of mdx-transform(1).
 */
enum mdx_tx {
	MDX_TX_CANDLE = 1,	/* out->candle holds a checked candle */
	MDX_TX_LINE = 2,	/* out->line holds a canonical depth or
				   instrument record */
	MDX_TX_HEADER = 3	/* an archive CSV header row: no record */
};

struct mdx_tx_memo;

struct mdx_tx_out {
	struct mdx_candle candle;
	struct mdx_buf line;
	struct mdx_buf tmp;
	char tmp_err[MDX_ERRSZ];
	struct mdx_tx_memo *memo;	/* mdx_transform_fast()'s own */
};

/*
 * Turns one parsed record into a canonical one.  Raw records ("mdx":"raw",
 * kinds klines, depth and instruments, from every exchange and market)
 * are mapped as mdx-transform(1) documents; canonical records pass through
 * (candles checked again).  Candles are checked with mdx_candle_check().
 * Returns an enum mdx_tx, or -1 with the reason in err, such as
 * "bad candle: high < close".  out starts zeroed (MDX_BUF_INIT buffers).
 */
int mdx_transform(const struct mdx_json *root, struct mdx_tx_out *out,
    char *err, size_t errsz);
void mdx_tx_out_free(struct mdx_tx_out *out);
/*
 * The fast path for the bulk of raw records, raw Binance klines: turns the
 * line into out->candle without a parse tree and returns MDX_TX_CANDLE, or
 * returns 0 for anything it does not take, good or bad; then
 * mdx_json_parse() and mdx_transform() must decide, which give the same
 * candle for every line taken here.
 */
int mdx_transform_fast(const char *line, size_t len, struct mdx_tx_out *out);

/* ------------------------------------------------------------------------
 * Canonical records into the warehouse (lib/load.c): the work of
 * mdx-load(1).  Candles and depth snapshots are written in batches, each
 * in one transaction (COPY into temporary staging tables, then one upsert
 * per table that skips unchanged rows); instrument records are applied at
 * once.  Failures end the program: a lost server with MDX_EX_TEMPFAIL,
 * the batch rolled back.
 */
struct mdx_load_counts {
	unsigned long read;		/* records offered */
	unsigned long candles;		/* distinct candles written */
	unsigned long inserted, revised, unchanged; /* their fate */
	unsigned long duplicates;	/* candles dropped inside a batch */
	unsigned long depth, depth_inserted, depth_revised;
	unsigned long instruments;	/* instrument records */
	unsigned long instruments_created, instruments_updated;
	unsigned long rejected;		/* bad records, not loaded */
	unsigned long batches;		/* transactions committed */
};

struct mdx_load;

/* Checks the schema version, prepares the staging tables and opens the
 * run (a row of mdx.run with program mdx-load and these args). */
struct mdx_load *mdx_load_begin(PGconn *c, const char *args, size_t batch);
/* Offers one canonical NDJSON line.  Returns 0, or -1 with the reason in
 * err when the record is bad (counted as rejected, not loaded). */
int mdx_load_line(struct mdx_load *l, const char *line, size_t len,
    char *err, size_t errsz);
/* Counts a line the reader already found bad as read and rejected. */
void mdx_load_reject(struct mdx_load *l);
/* Writes the pending batch. */
void mdx_load_flush(struct mdx_load *l);
/* Records the lake objects (URIs) as loaded by this run. */
void mdx_load_objects(struct mdx_load *l, char *const *uris, int n);
/* Ends the run row: status 0 is ok, anything else failed (message said). */
void mdx_load_finish(struct mdx_load *l, int status, const char *message);
int64_t mdx_load_run_id(const struct mdx_load *l);
const struct mdx_load_counts *mdx_load_counts(const struct mdx_load *l);
void mdx_load_free(struct mdx_load *l);

/* ------------------------------------------------------------------------
 * SHA-256, for checksums (lake manifests).  Feed data with update() in
 * pieces of any size; final() and hex() end the computation (init() again
 * to reuse the state).
 */
#define MDX_SHA256_LEN 32
#define MDX_SHA256_HEXLEN 64

struct mdx_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void mdx_sha256_init(struct mdx_sha256 *s);
void mdx_sha256_update(struct mdx_sha256 *s, const void *data, size_t n);
void mdx_sha256_final(struct mdx_sha256 *s, unsigned char out[MDX_SHA256_LEN]);
/* final() as 64 lowercase hex digits and a NUL. */
void mdx_sha256_hex(struct mdx_sha256 *s, char out[MDX_SHA256_HEXLEN + 1]);

/* ------------------------------------------------------------------------
 * Exchanges (lib/exchange.c): what mdx-extract knows about the public REST
 * APIs of Binance, Bybit and OKX: base URLs, interval spellings, request
 * paths, weights and rate limits, and the shapes of answers and error
 * bodies.  HACKING.md "Raw records" gives the records built from them.
 */
enum mdx_kind {
	MDX_KIND_KLINES,
	MDX_KIND_DEPTH,
	MDX_KIND_INSTRUMENTS
};

/* "klines", "depth", "instruments"; mdx_kind_lookup() returns -1 when the
 * name is unknown. */
const char *mdx_kind_name(enum mdx_kind k);
int mdx_kind_lookup(const char *name);

/*
 * A rate limit shared by the requests that count against it: Binance's
 * request weight per minute (spot and USD-M apart, tracked from the
 * X-MBX-USED-WEIGHT-1M header), Bybit's 600 requests per 5 s, OKX's 20 or
 * 40 requests per 2 s per endpoint.
 */
struct mdx_ratelimit {
	const char *name;	/* "binance spot", "okx history-candles" */
	const char *exchange;	/* a pause after a 429 holds for all of an
				   exchange's limits */
	int limit;		/* weight or requests per period */
	int64_t period;		/* ms */
	int fixed_window;	/* windows aligned to multiples of period
				   (Binance), else a sliding window */
	const char *used_header; /* the header giving the weight used */
	int forbidden_is_limit;	/* HTTP 403 means "too frequent" (Bybit) */
};

enum mdx_exchange_id { MDX_BINANCE, MDX_BYBIT, MDX_OKX };

struct mdx_market {
	const char *exchange;	/* binance */
	const char *market;	/* spot */
	enum mdx_exchange_id id;
	const char *url_env;	/* MDX_BINANCE_URL */
	const char *url_default; /* https://api.binance.com */
	const char *category;	/* the market as the exchange spells it in
				   requests: Bybit category, OKX instType */
	int page;		/* klines rows per request */
	int newest_first;	/* klines answers come newest first */
	int depth_default;	/* order book levels asked for by default */
	int depth_max;
	const struct mdx_ratelimit *rl_klines, *rl_history, *rl_depth,
	    *rl_info;
};

/* The market, or NULL when exchange/market is not one mdx knows. */
const struct mdx_market *mdx_market_lookup(const char *exchange,
    const char *market);
/* Every market, ending with a NULL exchange. */
extern const struct mdx_market mdx_markets[];
/* The base URL: the environment variable when set, else the default. */
const char *mdx_market_url(const struct mdx_market *m);
/*
 * The exchange's spelling of an interval ("1m", Bybit "1", OKX "1Dutc"),
 * or NULL when the exchange has no such interval.  OKX bars of 6h and
 * longer are asked for in their UTC variants, so that every interval
 * starts where mdx_interval_floor() says.
 */
const char *mdx_market_interval(const struct mdx_market *m,
    const struct mdx_interval *iv);

/* A request: its path with query (no host), what it costs and against
 * which limit. */
struct mdx_request {
	struct mdx_buf path;
	const struct mdx_ratelimit *rl;
	int weight;
};

/*
 * The klines request for the candles opening in [lo, hi), at most
 * m->page of them (the caller keeps hi - lo within a page).  now picks
 * OKX's recent or history endpoint.
 */
void mdx_request_klines(const struct mdx_market *m, const char *symbol,
    const struct mdx_interval *iv, mdx_time lo, mdx_time hi, mdx_time now,
    struct mdx_request *r);
/* The order book request; levels <= 0 asks for m->depth_default. */
void mdx_request_depth(const struct mdx_market *m, const char *symbol,
    int levels, struct mdx_request *r);
/* The instruments request; cursor is Bybit's nextPageCursor or NULL. */
void mdx_request_instruments(const struct mdx_market *m, const char *cursor,
    struct mdx_request *r);

/* What an answer turned out to be. */
enum mdx_answer {
	MDX_ANSWER_OK = 0,	/* *payload is the data */
	MDX_ANSWER_BAD,		/* not JSON or not the expected shape: retry */
	MDX_ANSWER_TRANSIENT,	/* an exchange error that says "try again" */
	MDX_ANSWER_LIMITED,	/* the exchange says too many requests */
	MDX_ANSWER_ERROR	/* an exchange error body: give up; *status
				   is MDX_EX_USAGE for an unknown symbol,
				   interval or parameter, else
				   MDX_EX_UNAVAILABLE */
};

/*
 * Checks an answer (HTTP status http, body[0..n), already parsed into
 * root, NULL when it is not JSON) and finds its payload: klines the rows
 * array, depth the order book object, instruments the list.  On anything
 * but MDX_ANSWER_OK, why holds the reason, quoting the exchange's own
 * code and message when it gave one.
 */
enum mdx_answer mdx_answer_check(const struct mdx_market *m,
    enum mdx_kind kind, long http, const struct mdx_json *root,
    const struct mdx_json **payload, int *status, char *why, size_t whysz);

/*
 * One klines row: its open time and whether the candle was closed when
 * fetched.  Returns 0, or -1 with the reason when the row does not have
 * the exchange's shape.
 */
int mdx_kline_row(const struct mdx_market *m, const struct mdx_interval *iv,
    const struct mdx_json *row, mdx_time fetched, mdx_time *open,
    int *closed, char *why, size_t whysz);
/* The time of an order book snapshot: the exchange's timestamp when it
 * gives one, else fetched. */
mdx_time mdx_depth_time(const struct mdx_market *m,
    const struct mdx_json *book, mdx_time fetched);
/* The symbol of one instrument object, or NULL. */
const struct mdx_json *mdx_instrument_symbol(const struct mdx_market *m,
    const struct mdx_json *inst);
/* Bybit's cursor to the next page of instruments, or NULL at the end. */
const struct mdx_json *mdx_instruments_cursor(const struct mdx_market *m,
    const struct mdx_json *root);

/* ------------------------------------------------------------------------
 * Fetching (lib/fetch.c): many HTTPS GETs at once over libcurl's multi
 * interface, inside the exchanges' rate limits, retrying what may succeed
 * on a second try.
 *
 * The engine never sends a request that would take a rate limit past its
 * budget (opts.share of the published limit; for Binance the used weight
 * the exchange reports counts too).  A 429 or 418 (Bybit: 403 "access too
 * frequent") pauses every request to that exchange for the Retry-After the
 * exchange gave; one longer than opts.max_wait ends the request instead.
 * Transfer errors (timeouts, resets, truncated bodies), 5xx answers and
 * HTML pages are retried with exponential backoff and full jitter, at most
 * opts.tries attempts in all.  Certificates are always verified.
 */
struct mdx_fetch;

struct mdx_fetch_opts {
	int connections;	/* transfers at once per exchange */
	long timeout;		/* ms for one whole transfer */
	int tries;		/* attempts per request */
	long max_wait;		/* the longest Retry-After honoured, ms */
	double share;		/* share of each rate limit to use */
	long backoff;		/* first backoff ceiling, ms */
};

struct mdx_fetch_req {
	/* Set by the caller before mdx_fetch_submit(). */
	struct mdx_buf url;		/* the whole URL */
	struct mdx_buf what;		/* "GET /path?query", for messages */
	const struct mdx_ratelimit *rl;
	int weight;
	void *udata;
	/* Set when mdx_fetch_wait() returns the request. */
	int ok;			/* an answer came: http, body */
	long http;
	struct mdx_buf body;
	mdx_time fetched_at;
	int tries;		/* attempts made */
	int status;		/* !ok: the exit status it calls for */
	char why[320];		/* !ok: why it was given up */
	/* Private to the engine. */
	void *easy;
	mdx_time ready_at, sent_at;
	int limited;
	long retry_after, used_weight;
	int html;
	struct mdx_fetch_req *next;
};

struct mdx_fetch_stats {
	unsigned long requests;	/* transfers started */
	unsigned long retries;	/* of them, repeats */
	unsigned long limited;	/* 429, 418 and the like received */
	unsigned long weight;	/* weight spent */
};

struct mdx_fetch *mdx_fetch_new(const struct mdx_fetch_opts *o);
void mdx_fetch_free(struct mdx_fetch *f);
/* Replaces the published limit of rl (for example --weight-limit). */
void mdx_fetch_set_limit(struct mdx_fetch *f, const struct mdx_ratelimit *rl,
    int limit);
/* Initialises and frees the buffers of a request. */
void mdx_fetch_req_init(struct mdx_fetch_req *r);
void mdx_fetch_req_free(struct mdx_fetch_req *r);
/* Queues r; the caller keeps r alive until mdx_fetch_wait() returns it. */
void mdx_fetch_submit(struct mdx_fetch *f, struct mdx_fetch_req *r);
/*
 * Queues r again after its answer proved bad (invalid JSON, an exchange
 * error that says to try later; limited: the exchange said too many
 * requests).  Returns 0, or -1 when r has had all its tries (then r->why
 * and r->status say so and r is not queued).
 */
int mdx_fetch_retry(struct mdx_fetch *f, struct mdx_fetch_req *r,
    const char *why, int limited);
/* Runs transfers until a request is finished and returns it; NULL when
 * max_ms passed first or nothing is queued. */
struct mdx_fetch_req *mdx_fetch_wait(struct mdx_fetch *f, long max_ms);
/* Requests queued or under way. */
int mdx_fetch_outstanding(const struct mdx_fetch *f);
void mdx_fetch_get_stats(const struct mdx_fetch *f,
    struct mdx_fetch_stats *st);

/* ------------------------------------------------------------------------
 * Rollups (mdx-aggregate).  One engine turns base candles into coarser
 * buckets, finds the missing base intervals and makes synthetic ones; the
 * stream mode feeds it NDJSON lines, the warehouse mode rows read with
 * COPY, so both modes share one definition of the results.
 */
#define MDX_ROLLUP_MAXTO 16

/* Appends a gap record (HACKING.md "Gap range") to b, no newline. */
void mdx_rollup_format_gap(struct mdx_buf *b, const struct mdx_candle *series,
    mdx_time from, mdx_time to, int64_t count);

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
 * Returns an mdx_rollup_res; on MDX_ROLLUP_REJECT the reason is in why.
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
 * count, or -1 with the bad item in why.
 */
int mdx_rollup_parse_intervals(const char *s,
    const struct mdx_interval **out, char *why, size_t whysz);

/*
 * The warehouse mode of mdx-aggregate (lib/rollup_db.c): incremental
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

/* ------------------------------------------------------------------------
 * The lake (lib/lake.c, lib/lakestore.c): partitioned, compressed NDJSON
 * objects in a local directory or an S3 bucket.  mdx-lake(1) documents the
 * layout, the manifests, archives and consumer marks; HACKING.md "The
 * lake" the partition path.  Every command returns an exit status (enum
 * mdx_exit); a failure of the storage itself (I/O, S3 refused) ends the
 * program with a message naming the object.
 */
struct mdx_lake;

/*
 * Opens the lake at root: a directory, or s3://BUCKET[/PREFIX] (endpoint
 * MDX_S3_ENDPOINT, MDX_S3_PROTOCOL http|https; credentials from
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the AWS shared credentials
 * file, refused when group or others can access it).  root NULL means
 * MDX_LAKE, else ./var/lake.  Ends the program with MDX_EX_CONFIG when the
 * configuration is bad.  Secrets never appear in messages.
 */
struct mdx_lake *mdx_lake_open(const char *root);
void mdx_lake_close(struct mdx_lake *l);

/* The partition fields, in path order. */
enum mdx_lake_field {
	MDX_LF_EXCHANGE, MDX_LF_MARKET, MDX_LF_KIND, MDX_LF_SYMBOL,
	MDX_LF_INTERVAL, MDX_LF_DATE, MDX_LF_N
};
extern const char *const mdx_lake_field_names[MDX_LF_N];

#define MDX_LAKE_VALUE_MAX 64

/*
 * Whether s[0..n) may be a path component of the lake (a partition value,
 * a prefix, a consumer name): 1 to MDX_LAKE_VALUE_MAX bytes of
 * [A-Za-z0-9._-], not starting with a dot.  Returns NULL when it may, else
 * the reason ("contains '/'").
 */
const char *mdx_lake_check_value(const char *s, size_t n);

struct mdx_lake_put {
	const char *prefix;	/* first path component: raw, canonical */
	int level;		/* gzip level 1-9 */
	uint64_t object_size;	/* start a new object after this many
				   compressed bytes */
	int max_open;		/* partitions written at once; the least
				   recently used one is finished first */
};

/*
 * put: copies every byte read from fd to tee unchanged (tee may be NULL)
 * and stores each record in the object of its partition.  A line that is
 * not a JSON object with safe partition values is reported with its line
 * number and not stored.  Returns MDX_EX_OK, or MDX_EX_DATAERR when lines
 * were rejected (everything else is stored).
 */
int mdx_lake_put(struct mdx_lake *l, const struct mdx_lake_put *o, int fd,
    struct mdx_writer *tee);

/* What cat, ls, stats, verify, archive and prune work on. */
struct mdx_lake_sel {
	const char *prefix;		/* NULL: every prefix */
	const char *value[MDX_LF_N];	/* "a,b": either; NULL: any */
	mdx_time since, until;		/* records in [since, until) */
	int has_since, has_until;
	const char *consumer;		/* cat --new NAME */
};

void mdx_lake_sel_init(struct mdx_lake_sel *s);
/* Adds a "field=value[,value...]" argument; 0 ok, -1 with *why set. */
int mdx_lake_sel_add(struct mdx_lake_sel *s, const char *arg,
    const char **why);

int mdx_lake_cat(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out);
/* Marks what the consumer's last cat --new streamed as read. */
int mdx_lake_commit(struct mdx_lake *l, const char *consumer);
int mdx_lake_ls(struct mdx_lake *l, const struct mdx_lake_sel *s, int json,
    struct mdx_writer *out);
/* archive and prune work on the partition days that ended before
 * cutoff. */
int mdx_lake_archive(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out);
int mdx_lake_prune(struct mdx_lake *l, const struct mdx_lake_sel *s,
    mdx_time cutoff, int dry_run, struct mdx_writer *out);
int mdx_lake_stats(struct mdx_lake *l, const struct mdx_lake_sel *s,
    int json, struct mdx_writer *out);
int mdx_lake_verify(struct mdx_lake *l, const struct mdx_lake_sel *s,
    struct mdx_writer *out);

#endif /* MDX_H */
