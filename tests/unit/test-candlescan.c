/*
 * test-candlescan.c - mdx_candle_parse() (lib/candlescan.c) against the
 * slow path it stands for: mdx_json_parse(), mdx_candle_from_json() and
 * mdx_candle_check().  Its fast paths (the writer's layout read in place,
 * the general member scan, the quick check, and the stream scanner's
 * memory of the line before) must accept exactly the lines the slow path
 * accepts, as the same candle, and reject the others with the same
 * reason.  Every line below is tried as it is and with every
 * byte deleted, replaced and preceded by each of a set of characters
 * chosen to break the fast paths' assumptions (quotes, escapes, digits,
 * points, signs, separators, control characters).
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

static struct mdx_json_doc *doc_fast, *doc_slow;
static struct mdx_candle_scan *scan;

struct result {
	int rc;
	struct mdx_candle c;
	char why[MDX_ERRSZ];
};

static void
slow(const char *s, size_t n, struct result *r)
{
	struct mdx_json *root;

	memset(r, 0, sizeof(*r));
	if ((root = mdx_json_parse(doc_slow, s, n)) == NULL) {
		snprintf(r->why, sizeof(r->why), "bad JSON: %s",
		    mdx_json_error(doc_slow));
		r->rc = -1;
	} else if (mdx_candle_from_json(&r->c, root, r->why,
	    sizeof(r->why)) != 0 ||
	    mdx_candle_check(&r->c, r->why, sizeof(r->why)) != 0)
		r->rc = -1;
}

/* mdx_candle_parse(), or with sc the stream scanner. */
static void
fast(struct mdx_candle_scan *sc, const char *s, size_t n, struct result *r)
{
	memset(r, 0, sizeof(*r));
	/* Stale values, as a caller's candle holds from the line before. */
	memset(&r->c, 0x5a, sizeof(r->c));
	if (sc != NULL)
		r->rc = mdx_candle_scan(sc, &r->c, s, n, r->why,
		    sizeof(r->why));
	else
		r->rc = mdx_candle_parse(&r->c, s, n, doc_fast, r->why,
		    sizeof(r->why));
}

static int
dec_same(const mdx_dec *a, const mdx_dec *b)
{
	return a->coef == b->coef && a->scale == b->scale;
}

/* The same record, and the same values where an absent member leaves
 * them (the rollup engine reads volumes without looking at has). */
static int
candle_same(const struct mdx_candle *a, const struct mdx_candle *b)
{
	return strcmp(a->exchange, b->exchange) == 0 &&
	    strcmp(a->market, b->market) == 0 &&
	    strcmp(a->symbol, b->symbol) == 0 &&
	    a->interval == b->interval && a->open_time == b->open_time &&
	    a->has == b->has && dec_same(&a->open, &b->open) &&
	    dec_same(&a->high, &b->high) && dec_same(&a->low, &b->low) &&
	    dec_same(&a->close, &b->close) &&
	    dec_same(&a->volume, &b->volume) &&
	    dec_same(&a->quote_volume, &b->quote_volume) &&
	    a->trades == b->trades &&
	    dec_same(&a->taker_buy_volume, &b->taker_buy_volume) &&
	    dec_same(&a->taker_buy_quote_volume, &b->taker_buy_quote_volume) &&
	    a->closed == b->closed && a->origin == b->origin &&
	    a->fetched_at == b->fetched_at &&
	    a->base_count == b->base_count &&
	    a->base_expected == b->base_expected;
}

static int shown;

static int
same_result(const struct result *a, const struct result *b, const char *s,
    size_t n, const char *how)
{
	int same;

	if (a->rc != b->rc)
		same = 0;
	else if (a->rc == 0)
		same = candle_same(&a->c, &b->c);
	else
		same = strcmp(a->why, b->why) == 0;
	if (!same && shown++ < 5)
		printf("#   %.*s\n#   slow: %d %s\n#   %s: %d %s\n", (int)n,
		    s, a->rc, a->why, how, b->rc, b->why);
	return same;
}

/*
 * Whether the fast paths agree with the slow path on s[0..n): alone, in a
 * stream after the line prev (when not NULL), and after itself.  Shows the
 * first disagreements.
 */
