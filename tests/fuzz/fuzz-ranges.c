/*
 * fuzz-ranges.c - the gap records mdx-extract --ranges reads
 * (extract_range_parse() in tools/extract/plan.c): one JSON object per
 * line naming an exchange, market, symbol and interval and the range from
 * "from" up to "to".
 *
 * The input is one line.  Checked:
 * - a record rejected has a reason;
 * - a record accepted names a market mdx knows that offers the interval,
 *   the exchange, market, symbol and interval the line holds, a symbol of
 *   1 to 64 letters, digits, "-", "_" and "." (a model written here), and
 *   a range that is not empty and lies within the years 1970 to 9999;
 * - written back as a gap record, with its times in RFC 3339, it is read
 *   again as the same range.
 */
#include <string.h>

#include "fuzz.h"
#include "extract.h"
#include "market.h"

/* What mdx-extract's main.c would hold. */
struct opts opt;
mdx_time extract_now_ms;

void
extract_fail(int status)
{
	FUZZ_CHECK(0, "the run failed (%d) while reading one record", status);
}

static struct mdx_json_doc *doc;
static struct mdx_buf b, val;

static void
fuzz_setup(void)
{
	extract_doc = mdx_json_doc_new();
	doc = mdx_json_doc_new();
}

static int
symbol_model(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

/* Whether the member key of root is the string s. */
static int
member_is(const struct mdx_json *root, const char *key, const char *s)
{
	const struct mdx_json *v = mdx_json_get(root, key);

	return v != NULL && v->type == MDX_JSON_STRING &&
	    mdx_json_str(v, &val) != NULL && strcmp(val.data, s) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const struct mdx_json *root;
	struct extract_range r, r2;
	char err[512], tf[MDX_TIME_BUFSZ], tt[MDX_TIME_BUFSZ];

	if (size > 4096)
		return 0;
	memset(err, 0, sizeof(err));
	if (extract_range_parse(s, size, &r, err, sizeof(err)) != 0) {
		FUZZ_CHECK(err[0] != '\0', "a record rejected with no reason");
		return 0;
	}
	FUZZ_CHECK(r.m != NULL && r.iv != NULL &&
	    mdx_market_interval(r.m, r.iv) != NULL,
	    "accepted without a market offering the interval");
	FUZZ_CHECK(symbol_model(r.symbol), "accepted the symbol '%s'",
	    r.symbol);
	FUZZ_CHECK(r.from < r.to, "accepted an empty range");
	if (!MDX_TIME_STORABLE(r.from) || !MDX_TIME_STORABLE(r.to))
		fuzz_show("line", s, size);
	FUZZ_CHECK(MDX_TIME_STORABLE(r.from) && MDX_TIME_STORABLE(r.to),
	    "accepted a range outside the years 1970 to 9999 (%lld to %lld)",
	    (long long)r.from, (long long)r.to);
	root = mdx_json_parse(doc, s, size);
	FUZZ_CHECK(root != NULL, "accepted a line that is not JSON");
	FUZZ_CHECK(member_is(root, "exchange", r.m->exchange) &&
	    member_is(root, "market", r.m->market) &&
	    member_is(root, "symbol", r.symbol) &&
	    member_is(root, "interval", r.iv->code),
	    "accepted as another exchange, market, symbol or interval");

	/* Written back, read the same. */
	mdx_time_format(r.from, tf);
	mdx_time_format(r.to, tt);
	mdx_buf_reset(&b);
	mdx_buf_addch(&b, '{');
	mdx_buf_add_json_kv(&b, 1, "exchange", r.m->exchange);
	mdx_buf_add_json_kv(&b, 0, "market", r.m->market);
	mdx_buf_add_json_kv(&b, 0, "symbol", r.symbol);
	mdx_buf_add_json_kv(&b, 0, "interval", r.iv->code);
	if (r.kind != MDX_KIND_KLINES)
		mdx_buf_add_json_kv(&b, 0, "price",
		    r.kind == MDX_KIND_MARK_KLINES ? "mark" :
		    r.kind == MDX_KIND_INDEX_KLINES ? "index" : "premium");
	mdx_buf_add_json_kv(&b, 0, "from", tf);
	mdx_buf_add_json_kv(&b, 0, "to", tt);
	mdx_buf_addch(&b, '}');
	if (extract_range_parse(b.data, b.len, &r2, err, sizeof(err)) != 0) {
		fuzz_show("written", b.data, b.len);
		FUZZ_CHECK(0, "the record written back is rejected: %s", err);
	}
	FUZZ_CHECK(r2.m == r.m && r2.iv == r.iv && r2.kind == r.kind &&
	    strcmp(r2.symbol, r.symbol) == 0 && r2.from == r.from &&
	    r2.to == r.to, "the record written back is another range");
	return 0;
}
