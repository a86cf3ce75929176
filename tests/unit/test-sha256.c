/*
 * test-sha256.c - SHA-256 against the FIPS 180-4 examples and across
 * block boundaries in pieces.
 */
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

int
main(void)
{
	struct mdx_sha256 s;
	char hex[MDX_SHA256_HEXLEN + 1], one[MDX_SHA256_HEXLEN + 1];
	char *big;
	size_t i, n, step;
	int same;

	mdx_sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "empty input");
	mdx_sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "abc");
	mdx_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "two-block message (56 bytes)");

	/* One million 'a': the FIPS long example. */
	n = 1000000;
	big = malloc(n);
	memset(big, 'a', n);
	mdx_sha256_hex(big, n, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "one million a");

	/* The same digest whatever the pieces. */
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + (i >> 8));
	mdx_sha256_hex(big, n, one);
	same = 1;
	for (step = 1; step <= 129; step += 8) {
		mdx_sha256_init(&s);
		for (i = 0; i < n; i += step)
			mdx_sha256_update(&s, big + i, n - i < step ? n - i :
			    step);
		mdx_sha256_final_hex(&s, hex);
		if (strcmp(hex, one) != 0)
			same = 0;
	}
	ok(same, "digest independent of how the input is cut");
	free(big);
	return done_testing();
}