static int
agree(const char *s, size_t n, const char *prev)
{
	struct result a, b;
	int same;

	slow(s, n, &a);
	fast(NULL, s, n, &b);
	same = same_result(&a, &b, s, n, "fast");
	if (prev != NULL)
		fast(scan, prev, strlen(prev), &b);
	fast(scan, s, n, &b);
	same &= same_result(&a, &b, s, n, "stream");
	fast(scan, s, n, &b);
	same &= same_result(&a, &b, s, n, "again");
	return same;
}

static const char mutants[] = "\"\\09.-,}: xe\x01\x7f";

/* The line and its one-byte mutants; the number of disagreements. */
static int
mutate(const char *line)
{
	char buf[1024];
	size_t n = strlen(line), i, k;
	int bad = 0;

	bad += !agree(line, n, NULL);
	for (i = 0; i < n; i++) {
		/* Deleted. */
		memcpy(buf, line, i);
		memcpy(buf + i, line + i + 1, n - i - 1);
		bad += !agree(buf, n - 1, line);
		for (k = 0; k < sizeof(mutants) - 1; k++) {
			/* Replaced. */
			memcpy(buf, line, n);
			buf[i] = mutants[k];
			bad += !agree(buf, n, line);
			/* Inserted. */
			memcpy(buf, line, i);
			buf[i] = mutants[k];
			memcpy(buf + i + 1, line + i, n - i);
			bad += !agree(buf, n + 1, line);
		}
	}
	return bad;
}

#define HEAD "{\"kind\":\"candle\",\"exchange\":\"binance\"," \
	"\"market\":\"spot\",\"symbol\":\"BTCUSDT\",\"interval\":\"1m\"," \
	"\"open_time\":\"2024-01-01T00:00:00Z\","
#define PRICES "\"open\":\"40627.07\",\"high\":\"40627.18\"," \
	"\"low\":\"40626.37\",\"close\":\"40626.57\","

