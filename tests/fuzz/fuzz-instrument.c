/*
 * fuzz-instrument.c - instrument records: the raw instrument envelopes of
 * Binance, Bybit and OKX and the canonical instrument record, through
 * mdx_transform() (tools/transform/transform.c) and mdx_instrument_check()
 * (lib/candle.c), the check mdx-load applies before it stores one.
 *
 * The input is one line.  Checked:
 * - a record mdx_transform() rejects has a reason;
 * - a canonical instrument record is accepted by mdx_transform() exactly
 *   when mdx_instrument_check() accepts it;
 * - every instrument line mdx_transform() writes is valid UTF-8 and JSON,
 *   accepted by mdx_instrument_check() with the identity of the input,
 *   has every tick, lot and contract size null or greater than zero (read
 *   from the text, not with the decimal parser) and every member of the
 *   canonical form, and is written the same again when it is transformed
 *   a second time.
 */
#include <string.h>

#include "fuzz.h"
#include "fuzz-tx.h"

static struct mdx_json_doc *doc, *doc2;
static struct mdx_buf name;

static void
fuzz_setup(void)
{
	doc = mdx_json_doc_new();
	doc2 = mdx_json_doc_new();
}

/* Whether the member key of the input holds the C string s. */
static int
same_name(const struct mdx_json *root, const char *key, const char *s)
{
	const struct mdx_json *v = mdx_json_get(root, key);

	return v != NULL && mdx_json_str(v, &name) != NULL &&
	    strcmp(name.data, s) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const members[] = { "kind", "exchange", "market",
	    "symbol", "base", "quote", "tick_size", "lot_size",
	    "contract_size", "status" };
	static const char *const sizes[] = { "tick_size", "lot_size",
	    "contract_size" };
	const char *s = (const char *)data;
	const struct mdx_json *root, *out, *v;
	struct mdx_tx_out tx;
	char err[MDX_ERRSZ + 64], why[MDX_ERRSZ];
	char ex[MDX_NAME_MAX], mk[MDX_NAME_MAX], sym[MDX_SYMBOL_MAX];
	size_t i;
	int t, canon, raw, ok;

	if (size > 16384 || (root = mdx_json_parse(doc, s, size)) == NULL)
		return 0;
	t = fuzz_transform(root, &tx, err, sizeof(err));

	canon = mdx_json_get(root, "mdx") == NULL &&
	    mdx_json_str_eq(mdx_json_get(root, "kind"), "instrument");
	raw = mdx_json_get(root, "mdx") != NULL &&
	    mdx_json_str_eq(mdx_json_get(root, "kind"), "instruments");
	if (canon) {
		memset(why, 0, sizeof(why));
		ok = mdx_instrument_check(root, ex, mk, sym, why,
		    sizeof(why)) == 0;
		if (!ok)
			FUZZ_CHECK(why[0] != '\0', "instrument check: no "
			    "reason");
		if (ok != (t == MDX_TX_LINE))
			fuzz_show("line", s, size);
		FUZZ_CHECK(ok == (t == MDX_TX_LINE), "mdx-transform %s an "
		    "instrument mdx-load %s (%s)", ok ? "rejects" : "passes",
		    ok ? "stores" : "refuses", ok ? err : why);
	}
	if (t != MDX_TX_LINE || !(canon || raw)) {
		mdx_tx_out_free(&tx);
		return 0;
	}

	FUZZ_CHECK(mdx_utf8_check(tx.line.data, tx.line.len) == -1,
	    "written line is not valid UTF-8");
	out = mdx_json_parse(doc2, tx.line.data, tx.line.len);
	if (out == NULL)
		fuzz_show("written", tx.line.data, tx.line.len);
	FUZZ_CHECK(out != NULL, "written line is not JSON: %s",
	    mdx_json_error(doc2));
	memset(why, 0, sizeof(why));
	if (mdx_instrument_check(out, ex, mk, sym, why, sizeof(why)) != 0) {
		fuzz_show("line", s, size);
		fuzz_show("written", tx.line.data, tx.line.len);
		FUZZ_CHECK(0, "mdx-load refuses the line written: %s", why);
	}
	FUZZ_CHECK(same_name(root, "exchange", ex) &&
	    same_name(root, "market", mk) && same_name(root, "symbol", sym),
	    "written with another exchange, market or symbol");
	if (raw)
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			FUZZ_CHECK(mdx_json_get(out, members[i]) != NULL,
			    "written line has no \"%s\"", members[i]);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		v = mdx_json_get(out, sizes[i]);
		FUZZ_CHECK(v == NULL || v->type == MDX_JSON_NULL ||
		    fuzz_text_positive(v), "written \"%s\" is not positive",
		    sizes[i]);
	}

	/* Transformed again, the line is written the same. */
	fuzz_fixed_point(out, tx.line.data, tx.line.len);
	mdx_tx_out_free(&tx);
	return 0;
}
