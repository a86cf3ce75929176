/*
 * hash.h - FNV-1a with 64 bits, the hash of the programs' in-memory tables
 * (candle keys, series, instruments).  It is short and quick over the few
 * bytes of a name; it is not meant to withstand keys chosen to collide.
 *
 * A key is hashed piece by piece from the offset basis:
 *
 *	uint64_t h = MDX_FNV1A_BASIS;
 *
 *	h = mdx_fnv1a(h, exchange, strlen(exchange) + 1);
 *	h = mdx_fnv1a(h, &open_time, sizeof(open_time));
 *
 * A separator after each piece of variable length (here the NUL) keeps
 * "ab" "c" apart from "a" "bc".
 *
 * The values show in what some programs print: mdx-aggregate walks its
 * table of series in slot order at the end of input, so the order of its
 * last rollups follows the hashes, and changing the function changes it.
 */
#ifndef MDX_HASH_H
#define MDX_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit FNV offset basis and prime. */
#define MDX_FNV1A_BASIS UINT64_C(14695981039346656037)
#define MDX_FNV1A_PRIME UINT64_C(1099511628211)

/*
 * h, the hash so far, continued over the n bytes at p.  Inline, as it was
 * in each of its users: it runs for every candle in mdx-aggregate's and
 * mdx-indicators' series lookups, a few bytes at a time, where a call
 * would cost about as much as the hashing.
 */
static inline uint64_t
mdx_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= MDX_FNV1A_PRIME;
	}
	return h;
}

#endif /* MDX_HASH_H */