static const char *const lines[] = {
	/* As mdx-transform writes Binance candles. */
	HEAD PRICES "\"volume\":\"968.28110350\","
	"\"quote_volume\":\"612.72074314\",\"trades\":2128,"
	"\"taker_buy_volume\":\"994.45527112\","
	"\"taker_buy_quote_volume\":\"488.13893358\",\"closed\":true,"
	"\"origin\":\"exchange\"}",
	/* Nulls, an open candle, fetched_at with milliseconds. */
	"{\"kind\":\"candle\",\"exchange\":\"okx\",\"market\":\"swap\","
	"\"symbol\":\"BTC-USDT-SWAP\",\"interval\":\"1h\","
	"\"open_time\":\"2024-02-29T23:00:00Z\",\"open\":\"0\","
	"\"high\":\"0.5\",\"low\":\"0\",\"close\":\"0.25\",\"volume\":null,"
	"\"quote_volume\":null,\"closed\":false,\"origin\":\"archive\","
	"\"fetched_at\":\"2024-03-01T00:00:03.120Z\"}",
	/* A rollup, partial, at a month interval. */
	"{\"kind\":\"candle\",\"exchange\":\"bybit\",\"market\":\"linear\","
	"\"symbol\":\"ETHUSDT\",\"interval\":\"1M\","
	"\"open_time\":\"2024-03-01T00:00:00Z\",\"open\":\"3000\","
	"\"high\":\"3100.5\",\"low\":\"2999.99\",\"close\":\"3050\","
	"\"volume\":\"12\",\"quote_volume\":\"36000\",\"trades\":0,"
	"\"closed\":true,\"origin\":\"rollup\",\"base_count\":0,"
	"\"base_expected\":31,\"partial\":true}",
	/* Filled, weekly, with fetched_at without fraction. */
	"{\"kind\":\"candle\",\"exchange\":\"binance\",\"market\":\"usdm\","
	"\"symbol\":\"X\",\"interval\":\"1w\","
	"\"open_time\":\"2024-01-01T00:00:00Z\",\"open\":\"-0\","
	"\"high\":\"0.00\",\"low\":\"0.000\",\"close\":\"0\","
	"\"volume\":\"0\",\"quote_volume\":null,\"closed\":true,"
	"\"origin\":\"filled\",\"fetched_at\":\"2024-01-08T00:00:00Z\","
	"\"base_count\":7,\"base_expected\":7}",
	/* Checks the quick check must leave to mdx_candle_check(). */
	HEAD "\"open\":\"2\",\"high\":\"1\",\"low\":\"1\",\"close\":\"1\","
	"\"volume\":null,\"quote_volume\":null,\"closed\":true,"
	"\"origin\":\"exchange\"}",
	HEAD "\"open\":\"1\",\"high\":\"1.00\",\"low\":\"0.9999\","
	"\"close\":\"1.0\",\"volume\":\"-1\",\"quote_volume\":null,"
	"\"closed\":true,\"origin\":\"exchange\"}",
	"{\"kind\":\"candle\",\"exchange\":\"binance\",\"market\":\"swap\","
	"\"symbol\":\"BTCUSDT\",\"interval\":\"1h\","
	"\"open_time\":\"2023-02-29T01:00:00Z\"," PRICES
	"\"volume\":null,\"quote_volume\":null,\"closed\":true,"
	"\"origin\":\"exchange\"}",
	"{\"kind\":\"candle\",\"exchange\":\"binance\",\"market\":\"spot\","
	"\"symbol\":\"BTCUSDT\",\"interval\":\"1d\","
	"\"open_time\":\"2024-12-31T01:00:00Z\"," PRICES
	"\"volume\":null,\"quote_volume\":null,\"closed\":true,"
	"\"origin\":\"exchange\"}",
	/* Numbers at the limits of the fast paths. */
	HEAD "\"open\":\"123456789012345678\",\"high\":\"1234567890123456789\","
	"\"low\":\"0.000000000000000001\",\"close\":\"99999999999999999.9\","
	"\"volume\":\"12345678901234567890\",\"quote_volume\":\"0123.50\","
	"\"trades\":999999999999999999,\"closed\":true,"
	"\"origin\":\"exchange\",\"base_count\":2147483647,"
	"\"base_expected\":2147483648}",
	HEAD PRICES "\"volume\":\"1.\",\"quote_volume\":\".5\","
	"\"trades\":-1,\"taker_buy_volume\":\"1e3\",\"closed\":true,"
	"\"origin\":\"exchange\"}",
	/* Another order, spaces, escapes, an unknown member, a repeat. */
	"{\"open_time\":\"2024-01-01T00:00:00Z\",\"kind\":\"candle\","
	"\"exchange\":\"binance\",\"market\":\"spot\",\"symbol\":\"BTCUSDT\","
	"\"interval\":\"1m\"," PRICES "\"closed\":true,"
	"\"origin\":\"exchange\",\"x\":[1,{\"y\":null}]}",
	" { \"kind\" : \"candle\" , \"exchange\":\"bin\\u0061nce\","
	"\"market\":\"spot\",\"symbol\":\"BTC\\\"USDT\",\"interval\":\"1m\","
	"\"open_time\":\"2024-01-01T00:00:00Z\"," PRICES
	"\"closed\":true,\"origin\":\"exchange\",\"closed\":false} ",
};

/* Lines a canonical writer produces, round-tripped: the fast path must
 * read back exactly what was written. */
static void
round_trips(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	struct result r;
	struct mdx_candle c;
	int bad = 0, i;

	memset(&c, 0, sizeof(c));
	strcpy(c.exchange, "binance");
	strcpy(c.market, "spot");
	strcpy(c.symbol, "BTCUSDT");
	c.interval = mdx_interval_lookup("1m");
	c.origin = MDX_ORIGIN_EXCHANGE;
	for (i = 0; i < 2000; i++) {
		c.open_time = (int64_t)i * 997 * MDX_MS_MINUTE;
		c.open.coef = i * 7919 % 100003;
		c.open.scale = i % 9;
		c.close.coef = i * 104729 % 100003;
		c.close.scale = i % 5;
		c.high = *mdx_dec_max(&c.open, &c.close);
		c.low = *mdx_dec_min(&c.open, &c.close);
		c.volume.coef = (__int128)i * 1000000007 * 1000000007;
		c.volume.scale = i % 19;
		c.trades = i;
		c.closed = i % 3 != 0;
		c.has = (unsigned)i & 0xff;
		c.base_count = i % 61;
		c.base_expected = 60;
		c.fetched_at = c.open_time + i;
		mdx_buf_reset(&b);
		mdx_candle_to_json(&c, &b);
		bad += !agree(b.data, b.len, NULL);
		fast(NULL, b.data, b.len, &r);
		bad += r.rc != 0;
	}
	ok(bad == 0, "written candles read back the same by both paths");
	mdx_buf_free(&b);
}

