/*
 * test-copy.c - COPY's binary fields: the numeric encoding of decimals
 * written out literally for the edges, and, for many random decimals,
 * decoded back by a reader that shares no code with lib/copy.c and
 * compared with mdx_dec_format(): the same digits, the same scale.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The field as hex, for literal comparisons. */
static const char *
hex(const struct mdx_buf *b)
{
	static char out[256];
	size_t i;

	for (i = 0; i < b->len && i * 2 + 2 < sizeof(out); i++)
		snprintf(out + i * 2, 3, "%02x", (unsigned char)b->data[i]);
	out[i * 2] = '\0';
	return out;
}

static const char *
enc(const char *text)
{
	struct mdx_buf b = MDX_BUF_INIT;
	static char out[256];
	mdx_dec d;

	if (mdx_dec_parse(&d, text, strlen(text)) != MDX_DEC_OK)
		return "BAD";
	mdx_copy_bin_dec(&b, &d);
	snprintf(out, sizeof(out), "%s", hex(&b));
	mdx_buf_free(&b);
	return out;
}

/*
 * Decodes a numeric field into decimal text with dscale fractional
 * digits, checking the form: the length, digits below 10000, none
 * leading or trailing zero.  Returns 0, or -1 with the fault in out.
 */
static int
decode(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	char digits[256];
	unsigned nd, sign, dscale, i;
	int weight, pos, k, nint;
	size_t n = 0;

	if (len < 12 || (be16(p) << 16 | be16(p + 2)) != len - 4)
		return snprintf(out, outsz, "bad length"), -1;
	p += 4;
	nd = be16(p);
	weight = (int16_t)be16(p + 2);
	sign = be16(p + 4);
	dscale = be16(p + 6);
	if (len != 12 + 2 * nd)
		return snprintf(out, outsz, "bad ndigits"), -1;
	if (sign != 0 && sign != 0x4000)
		return snprintf(out, outsz, "bad sign"), -1;
	if (nd > 0 && (be16(p + 8) == 0 || be16(p + 8 + 2 * (nd - 1)) == 0))
		return snprintf(out, outsz, "zero digit at an end"), -1;
	if (nd == 0 && (weight != 0 || sign != 0))
		return snprintf(out, outsz, "bad zero"), -1;
	/* Decimal digits from 10000^weight down to 10^-dscale. */
	nint = weight >= 0 ? (weight + 1) * 4 : 0;
	for (pos = weight >= 0 ? weight : -1;
	    pos >= 0 || n < (size_t)nint + dscale; pos--) {
		unsigned g = 0;

		i = (unsigned)(weight - pos);
		if (pos <= weight && i < nd)
			g = be16(p + 8 + 2 * i);
		if (g > 9999)
			return snprintf(out, outsz, "digit over 9999"), -1;
		for (k = 3; k >= 0; k--) {
			digits[n++] = (char)('0' + g / (k == 3 ? 1000 :
			    k == 2 ? 100 : k == 1 ? 10 : 1) % 10);
			if (n >= sizeof(digits) - 1)
				return snprintf(out, outsz, "too long"), -1;
		}
		if (pos < 0 && n >= (size_t)nint + dscale)
			break;
	}
	/* digits[0..nint) is the integer part, then the fraction. */
	{
		size_t a = 0, o = 0;

		while (a + 1 < (size_t)nint && digits[a] == '0')
			a++;
		if (sign == 0x4000)
			out[o++] = '-';
		if (nint == 0)
			out[o++] = '0';
		for (; a < (size_t)nint; a++)
			out[o++] = digits[a];
		if (dscale > 0) {
			out[o++] = '.';
			for (i = 0; i < dscale; i++)
				out[o++] = i + nint < n ? digits[nint + i] :
				    '0';
		}
		out[o] = '\0';
		(void)outsz;
	}
	return 0;
}

static uint64_t rng = 88172645463325252ULL;

int
main(void)
{
	struct mdx_buf b = MDX_BUF_INIT;
	char want[MDX_DEC_BUFSZ], got[256];
	unsigned __int128 c;
	int i, bad = 0, ndig, k;
	mdx_dec d;

	/* len, ndigits, weight, sign, dscale, digits. */
	is_str(enc("0"), "0000000800000000" "00000000", "0");
	is_str(enc("0.000"), "0000000800000000" "00000003", "0.000 keeps its scale");
	is_str(enc("1"), "0000000a00010000" "00000000" "0001", "1");
	is_str(enc("10000"), "0000000a00010001" "00000000" "0001",
	    "10000: one digit, weight 1");
	is_str(enc("0.5"), "0000000a0001ffff" "00000001" "1388",
	    "0.5: 5000 at weight -1");
	is_str(enc("123.45"), "0000000c00020000" "00000002" "007b" "1194",
	    "123.45");
	is_str(enc("-0.00000001"), "0000000a0001fffe" "40000008" "0001",
	    "-0.00000001: 1 at weight -2, negative");
	is_str(enc("36803.39438293"), "0000001000040001" "00000008"
	    "0003" "1a93" "0f67" "2065", "a price with 8 places");
	is_str(enc("100000000.5"), "0000001000040002" "00000001"
	    "0001" "0000" "0000" "1388", "zero digits inside stay");

	/* Random decimals of 1 to 38 digits at every scale. */
	for (i = 0; i < 200000; i++) {
		ndig = (int)(tap_xorshift(&rng) % 38) + 1;
		c = 0;
		for (k = 0; k < ndig; k++)
			c = c * 10 + tap_xorshift(&rng) % 10;
		if (tap_xorshift(&rng) % 4 == 0)
			c = c / 1000 * 1000;
		d.coef = (__int128)c;
		if (tap_xorshift(&rng) % 3 == 0)
			d.coef = -d.coef;
		d.scale = (int)(tap_xorshift(&rng) % (MDX_DEC_MAXSCALE + 1));
		mdx_dec_format(&d, want);
		if (d.coef == 0 && want[0] == '-')
			memmove(want, want + 1, strlen(want));
		mdx_buf_reset(&b);
		mdx_copy_bin_dec(&b, &d);
		if (decode((const unsigned char *)b.data, b.len, got,
		    sizeof(got)) != 0 || strcmp(got, want) != 0) {
			if (bad++ < 5)
				printf("#   %s: got %s\n", want, got);
		}
	}
	ok(bad == 0, "200000 random decimals decode to their own text");

	mdx_buf_reset(&b);
	mdx_copy_bin_time(&b, 946684800000 + 1500);
	is_str(hex(&b), "00000008" "000000000016e360",
	    "timestamptz: microseconds from 2000-01-01");
	mdx_buf_reset(&b);
	mdx_copy_bin_time(&b, 0);
	is_str(hex(&b), "00000008" "fffca2fec4c82000",
	    "timestamptz before 2000: negative");
	mdx_buf_free(&b);
	done_testing();
}
