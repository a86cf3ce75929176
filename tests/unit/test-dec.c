/*
 * test-dec.c - exact decimals: parsing, formatting, comparison and
 * arithmetic, with the cases exchanges actually send and the edges of the
 * 38-digit range.  The expected values are written out literally; the
 * randomised part checks against schoolbook arithmetic on digit arrays,
 * which shares no code with lib/dec.c.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdx.h"
#include "tap.h"

#define NINES38 "99999999999999999999999999999999999999"
#define ONE_39 "100000000000000000000000000000000000000"
#define E_38 "0.00000000000000000000000000000000000001"

static char out[8][MDX_DEC_BUFSZ + 16];
static int outi;

/* A rotating buffer, so several results can be used in one expression. */
static char *
next_out(void)
{
	outi = (outi + 1) % 8;
	return out[outi];
}

static const char *
show(int rc, const mdx_dec *d)
{
	char *o = next_out();

	if (rc == MDX_DEC_SYNTAX)
		return "SYNTAX";
	if (rc == MDX_DEC_OVERFLOW)
		return "OVERFLOW";
	if (rc != MDX_DEC_OK)
		return "BADRC";
	mdx_dec_format(d, o);
	return o;
}

static mdx_dec
D(const char *s)
{
	mdx_dec d;

	if (mdx_dec_parse(&d, s, strlen(s)) != MDX_DEC_OK) {
		printf("# cannot parse test operand '%s'\n", s);
		exit(2);
	}
	return d;
}

/* Parses s and formats it back, or names the error. */
static const char *
fmt(const char *s)
{
	mdx_dec d;

	return show(mdx_dec_parse(&d, s, strlen(s)), &d);
}

/* Works out "a op b": two decimals and +, - or * between blanks. */
static const char *
calc(const char *expr)
{
	char a[MDX_DEC_BUFSZ + 16];
	const char *op = strchr(expr, ' ');
	mdx_dec x, y, r;
	int rc;

	snprintf(a, sizeof(a), "%.*s", (int)(op - expr), expr);
	x = D(a);
	y = D(op + 3);
	if (op[1] == '+')
		rc = mdx_dec_add(&r, &x, &y);
	else if (op[1] == '-')
		rc = mdx_dec_sub(&r, &x, &y);
	else
		rc = mdx_dec_mul(&r, &x, &y);
	return show(rc, &r);
}

static int
cmp(const char *a, const char *b)
{
	mdx_dec x = D(a), y = D(b);
	int c = mdx_dec_cmp(&x, &y);

	return (c > 0) - (c < 0);
}

static const char *
norm(const char *s)
{
	mdx_dec d = D(s);

	mdx_dec_normalize(&d);
	return show(MDX_DEC_OK, &d);
}

