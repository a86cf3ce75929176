/*
 * test-fuzzfound.c - regression tests for the bugs the fuzzers in
 * tests/fuzz/ found in lib/.  Each test names the target that found the
 * bug and holds the input it saved (reduced by hand where that reads
 * better).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdx.h"
#include "tap.h"
#include "transform.h"

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

/* gzip members of '{"n":1}\n{"n":2}\n', '{"n":3}\n' and '' (mtime 0). */
static const unsigned char gz12[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56,
	0xca, 0x53, 0xb2, 0x32, 0xac, 0xe5, 0xaa, 0x06, 0xd1, 0x46, 0xb5, 0x5c,
	0x00, 0x45, 0xc6, 0x98, 0xbe, 0x10, 0x00, 0x00, 0x00
};
static const unsigned char gz3[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56,
	0xca, 0x53, 0xb2, 0x32, 0xae, 0xe5, 0x02, 0x00, 0xfd, 0xc5, 0x3a, 0x86,
	0x08, 0x00, 0x00, 0x00
};
static const unsigned char gz0[] = {
	0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x03, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
};

/*
 * Reads the file made of a[0..na) and b[0..nb) and returns a transcript:
 * the good lines, then "E<status> <reason>" for an error.
 */
static char *
read_gz(const void *a, size_t na, const void *b, size_t nb)
{
	static struct mdx_buf out = MDX_BUF_INIT;
	char path[] = "/tmp/test-fuzzfound.XXXXXX";
	struct mdx_reader *r;
	const char *line;
	char *paths[1];
	size_t len;
	int fd, rc;

	if ((fd = mkstemp(path)) == -1 || write(fd, a, na) != (ssize_t)na ||
	    write(fd, b, nb) != (ssize_t)nb || close(fd) == -1) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	mdx_buf_reset(&out);
	paths[0] = path;
	r = mdx_reader_open(paths, 1);
	while ((rc = mdx_reader_next(r, &line, &len)) != MDX_RD_EOF) {
		if (rc == MDX_RD_ERR) {
			mdx_buf_printf(&out, "E%d %s", mdx_reader_error_status(r),
			    strstr(mdx_reader_error(r), ": ") + 2);
			continue;
		}
		mdx_buf_add(&out, line, len);
		mdx_buf_addch(&out, ' ');
	}
	mdx_reader_close(r);
	unlink(path);
	return out.data != NULL ? out.data : "";
}

/*
 * fuzz-ndjson: libarchive ends quietly at bytes that do not start another
 * gzip member, so a gzip cut inside the header of its second member, or
 * with garbage after the last member, lost the rest without an error.
 */
static void
gzip_trailing_bytes(void)
{
	is_str(read_gz(gz12, sizeof(gz12), gz3, sizeof(gz3)),
	    "{\"n\":1} {\"n\":2} {\"n\":3} ",
	    "gzip: two members read whole");
	is_str(read_gz(gz12, sizeof(gz12), gz3, 5),
	    "{\"n\":1} {\"n\":2} E65 truncated or corrupt compressed data "
	    "after byte 33", "gzip: cut in the second header is an error");
	is_str(read_gz(gz12, sizeof(gz12), "junk\n", 5),
	    "{\"n\":1} {\"n\":2} E65 truncated or corrupt compressed data "
	    "after byte 33", "gzip: garbage after the last member is an error");
	is_str(read_gz(gz0, sizeof(gz0), gz12, sizeof(gz12)),
	    "{\"n\":1} {\"n\":2} ", "gzip: an empty member, then one");
	is_str(read_gz(gz0, sizeof(gz0), gz3, 7),
	    "E65 truncated or corrupt compressed data after byte 20",
	    "gzip: an empty member, then a cut header is an error");
	is_str(read_gz(gz0, sizeof(gz0), "", 0), "",
	    "gzip: one empty member is an empty input");
}

/* mdx_candle_parse() on a line: "ok", or the reason it gave. */
static const char *
rollup_parse(const char *line)
{
	static struct mdx_json_doc *doc;
	static char why[MDX_ERRSZ];
	struct mdx_candle c;

	if (doc == NULL)
		doc = mdx_json_doc_new();
	if (mdx_candle_parse(&c, line, strlen(line), doc, why,
	    sizeof(why)) == 0)
		return "ok";
	return why;
}

