/*
 * utf8.c - UTF-8 validation (RFC 3629), shared by the NDJSON reader, the
 * buffer's JSON escaper and the JSON parser.  It sits below all three so
 * that the buffer, the lowest layer, depends on nothing above it.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "utf8.h"

/*
 * The length of a valid UTF-8 sequence starting at s (n bytes available),
 * or 0 when it is not one: overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences are all invalid (RFC 3629).
 */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0xc2)
		return 0;	/* continuation byte or overlong lead */
	if (c < 0xe0) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * Most lines are ASCII: sixteen bytes at a time (SSE2), else eight, are
 * checked for a high bit or a zero byte, and only words with either are
 * looked at byte by byte.
 */
long
mdx_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	const uint64_t hi = UINT64_C(0x8080808080808080);
	const uint64_t lo = UINT64_C(0x0101010101010101);
	uint64_t v;
	size_t i = 0, k;

	while (i < n) {
#if defined(__SSE2__)
		if (n - i >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const
			    void *)(s + i));

			if ((_mm_movemask_epi8(x) | _mm_movemask_epi8(
			    _mm_cmpeq_epi8(x, _mm_setzero_si128()))) == 0) {
				i += 16;
				continue;
			}
		}
#endif
		if (n - i >= 8) {
			memcpy(&v, s + i, 8);
			if (((v | ((v - lo) & ~v)) & hi) == 0) {
				i += 8;
				continue;
			}
		}
		if (s[i] == 0)
			return i;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(s + i, n - i)) == 0)
			return i;
		i += k;
	}
	return -1;
}
