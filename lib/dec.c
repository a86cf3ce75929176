/*
 * dec.c - exact decimals: coef * 10^-scale in a 128-bit integer.
 *
 * Prices and volumes travel from the exchange to the warehouse as text and
 * are never rounded on the way, so nothing here goes through double except
 * mdx_dec_to_double(), which exists for the indicators alone.  Parsing and
 * formatting sit on the hot path of mdx-transform (millions of decimals a
 * second), so they avoid malloc, locale-dependent library calls and 128-bit
 * division whenever the coefficient fits in 64 bits.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "dec.h"

typedef unsigned __int128 u128;

static const uint64_t p10_64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL
};

/* 10^n for 0 <= n <= 38, which all fit in 128 bits. */
static u128
pow10u(int n)
{
	if (n < 20)
		return p10_64[n];
	return (u128)p10_64[19] * p10_64[n - 19];
}

/* 10^38: every coefficient's magnitude is below this. */
#define COEF_LIMIT ((u128)p10_64[19] * p10_64[19])

static u128
uabs(__int128 v)
{
	return v < 0 ? -(u128)v : (u128)v;
}

/* Builds a decimal from a magnitude below COEF_LIMIT and a sign. */
static __int128
signed_coef(u128 mag, int neg)
{
	return neg ? -(__int128)mag : (__int128)mag;
}

const char *
mdx_dec_strerror(int err)
{
	switch (err) {
	case MDX_DEC_OK:
		return "ok";
	case MDX_DEC_SYNTAX:
		return "not a decimal number";
	case MDX_DEC_OVERFLOW:
		return "decimal out of range (more than 38 digits)";
	default:
		return "unknown decimal error";
	}
}

/*
 * Takes the significant digit c of a number that has 19 already, more
 * than lo holds: the first time, *mag takes over from lo (*big says it
 * has).  A zero past 38 digits only counts in *pend, to come off the
 * scale; any other digit there, or after such a zero, sets *over, and the
 * caller goes on only to check the grammar.
 */
static void
big_digit(int c, uint64_t lo, u128 *mag, int *big, int *ndig, int *pend,
    int *over)
{
	if (!*big) {
		*mag = lo;
		*big = 1;
	}
	if (c == 0 && *ndig == MDX_DEC_MAXDIGITS)
		(*pend)++;
	else if (*ndig == MDX_DEC_MAXDIGITS || *pend > 0)
		*over = 1;
	else {
		*mag = *mag * 10 + c;
		(*ndig)++;
	}
}

/*
 * The grammar is JSON's number grammar, except that leading zeros in the
 * integer part are allowed ("007.5"): an optional '-', one or more digits,
 * optionally '.' and one or more digits, optionally 'e' or 'E', an optional
 * sign and one or more digits.  A '+' is accepted only in the exponent.
 *
 * Leading zeros are never significant.  Trailing zeros are kept (they carry
 * the scale the exchange sent) unless the number has more than 38 digits or
 * a scale beyond 38 only because of them; then as many as needed are
 * dropped, which keeps the value exact.
 */
