/*
 * test-candle.c - the canonical candle record (lib/candle.c) and the
 * stream dedup (tools/transform/dedup.c): parse, write back, the checks, the key and
 * the duplicate rule.
 */
#include <string.h>

#include "mdx.h"
#include "dedup.h"
#include "tap.h"

static const char full[] =
    "{\"kind\":\"candle\",\"exchange\":\"binance\",\"market\":\"spot\","
    "\"symbol\":\"BTCUSDT\",\"interval\":\"1m\","
    "\"open_time\":\"2024-01-01T00:00:00Z\",\"open\":\"42283.58\","
    "\"high\":\"42298.62\",\"low\":\"42261.02\",\"close\":\"42285.01\","
    "\"volume\":\"35.92\",\"quote_volume\":\"1518922.1\",\"trades\":1362,"
    "\"taker_buy_volume\":\"18.1\",\"taker_buy_quote_volume\":\"765432.1\","
    "\"closed\":true,\"origin\":\"exchange\","
    "\"fetched_at\":\"2024-01-02T00:00:03.120Z\"}";

static const char rollup[] =
    "{\"kind\":\"candle\",\"exchange\":\"okx\",\"market\":\"swap\","
    "\"symbol\":\"BTC-USDT-SWAP\",\"interval\":\"1h\","
    "\"open_time\":\"2024-01-01T10:00:00Z\",\"open\":\"1\",\"high\":\"2\","
    "\"low\":\"0.5\",\"close\":\"1.5\",\"volume\":null,"
    "\"quote_volume\":null,\"closed\":false,\"origin\":\"rollup\","
    "\"base_count\":58,\"base_expected\":60,\"partial\":true}";

/* Parses text into c; returns 0 or -1 with the reason in err. */
static int
parse(struct mdx_json_doc *d, const char *text, struct mdx_candle *c,
    char *err)
{
	struct mdx_json *root;

	if ((root = mdx_json_parse(d, text, strlen(text))) == NULL) {
		strcpy(err, "not JSON");
		return -1;
	}
	return mdx_candle_from_json(c, root, err, MDX_ERRSZ);
}

/* The full record with one member's text replaced. */
static const char *
with(const char *from, const char *to)
{
	static char buf[2048];
	const char *p;

	p = strstr(full, from);
	if (p == NULL)
		return full;
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - full), full, to,
	    p + strlen(from));
	return buf;
}

static void
check_reason(struct mdx_json_doc *d, const char *text, const char *want,
    const char *name)
{
	struct mdx_candle c;
	char err[MDX_ERRSZ] = "";
	int r;

	r = parse(d, text, &c, err);
	if (r == 0)
		r = mdx_candle_check(&c, err, sizeof(err));
	ok(r == -1, name);
	is_str(err, want, name);
}