static void
test_parse_format(void)
{
	static const struct tap_str_row texts[] = {
		{ "42283.58000000", "42283.58000000",
		    "trailing zeros keep their scale" },
		{ "0.00100000", "0.00100000",
		    "exchange string" },
		{ "0", "0",
		    "zero" },
		{ "-0", "0",
		    "negative zero prints without sign" },
		{ "-0.00", "0.00",
		    "negative zero keeps scale, no sign" },
		{ "-0e5", "0",
		    "negative zero with exponent" },
		{ "1e-8", "0.00000001",
		    "1e-8" },
		{ "1E-8", "0.00000001",
		    "1E-8" },
		{ "-1e-8", "-0.00000001",
		    "-1e-8" },
		{ "2.5E+3", "2500",
		    "2.5E+3" },
		{ "1e3", "1000",
		    "1e3 is an integer" },
		{ "1E2", "100",
		    "1E2" },
		{ "1.5e1", "15",
		    "1.5e1" },
		{ "1.50e-1", "0.150",
		    "1.50e-1 keeps the trailing zero" },
		{ "123.456e2", "12345.6",
		    "123.456e2" },
		{ "5e-0", "5",
		    "exponent -0" },
		{ "0.1e+01", "1",
		    "exponent with leading zero" },
		{ "99999999999.99999999", "99999999999.99999999",
		    "99999999999.99999999" },
		{ "007.50", "7.50",
		    "leading zeros are dropped" },
		{ "-1234567.891", "-1234567.891",
		    "negative" },
		{ "18446744073709551615", "18446744073709551615",
		    "2^64 - 1" },
		{ "18446744073709551616", "18446744073709551616",
		    "2^64" },
		{ "-9223372036854775809", "-9223372036854775809",
		    "below INT64_MIN" },
		{ "12345678901234567890123456789012345678",
		    "12345678901234567890123456789012345678",
		    "38 digits" },
		{ "1234567890123456789.0123456789012345678",
		    "1234567890123456789.0123456789012345678",
		    "38 digits with a fraction" },
		{ NINES38, NINES38,
		    "38 nines: the maximum" },
		{ "-" NINES38, "-" NINES38,
		    "the minimum" },
		{ "0." NINES38, "0." NINES38,
		    "38 fraction digits" },
		{ "00000" NINES38, NINES38,
		    "leading zeros do not count as digits" },
		{ "0.000" NINES38, "OVERFLOW",
		    "scale 41 overflows" },
		{ ONE_39, "OVERFLOW",
		    "39 digits overflow" },
		{ "9" NINES38, "OVERFLOW",
		    "39 nines overflow" },
		{ "1" NINES38 ".5", "OVERFLOW",
		    "39 digits with fraction" },
		{ "1e37", "10000000000000000000000000000000000000",
		    "1e37 fits" },
		{ "1e38", "OVERFLOW",
		    "1e38 overflows" },
		{ "9.9e37", "99000000000000000000000000000000000000",
		    "9.9e37 fits" },
		{ "1e-38", E_38,
		    "1e-38 fits" },
		{ "1e-39", "OVERFLOW",
		    "1e-39 overflows" },
		{ "1e999999999999", "OVERFLOW",
		    "huge exponent" },
		{ "1e-999999999999", "OVERFLOW",
		    "huge negative exponent" },
		{ "0e999999999999", "0",
		    "zero with huge exponent" },
		{ "100e-40", E_38,
		    "trailing zeros dropped to fit the scale" },
		{ "0.000000000000000000000000000000000000010", E_38,
		    "scale 39 with a trailing zero fits" },
		{ "1.0000000000000000000000000000000000000000",
		    "1.0000000000000000000000000000000000000",
		    "41 digits of which trailing zeros are dropped to fit" },
		{ "0e-50", "0.00000000000000000000000000000000000000",
		    "zero's scale is capped at 38" },
		/* Not numbers. */
		{ "", "SYNTAX",
		    "empty" },
		{ "-", "SYNTAX",
		    "sign alone" },
		{ "+1", "SYNTAX",
		    "leading plus" },
		{ "1.", "SYNTAX",
		    "1." },
		{ ".5", "SYNTAX",
		    ".5" },
		{ "-.5", "SYNTAX",
		    "-.5" },
		{ "1e", "SYNTAX",
		    "1e" },
		{ "1e+", "SYNTAX",
		    "1e+" },
		{ "1e-", "SYNTAX",
		    "1e-" },
		{ "e5", "SYNTAX",
		    "e5" },
		{ "1.e5", "SYNTAX",
		    "1.e5" },
		{ "NaN", "SYNTAX",
		    "NaN" },
		{ "nan", "SYNTAX",
		    "nan" },
		{ "Infinity", "SYNTAX",
		    "Infinity" },
		{ "-Infinity", "SYNTAX",
		    "-Infinity" },
		{ "inf", "SYNTAX",
		    "inf" },
		{ " 1", "SYNTAX",
		    "leading blank" },
		{ "1 ", "SYNTAX",
		    "trailing blank" },
		{ "1..2", "SYNTAX",
		    "two points" },
		{ "1.2.3", "SYNTAX",
		    "1.2.3" },
		{ "--1", "SYNTAX",
		    "two signs" },
		{ "0x10", "SYNTAX",
		    "hex" },
		{ "1,5", "SYNTAX",
		    "decimal comma" },
		{ "1e5.5", "SYNTAX",
		    "fractional exponent" },
		{ "1_000", "SYNTAX",
		    "digit separator" },
		{ "\"1\"", "SYNTAX",
		    "quotes" },
	};
	mdx_dec d;

	is_str_rows(fmt, texts);
	ok(mdx_dec_parse(&d, "12\0" "3", 4) == MDX_DEC_SYNTAX,
	    "embedded NUL");
	ok(mdx_dec_parse(&d, "1234", 2) == MDX_DEC_OK && d.coef == 12 &&
	    d.scale == 0, "only n bytes are read");
	ok(mdx_dec_parse(&d, "1e-8", 4) == MDX_DEC_OK && d.coef == 1 &&
	    d.scale == 8, "1e-8 is coef 1 scale 8");
	ok(mdx_dec_parse(&d, "1e3", 3) == MDX_DEC_OK && d.coef == 1000 &&
	    d.scale == 0, "1e3 is coef 1000 scale 0");
}