#define CANDLE_HEAD "{\"kind\":\"candle\",\"exchange\":\"binance\"," \
	"\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"interval\":\"1h\","
#define CANDLE_TAIL "\"open\":\"1\",\"high\":\"2\",\"low\":\"0.5\"," \
	"\"close\":\"1.5\",\"volume\":\"3\",\"quote_volume\":null," \
	"\"closed\":true,\"origin\":\"rollup\""

/*
 * fuzz-candle: the fast scanner of mdx_candle_parse() accepted lines that
 * mdx_candle_from_json() rejects: a repeated member whose first value is
 * bad (the scan kept the last), and numbers that are not JSON ("04",
 * "1-2").
 */
static void
rollup_scan_strict(void)
{
	is_str(rollup_parse(CANDLE_HEAD "\"open_time\":\"2024-01-01T00:00:00Z\","
	    CANDLE_TAIL ",\"base_count\":4,\"base_expected\":60}"), "ok",
	    "rollup scan: a good candle");
	is_str(rollup_parse(CANDLE_HEAD "\"open_time\":\"2024-01-01T00:00:00ZX\","
	    "\"open_time\":\"2024-01-01T00:00:00Z\"," CANDLE_TAIL "}"),
	    "bad \"open_time\": not an RFC 3339 time",
	    "rollup scan: a repeated member is read as mdx_json reads it");
	is_str(rollup_parse(CANDLE_HEAD "\"open_time\":\"2024-01-01T00:00:00Z\","
	    CANDLE_TAIL ",\"base_count\":04,\"base_expected\":60}"),
	    "bad JSON: invalid number (leading zero) at column 251",
	    "rollup scan: a leading zero is not JSON");
	is_str(rollup_parse(CANDLE_HEAD "\"open_time\":\"2024-01-01T00:00:00Z\","
	    CANDLE_TAIL ",\"x\":1-2}"),
	    "bad JSON: unexpected character '-' at column 243",
	    "rollup scan: 1-2 is not a JSON number");
}

/*
 * fuzz-candle: "closed":false left c->closed as the line before had set
 * it, so after a closed candle an open one was read as closed.
 */
static void
rollup_scan_reused(void)
{
	struct mdx_json_doc *doc = mdx_json_doc_new();
	struct mdx_candle c;
	char why[MDX_ERRSZ];
	const char *closed = CANDLE_HEAD "\"open_time\":\"2024-01-01T00:00:00Z\","
	    CANDLE_TAIL "}";
	const char *open = CANDLE_HEAD "\"open_time\":\"2024-01-01T01:00:00Z\","
	    "\"open\":\"1\",\"high\":\"2\",\"low\":\"0.5\",\"close\":\"1.5\","
	    "\"closed\":false,\"origin\":\"exchange\"}";

	ok(mdx_candle_parse(&c, closed, strlen(closed), doc, why,
	    sizeof(why)) == 0 && c.closed == 1, "candle scan: closed:true");
	ok(mdx_candle_parse(&c, open, strlen(open), doc, why,
	    sizeof(why)) == 0 && c.closed == 0,
	    "candle scan: closed:false after a closed candle is open");
	mdx_json_doc_free(doc);
}

/*
 * fuzz-depth: mdx-transform read a member named twice by its last
 * occurrence and ignored names written with escapes, while mdx-load (and
 * mdx_json_get()) read the first and undo the escapes; so a record could
 * be checked as one kind here and stored as another, or passed here and
 * refused there.
 */
static void
transform_member_twice(void)
{
	static const char *const lines[] = {
		/* mdx-load reads a candle: no interval, refused. */
		"{\"kind\":\"candle\",\"exchange\":\"binance\","
		    "\"market\":\"spot\",\"symbol\":\"X\","
		    "\"kind\":\"instrument\"}",
		"{\"k\\u0069nd\":\"candle\",\"exchange\":\"binance\","
		    "\"market\":\"spot\",\"symbol\":\"X\","
		    "\"kind\":\"instrument\"}",
		/* The depth's first "exchange" is not one mdx knows. */
		"{\"mdx\":\"raw\",\"exchange\":\"nyse\",\"market\":"
		    "\"spot\",\"kind\":\"depth\",\"symbol\":\"X\","
		    "\"time\":\"2024-01-01T00:00:00Z\",\"data\":{\"bids\":"
		    "[],\"asks\":[]},\"exchange\":\"binance\"}",
	};
	struct mdx_json_doc *doc = mdx_json_doc_new();
	struct mdx_tx_out tx;
	char err[MDX_ERRSZ], name[64];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memset(&tx, 0, sizeof(tx));
		snprintf(name, sizeof(name), "transform: member named twice, "
		    "line %zu: the first counts", i + 1);
		ok(mdx_transform(mdx_json_parse(doc, lines[i],
		    strlen(lines[i])), &tx, err, sizeof(err)) == -1, name);
		mdx_tx_out_free(&tx);
	}
	mdx_json_doc_free(doc);
}

