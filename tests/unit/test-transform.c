/*
 * test-transform.c - mdx_transform_fast(), the one-pass path for raw
 * Binance klines, against mdx_json_parse() and mdx_transform(): every line
 * the fast path takes must become the very same candle on the slow path,
 * on hand-made tricky lines and on many random mutations of good ones.
 * Lines the fast path declines are left to the slow path, which the other
 * tests (tests/transform.t) cover.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "transform.h"
#include "tap.h"

static const char base[] =
    "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":\"spot\","
    "\"kind\":\"klines\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\","
    "\"time\":\"2024-01-01T00:00:00Z\",\"source\":\"rest\","
    "\"request\":\"GET /api/v3/klines?symbol=BTCUSDT&interval=1m\","
    "\"fetched_at\":\"2024-12-02T00:00:03.120Z\",\"closed\":true,"
    "\"data\":[1704067200000,\"44200.39438293\",\"44260.39438293\","
    "\"44140.39438293\",\"44206.05636740\",\"79.84400335\",1704067259999,"
    "\"3646589.43174714\",987,\"16.76113779\",\"1536459.18962381\","
    "\"0\"]}";

static struct mdx_json_doc *doc;
static struct mdx_tx_out fo = { .line = MDX_BUF_INIT, .tmp = MDX_BUF_INIT };
static struct mdx_tx_out so = { .line = MDX_BUF_INIT, .tmp = MDX_BUF_INIT };
static struct mdx_buf fbuf = MDX_BUF_INIT, sbuf = MDX_BUF_INIT;

/*
 * Runs both paths on s[0..n).  Returns 1 when the fast path took the line
 * and the slow path made the same candle of it (the written record and the
 * members dedup looks at), 0 when the fast path declined it, -1 when the
 * two disagree.
 */
static int
compare(const char *s, size_t n)
{
	struct mdx_json *root;
	char err[MDX_ERRSZ + 64];
	int k;

	if (mdx_transform_fast(s, n, &fo) != MDX_TX_CANDLE)
		return 0;
	if ((root = mdx_json_parse(doc, s, n)) == NULL ||
	    (k = mdx_transform(root, &so, err, sizeof(err))) !=
	    MDX_TX_CANDLE) {
		printf("# fast took, slow did not: %.*s\n", (int)n, s);
		return -1;
	}
	mdx_buf_reset(&fbuf);
	mdx_buf_reset(&sbuf);
	mdx_candle_to_json(&fo.candle, &fbuf);
	mdx_candle_to_json(&so.candle, &sbuf);
	if (strcmp(fbuf.data, sbuf.data) != 0 ||
	    !mdx_candle_same_key(&fo.candle, &so.candle) ||
	    fo.candle.closed != so.candle.closed ||
	    fo.candle.has != so.candle.has ||
	    fo.candle.fetched_at != so.candle.fetched_at ||
	    mdx_candle_supersedes(&fo.candle, &so.candle) != 1) {
		printf("# different candles: %.*s\n#  fast: %s\n#  slow: %s\n",
		    (int)n, s, fbuf.data, sbuf.data);
		return -1;
	}
	return 1;
}

/* The base line with the first `from` replaced by `to`. */
static const char *
with(const char *from, const char *to)
{
	static char buf[2048];
	const char *p;

	if ((p = strstr(base, from)) == NULL)
		return "(no such text)";
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - base), base, to,
	    p + strlen(from));
	return buf;
}

/* compare() on the base line with from replaced by to. */
static int
edited(const char *from, const char *to)
{
	const char *s = with(from, to);

	return compare(s, strlen(s));
}

static void
taken(const char *s, const char *name)
{
	ok(compare(s, strlen(s)) == 1, name);
}

static void
declined(const char *s, const char *name)
{
	ok(compare(s, strlen(s)) == 0, name);
}

