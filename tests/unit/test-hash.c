/*
 * test-hash.c - FNV-1a (lib/hash.h) against the published 64-bit values,
 * and fed in pieces.  Its values place the series of mdx-aggregate, and
 * the order of its last rollups follows them.
 */
#include "mdx.h"
#include "tap.h"

int
main(void)
{
	const char *s = "foobar";

	ok(mdx_fnv1a(MDX_FNV1A_BASIS, "", 0) == UINT64_C(0xcbf29ce484222325),
	    "empty input: the offset basis");
	ok(mdx_fnv1a(MDX_FNV1A_BASIS, "a", 1) == UINT64_C(0xaf63dc4c8601ec8c),
	    "a");
	ok(mdx_fnv1a(MDX_FNV1A_BASIS, s, 6) == UINT64_C(0x85944171f73967e8),
	    "foobar");
	ok(mdx_fnv1a(mdx_fnv1a(MDX_FNV1A_BASIS, s, 2), s + 2, 4) ==
	    mdx_fnv1a(MDX_FNV1A_BASIS, s, 6), "foobar in two pieces");
	return done_testing();
}
