/*
 * fuzz-depth.c - order book records: the raw depth envelopes of Binance,
 * Bybit and OKX and the canonical depth record, through mdx_transform()
 * (tools/transform/transform.c) and mdx_depth_from_json() (lib/candle.c),
 * the check mdx-load applies before it stores a snapshot.
 *
 * The input is one line.  Checked:
 * - a record mdx_transform() rejects has a reason;
 * - a canonical depth record is accepted by mdx_transform() exactly when
 *   mdx_depth_from_json() accepts it, so mdx-transform passes nothing
 *   mdx-load refuses;
 * - every depth line mdx_transform() writes is valid UTF-8 and JSON, is
 *   accepted by mdx_depth_from_json(), keeps as many levels per side as
 *   the input gave, has a time of the years 1970 to 9999 and no level
 *   whose price or quantity is zero or negative (read from the text, not
 *   with the decimal parser), and is written the same again when it is
 *   transformed a second time (the canonical form is a fixed point).
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz-tx.h"

static struct mdx_json_doc *doc, *doc2;

static void
fuzz_setup(void)
{
	doc = mdx_json_doc_new();
	doc2 = mdx_json_doc_new();
}

/* The book sides of the record the input holds, NULL when it has none. */
static void
input_sides(const struct mdx_json *root, const struct mdx_json **bids,
    const struct mdx_json **asks)
{
	const struct mdx_json *d, *ex;

	*bids = *asks = NULL;
	if (mdx_json_get(root, "mdx") == NULL) {
		*bids = mdx_json_get(root, "bids");
		*asks = mdx_json_get(root, "asks");
		return;
	}
	d = mdx_json_get(root, "data");
	if (d != NULL && d->type == MDX_JSON_ARRAY && d->nchild == 1)
		d = d->child;
	ex = mdx_json_get(root, "exchange");
	if (mdx_json_str_eq(ex, "bybit")) {
		*bids = mdx_json_get(d, "b");
		*asks = mdx_json_get(d, "a");
	} else {
		*bids = mdx_json_get(d, "bids");
		*asks = mdx_json_get(d, "asks");
	}
}

/* Checks one side of a written book: levels of two positive strings. */
static void
check_side(const struct mdx_json *side, const struct mdx_json *in,
    const char *name)
{
	const struct mdx_json *lv;

	FUZZ_CHECK(side != NULL && side->type == MDX_JSON_ARRAY,
	    "written %s is not an array", name);
	FUZZ_CHECK(in != NULL && in->type == MDX_JSON_ARRAY &&
	    in->nchild == side->nchild, "written %s has %u levels, the input "
	    "%u", name, side->nchild, in != NULL ? in->nchild : 0);
	for (lv = side->child; lv != NULL; lv = lv->next) {
		FUZZ_CHECK(lv->type == MDX_JSON_ARRAY && lv->nchild == 2 &&
		    lv->child->type == MDX_JSON_STRING &&
		    lv->child->next->type == MDX_JSON_STRING,
		    "a written %s level is not two strings", name);
		FUZZ_CHECK(fuzz_text_positive(lv->child) &&
		    fuzz_text_positive(lv->child->next),
		    "a written %s level has a price or quantity that is not "
		    "positive", name);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const struct mdx_json *root, *out, *bids, *asks;
	struct mdx_tx_out tx;
	struct mdx_depth d;
	char err[MDX_ERRSZ + 64], why[MDX_ERRSZ];
	int t, canon, ok;

	if (size > 16384 || (root = mdx_json_parse(doc, s, size)) == NULL)
		return 0;
	t = fuzz_transform(root, &tx, err, sizeof(err));

	/* A canonical depth record: the same verdict as mdx-load's. */
	canon = mdx_json_get(root, "mdx") == NULL &&
	    mdx_json_str_eq(mdx_json_get(root, "kind"), "depth");
	if (canon) {
		memset(why, 0, sizeof(why));
		ok = mdx_depth_from_json(&d, root, why, sizeof(why)) == 0;
		if (!ok)
			FUZZ_CHECK(why[0] != '\0', "depth check: no reason");
		if (ok != (t == MDX_TX_LINE))
			fuzz_show("line", s, size);
		FUZZ_CHECK(ok == (t == MDX_TX_LINE), "mdx-transform %s a "
		    "depth record mdx-load %s (%s)", ok ? "rejects" : "passes",
		    ok ? "stores" : "refuses", ok ? err : why);
	}
	if (t != MDX_TX_LINE ||
	    !mdx_json_str_eq(mdx_json_get(root, "kind"), "depth")) {
		mdx_tx_out_free(&tx);
		return 0;
	}

	/* The line written: what mdx-load stores. */
	FUZZ_CHECK(mdx_utf8_check(tx.line.data, tx.line.len) == -1,
	    "written line is not valid UTF-8");
	out = mdx_json_parse(doc2, tx.line.data, tx.line.len);
	if (out == NULL)
		fuzz_show("written", tx.line.data, tx.line.len);
	FUZZ_CHECK(out != NULL, "written line is not JSON: %s",
	    mdx_json_error(doc2));
	memset(why, 0, sizeof(why));
	if (mdx_depth_from_json(&d, out, why, sizeof(why)) != 0) {
		fuzz_show("line", s, size);
		fuzz_show("written", tx.line.data, tx.line.len);
		FUZZ_CHECK(0, "mdx-load refuses the line written: %s", why);
	}
	FUZZ_CHECK(MDX_TIME_STORABLE(d.time) &&
	    fuzz_text_year_ok(mdx_json_get(out, "time")),
	    "written time outside the years 1970 to 9999");
	input_sides(root, &bids, &asks);
	check_side(mdx_json_get(out, "bids"), bids, "bids");
	check_side(mdx_json_get(out, "asks"), asks, "asks");

	/* Transformed again, the line is written the same. */
	fuzz_fixed_point(out, tx.line.data, tx.line.len);
	mdx_tx_out_free(&tx);
	return 0;
}