static void
test_cases(void)
{
	/* Edits of the base line: 1, the fast path takes the edited line;
	 * 0, it declines it. */
	static const struct tap_pair_row edits[] = {
		{ "\"closed\":true,", "", 1,
		    "no \"closed\": from fetched_at and the close time" },
		{ "\"closed\":true,", "\"closed\":null,", 1,
		    "\"closed\" null: from fetched_at" },
		{ "\"closed\":true,", "\"closed\":\"yes\",", 1,
		    "\"closed\" a string: from fetched_at" },
		{ "\"2024-12-02T00:00:03.120Z\"", "\"2024-01-01T00:00:30Z\"", 1,
		    "fetched before the close: open" },
		{ "\"2024-12-02T00:00:03.120Z\"", "null", 1,
		    "fetched_at null" },
		{ "\"44200.39438293\"", "44200.39438293", 1,
		    "a decimal as a JSON number" },
		{ "\"44200.39438293\"", "44200", 1,
		    "an integer as a decimal" },
		{ "\"79.84400335\"", "\"0079.84400335\"", 1,
		    "leading zeros in a decimal string" },
		{ "\"79.84400335\"", "\"0.000000000000000001\"", 1,
		    "nineteen digits" },
		{ "\"79.84400335\"", "\"9999999999.999999999\"", 1,
		    "nineteen nines" },
		{ "\"79.84400335\"", "\"0.0000000000000000001\"", 0,
		    "twenty digits: slow path" },
		{ "1704067200000,", "\"1704067200000\",", 1,
		    "the open time as a string" },
		{ "987,", "\"0000987\",", 1,
		    "trades as a string, zeros first" },
		{ "987,", "0,", 1,
		    "zero trades" },
		{ "\"0\"]", "\"0\",[1,{\"a\":2}],\"x\\\"\",-1.5e3]", 0,
		    "nested and odd elements after the twelfth: slow path" },
		{ "\"source\":\"rest\",", "\"extra\":[1,2],", 0,
		    "an array member: slow path" },
		{ "\"source\":\"rest\",", "\"source\":7,", 1,
		    "a number source" },
		{ "BTCUSDT\",\"interval", "BTC\\u0055SDT\",\"interval", 0,
		    "an escaped symbol: slow path" },
		{ "\"0\"]", "\"0\",1,2,3,4,5,6,7,8,9]", 1,
		    "more than sixteen elements" },
		{ "\"time\":\"2024-01-01T00:00:00Z\"", "\"time\":\"\xc3\xa9\"",
		    0,
		    "non-ASCII: slow path" },
		{ "\"rest\"", "\"archive\"", 0,
		    "archive rows: slow path" },
		{ "binance", "bybit", 0,
		    "other exchanges: slow path" },
		{ "\"0\"]", "\"0\",", 0,
		    "a trailing comma: bad JSON" },
		{ "\"44260.39438293\"", "\"44000\"", 0,
		    "high < open: rejected" },
		{ "\"79.84400335\"", "\"-79.84400335\"", 0,
		    "a negative volume: rejected" },
		{ "\"79.84400335\"", "\"1e3\"", 0,
		    "an exponent: slow path" },
		{ "\"79.84400335\"", "079.84400335", 0,
		    "a leading zero in a JSON number: bad JSON" },
		{ "\"79.84400335\"", "79.", 0,
		    "\"79.\": bad JSON" },
		{ "\"79.84400335\"", "\"79.\"", 0,
		    "\"79.\": not a decimal" },
		{ "1704067200000,", "1704067200001,", 0,
		    "not aligned: rejected" },
		{ "\"1m\"", "\"7m\"", 0,
		    "an unknown interval: rejected" },
		{ "\"spot\"", "\"coinm\"", 0,
		    "an unknown market: rejected" },
		{ "\"closed\":true,", "\"closed\":true,\"closed\":false,", 0,
		    "a member twice: slow path" },
		{ "}", "}x", 0,
		    "trailing characters: bad JSON" },
		{ "\"mdx\":\"raw\",", "", 0,
		    "no \"mdx\": canonical" },
		{ "\"closed\":true,\"data", "\"closed\":tru,\"data", 0,
		    "a broken literal: bad JSON" },
	};

	taken(base, "the line mdx-extract writes");
	taken(" \t{ \"mdx\" : \"raw\" ,\"exchange\":\"binance\",\"market\":"
	    "\"usdm\",\"kind\":\"klines\",\"symbol\":\"ETHUSDT\",\"interval\":"
	    "\"1h\",\"closed\":false,\"data\":[ 1704067200000 , \"1\" , \"2\" ,"
	    "\"0.5\",\"1.5\",\"0\",1704070799999,\"0.000\",0,\"0\",\"0\" ] }\r ",
	    "white space everywhere, usdm, no fetched_at");
	taken("{\"data\":[1704067200000,\"1\",\"2\",\"0.5\",\"1.5\",\"0\","
	    "1704070799999,\"0\",0,\"0\",\"0\"],\"closed\":true,\"kind\":"
	    "\"klines\",\"interval\":\"1h\",\"symbol\":\"X\",\"market\":"
	    "\"spot\",\"exchange\":\"binance\",\"mdx\":\"raw\"}",
	    "members in another order, eleven fields");
	is_int_rows2(edited, edits);
	declined("{\"mdx\":\"raw\"}", "a raw record without data: rejected");
}

