/*
 * fuzz-candle.c - the canonical candle record (lib/candle.c), the fast
 * candle scanner (mdx_candle_parse() in lib/candlescan.c)
 * and the raw-to-canonical mapping (mdx_transform() in tools/transform/transform.c).
 *
 * The input is one line.  Checked:
 * - mdx_candle_from_json() and mdx_candle_check() accept it or give a
 *   reason;
 * - a candle they accept is written by mdx_candle_to_json() as a line
 *   that is read back to the same candle and written the same again;
 * - mdx_candle_parse() agrees with them: it accepts exactly the valid
 *   JSON lines they accept, as the same candle, and gives a reason when
 *   it rejects; so does the stream scanner mdx_candle_scan(), after the
 *   line before and after the line itself;
 * - mdx_transform() returns a candle that passes the check and writes a
 *   line that reads back, or a canonical line that is valid JSON, or a
 *   reason.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz-tx.h"

static struct mdx_json_doc *doc, *doc2, *doc3;
static struct mdx_candle_scan *scan;
static struct mdx_buf out1, out2;

static void
fuzz_setup(void)
{
	doc = mdx_json_doc_new();
	doc2 = mdx_json_doc_new();
	doc3 = mdx_json_doc_new();
	scan = mdx_candle_scan_new();
}

static int
dec_same(const mdx_dec *a, const mdx_dec *b)
{
	return a->coef == b->coef && a->scale == b->scale;
}

/* Whether two candles hold the same record (as written). */
static int
candle_same(const struct mdx_candle *a, const struct mdx_candle *b)
{
	unsigned h = a->has;

	return mdx_candle_same_key(a, b) &&
	    mdx_candle_key_hash(a) == mdx_candle_key_hash(b) &&
	    a->has == b->has && dec_same(&a->open, &b->open) &&
	    dec_same(&a->high, &b->high) && dec_same(&a->low, &b->low) &&
	    dec_same(&a->close, &b->close) &&
	    (!(h & MDX_C_VOLUME) || dec_same(&a->volume, &b->volume)) &&
	    (!(h & MDX_C_QUOTE_VOLUME) ||
	    dec_same(&a->quote_volume, &b->quote_volume)) &&
	    (!(h & MDX_C_TRADES) || a->trades == b->trades) &&
	    (!(h & MDX_C_TAKER_BUY_VOLUME) ||
	    dec_same(&a->taker_buy_volume, &b->taker_buy_volume)) &&
	    (!(h & MDX_C_TAKER_BUY_QUOTE_VOLUME) ||
	    dec_same(&a->taker_buy_quote_volume, &b->taker_buy_quote_volume)) &&
	    a->closed == b->closed && a->origin == b->origin &&
	    (!(h & MDX_C_FETCHED_AT) || a->fetched_at == b->fetched_at) &&
	    (!(h & MDX_C_BASE_COUNT) || (a->base_count == b->base_count &&
	    a->base_expected == b->base_expected));
}