/*
 * Every length of decimal from 1 to 20 digits with the point at every
 * place, with and without a sign and leading zeros, as a volume: the
 * fast paths convert short ones without a loop, in pieces that depend on
 * the length and on where the point is.
 */
static void
decimals(void)
{
	static const char digits[] = "98765432101234567890";
	char num[40], line[512];
	int bad = 0, nd, k, sign, zeros, n, i;

	for (nd = 1; nd <= 20; nd++)
		for (k = 0; k <= nd; k++)
			for (sign = 0; sign < 2; sign++)
				for (zeros = 0; zeros < 2; zeros++) {
					n = 0;
					if (sign)
						num[n++] = '-';
					for (i = 0; i < nd; i++) {
						if (i == k && k > 0)
							num[n++] = '.';
						num[n++] = zeros && i < k ?
						    '0' : digits[i];
					}
					num[n] = '\0';
					snprintf(line, sizeof(line), HEAD PRICES
					    "\"volume\":\"%s\","
					    "\"quote_volume\":null,"
					    "\"closed\":true,"
					    "\"origin\":\"exchange\"}", num);
					bad += !agree(line, strlen(line),
					    NULL);
				}
	is_int(bad, 0, "decimals of every length read the same by both "
	    "paths");
}

/*
 * A mark candle read by the JSON path, then a trade candle by the fast
 * path into the same struct: the second is a trade candle again, and the
 * first prints back byte for byte.
 */
static void
price_types(void)
{
	static const char mark[] = "{\"kind\":\"candle\",\"exchange\":"
	    "\"binance\",\"market\":\"usdm\",\"symbol\":\"BTCUSDT\","
	    "\"interval\":\"1m\",\"price\":\"mark\",\"open_time\":"
	    "\"2024-01-01T00:00:00Z\",\"open\":\"1.5\",\"high\":\"2\","
	    "\"low\":\"1\",\"close\":\"1.5\",\"closed\":true,"
	    "\"origin\":\"exchange\"}";
	static const char trade[] = "{\"kind\":\"candle\",\"exchange\":"
	    "\"binance\",\"market\":\"usdm\",\"symbol\":\"BTCUSDT\","
	    "\"interval\":\"1m\",\"open_time\":\"2024-01-01T00:01:00Z\","
	    "\"open\":\"1.5\",\"high\":\"2\",\"low\":\"1\","
	    "\"close\":\"1.5\",\"volume\":\"1\",\"quote_volume\":\"1\","
	    "\"closed\":true,\"origin\":\"exchange\"}";
	struct mdx_candle c;
	struct mdx_buf b = MDX_BUF_INIT;
	char why[MDX_ERRSZ];

	ok(mdx_candle_scan(scan, &c, mark, strlen(mark), why,
	    sizeof(why)) == 0 && c.price == MDX_PRICE_MARK,
	    "a mark candle is read with its price type");
	mdx_candle_to_json(&c, &b);
	is_str(b.data, mark, "... and printed back as it was");
	ok(mdx_candle_scan(scan, &c, trade, strlen(trade), why,
	    sizeof(why)) == 0 && c.price == MDX_PRICE_TRADE,
	    "the trade candle after it is a trade candle");
	mdx_buf_free(&b);
}

int
main(void)
{
	size_t i;
	char name[64];

	mdx_init("test-candlescan");
	doc_fast = mdx_json_doc_new();
	doc_slow = mdx_json_doc_new();
	scan = mdx_candle_scan_new();
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(name, sizeof(name), "line %zu and its mutants: both "
		    "paths agree", i + 1);
		is_int(mutate(lines[i]), 0, name);
	}
	round_trips();
	decimals();
	price_types();
	mdx_json_doc_free(doc_fast);
	mdx_json_doc_free(doc_slow);
	mdx_candle_scan_free(scan);
	return done_testing();
}
