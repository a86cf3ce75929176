/*
 * tap.h - a minimal TAP producer for the C unit tests.  Each test program
 * prints "1..N" at the end (done_testing) and exits non-zero if any test
 * failed, so prove reports it.
 */
#ifndef MDX_TAP_H
#define MDX_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int
tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))

/* is_str(got, want, name): compares C strings and shows both on failure. */
#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!tap_ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0,	\
	    __FILE__, __LINE__, (name)))				\
		printf("#   got:  '%s'\n#   want: '%s'\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define is_int(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!tap_ok(g_ == w_, __FILE__, __LINE__, (name)))		\
		printf("#   got:  %lld\n#   want: %lld\n", g_, w_);	\
} while (0)

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