/* Writes c, reads it back, writes it again: the same line and candle. */
static void
round_trip(const struct mdx_candle *c, const char *what)
{
	struct mdx_candle c2;
	struct mdx_json *root;
	char err[MDX_ERRSZ];

	mdx_buf_reset(&out1);
	mdx_candle_to_json(c, &out1);
	FUZZ_CHECK(out1.len == strlen(out1.data), "%s: line has a NUL", what);
	FUZZ_CHECK(mdx_utf8_check(out1.data, out1.len) == -1,
	    "%s: line written is not valid UTF-8", what);
	root = mdx_json_parse(doc2, out1.data, out1.len);
	if (root == NULL)
		fuzz_show("written", out1.data, out1.len);
	FUZZ_CHECK(root != NULL, "%s: line written is not JSON: %s", what,
	    mdx_json_error(doc2));
	if (mdx_candle_from_json(&c2, root, err, sizeof(err)) != 0 ||
	    mdx_candle_check(&c2, err, sizeof(err)) != 0) {
		fuzz_show("written", out1.data, out1.len);
		FUZZ_CHECK(0, "%s: line written is rejected: %s", what, err);
	}
	if (!candle_same(c, &c2)) {
		fuzz_show("written", out1.data, out1.len);
		FUZZ_CHECK(0, "%s: read back as another candle", what);
	}
	mdx_buf_reset(&out2);
	mdx_candle_to_json(&c2, &out2);
	FUZZ_CHECK(out1.len == out2.len && memcmp(out1.data, out2.data,
	    out1.len) == 0, "%s: written differently the second time", what);
	FUZZ_CHECK(mdx_candle_supersedes(c, &c2) == 1 &&
	    mdx_candle_supersedes(&c2, c) == 1, "%s: supersedes a copy",
	    what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct mdx_candle c, rc, sc;
	struct mdx_tx_out tx;
	struct mdx_json *root;
	char err[MDX_ERRSZ], why[MDX_ERRSZ], why2[MDX_ERRSZ];
	int ok = 0, r, t, i;

	if (size > 8192)
		return 0;
	root = mdx_json_parse(doc, s, size);
	if (root != NULL) {
		memset(err, 0, sizeof(err));
		if (mdx_candle_from_json(&c, root, err, sizeof(err)) != 0)
			FUZZ_CHECK(err[0] != '\0', "from_json: no reason");
		else if (mdx_candle_check(&c, err, sizeof(err)) != 0)
			FUZZ_CHECK(err[0] != '\0', "check: no reason");
		else
			ok = 1;
		if (ok)
			round_trip(&c, "candle");
	}

	/* The fast scanner, on the lines the reader lets through. */
	if (mdx_utf8_check(s, size) == -1) {
		memset(why, 0, sizeof(why));
		r = mdx_candle_parse(&rc, s, size, doc3, why, sizeof(why));
		FUZZ_CHECK(r == 0 || r == -1, "rollup_parse returned %d", r);
		if (r != 0)
			FUZZ_CHECK(why[0] != '\0', "rollup_parse: no reason");
		if (ok) {
			FUZZ_CHECK(r == 0, "rollup_parse rejects a good candle: "
			    "%s", why);
			FUZZ_CHECK(candle_same(&c, &rc),
			    "rollup_parse reads another candle");
		} else if (r == 0)
			FUZZ_CHECK(0, "rollup_parse accepts a line the candle "
			    "parser rejects (%s)", root == NULL ?
			    mdx_json_error(doc) : err);
		for (i = 0; i < 2; i++) {
			memset(why2, 0, sizeof(why2));
			FUZZ_CHECK(mdx_candle_scan(scan, &sc, s, size, why2,
			    sizeof(why2)) == r, "candle_scan: another verdict");
			FUZZ_CHECK(r != 0 || candle_same(&rc, &sc),
			    "candle_scan reads another candle");
			FUZZ_CHECK(r == 0 || strcmp(why, why2) == 0,
			    "candle_scan: another reason");
		}
	}

	/* The raw-to-canonical mapping. */
	if (root != NULL) {
		t = fuzz_transform(root, &tx, err, sizeof(err));
		if (t == MDX_TX_CANDLE) {
			FUZZ_CHECK(mdx_candle_check(&tx.candle, err,
			    sizeof(err)) == 0, "transform: a candle that fails "
			    "the check: %s", err);
			round_trip(&tx.candle, "transform");
		}
		if (t == MDX_TX_LINE) {
			FUZZ_CHECK(mdx_utf8_check(tx.line.data, tx.line.len) ==
			    -1, "transform: line is not valid UTF-8");
			if (mdx_json_parse(doc2, tx.line.data, tx.line.len) ==
			    NULL)
				fuzz_show("line", tx.line.data, tx.line.len);
			FUZZ_CHECK(mdx_json_parse(doc2, tx.line.data,
			    tx.line.len) != NULL, "transform: line is not "
			    "JSON: %s", mdx_json_error(doc2));
		}
		mdx_tx_out_free(&tx);
	}
	return 0;
}
