/*
 * fuzz-dec.c - exact decimals (lib/dec.c) against an independent model.
 *
 * The input is one decimal text, or two separated by a space.  The model
 * works on digit strings: a value is a sign, its significant digits and a
 * power of ten, so it has no range limit and cannot overflow.  Checked:
 * - mdx_dec_parse() accepts exactly the documented grammar, fails with
 *   MDX_DEC_OVERFLOW exactly when the value has no coefficient below 10^38
 *   at a scale of 0 to 38, keeps the written scale unless that cannot fit,
 *   and has the model's value;
 * - format then parse gives the same coefficient and scale, and the same
 *   text again; mdx_dec_to_double() equals strtod() of the text;
 * - for two values: cmp, add, sub and mul agree with the model (values,
 *   scales, overflow), (a + b) - b == a, and min/max follow cmp.
 */
#include <string.h>

#include "fuzz.h"

#define MAXIN 400
#define ND 1024

/* A value: (-1)^neg * digits * 10^e; no leading or trailing zeros in the
 * digits; zero has nd == 0, neg == 0, e == 0. */
struct cn {
	int neg;
	int nd;
	long e;
	char d[ND];
};

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static void
trim(struct cn *c)
{
	int lead = 0;

	while (lead < c->nd && c->d[lead] == '0')
		lead++;
	memmove(c->d, c->d + lead, c->nd - lead);
	c->nd -= lead;
	while (c->nd > 0 && c->d[c->nd - 1] == '0') {
		c->nd--;
		c->e++;
	}
	if (c->nd == 0)
		c->neg = 0, c->e = 0;
}

/*
 * The grammar of mdx_dec_parse(), written out again: '-'? digit+
 * ('.' digit+)? ([eE] [+-]? digit+)?.  Sets *wscale to the written scale
 * (fraction digits less the exponent).  Returns 0, or -1 for a syntax
 * error.
 */
static int
canon(const char *s, size_t n, struct cn *c, long *wscale)
{
	size_t i = 0, k;
	long ex = 0, fl = 0;
	int eneg = 0;

	memset(c, 0, sizeof(*c));
	if (i < n && s[i] == '-')
		c->neg = 1, i++;
	for (k = i; i < n && isdig(s[i]); i++)
		c->d[c->nd++] = s[i];
	if (i == k)
		return -1;
	if (i < n && s[i] == '.') {
		for (k = ++i; i < n && isdig(s[i]); i++, fl++)
			c->d[c->nd++] = s[i];
		if (i == k)
			return -1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (k = i; i < n && isdig(s[i]); i++)
			if (ex < 1000000000L)
				ex = ex * 10 + (s[i] - '0');
		if (i == k)
			return -1;
	}
	if (i != n)
		return -1;
	if (eneg)
		ex = -ex;
	c->e = ex - fl;
	*wscale = fl - ex;
	trim(c);
	return 0;
}

/* Whether the value has a coefficient below 10^38 at a scale of 0..38. */
static int
fits(const struct cn *c)
{
	long smin;

	if (c->nd == 0)
		return 1;
	smin = c->e < 0 ? -c->e : 0;
	return smin <= 38 && c->nd + c->e + smin <= 38;
}

/* The scale a result should have: the wanted one, less only the trailing
 * zeros that do not fit. */
static long
want_scale(const struct cn *c, long want)
{
	long lim;

	if (want < 0)
		want = 0;
	if (want > 38)
		want = 38;
	if (c->nd == 0)
		return want;
	lim = 38 - c->nd - c->e;
	return want < lim ? want : lim;
}

static int
cn_eq(const struct cn *a, const struct cn *b)
{
	return a->neg == b->neg && a->nd == b->nd && a->e == b->e &&
	    memcmp(a->d, b->d, a->nd) == 0;
}

static void
cn_show(const char *what, const struct cn *c)
{
	fprintf(stderr, "  %s: %s%.*s e%ld\n", what, c->neg ? "-" : "",
	    c->nd, c->d, c->e);
}

/* Compares magnitudes. */
static int
cn_ucmp(const struct cn *a, const struct cn *b)
{
	int i;

	if (a->nd == 0 || b->nd == 0)
		return (a->nd != 0) - (b->nd != 0);
	if (a->nd + a->e != b->nd + b->e)
		return a->nd + a->e > b->nd + b->e ? 1 : -1;
	for (i = 0; i < a->nd || i < b->nd; i++) {
		char x = i < a->nd ? a->d[i] : '0';
		char y = i < b->nd ? b->d[i] : '0';

		if (x != y)
			return x > y ? 1 : -1;
	}
	return 0;
}

static int
cn_cmp(const struct cn *a, const struct cn *b)
{
	int sa = a->nd == 0 ? 0 : a->neg ? -1 : 1;
	int sb = b->nd == 0 ? 0 : b->neg ? -1 : 1;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return sa >= 0 ? cn_ucmp(a, b) : cn_ucmp(b, a);
}