int
mdx_dec_parse(mdx_dec *d, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	uint64_t lo = 0;	/* the first digits while they fit */
	u128 mag = 0;
	int ndig = 0;		/* significant digits in lo/mag */
	int pend = 0;		/* zeros beyond 38 digits, not yet applied */
	long frac = 0, exp = 0, scale;
	int neg = 0, eneg = 0, big = 0, over = 0, c;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || (unsigned)(*p - '0') > 9)
		return MDX_DEC_SYNTAX;
	while (p < end && *p == '0')
		p++;
	/* Integer digits; the common short case stays in 64 bits. */
	while (p < end && (c = *p - '0', (unsigned)c <= 9)) {
		if (ndig < 19) {
			lo = lo * 10 + c;
			ndig++;
		} else
			big_digit(c, lo, &mag, &big, &ndig, &pend, &over);
		p++;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end || (unsigned)(*p - '0') > 9)
			return MDX_DEC_SYNTAX;
		while (p < end && (c = *p - '0', (unsigned)c <= 9)) {
			frac++;
			p++;
			if (ndig == 0 && c == 0)
				continue;	/* a leading zero */
			if (ndig < 19) {
				lo = lo * 10 + c;
				ndig++;
				continue;
			}
			big_digit(c, lo, &mag, &big, &ndig, &pend, &over);
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || (unsigned)(*p - '0') > 9)
			return MDX_DEC_SYNTAX;
		while (p < end && (c = *p - '0', (unsigned)c <= 9)) {
			/* Saturate: any exponent this large is out of range
			 * unless the number is zero. */
			if (exp < 100000)
				exp = exp * 10 + c;
			p++;
		}
		if (eneg)
			exp = -exp;
	}
	if (p != end)
		return MDX_DEC_SYNTAX;
	if (over)
		return MDX_DEC_OVERFLOW;
	if (!big)
		mag = lo;

	scale = frac - exp - pend;
	if (mag == 0) {
		/* Zero has any scale; keep the one written, within range. */
		d->coef = 0;
		d->scale = scale < 0 ? 0 : scale > MDX_DEC_MAXSCALE ?
		    MDX_DEC_MAXSCALE : (int)scale;
		return MDX_DEC_OK;
	}
	if (scale < 0) {
		/* A positive exponent: "1e3" is 1000. */
		if (-scale > MDX_DEC_MAXDIGITS - ndig)
			return MDX_DEC_OVERFLOW;
		mag *= pow10u(-scale);
		scale = 0;
	}
	while (scale > MDX_DEC_MAXSCALE && mag % 10 == 0) {
		mag /= 10;
		scale--;
	}
	if (scale > MDX_DEC_MAXSCALE)
		return MDX_DEC_OVERFLOW;
	d->coef = signed_coef(mag, neg);
	d->scale = (int)scale;
	return MDX_DEC_OK;
}

int
mdx_dec_from_json(mdx_dec *d, const struct mdx_json *v)
{
	if (v == NULL)
		return MDX_DEC_SYNTAX;
	if (v->type == MDX_JSON_NUMBER)
		return mdx_dec_parse(d, v->text, v->len);
	/* A decimal never needs an escape; one there is not a decimal. */
	if (v->type == MDX_JSON_STRING && !v->escaped)
		return mdx_dec_parse(d, v->text, v->len);
	return MDX_DEC_SYNTAX;
}