/* fuzz-depth: a raw snapshot with a negative update id was written with
 * it, and mdx-load then refused the record mdx-transform had passed. */
static void
depth_negative_update_id(void)
{
	const char *line = "{\"mdx\":\"raw\",\"exchange\":\"binance\","
	    "\"market\":\"usdm\",\"kind\":\"depth\",\"symbol\":\"BTCU\","
	    "\"time\":\"2024-01-01T00:00:00Z\",\"data\":{\"lastUpdateId\":"
	    "-1027024,\"T\":158946922959,\"bids\":[[\"4\",\"431\"]],"
	    "\"asks\":[]}}";
	struct mdx_json_doc *doc = mdx_json_doc_new(), *doc2 = mdx_json_doc_new();
	struct mdx_tx_out tx;
	struct mdx_depth d;
	char err[MDX_ERRSZ];

	memset(&tx, 0, sizeof(tx));
	ok(mdx_transform(mdx_json_parse(doc, line, strlen(line)), &tx, err,
	    sizeof(err)) == MDX_TX_LINE, "depth: negative update id: written");
	ok(strstr(tx.line.data, "\"update_id\":null}") != NULL,
	    "depth: negative update id: as null");
	ok(mdx_depth_from_json(&d, mdx_json_parse(doc2, tx.line.data,
	    tx.line.len), err, sizeof(err)) == 0,
	    "depth: negative update id: the line written passes mdx-load's "
	    "check");
	mdx_tx_out_free(&tx);
	mdx_json_doc_free(doc);
	mdx_json_doc_free(doc2);
}

/* fuzz-instrument: an unknown status of 128 bytes or more was written as
 * it was, and mdx-load then refused the record mdx-transform had passed. */
static void
instrument_long_status(void)
{
	struct mdx_json_doc *doc = mdx_json_doc_new(), *doc2 = mdx_json_doc_new();
	struct mdx_buf line = MDX_BUF_INIT;
	struct mdx_tx_out tx;
	char err[MDX_ERRSZ], ex[MDX_NAME_MAX], mk[MDX_NAME_MAX];
	char sym[MDX_SYMBOL_MAX];
	int i;

	mdx_buf_addstr(&line, "{\"mdx\":\"raw\",\"exchange\":\"binance\","
	    "\"market\":\"spot\",\"kind\":\"instruments\",\"symbol\":"
	    "\"ETHBTC\",\"time\":\"2024-01-01T00:00:00Z\",\"data\":"
	    "{\"status\":\"T");
	for (i = 0; i < 130; i++)
		mdx_buf_addch(&line, 'X');
	mdx_buf_addstr(&line, "\",\"baseAsset\":\"ETH\"}}");
	memset(&tx, 0, sizeof(tx));
	ok(mdx_transform(mdx_json_parse(doc, line.data, line.len), &tx, err,
	    sizeof(err)) == MDX_TX_LINE, "instrument: long status: written");
	ok(strstr(tx.line.data, "\"status\":null}") != NULL,
	    "instrument: long status: as null");
	ok(mdx_instrument_check(mdx_json_parse(doc2, tx.line.data,
	    tx.line.len), ex, mk, sym, err, sizeof(err)) == 0,
	    "instrument: long status: the line written passes mdx-load's "
	    "check");
	mdx_tx_out_free(&tx);
	mdx_buf_free(&line);
	mdx_json_doc_free(doc);
	mdx_json_doc_free(doc2);
}

int
main(void)
{
	mdx_init("test-fuzzfound");
	time_offset_out_of_range();
	gzip_trailing_bytes();
	rollup_scan_strict();
	rollup_scan_reused();
	transform_member_twice();
	depth_negative_update_id();
	instrument_long_status();
	return done_testing();
}
