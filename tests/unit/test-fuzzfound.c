/*
 * test-fuzzfound.c - regression tests for the bugs the fuzzers in
 * tests/fuzz/ found in lib/.  Each test names the target that found the
 * bug and holds the input it saved (reduced by hand where that reads
 * better).
 */
#include <string.h>

#include "mdx.h"
#include "tap.h"

/* fuzz-time: an offset carried the instant before 0000-01-01 or after
 * 9999-12-31, which formats as "-001-12-31T23:00:00Z" or
 * "10000-01-01T00:59:59Z" and then no longer parses. */
static void
time_offset_out_of_range(void)
{
	char buf[MDX_TIME_BUFSZ];
	mdx_time t, u;
	const char *s;

	s = "0000-01-01T00:00:00+01:00";
	ok(mdx_time_parse_rfc3339(s, strlen(s), &t) == -1,
	    "time: offset before year 0000 rejected");
	s = "9999-12-31T23:59:59-01:00";
	ok(mdx_time_parse_rfc3339(s, strlen(s), &t) == -1,
	    "time: offset after year 9999 rejected");
	s = "0000-01-01T01:00:00+01:00";
	ok(mdx_time_parse_rfc3339(s, strlen(s), &t) == 0,
	    "time: offset to the first instant of 0000 accepted");
	mdx_time_format(t, buf);
	is_str(buf, "0000-01-01T00:00:00Z", "time: ... and formatted");
	s = "9999-12-31T23:59:59.999Z";
	ok(mdx_time_parse_rfc3339(s, strlen(s), &t) == 0,
	    "time: the last instant of 9999 accepted");
	mdx_time_format(t, buf);
	ok(mdx_time_parse_rfc3339(buf, strlen(buf), &u) == 0 && u == t,
	    "time: ... and read back after formatting");
}

int
main(void)
{
	mdx_init("test-fuzzfound");
	time_offset_out_of_range();
	return done_testing();
}