static void
test_arith(void)
{
	static const struct tap_str_row sums[] = {
		{ "1.5 + 2.25", "3.75",
		    "scales align" },
		{ "1 + 0.001", "1.001",
		    "integer + fraction" },
		{ "1.10 + 2.205", "3.305",
		    "larger scale wins" },
		{ "99999999999.99999999 + 0.00000001", "100000000000.00000000",
		    "carry through every digit" },
		{ "-1.5 + 1.5", "0.0",
		    "sum to zero has no sign" },
		{ "1e-8 + 1e-8", "0.00000002",
		    "1e-8 + 1e-8" },
		{ "10 - 0.01", "9.99",
		    "10 - 0.01" },
		{ "0.1 - 0.3", "-0.2",
		    "0.1 - 0.3" },
		{ "1.00 - 1.00", "0.00",
		    "1.00 - 1.00" },
		{ "-5 - -7.5", "2.5",
		    "minus a negative" },
		{ NINES38 " + 0", NINES38,
		    "max + 0" },
		{ NINES38 " + 1", "OVERFLOW",
		    "max + 1 overflows" },
		{ "-" NINES38 " - 1", "OVERFLOW",
		    "min - 1 overflows" },
		{ NINES38 " + " NINES38, "OVERFLOW",
		    "max + max overflows" },
		{ NINES38 " + 0.1", "OVERFLOW",
		    "max + 0.1 needs 39 digits" },
		{ "9999999999999999999999999999999999999 + 1.000",
		    "10000000000000000000000000000000000000",
		    "trailing zeros dropped rather than overflow" },
		{ "10000000000000000000000000000000000000"
		    " - 9999999999999999999999999999999999999.5", "0.5",
		    "an operand scaled beyond 38 digits, the difference "
		    "within" },
		{ "0." NINES38 " + " E_38,
		    "1.0000000000000000000000000000000000000",
		    "carry into a 39th digit: one trailing zero dropped" },
	}, products[] = {
		{ "1.5 * 2", "3.0",
		    "1.5 * 2" },
		{ "0.1 * 0.1", "0.01",
		    "0.1 * 0.1" },
		{ "0.5 * 0.2", "0.10",
		    "scales add" },
		{ "-2.5 * 4", "-10.0",
		    "negative product" },
		{ "-2.5 * -4", "10.0",
		    "two negatives" },
		{ "-2.5 * 0", "0.0",
		    "zero product has no sign" },
		{ "42283.58 * 0.00100000", "42.2835800000",
		    "price times quantity" },
		{ "1.0000000000 * 1.0000000000", "1.00000000000000000000",
		    "scale 20" },
		{ "1e-20 * 1e-20", "OVERFLOW",
		    "scale 40 overflows" },
		{ "1.00000000000000000000 * 1.00000000000000000000",
		    "1.0000000000000000000000000000000000000",
		    "only the trailing zeros in the way are dropped" },
		{ "0.00088817841970012523233890533447265625"
		    " * 115292150.4606846976",
		    "102400.00000000000000000000000000000000",
		    "5^50 * 2^60 beyond 128 bits, exact after dropping zeros" },
		{ "0.00088817841970012523233890533447265625"
		    " * 115292150.4606846977",
		    "OVERFLOW",
		    "the same plus one unit does not fit" },
		{ "10000000000000000000 * 10000000000000000000", "OVERFLOW",
		    "1e19 * 1e19 overflows" },
		{ "1000000000000000000 * 10000000000000000000",
		    "10000000000000000000000000000000000000",
		    "1e18 * 1e19 fits" },
		{ NINES38 " * 1", NINES38,
		    "max * 1" },
		{ NINES38 " * 2", "OVERFLOW",
		    "max * 2 overflows" },
		{ NINES38 " * " NINES38, "OVERFLOW",
		    "max * max overflows" },
	};
	mdx_dec a, b, r;

	is_str(calc("0.1 + 0.2"), "0.3", "0.1 + 0.2 = 0.3");
	ok(cmp(calc("0.1 + 0.2"), "0.3") == 0, "0.1 + 0.2 == 0.3 exactly");
	is_str_rows(calc, sums);
	a = D("1.5");
	b = D(NINES38);
	r = D("7.25");
	ok(mdx_dec_add(&r, &a, &b) == MDX_DEC_OVERFLOW, "overflow reported");
	is_str(show(MDX_DEC_OK, &r), "7.25", "result unchanged on overflow");
	a = D("1");
	b = D("2");
	ok(mdx_dec_add(&a, &a, &b) == MDX_DEC_OK, "result may alias");
	is_str(show(MDX_DEC_OK, &a), "3", "aliased sum");

	is_str_rows(calc, products);
}

