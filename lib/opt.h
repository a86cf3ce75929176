/*
 * opt.h - the command line, the same in every mdx program: the options all
 * six share, the usage text, and the parsers of option values (numbers,
 * sizes, times, ages and intervals) with one wording for a bad value.
 *
 * Each program keeps its own getopt_long() loop and its own options; it
 * adds MDX_OPT_SHORT to its short options and MDX_OPT_LONG to its long
 * ones, and hands every option it does not know itself to mdx_opt_common():
 *
 *	mdx_init(argv[0]);
 *	mdx_opt_usage(usage_text);
 *	while ((ch = getopt_long(argc, argv, "b:o:" MDX_OPT_SHORT, longopts,
 *	    NULL)) != -1) {
 *		switch (ch) {
 *		case 'b':
 *			batch = mdx_opt_num("--batch", optarg, 1, 10000000);
 *			break;
 *		default:
 *			mdx_opt_common(ch);
 *		}
 *	}
 *
 * A bad value prints one line naming the option and the value, then the
 * usage text, on stderr, and exits MDX_EX_USAGE (64):
 *
 *	mdx-aggregate: bad --since "yesterday": not a time (RFC 3339, an
 *	epoch number, or relative such as -7d)
 */
#ifndef MDX_OPT_H
#define MDX_OPT_H

#include <stdint.h>

#include "err.h"
#include "utc.h"

/*
 * The options every program has: -h/--help (the usage text on stdout, exit
 * 0), -q/--quiet (only errors), -v/--verbose (more messages; twice:
 * debug), -V/--version ("mdx-NAME VERSION" on stdout, exit 0).
 */
#define MDX_OPT_SHORT "hqvV"
#define MDX_OPT_LONG \
	{ "help", no_argument, NULL, 'h' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "version", no_argument, NULL, 'V' }

/*
 * The common options in a usage text's option list, aligned like the
 * lists of the programs (the option in columns 3-21, the text from 23).
 */
#define MDX_OPT_HELP \
	"  -q, --quiet         only errors on standard error\n" \
	"  -v, --verbose       more messages (twice: debug)\n" \
	"  -h, --help          this text\n" \
	"  -V, --version       the version\n"

/*
 * Sets the usage text that -h and every command-line error print: the
 * "usage:" lines and the option list, each line ending in a newline.  The
 * text is not copied.
 */
void mdx_opt_usage(const char *text);

/*
 * Handles ch, a value getopt_long() returned that the program does not
 * handle itself: a common option, or '?' for an unknown option or a
 * missing argument (getopt_long() has already said which), which ends the
 * program with the usage text and MDX_EX_USAGE.  -h and -V end the
 * program with status 0.
 */
void mdx_opt_common(int ch);

/*
 * A bad command line: prints "PROGNAME: message" when fmt is not NULL,
 * then the usage text, on stderr, and exits MDX_EX_USAGE.
 */
void mdx_usage(const char *fmt, ...) MDX_PRINTF(1, 2) MDX_NORETURN;

/*
 * The value parsers.  opt names the option as the user wrote it ("--since",
 * "-b"); a bad value ends the program through mdx_usage() with the one
 * wording 'bad OPT "VALUE": not a WHAT'.
 */

/* A whole decimal number from min to max: no sign unless min < 0, no
 * spaces, no fraction. */
long long mdx_opt_num(const char *opt, const char *s, long long min,
    long long max);

/* A size in bytes: a whole number with an optional k, m or g (powers of
 * 1024, either case), from min to max. */
uint64_t mdx_opt_size(const char *opt, const char *s, uint64_t min,
    uint64_t max);

/* A time in any form mdx_time_parse() takes: RFC 3339, an epoch number,
 * or relative to now (-7d). */
mdx_time mdx_opt_time(const char *opt, const char *s);

/*
 * An age as a cutoff: a number with one of the units s m h d w ("7d",
 * "12h") means that long before now; anything else is read as a time, as
 * mdx_opt_time() does, and must not be in the future: a cutoff after now
 * would make "older than" mean everything (prune would empty the lake).
 */
mdx_time mdx_opt_age(const char *opt, const char *s);

/* An interval code (mdx_interval_lookup()); with fixed, a calendar
 * interval (1M) is refused too. */
const struct mdx_interval *mdx_opt_interval(const char *opt, const char *s,
    int fixed);

#endif /* MDX_OPT_H */
