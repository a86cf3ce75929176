/*
 * dec.h - exact decimals.
 *
 * A decimal is coef * 10^-scale, with |coef| < 10^38 (38 significant
 * digits) and 0 <= scale <= MDX_DEC_MAXSCALE.  Parsing and formatting never
 * go through double.  Formatting keeps the scale, so "42283.58000000"
 * formats back to exactly that text; arithmetic results take the larger
 * scale of their operands (products the sum of the scales).  Trailing
 * fractional zeros are dropped only where a value would otherwise not fit
 * in 38 digits or scale 38, which keeps it exact.  Negative zero is zero.
 */
#ifndef MDX_DEC_H
#define MDX_DEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

#define MDX_DEC_MAXDIGITS 38
#define MDX_DEC_MAXSCALE 38
#define MDX_DEC_BUFSZ 48	/* enough for any formatted decimal */

typedef struct mdx_dec {
	__int128 coef;
	int scale;
} mdx_dec;

enum mdx_dec_err {
	MDX_DEC_OK = 0,
	MDX_DEC_SYNTAX = -1,	/* not a decimal number, NaN, Infinity */
	MDX_DEC_OVERFLOW = -2	/* more than 38 significant digits, or a
				   scale beyond MDX_DEC_MAXSCALE */
};

/*
 * Parses s[0..n): an optional '-', digits with an optional fraction, and
 * an optional exponent ("1e-8", "2.5E+3").  JSON number text and the
 * decimal strings exchanges send both parse; leading zeros are allowed, but
 * "+1", "1.", ".5", blanks, NaN and Infinity are not.  Returns an
 * mdx_dec_err.
 */
int mdx_dec_parse(mdx_dec *d, const char *s, size_t n);
/* Parses a string or number JSON node (a string with escapes is a
 * syntax error). */
int mdx_dec_from_json(mdx_dec *d, const struct mdx_json *v);
/* A readable reason for an mdx_dec_err. */
const char *mdx_dec_strerror(int err);
mdx_dec mdx_dec_from_int(int64_t v);
/* Formats into buf (at least MDX_DEC_BUFSZ bytes, all of which it may
 * write); returns the length. */
int mdx_dec_format(const mdx_dec *d, char *buf);
/* Appends the formatted decimal to b. */
void mdx_dec_add_to_buf(struct mdx_buf *b, const mdx_dec *d);
/* Compares numerically: <0, 0, >0. "1.0" equals "1". */
int mdx_dec_cmp(const mdx_dec *a, const mdx_dec *b);
/*
 * mdx_dec_cmp() for hot loops: when the scales agree, as the prices of one
 * candle or one series nearly always do, the coefficients are compared
 * without a call.
 */
static inline int
mdx_dec_cmp_fast(const mdx_dec *a, const mdx_dec *b)
{
	if (a->scale == b->scale)
		return (a->coef > b->coef) - (a->coef < b->coef);
	return mdx_dec_cmp(a, b);
}
/* *r = a + b; returns MDX_DEC_OK or MDX_DEC_OVERFLOW (then *r unchanged). */
int mdx_dec_add(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
int mdx_dec_sub(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
/* *r = a * b exactly; MDX_DEC_OVERFLOW when it does not fit. */
int mdx_dec_mul(mdx_dec *r, const mdx_dec *a, const mdx_dec *b);
const mdx_dec *mdx_dec_min(const mdx_dec *a, const mdx_dec *b);
const mdx_dec *mdx_dec_max(const mdx_dec *a, const mdx_dec *b);
int mdx_dec_sign(const mdx_dec *d);
int mdx_dec_is_zero(const mdx_dec *d);
/* Removes trailing fractional zeros ("1.500" -> "1.5", "2.00" -> "2"). */
void mdx_dec_normalize(mdx_dec *d);
/* The nearest double, for indicators only (never for sums or storage). */
double mdx_dec_to_double(const mdx_dec *d);

#endif /* MDX_DEC_H */