static uint64_t rng = UINT64_C(0x9e3779b97f4a7c15);

static unsigned
rnd(unsigned n)
{
	return (unsigned)(tap_xorshift(&rng) % n);
}

/*
 * Random edits of good lines: bytes replaced, inserted, deleted or
 * doubled, from an alphabet of the bytes that matter to the scanner.
 */
static void
test_mutations(void)
{
	static const char alpha[] = "0123456789.-+eE\"\\ \t,:[]{}truefalsn"
	    "ul\x01\x7f\xc3\xa9\xff";
	static const char *seeds[3];
	char line[2048];
	size_t n, at, k;
	long took = 0, wrong = 0, i;
	int r, e, edits;

	seeds[0] = base;
	seeds[1] = "{\"data\":[1704067200000,\"1\",\"2\",\"0.5\",\"1.5\","
	    "\"0\",1704070799999,\"0\",0,\"0\",\"0\"],\"closed\":true,"
	    "\"kind\":\"klines\",\"interval\":\"1h\",\"symbol\":\"X\","
	    "\"market\":\"spot\",\"exchange\":\"binance\",\"mdx\":\"raw\"}";
	seeds[2] = "{\"mdx\":\"raw\",\"exchange\":\"binance\",\"market\":"
	    "\"usdm\",\"kind\":\"klines\",\"symbol\":\"E\",\"interval\":\"1d\","
	    "\"fetched_at\":\"2024-01-02T00:00:00Z\",\"data\":[1704067200000,"
	    "1,2,0.5,1.5,0,1704153599999,0.0,7,\"0\",\"0\",\"0\"]}";
	for (i = 0; i < 300000; i++) {
		strcpy(line, seeds[i % 3]);
		n = strlen(line);
		edits = 1 + rnd(3);
		for (e = 0; e < edits && n > 2; e++) {
			at = rnd((unsigned)n);
			switch (rnd(4)) {
			case 0:
				line[at] = alpha[rnd(sizeof(alpha) - 1)];
				break;
			case 1:
				memmove(line + at + 1, line + at, n - at + 1);
				line[at] = alpha[rnd(sizeof(alpha) - 1)];
				n++;
				break;
			case 2:
				memmove(line + at, line + at + 1, n - at);
				n--;
				break;
			default:
				k = 1 + rnd(8);
				if (at + k > n || n + k >= sizeof(line))
					break;
				memmove(line + at + k, line + at, n - at + 1);
				n += k;
				break;
			}
		}
		if ((r = compare(line, n)) < 0)
			wrong++;
		else
			took += r;
	}
	ok(wrong == 0, "random edits: the fast path never disagrees");
	ok(took > 1000, "random edits: the fast path takes many lines");
	printf("# fast path took %ld of %ld edited lines\n", took, i);
}

int
main(void)
{
	mdx_init("test-transform");
	doc = mdx_json_doc_new();
	test_cases();
	test_mutations();
	mdx_json_doc_free(doc);
	return done_testing();
}