static void
test_cmp(void)
{
	static const struct tap_pair_row cmps[] = {
		{ "1.0", "1", 0,
		    "1.0 == 1" },
		{ "1", "1.000000", 0,
		    "1 == 1.000000" },
		{ "1.01", "1.001", 1,
		    "1.01 > 1.001" },
		{ "-1.01", "-1.001", -1,
		    "-1.01 < -1.001" },
		{ "0.00", "-0", 0,
		    "0.00 == -0" },
		{ "-0.5", "0", -1,
		    "-0.5 < 0" },
		{ "0", "-0.5", 1,
		    "0 > -0.5" },
		{ E_38, "0", 1,
		    "1e-38 > 0" },
		{ NINES38, E_38, 1,
		    "max > 1e-38 across 38 scales" },
		{ E_38, NINES38, -1,
		    "1e-38 < max across 38 scales" },
		{ "-" NINES38, "-" E_38, -1,
		    "min < -1e-38" },
		{ NINES38, "9999999999999999999999999999999999999.9", 1,
		    "38 nines > 37 nines .9" },
		{ "1", "0." NINES38, 1,
		    "1 > 0.999... (38 nines)" },
		{ "0." NINES38, "1", -1,
		    "0.999... (38 nines) < 1" },
		{ "42283.58", "42283.580000001", -1,
		    "small difference" },
		{ "100", "1e2", 0,
		    "100 == 1e2" },
	};
	static const struct tap_str_row norms[] = {
		{ "1.500", "1.5",
		    "normalize 1.500" },
		{ "2.00", "2",
		    "normalize 2.00" },
		{ "0.000", "0",
		    "normalize 0.000" },
		{ "-120.0", "-120",
		    "normalize keeps integer zeros" },
		{ "100", "100",
		    "normalize 100" },
		{ "1234567890123456789012345.6789000000000",
		    "1234567890123456789012345.6789",
		    "normalize a wide number" },
	};
	mdx_dec a, b;

	is_int_rows2(cmp, cmps);

	a = D("1.50");
	b = D("1.5");
	ok(mdx_dec_min(&a, &b) == &a && mdx_dec_max(&a, &b) == &a,
	    "equal: min and max return the first");
	b = D("-3");
	ok(mdx_dec_min(&a, &b) == &b, "min");
	ok(mdx_dec_max(&a, &b) == &a, "max");
	ok(mdx_dec_max(&b, &a) == &a, "max, operands swapped");

	ok(mdx_dec_sign(&a) == 1, "sign +");
	ok(mdx_dec_sign(&b) == -1, "sign -");
	a = D("-0.000");
	ok(mdx_dec_sign(&a) == 0 && mdx_dec_is_zero(&a), "-0.000 is zero");
	ok(!mdx_dec_is_zero(&b), "-3 is not zero");

	is_str_rows(norm, norms);
}

static void
test_misc(void)
{
	struct mdx_json v;
	struct mdx_buf b = MDX_BUF_INIT;
	mdx_dec d;

	memset(&v, 0, sizeof(v));
	v.type = MDX_JSON_NUMBER;
	v.text = "1e-8,";
	v.len = 4;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_OK, "json number");
	is_str(show(MDX_DEC_OK, &d), "0.00000001", "json number value");
	v.type = MDX_JSON_STRING;
	v.text = "42283.58000000\"";
	v.len = 14;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_OK, "json string");
	is_str(show(MDX_DEC_OK, &d), "42283.58000000", "json string value");
	v.escaped = 1;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_SYNTAX,
	    "json string with escapes is not a decimal");
	v.escaped = 0;
	v.type = MDX_JSON_NULL;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_SYNTAX, "json null");
	v.type = MDX_JSON_TRUE;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_SYNTAX, "json true");
	ok(mdx_dec_from_json(&d, NULL) == MDX_DEC_SYNTAX, "missing node");
	v.type = MDX_JSON_STRING;
	v.text = "";
	v.len = 0;
	ok(mdx_dec_from_json(&d, &v) == MDX_DEC_SYNTAX, "empty string");

	d = mdx_dec_from_int(INT64_MIN);
	is_str(show(MDX_DEC_OK, &d), "-9223372036854775808", "from INT64_MIN");
	d = mdx_dec_from_int(0);
	is_str(show(MDX_DEC_OK, &d), "0", "from 0");
	d = mdx_dec_from_int(1362);
	is_str(show(MDX_DEC_OK, &d), "1362", "from 1362");

	mdx_buf_addstr(&b, "x=");
	d = D("-0.5");
	mdx_dec_add_to_buf(&b, &d);
	mdx_buf_addch(&b, ',');
	d = D("-" NINES38);
	mdx_dec_add_to_buf(&b, &d);
	is_str(b.data, "x=-0.5,-" NINES38, "add_to_buf appends");
	ok(b.len == strlen(b.data), "buffer length kept");
	mdx_buf_free(&b);

	ok(strcmp(mdx_dec_strerror(MDX_DEC_SYNTAX),
	    mdx_dec_strerror(MDX_DEC_OVERFLOW)) != 0 &&
	    strstr(mdx_dec_strerror(MDX_DEC_OVERFLOW), "38") != NULL,
	    "strerror tells the errors apart");

	d = D("0.1");
	ok(mdx_dec_to_double(&d) == 0.1, "to_double 0.1");
	d = D("42283.58");
	ok(mdx_dec_to_double(&d) == 42283.58, "to_double 42283.58");
	d = D("-1e-8");
	ok(mdx_dec_to_double(&d) == -1e-8, "to_double -1e-8");
	d = D(NINES38);
	ok(mdx_dec_to_double(&d) == 1e38, "to_double 38 nines");
	d = D("123456789012345678.9");
	ok(mdx_dec_to_double(&d) == 123456789012345678.9,
	    "to_double beyond 2^53");
	d = D("0.000000000000000000000000123");
	ok(mdx_dec_to_double(&d) == 1.23e-25, "to_double scale 27");
	d = D("-0.00");
	ok(mdx_dec_to_double(&d) == 0.0, "to_double zero");
}

