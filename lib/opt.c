/*
 * opt.c - the command line every mdx program shares: common options, the
 * usage text and the parsers of option values.
 *
 * The parsers are strict on purpose: strtol() alone takes " 12", "+12" and
 * "12abc" (with end checks, still the first two), and a cron line with a
 * typo in it should fail at once rather than run with a value nobody
 * meant.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"
#include "utc.h"

static const char *usage_text = "";

void
mdx_opt_usage(const char *text)
{
	usage_text = text;
}

void
mdx_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", mdx_progname);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	exit(MDX_EX_USAGE);
}

void
mdx_opt_common(int ch)
{
	switch (ch) {
	case 'h':
		fputs(usage_text, stdout);
		exit(fflush(stdout) == 0 ? MDX_EX_OK : MDX_EX_IOERR);
	case 'q':
		mdx_verbose = 0;
		return;
	case 'v':
		mdx_verbose++;
		return;
	case 'V':
		printf("%s %s\n", mdx_progname, MDX_VERSION);
		exit(fflush(stdout) == 0 ? MDX_EX_OK : MDX_EX_IOERR);
	default:
		mdx_usage(NULL);
	}
}

/* Whether s is one or more decimal digits and nothing else. */
static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

long long
mdx_opt_num(const char *opt, const char *s, long long min, long long max)
{
	long long v;

	errno = 0;
	if (!all_digits(s + (min < 0 && *s == '-')) ||
	    (v = strtoll(s, NULL, 10), errno != 0) || v < min || v > max)
		mdx_usage("bad %s \"%s\": not a whole number from %lld to %lld",
		    opt, s, min, max);
	return v;
}

uint64_t
mdx_opt_size(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char digits[32];
	unsigned long long v;
	size_t n = strlen(s);
	int shift = 0;

	if (n > 0 && n < sizeof(digits)) {
		memcpy(digits, s, n + 1);
		switch (digits[n - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		}
		if (shift != 0)
			digits[n - 1] = '\0';
		errno = 0;
		if (all_digits(digits) &&
		    (v = strtoull(digits, NULL, 10), errno == 0) &&
		    v <= (UINT64_MAX >> shift) && (v << shift) >= min &&
		    (v << shift) <= max)
			return v << shift;
	}
	mdx_usage("bad %s \"%s\": not a size from %llu to %llu bytes (a "
	    "number with an optional k, m or g)", opt, s,
	    (unsigned long long)min, (unsigned long long)max);
}

static void
bad_time(const char *opt, const char *s)
{
	mdx_usage("bad %s \"%s\": not a time (RFC 3339, an epoch number, or "
	    "relative such as -7d)", opt, s);
}

mdx_time
mdx_opt_time(const char *opt, const char *s)
{
	mdx_time t;

	if (mdx_time_parse(s, &t) != 0)
		bad_time(opt, s);
	return t;
}

mdx_time
mdx_opt_age(const char *opt, const char *s)
{
	char buf[64];
	size_t n = strlen(s), i;
	mdx_time t;

	for (i = 0; i < n && isdigit((unsigned char)s[i]); i++)
		;
	if (i > 0 && i == n - 1 && n < sizeof(buf) - 1 &&
	    strchr("smhdw", s[n - 1]) != NULL) {
		snprintf(buf, sizeof(buf), "-%s", s);
		if (mdx_time_parse(buf, &t) == 0)
			return t;
	} else if (mdx_time_parse(s, &t) == 0 && t <= mdx_now())
		return t;
	mdx_usage("bad %s \"%s\": not an age (7d, 12h, 2w) or a past time",
	    opt, s);
}

const struct mdx_interval *
mdx_opt_interval(const char *opt, const char *s, int fixed)
{
	const struct mdx_interval *iv;
	char codes[128];
	size_t n = 0;

	if ((iv = mdx_interval_lookup(s)) != NULL && !(fixed && iv->months))
		return iv;
	for (iv = mdx_intervals; iv->code != NULL; iv++)
		if (!(fixed && iv->months))
			n += snprintf(codes + n, sizeof(codes) - n, "%s%s",
			    n > 0 ? " " : "", iv->code);
	mdx_usage("bad %s \"%s\": not an interval (%s)", opt, s, codes);
}
