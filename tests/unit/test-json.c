/*
 * test-json.c - the JSON line parser: strict RFC 8259, errors with their
 * column, numbers kept exact, escapes, accessors and re-serialisation.
 *
 *	test-json            the TAP tests
 *	test-json bench [N]  parses a Binance kline envelope N times with
 *	                     mdx_json_parse and with jansson, and prints
 *	                     the time per parse of each and their ratio
 *	test-json parse [F...] parses every line of F (or stdin) and prints
 *	                     "lines N nodes N bad N"; bad lines are reported
 *	                     on stderr (bench/io.sh)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "mdx.h"
#include "tap.h"

static struct mdx_json_doc *doc;

static const char kline[] =
    "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\","
    "\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\","
    "\"time\":\"2024-01-01T00:00:00Z\",\"source\":\"rest\","
    "\"fetched_at\":\"2024-01-02T00:00:03.120Z\",\"closed\":true,"
    "\"data\":[1704067200000,\"42283.58000000\",\"42298.62000000\","
    "\"42261.02000000\",\"42285.01000000\",\"35.92724000\","
    "1704067259999,\"1518922.13457490\",1362,\"18.10290000\","
    "\"765432.10000000\",\"0\"]}";

/* Parses s; returns the compact dump, or "ERR: reason". */
static const char *
dump(const char *s)
{
	static struct mdx_buf b;
	struct mdx_json *v;

	mdx_buf_reset(&b);
	if ((v = mdx_json_parse(doc, s, strlen(s))) == NULL) {
		mdx_buf_printf(&b, "ERR: %s", mdx_json_error(doc));
		return b.data;
	}
	mdx_buf_addstr(&b, "");
	mdx_json_dump(v, &b);
	return b.data;
}

/* Good texts come back from dump() without their white space, bad ones
 * give their error with its column. */