/*
 * The oracle: a decimal as a sign and 77 digits at fixed scale 38, little
 * end first (dig[38] is the units digit).
 */
struct big {
	int neg;
	signed char dig[80];
};

static void
big_from(struct big *x, const char *s)
{
	const char *pt;
	int pos, i;

	memset(x, 0, sizeof(*x));
	if (*s == '-') {
		x->neg = 1;
		s++;
	}
	pt = strchr(s, '.');
	pos = 38 + (int)(pt != NULL ? pt - s : (long)strlen(s)) - 1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.')
			continue;
		x->dig[pos--] = s[i] - '0';
	}
}

static int
big_cmpmag(const struct big *a, const struct big *b)
{
	int i;

	for (i = 79; i >= 0; i--)
		if (a->dig[i] != b->dig[i])
			return a->dig[i] < b->dig[i] ? -1 : 1;
	return 0;
}

static int
big_iszero(const struct big *a)
{
	int i;

	for (i = 0; i < 80; i++)
		if (a->dig[i])
			return 0;
	return 1;
}

static void
big_add(struct big *r, const struct big *a, const struct big *b)
{
	const struct big *x = a, *y = b;
	int i, c = 0, v;

	memset(r, 0, sizeof(*r));
	if (a->neg == b->neg) {
		for (i = 0; i < 80; i++) {
			v = a->dig[i] + b->dig[i] + c;
			r->dig[i] = v % 10;
			c = v / 10;
		}
		r->neg = a->neg;
		return;
	}
	if (big_cmpmag(a, b) < 0) {
		x = b;
		y = a;
	}
	for (i = 0; i < 80; i++) {
		v = x->dig[i] - y->dig[i] - c;
		c = v < 0;
		r->dig[i] = v + 10 * c;
	}
	r->neg = x->neg && !big_iszero(r);
}

/* Formats at the given scale; returns the number of coefficient digits. */
static int
big_format(const struct big *x, int scale, char *o)
{
	int hi = 79, i, n = 0;

	while (hi > 38 && x->dig[hi] == 0)
		hi--;
	if (x->neg)
		*o++ = '-';
	for (i = hi; i >= 38 - scale; i--) {
		if (i == 37)
			*o++ = '.';
		*o++ = '0' + x->dig[i];
	}
	*o = '\0';
	/* Count from the first nonzero digit. */
	for (i = hi; i >= 38 - scale && x->dig[i] == 0; i--)
		;
	for (; i >= 38 - scale; i--)
		n++;
	return n;
}

/*
 * The oracle for products: the coefficient as digits (least significant
 * first) and a scale, multiplied by hand.
 */
struct coef {
	int neg, n, scale;
	signed char dig[90];
};

