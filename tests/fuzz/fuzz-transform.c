/*
 * fuzz-transform.c - mdx_transform_fast(), the one-pass path for raw
 * Binance klines (tools/transform/transform.c), against mdx_json_parse() and
 * mdx_transform().
 *
 * The input is one or more lines, given to the fast path in turn, so that
 * a line may reuse the envelope kept from the one before.  Checked: every
 * line the fast path takes is valid JSON that mdx_transform() turns into
 * the same candle (the same written record, key, "closed" and fetch
 * time).
 */
#include <string.h>

#include "fuzz.h"
#include "transform.h"

static struct mdx_json_doc *doc;
static struct mdx_buf fast_json, slow_json;

static void
fuzz_setup(void)
{
	doc = mdx_json_doc_new();
}

static void
one(struct mdx_tx_out *fo, const char *s, size_t n)
{
	struct mdx_tx_out so = { .line = MDX_BUF_INIT, .tmp = MDX_BUF_INIT };
	struct mdx_json *root;
	char err[MDX_ERRSZ + 64];
	int t;

	if (mdx_transform_fast(s, n, fo) != MDX_TX_CANDLE)
		return;
	root = mdx_json_parse(doc, s, n);
	if (root == NULL)
		fuzz_show("line", s, n);
	FUZZ_CHECK(root != NULL, "the fast path took bad JSON: %s",
	    mdx_json_error(doc));
	t = mdx_transform(root, &so, err, sizeof(err));
	if (t != MDX_TX_CANDLE)
		fuzz_show("line", s, n);
	FUZZ_CHECK(t == MDX_TX_CANDLE, "the fast path took a line the slow "
	    "path does not: %s", t == -1 ? err : "another kind");
	mdx_buf_reset(&fast_json);
	mdx_buf_reset(&slow_json);
	mdx_candle_to_json(&fo->candle, &fast_json);
	mdx_candle_to_json(&so.candle, &slow_json);
	if (strcmp(fast_json.data, slow_json.data) != 0) {
		fuzz_show("line", s, n);
		fuzz_show("fast", fast_json.data, fast_json.len);
		fuzz_show("slow", slow_json.data, slow_json.len);
	}
	FUZZ_CHECK(strcmp(fast_json.data, slow_json.data) == 0,
	    "the two paths write different candles");
	FUZZ_CHECK(mdx_candle_same_key(&fo->candle, &so.candle) &&
	    fo->candle.closed == so.candle.closed &&
	    fo->candle.has == so.candle.has &&
	    fo->candle.fetched_at == so.candle.fetched_at,
	    "the two candles differ in key, closed or fetch time");
	mdx_tx_out_free(&so);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mdx_tx_out fo = { .line = MDX_BUF_INIT, .tmp = MDX_BUF_INIT };
	const char *p = (const char *)data, *end = p + size, *nl;
	char *copy;

	/* The reader hands out lines without their newline, NUL-free and
	 * valid UTF-8; the fast path must cope with anything all the same. */
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	p = copy;
	end = copy + size;
	while (p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		one(&fo, p, nl - p);
		p = nl + 1;
	}
	mdx_tx_out_free(&fo);
	free(copy);
	return 0;
}
