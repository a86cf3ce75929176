/*
 * fuzz-tx.h - the checks of mdx_transform() that several fuzzers share:
 * every verdict is a known one and a rejection has a reason, and a
 * canonical line written is a fixed point (transformed again, it is
 * written the same).  Include after fuzz.h.
 */
#ifndef FUZZ_TX_H
#define FUZZ_TX_H

#include <string.h>

#include "transform.h"

/* Transforms root into *tx (zeroed first); returns mdx_transform()'s
 * verdict, checked, with the reason in err when it is -1. */
static inline int
fuzz_transform(const struct mdx_json *root, struct mdx_tx_out *tx,
    char *err, size_t errsz)
{
	int t;

	memset(tx, 0, sizeof(*tx));
	memset(err, 0, errsz);
	t = mdx_transform(root, tx, err, errsz);
	FUZZ_CHECK(t == -1 || t == MDX_TX_CANDLE || t == MDX_TX_LINE ||
	    t == MDX_TX_HEADER, "mdx_transform returned %d", t);
	if (t == -1)
		FUZZ_CHECK(err[0] != '\0', "a record rejected with no reason");
	return t;
}

/* out is line[0..n), a canonical line mdx_transform() wrote, parsed:
 * transformed again, it must be written byte for byte the same. */
static inline void
fuzz_fixed_point(const struct mdx_json *out, const char *line, size_t n)
{
	static struct mdx_buf first;
	struct mdx_tx_out tx2;
	char err[MDX_ERRSZ + 64];
	int t;

	mdx_buf_reset(&first);
	mdx_buf_add(&first, line, n);
	memset(&tx2, 0, sizeof(tx2));
	t = mdx_transform(out, &tx2, err, sizeof(err));
	if (t != MDX_TX_LINE || tx2.line.len != first.len ||
	    memcmp(tx2.line.data, first.data, first.len) != 0) {
		fuzz_show("written", first.data, first.len);
		if (t == MDX_TX_LINE)
			fuzz_show("again", tx2.line.data, tx2.line.len);
		FUZZ_CHECK(0, "the canonical line is not a fixed point (%s)",
		    t == -1 ? err : "written differently");
	}
	mdx_tx_out_free(&tx2);
}

#endif /* FUZZ_TX_H */