static void
coef_from(struct coef *c, const char *s)
{
	int i, len;

	memset(c, 0, sizeof(*c));
	if (*s == '-') {
		c->neg = 1;
		s++;
	}
	len = strlen(s);
	for (i = len - 1; i >= 0; i--) {
		if (s[i] == '.') {
			c->scale = len - 1 - i;
			continue;
		}
		c->dig[c->n++] = s[i] - '0';
	}
	while (c->n > 0 && c->dig[c->n - 1] == 0)
		c->n--;
}

/* The expected text of a * b, or "OVERFLOW". */
static void
coef_mul(const char *a, const char *b, char *o)
{
	struct coef x, y, p;
	int i, j, c, sc, lo = 0;

	coef_from(&x, a);
	coef_from(&y, b);
	memset(&p, 0, sizeof(p));
	for (i = 0; i < x.n; i++) {
		c = 0;
		for (j = 0; j < y.n || c; j++) {
			int v = p.dig[i + j] + c +
			    (j < y.n ? x.dig[i] * y.dig[j] : 0);

			p.dig[i + j] = v % 10;
			c = v / 10;
		}
	}
	p.n = x.n + y.n + 1;
	while (p.n > 0 && p.dig[p.n - 1] == 0)
		p.n--;
	sc = x.scale + y.scale;
	/* Drop trailing zeros only while they are in the way. */
	while ((p.n - lo > 38 || sc > 38) && sc > 0 && p.dig[lo] == 0 &&
	    p.n > lo) {
		lo++;
		sc--;
	}
	if (p.n == 0)
		while (sc > 38)
			sc--;
	if (p.n - lo > 38 || sc > 38) {
		strcpy(o, "OVERFLOW");
		return;
	}
	if (p.n > lo && x.neg != y.neg)
		*o++ = '-';
	for (i = (p.n - lo > sc + 1 ? p.n - lo : sc + 1) - 1; i >= 0; i--) {
		*o++ = '0' + (i + lo < p.n ? p.dig[i + lo] : 0);
		if (i == sc && sc > 0)
			*o++ = '.';
	}
	*o = '\0';
}

static uint64_t rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	return (unsigned)(tap_xorshift(&rng) % n);
}

/*
 * Writes the canonical text (as mdx_dec_format prints it) of the n digits
 * digs (most significant first, leading zeros allowed) at scale sc.
 */
static void
canon(char *s, const char *digs, int n, int sc, int neg)
{
	char *o = s;
	int i;

	if (neg)
		*o++ = '-';
	if (sc >= n) {
		*o++ = '0';
		*o++ = '.';
		for (i = 0; i < sc - n; i++)
			*o++ = '0';
		memcpy(o, digs, n);
		o += n;
	} else {
		for (i = 0; i < n - sc - 1 && digs[i] == '0'; i++)
			;
		memcpy(o, digs + i, n - sc - i);
		o += n - sc - i;
		if (sc > 0) {
			*o++ = '.';
			memcpy(o, digs + n - sc, sc);
			o += sc;
		}
	}
	*o = '\0';
	/* "-0", "-0.00": negative zero prints without its sign. */
	if (s[0] == '-' && strspn(s + 1, "0.") == strlen(s + 1))
		memmove(s, s + 1, strlen(s));
}

/*
 * A random decimal in canonical form, biased towards nines and zeros so
 * carries, borrows and trailing zeros are common.
 */
static void
random_dec(char *s, int *scale)
{
	char digs[40];
	int n = 1 + rnd(38), sc = rnd(39), i, k;

	if (rnd(4) == 0)
		n = 1 + rnd(4);
	for (i = 0; i < n; i++) {
		k = rnd(4);
		digs[i] = k == 0 ? '9' : k == 1 ? '0' : '0' + rnd(10);
	}
	canon(s, digs, n, sc, rnd(2));
	*scale = sc;
}

/* base^k as decimal digits, most significant first; returns the count. */
static int
power_digits(int base, int k, char *digs)
{
	signed char d[80] = { 1 };
	int n = 1, i, c, v;

	while (k-- > 0) {
		for (i = 0, c = 0; i < n; i++) {
			v = d[i] * base + c;
			d[i] = v % 10;
			c = v / 10;
		}
		while (c > 0) {
			d[n++] = c % 10;
			c /= 10;
		}
	}
	for (i = 0; i < n; i++)
		digs[i] = '0' + d[n - 1 - i];
	return n;
}

/*
 * Products of powers of 5 and 2 are where a product beyond 128 bits can
 * still fit after its trailing zeros go: 5^50 * 2^60 = 1024 * 10^50.
 */
