/*
 * copy.c - fields of PostgreSQL's COPY text and binary formats, for the
 * programs that bulk-load the warehouse (mdx-load, mdx-aggregate,
 * mdx-indicators).
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "dec.h"
#include "utc.h"
#include "copy.h"

void
mdx_copy_text(struct mdx_buf *b, const char *s, size_t n)
{
	size_t i, run;

	mdx_buf_grow(b, n * 2);
	for (i = 0; i < n; i += run) {
		for (run = 0; i + run < n; run++) {
			char ch = s[i + run];
			if (ch == '\\' || ch == '\t' || ch == '\n' ||
			    ch == '\r')
				break;
		}
		mdx_buf_add(b, s + i, run);
		if (i + run < n) {
			switch (s[i + run]) {
			case '\\':
				mdx_buf_add(b, "\\\\", 2);
				break;
			case '\t':
				mdx_buf_add(b, "\\t", 2);
				break;
			case '\n':
				mdx_buf_add(b, "\\n", 2);
				break;
			default:
				mdx_buf_add(b, "\\r", 2);
				break;
			}
			run++;
		}
	}
}

void
mdx_copy_dec(struct mdx_buf *b, const mdx_dec *d, int present)
{
	mdx_buf_addch(b, '\t');
	if (present)
		mdx_dec_add_to_buf(b, d);
	else
		mdx_buf_add(b, "\\N", 2);
}

/*
 * The binary fields are written in place: room() makes space for a whole
 * field at once, and the helpers store its bytes big-endian.
 */
static unsigned char *
room(struct mdx_buf *b, size_t n)
{
	unsigned char *p;

	mdx_buf_grow(b, n);
	p = (unsigned char *)b->data + b->len;
	b->len += n;
	return p;
}

static unsigned char *
be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return p + 2;
}

static unsigned char *
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *
be64(unsigned char *p, uint64_t v)
{
	p = be32(p, (uint32_t)(v >> 32));
	return be32(p, (uint32_t)v);
}

void
mdx_copy_bin_row(struct mdx_buf *b, int nfields)
{
	be16(room(b, 2), (uint16_t)nfields);
}

void
mdx_copy_bin_null(struct mdx_buf *b)
{
	be32(room(b, 4), UINT32_MAX);
}

void
mdx_copy_bin_int8(struct mdx_buf *b, int64_t v)
{
	be64(be32(room(b, 12), 8), (uint64_t)v);
}

void
mdx_copy_bin_int4(struct mdx_buf *b, int32_t v)
{
	be32(be32(room(b, 8), 4), (uint32_t)v);
}

void
mdx_copy_bin_bool(struct mdx_buf *b, int v)
{
	*be32(room(b, 5), 1) = v ? 1 : 0;
}

void
mdx_copy_bin_text(struct mdx_buf *b, const char *s, size_t n)
{
	memcpy(be32(room(b, 4 + n), (uint32_t)n), s, n);
}

/* PostgreSQL's epoch, 2000-01-01T00:00:00Z, in Unix milliseconds; a
 * timestamptz counts microseconds from it. */
#define PG_EPOCH_MS INT64_C(946684800000)
#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000

void
mdx_copy_bin_time(struct mdx_buf *b, mdx_time t)
{
	be64(be32(room(b, 12), 8), (uint64_t)((t - PG_EPOCH_MS) * 1000));
}

/*
 * The numeric's digits are base 10000, the first one weighing
 * 10000^weight, grouped from the decimal point.  The coefficient is split
 * into those groups from its low end: the lowest group takes the digits
 * below the first multiple of 4 fractional places, scaled up, so that the
 * coefficient itself never has to grow.  Most coefficients fit in 64 bits,
 * where division is cheap.
 */
void
mdx_copy_bin_dec(struct mdx_buf *b, const mdx_dec *d)
{
	static const uint16_t p10[4] = { 1, 10, 100, 1000 };
	unsigned __int128 mag;
	uint64_t m64;
	uint16_t g[16];
	unsigned char *p;
	int n = 0, lo, fg, pad, i;

	mag = d->coef < 0 ? -(unsigned __int128)d->coef :
	    (unsigned __int128)d->coef;
	pad = (4 - d->scale % 4) % 4;
	fg = (d->scale + pad) / 4;
	if (pad > 0) {
		g[n++] = (uint16_t)(mag % p10[4 - pad] * p10[pad]);
		mag /= p10[4 - pad];
	}
	while (mag > UINT64_MAX) {
		g[n++] = (uint16_t)(mag % 10000);
		mag /= 10000;
	}
	for (m64 = (uint64_t)mag; m64 > 0 || n < fg; m64 /= 10000)
		g[n++] = (uint16_t)(m64 % 10000);
	while (n > 0 && g[n - 1] == 0)
		n--;
	for (lo = 0; lo < n && g[lo] == 0; lo++)
		;
	p = room(b, 12 + 2 * (size_t)(n - lo));
	p = be32(p, (uint32_t)(8 + 2 * (n - lo)));
	p = be16(p, (uint16_t)(n - lo));
	p = be16(p, (uint16_t)(int16_t)(n > lo ? n - 1 - fg : 0));
	p = be16(p, n > lo && d->coef < 0 ? NUMERIC_NEG : NUMERIC_POS);
	p = be16(p, (uint16_t)d->scale);
	for (i = n - 1; i >= lo; i--)
		p = be16(p, g[i]);
}

