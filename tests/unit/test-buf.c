/*
 * test-buf.c - the growable buffer and the error helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

/* mdx_die() with the status *status, for tap_stderr_of(). */
static void
die(void *status)
{
	mdx_die(*(int *)status, "bad candle: high < low (at %s:%d)", "stdin",
	    42);
}

int
main(int argc, char *argv[])
{
	struct mdx_buf b = MDX_BUF_INIT;
	char msg[256], *p;
	size_t len;
	int i, status = MDX_EX_DATAERR;

	mdx_init(argv[0]);
	is_str(mdx_progname, "test-buf", "progname is the basename");

	mdx_buf_addstr(&b, "abc");
	mdx_buf_addch(&b, '-');
	mdx_buf_add(&b, "xyz", 2);
	is_str(b.data, "abc-xy", "add, addstr, addch");
	is_int(b.len, 6, "length counted");
	mdx_buf_printf(&b, "%d/%s", 42, "z");
	is_str(b.data, "abc-xy42/z", "printf appends");
	mdx_buf_reset(&b);
	is_str(b.data, "", "reset empties and keeps a C string");
	for (i = 0; i < 10000; i++)
		mdx_buf_printf(&b, "%04d", i % 10000);
	is_int(b.len, 40000, "grows past many doublings");
	ok(memcmp(b.data + 39996, "9999", 4) == 0, "tail intact after growth");
	mdx_buf_reset(&b);
	mdx_buf_printf(&b, "%s", "");
	is_int(b.len, 0, "empty printf adds nothing");
	mdx_buf_reset(&b);
	/* A long printf that does not fit the first attempt. */
	memset(msg, 'q', 200);
	msg[200] = '\0';
	mdx_buf_printf(&b, "<%s>", msg);
	is_int(b.len, 202, "printf longer than the free space");

	mdx_buf_reset(&b);
	mdx_buf_add_json_str(&b, "a\"b\\c\n\t\x01\xc3\xa9", 10);
	is_str(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\"",
	    "JSON string escapes quotes, backslashes, controls; keeps UTF-8");
	mdx_buf_reset(&b);
	mdx_buf_add_json_str(&b, "a\xff\xc3(b\0c\xe2\x82", 9);
	is_str(b.data, "\"a\\ufffd\\ufffd(b\\u0000c\\ufffd\\ufffd\"",
	    "JSON string: invalid UTF-8 becomes U+FFFD, NUL \\u0000");
	mdx_buf_reset(&b);
	mdx_buf_add_json_str(&b, "\xe2\x82\xac\xf0\x9f\x98\x80", 7);
	is_str(b.data, "\"\xe2\x82\xac\xf0\x9f\x98\x80\"",
	    "JSON string: valid multi-byte UTF-8 kept as it is");
	mdx_buf_reset(&b);
	mdx_buf_addch(&b, '{');
	mdx_buf_add_json_kv(&b, 1, "k", "v");
	mdx_buf_add_json_kv(&b, 0, "x\"", "y");
	mdx_buf_addch(&b, '}');
	is_str(b.data, "{\"k\":\"v\",\"x\\\"\":\"y\"}", "JSON key-value pairs");
	p = mdx_buf_detach(&b, &len);
	is_int(len, 19, "detach gives the length");
	ok(b.data == NULL && b.len == 0, "detach leaves the buffer empty");
	free(p);
	mdx_buf_free(&b);

	is_str(mdx_exit_name(MDX_EX_TEMPFAIL), "temporary failure",
	    "exit status names");
	is_int(MDX_EX_USAGE, 64, "usage is 64");
	is_int(MDX_EX_DATAERR, 65, "data error is 65");
	is_int(MDX_EX_UNAVAILABLE, 69, "unavailable is 69");
	is_int(MDX_EX_IOERR, 74, "i/o error is 74");
	is_int(MDX_EX_TEMPFAIL, 75, "temporary failure is 75");
	is_int(MDX_EX_CONFIG, 78, "config is 78");
	is_int(tap_stderr_of(die, &status, msg, sizeof(msg)), 65,
	    "mdx_die exits with its status");
	is_str(msg, "test-buf: bad candle: high < low (at stdin:42)\n",
	    "mdx_die prefixes the program name");

	p = mdx_strndup("hello", 3);
	is_str(p, "hel", "strndup");
	free(p);
	return done_testing();
}