static void
test_dump(void)
{
	static const struct tap_str_row valid[] = {
		{ "{}", "{}",
		    "empty object" },
		{ "[]", "[]",
		    "empty array" },
		{ " \t\r\n[ 1 , 2 ,\n3 ] \r\n", "[1,2,3]",
		    "white space everywhere allowed is dropped by dump" },
		{ "null", "null",
		    "scalar root null" },
		{ "true", "true",
		    "scalar root true" },
		{ "\"s\"", "\"s\"",
		    "scalar root string" },
		{ "-0", "-0",
		    "-0 kept as text" },
		{ "[0,-1,1.5,-0.0,1e5,1E+5,2.5e-8,"
		    "123456789012345678901234567890]",
		    "[0,-1,1.5,-0.0,1e5,1E+5,2.5e-8,"
		    "123456789012345678901234567890]",
		    "numbers kept byte-exact, big ones too" },
		{ "99999999999.99999999", "99999999999.99999999",
		    "99999999999.99999999 exact" },
		{ "{\"a\":{\"b\":[{\"c\":null}]},\"d\":\"\\u00e9\\n\"}",
		    "{\"a\":{\"b\":[{\"c\":null}]},\"d\":\"\\u00e9\\n\"}",
		    "nested; escapes re-emitted raw" },
		{ "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		    "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		    "all simple escapes" },
		{ "\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\"",
		    "surrogate pair" },
		{ "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		    "raw UTF-8" },
		{ "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}",
		    "duplicate keys kept (RFC 8259 allows them)" },
		{ kline, kline,
		    "a Binance kline envelope round-trips" },
	}, invalid[] = {
		{ "", "ERR: empty JSON text",
		    "empty text" },
		{ "   ", "ERR: empty JSON text",
		    "blank text" },
		{ "[1,2,]", "ERR: unexpected character ']' at column 6",
		    "trailing comma in array" },
		{ "{\"a\":1,}", "ERR: unexpected character '}' at column 8",
		    "trailing comma in object" },
		{ "[,1]", "ERR: unexpected character ',' at column 2",
		    "leading comma" },
		{ "[1 2]", "ERR: unexpected character '2' at column 4",
		    "missing comma" },
		{ "{\"a\" 1}", "ERR: unexpected character '1' at column 6",
		    "missing colon" },
		{ "{a:1}", "ERR: unexpected character 'a' at column 2",
		    "unquoted key" },
		{ "{1:1}", "ERR: unexpected character '1' at column 2",
		    "number key" },
		{ "[NaN]", "ERR: unexpected character 'N' at column 2",
		    "NaN" },
		{ "[Infinity]", "ERR: unexpected character 'I' at column 2",
		    "Infinity" },
		{ "[-Infinity]", "ERR: invalid number at column 2",
		    "-Infinity" },
		{ "[01]", "ERR: invalid number (leading zero) at column 2",
		    "leading zero" },
		{ "[-01]", "ERR: invalid number (leading zero) at column 2",
		    "negative leading zero" },
		{ "[1.]", "ERR: invalid number at column 2",
		    "no digit after the point" },
		{ "[.5]", "ERR: unexpected character '.' at column 2",
		    "no digit before the point" },
		{ "[1e]", "ERR: invalid number at column 2",
		    "empty exponent" },
		{ "[+1]", "ERR: unexpected character '+' at column 2",
		    "plus sign" },
		{ "[-]", "ERR: invalid number at column 2",
		    "lone minus" },
		{ "[0x10]", "ERR: unexpected character 'x' at column 3",
		    "hex" },
		{ "[tru]", "ERR: unexpected character ']' at column 5",
		    "truncated literal" },
		{ "[True]", "ERR: unexpected character 'T' at column 2",
		    "capitalised literal" },
		{ "nul", "ERR: unexpected end of input at column 4",
		    "literal cut by the end" },
		{ "[1,2", "ERR: unexpected end of input at column 5",
		    "unclosed array" },
		{ "{\"a\":", "ERR: unexpected end of input at column 6",
		    "value missing at the end" },
		{ "[\"abc", "ERR: unterminated string at column 2",
		    "unterminated string" },
		{ "[\"abc\\", "ERR: unterminated string at column 2",
		    "unterminated string ending in a backslash" },
		{ "[\"a\tb\"]", "ERR: control character in string at column 4",
		    "raw tab in a string" },
		{ "[\"a\nb\"]", "ERR: control character in string at column 4",
		    "raw newline in a string" },
		{ "[\"\\x\"]", "ERR: invalid escape at column 3",
		    "unknown escape" },
		{ "[\"\\u12\"]", "ERR: invalid escape at column 3",
		    "short \\u escape" },
		{ "[\"\\u12G4\"]", "ERR: invalid escape at column 3",
		    "bad hex digit" },
		{ "[\"\\ud83d\"]", "ERR: invalid escape at column 3",
		    "lone high surrogate" },
		{ "[\"\\ud83dx\"]", "ERR: invalid escape at column 3",
		    "high surrogate followed by text" },
		{ "[\"\\ud83d\\u0041\"]", "ERR: invalid escape at column 3",
		    "high surrogate followed by a non-surrogate" },
		{ "[\"\\ude00\"]", "ERR: invalid escape at column 3",
		    "lone low surrogate" },
		{ "[\"\xc0\xaf\"]", "ERR: invalid UTF-8 in string at column 3",
		    "overlong in string" },
		{ "[\"\xed\xa0\x80\"]",
		    "ERR: invalid UTF-8 in string at column 3",
		    "UTF-8 surrogate in string" },
		{ "[\"\xe2\x82\"]", "ERR: invalid UTF-8 in string at column 3",
		    "truncated UTF-8 in string" },
		{ "{} x", "ERR: trailing characters at column 4",
		    "trailing characters" },
		{ "{}{}", "ERR: trailing characters at column 3",
		    "two texts on a line" },
		{ "[1]]", "ERR: trailing characters at column 4",
		    "extra bracket" },
		{ "[\x01]", "ERR: unexpected byte 0x01 at column 2",
		    "control byte outside strings" },
	};

	is_str_rows(dump, valid);
	is_str_rows(dump, invalid);
	{
		/* An embedded NUL: the length, not the NUL, ends the text. */
		struct mdx_json *v = mdx_json_parse(doc, "[1,\0]", 5);

		ok(v == NULL, "NUL inside the text is rejected");
		is_str(mdx_json_error(doc),
		    "unexpected byte 0x00 at column 4", "NUL with its column");
		v = mdx_json_parse(doc, "[1]x", 3);
		ok(v != NULL && v->nchild == 1,
		    "bytes after n are not looked at");
	}
}

static void
test_depth(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	int i;

	for (i = 0; i < 64; i++)
		mdx_buf_addch(&b, '[');
	for (i = 0; i < 64; i++)
		mdx_buf_addch(&b, ']');
	ok(mdx_json_parse(doc, b.data, b.len) != NULL,
	    "nesting of exactly 64 is accepted");
	mdx_buf_reset(&b);
	for (i = 0; i < 65; i++)
		mdx_buf_addstr(&b, i % 2 ? "[" : "{\"k\":");
	ok(mdx_json_parse(doc, b.data, b.len) == NULL,
	    "nesting of 65 is rejected");
	is_str(mdx_json_error(doc), "nesting deeper than 64 at column 193",
	    "depth error with its column");
	mdx_buf_reset(&b);
	for (i = 0; i < 100000; i++)
		mdx_buf_addch(&b, '[');
	ok(mdx_json_parse(doc, b.data, b.len) == NULL,
	    "100000 open brackets do not blow the stack");
	mdx_buf_free(&b);
}

static void
test_access(void)
{
	struct mdx_buf s = MDX_BUF_INIT;
	struct mdx_json *v, *d;
	int64_t n;
	const char *text =
	    "{\"s\":\"plain\",\"e\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\u20ac"
	    "\\ud83d\\ude00\\u0000z\",\"k\\u0065y\":1,\"n\":-42,"
	    "\"big\":9223372036854775807,\"min\":-9223372036854775808,"
	    "\"over\":9223372036854775808,\"under\":-9223372036854775809,"
	    "\"frac\":1.0,\"exp\":1e3,\"sd\":\"1704067200000\","
	    "\"sneg\":\"-7\",\"sx\":\"12a\",\"sempty\":\"\",\"sminus\":\"-\","
	    "\"esc\":\"\\u0031\",\"t\":true,\"arr\":[10,\"x\",[],{}],"
	    "\"nul\":null}";

	v = mdx_json_parse(doc, text, strlen(text));
	if (!ok(v != NULL, "accessor document parses"))
		printf("# %s\n", mdx_json_error(doc));
	if (v == NULL)
		return;
	is_int(v->nchild, 19, "object child count");
	is_str(mdx_json_str(mdx_json_get(v, "s"), &s), "plain", "plain string");
	ok(!mdx_json_get(v, "s")->escaped, "plain string not escaped");
	d = mdx_json_get(v, "e");
	ok(d != NULL && d->escaped, "escaped string flagged");
	ok(mdx_json_str(d, &s) != NULL && s.len == 19 &&
	    memcmp(s.data, "a\"b\\c/d\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\0z", 19) == 0, "escapes undone, \\u to UTF-8, pairs joined");
	ok(mdx_json_str_eq(mdx_json_get(v, "s"), "plain"), "str_eq plain");
	ok(!mdx_json_str_eq(mdx_json_get(v, "s"), "plai"), "str_eq prefix");
	ok(!mdx_json_str_eq(mdx_json_get(v, "s"), "plainx"), "str_eq longer");
	ok(mdx_json_str_eq(mdx_json_get(v, "esc"), "1"), "str_eq escaped");
	ok(!mdx_json_str_eq(mdx_json_get(v, "n"), "-42"),
	    "str_eq is false for a number");
	ok(mdx_json_get(v, "key") != NULL, "get finds an escaped key");
	ok(mdx_json_get(v, "nope") == NULL, "get: missing key");
	ok(mdx_json_get(mdx_json_get(v, "arr"), "x") == NULL,
	    "get on an array is NULL");
	ok(mdx_json_str(mdx_json_get(v, "n"), &s) == NULL,
	    "str of a number is NULL");

	ok(mdx_json_int(mdx_json_get(v, "n"), &n) == 0 && n == -42, "int -42");
	ok(mdx_json_int(mdx_json_get(v, "big"), &n) == 0 && n == INT64_MAX,
	    "int INT64_MAX");
	ok(mdx_json_int(mdx_json_get(v, "min"), &n) == 0 && n == INT64_MIN,
	    "int INT64_MIN");
	is_int(mdx_json_int(mdx_json_get(v, "over"), &n), -1,
	    "int overflow rejected");
	is_int(mdx_json_int(mdx_json_get(v, "under"), &n), -1,
	    "int underflow rejected");
	is_int(mdx_json_int(mdx_json_get(v, "frac"), &n), -1,
	    "1.0 is not an int");
	is_int(mdx_json_int(mdx_json_get(v, "exp"), &n), -1,
	    "1e3 is not an int");
	ok(mdx_json_int(mdx_json_get(v, "sd"), &n) == 0 &&
	    n == INT64_C(1704067200000), "int from a string of digits");
	ok(mdx_json_int(mdx_json_get(v, "sneg"), &n) == 0 && n == -7,
	    "int from \"-7\"");
	is_int(mdx_json_int(mdx_json_get(v, "sx"), &n), -1, "\"12a\" is not");
	is_int(mdx_json_int(mdx_json_get(v, "sempty"), &n), -1, "\"\" is not");
	is_int(mdx_json_int(mdx_json_get(v, "sminus"), &n), -1, "\"-\" is not");
	is_int(mdx_json_int(mdx_json_get(v, "t"), &n), -1, "true is not");
	is_int(mdx_json_int(NULL, &n), -1, "NULL is not");

	d = mdx_json_get(v, "arr");
	ok(d != NULL && d->type == MDX_JSON_ARRAY && d->nchild == 4,
	    "array with 4 elements");
	ok(mdx_json_int(mdx_json_at(d, 0), &n) == 0 && n == 10, "at 0");
	ok(mdx_json_str_eq(mdx_json_at(d, 1), "x"), "at 1");
	ok(mdx_json_at(d, 2)->type == MDX_JSON_ARRAY &&
	    mdx_json_at(d, 2)->nchild == 0, "at 2: empty array");
	ok(mdx_json_at(d, 3)->type == MDX_JSON_OBJECT, "at 3: object");
	ok(mdx_json_at(d, 4) == NULL, "at beyond the end is NULL");
	ok(mdx_json_at(v, 0) == NULL, "at on an object is NULL");
	ok(mdx_json_get(v, "nul")->type == MDX_JSON_NULL, "null type");
	ok(mdx_json_get(v, "t")->type == MDX_JSON_TRUE, "true type");
	mdx_buf_free(&s);
}

/* Many nodes in one text, then a small one, then many again: pointers
 * stay valid across chunk growth and reuse. */
static void
test_growth(void)
{
	struct mdx_buf b = MDX_BUF_INIT, o = MDX_BUF_INIT;
	struct mdx_json *v, *c;
	int i, good = 1;
	unsigned k;
	int64_t n;

	mdx_buf_addch(&b, '[');
	for (i = 0; i < 20000; i++)
		mdx_buf_printf(&b, "%s{\"i\":%d,\"a\":[%d]}", i ? "," : "", i,
		    -i);
	mdx_buf_addch(&b, ']');
	for (k = 0; k < 3; k++) {
		v = mdx_json_parse(doc, b.data, b.len);
		if (v == NULL || v->nchild != 20000) {
			good = 0;
			break;
		}
		for (c = v->child, i = 0; c != NULL; c = c->next, i++)
			if (mdx_json_int(mdx_json_get(c, "i"), &n) != 0 ||
			    n != i ||
			    mdx_json_int(mdx_json_at(mdx_json_get(c, "a"), 0),
			    &n) != 0 || n != -i)
				good = 0;
		mdx_buf_reset(&o);
		mdx_json_dump(v, &o);
		if (o.len != b.len || memcmp(o.data, b.data, b.len) != 0)
			good = 0;
		if (mdx_json_parse(doc, "[1]", 3) == NULL)
			good = 0;
	}
	ok(good, "100000 nodes: every pointer valid, dump exact, reuse");
	mdx_buf_free(&b);
	mdx_buf_free(&o);
}

static double
elapsed_ns(const struct timespec *t0, const struct timespec *t1)
{
	return (t1->tv_sec - t0->tv_sec) * 1e9 + (t1->tv_nsec - t0->tv_nsec);
}

static int
bench(int n)
{
	struct timespec t0, t1;
	struct mdx_json *v;
	json_error_t e;
	json_t *j;
	size_t len = strlen(kline);
	double mdx, jn;
	int i, m, sum = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < n; i++) {
		v = mdx_json_parse(doc, kline, len);
		sum += v->nchild;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	mdx = elapsed_ns(&t0, &t1) / n;
	/* CPU time, so that other programs on the machine count less.
	 * jansson is slower; a tenth of the rounds is enough. */
	m = n / 10 > 0 ? n / 10 : 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (i = 0; i < m; i++) {
		j = json_loadb(kline, len, 0, &e);
		sum += json_object_size(j);
		json_decref(j);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	jn = elapsed_ns(&t0, &t1) / m;
	printf("%zu-byte kline envelope: mdx_json_parse %.0f ns, "
	    "jansson json_loadb %.0f ns; ratio: mdx is %.1fx the speed of "
	    "jansson (%d)\n", len, mdx, jn, jn / mdx, sum > 0);
	return 0;
}

/* Parses one line for parse(), adding its nodes to *nodes. */
static int
parse_line(const char *line, size_t len, struct mdx_pos pos, void *nodes)
{
	struct mdx_json *v;

	if ((v = mdx_json_parse(doc, line, len)) == NULL) {
		mdx_warn("bad JSON: %s (at %s:%lu)", mdx_json_error(doc),
		    pos.name, pos.line);
		return -1;
	}
	*(unsigned long *)nodes += v->nchild + 1;
	return 0;
}

static int
parse(char **paths, int n)
{
	struct mdx_reader *r = mdx_reader_open(paths, n);
	unsigned long lines = 0, nodes = 0, bad;

	bad = tap_each_line(r, parse_line, &nodes, &lines);
	mdx_reader_close(r);
	printf("lines %lu nodes %lu bad %lu\n", lines, nodes, bad);
	return bad > 0 ? MDX_EX_DATAERR : 0;
}

int
main(int argc, char **argv)
{
	doc = mdx_json_doc_new();
	if (argc > 1 && strcmp(argv[1], "parse") == 0) {
		mdx_init(argv[0]);
		return parse(argv + 2, argc - 2);
	}
	if (argc > 1 && strcmp(argv[1], "bench") == 0)
		return bench(argc > 2 ? atoi(argv[2]) : 2000000);
	test_dump();
	test_depth();
	test_access();
	test_growth();
	mdx_json_doc_free(doc);
	return done_testing();
}