static void
test_powers(void)
{
	char da[80], db[80], a[96], b[96], want[128];
	const char *got;
	int i, j, na, nb, bad = 0, fitted = 0;
	mdx_dec x, y, r;

	for (i = 0; i <= 54; i++) {
		na = power_digits(5, i, da);
		for (j = 0; j <= 126; j++) {
			nb = power_digits(2, j, db);
			if (nb > 38)
				break;
			canon(a, da, na, rnd(39), rnd(2));
			canon(b, db, nb, rnd(39), 0);
			coef_mul(a, b, want);
			x = D(a);
			y = D(b);
			got = show(mdx_dec_mul(&r, &x, &y), &r);
			if (strcmp(want, "OVERFLOW") != 0 && na + nb > 39)
				fitted++;
			if (strcmp(got, want) != 0 && bad++ < 5)
				printf("# '%s' * '%s' = '%s', want '%s'\n", a,
				    b, got, want);
		}
	}
	printf("# %d products beyond 38 digits fitted\n", fitted);
	ok(fitted > 0, "some products only fit after dropping zeros");
	ok(bad == 0, "products of powers of 5 and 2");
}

static void
test_random(void)
{
	char a[64], b[64], e[128], ex[80], want[128];
	const char *got;
	struct big x, y, z;
	int i, sa, sb, sc, bad_fmt = 0, bad_exp = 0, bad_add = 0, bad_cmp = 0;
	int bad_mul = 0, n_over = 0, n_trim = 0;
	int c, wc, nd;
	mdx_dec da, db, dr;

	for (i = 0; i < 200000; i++) {
		random_dec(a, &sa);
		random_dec(b, &sb);
		if (strcmp(fmt(a), a) != 0 && bad_fmt++ < 5)
			printf("# round trip: '%s' -> '%s'\n", a, fmt(a));
		/* The same number as digits and a negative exponent. */
		snprintf(ex, sizeof(ex), "%.*s%s", (int)strcspn(a, "."), a,
		    strchr(a, '.') != NULL ? strchr(a, '.') + 1 : "");
		snprintf(e, sizeof(e), "%se-%d", ex, sa);
		if (strcmp(fmt(e), a) != 0 && bad_exp++ < 5)
			printf("# exponent form: '%s' -> '%s', want '%s'\n", e,
			    fmt(e), a);

		da = D(a);
		db = D(b);
		big_from(&x, a);
		big_from(&y, b);

		c = mdx_dec_cmp(&da, &db);
		c = (c > 0) - (c < 0);
		if (x.neg != y.neg && !(big_iszero(&x) && big_iszero(&y)))
			wc = x.neg ? -1 : 1;
		else
			wc = x.neg ? -big_cmpmag(&x, &y) : big_cmpmag(&x, &y);
		if (big_iszero(&x) && big_iszero(&y))
			wc = 0;
		if (c != wc && bad_cmp++ < 5)
			printf("# cmp '%s' '%s': %d, want %d\n", a, b, c, wc);

		/* a + b and a - b against the oracle. */
		for (int op = 0; op < 2; op++) {
			struct big yy = y;
			int rc;

			if (op == 1 && !big_iszero(&yy))
				yy.neg = !yy.neg;
			big_add(&z, &x, &yy);
			sc = sa > sb ? sa : sb;
			nd = big_format(&z, sc, want);
			rc = op == 0 ? mdx_dec_add(&dr, &da, &db) :
			    mdx_dec_sub(&dr, &da, &db);
			got = show(rc, &dr);
			if (nd > 38 && sc > 0 && z.dig[38 - sc] == 0)
				n_trim++;
			/* Trailing zeros go only while they are in the way. */
			while (nd > 38 && sc > 0 && z.dig[38 - sc] == 0)
				nd = big_format(&z, --sc, want);
			if (nd > 38) {
				strcpy(want, "OVERFLOW");
				n_over++;
			}
			if (strcmp(got, want) != 0 && bad_add++ < 5)
				printf("# '%s' %c '%s' = '%s', want '%s'\n", a,
				    op ? '-' : '+', b, got, want);
		}
		coef_mul(a, b, want);
		got = show(mdx_dec_mul(&dr, &da, &db), &dr);
		if (strcmp(got, want) != 0 && bad_mul++ < 5)
			printf("# '%s' * '%s' = '%s', want '%s'\n", a, b, got,
			    want);
	}
	printf("# %d sums overflowed, %d fitted after dropping zeros\n",
	    n_over, n_trim);
	ok(n_over > 0 && n_trim > 0, "the random sums reach both edges");
	ok(bad_fmt == 0, "random round trips");
	ok(bad_exp == 0, "random exponent forms");
	ok(bad_cmp == 0, "random comparisons against digit arithmetic");
	ok(bad_add == 0, "random sums and differences against digit "
	    "arithmetic");
	ok(bad_mul == 0, "random products against digit arithmetic");
}