/* Digits of x aligned to the power e (e <= x->e), right-aligned in out
 * of width w (as numbers 0-9). */
static void
align(const struct cn *x, long e, int w, int *out)
{
	int i, len = x->nd + (int)(x->e - e);

	memset(out, 0, w * sizeof(int));
	for (i = 0; i < x->nd; i++)
		out[w - len + i] = x->d[i] - '0';
}

/* r = a + (bneg ? -b : b), exactly.  Only for values that fit, so the
 * digit counts stay small. */
static void
cn_add(struct cn *r, const struct cn *a, const struct cn *b, int bneg)
{
	int x[200], y[200], z[200], w = 190, i, carry, yneg, big;
	long e;

	e = a->nd == 0 ? b->e : b->nd == 0 ? a->e : a->e < b->e ? a->e : b->e;
	align(a, e, w, x);
	align(b, e, w, y);
	yneg = b->nd != 0 && (b->neg != bneg);
	memset(r, 0, sizeof(*r));
	if ((a->neg && a->nd) == yneg) {
		for (i = w - 1, carry = 0; i >= 0; i--) {
			z[i] = x[i] + y[i] + carry;
			carry = z[i] / 10;
			z[i] %= 10;
		}
		r->neg = yneg;
	} else {
		/* Subtract the smaller magnitude from the larger. */
		for (big = 0, i = 0; i < w && !big; i++)
			big = x[i] > y[i] ? 1 : x[i] < y[i] ? -1 : 0;
		if (big < 0) {
			int *t = x;

			for (i = 0; i < w; i++) {
				int s = t[i];

				t[i] = y[i];
				y[i] = s;
			}
		}
		for (i = w - 1, carry = 0; i >= 0; i--) {
			z[i] = x[i] - y[i] - carry;
			carry = z[i] < 0;
			if (carry)
				z[i] += 10;
		}
		r->neg = big < 0 ? yneg : (a->neg && a->nd);
	}
	for (i = 0; i < w; i++)
		r->d[r->nd++] = '0' + z[i];
	r->e = e;
	trim(r);
}

static void
cn_mul(struct cn *r, const struct cn *a, const struct cn *b)
{
	int z[200] = { 0 }, i, j, n = a->nd + b->nd;

	memset(r, 0, sizeof(*r));
	for (i = a->nd - 1; i >= 0; i--)
		for (j = b->nd - 1; j >= 0; j--)
			z[i + j + 1] += (a->d[i] - '0') * (b->d[j] - '0');
	for (i = n - 1; i > 0; i--) {
		z[i - 1] += z[i] / 10;
		z[i] %= 10;
	}
	for (i = 0; i < n; i++)
		r->d[r->nd++] = '0' + z[i];
	r->e = a->e + b->e;
	r->neg = a->neg != b->neg;
	trim(r);
}

/* The model of a parsed or computed mdx_dec, through its text. */
static void
model_of(const mdx_dec *d, struct cn *c, char *text)
{
	long ws;
	int n;

	FUZZ_CHECK(d->scale >= 0 && d->scale <= MDX_DEC_MAXSCALE,
	    "scale %d out of range", d->scale);
	n = mdx_dec_format(d, text);
	FUZZ_CHECK(n > 0 && n < MDX_DEC_BUFSZ && (size_t)n == strlen(text),
	    "format length %d", n);
	FUZZ_CHECK(canon(text, n, c, &ws) == 0, "formatted text '%s' is "
	    "not in the grammar", text);
	FUZZ_CHECK(ws == d->scale, "'%s' shows scale %ld, not %d", text, ws,
	    d->scale);
}