uint64_t
mdx_copy_bin_get(const void *v, size_t n)
{
	const unsigned char *p = v;
	uint64_t r = 0;

	while (n-- > 0)
		r = r << 8 | *p++;
	return r;
}

mdx_time
mdx_copy_bin_get_time(const void *p)
{
	return mdx_floordiv((int64_t)mdx_copy_bin_get(p, 8), 1000) +
	    PG_EPOCH_MS;
}

static int
numeric_group(const unsigned char *d, int ndig, int i)
{
	return i >= 0 && i < ndig ? d[2 * i] << 8 | d[2 * i + 1] : 0;
}

/*
 * Appends the text PostgreSQL prints for a numeric of ndig base-10000
 * digits d (weight: the power of 10000 of d[0]) with dscale fractional
 * digits.
 */
static void
numeric_text(struct mdx_buf *b, int neg, const unsigned char *d, int ndig,
    int weight, int dscale)
{
	size_t start;
	int i, k, m, g;

	if (neg)
		mdx_buf_addch(b, '-');
	start = b->len;
	for (i = 0; i <= weight; i++) {
		g = numeric_group(d, ndig, i);
		for (m = 1000; m > 0; m /= 10)
			if (b->len > start || g / m % 10 != 0)
				mdx_buf_addch(b, (char)('0' + g / m % 10));
	}
	if (b->len == start)
		mdx_buf_addch(b, '0');
	if (dscale > 0) {
		mdx_buf_addch(b, '.');
		for (i = weight + 1, k = 0; k < dscale; i++) {
			g = numeric_group(d, ndig, i);
			for (m = 1000; m > 0 && k < dscale; m /= 10, k++)
				mdx_buf_addch(b, (char)('0' + g / m % 10));
		}
	}
}

/*
 * A numeric in binary form (p, len bytes) as an mdx_dec: exactly what
 * mdx_dec_parse() makes of the numeric's text, scale included.  Values of
 * up to 34 digits and scale 38 are converted here; anything else goes
 * through its text and mdx_dec_parse(), which has the rules for those.
 * Returns 0, or -1 for bytes that are not a numeric mdx_dec can hold.
 */
int
mdx_copy_bin_get_dec(const void *v, size_t len, mdx_dec *out)
{
	static const unsigned p10[4] = { 1, 10, 100, 1000 };
	const unsigned char *p = v;
	/* Below 10^34, acc * 10000 + 9999 stays below 10^38. */
	const unsigned __int128 lim = (unsigned __int128)
	    UINT64_C(10000000000000000) * UINT64_C(1000000000000000000);
	unsigned __int128 acc = 0;
	struct mdx_buf b = MDX_BUF_INIT;
	unsigned mul, add, g, sign;
	int ndig, weight, dscale, i, e, rc;

	if (len < 8)
		return -1;
	ndig = p[0] << 8 | p[1];
	weight = (int16_t)(p[2] << 8 | p[3]);
	sign = (unsigned)(p[4] << 8 | p[5]);
	dscale = p[6] << 8 | p[7];
	if (len != 8 + 2 * (size_t)ndig ||
	    (sign != NUMERIC_POS && sign != NUMERIC_NEG))
		return -1;
	p += 8;
	if (dscale > MDX_DEC_MAXSCALE)
		goto text;
	for (i = 0; i < ndig; i++) {
		g = (unsigned)(p[2 * i] << 8 | p[2 * i + 1]);
		if (g > 9999)
			return -1;
		/* The power of ten of the group's last digit in the result. */
		e = 4 * (weight - i) + dscale;
		if (e >= 0) {
			mul = 10000;
			add = g;
		} else if (e > -4 && g % p10[-e] == 0) {
			mul = 10000 / p10[-e];
			add = g / p10[-e];
		} else if (e <= -4 && g == 0)
			continue;
		else
			goto text;
		if (acc >= lim)
			goto text;
		acc = acc * mul + add;
	}
	/* Trailing zero groups are not sent. */
	for (e = ndig > 0 ? 4 * (weight - ndig + 1) + dscale : 0; e > 0; e--) {
		if (acc >= lim)
			goto text;
		acc *= 10;
	}
	out->coef = sign == NUMERIC_NEG ? -(__int128)acc : (__int128)acc;
	out->scale = dscale;
	return 0;
text:
	numeric_text(&b, sign == NUMERIC_NEG, p, ndig, weight, dscale);
	rc = mdx_dec_parse(out, b.data, b.len);
	mdx_buf_free(&b);
	return rc == MDX_DEC_OK ? 0 : -1;
}
