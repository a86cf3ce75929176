/*
 * test-sha256.c - SHA-256 against the FIPS 180-4 examples and sha256sum.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

static void
hash(const char *s, size_t n, size_t piece, char *out)
{
	struct mdx_sha256 st;
	size_t i, k;

	mdx_sha256_init(&st);
	for (i = 0; i < n; i += k) {
		k = n - i < piece ? n - i : piece;
		mdx_sha256_update(&st, s + i, k);
	}
	mdx_sha256_hex(&st, out);
}

int
main(void)
{
	struct mdx_sha256 st;
	char out[MDX_SHA256_HEXLEN + 1], *m;
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	size_t piece;

	hash("", 0, 1, out);
	is_str(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "empty input");
	hash("abc", 3, 3, out);
	is_str(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "abc");
	for (piece = 1; piece <= 64; piece *= 3) {
		hash(two, strlen(two), piece, out);
		is_str(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		    "two-block message fed in pieces");
	}
	m = malloc(1000000);
	memset(m, 'a', 1000000);
	hash(m, 1000000, 4093, out);
	is_str(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "a million a");
	free(m);

	/* A computation given up half way, then a new one in the same
	 * state: release() ends the first (twice is harmless), and the
	 * second does not see its data. */
	mdx_sha256_init(&st);
	mdx_sha256_update(&st, "xyz", 3);
	mdx_sha256_release(&st);
	mdx_sha256_release(&st);
	ok(st.ctx == NULL, "release ends a computation");
	mdx_sha256_init(&st);
	mdx_sha256_update(&st, "abc", 3);
	mdx_sha256_hex(&st, out);
	is_str(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "a state reused after release");
	ok(st.ctx == NULL, "hex ends a computation");
	mdx_sha256_release(&st);
	ok(st.ctx == NULL, "release after hex does nothing");
	return done_testing();
}