/* Checks one value; returns whether it parsed, with its model in c. */
static int
one(const char *s, size_t n, mdx_dec *d, struct cn *c)
{
	char text[MDX_DEC_BUFSZ], text2[MDX_DEC_BUFSZ];
	struct cn m, got;
	mdx_dec d2;
	long ws;
	int rc, syn;

	rc = mdx_dec_parse(d, s, n);
	syn = canon(s, n, &m, &ws);
	if (syn != 0) {
		FUZZ_CHECK(rc == MDX_DEC_SYNTAX, "outside the grammar, but "
		    "parse says %d", rc);
		return 0;
	}
	FUZZ_CHECK(rc != MDX_DEC_SYNTAX, "in the grammar, but a syntax "
	    "error");
	if (!fits(&m)) {
		if (rc != MDX_DEC_OVERFLOW)
			cn_show("model", &m);
		FUZZ_CHECK(rc == MDX_DEC_OVERFLOW, "does not fit, parse says "
		    "%d", rc);
		return 0;
	}
	if (rc != MDX_DEC_OK)
		cn_show("model", &m);
	FUZZ_CHECK(rc == MDX_DEC_OK, "fits, but parse says %d", rc);
	model_of(d, &got, text);
	if (!cn_eq(&got, &m)) {
		cn_show("model", &m);
		cn_show("got", &got);
		FUZZ_CHECK(0, "parsed value differs from the model: '%s'",
		    text);
	}
	FUZZ_CHECK(d->scale == want_scale(&m, ws), "scale %d, want %ld",
	    d->scale, want_scale(&m, ws));
	FUZZ_CHECK(mdx_dec_parse(&d2, text, strlen(text)) == MDX_DEC_OK,
	    "formatted '%s' does not parse", text);
	FUZZ_CHECK(d2.coef == d->coef && d2.scale == d->scale,
	    "'%s' parses to another coefficient or scale", text);
	mdx_dec_format(&d2, text2);
	FUZZ_CHECK(strcmp(text, text2) == 0, "'%s' formats as '%s'", text,
	    text2);
	FUZZ_CHECK(mdx_dec_to_double(d) == strtod(text, NULL),
	    "to_double of '%s'", text);
	FUZZ_CHECK(mdx_dec_sign(d) == (m.nd == 0 ? 0 : m.neg ? -1 : 1),
	    "sign of '%s'", text);
	d2 = *d;
	mdx_dec_normalize(&d2);
	FUZZ_CHECK(mdx_dec_cmp(&d2, d) == 0, "normalize changed the value");
	*c = m;
	return 1;
}

/* Checks an arithmetic result r (rc) against the model. */
static void
result(const char *op, int rc, const mdx_dec *r, const struct cn *want,
    long scale)
{
	char text[MDX_DEC_BUFSZ];
	struct cn got;

	if (!fits(want)) {
		if (rc != MDX_DEC_OVERFLOW)
			cn_show("exact", want);
		FUZZ_CHECK(rc == MDX_DEC_OVERFLOW, "%s: does not fit, got %d",
		    op, rc);
		return;
	}
	if (rc != MDX_DEC_OK)
		cn_show("exact", want);
	FUZZ_CHECK(rc == MDX_DEC_OK, "%s: fits, but %d", op, rc);
	model_of(r, &got, text);
	if (!cn_eq(&got, want)) {
		cn_show("exact", want);
		cn_show("got", &got);
		FUZZ_CHECK(0, "%s: wrong value '%s'", op, text);
	}
	FUZZ_CHECK(r->scale == want_scale(want, scale), "%s: scale %d, want "
	    "%ld", op, r->scale, want_scale(want, scale));
}

static void
fuzz_setup(void)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sp;
	mdx_dec a, b, r, r2;
	struct cn ma, mb, w;
	int rc, oka, okb, c;

	if (size > MAXIN)
		return 0;
	one(s, size, &a, &ma);
	if ((sp = memchr(s, ' ', size)) == NULL)
		return 0;
	oka = one(s, sp - s, &a, &ma);
	okb = one(sp + 1, size - (sp + 1 - s), &b, &mb);
	if (!oka || !okb)
		return 0;

	c = mdx_dec_cmp(&a, &b);
	FUZZ_CHECK(c == cn_cmp(&ma, &mb), "cmp %d, model %d", c,
	    cn_cmp(&ma, &mb));
	FUZZ_CHECK(mdx_dec_cmp(&b, &a) == -c, "cmp is not antisymmetric");
	FUZZ_CHECK(mdx_dec_min(&a, &b) == (c <= 0 ? &a : &b), "min");
	FUZZ_CHECK(mdx_dec_max(&a, &b) == (c >= 0 ? &a : &b), "max");

	rc = mdx_dec_add(&r, &a, &b);
	cn_add(&w, &ma, &mb, 0);
	result("add", rc, &r, &w, a.scale > b.scale ? a.scale : b.scale);
	if (rc == MDX_DEC_OK) {
		FUZZ_CHECK(mdx_dec_add(&r2, &b, &a) == MDX_DEC_OK &&
		    r2.coef == r.coef && r2.scale == r.scale,
		    "add is not commutative");
		if (mdx_dec_sub(&r2, &r, &b) == MDX_DEC_OK)
			FUZZ_CHECK(mdx_dec_cmp(&r2, &a) == 0,
			    "(a + b) - b != a");
	}
	rc = mdx_dec_sub(&r, &a, &b);
	cn_add(&w, &ma, &mb, 1);
	result("sub", rc, &r, &w, a.scale > b.scale ? a.scale : b.scale);
	if (rc == MDX_DEC_OK && mdx_dec_add(&r2, &r, &b) == MDX_DEC_OK)
		FUZZ_CHECK(mdx_dec_cmp(&r2, &a) == 0, "(a - b) + b != a");

	rc = mdx_dec_mul(&r, &a, &b);
	cn_mul(&w, &ma, &mb);
	result("mul", rc, &r, &w, (long)a.scale + b.scale);
	return 0;
}