mdx_dec
mdx_dec_from_int(int64_t v)
{
	mdx_dec d;

	d.coef = v;
	d.scale = 0;
	return d;
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "68697071727374757677787980818283848586878889909192939495969798990";

/* Writes the decimal digits of v ending just before *end; returns the
 * start. */
static char *
utoa64_back(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned r = v % 100;

		v /= 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else
		*--p = '0' + v;
	return p;
}

/*
 * The eight digits of v < 10^8, leading zeros included, as eight bytes of
 * text in a word, the first digit in the lowest byte (so this is for
 * little-endian machines): v is split into two halves of four digits, each
 * into two of two, each into two digits, all the halves of a step in one
 * multiplication (x / 100 is (x * 10486) >> 20 below 10^4, x / 10 is
 * (x * 103) >> 10 below 100).
 */
static inline uint64_t
text8(uint32_t v)
{
	uint64_t m, q;

	m = v / 10000 | (uint64_t)(v % 10000) << 32;
	q = (m * 10486) >> 20 & UINT64_C(0x0000007f0000007f);
	m = q | (m - q * 100) << 16;
	q = (m * 103) >> 10 & UINT64_C(0x000f000f000f000f);
	m = q | (m - q * 10) << 8;
	return m + UINT64_C(0x3030303030303030);
}

int
mdx_dec_format(const mdx_dec *d, char *buf)
{
	char tmp[48], *end = tmp + sizeof(tmp), *p, *o = buf;
	u128 mag = uabs(d->coef);
	int ndig, ip;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * The common case, fewer than 17 digits and a scale below 16: the
	 * sixteen digits with leading zeros, as text in a 128-bit integer,
	 * are shifted to the ones needed and stored sixteen bytes at a time
	 * (buf has room).  Nothing is stored and loaded back, which would
	 * stall the processor.
	 */
	if (mag < p10_64[16] && d->scale < 16) {
		uint64_t m = (uint64_t)mag;
		int bits = 64 - __builtin_clzll(m | 1);
		u128 text, t;

		text = (u128)text8((uint32_t)(m % p10_64[8])) << 64 |
		    text8((uint32_t)(m / p10_64[8]));
		/* The number of digits of m (0 for zero). */
		ndig = (bits * 1233) >> 12;
		ndig += m >= p10_64[ndig];
		if (ndig <= d->scale)
			ndig = d->scale + 1;
		if (d->coef < 0)
			*o++ = '-';
		ip = ndig - d->scale;
		t = text >> (8 * (16 - ndig));
		memcpy(o, &t, 16);
		o += ip;
		if (d->scale > 0) {
			*o++ = '.';
			t = text >> (8 * (16 - d->scale));
			memcpy(o, &t, 16);
			o += d->scale;
		}
		*o = '\0';
		return o - buf;
	}
#endif
	if (mag <= UINT64_MAX)
		p = utoa64_back((uint64_t)mag, end);
	else {
		/* At most 39 digits: split into 19-digit pieces. */
		uint64_t low = (uint64_t)(mag % p10_64[19]);
		char *q;

		mag /= p10_64[19];
		p = utoa64_back(low, end);
		q = end - 19;
		while (p > q)
			*--p = '0';
		p = utoa64_back((uint64_t)mag, p);
	}
	ndig = end - p;
	/* Pad with zeros so that there is a digit before the point. */
	while (ndig <= d->scale) {
		*--p = '0';
		ndig++;
	}
	if (d->coef < 0)
		*o++ = '-';
	ip = ndig - d->scale;
	memcpy(o, p, ip);
	o += ip;
	if (d->scale > 0) {
		*o++ = '.';
		memcpy(o, p + ip, d->scale);
		o += d->scale;
	}
	*o = '\0';
	return o - buf;
}

void
mdx_dec_add_to_buf(struct mdx_buf *b, const mdx_dec *d)
{
	mdx_buf_grow(b, MDX_DEC_BUFSZ);
	b->len += mdx_dec_format(d, b->data + b->len);
}

int
mdx_dec_sign(const mdx_dec *d)
{
	return (d->coef > 0) - (d->coef < 0);
}

int
mdx_dec_is_zero(const mdx_dec *d)
{
	return d->coef == 0;
}

/*
 * Compares magnitudes x * 10^-sx and y * 10^-sy.  Scaling the one with the
 * smaller scale up cannot overflow unnoticed: when it would exceed 128 bits
 * it is certainly larger than the other, which is below 10^38.
 */
static int
ucmp_scaled(u128 x, int sx, u128 y, int sy)
{
	u128 f;

	if (sx < sy) {
		f = pow10u(sy - sx);
		if (x > ~(u128)0 / f)
			return 1;
		x *= f;
	} else if (sy < sx) {
		f = pow10u(sx - sy);
		if (y > ~(u128)0 / f)
			return -1;
		y *= f;
	}
	return (x > y) - (x < y);
}

int
mdx_dec_cmp(const mdx_dec *a, const mdx_dec *b)
{
	int sa = mdx_dec_sign(a), sb = mdx_dec_sign(b);

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	if (a->scale == b->scale)
		return (a->coef > b->coef) - (a->coef < b->coef);
	if (sa > 0)
		return ucmp_scaled(uabs(a->coef), a->scale, uabs(b->coef),
		    b->scale);
	return ucmp_scaled(uabs(b->coef), b->scale, uabs(a->coef), a->scale);
}

const mdx_dec *
mdx_dec_min(const mdx_dec *a, const mdx_dec *b)
{
	return mdx_dec_cmp(b, a) < 0 ? b : a;
}

const mdx_dec *
mdx_dec_max(const mdx_dec *a, const mdx_dec *b)
{
	return mdx_dec_cmp(b, a) > 0 ? b : a;
}

void
mdx_dec_normalize(mdx_dec *d)
{
	if (d->coef == 0) {
		d->scale = 0;
		return;
	}
	if (d->coef >= INT64_MIN && d->coef <= INT64_MAX) {
		int64_t c = (int64_t)d->coef;

		while (d->scale > 0 && c % 10 == 0) {
			c /= 10;
			d->scale--;
		}
		d->coef = c;
		return;
	}
	while (d->scale > 0 && d->coef % 10 == 0) {
		d->coef /= 10;
		d->scale--;
	}
}

/*
 * Drops trailing fractional zeros from the magnitude m until it fits
 * (m < 10^38, scale <= 38), which keeps the value exact.  Returns 0 when it
 * fits, -1 when it cannot.
 */
static int
fit(u128 *m, int *scale)
{
	while ((*m >= COEF_LIMIT || *scale > MDX_DEC_MAXSCALE) &&
	    *scale > 0 && *m % 10 == 0) {
		*m /= 10;
		(*scale)--;
	}
	return *m < COEF_LIMIT && *scale <= MDX_DEC_MAXSCALE ? 0 : -1;
}

/*
 * Scales a magnitude below 10^38 up by 10^n.  The result may exceed 10^38
 * while the sum it goes into does not (10^37 - 9...9.5 at scale 1), so the
 * limit here is 2 * 10^38: beyond it no sum with another operand below
 * 10^38 can fit, and below it the sum of two still fits in 128 bits.
 */
static int
scale_up(u128 *m, int n)
{
	if (n == 0)
		return 0;
	if (*m >= 2 * pow10u(MDX_DEC_MAXDIGITS - n))
		return -1;
	*m *= pow10u(n);
	return 0;
}

/* The sum of a and (bneg ? -b : b) at the larger scale of the two. */
static int
add_at(mdx_dec *r, const mdx_dec *a, const mdx_dec *b, int bneg)
{
	u128 x = uabs(a->coef), y = uabs(b->coef), m;
	int xneg = a->coef < 0, yneg = (b->coef < 0) != bneg, neg, sc;

	if (a->scale >= b->scale) {
		sc = a->scale;
		if (scale_up(&y, a->scale - b->scale) == -1)
			return -1;
	} else {
		sc = b->scale;
		if (scale_up(&x, b->scale - a->scale) == -1)
			return -1;
	}
	if (xneg == yneg) {
		m = x + y;
		neg = xneg;
	} else if (x >= y) {
		m = x - y;
		neg = xneg;
	} else {
		m = y - x;
		neg = yneg;
	}
	if (fit(&m, &sc) == -1)
		return -1;
	r->coef = signed_coef(m, neg);
	r->scale = sc;
	return 0;
}

static int
add_signed(mdx_dec *r, const mdx_dec *a, const mdx_dec *b, int bneg)
{
	mdx_dec na, nb, s;
	int want = a->scale > b->scale ? a->scale : b->scale;
	u128 m;

	if (add_at(r, a, b, bneg) == 0)
		return MDX_DEC_OK;
	/*
	 * The trailing zeros of an operand may be all that stands in the way
	 * ("99...9" + "1.000"): add without them, then give back as many as
	 * fit, so that only the zeros in the way are lost.
	 */
	na = *a;
	nb = *b;
	mdx_dec_normalize(&na);
	mdx_dec_normalize(&nb);
	if (add_at(&s, &na, &nb, bneg) == -1)
		return MDX_DEC_OVERFLOW;
	m = uabs(s.coef);
	while (s.scale < want && m < COEF_LIMIT / 10) {
		m *= 10;
		s.scale++;
	}
	r->coef = signed_coef(m, s.coef < 0);
	r->scale = s.scale;
	return MDX_DEC_OK;
}

int
mdx_dec_add(mdx_dec *r, const mdx_dec *a, const mdx_dec *b)
{
	return add_signed(r, a, b, 0);
}

int
mdx_dec_sub(mdx_dec *r, const mdx_dec *a, const mdx_dec *b)
{
	return add_signed(r, a, b, 1);
}

/*
 * A 256-bit product, four 64-bit limbs, least significant first.  Two
 * 38-digit coefficients multiply to up to 76 digits, of which trailing
 * zeros may have to go before the result fits; this is the slow path for
 * products beyond 128 bits.
 */
static void
mul256(u128 x, u128 y, uint64_t r[4])
{
	uint64_t xs[2] = { (uint64_t)x, (uint64_t)(x >> 64) };
	uint64_t ys[2] = { (uint64_t)y, (uint64_t)(y >> 64) };
	int i, j;

	memset(r, 0, 4 * sizeof(r[0]));
	for (i = 0; i < 2; i++) {
		uint64_t carry = 0;

		for (j = 0; j < 2; j++) {
			u128 t = (u128)xs[i] * ys[j] + r[i + j] + carry;

			r[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		r[i + 2] = carry;
	}
}

/* Divides r by 10 in place; returns the remainder. */
static unsigned
div10_256(uint64_t r[4])
{
	u128 rem = 0, cur;
	int i;

	for (i = 3; i >= 0; i--) {
		cur = rem << 64 | r[i];
		r[i] = (uint64_t)(cur / 10);
		rem = cur % 10;
	}
	return (unsigned)rem;
}

/* Whether the 256-bit r is a multiple of 10 (leaves r unchanged). */
static int
mod10_256_zero(const uint64_t r[4])
{
	uint64_t t[4];

	memcpy(t, r, sizeof(t));
	return div10_256(t) == 0;
}

/* As fit(), for a 256-bit magnitude; on success *m holds the result. */
static int
fit256(uint64_t r[4], int *scale, u128 *m)
{
	for (;;) {
		int small = r[2] == 0 && r[3] == 0 &&
		    ((u128)r[1] << 64 | r[0]) < COEF_LIMIT;

		if (small && *scale <= MDX_DEC_MAXSCALE) {
			*m = (u128)r[1] << 64 | r[0];
			return 0;
		}
		if (*scale == 0 || !mod10_256_zero(r))
			return -1;
		div10_256(r);
		(*scale)--;
	}
}

/*
 * The product has the sum of the scales; trailing zeros are dropped only
 * when the coefficient or the scale would not fit otherwise.
 */
int
mdx_dec_mul(mdx_dec *r, const mdx_dec *a, const mdx_dec *b)
{
	u128 x = uabs(a->coef), y = uabs(b->coef), m;
	uint64_t w[4];
	int sc = a->scale + b->scale;

	if ((x <= UINT64_MAX && y <= UINT64_MAX) ||
	    (x != 0 && y <= ~(u128)0 / x)) {
		m = x * y;
		if (fit(&m, &sc) == -1)
			return MDX_DEC_OVERFLOW;
	} else {
		mul256(x, y, w);
		if (fit256(w, &sc, &m) == -1)
			return MDX_DEC_OVERFLOW;
	}
	r->coef = signed_coef(m, (a->coef < 0) != (b->coef < 0));
	r->scale = sc;
	return MDX_DEC_OK;
}

/*
 * Exactly representable coefficients (below 2^53) divided by exactly
 * representable powers of ten (up to 10^22) give the correctly rounded
 * quotient in one IEEE division; everything else goes through strtod(),
 * which rounds correctly too.
 */
double
mdx_dec_to_double(const mdx_dec *d)
{
	static const double p10d[23] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
		1e22
	};
	char buf[MDX_DEC_BUFSZ];
	u128 mag = uabs(d->coef);

	if (mag < ((u128)1 << 53) && d->scale <= 22) {
		double v = (double)(uint64_t)mag / p10d[d->scale];

		return d->coef < 0 ? -v : v;
	}
	mdx_dec_format(d, buf);
	return strtod(buf, NULL);
}