int
main(void)
{
	/* The full record with from replaced by to: rejected for want. */
	static const struct {
		const char *from, *to, *want, *name;
	} reasons[] = {
		/* Syntax. */
		{ ",\"high\":\"42298.62\"", "", "missing \"high\"",
		    "a missing member is named" },
		{ "\"42298.62\"", "\"NaN\"",
		    "bad \"high\": not a decimal number",
		    "NaN" },
		{ "\"1m\"", "\"7m\"", "bad \"interval\": not a known interval",
		    "unknown interval" },
		{ "\"exchange\",", "\"guess\",",
		    "bad \"origin\": not exchange, archive, rollup, filled or trades",
		    "unknown origin" },
		{ "\"symbol\":\"BTCUSDT\"", "\"symbol\":\"\"",
		    "bad \"symbol\": not a string of 1 to 127 bytes",
		    "empty symbol" },
		{ "\"symbol\":\"BTCUSDT\"", "\"symbol\":\"a\\u0000b\"",
		    "bad \"symbol\": not a string of 1 to 127 bytes",
		    "NUL in symbol" },
		{ "\"2024-01-01T00:00:00Z\"", "\"yesterday\"",
		    "bad \"open_time\": not an RFC 3339 time",
		    "bad time" },
		{ "\"kind\":\"candle\"", "\"kind\":\"depth\"",
		    "bad \"kind\": not \"candle\"",
		    "another kind" },
		/* The checks. */
		{ "\"42298.62\"", "\"42283.57\"", "high < open",
		    "high < open" },
		{ "\"42298.62\"", "\"42285.00\"", "high < close",
		    "high < close" },
		{ "\"42261.02\"", "\"42283.59\"", "low > open",
		    "low > open" },
		{ "\"42285.01\"", "\"42261.01\"", "low > close",
		    "low > close" },
		{ "\"35.92\"", "\"-0.01\"", "negative volume",
		    "negative volume" },
		{ "\"765432.1\"", "\"-1\"", "negative taker_buy_quote_volume",
		    "negative taker quote volume" },
		{ "00:00:00Z\",\"open\"", "00:00:30Z\",\"open\"",
		    "open_time not aligned to 1m",
		    "not aligned" },
		{ "\"spot\"", "\"Coin-M\"",
		    "bad \"market\" \"Coin-M\": not a code "
		    "([a-z][a-z0-9_-]{0,30})", "market not a code" },
		{ "\"binance\"", "\"Binance\"",
		    "bad \"exchange\" \"Binance\": not a code "
		    "([a-z][a-z0-9_-]{0,30})", "exchange not a code" },
	}, *r;
	struct mdx_json_doc *d = mdx_json_doc_new();
	struct mdx_buf b = MDX_BUF_INIT;
	struct mdx_candle c, a, x;
	const struct mdx_candle *ev;
	struct mdx_dedup *dd;
	char err[MDX_ERRSZ];
	int i, n;

	mdx_init("test-candle");

	/* Round trips: the writer gives back the very text it was read from. */
	ok(parse(d, full, &c, err) == 0, "a full candle parses");
	ok(mdx_candle_check(&c, err, sizeof(err)) == 0, "and passes the checks");
	is_int(c.trades, 1362, "trades");
	is_int(c.closed, 1, "closed");
	is_int(c.origin, MDX_ORIGIN_EXCHANGE, "origin");
	is_str(c.interval->code, "1m", "interval");
	mdx_candle_to_json(&c, &b);
	is_str(b.data, full, "written back byte for byte");

	ok(parse(d, rollup, &c, err) == 0, "a partial rollup parses");
	ok((c.has & (MDX_C_VOLUME | MDX_C_QUOTE_VOLUME)) == 0,
	    "null volumes are absent");
	is_int(c.base_count, 58, "base_count");
	is_int(c.base_expected, 60, "base_expected");
	ok((c.has & MDX_C_PARTIAL) != 0, "partial");
	mdx_buf_reset(&b);
	mdx_candle_to_json(&c, &b);
	is_str(b.data, rollup, "rollup written back byte for byte");

	/* Hostile symbols are escaped back. */
	ok(parse(d, with("\"BTCUSDT\"", "\"a\\\"b\\\\c\\td\\u00e9\""), &c,
	    err) == 0, "a hostile symbol parses");
	is_str(c.symbol, "a\"b\\c\td\xc3\xa9", "its text undone");
	mdx_buf_reset(&b);
	mdx_candle_to_json(&c, &b);
	ok(strstr(b.data, "\"symbol\":\"a\\\"b\\\\c\\td\xc3\xa9\"") != NULL,
	    "and escaped again when written");

	/* Syntax and the checks. */
	for (r = reasons; r < reasons + TAP_NROWS(reasons); r++)
		check_reason(d, with(r->from, r->to), r->want, r->name);
	ok(parse(d, with("\"42298.62\"", "\"42285.01000\""), &c, err) == 0 &&
	    mdx_candle_check(&c, err, sizeof(err)) == 0,
	    "high equal to close with more zeros passes");

	/* Keys and the duplicate rule. */
	parse(d, full, &a, err);
	parse(d, with("\"42285.01\"", "\"42285.00\""), &x, err);
	ok(mdx_candle_same_key(&a, &x), "same key with other values");
	ok(mdx_candle_key_hash(&a) == mdx_candle_key_hash(&x), "same hash");
	parse(d, with("\"BTCUSDT\"", "\"ETHUSDT\""), &x, err);
	ok(!mdx_candle_same_key(&a, &x), "another symbol is another key");
	parse(d, with("\"1m\"", "\"1h\""), &x, err);
	ok(!mdx_candle_same_key(&a, &x), "another interval is another key");

	parse(d, with("\"closed\":true", "\"closed\":false"), &x, err);
	ok(mdx_candle_supersedes(&a, &x), "closed replaces open");
	ok(!mdx_candle_supersedes(&x, &a), "open does not replace closed");
	parse(d, with("03.120Z", "04.000Z"), &x, err);
	ok(mdx_candle_supersedes(&x, &a), "a later fetch replaces");
	ok(!mdx_candle_supersedes(&a, &x), "an earlier fetch does not");
	ok(mdx_candle_supersedes(&a, &a), "a tie: the later record wins");

	/* The stream dedup: order of first appearance, bounded window. */
	dd = mdx_dedup_new(3);
	n = 0;
	for (i = 0; i < 5; i++) {
		parse(d, full, &x, err);
		x.open_time += i * MDX_MS_MINUTE;
		if (mdx_dedup_put(dd, &x, &ev) != 0)
			n++;
		if (i < 3)
			ok(ev == NULL, "nothing leaves a window not full");
		else
			ok(ev != NULL && ev->open_time == a.open_time +
			    (i - 3) * MDX_MS_MINUTE, "the oldest leaves first");
	}
	parse(d, with("\"42285.01\"", "\"42285.02\""), &x, err);
	x.open_time += 4 * MDX_MS_MINUTE;
	x.fetched_at += 1000;
	ok(mdx_dedup_put(dd, &x, &ev) == 1 && ev == NULL,
	    "a held duplicate is caught");
	x.open_time = a.open_time;
	ok(mdx_dedup_put(dd, &x, &ev) == 0, "one that left the window is not");
	is_int(n, 0, "distinct candles are not duplicates");
	n = 0;
	while ((ev = mdx_dedup_pop(dd)) != NULL) {
		if (ev->open_time == a.open_time + 4 * MDX_MS_MINUTE)
			is_str(mdx_dec_format(&ev->close, err) > 0 ? err : "",
			    "42285.02", "the later fetch replaced the held one");
		n++;
	}
	is_int(n, 3, "the window's candles come out at the end");
	mdx_dedup_free(dd);

	mdx_buf_free(&b);
	mdx_json_doc_free(d);
	return done_testing();
}