/*
 * What the parser must decide about text s, worked out independently: the
 * grammar by a POSIX regular expression, the range from the significant
 * digits and the exponent of the value.
 */
static int
expect_parse(const regex_t *re, const char *s)
{
	const char *p, *ep;
	long e = 0, k = 0, tz = 0, pointpos = -1, ndig = 0, first = -1;
	long last = -1, ev = 0;
	int eneg = 0;

	if (regexec(re, s, 0, NULL, 0) != 0)
		return MDX_DEC_SYNTAX;
	if (*s == '-')
		s++;
	ep = strpbrk(s, "eE");
	for (p = s; *p != '\0' && p != ep; p++) {
		if (*p == '.') {
			pointpos = ndig;
			continue;
		}
		if (*p != '0') {
			if (first < 0)
				first = ndig;
			last = ndig;
		}
		ndig++;
	}
	if (first < 0)
		return MDX_DEC_OK;	/* zero fits at any exponent */
	if (pointpos < 0)
		pointpos = ndig;
	if (ep != NULL) {
		p = ep + 1;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; *p != '\0'; p++)
			if (ev < 1000000)
				ev = ev * 10 + (*p - '0');
		if (eneg)
			ev = -ev;
	}
	/* value = C * 10^e, C the digits first..last without trailing
	 * zeros. */
	k = last - first + 1;
	tz = pointpos - (last + 1);
	e = tz + ev;
	if (e >= 0)
		return k + e <= 38 ? MDX_DEC_OK : MDX_DEC_OVERFLOW;
	return k <= 38 && -e <= 38 ? MDX_DEC_OK : MDX_DEC_OVERFLOW;
}

/*
 * Random text over the alphabet of numbers: the parser accepts exactly
 * what the grammar allows, overflows exactly when the value does not fit,
 * and the value it finds is the one strtod() finds (both round correctly
 * to the nearest double).  A formatted result parses back to itself.
 */
static void
test_random_text(void)
{
	static const char alpha[] = "0000000123456789..--+eE";
	char s[64], back[MDX_DEC_BUFSZ];
	regex_t re;
	int i, j, n, rc, want, bad = 0, nok = 0, nover = 0, nsyn = 0;
	mdx_dec d, d2;

	if (regcomp(&re, "^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$",
	    REG_EXTENDED | REG_NOSUB) != 0) {
		ok(0, "regcomp");
		return;
	}
	for (i = 0; i < 300000; i++) {
		n = 1 + rnd(i % 3 == 0 ? 50 : 12);
		for (j = 0; j < n; j++)
			s[j] = alpha[rnd(sizeof(alpha) - 1)];
		s[n] = '\0';
		/* Make well-formed numbers common. */
		if (i % 2 == 0)
			for (j = 0; j < n; j++)
				if (s[j] == '-' || s[j] == '+' ||
				    (s[j] == '.' && (j == 0 ||
				    strchr(s, '.') != s + j)))
					s[j] = '0' + rnd(10);
		want = expect_parse(&re, s);
		rc = mdx_dec_parse(&d, s, n);
		nok += rc == MDX_DEC_OK;
		nover += rc == MDX_DEC_OVERFLOW;
		nsyn += rc == MDX_DEC_SYNTAX;
		if (rc != want) {
			if (bad++ < 5)
				printf("# '%s': %d, want %d\n", s, rc, want);
			continue;
		}
		if (rc != MDX_DEC_OK)
			continue;
		if (mdx_dec_to_double(&d) != strtod(s, NULL) && bad++ < 5)
			printf("# '%s': value %.17g, strtod %.17g\n", s,
			    mdx_dec_to_double(&d), strtod(s, NULL));
		n = mdx_dec_format(&d, back);
		if ((mdx_dec_parse(&d2, back, n) != MDX_DEC_OK ||
		    d2.coef != d.coef || d2.scale != d.scale) && bad++ < 5)
			printf("# '%s' formats as '%s', which parses back "
			    "differently\n", s, back);
	}
	regfree(&re);
	printf("# %d parsed, %d overflowed, %d rejected\n", nok, nover, nsyn);
	ok(nok > 1000 && nover > 100 && nsyn > 1000,
	    "random text reaches every outcome");
	ok(bad == 0, "random text: grammar, range and value");
}

int
main(void)
{
	test_parse_format();
	test_arith();
	test_cmp();
	test_misc();
	test_random();
	test_powers();
	test_random_text();
	return done_testing();
}
